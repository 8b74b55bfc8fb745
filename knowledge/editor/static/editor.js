// 知识编辑工作台 (editor workbench) — GB/T 47483 6.3–6.4, four eyes, 9.3.3 b audit.
// Vanilla JS, no build step. Talks to the editor API only; the role token lives in
// sessionStorage. Every text from the server goes into the page through textContent.
"use strict";

(function () {
  const API = document.body.dataset.api || "/v1";
  const TOKEN_KEY = "daoban.editorToken";
  const ROLES = { editor: "编辑员", publisher: "发布员", admin: "管理员", auditor: "审计员" };
  const STATUS = { draft: "草稿", published: "已发布", retired: "已退出" };
  const STATES = { editing: "编辑中", submitted: "待发布", returned: "已退回", scheduled: "定时发布",
    publishing: "发布中", closed: "无待办草稿" };
  const ELEMENTS = { type: "事项类型", service_objects: "服务对象", conditions: "受理条件",
    materials: "申请材料", process: "办理流程", legal_time_limit: "法定办结时限", result: "办理结果",
    fee: "收费标准", place: "办理地点", channels: "办理渠道", consultation_phone: "咨询电话" };
  const TYPES = ["行政许可", "行政给付", "行政确认", "行政征收", "行政裁决", "行政奖励", "其他行政权力",
    "公共服务", "行政处罚", "行政强制", "行政检查"];
  const ASPECTS = { overview: "事项概要", materials: "申请材料", conditions: "受理条件", time_limit: "办理时限",
    fee: "收费标准", place: "办理地点", channels: "办理渠道" };
  const LINES = ["aliases", "colloquial_names", "situations", "service_objects", "conditions", "legal_basis", "themes"];
  const JSONS = ["materials", "process", "fees", "locations", "form_fields"];
  const state = { me: null, current: null };
  const $ = (id) => document.getElementById(id);
  const form = () => $("matter-form");

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
  function show(id, text) { const el = $(id); el.textContent = text || ""; el.hidden = !text; }
  function formatTime(iso) { return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : ""; }
  function row(values) {
    const tr = document.createElement("tr");
    for (const v of values) {
      const td = document.createElement("td");
      if (v instanceof Node) td.append(v); else td.textContent = v == null ? "" : String(v);
      tr.append(td);
    }
    return tr;
  }

  async function api(path, options = {}) {
    const headers = { Authorization: `Bearer ${token()}`, ...(options.headers || {}) };
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    const response = await fetch(API + path, { ...options, headers });
    if (!response.ok) {
      let body = {};
      try { body = await response.json(); } catch (e) { /* not JSON */ }
      const error = new Error(body.message || `请求失败（${response.status}）`);
      error.body = body;
      throw error;
    }
    return response;
  }

  function fail(error) {
    show("notice", "");
    show("error", error.message);
    const list = $("form-errors");
    list.replaceChildren(...((error.body && error.body.errors) || []).map((e) => {
      const li = document.createElement("li");
      li.textContent = `${e.field || ""}：${e.message || e.rule || ""}`;
      return li;
    }));
  }

  function done(text) { show("error", ""); $("form-errors").replaceChildren(); show("notice", text); }

  // ---- catalogue --------------------------------------------------------------------------
  async function loadCatalogue() {
    const p = new URLSearchParams();
    for (const [key, id] of [["q", "f-q"], ["domain", "f-domain"], ["department", "f-department"],
      ["status", "f-status"], ["draft_state", "f-state"]]) {
      if ($(id).value.trim()) p.set(key, $(id).value.trim());
    }
    const incomplete = $("f-incomplete").value;
    if (incomplete === "*") p.set("any_incomplete", "true"); else if (incomplete) p.set("incomplete", incomplete);
    if ($("f-flagged").checked) p.set("flagged", "true");
    const list = await (await api(`/catalogue?${p}`)).json();
    $("catalogue").querySelector("tbody").replaceChildren(...list.data.map((m) => {
      const link = document.createElement("button");
      link.type = "button";
      link.className = "link";
      link.textContent = m.code;
      link.dataset.code = m.code;
      link.addEventListener("click", () => openMatter(m.code).catch(fail));
      return row([link, m.name, m.department, STATUS[m.status] || m.status, m.version,
        STATES[m.draft_state] || m.draft_state, m.missing.map((e) => ELEMENTS[e] || e).join("、"),
        m.flags.join("、")]);
    }));
    $("catalogue-count").textContent = `共 ${list.count} 个事项`;
  }

  // ---- the form ---------------------------------------------------------------------------
  function fill(m) {
    const f = form();
    f.code.value = m.code || "";
    f.code.readOnly = Boolean(m.code);
    f.name.value = m.name || "";
    f.type.value = m.type || "";
    f.department.value = m.department || "";
    f.level.value = m.level || "";
    for (const key of LINES) f[key].value = (m[key] || []).join("\n");
    for (const key of JSONS) f[key].value = JSON.stringify(m[key] || [], null, 1);
    const limit = m.time_limit || {};
    f.legal_working_days.value = limit.legal_working_days ?? "";
    f.promised_working_days.value = limit.promised_working_days ?? "";
    f.time_limit_notes.value = limit.notes || "";
    f.result_name.value = (m.result && m.result.name) || "";
    f.result_delivery.value = (m.result && m.result.delivery) || "";
    f.channels.value = (m.channels || []).join(", ");
    f.kiosk_available.checked = Boolean(m.kiosk_available);
    f.progress_query.value = m.progress_query || "";
    f.consultation_phone.value = m.consultation_phone || "";
    f.complaint_phone.value = m.complaint_phone || "";
    f.kiosk_route.value = m.kiosk_route || "";
  }

  function collect() {
    const f = form();
    const base = state.current ? { ...state.current.draft } : {};
    for (const key of ["status", "version", "editor", "created_at", "updated_at"]) delete base[key];
    const m = { ...base, code: f.code.value.trim(), name: f.name.value.trim(),
      type: f.type.value || null, department: f.department.value.trim(), level: f.level.value.trim() };
    for (const key of LINES) m[key] = f[key].value.split("\n").map((s) => s.trim()).filter(Boolean);
    for (const key of JSONS) {
      try { m[key] = JSON.parse(f[key].value || "[]"); } catch (e) {
        throw Object.assign(new Error(`${key}：不是有效的 JSON 列表`), { body: {} });
      }
    }
    const days = (v) => (v === "" ? null : Number(v));
    m.time_limit = { legal_working_days: days(f.legal_working_days.value),
      promised_working_days: days(f.promised_working_days.value), notes: f.time_limit_notes.value.trim() };
    m.result = f.result_name.value.trim()
      ? { name: f.result_name.value.trim(), delivery: f.result_delivery.value.trim() } : null;
    m.channels = f.channels.value.split(/[,，\s]+/).filter(Boolean);
    m.kiosk_available = f.kiosk_available.checked;
    m.progress_query = f.progress_query.value.trim();
    m.consultation_phone = f.consultation_phone.value.trim() || null;
    m.complaint_phone = f.complaint_phone.value.trim() || null;
    m.kiosk_route = f.kiosk_route.value.trim();
    m.unpublished = (base.unpublished || []).filter((e) => e === "fee" || e === "place");
    return m;
  }

  function render(desk) {
    state.current = desk;
    const d = desk.draft;
    $("detail").hidden = false;
    $("d-title").textContent = `${d.code} ${d.name}`;
    $("d-status").textContent = `${STATUS[d.status] || d.status} v${d.version}`;
    $("d-state").textContent = STATES[desk.workflow.state] || desk.workflow.state;
    $("d-state").dataset.state = desk.workflow.state;
    $("d-missing").textContent = desk.missing_names.length ? `未公开要素：${desk.missing_names.join("、")}` : "各要素齐全";
    show("d-comment", desk.workflow.comment ? `发布员意见：${desk.workflow.comment}` : "");
    $("d-findings").replaceChildren(...desk.report.findings.map((f) => {
      const li = document.createElement("li");
      li.textContent = `${f.blocking ? "阻止发布" : "敏感词提示（由发布员判断）"}：${f.field} · ${f.reason}`;
      return li;
    }));
    fill(d);
    for (const id of ["preview", "diff", "history"]) $(id).hidden = true;
  }

  async function openMatter(code) {
    render(await (await api(`/matters/${encodeURIComponent(code)}/draft`)).json());
    $("detail").scrollIntoView();
  }

  async function act(path, json, message) {
    const code = state.current.draft.code;
    render(await (await api(`/matters/${encodeURIComponent(code)}/${path}`, { method: "POST", json })).json());
    done(message);
    await loadCatalogue();
  }

  // ---- preview, diff, history -------------------------------------------------------------
  async function preview() {
    const code = state.current.draft.code;
    done("正在用草稿运行导办流程生成预览…");
    $("preview-list").replaceChildren();
    const items = await (await api(`/matters/${encodeURIComponent(code)}/preview`, { method: "POST" })).json();
    $("preview-list").replaceChildren(...items.map((p) => {
      const box = document.createElement("div");
      box.className = "preview";
      box.dataset.aspect = p.aspect;
      const h = document.createElement("h4");
      h.textContent = `${ASPECTS[p.aspect] || p.aspect}：${p.question}${p.routed_to_draft ? "" : "（未路由到本事项）"}`;
      const screen = document.createElement("p");
      screen.className = "screen";
      screen.textContent = p.screen_text;
      const spoken = document.createElement("p");
      spoken.className = "hint spoken";
      spoken.textContent = `语音：${p.spoken_text}`;
      box.append(h, screen, spoken);
      return box;
    }));
    $("preview").hidden = false;
    done("预览已生成（草稿尚未对群众生效）");
  }

  async function diff() {
    const code = state.current.draft.code;
    const items = await (await api(`/matters/${encodeURIComponent(code)}/diff`)).json();
    $("diff-list").replaceChildren(...(items.length ? items.map((d) => {
      const box = document.createElement("div");
      const h = document.createElement("h4");
      h.textContent = d.label;
      const pre = document.createElement("pre");
      pre.className = "diff";
      pre.textContent = d.diff;
      box.append(h, pre);
      return box;
    }) : [document.createTextNode("草稿与已发布版本一致。")]));
    $("diff").hidden = false;
  }

  async function history() {
    const code = state.current.draft.code;
    const h = await (await api(`/matters/${encodeURIComponent(code)}/history`)).json();
    $("versions").querySelector("tbody").replaceChildren(...h.versions.map((v) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "回滚到此版本";
      button.dataset.version = v.version;
      button.disabled = !state.me || state.me.role !== "editor";
      button.addEventListener("click", () => act("rollback", { version: v.version },
        `已将 v${v.version} 恢复为草稿并提交发布`).then(history).catch(fail));
      return row([`v${v.version}`, v.editor, formatTime(v.at), v.content_hash.slice(0, 12), button]);
    }));
    $("audit").querySelector("tbody").replaceChildren(...h.audit.map((e) => row([
      formatTime(e.at), e.actor, ROLES[e.role] || e.role, e.action, e.detail,
      (e.hash_before || "").slice(0, 12), (e.hash_after || "").slice(0, 12)])));
    $("history").hidden = false;
  }

  // ---- import / export --------------------------------------------------------------------
  async function importFile() {
    const file = $("import-file").files[0];
    if (!file) { show("error", "请先选择要导入的文件"); return; }
    const report = await (await api(`/catalogue/import?filename=${encodeURIComponent(file.name)}`,
      { method: "POST", body: await file.arrayBuffer() })).json();
    const lines = [`导入 ${report.file}：${report.accepted ? "校验通过" : "校验未通过，未写入任何事项"}，共 ${report.total} 个事项`];
    for (const [action, n] of Object.entries(report.actions || {})) lines.push(`  ${action}: ${n}`);
    for (const p of report.problems || []) lines.push(`  #${p.index} ${p.code || ""} ${p.field}: ${p.message}`);
    for (const m of report.matters || []) lines.push(`  ${m.code} ${m.name} → ${m.action}${m.lacks.length ? "（缺：" + m.lacks.map((e) => ELEMENTS[e] || e).join("、") + "）" : ""}`);
    show("import-report", lines.join("\n"));
    await loadCatalogue();
  }

  async function exportAll() {
    const response = await api("/catalogue/export?format=yaml");
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = "matters.yaml";
    a.click();
    URL.revokeObjectURL(url);
  }

  // ---- login and wiring -------------------------------------------------------------------
  async function login(value) {
    sessionStorage.setItem(TOKEN_KEY, value);
    try {
      const me = await (await api("/review/me")).json();
      if (!ROLES[me.role]) throw new Error("该令牌的角色无权使用编辑工作台");
      state.me = me;
      $("who-name").textContent = `${me.name}（${ROLES[me.role]}）`;
      $("who").hidden = false;
      $("login").hidden = true;
      $("workspace").hidden = false;
      $("editor-actions").hidden = me.role !== "editor";
      $("publisher-actions").hidden = me.role !== "publisher";
      $("new-btn").hidden = me.role !== "editor";
      await loadCatalogue();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      show("login-error", error.message);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const type = form().type;
    for (const t of TYPES) { const o = document.createElement("option"); o.value = t; o.textContent = t; type.append(o); }
    for (const [key, name] of Object.entries(ELEMENTS)) {
      const o = document.createElement("option"); o.value = key; o.textContent = name; $("f-incomplete").append(o);
    }
    $("login-form").addEventListener("submit", (e) => { e.preventDefault(); login($("token").value.trim()); });
    $("logout-btn").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); loadCatalogue().catch(fail); });
    $("new-btn").addEventListener("click", () => {
      render({ draft: { code: "", name: "", status: "draft", version: 0 }, workflow: { state: "editing", comment: "" },
        missing_names: [], report: { findings: [] } });
      state.current = null;
      form().code.readOnly = false;
    });
    $("save-btn").addEventListener("click", async () => {
      try {
        const m = collect();
        render(await (await api(`/matters/${encodeURIComponent(m.code)}/draft`, { method: "PUT", json: m })).json());
        done("草稿已保存（已发布版本继续对群众服务，直至发布）");
        await loadCatalogue();
      } catch (error) { fail(error); }
    });
    $("submit-btn").addEventListener("click", () => act("submit", undefined, "已提交，等待发布员审核").catch(fail));
    $("publish-btn").addEventListener("click", () => {
      const when = $("effective-at").value;
      const json = when ? { effective_at: new Date(when).toISOString() } : {};
      act("publish", json, when ? "已安排定时发布" : "已发布，终端即刻生效").catch(fail);
    });
    $("send-back-btn").addEventListener("click", () => act("send-back", { comment: $("send-back-comment").value.trim() }, "已退回编辑").catch(fail));
    $("retire-btn").addEventListener("click", () => act("retire", { reason: $("retire-reason").value.trim(),
      replacement_code: $("retire-replacement").value.trim() || null }, "事项已退出").catch(fail));
    $("preview-btn").addEventListener("click", () => preview().catch(fail));
    $("diff-btn").addEventListener("click", () => diff().catch(fail));
    $("history-btn").addEventListener("click", () => history().catch(fail));
    $("import-btn").addEventListener("click", () => importFile().catch(fail));
    $("export-btn").addEventListener("click", () => exportAll().catch(fail));
    if (token()) login(token());
  });
})();

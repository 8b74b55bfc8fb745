// 内容审核工作台 (reviewer page) — GB/T 47483 9.4.1 b (human review) and 9.3.3 b (audit).
// Vanilla JS, no build step. Talks to the reviewer API only; the role token lives in
// sessionStorage. Every text from the server goes into the page through textContent.
"use strict";

(function () {
  const API = document.body.dataset.api || "/v1";
  const TOKEN_KEY = "daoban.reviewToken";
  const PAGE_SIZE = 20;

  const STATUS = {
    pending: "待审核", claimed: "已领取", approved: "已通过",
    rejected: "已驳回", corrected: "已更正", proposed: "待复核", overturned: "已推翻拒答",
  };
  const PROPOSAL_STATUS = {
    proposed: "待复核", live: "已生效", rejected: "已驳回", withdrawn: "已撤回",
    superseded: "已被新版本替代", stale: "事项已更新",
  };
  const KINDS = { correction: "更正回答", overturn: "推翻拒答" };
  const REASONS = {
    "safety.political": "涉政敏感", "safety.violence_terror": "暴恐", "safety.porn": "色情",
    "safety.illegal": "违法违规", "safety.discrimination": "歧视",
    "safety.misleading": "虚假误导", injection: "指令注入", pii: "个人信息",
    "scope.identity_auth": "身份核验", "scope.eligibility": "资格审核",
    "scope.final_decision": "审批决定", "scope.off_topic": "超出服务范围",
    "output.pii_leak": "回答含个人信息", "output.ungrounded": "回答无依据",
    "output.official_wording": "冒充官方结论", flag: "人工标记",
    "review.refusal": "拒答复查", "review.stale_correction": "事项已更新，更正待复核",
  };
  const ACTIONS = {
    "review.claim": "领取", "review.approved": "通过", "review.rejected": "驳回",
    "review.corrected": "更正", "lexicon.add": "添加词条", "lexicon.remove": "移除词条",
    "review.proposed": "提议更正", "review.overturn": "提议推翻拒答",
    "review.approve_proposal": "复核通过", "review.reject_proposal": "复核驳回",
    "review.withdraw_proposal": "撤回", "review.stale_correction": "事项更新退回",
    "review.read": "查看条目", "proposal.read": "查看提议", "training.read": "导出训练样本",
    "audit.read": "查阅审计日志", "auth.failed": "登录失败", "auth.forbidden": "越权尝试",
    "kiosk.prefill": "身份证预填",
  };
  const CATEGORIES = {
    political: "涉政", violence_terror: "暴恐", porn: "色情", illegal: "违法违规",
    discrimination: "歧视", misleading: "虚假误导", allow: "白名单（放行）",
  };
  const ASPECTS = {
    overview: "事项概要", materials: "申请材料", conditions: "受理条件", time_limit: "办理时限",
    fee: "收费标准", place: "办理地点", process: "办理流程", channels: "办理渠道",
    result: "办理结果", progress: "办理进度",
  };
  const ROLES = { reviewer: "审核员", auditor: "审计员" };

  const state = { me: null, offset: 0, count: 0, current: null, terms: [] };
  const $ = (id) => document.getElementById(id);

  // ---- small helpers ---------------------------------------------------------------------
  function label(map, key) {
    return map[key] ? `${map[key]}（${key}）` : key;
  }

  function formatTime(iso) {
    if (!iso) return "";
    const hasZone = /[zZ]|[+-]\d\d:?\d\d$/.test(iso);
    const when = new Date(hasZone ? iso : `${iso}Z`);
    if (Number.isNaN(when.getTime())) return iso;
    return when.toLocaleString("zh-CN", { hour12: false });
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    return td;
  }

  function button(text, onClick, cls) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (cls) b.className = cls;
    b.addEventListener("click", onClick);
    return b;
  }

  function show(el, visible) {
    el.hidden = !visible;
  }

  function say(text) {
    $("error").hidden = true;
    $("notice").textContent = text;
    show($("notice"), Boolean(text));
  }

  function fail(text) {
    $("notice").hidden = true;
    $("error").textContent = text;
    show($("error"), Boolean(text));
  }

  // ---- API -------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      super(describe(status, body));
      this.status = status;
      this.code = body && body.code;
    }
  }

  function describe(status, body) {
    const server = body && typeof body.message === "string" ? body.message : "";
    switch (status) {
      case 0:
        return "无法连接服务器，请检查网络后重试。";
      case 401:
        return "访问令牌无效或已失效，请重新输入正确的审核员令牌。";
      case 403:
        if (body && body.code === "guardrails.four_eyes") {
          return `需要另一位审核员复核：${server || "提议人不能自行批准或驳回自己的提议"}`;
        }
        return "当前令牌的角色无权执行此操作：只有审核员可以领取、审核条目和修改词库。";
      case 404:
        return "未找到该审核条目，可能已被删除，请刷新列表。";
      case 409: {
        const reason = server || "该条目当前状态不允许此操作";
        return server.includes("刷新")
          ? `操作冲突：${reason}`
          : `操作冲突：${reason}。请刷新列表查看最新状态。`;
      }
      case 422:
        return `填写的内容不符合要求：${server || "请检查后重试"}`;
      default:
        return status >= 500 ? "服务器暂时无法处理，请稍后重试。" : (server || "操作失败，请重试。");
    }
  }

  async function api(method, path, { token, body, query } = {}) {
    const url = new URL(API + path, window.location.origin);
    Object.entries(query || {}).forEach(([k, v]) => {
      if (v !== "" && v != null) url.searchParams.set(k, v);
    });
    const headers = { Authorization: `Bearer ${token || sessionStorage.getItem(TOKEN_KEY) || ""}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, cache: "no-store", credentials: "omit",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_err) {
      throw new ApiError(0, null);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // Runs an action; a 401 ends the session (the token is no longer valid).
  async function guarded(action) {
    try {
      return await action();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && state.me) {
        logout(err.message);
      } else {
        fail(err.message);
      }
      return undefined;
    }
  }

  // ---- login -----------------------------------------------------------------------------
  async function login(token) {
    const me = await api("GET", "/review/me", { token });
    sessionStorage.setItem(TOKEN_KEY, token);
    state.me = me;
    $("who-name").textContent = `${me.name}（${ROLES[me.role] || me.role}）`;
    show($("who"), true);
    show($("login"), false);
    show($("workspace"), true);
    $("login-error").hidden = true;
    const readonly = me.role !== "reviewer";
    document.body.classList.toggle("readonly", readonly);
    show($("readonly-note"), readonly);
    for (const id of ["act-claim", "act-approve", "act-reject", "act-correct", "act-overturn",
      "term-add"]) {
      $(id).disabled = readonly;
    }
    await Promise.all([loadReasons(), loadQueue()]);
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.me = null;
    state.current = null;
    show($("workspace"), false);
    show($("who"), false);
    show($("login"), true);
    $("error").hidden = true;
    $("notice").hidden = true;
    $("token").value = "";
    $("login-error").textContent = message || "";
    show($("login-error"), Boolean(message));
    $("token").focus();
  }

  // ---- queue -----------------------------------------------------------------------------
  async function loadReasons() {
    const stats = await api("GET", "/review/stats");
    const select = $("f-reason");
    const chosen = select.value;
    const codes = new Set([...Object.keys(REASONS), ...Object.keys(stats.review_items)]);
    codes.delete("flag");
    select.replaceChildren(new Option("全部原因", ""));
    [...codes].sort().forEach((code) => {
      const n = stats.review_items[code] || 0;
      select.add(new Option(`${label(REASONS, code)} · ${n}`, code));
    });
    select.value = chosen;
  }

  function filters() {
    return {
      status: $("f-status").value,
      reason_code: $("f-reason").value,
      kiosk_id: $("f-kiosk").value.trim(),
      limit: PAGE_SIZE,
      offset: state.offset,
    };
  }

  async function loadQueue() {
    const page = await api("GET", "/review/items", { query: filters() });
    state.count = page.count;
    const body = $("queue").tBodies[0];
    body.replaceChildren();
    for (const item of page.data) {
      const tr = document.createElement("tr");
      tr.dataset.id = item.id;
      tr.dataset.status = item.status;
      tr.dataset.kiosk = item.kiosk_id;
      tr.append(
        cell(item.id), cell(formatTime(item.created_at)), cell(item.kiosk_id || "—"),
        cell(item.reason_codes.map((c) => REASONS[c] || c).join("、")),
        cell(STATUS[item.status] || item.status), cell(item.question),
        cell(item.claimed_by || "—"),
      );
      const td = document.createElement("td");
      td.append(button("查看", () => guarded(() => openItem(item.id)), "view"));
      tr.append(td);
      body.append(tr);
    }
    show($("queue-empty"), page.data.length === 0);
    const pages = Math.max(1, Math.ceil(page.count / PAGE_SIZE));
    const current = Math.floor(state.offset / PAGE_SIZE) + 1;
    $("page-info").textContent = `共 ${page.count} 条，第 ${current} / ${pages} 页`;
    $("prev-page").disabled = state.offset === 0;
    $("next-page").disabled = state.offset + PAGE_SIZE >= page.count;
  }

  async function openItem(id) {
    const [item, trail, proposals] = await Promise.all([
      api("GET", `/review/items/${id}`),
      api("GET", "/review/audit", { query: { target: `review:${id}`, limit: 50 } }),
      api("GET", "/review/proposals", { query: { review_item_id: id, status: "", limit: 50 } }),
    ]);
    renderItem(item, trail);
    renderProposals($("item-proposals"), $("item-proposals-empty"), proposals.data, false);
  }

  // ---- proposals (four-eyes) -------------------------------------------------------------
  function proposalActions(p) {
    const td = document.createElement("td");
    const me = state.me;
    if (!me || me.role !== "reviewer") return td;
    if (p.status === "proposed" && p.proposed_by !== me.name) {
      td.append(button("复核通过", () => decideProposal(p, "approve", "已复核通过并生效"), "primary approve-proposal"));
      td.append(button("驳回提议", () => decideProposal(p, "reject", "已驳回，条目退回审核队列"), "danger reject-proposal"));
    }
    if (p.status === "live" || (p.status === "proposed" && p.proposed_by === me.name)) {
      td.append(button("撤回", () => decideProposal(p, "withdraw", "已撤回"), "withdraw-proposal"));
    }
    if (p.status === "proposed" && p.proposed_by === me.name) {
      const note = document.createElement("span");
      note.className = "hint";
      note.textContent = "等待另一位审核员复核";
      td.append(note);
    }
    return td;
  }

  function renderProposals(table, empty, proposals, withItem) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const p of proposals) {
      const tr = document.createElement("tr");
      tr.dataset.id = p.id;
      tr.dataset.status = p.status;
      tr.dataset.kind = p.kind;
      const content = p.kind === "overturn"
        ? `${p.allow_term ? `放行词条：${p.allow_term}` : "（无放行词条）"}${p.note ? `；${p.note}` : ""}`
        : p.text;
      const cells = [cell(p.id), cell(KINDS[p.kind] || p.kind),
        cell(PROPOSAL_STATUS[p.status] || p.status)];
      if (withItem) {
        const aspect = p.aspect ? label(ASPECTS, p.aspect) : "—";
        cells.push(cell(`#${p.review_item_id}`), cell(`${p.matter_code || "—"} / ${aspect}`));
      }
      cells.push(cell(p.version || "—"), cell(p.proposed_by), cell(p.decided_by || "—"),
        cell(content), proposalActions(p));
      tr.append(...cells);
      body.append(tr);
    }
    show(empty, proposals.length === 0);
  }

  async function loadProposals() {
    const page = await api("GET", "/review/proposals", {
      query: { status: $("p-status").value, limit: 200 },
    });
    renderProposals($("proposals"), $("proposals-empty"), page.data, true);
  }

  async function decideProposal(p, verb, done) {
    let body;
    if (verb !== "approve") {
      const note = window.prompt("说明（选填；请勿填写个人信息）", "");
      if (note === null) return;
      body = { note: note.trim() };
    }
    const result = await guarded(() => api("POST", `/review/proposals/${p.id}/${verb}`, { body }));
    if (result) say(`提议 #${result.id} ${done}。`);
    const refresh = [loadQueue(), loadProposals()];
    if (state.current) refresh.push(openItem(state.current.id));
    await guarded(() => Promise.all(refresh));
  }

  function renderItem(item, trail) {
    state.current = item;
    $("d-id").textContent = `#${item.id}`;
    $("d-status").textContent = STATUS[item.status] || item.status;
    $("d-status").dataset.status = item.status;
    $("d-reasons").textContent = item.reason_codes.map((c) => label(REASONS, c)).join("、");
    $("d-kiosk").textContent = item.kiosk_id || "—";
    $("d-time").textContent = `${formatTime(item.created_at)}（更新于 ${formatTime(item.updated_at)}）`;
    const aspect = item.aspect ? label(ASPECTS, item.aspect) : "—";
    $("d-matter").textContent = `${item.matter_code || "—"} / ${aspect}`;
    $("d-sources").textContent =
      item.sources.map((s) => `${s.matter_name}（${s.matter_code}）· ${s.section}`).join("；") || "—";
    $("d-claimed").textContent = item.claimed_by || "—";
    $("d-decided").textContent = item.decided_by || "—";
    $("d-question").textContent = item.question;
    $("d-answer").textContent = item.answer;
    $("d-correction").textContent = item.correction || "";
    show($("d-correction-box"), Boolean(item.correction));
    $("correct-matter").value = item.matter_code || "";
    $("correct-aspect").value = item.aspect && ASPECTS[item.aspect] ? item.aspect : "overview";
    const open = item.status === "pending" || item.status === "claimed";
    show($("actions"), open);
    show($("overturn-box"), item.reason_codes.includes("review.refusal"));
    $("act-claim").hidden = item.status === "claimed" && state.me && item.claimed_by === state.me.name;
    const body = $("item-audit").tBodies[0];
    body.replaceChildren();
    trail = trail.filter((e) => !e.action.endsWith(".read"));  // decisions; reads: audit tab
    for (const e of trail) {
      const tr = document.createElement("tr");
      tr.append(cell(formatTime(e.at)), cell(e.actor), cell(ACTIONS[e.action] || e.action), cell(e.detail));
      body.append(tr);
    }
    show($("item-audit-empty"), trail.length === 0);
    show($("detail"), true);
  }

  async function decide(verb, body, done) {
    const item = state.current;
    if (!item) return;
    const result = await guarded(async () => {
      const updated = await api("POST", `/review/items/${item.id}/${verb}`, { body });
      await Promise.all([openItem(updated.id), loadQueue(), loadReasons()]);
      return updated;
    });
    if (result) say(`条目 #${result.id} ${done}。`);
    else if (state.me) await guarded(() => Promise.all([openItem(item.id), loadQueue()]));
  }

  // ---- audit -----------------------------------------------------------------------------
  async function loadAudit() {
    const entries = await api("GET", "/review/audit", {
      query: { actor: $("a-actor").value.trim(), action: $("a-action").value, limit: 200 },
    });
    const body = $("audit").tBodies[0];
    body.replaceChildren();
    for (const e of entries) {
      const tr = document.createElement("tr");
      tr.append(
        cell(e.id), cell(formatTime(e.at)), cell(e.actor), cell(ROLES[e.role] || e.role),
        cell(ACTIONS[e.action] || e.action), cell(e.target), cell(e.detail),
      );
      body.append(tr);
    }
  }

  // ---- lexicon ---------------------------------------------------------------------------
  async function loadLexicon() {
    const page = await api("GET", "/lexicon/terms");
    state.terms = page.data;
    const categories = new Set([...page.data.map((t) => t.category), "allow"]);
    for (const id of ["term-category", "lex-category"]) {
      const select = $(id);
      const chosen = select.value;
      select.replaceChildren();
      if (id === "lex-category") select.add(new Option("全部类别", ""));
      [...categories].sort().forEach((c) => select.add(new Option(label(CATEGORIES, c), c)));
      if (chosen) select.value = chosen;
    }
    renderLexicon();
  }

  function renderLexicon() {
    const category = $("lex-category").value;
    const needle = $("lex-search").value.trim();
    const shown = state.terms.filter(
      (t) => (!category || t.category === category) && (!needle || t.term.includes(needle)),
    );
    $("lexicon-info").textContent = `词库共 ${state.terms.length} 条，当前显示 ${shown.length} 条。`;
    const body = $("lexicon").tBodies[0];
    body.replaceChildren();
    const readonly = !state.me || state.me.role !== "reviewer";
    for (const t of shown) {
      const tr = document.createElement("tr");
      tr.dataset.term = t.term;
      tr.dataset.category = t.category;
      const td = document.createElement("td");
      const remove = button("移除", () => removeTerm(t), "danger remove");
      remove.disabled = readonly;
      td.append(remove);
      tr.append(cell(t.term), cell(label(CATEGORIES, t.category)),
        cell(t.source === "reviewer" ? "审核员添加" : "内置"), td);
      body.append(tr);
    }
  }

  async function addTerm() {
    const term = $("term").value.trim();
    const category = $("term-category").value;
    if (!term) {
      fail("请填写要添加的词条。");
      return;
    }
    const added = await guarded(() => api("POST", "/lexicon/terms", { body: { term, category } }));
    if (added) {
      $("term").value = "";
      await guarded(loadLexicon);
      say(`已添加词条“${added.term}”（${label(CATEGORIES, added.category)}），下一次问答起生效。`);
    }
  }

  async function removeTerm(t) {
    if (!window.confirm(`确定移除词条“${t.term}”吗？`)) return;
    const removed = await guarded(() =>
      api("POST", "/lexicon/terms/remove", { body: { term: t.term, category: t.category } }));
    if (removed) {
      await guarded(loadLexicon);
      say(`已移除词条“${removed.term}”，下一次问答起生效。`);
    }
  }

  // ---- wiring ----------------------------------------------------------------------------
  function showTab(tab) {
    for (const other of document.querySelectorAll("[role=tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      show($(other.dataset.panel), selected);
    }
    if (tab.id === "tab-audit") guarded(loadAudit);
    if (tab.id === "tab-proposals") guarded(loadProposals);
    if (tab.id === "tab-lexicon") guarded(loadLexicon);
    if (tab.id === "tab-queue") guarded(loadQueue);
  }

  function wire() {
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (!token) return;
      $("login-btn").disabled = true;
      try {
        await login(token);
        $("token").value = "";
      } catch (err) {
        sessionStorage.removeItem(TOKEN_KEY);
        $("login-error").textContent = err.message;
        show($("login-error"), true);
      } finally {
        $("login-btn").disabled = false;
      }
    });
    $("logout-btn").addEventListener("click", () => logout(""));
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      state.offset = 0;
      say("");
      guarded(loadQueue);
    });
    $("f-reset").addEventListener("click", () => {
      $("f-status").value = "pending";
      $("f-reason").value = "";
      $("f-kiosk").value = "";
      state.offset = 0;
      guarded(loadQueue);
    });
    $("prev-page").addEventListener("click", () => {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      guarded(loadQueue);
    });
    $("next-page").addEventListener("click", () => {
      state.offset += PAGE_SIZE;
      guarded(loadQueue);
    });
    $("act-claim").addEventListener("click", () => decide("claim", undefined, "已领取"));
    $("act-approve").addEventListener("click", () => decide("approve", undefined, "已通过"));
    $("act-reject").addEventListener("click", () =>
      decide("reject", { note: $("reject-note").value.trim() }, "已驳回"));
    $("act-correct").addEventListener("click", () => {
      const text = $("correct-text").value.trim();
      if (!text) {
        fail("请填写更正后的回答。");
        return;
      }
      const matter = $("correct-matter").value.trim();
      if (!matter) {
        fail("请填写事项编码：更正将作为该事项该类问题的标准回答。");
        return;
      }
      const body = { text, matter_code: matter, aspect: $("correct-aspect").value };
      decide("correct", body, "已提交更正，待另一位审核员复核通过后用于该事项该类问题的后续回答");
    });
    $("act-overturn").addEventListener("click", () => {
      const term = $("overturn-term").value.trim();
      const body = { note: $("overturn-note").value.trim() };
      if (term) body.allow_term = term;
      decide("overturn", body, "已提议推翻拒答，待另一位审核员复核");
    });
    $("proposal-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(loadProposals);
    });
    $("audit-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(loadAudit);
    });
    $("term-form").addEventListener("submit", (event) => {
      event.preventDefault();
      addTerm();
    });
    $("lex-category").addEventListener("change", renderLexicon);
    $("lex-search").addEventListener("input", renderLexicon);
    for (const tab of document.querySelectorAll("[role=tab]")) {
      tab.addEventListener("click", () => showTab(tab));
    }
  }

  wire();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    login(saved).catch((err) => logout(err.message));
  }
})();

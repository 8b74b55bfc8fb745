// 服务统计 (statistics page) — GB/T 47483 10.1. Vanilla JS + ECharts (vendored), no build
// step. Talks to /v1/stats/* only; the role token lives in sessionStorage; every text from the
// server goes into the page through textContent or ECharts' own text rendering.
"use strict";

(function () {
  const API = document.body.dataset.api || "/v1";
  const TOKEN_KEY = "daoban.statsToken";
  const ROLES = { admin: "管理员", auditor: "审计员", publisher: "发布员" };
  const EVENTS = { refusal: "拒答", abstain: "未找到", flagged: "人工复核" };
  const $ = (id) => document.getElementById(id);
  const charts = {};

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  function showError(text) {
    const el = $("error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function api(path) {
    const response = await fetch(API + path, { headers: { Authorization: `Bearer ${token()}` } });
    if (!response.ok) {
      let message = `请求失败（${response.status}）`;
      try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  function isoDay(d) {
    const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function query() {
    return `start=${encodeURIComponent($("p-start").value)}&end=${encodeURIComponent($("p-end").value)}`;
  }

  function chart(id) {
    if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }

  function bar(id, labels, values, name, horizontal, line) {
    const category = { type: "category", data: labels, axisLabel: { interval: 0, fontSize: 11 } };
    const value = { type: "value", minInterval: 1 };
    chart(id).setOption({
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 140 : 48, right: 16, top: 24, bottom: 40 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? { ...category, inverse: true } : value,
      series: [line
        ? { name, type: "line", smooth: true, areaStyle: {}, data: values, itemStyle: { color: "#1f6feb" } }
        : { name, type: "bar", data: values, itemStyle: { color: "#1f6feb" } }],
    }, true);
  }

  function kpi(label, value) {
    const div = document.createElement("div");
    div.className = "kpi";
    const b = document.createElement("b");
    b.textContent = String(value);
    div.append(b, document.createTextNode(label));
    return div;
  }

  async function load() {
    showError("");
    const q = query();
    const [summary, matters, hourly, usage, kiosks, reasons] = await Promise.all([
      api(`/stats/summary?${q}`).then((r) => r.json()),
      api(`/stats/matters?${q}&limit=100`).then((r) => r.json()),
      api(`/stats/hourly?${q}`).then((r) => r.json()),
      api(`/stats/usage?${q}&granularity=${$("p-granularity").value}`).then((r) => r.json()),
      api(`/stats/kiosks?${q}`).then((r) => r.json()),
      api(`/stats/reasons?${q}`).then((r) => r.json()),
    ]);
    const box = $("kpis");
    box.replaceChildren(
      kpi("咨询总量", summary.questions), kpi("已解答", summary.answered),
      kpi("拒答", summary.refused), kpi("未找到", summary.abstained),
      kpi("人工复核", summary.flagged), kpi("语音", summary.voice), kpi("键盘", summary.keyboard),
      kpi("有帮助", summary.helpful), kpi("没帮助", summary.not_helpful),
      kpi("拒答率", `${(summary.refusal_rate * 100).toFixed(1)}%`),
    );
    const top = matters.data.slice(0, 15);
    bar("chart-matters", top.map((m) => m.matter_name || m.matter_code), top.map((m) => m.visits), "访问量", true);
    bar("chart-hourly", hourly.data.map((b) => b.label.slice(0, 2)), hourly.data.map((b) => b.questions), "咨询量", false, true);
    bar("chart-usage", usage.data.map((b) => b.label), usage.data.map((b) => b.questions), "咨询量", false);
    bar("chart-kiosks", kiosks.data.map((k) => k.kiosk_id || "（未标识）"), kiosks.data.map((k) => k.questions), "咨询量", true);
    bar("chart-reasons", reasons.data.map((r) => `${EVENTS[r.event] || r.event}·${r.reason}`), reasons.data.map((r) => r.count), "次数", true);
    chart("chart-channels").setOption({
      tooltip: { trigger: "item" },
      series: [
        { type: "pie", radius: ["20%", "45%"], center: ["25%", "50%"], label: { formatter: "{b}\n{c}" },
          data: [{ name: "语音", value: summary.voice }, { name: "键盘", value: summary.keyboard }] },
        { type: "pie", radius: ["20%", "45%"], center: ["75%", "50%"], label: { formatter: "{b}\n{c}" },
          data: [{ name: "有帮助", value: summary.helpful }, { name: "没帮助", value: summary.not_helpful }] },
      ],
    }, true);
    const body = $("matters").querySelector("tbody");
    body.replaceChildren(...matters.data.map((m) => {
      const tr = document.createElement("tr");
      for (const v of [m.rank, m.matter_code, m.matter_name, m.visits,
        `${(m.share * 100).toFixed(1)}%`, m.helpful, m.not_helpful]) {
        const td = document.createElement("td");
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }));
    document.body.dataset.loaded = q;
  }

  async function login(value) {
    sessionStorage.setItem(TOKEN_KEY, value);
    try {
      const me = await (await api("/review/me")).json();
      if (!ROLES[me.role]) throw new Error("该令牌的角色无权查看统计（需管理员、审计员或发布员）");
      $("who-name").textContent = `${me.name}（${ROLES[me.role]}）`;
      $("who").hidden = false;
      $("login").hidden = true;
      $("workspace").hidden = false;
      await load();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      $("login-error").textContent = error.message;
      $("login-error").hidden = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const today = new Date();
    $("p-end").value = isoDay(today);
    $("p-start").value = isoDay(new Date(today.getTime() - 29 * 86400000));
    $("login-form").addEventListener("submit", (e) => { e.preventDefault(); login($("token").value.trim()); });
    $("logout-btn").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
    $("period").addEventListener("submit", (e) => { e.preventDefault(); load().catch((err) => showError(err.message)); });
    $("csv-btn").addEventListener("click", async () => {
      try {
        const response = await api(`/stats/export.csv?${query()}&report=${$("csv-report").value}`);
        const url = URL.createObjectURL(await response.blob());
        const a = document.createElement("a");
        a.href = url;
        a.download = `daoban-${$("csv-report").value}.csv`;
        a.click();
        URL.revokeObjectURL(url);
      } catch (err) { showError(err.message); }
    });
    window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
    if (token()) login(token());
  });
})();

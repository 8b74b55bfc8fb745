/* 智能导办 kiosk screen. No framework, no storage: every citizen's data lives in this page's
   memory only and is wiped when the bridge's session ends (card removed, idle, new citizen). */
"use strict";

(function () {
  const body = document.body;
  const API = body.dataset.api || "/v1";
  const HOTLINE = body.dataset.hotline || "12345";
  const params = new URLSearchParams(window.location.search);
  const requested = params.get("kiosk") || "";
  const KIOSK = /^[A-Za-z0-9_-]{1,64}$/.test(requested) ? requested : "kiosk-1";
  const POLL_MS = 3000;
  const TOUCH_MIN_MS = 5000;
  const MAX_RECORD_MS = 8000;
  const MAX_FAILED_RECOGNITIONS = 2;

  const TEXT = {
    zh: {
      title: "智能导办", elderly: "敬老模式", voice_on: "语音播报：开", voice_off: "语音播报：关",
      new_citizen: "结束办理", ask_label: "请说出或输入您要办的事", placeholder: "例如：身份证丢了怎么补办",
      mic: "按下说话，再按一次结束", mic_short: "语音", ask: "提问", routes: "一键直达", follow_ups: "您还可以问",
      was_helpful: "这个回答有帮助吗？", helpful: "有帮助", not_helpful: "没帮助", thanks: "谢谢您的反馈",
      opening: "正在为您打开", back: "返回", hotline: "政务服务热线", help: "一键求助",
      consult: "咨询电话", complain: "投诉电话", source: "来源", listening: "正在听，请说话……再按一次结束",
      recognizing: "正在识别……", not_heard: "抱歉，没有听清，请再说一遍。",
      use_keyboard: "还是没有听清，请用键盘输入。", no_mic: "本机暂不能使用语音，请用键盘输入。",
      error: "网络或服务暂时不可用，请稍后再试，或点击“一键求助”。", lang_btn: "English",
      cleared: "",
    },
    en: {
      title: "Service Guide", elderly: "Large text", voice_on: "Voice: on", voice_off: "Voice: off",
      new_citizen: "Finish", ask_label: "Say or type what you want to do",
      placeholder: "e.g. How do I apply for a passport", mic: "Press to speak, press again to stop",
      mic_short: "Speak", ask: "Ask", routes: "Go directly", follow_ups: "You can also ask",
      was_helpful: "Was this helpful?", helpful: "Helpful", not_helpful: "Not helpful",
      thanks: "Thank you for your feedback", opening: "Opening", back: "Back",
      hotline: "Service hotline", help: "Call for help", consult: "Consultation",
      complain: "Complaints", source: "Source", listening: "Listening… press again to stop",
      recognizing: "Recognizing…", not_heard: "Sorry, I did not catch that. Please say it again.",
      use_keyboard: "Still not clear. Please type your question.",
      no_mic: "Voice input is not available here. Please type your question.",
      error: "The service is not available right now. Please try again or press Call for help.",
      lang_btn: "中文", cleared: "",
    },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    sessionId: null, idleTimeoutS: 120, elderly: false, lang: "zh", voiceOn: true, failures: 0,
    answerId: null, lastActive: Date.now(), lastTouch: 0, audio: null, audioUrl: null,
    recorder: null, routes: [],
  };

  function t(key) { return TEXT[state.lang][key] || TEXT.zh[key] || key; }

  function applyLanguage() {
    document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    document.querySelectorAll("[data-i18n-label]").forEach((el) => {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    });
    $("voice-btn").textContent = state.voiceOn ? t("voice_on") : t("voice_off");
    $("lang-btn").textContent = t("lang_btn");
    $("lang-btn").setAttribute("lang", state.lang === "en" ? "zh-CN" : "en");
    $("lang-btn").setAttribute("aria-pressed", String(state.lang === "en"));
    $("label-en").hidden = state.lang !== "en";
    document.title = state.lang === "en" ? "Service Guide · Self-service kiosk" : "智能导办 · 政务服务自助终端";
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function call(path, options) {
    const response = await fetch(API + path, Object.assign({ cache: "no-store" }, options || {}));
    if (!response.ok) {
      let message = t("error");
      try { const data = await response.json(); if (data && data.message) message = data.message; } catch (e) { /* not JSON */ }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  function postJson(path, payload) {
    return call(path, { method: "POST", headers: { "content-type": "application/json" },
                        body: JSON.stringify(payload) });
  }

  /* ---- session hygiene ---- */

  function stopAudio() {
    if (state.audio) { state.audio.pause(); state.audio.removeAttribute("src"); state.audio = null; }
    if (state.audioUrl) { URL.revokeObjectURL(state.audioUrl); state.audioUrl = null; }
  }

  function clearScreen() {
    stopAudio();
    stopRecording(false);
    for (const id of ["answer-text", "sources", "routes", "follow-ups", "phones", "route-name",
                      "route-target", "answer-note", "mic-status"]) {
      $(id).replaceChildren();
    }
    for (const id of ["answer", "route-panel", "routes-box", "follow-box", "phones", "feedback",
                      "answer-note"]) {
      $(id).hidden = true;
    }
    $("question").value = "";
    showError("");
    state.failures = 0;
    state.answerId = null;
    state.routes = [];
    state.elderly = false;
    state.lang = "zh";
    state.voiceOn = true;
    body.classList.remove("elderly");
    $("elderly-btn").setAttribute("aria-pressed", "false");
    $("voice-btn").setAttribute("aria-pressed", "true");
    applyLanguage();
  }

  async function startSession() {
    try {
      const response = await call(`/kiosk/${KIOSK}/session`, { method: "POST" });
      const data = await response.json();
      state.sessionId = data.session_id;
      state.idleTimeoutS = data.idle_timeout_s;
      state.lastActive = Date.now();
      body.dataset.session = "live";
    } catch (e) {
      state.sessionId = null;
      body.dataset.session = "none";
    }
  }

  async function newCitizen(reason) {
    clearScreen();
    if (state.sessionId) {
      try { await postJson(`/kiosk/${KIOSK}/session/end`, { reason }); } catch (e) { /* ended already */ }
    }
    state.sessionId = null;
    await startSession();
  }

  async function poll() {
    if (Date.now() - state.lastActive > state.idleTimeoutS * 1000) {
      await newCitizen("idle_timeout");
      return;
    }
    try {
      const data = await (await call(`/kiosk/${KIOSK}/session`)).json();
      if (!data.live || data.session_id !== state.sessionId) {
        // the bridge ended the session (card removed, idle, another citizen): wipe and restart
        clearScreen();
        state.sessionId = null;
        await startSession();
      }
    } catch (e) { /* service briefly unreachable: keep the screen, try again */ }
  }

  function activity() {
    state.lastActive = Date.now();
    if (state.sessionId && Date.now() - state.lastTouch > TOUCH_MIN_MS) {
      state.lastTouch = Date.now();
      call(`/kiosk/${KIOSK}/session/touch`, { method: "POST" }).catch(() => {});
    }
  }

  /* ---- asking and showing ---- */

  function button(text, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener("click", onClick);
    return b;
  }

  async function speak(answer) {
    stopAudio();
    if (!state.voiceOn || state.lang !== "zh" || !answer.spoken_text) return;
    try {
      const response = await postJson("/tts", { text: answer.spoken_text.slice(0, 2000),
                                                 elderly: answer.pace === "elderly" });
      state.audioUrl = URL.createObjectURL(await response.blob());
      state.audio = new Audio(state.audioUrl);
      await state.audio.play();
    } catch (e) { /* no voice: the screen still shows everything */ }
  }

  async function showPhones(code) {
    try {
      const matter = await (await call(`/matters/${encodeURIComponent(code)}`)).json();
      const box = $("phones");
      const items = [];
      if (matter.consultation_phone) items.push([t("consult"), matter.consultation_phone]);
      if (matter.complaint_phone) items.push([t("complain"), matter.complaint_phone]);
      items.push([t("hotline"), HOTLINE]);
      box.replaceChildren(...items.map(([name, phone]) => {
        const p = document.createElement("p");
        p.className = "phone";
        p.append(`${name}：`);
        const strong = document.createElement("strong");
        strong.textContent = phone;
        p.append(strong);
        return p;
      }));
      box.hidden = false;
    } catch (e) { /* phones stay in the answer text */ }
  }

  function showRoute(route) {
    $("answer").hidden = true;
    $("route-name").textContent = state.lang === "en" && route.english_name ? route.english_name : route.matter_name;
    $("route-target").textContent = route.kiosk_route;
    $("route-panel").hidden = false;
    window.dispatchEvent(new CustomEvent("kiosk-route", { detail: { kiosk_route: route.kiosk_route } }));
  }

  function render(result) {
    const answer = result.answer;
    $("route-panel").hidden = true;
    /* English mode: the API's screen_text is complete on its own and already says the note
       (clients that show only screen_text never switch language silently); the page shows
       the note once, in its own box, so it is taken out of the text here. */
    const noteText = answer.language_note || "";
    const screenText = noteText && answer.screen_text.includes(noteText)
      ? answer.screen_text.replace(noteText, "").replace(/\n{3,}/g, "\n\n").trim()
      : answer.screen_text;
    $("answer-text").textContent = screenText;
    const note = $("answer-note");
    note.textContent = noteText;
    note.hidden = !noteText;
    $("sources").textContent = (result.sources || []).length
      ? `${t("source")}：` + result.sources.map((s) => `${s.matter_name}（${s.section}）`).join("；")
      : "";
    state.routes = result.routes || [];
    $("routes").replaceChildren(...state.routes.map((route) => button(
      state.lang === "en" && route.english_name ? route.english_name : route.matter_name,
      "route", () => { activity(); showRoute(route); })));
    $("routes-box").hidden = state.routes.length === 0;
    $("follow-ups").replaceChildren(...(result.follow_ups || []).map((question) => button(
      question, "follow", () => { activity(); ask(question, "keyboard"); })));
    $("follow-box").hidden = (result.follow_ups || []).length === 0;
    $("phones").hidden = true;
    if ((result.sources || []).length) showPhones(result.sources[0].matter_code);
    state.answerId = result.answer_id || null;
    $("feedback").hidden = !state.answerId;
    $("feedback-done").hidden = true;
    $("helpful-btn").disabled = false;
    $("unhelpful-btn").disabled = false;
    body.dataset.intent = result.intent;
    body.dataset.refused = String(Boolean(result.refused));
    $("answer").hidden = false;
    speak(answer);
  }

  async function ask(question, channel) {
    const text = (question || "").trim();
    if (!text) return;
    showError("");
    $("ask-btn").disabled = true;
    try {
      if (!state.sessionId) await startSession();
      const payload = { question: text.slice(0, 500), kiosk_id: KIOSK, elderly: state.elderly,
                        lang: state.lang, channel };
      if (state.sessionId) payload.session_id = state.sessionId;
      const result = await (await postJson("/ask", payload)).json();
      render(result);
    } catch (e) {
      showError(e.message || t("error"));
    } finally {
      $("ask-btn").disabled = false;
    }
  }

  async function feedback(helpful) {
    if (!state.answerId) return;
    $("helpful-btn").disabled = true;
    $("unhelpful-btn").disabled = true;
    try { await postJson("/feedback", { answer_id: state.answerId, helpful }); } catch (e) { /* counted or expired */ }
    $("feedback-done").hidden = false;
  }

  /* ---- voice input (browser microphone; the kiosk's pickup goes through the bridge) ---- */

  function micStatus(message) { $("mic-status").textContent = message || ""; }

  function failedRecognition() {
    state.failures += 1;
    if (state.failures >= MAX_FAILED_RECOGNITIONS) {
      micStatus(t("use_keyboard"));
      $("question").focus();
    } else {
      micStatus(t("not_heard"));
    }
  }

  function stopRecording(send) {
    const rec = state.recorder;
    if (!rec) return;
    state.recorder = null;
    clearTimeout(rec.timer);
    rec.node.disconnect();
    rec.source.disconnect();
    rec.stream.getTracks().forEach((track) => track.stop());
    rec.context.close();
    $("mic-btn").setAttribute("aria-pressed", "false");
    if (send) recognize(rec.chunks, rec.context.sampleRate);
  }

  async function recognize(chunks, rate) {
    const length = chunks.reduce((n, c) => n + c.length, 0);
    const pcm = new Int16Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      for (let i = 0; i < chunk.length; i += 1) {
        const s = Math.max(-1, Math.min(1, chunk[i]));
        pcm[offset + i] = s < 0 ? s * 0x8000 : s * 0x7fff;
      }
      offset += chunk.length;
    }
    chunks.length = 0;
    micStatus(t("recognizing"));
    try {
      const response = await call(`/asr?sample_rate_hz=${Math.round(rate)}`, {
        method: "POST", headers: { "content-type": "audio/l16" }, body: pcm.buffer });
      const transcript = await response.json();
      if (!transcript.text) { failedRecognition(); return; }
      state.failures = 0;
      micStatus("");
      $("question").value = transcript.text;
      await ask(transcript.text, "voice");
    } catch (e) {
      failedRecognition();
    } finally {
      pcm.fill(0);
    }
  }

  async function toggleMic() {
    activity();
    if (state.recorder) { stopRecording(true); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { micStatus(t("no_mic")); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
      const context = new AudioContext();
      const source = context.createMediaStreamSource(stream);
      const node = context.createScriptProcessor(4096, 1, 1);
      const rec = { stream, context, source, node, chunks: [], timer: null };
      node.onaudioprocess = (event) => { rec.chunks.push(new Float32Array(event.inputBuffer.getChannelData(0))); };
      source.connect(node);
      node.connect(context.destination);
      rec.timer = setTimeout(() => stopRecording(true), MAX_RECORD_MS);
      state.recorder = rec;
      stopAudio();
      $("mic-btn").setAttribute("aria-pressed", "true");
      micStatus(t("listening"));
    } catch (e) {
      micStatus(t("no_mic"));
      $("question").focus();
    }
  }

  /* ---- wiring ---- */

  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    activity();
    ask($("question").value, "keyboard");
  });
  $("mic-btn").addEventListener("click", toggleMic);
  $("help-btn").addEventListener("click", () => { activity(); ask("一键求助", "keyboard"); });
  $("route-back").addEventListener("click", () => { activity(); $("route-panel").hidden = true; $("answer").hidden = false; });
  $("helpful-btn").addEventListener("click", () => { activity(); feedback(true); });
  $("unhelpful-btn").addEventListener("click", () => { activity(); feedback(false); });
  $("new-btn").addEventListener("click", () => newCitizen("finished"));
  $("elderly-btn").addEventListener("click", () => {
    activity();
    state.elderly = !state.elderly;
    body.classList.toggle("elderly", state.elderly);
    $("elderly-btn").setAttribute("aria-pressed", String(state.elderly));
  });
  $("lang-btn").addEventListener("click", () => {
    activity();
    state.lang = state.lang === "zh" ? "en" : "zh";
    applyLanguage();
  });
  $("voice-btn").addEventListener("click", () => {
    activity();
    state.voiceOn = !state.voiceOn;
    if (!state.voiceOn) stopAudio();
    $("voice-btn").setAttribute("aria-pressed", String(state.voiceOn));
    applyLanguage();
  });
  for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, activity, { passive: true });
  window.addEventListener("pagehide", () => { clearScreen(); });

  applyLanguage();
  startSession();
  setInterval(poll, POLL_MS);
})();

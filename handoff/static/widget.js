/*
 * effortless chat widget. One script tag on any page:
 *   <script src="https://support.example.com/widget.js" async
 *           data-language="en" data-title="Help" data-customer-token="…"></script>
 * Plain JavaScript, styles isolated in a shadow root, every message rendered with textContent.
 * Protocol: docs/api.md (customer API). Behaviour and options: docs/widget.md.
 */
(() => {
  "use strict";

  const script =
    document.currentScript || document.querySelector('script[src*="widget.js"][data-server], script[src*="widget.js"]');
  if (!script || window.__effortlessWidget) return;
  const ds = script.dataset || {};
  const SERVER = (ds.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const WS_SERVER = SERVER.replace(/^http/, "ws");
  const LANGS = ["en", "ko"];
  const pickLanguage = (value) => {
    const lang = String(value || "").toLowerCase().split("-")[0];
    return LANGS.includes(lang) ? lang : null;
  };
  const LANGUAGE =
    pickLanguage(ds.language) || pickLanguage(document.documentElement.lang) ||
    pickLanguage(navigator.language) || "en";
  const CUSTOMER_TOKEN = ds.customerToken || "";
  const STORE_KEY = "effortless:conversation:" + SERVER;
  const OUTBOX_PREFIX = "effortless:outbox:";

  const TEXT = {
    en: {
      title: "Customer service",
      open: "Chat with us",
      close: "Minimise chat",
      end: "End chat",
      endConfirm: "Press again to end the chat",
      ended: "You ended the chat. Write again any time to start a new one.",
      welcome: "Hi! How can we help you today? Ask about an order, a delivery, a return or your account.",
      placeholder: "Write a message…",
      inputLabel: "Your message",
      send: "Send",
      you: "You",
      bot: "Assistant",
      agent: "Agent",
      system: "Notice",
      botTyping: "The assistant is typing…",
      agentTyping: "{name} is typing…",
      statusBot: "Assistant · usually answers at once",
      statusQueued: "Waiting for a colleague · you are number {position}, about {minutes} min",
      statusQueuedNoEstimate: "Waiting for a colleague · you are number {position}",
      statusNobody: "No colleague is online right now · leave a message, it stays in the queue",
      statusAgent: "You are chatting with {name}",
      statusClosed: "Conversation closed · write to start again",
      connecting: "Connecting…",
      reconnecting: "Connection lost · reconnecting…",
      offline: "You are offline · messages will be sent when you are back",
      sending: "Sending…",
      notSent: "Not sent yet · will retry",
      newMessage: "New message from {who}: {text}",
      quickReplies: "Suggested replies",
      cesQuestion: "Rate from 1 (strongly disagree) to 7 (strongly agree)",
      cesLow: "Strongly disagree",
      cesHigh: "Strongly agree",
      cesThanks: "Thank you for your rating.",
      unread: "{count} unread",
      error: "Sorry, something went wrong. Please try again.",
    },
    ko: {
      title: "고객센터",
      open: "채팅 상담",
      close: "채팅 최소화",
      end: "상담 종료",
      endConfirm: "한 번 더 누르면 상담이 종료됩니다",
      ended: "상담을 종료했습니다. 언제든 다시 메시지를 보내 새 상담을 시작하세요.",
      welcome: "안녕하세요! 무엇을 도와드릴까요? 주문, 배송, 반품, 계정에 대해 물어보세요.",
      placeholder: "메시지를 입력하세요…",
      inputLabel: "메시지",
      send: "보내기",
      you: "나",
      bot: "상담 봇",
      agent: "상담원",
      system: "안내",
      botTyping: "상담 봇이 입력 중입니다…",
      agentTyping: "{name} 상담원이 입력 중입니다…",
      statusBot: "상담 봇 · 바로 답변드립니다",
      statusQueued: "상담원 연결 대기 중 · 대기 순서 {position}번째, 약 {minutes}분",
      statusQueuedNoEstimate: "상담원 연결 대기 중 · 대기 순서 {position}번째",
      statusNobody: "지금은 연결 가능한 상담원이 없습니다 · 메시지를 남겨 주세요",
      statusAgent: "{name} 상담원과 대화 중",
      statusClosed: "상담이 종료되었습니다 · 메시지를 보내면 다시 시작됩니다",
      connecting: "연결 중…",
      reconnecting: "연결이 끊어졌습니다 · 다시 연결하는 중…",
      offline: "오프라인 상태입니다 · 연결되면 메시지를 보냅니다",
      sending: "보내는 중…",
      notSent: "아직 보내지 못했습니다 · 다시 시도합니다",
      newMessage: "{who}의 새 메시지: {text}",
      quickReplies: "추천 답변",
      cesQuestion: "1(전혀 그렇지 않다)부터 7(매우 그렇다)까지 선택해 주세요",
      cesLow: "전혀 그렇지 않다",
      cesHigh: "매우 그렇다",
      cesThanks: "평가해 주셔서 감사합니다.",
      unread: "읽지 않은 메시지 {count}개",
      error: "죄송합니다. 문제가 발생했습니다. 다시 시도해 주세요.",
    },
  };
  const T = TEXT[LANGUAGE];
  const t = (key, values) =>
    (T[key] || TEXT.en[key] || key).replace(/\{(\w+)\}/g, (_, name) =>
      values && values[name] !== undefined ? String(values[name]) : "");
  const TITLE = ds.title || T.title;

  // ---------------------------------------------------------------- storage (shared by tabs)
  const storage = {
    get(key) {
      try {
        const raw = window.localStorage.getItem(key);
        return raw ? JSON.parse(raw) : null;
      } catch (_) {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) window.localStorage.removeItem(key);
        else window.localStorage.setItem(key, JSON.stringify(value));
      } catch (_) {
        /* private mode or quota: the widget still works for this page view */
      }
    },
  };

  /** The `sub` claim of the shop's customer token (not verified here; the server does that). */
  function tokenSubject(token) {
    if (!token) return null;
    const parts = token.split(".");
    const body = parts.length === 3 ? parts[1] : parts[0];
    try {
      const json = atob(body.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((body.length + 3) % 4));
      const claims = JSON.parse(json);
      return typeof claims.sub === "string" ? claims.sub : null;
    } catch (_) {
      return null;
    }
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  const STYLE = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
.root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", sans-serif;
  color: #1a1a1a; }
button { font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.launcher { display: flex; align-items: center; gap: 8px; border: 0; border-radius: 28px;
  padding: 14px 20px; background: #1b4fa0; color: #fff; font-weight: 600;
  box-shadow: 0 4px 16px rgba(0,0,0,.25); }
.launcher:hover { background: #163f80; }
.badge { background: #b00020; color: #fff; border-radius: 10px; padding: 0 7px; font-size: 13px; }
.panel { display: flex; flex-direction: column; width: 370px; height: min(600px, calc(100vh - 40px));
  background: #fff; border-radius: 14px; overflow: hidden; box-shadow: 0 8px 32px rgba(0,0,0,.28); }
.panel[hidden], .launcher[hidden] { display: none; }
header { background: #1b4fa0; color: #fff; padding: 12px 14px; display: flex; gap: 8px;
  align-items: flex-start; }
header .titles { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: 17px; }
header .status { margin: 2px 0 0; font-size: 13px; color: #e8eefc; }
header button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.6);
  border-radius: 6px; padding: 4px 8px; font-size: 13px; }
header button:hover { background: rgba(255,255,255,.15); }
.conn { background: #fff4d6; color: #5c4200; font-size: 13px; padding: 6px 14px; }
.conn[hidden] { display: none; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px;
  background: #f6f7f9; }
.msg { max-width: 85%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.msg .who { display: block; font-size: 12px; font-weight: 600; color: #4a4a4a; margin-bottom: 2px; }
.msg.customer { align-self: flex-end; background: #1b4fa0; color: #fff; border-bottom-right-radius: 4px; }
.msg.customer .who { color: #e8eefc; }
.msg.bot, .msg.agent { align-self: flex-start; background: #fff; border: 1px solid #d9dde3;
  border-bottom-left-radius: 4px; }
.msg.agent { border-color: #1b7a4a; }
.msg.agent .who { color: #14603a; }
.msg.pending { opacity: .75; }
.msg .state { display: block; font-size: 12px; margin-top: 2px; }
.notice { margin: 0; align-self: center; text-align: center; font-size: 13px; color: #3d3d3d;
  background: #e9ecf1; border-radius: 10px; padding: 6px 12px; max-width: 95%; white-space: pre-wrap; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; align-self: flex-start; }
.quick button { background: #fff; color: #1b4fa0; border: 1.5px solid #1b4fa0; border-radius: 16px;
  padding: 5px 12px; }
.quick button:hover { background: #e8eefc; }
.ces { align-self: stretch; background: #fff; border: 1px solid #d9dde3; border-radius: 12px; padding: 8px 10px; }
.ces .scale { display: grid; grid-template-columns: repeat(7, 1fr); gap: 4px; margin: 6px 0 2px; }
.ces .scale button { background: #fff; color: #1b4fa0; border: 1.5px solid #1b4fa0; border-radius: 8px;
  padding: 6px 0; font-weight: 600; min-height: 36px; }
.ces .scale button:hover { background: #e8eefc; }
.ces .ends { display: flex; justify-content: space-between; font-size: 12px; color: #4a4a4a; }
.typing { font-size: 13px; color: #4a4a4a; padding: 4px 14px; min-height: 24px; background: #f6f7f9; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d9dde3; background: #fff; }
textarea { flex: 1; resize: none; font: inherit; padding: 8px 10px; border: 1.5px solid #8a929e;
  border-radius: 8px; min-height: 42px; max-height: 120px; color: #1a1a1a; background: #fff; }
form button { border: 0; border-radius: 8px; background: #1b4fa0; color: #fff; padding: 0 16px;
  font-weight: 600; }
form button:hover { background: #163f80; }
@media (max-width: 480px) {
  .root { right: 12px; bottom: 12px; }
  .root.open { inset: 0; }
  .root.open .panel { width: 100vw; height: 100%; border-radius: 0; }
}
`;

  // ---------------------------------------------------------------- the widget
  class Widget {
    constructor() {
      this.conversation = null; // {id, token, customerId}
      this.state = null; // last conversation state from the server
      this.seen = new Map(); // seq -> element
      this.payloadTitles = new Map();
      this.lastSeq = 0;
      this.ws = null;
      this.wsFailures = 0;
      this.backoffTimer = null;
      this.pollTimer = null;
      this.pingTimer = null;
      this.typingTimer = null;
      this.botTypingTimer = null;
      this.lastTypingSent = 0;
      this.unread = 0;
      this.creating = null;
      this.endArmed = 0;
      this.build();
      this.adoptStored();
      window.addEventListener("online", () => this.reconnectNow());
      window.addEventListener("storage", (event) => this.onStorage(event));
    }

    // ---- layout
    build() {
      this.host = el("div", { id: "effortless-chat-widget" });
      const shadow = this.host.attachShadow({ mode: "open" });
      this.shadow = shadow;
      const style = el("style", { text: STYLE });
      const panelId = "effortless-panel";
      this.launcher = el("button", {
        class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": panelId,
        onclick: () => this.open(),
      });
      this.launcherLabel = el("span", { text: t("open") });
      this.badge = el("span", { class: "badge", hidden: true });
      this.launcher.append(
        el("span", { "aria-hidden": "true", text: "💬" }), this.launcherLabel, this.badge);

      this.title = el("h2", { id: "effortless-title", text: TITLE });
      this.status = el("p", { class: "status", role: "status", text: t("statusBot") });
      this.endButton = el("button", { type: "button", class: "end", text: t("end"),
        onclick: () => this.endChat() });
      this.closeButton = el("button", { type: "button", class: "close", "aria-label": t("close"),
        text: "✕", onclick: () => this.close() });
      const header = el("header", {},
        el("div", { class: "titles" }, this.title, this.status), this.endButton, this.closeButton);
      this.conn = el("div", { class: "conn", role: "status", hidden: true });
      this.log = el("div", { class: "log", role: "log", "aria-live": "off",
        "aria-labelledby": "effortless-title", tabindex: "0" });
      this.typing = el("div", { class: "typing", "aria-hidden": "true" });
      this.announcer = el("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "true" });
      this.input = el("textarea", { id: "effortless-input", rows: "1", maxlength: "5000",
        placeholder: t("placeholder"), autocomplete: "off" });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.input.addEventListener("input", () => this.onInput());
      this.input.addEventListener("blur", () => this.sendTyping(false));
      this.form = el("form", { onsubmit: (event) => { event.preventDefault(); this.submit(); } },
        el("label", { class: "sr-only", for: "effortless-input", text: t("inputLabel") }),
        this.input,
        el("button", { type: "submit", text: t("send") }));
      this.panel = el("section", { id: panelId, class: "panel", role: "dialog",
        "aria-modal": "false", "aria-labelledby": "effortless-title", hidden: true },
      header, this.conn, this.log, this.typing, this.form, this.announcer);
      this.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          this.close();
        }
      });
      this.root = el("div", { class: "root", lang: LANGUAGE }, this.launcher, this.panel);
      shadow.append(style, this.root);
      this.notice(t("welcome"), { welcome: true });
      document.body.append(this.host);
    }

    open() {
      this.panel.hidden = false;
      this.launcher.hidden = true;
      this.launcher.setAttribute("aria-expanded", "true");
      this.root.classList.add("open");
      this.setUnread(0);
      this.scrollDown();
      this.input.focus();
      this.ensureConversation().catch(() => {});
      storage.set(STORE_KEY + ":open", true);
    }

    close() {
      this.panel.hidden = true;
      this.launcher.hidden = false;
      this.launcher.setAttribute("aria-expanded", "false");
      this.root.classList.remove("open");
      this.sendTyping(false);
      this.launcher.focus();
      storage.set(STORE_KEY + ":open", null);
    }

    get isOpen() {
      return !this.panel.hidden;
    }

    setUnread(count) {
      this.unread = count;
      this.badge.hidden = count === 0;
      this.badge.textContent = String(count);
      this.badge.setAttribute("aria-label", t("unread", { count }));
    }

    scrollDown() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    announce(text) {
      // Re-set the text so that the same message twice is announced twice.
      this.announcer.textContent = "";
      window.setTimeout(() => { this.announcer.textContent = text; }, 50);
    }

    setConn(text) {
      this.conn.hidden = !text;
      this.conn.textContent = text || "";
    }

    // ---- conversation lifecycle
    adoptStored() {
      const stored = storage.get(STORE_KEY);
      const wanted = tokenSubject(CUSTOMER_TOKEN);
      if (stored && stored.id && stored.token && (stored.customerId || null) === wanted) {
        this.conversation = stored;
        this.loadHistory().then(() => this.connect());
        if (storage.get(STORE_KEY + ":open")) this.open();
      } else if (stored) {
        // Another (or no) signed-in customer: never show someone else's conversation.
        storage.set(STORE_KEY, null);
      }
    }

    onStorage(event) {
      if (event.key !== STORE_KEY) return;
      const stored = storage.get(STORE_KEY);
      if (stored && this.conversation && stored.id === this.conversation.id) return;
      this.reset();
      if (stored && stored.id) {
        this.conversation = stored;
        this.loadHistory().then(() => this.connect());
      }
    }

    reset() {
      this.disconnect();
      this.conversation = null;
      this.state = null;
      this.lastSeq = 0;
      for (const node of this.seen.values()) node.remove();
      this.seen.clear();
      for (const node of this.log.querySelectorAll(".msg, .notice:not([data-welcome]), .quick, .ces")) {
        node.remove();
      }
      this.setStatus(null);
    }

    async ensureConversation() {
      if (this.conversation) return this.conversation;
      if (!this.creating) {
        this.creating = this.createConversation().finally(() => { this.creating = null; });
      }
      return this.creating;
    }

    async createConversation() {
      const body = { language: LANGUAGE };
      if (CUSTOMER_TOKEN) body.customer_token = CUSTOMER_TOKEN;
      let response = await this.fetchJson("POST", "/api/conversations", body, false);
      if (!response.ok && CUSTOMER_TOKEN && response.status === 401) {
        // Expired or invalid sign-in: chat anonymously rather than not at all.
        console.warn("effortless: customer token refused:", response.data && response.data.code);
        response = await this.fetchJson("POST", "/api/conversations", { language: LANGUAGE }, false);
      }
      if (!response.ok) throw new Error("cannot create conversation");
      const data = response.data;
      this.conversation = {
        id: data.conversation_id,
        token: data.token,
        customerId: data.customer ? data.customer.id : null,
      };
      storage.set(STORE_KEY, this.conversation);
      this.setStatus({ mode: data.mode, queue: null, agent: null });
      this.connect();
      return this.conversation;
    }

    async fetchJson(method, path, body, auth = true) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (auth && this.conversation) headers.Authorization = "Bearer " + this.conversation.token;
      try {
        const response = await fetch(SERVER + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body),
          credentials: "omit", mode: "cors",
        });
        let data = null;
        try { data = await response.json(); } catch (_) { data = null; }
        return { ok: response.ok, status: response.status, data };
      } catch (error) {
        return { ok: false, status: 0, data: null, error };
      }
    }

    async loadHistory() {
      if (!this.conversation) return;
      const id = encodeURIComponent(this.conversation.id);
      const [state, history] = await Promise.all([
        this.fetchJson("GET", `/api/conversations/${id}`),
        this.fetchJson("GET", `/api/conversations/${id}/messages?after=${this.lastSeq}`),
      ]);
      if ([401, 403, 404].includes(state.status) || [401, 403, 404].includes(history.status)) {
        storage.set(STORE_KEY, null);
        this.reset();
        return;
      }
      if (history.ok) for (const message of history.data.messages) this.addMessage(message, true);
      if (state.ok) this.setStatus(state.data);
      this.renderOutbox();
    }

    // ---- WebSocket with backoff; REST polling while it is down
    connect() {
      if (!this.conversation || (this.ws && this.ws.readyState <= 1)) return;
      window.clearTimeout(this.backoffTimer);
      const { id, token } = this.conversation;
      const url = `${WS_SERVER}/ws/conversations/${encodeURIComponent(id)}` +
        `?token=${encodeURIComponent(token)}&after=${this.lastSeq}`;
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (_) {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      ws.addEventListener("message", (event) => {
        let frame;
        try { frame = JSON.parse(event.data); } catch (_) { return; }
        this.onFrame(frame);
      });
      ws.addEventListener("close", (event) => {
        if (this.ws !== ws) return;
        this.ws = null;
        window.clearInterval(this.pingTimer);
        if ([4401, 4403, 4404].includes(event.code)) {
          storage.set(STORE_KEY, null);
          this.reset();
          return;
        }
        this.wsFailures += 1;
        this.scheduleReconnect();
      });
    }

    disconnect() {
      window.clearTimeout(this.backoffTimer);
      window.clearInterval(this.pingTimer);
      window.clearInterval(this.pollTimer);
      this.pollTimer = null;
      if (this.ws) {
        const ws = this.ws;
        this.ws = null;
        ws.close();
      }
    }

    scheduleReconnect() {
      if (!this.conversation) return;
      this.setConn(navigator.onLine === false ? t("offline") : t("reconnecting"));
      const base = Math.min(30000, 500 * 2 ** Math.min(this.wsFailures, 6));
      const delay = base / 2 + Math.random() * (base / 2);
      this.backoffTimer = window.setTimeout(() => this.connect(), delay);
      if (this.wsFailures >= 2 && !this.pollTimer) {
        // WebSocket blocked or down: keep the conversation going over REST.
        this.pollTimer = window.setInterval(() => this.restTick(), 4000);
        this.restTick();
      }
    }

    reconnectNow() {
      this.wsFailures = 0;
      if (!this.ws) this.connect();
    }

    async restTick() {
      if (!this.conversation) return;
      await this.flushOutboxRest();
      await this.loadHistory();
    }

    onFrame(frame) {
      switch (frame.type) {
        case "hello":
          this.wsFailures = 0;
          window.clearInterval(this.pollTimer);
          this.pollTimer = null;
          this.setConn(null);
          this.setStatus(frame.conversation);
          window.clearInterval(this.pingTimer);
          this.pingTimer = window.setInterval(() => this.wsSend({ type: "ping" }), 25000);
          this.flushOutbox();
          break;
        case "message":
          this.addMessage(frame.message, false);
          break;
        case "ack":
          this.removeFromOutbox(frame.client_message_id);
          this.addMessage(frame.message, false);
          break;
        case "status":
          this.setStatus(frame.conversation);
          break;
        case "typing":
          if (frame.role === "agent") this.showTyping(frame.typing ? "agent" : null);
          break;
        case "error":
          if (frame.code === "bad_request") console.warn("effortless:", frame.message);
          break;
        default:
          break;
      }
    }

    wsSend(frame) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify(frame));
        return true;
      }
      return false;
    }

    // ---- outbox: unacknowledged messages survive reloads and are resent with the same id
    outboxKey() {
      return OUTBOX_PREFIX + (this.conversation ? this.conversation.id : "");
    }

    outbox() {
      return storage.get(this.outboxKey()) || [];
    }

    saveOutbox(items) {
      storage.set(this.outboxKey(), items.length ? items : null);
    }

    removeFromOutbox(clientId) {
      this.saveOutbox(this.outbox().filter((item) => item.client_message_id !== clientId));
    }

    renderOutbox() {
      for (const item of this.outbox()) {
        if (!this.log.querySelector(`.msg[data-client-id="${CSS.escape(item.client_message_id)}"]`)) {
          this.renderPending(item);
        }
      }
    }

    flushOutbox() {
      for (const item of this.outbox()) {
        if (!this.wsSend({ type: "message", client_message_id: item.client_message_id, text: item.text })) {
          return;
        }
      }
    }

    async flushOutboxRest() {
      const id = encodeURIComponent(this.conversation.id);
      for (const item of this.outbox()) {
        const response = await this.fetchJson("POST", `/api/conversations/${id}/messages`, {
          client_message_id: item.client_message_id, text: item.text,
        });
        if (!response.ok) {
          if (response.status === 400) this.removeFromOutbox(item.client_message_id);
          return;
        }
        this.removeFromOutbox(item.client_message_id);
        this.addMessage(response.data.message, false);
        for (const reply of response.data.replies || []) this.addMessage(reply, false);
      }
    }

    newClientId() {
      const random = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
        : Date.now().toString(36) + Math.random().toString(36).slice(2);
      return "w-" + random;
    }

    async send(text, display) {
      text = String(text || "");
      if (!text.trim()) return;
      this.endArmed = 0;
      this.endButton.textContent = t("end");
      try {
        await this.ensureConversation();
      } catch (_) {
        this.notice(t("error"));
        return;
      }
      const item = { client_message_id: this.newClientId(), text, display: display || null };
      this.saveOutbox([...this.outbox(), item]);
      this.clearChoices();
      this.renderPending(item);
      this.sendTyping(false);
      if (!this.state || this.state.mode === "bot" || this.state.mode === "closed") {
        this.showTyping("bot");
      }
      if (!this.wsSend({ type: "message", client_message_id: item.client_message_id, text })) {
        if (!this.ws) this.connect();
        if (this.pollTimer || this.wsFailures >= 2) this.flushOutboxRest();
      }
    }

    submit() {
      const text = this.input.value;
      if (!text.trim()) return;
      this.input.value = "";
      this.send(text);
      this.input.focus();
    }

    onInput() {
      const now = Date.now();
      if (this.input.value && now - this.lastTypingSent > 3000) this.sendTyping(true);
      window.clearTimeout(this.typingTimer);
      this.typingTimer = window.setTimeout(() => this.sendTyping(false), 5000);
    }

    sendTyping(typing) {
      if (!this.state || (this.state.mode !== "agent" && this.state.mode !== "queued")) return;
      if (!typing && !this.lastTypingSent) return;
      this.lastTypingSent = typing ? Date.now() : 0;
      this.wsSend({ type: "typing", typing });
    }

    endChat() {
      if (!this.conversation) {
        this.close();
        return;
      }
      if (Date.now() - this.endArmed > 5000) {
        this.endArmed = Date.now();
        this.endButton.textContent = t("endConfirm");
        this.announce(t("endConfirm"));
        return;
      }
      const { id } = this.conversation;
      // Over HTTP, not the socket: the socket closes right away, and the server drops a frame
      // that arrives together with the close (the chat then stayed claimable in the queue).
      this.fetchJson("POST", `/api/conversations/${encodeURIComponent(id)}/leave`, {});
      storage.set(STORE_KEY, null);
      storage.set(OUTBOX_PREFIX + id, null);
      this.reset();
      this.endArmed = 0;
      this.endButton.textContent = t("end");
      this.notice(t("ended"));
      this.announce(t("ended"));
      this.input.focus();
    }

    // ---- status line and notices
    setStatus(conversation) {
      this.state = conversation;
      if (!conversation) {
        this.status.textContent = t("statusBot");
        return;
      }
      const agentName = conversation.agent && conversation.agent.name;
      let text;
      if (conversation.mode === "queued") {
        const queue = conversation.queue || {};
        if (queue.agents_online === 0) text = t("statusNobody");
        else if (queue.estimated_wait_seconds) {
          text = t("statusQueued", {
            position: queue.position || 1,
            minutes: Math.max(1, Math.round(queue.estimated_wait_seconds / 60)),
          });
        } else text = t("statusQueuedNoEstimate", { position: queue.position || 1 });
      } else if (conversation.mode === "agent") {
        text = t("statusAgent", { name: agentName || t("agent") });
      } else if (conversation.mode === "closed") {
        text = t("statusClosed");
      } else {
        text = t("statusBot");
      }
      this.status.textContent = text;
      if (conversation.mode !== "bot" && this.typingRole === "bot") this.showTyping(null);
    }

    /** React to a system message's machine-readable event (docs/api.md, "System messages"):
     * the notice text comes from the server; here only the state, status line and typing change. */
    applyEvent(custom) {
      if (!custom || typeof custom.event !== "string") return;
      const state = Object.assign({ mode: "bot", queue: null, agent: null }, this.state || {});
      const agent = typeof custom.agent_name === "string" ? { name: custom.agent_name } : null;
      switch (custom.event) {
        case "queued":
        case "nobody_online":
          state.mode = "queued";
          state.agent = null;
          state.queue = {
            position: custom.position || 1,
            estimated_wait_seconds: custom.estimated_wait_seconds || null,
            agents_online: custom.event === "nobody_online" ? 0 : (custom.agents_online || 1),
          };
          break;
        case "agent_joined":
        case "transferred":
          state.mode = "agent";
          state.queue = null;
          state.agent = agent;
          if (this.typingRole === "agent") this.showTyping(null);
          break;
        case "agent_left":
          state.agent = null;
          if (this.typingRole === "agent") this.showTyping(null);
          break;
        case "handed_back":
          state.mode = "bot";
          state.queue = null;
          state.agent = null;
          if (this.typingRole === "agent") this.showTyping(null);
          break;
        case "resolved":
          state.mode = "closed";
          state.queue = null;
          state.agent = null;
          break;
        default:
          return;
      }
      this.setStatus(state);
    }

    notice(text, { welcome = false, seq = null } = {}) {
      const node = el("p", { class: "notice", text, "data-welcome": welcome || null });
      this.insert(node, seq);
      return node;
    }

    showTyping(role) {
      window.clearTimeout(this.botTypingTimer);
      this.typingRole = role;
      if (!role) {
        this.typing.textContent = "";
        return;
      }
      const name = this.state && this.state.agent ? this.state.agent.name : t("agent");
      this.typing.textContent = role === "bot" ? t("botTyping") : t("agentTyping", { name });
      this.botTypingTimer = window.setTimeout(() => this.showTyping(null), role === "bot" ? 15000 : 8000);
    }

    // ---- messages
    displayText(message) {
      const text = message.text || "";
      if (message.role === "customer" && text.startsWith("/")) {
        const ces = /^\/ces\{"ces_score":\s*(\d)\}$/.exec(text);
        if (ces) return ces[1];
        if (this.payloadTitles.has(text)) return this.payloadTitles.get(text);
      }
      return text;
    }

    who(message) {
      if (message.role === "customer") return t("you");
      if (message.role === "agent") return message.agent_name || t("agent");
      if (message.role === "bot") return t("bot");
      return t("system");
    }

    insert(node, seq) {
      if (seq !== null && seq !== undefined) {
        node.dataset.seq = String(seq);
        // Keep server order; pending (unacknowledged) bubbles stay at the end.
        const later = [...this.log.querySelectorAll("[data-seq]")].find(
          (other) => Number(other.dataset.seq) > seq);
        const firstPending = this.log.querySelector(".msg.pending");
        const before = later || firstPending;
        if (before) {
          this.log.insertBefore(node, before);
          return;
        }
      }
      this.log.append(node);
      this.scrollDown();
    }

    bubble(role, whoText, text) {
      const node = el("div", { class: "msg " + role });
      node.append(el("span", { class: "who", text: whoText }), el("span", { class: "body", text }));
      return node;
    }

    renderPending(item) {
      const node = this.bubble("customer", t("you"), item.display || item.text);
      node.classList.add("pending");
      node.dataset.clientId = item.client_message_id;
      node.append(el("span", { class: "state", text: t("sending") }));
      this.log.append(node);
      this.scrollDown();
      return node;
    }

    clearChoices() {
      for (const node of this.log.querySelectorAll(".quick, .ces")) node.remove();
    }

    addMessage(message, fromHistory) {
      if (!message || typeof message.seq !== "number" || this.seen.has(message.seq)) return;
      this.lastSeq = Math.max(this.lastSeq, message.seq);
      if (message.role === "customer") {
        this.clearChoices();
        const pending = message.client_message_id &&
          this.log.querySelector(`.msg.pending[data-client-id="${CSS.escape(message.client_message_id)}"]`);
        if (pending) {
          pending.remove();
          this.removeFromOutbox(message.client_message_id);
        }
        const node = this.bubble("customer", t("you"), this.displayText(message));
        if (message.client_message_id) node.dataset.clientId = message.client_message_id;
        this.insert(node, message.seq);
        this.seen.set(message.seq, node);
        return;
      }
      const hasText = typeof message.text === "string" && message.text !== "";
      const buttons = Array.isArray(message.buttons) ? message.buttons : [];
      let node = null;
      if (message.role === "system") {
        const custom = message.custom && typeof message.custom === "object" ? message.custom : null;
        if (hasText) {
          node = this.notice(message.text, { seq: message.seq });
          if (custom && typeof custom.event === "string") node.dataset.event = custom.event;
        }
        if (!fromHistory) this.applyEvent(custom);
      } else if (hasText) {
        node = this.bubble(message.role === "agent" ? "agent" : "bot", this.who(message), message.text);
        this.insert(node, message.seq);
      }
      if (buttons.length) this.renderButtons(buttons, message);
      this.seen.set(message.seq, node || el("span"));
      if (hasText || buttons.length) this.showTyping(null);
      if (!fromHistory && (hasText || buttons.length)) {
        const who = message.role === "system" ? t("system") : this.who(message);
        this.announce(t("newMessage", { who, text: message.text || "" }));
        if (!this.isOpen || document.hidden) this.setUnread(this.unread + (this.isOpen ? 0 : 1));
      }
    }

    renderButtons(buttons, message) {
      this.clearChoices();
      const ces = buttons.filter((b) => /^\/ces\{/.test(String(b.payload || "")));
      const quick = buttons.filter((b) => !/^\/ces\{/.test(String(b.payload || "")));
      for (const button of buttons) this.payloadTitles.set(String(button.payload || ""), String(button.title || ""));
      if (quick.length) {
        const group = el("div", { class: "quick", role: "group", "aria-label": t("quickReplies") });
        for (const button of quick) {
          group.append(el("button", {
            type: "button", text: String(button.title || button.payload || ""),
            onclick: () => this.send(String(button.payload || button.title), String(button.title || "")),
          }));
        }
        this.insert(group, null);
      }
      if (ces.length) {
        const labelId = "effortless-ces-" + message.seq;
        const group = el("div", { class: "ces", role: "group", "aria-labelledby": labelId });
        group.append(el("p", { id: labelId, class: "sr-only", text: (message.text || "") + " " + t("cesQuestion") }));
        const scale = el("div", { class: "scale" });
        const sorted = [...ces].sort((a, b) => this.cesScore(a) - this.cesScore(b));
        for (const button of sorted) {
          const score = this.cesScore(button);
          const label = score === 1 ? `1 – ${t("cesLow")}` : score === 7 ? `7 – ${t("cesHigh")}` : String(score);
          scale.append(el("button", {
            type: "button", text: String(score), "aria-label": label,
            onclick: () => {
              this.send(String(button.payload), String(score));
              this.announce(t("cesThanks"));
            },
          }));
        }
        group.append(scale, el("div", { class: "ends", "aria-hidden": "true" },
          el("span", { text: t("cesLow") }), el("span", { text: t("cesHigh") })));
        this.insert(group, null);
      }
    }

    cesScore(button) {
      const match = /"ces_score":\s*(\d+)/.exec(String(button.payload || ""));
      return match ? Number(match[1]) : Number(button.title) || 0;
    }
  }

  function start() {
    window.__effortlessWidget = new Widget();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();

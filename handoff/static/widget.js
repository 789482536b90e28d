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
  const QUICK_RECONNECTS = 10; // tries 0.25–0.5 s apart before the backoff grows

  // How long an outbox message has been waiting to get through (docs/api.md, `waited_ms`): the
  // service tells the customer "still checking" that much sooner.
  function waitedMs(item) {
    const since = Number(item.queued_at);
    return since > 0 ? Math.min(60000, Math.max(0, Date.now() - since)) : 0;
  }

  // English and Korean, filled in from the text catalogue (catalogue/texts/widget.yml) when the
  // service serves this script.
  const TEXT = /*catalogue:widget*/ {};
  const T = TEXT[LANGUAGE];
  const t = (key, values) =>
    (T[key] || TEXT.en[key] || key).replace(/\{(\w+)\}/g, (_, name) =>
      values && values[name] !== undefined ? String(values[name]) : "");
  const TITLE = ds.title || T.title;
  /** "about 1 minute", "about 3 minutes", "약 1분": the plural rules of the page language. */
  const waitText = (minutes) => {
    const plural = new Intl.PluralRules(LANGUAGE).select(minutes);
    return t(plural === "one" ? "waitOne" : "waitMany", { count: minutes });
  };
  const timeFormat = new Intl.DateTimeFormat(LANGUAGE, { hour: "2-digit", minute: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(LANGUAGE, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  /** A message time: the clock time today, the date too on other days. */
  const formatTime = (date) => {
    const today = new Date();
    return date.toDateString() === today.toDateString()
      ? timeFormat.format(date) : dateTimeFormat.format(date);
  };
  const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
  const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  const MAX_TEXT = 5000; // the gateway's limit for one message (handoff/conversations/validation.py)

  /** When to exchange a conversation token: at half its lifetime (client clock). */
  const refreshTime = (seconds) =>
    (Number(seconds) > 0 ? Date.now() + Number(seconds) * 500 : null);

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

  /** A paperclip drawn in SVG (emoji fonts are missing on many systems). */
  function paperclip() {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    for (const [key, value] of Object.entries({ viewBox: "0 0 24 24", width: "20", height: "20",
      fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round",
      "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false" })) {
      svg.setAttribute(key, value);
    }
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", "M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 " +
      "5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48");
    svg.append(path);
    return svg;
  }

  const STYLE = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
.root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", sans-serif;
  color: #1a1a1a; }
button { font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
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
header button { flex: none; white-space: nowrap; background: transparent; color: #fff;
  border: 1px solid rgba(255,255,255,.6); border-radius: 6px; padding: 4px 8px; font-size: 13px; }
header button:hover { background: rgba(255,255,255,.15); }
header :focus-visible { outline-color: #ffd27a; }
.confirm { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 14px;
  background: #fdecea; color: #5f1a12; font-size: 14px; border-bottom: 1px solid #f2c4bd; }
.confirm[hidden] { display: none; }
.confirm p { margin: 0; flex: 1 1 auto; font-weight: 600; }
.confirm button { border-radius: 6px; padding: 4px 10px; font-size: 13px; border: 1.5px solid #a3271a;
  background: #fff; color: #a3271a; }
.confirm button.yes { background: #a3271a; color: #fff; }
.conn { background: #fff4d6; color: #5c4200; font-size: 13px; padding: 6px 14px; }
.conn[hidden] { display: none; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px;
  background: #f6f7f9; }
/* The transcript scrolls, so an outside ring would be clipped by the panel: draw it inside. */
.log:focus-visible { outline-offset: -3px; }
.msg .ts, .notice .ts { display: block; font-size: 11px; margin-top: 2px; color: #5a5f66; }
.msg.customer .ts { color: #dbe5fb; text-align: right; }
.msg .photo { display: block; margin-top: 4px; }
.msg .photo img { display: block; max-width: 100%; max-height: 200px; border-radius: 8px;
  background: #dfe3ea; }
.ended-mark { align-self: stretch; border: 0; border-top: 2px dashed #b9c0ca; margin: 6px 0; }
.mailform { align-self: stretch; background: #fff; border: 1px solid #d9dde3; border-radius: 12px;
  padding: 8px 10px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.mailform label { flex: 1 1 100%; font-size: 13px; font-weight: 600; color: #333; }
.mailform input { flex: 1 1 160px; min-width: 0; font: inherit; padding: 6px 8px;
  border: 1.5px solid #8a929e; border-radius: 8px; }
.mailform button { border: 0; border-radius: 8px; background: #1b4fa0; color: #fff;
  padding: 7px 14px; font-weight: 600; }
.mailform .error { flex: 1 1 100%; margin: 0; font-size: 13px; color: #a3271a; }
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
form.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px;
  border-top: 1px solid #d9dde3; background: #fff; }
textarea { flex: 1; resize: none; font: inherit; padding: 8px 10px; border: 1.5px solid #8a929e;
  border-radius: 8px; min-height: 42px; max-height: 132px; overflow-y: hidden; color: #1a1a1a;
  background: #fff; }
form.composer button { border: 0; border-radius: 8px; background: #1b4fa0; color: #fff;
  padding: 0 16px; font-weight: 600; height: 42px; flex: none; }
form.composer button:hover { background: #163f80; }
form.composer button.attach { background: #fff; color: #1b4fa0; border: 1.5px solid #1b4fa0;
  padding: 0 10px; display: inline-flex; align-items: center; }
form.composer button.attach:hover { background: #e8eefc; }
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
      this.pendingTimer = null;
      this.pollTimer = null;
      this.pingTimer = null;
      this.typingTimer = null;
      this.botTypingTimer = null;
      this.lastTypingSent = 0;
      this.unread = 0;
      this.creating = null;
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
      // Not a live region: every change comes with a notice, which is announced once.
      this.status = el("p", { class: "status", text: t("statusBot") });
      this.endButton = el("button", { type: "button", class: "end", text: t("end"),
        "aria-expanded": "false", "aria-controls": "effortless-confirm",
        onclick: () => this.endChat() });
      this.closeButton = el("button", { type: "button", class: "close", "aria-label": t("close"),
        text: "✕", onclick: () => this.close() });
      const header = el("header", {},
        el("div", { class: "titles" }, this.title, this.status), this.endButton, this.closeButton);
      // Ending asks once, below the header (the header keeps its size).
      this.endYes = el("button", { type: "button", class: "yes", text: t("endYes"),
        onclick: () => this.endChat(true) });
      this.endNo = el("button", { type: "button", class: "no", text: t("endNo"),
        onclick: () => this.cancelEnd() });
      this.confirm = el("div", { id: "effortless-confirm", class: "confirm", role: "group",
        "aria-labelledby": "effortless-confirm-q", hidden: true },
      el("p", { id: "effortless-confirm-q", text: t("endConfirm") }), this.endYes, this.endNo);
      this.conn = el("div", { class: "conn", role: "status", hidden: true });
      this.log = el("div", { class: "log", role: "log", "aria-live": "off",
        "aria-labelledby": "effortless-title", tabindex: "0" });
      this.typing = el("div", { class: "typing", "aria-hidden": "true" });
      this.announcer = el("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "true" });
      this.input = el("textarea", { id: "effortless-input", rows: "1", maxlength: String(MAX_TEXT),
        placeholder: t("placeholder"), autocomplete: "off" });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.input.addEventListener("input", () => { this.onInput(); this.fitInput(); });
      // The browser cuts a paste at maxlength without a word: say so, so nothing is lost unseen.
      this.input.addEventListener("paste", (event) => {
        const pasted = event.clipboardData ? event.clipboardData.getData("text") : "";
        const box = this.input;
        const kept = box.value.length - (box.selectionEnd - box.selectionStart);
        if (kept + pasted.length > MAX_TEXT) this.localNotice(t("textTooLong", { max: MAX_TEXT.toLocaleString("en-US") }));
      });
      this.input.addEventListener("blur", () => this.sendTyping(false));
      this.fileInput = el("input", { type: "file", class: "sr-only", tabindex: "-1",
        "aria-hidden": "true", accept: PHOTO_TYPES.join(",") });
      this.fileInput.addEventListener("change", () => {
        const file = this.fileInput.files && this.fileInput.files[0];
        this.fileInput.value = "";
        if (file) this.sendPhoto(file);
      });
      this.attachButton = el("button", { type: "button", class: "attach", "aria-label": t("attach"),
        title: t("attach"), onclick: () => this.fileInput.click() }, paperclip());
      this.form = el("form", { class: "composer",
        onsubmit: (event) => { event.preventDefault(); this.submit(); } },
      el("label", { class: "sr-only", for: "effortless-input", text: t("inputLabel") }),
      this.input, this.attachButton, this.fileInput,
      el("button", { type: "submit", class: "send", text: t("send") }));
      this.panel = el("section", { id: panelId, class: "panel", role: "dialog",
        "aria-modal": "false", "aria-labelledby": "effortless-title", hidden: true },
      header, this.confirm, this.conn, this.log, this.typing, this.form, this.announcer);
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
      // Texts arriving together are read together (one update of the live region, none lost);
      // the region is cleared first so that the same text twice is announced twice.
      if (!text) return;
      this.announcements = [...(this.announcements || []), text];
      if (this.announceTimer) return;
      this.announcer.textContent = "";
      this.announceTimer = window.setTimeout(() => {
        this.announceTimer = null;
        this.announcer.textContent = this.announcements.join(" ");
        this.announcements = [];
      }, 80);
    }

    /** The input grows with its text up to its max-height, then scrolls. */
    fitInput() {
      const input = this.input;
      input.style.height = "auto";
      const max = parseFloat(getComputedStyle(input).maxHeight) || 132;
      const wanted = input.scrollHeight + 3; // + borders
      input.style.height = Math.min(wanted, max) + "px";
      input.style.overflowY = wanted > max ? "auto" : "hidden";
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
        this.scheduleRefresh();
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
      if (stored && this.conversation && stored.id === this.conversation.id) {
        // Another tab refreshed the token.
        Object.assign(this.conversation, { token: stored.token, refreshAt: stored.refreshAt });
        this.scheduleRefresh();
        return;
      }
      this.reset();
      if (stored && stored.id) {
        this.conversation = stored;
        this.loadHistory().then(() => this.connect());
      }
    }

    reset() {
      this.disconnect();
      window.clearTimeout(this.refreshTimer);
      this.conversation = null;
      this.state = null;
      this.lastSeq = 0;
      for (const node of this.seen.values()) node.remove();
      this.seen.clear();
      const stale = ".msg, .notice:not([data-welcome]), .quick, .ces, .mailform, .ended-mark";
      for (const node of this.log.querySelectorAll(stale)) {
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
      if (!response.ok) {
        const error = new Error("cannot create conversation");
        error.response = response;
        throw error;
      }
      const data = response.data;
      this.conversation = {
        id: data.conversation_id,
        token: data.token,
        refreshAt: refreshTime(data.token_expires_in),
        customerId: data.customer ? data.customer.id : null,
      };
      storage.set(STORE_KEY, this.conversation);
      this.scheduleRefresh();
      this.setStatus({ mode: data.mode, queue: null, agent: null,
        email_enabled: Boolean(data.email_enabled), reply_email: data.reply_email || null });
      this.connect();
      return this.conversation;
    }

    // ---- conversation tokens expire: exchanged for a fresh one at half-life and after a 401
    async refreshToken() {
      const conversation = this.conversation;
      if (!conversation) return false;
      if (!this.refreshing) {
        const path = `/api/conversations/${encodeURIComponent(conversation.id)}/token`;
        this.refreshing = this.fetchJson("POST", path, {}, conversation, false)
          .then((response) => {
            if (!response.ok || this.conversation !== conversation) return false;
            conversation.token = response.data.token;
            conversation.refreshAt = refreshTime(response.data.token_expires_in);
            storage.set(STORE_KEY, conversation);
            this.scheduleRefresh();
            return true;
          })
          .finally(() => { this.refreshing = null; });
      }
      return this.refreshing;
    }

    scheduleRefresh() {
      window.clearTimeout(this.refreshTimer);
      const at = this.conversation && this.conversation.refreshAt;
      if (!at) return;
      const delay = Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1);
      this.refreshTimer = window.setTimeout(() => this.refreshToken(), delay);
    }

    /** A friendly notice for a 429 (at most one per wait). */
    rateLimited(key, seconds) {
      seconds = Math.max(1, Math.round(Number(seconds) || 5));
      if (Date.now() < (this.slowNoticeUntil || 0)) return seconds;
      this.slowNoticeUntil = Date.now() + seconds * 1000;
      this.notice(t(key, { seconds }), { time: new Date() });
      this.announce(t(key, { seconds }));
      return seconds;
    }

    async fetchJson(method, path, body, auth = true, retry = true) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      // `auth`: true = this conversation; or an explicit one (an ended chat's transcript).
      const conversation = auth === true ? this.conversation : auth || null;
      if (conversation) headers.Authorization = "Bearer " + conversation.token;
      try {
        const response = await fetch(SERVER + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body),
          credentials: "omit", mode: "cors",
        });
        let data = null;
        try { data = await response.json(); } catch (_) { data = null; }
        if (retry && auth === true && response.status === 401 && data &&
            data.code === "conversation_token_expired" && await this.refreshToken()) {
          return this.fetchJson(method, path, body, auth, false);
        }
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
      if (state.ok) this.setStatus(state.data);
      if (history.ok) for (const message of history.data.messages) this.addMessage(message, true);
      if (state.ok) this.setStatus(state.data);
      this.renderOutbox();
      const queue = this.state && this.state.queue;
      if (this.state && this.state.mode === "queued" && queue && queue.agents_online === 0) {
        this.offerReplyEmail();
      }
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
        if (event.code === 4401 && event.reason === "conversation_token_expired") {
          this.refreshToken().then((ok) => {
            if (ok) this.connect();
            else { storage.set(STORE_KEY, null); this.reset(); }
          });
          return;
        }
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
      // Quick tries for the first few seconds (a restarting service is back within ~4 s), then
      // exponential backoff.
      const base = this.wsFailures <= QUICK_RECONNECTS ? 500
        : Math.min(30000, 500 * 2 ** Math.min(this.wsFailures - QUICK_RECONNECTS, 6));
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
          if (frame.code === "rate_limited") {
            const seconds = this.rateLimited("slowDown", frame.retry_after);
            window.clearTimeout(this.resendTimer);
            this.resendTimer = window.setTimeout(() => this.flushOutbox(), seconds * 1000);
          }
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
        if (!this.wsSend({ type: "message", client_message_id: item.client_message_id, text: item.text,
          waited_ms: waitedMs(item) })) {
          return;
        }
      }
    }

    async flushOutboxRest() {
      const id = encodeURIComponent(this.conversation.id);
      for (const item of this.outbox()) {
        const response = await this.fetchJson("POST", `/api/conversations/${id}/messages`, {
          client_message_id: item.client_message_id, text: item.text, waited_ms: waitedMs(item),
        });
        if (!response.ok) {
          if (response.status === 400) this.removeFromOutbox(item.client_message_id);
          if (response.status === 429) {
            this.rateLimited("slowDown", response.data && response.data.retry_after);
          }
          return;
        }
        this.removeFromOutbox(item.client_message_id);
        this.addMessage(response.data.message, false);
        for (const reply of response.data.replies || []) this.addMessage(reply, false);
        if (response.data.pending) this.followPending(response.data.message.seq);
      }
    }

    // A REST send answered `pending: true` (docs/api.md): the bot is still working on it (the
    // "still checking" notice may have come already). Its answer follows in the history: fetch
    // it every second until it is there, unless the socket is back (it delivers it then).
    followPending(seq) {
      window.clearTimeout(this.pendingTimer);
      let tries = 0;
      const tick = async () => {
        if (!this.conversation || (this.ws && this.ws.readyState === WebSocket.OPEN)) return;
        await this.loadHistory();
        tries += 1;
        if (!this.answeredAfter(seq) && tries < 20) this.pendingTimer = window.setTimeout(tick, 1000);
      };
      this.pendingTimer = window.setTimeout(tick, 1000);
    }

    answeredAfter(seq) {
      for (const [later, node] of this.seen) {
        if (later > seq && !(node && node.dataset && node.dataset.event === "still_checking")) return true;
      }
      return false;
    }

    newClientId() {
      const random = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
        : Date.now().toString(36) + Math.random().toString(36).slice(2);
      return "w-" + random;
    }

    async send(text, display) {
      text = String(text || "");
      if (!text.trim()) return;
      this.hideConfirm();
      try {
        await this.ensureConversation();
      } catch (error) {
        const response = error && error.response;
        if (response && response.status === 429) {
          this.rateLimited("tooManyChats", response.data && response.data.retry_after);
        } else this.notice(t("error"));
        return;
      }
      const item = {
        client_message_id: this.newClientId(), text, display: display || null, queued_at: Date.now(),
      };
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
      this.fitInput();
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

    /** First press: a confirmation below the header; "End chat" there ends it. The transcript
     * stays on screen (with the transcript by e-mail on offer); the next message starts anew. */
    async endChat(confirmed = false) {
      if (!this.conversation) {
        this.close();
        return;
      }
      if (!confirmed) {
        this.confirm.hidden = false;
        this.endButton.setAttribute("aria-expanded", "true");
        this.endYes.focus();
        return;
      }
      const ended = this.conversation;
      storage.set(STORE_KEY, null);
      storage.set(OUTBOX_PREFIX + ended.id, null);
      const emailEnabled = Boolean(this.state && this.state.email_enabled);
      this.hideConfirm();
      this.archive();
      this.notice(t("ended"), { time: new Date() });
      this.announce(t("ended"));
      // Over HTTP, not the socket: the socket closes right away (archive), and the server drops
      // a frame that arrives together with the close (the chat then stayed in the queue). The
      // answer may carry the CES question, asked once when the chat was substantive.
      const left = await this.fetchJson("POST",
        `/api/conversations/${encodeURIComponent(ended.id)}/leave`, {}, ended);
      const question = left.ok && left.data ? left.data.ces : null;
      if (question && typeof question.text === "string" && Array.isArray(question.buttons)) {
        this.notice(question.text, { time: question.created_at });
        this.announce(question.text);
        this.renderButtons(question.buttons, question,
          (payload, shown) => this.answerEnded(ended, payload, shown));
      }
      if (emailEnabled) {
        this.insert(this.emailForm("transcript", t("emailTranscript"), t("emailSend"),
          (email) => this.fetchJson("POST",
            `/api/conversations/${encodeURIComponent(ended.id)}/transcript`, { email }, ended),
          (email) => t("transcriptSent", { email })), null);
      }
      this.input.focus();
    }

    /** A rating for the ended conversation: shown at once, stored with that conversation. */
    async answerEnded(ended, payload, shown) {
      this.clearChoices();
      this.log.append(this.bubble("customer", t("you"), shown));
      this.scrollDown();
      const response = await this.fetchJson("POST",
        `/api/conversations/${encodeURIComponent(ended.id)}/messages`,
        { client_message_id: this.newClientId(), text: payload }, ended);
      for (const reply of (response.ok && response.data && response.data.replies) || []) {
        if (reply && typeof reply.text === "string" && reply.text) {
          this.notice(reply.text, { time: reply.created_at });
          this.announce(reply.text);
        }
      }
    }

    hideConfirm() {
      this.confirm.hidden = true;
      this.endButton.setAttribute("aria-expanded", "false");
    }

    cancelEnd() {
      this.hideConfirm();
      this.endButton.focus();
    }

    /** Forget the conversation but keep what was said on screen (it is no longer live). */
    archive() {
      this.disconnect();
      this.conversation = null;
      this.state = null;
      this.lastSeq = 0;
      this.clearChoices();
      for (const node of this.log.querySelectorAll("[data-seq]")) delete node.dataset.seq;
      for (const node of this.log.querySelectorAll(".msg.pending, .mailform")) node.remove();
      this.seen.clear();
      this.showTyping(null);
      this.log.append(el("hr", { class: "ended-mark" }));
      this.setStatus(null);
    }

    /** An e-mail address form inside the transcript; `post(email)` answers like fetchJson. */
    emailForm(kind, labelText, buttonText, post, doneText) {
      this.formCount = (this.formCount || 0) + 1;
      const id = `effortless-mail-${kind}-${this.formCount}`;
      const input = el("input", { id, type: "email", name: "email", autocomplete: "email",
        inputmode: "email", maxlength: "254", required: true });
      const error = el("p", { class: "error", role: "alert", hidden: true });
      const button = el("button", { type: "submit", text: buttonText });
      const form = el("form", { class: "mailform " + kind, novalidate: true },
        el("label", { for: id, text: labelText }), input, button, error);
      const fail = (text) => {
        error.hidden = false;
        error.textContent = text;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      };
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        event.stopPropagation();
        const email = input.value.trim();
        if (!/^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$/.test(email)) {
          fail(t("emailInvalid"));
          return;
        }
        button.disabled = true;
        const response = await post(email);
        button.disabled = false;
        if (!response.ok) {
          fail(response.status === 400 ? t("emailInvalid") : t("emailFailed"));
          return;
        }
        const done = doneText(email);
        const node = el("p", { class: "notice" }, el("span", { class: "body", text: done }),
          this.timeTag(new Date()));
        form.replaceWith(node);
        this.announce(done);
        this.input.focus();
      });
      return form;
    }

    /** Nobody online: take an address for a colleague's reply (or say which one is used). */
    offerReplyEmail() {
      if (!this.conversation || !this.state || !this.state.email_enabled) return;
      if (this.log.querySelector(".mailform.reply, .notice[data-reply-email]")) return;
      const saved = (email) => t("offlineEmailSaved", { email });
      if (this.state.reply_email) {
        const node = this.notice(saved(this.state.reply_email), { time: new Date() });
        node.dataset.replyEmail = "true";
        return;
      }
      const { id } = this.conversation;
      this.insert(this.emailForm("reply", t("offlineEmailPrompt"), t("offlineEmailSave"),
        async (email) => {
          const response = await this.fetchJson("POST",
            `/api/conversations/${encodeURIComponent(id)}/reply-email`, { email });
          if (response.ok && this.state) this.state.reply_email = email;
          return response;
        }, saved), null);
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
            wait: waitText(Math.max(1, Math.round(queue.estimated_wait_seconds / 60))),
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
          for (const node of this.log.querySelectorAll(".mailform.reply")) node.remove();
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
      if (custom.event === "nobody_online") this.offerReplyEmail();
    }

    notice(text, { welcome = false, seq = null, time = null } = {}) {
      const node = el("p", { class: "notice", "data-welcome": welcome || null },
        el("span", { class: "body", text }));
      if (time) node.append(this.timeTag(time));
      this.insert(node, seq);
      return node;
    }

    timeTag(date) {
      const value = date instanceof Date ? date : new Date(date);
      if (Number.isNaN(value.getTime())) return null;
      return el("time", { class: "ts", datetime: value.toISOString(), text: formatTime(value) });
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

    bubble(role, whoText, text, time) {
      const node = el("div", { class: "msg " + role });
      node.append(el("span", { class: "who", text: whoText }), el("span", { class: "body", text }));
      const stamp = this.timeTag(time || new Date());
      if (stamp) node.append(stamp);
      return node;
    }

    /** A photo bubble: the thumbnail is fetched with the conversation token (never in a URL). */
    photoBubble(message) {
      const attachment = message.attachment;
      const node = el("div", { class: "msg customer photo-msg" });
      const img = el("img", { alt: t("photoAlt", { name: attachment.filename || "" }),
        width: String(Math.min(attachment.width || 200, 240)) });
      node.append(el("span", { class: "who", text: t("you") }),
        el("span", { class: "photo" }, img));
      const stamp = this.timeTag(message.created_at);
      if (stamp) node.append(stamp);
      this.loadImage(img, attachment.thumbnail_url);
      return node;
    }

    async loadImage(img, path) {
      if (!this.conversation || !path) return;
      try {
        const response = await fetch(SERVER + path, {
          headers: { Authorization: "Bearer " + this.conversation.token },
          credentials: "omit", mode: "cors",
        });
        if (!response.ok) return;
        const url = URL.createObjectURL(await response.blob());
        img.addEventListener("load", () => this.scrollDown(), { once: true });
        img.src = url;
      } catch (_) {
        /* the alt text stays */
      }
    }

    async sendPhoto(file) {
      if (file.type && !PHOTO_TYPES.includes(file.type)) {
        this.localNotice(t("photoType"));
        return;
      }
      if (file.size > MAX_PHOTO_BYTES) {
        this.localNotice(t("photoTooBig"));
        return;
      }
      try {
        await this.ensureConversation();
      } catch (_) {
        this.localNotice(t("error"));
        return;
      }
      const clientId = this.newClientId();
      const pending = this.renderPending({ client_message_id: clientId, text: t("photoUploading") });
      const { id, token } = this.conversation;
      let response = null;
      let data = null;
      try {
        response = await fetch(SERVER + `/api/conversations/${encodeURIComponent(id)}/attachments` +
          `?filename=${encodeURIComponent(file.name || "photo")}` +
          `&client_message_id=${encodeURIComponent(clientId)}`, {
          method: "POST", body: file, credentials: "omit", mode: "cors",
          headers: { Authorization: "Bearer " + token, Accept: "application/json",
            "Content-Type": file.type || "application/octet-stream" },
        });
        try { data = await response.json(); } catch (_) { data = null; }
      } catch (_) {
        response = null;
      }
      if (!response || !response.ok || !data) {
        pending.remove();
        const code = data && data.code;
        this.localNotice(response && response.status === 413 ? t("photoTooBig")
          : code === "unsupported_type" || code === "invalid_image" ? t("photoType")
            : t("photoFailed"));
        this.input.focus();
        return;
      }
      this.addMessage(data.message, false);
      for (const reply of data.replies || []) this.addMessage(reply, false);
      this.input.focus();
    }

    /** A notice from the widget itself (not stored): shown and announced once. */
    localNotice(text) {
      this.notice(text, { time: new Date() });
      this.announce(text);
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
        const node = message.attachment && typeof message.attachment === "object"
          ? this.photoBubble(message)
          : this.bubble("customer", t("you"), this.displayText(message), message.created_at);
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
          node = this.notice(message.text, { seq: message.seq, time: message.created_at });
          if (custom && typeof custom.event === "string") node.dataset.event = custom.event;
        }
        if (!fromHistory) this.applyEvent(custom);
      } else if (hasText) {
        node = this.bubble(message.role === "agent" ? "agent" : "bot", this.who(message), message.text,
          message.created_at);
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

    /** `answer(payload, shown)` sends a choice: this conversation's `send` by default, or the
     * ended conversation's (the rating asked when the customer ended a chat). */
    renderButtons(buttons, message, answer = (payload, shown) => this.send(payload, shown)) {
      this.clearChoices();
      const ces = buttons.filter((b) => /^\/ces\{/.test(String(b.payload || "")));
      const quick = buttons.filter((b) => !/^\/ces\{/.test(String(b.payload || "")));
      for (const button of buttons) this.payloadTitles.set(String(button.payload || ""), String(button.title || ""));
      if (quick.length) {
        const group = el("div", { class: "quick", role: "group", "aria-label": t("quickReplies") });
        for (const button of quick) {
          group.append(el("button", {
            type: "button", text: String(button.title || button.payload || ""),
            onclick: () => {
              // The buttons go away with the answer: the focus goes back to the input.
              answer(String(button.payload || button.title), String(button.title || ""));
              this.input.focus();
            },
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
              // The thank-you comes from whoever asked (bot or service): announced once, then.
              answer(String(button.payload), String(score));
              this.input.focus();
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

/*
 * effortless agent console: login, live queue, read-only preview, claim, several conversations
 * in tabs; each conversation is the transcript with the composer pinned under it and the handoff
 * context in a side panel (who, why, what the bot did, orders, history); reply, canned
 * responses (inserted at the cursor), notes, transfer, resolve, hand back.
 * Agent API: docs/api.md. Every server text is rendered with textContent.
 * Every console text comes from STRINGS and WORDS (English and Korean), which the service fills in
 * from the text catalogue (catalogue/texts/console.yml) when it serves this script; button answers
 * are put in words by one function, `readable`.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ texts (one catalogue)
  const STRINGS = /*catalogue:console.strings*/ {};
  // Codes from the service, the assistant and the shop, in words.
  const WORDS = /*catalogue:console.words*/ {};
  // Order and refund states in the words the assistant tells the customer (order_values.yml).
  const ORDER_STATES = /*catalogue:order_values.order_states*/ {};
  const REFUND_STATES = /*catalogue:order_values.refund_states*/ {};
  // The business fields an agent may see from the assistant's slots, in this order; every other
  // slot (pending_task, lookup_attempts, ces_asked, …) is internal and never shown.
  const BUSINESS_FIELDS = ["order_number", "email", "postcode", "new_address", "return_items", "return_reason"];
  // Intents that are no topic (catalogue/vocabulary.py NOT_A_TOPIC, filled in when served).
  const SMALL_TALK = new Set(/*vocabulary:NOT_A_TOPIC*/ []);
  const LANGS = Object.keys(STRINGS);
  const LANG_KEY = "effortless:console:language";
  const SIDE_KEY = "effortless:console:side";
  const DRAFT_PREFIX = "effortless:console:draft:";

  function pickLanguage(value) {
    const lang = String(value || "").toLowerCase().split("-")[0];
    return LANGS.includes(lang) ? lang : null;
  }
  function stored(key) { try { return localStorage.getItem(key); } catch (_) { return null; } }
  function store(key, value) {
    try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (_) { /* private mode */ }
  }
  const LANG = pickLanguage(new URLSearchParams(location.search).get("lang")) || pickLanguage(stored(LANG_KEY)) ||
    pickLanguage(navigator.language) || "en";
  const S = STRINGS[LANG];
  const W = WORDS[LANG];

  function t(key, values) {
    const template = S[key] ?? STRINGS.en[key] ?? key;
    return String(template).replace(/\{(\w+)\}/g, (_, name) => (values && values[name] !== undefined ? String(values[name]) : ""));
  }
  /** What to tell the agent when a request failed: the server's own message is English, so a
   *  console in another language says what failed in its words (catalogue). */
  function failure(response, key) {
    const message = response && response.data && response.data.message;
    return LANG === "en" && message ? String(message) : t(key);
  }
  function stateWord(table, code) {
    if (!code) return "";
    return (table[LANG] || table.en)[code] || String(code).replace(/_/g, " ");
  }
  function word(group, code) {
    if (code === null || code === undefined || code === "") return "";
    const table = W[group] || {};
    return table[code] || WORDS.en[group]?.[code] || String(code).replace(/_/g, " ");
  }

  function applyStatic() {
    document.documentElement.lang = LANG;
    document.title = t("docTitle");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
    for (const select of document.querySelectorAll("select.ui-lang")) {
      select.replaceChildren(...LANGS.map((code) => el("option", { value: code, text: code === "ko" ? "한국어" : "English" })));
      select.value = LANG;
      select.addEventListener("change", () => {
        store(LANG_KEY, select.value);
        const url = new URL(location.href);
        url.searchParams.delete("lang");
        location.href = url.toString();
      });
    }
  }

  // ------------------------------------------------------------------ readable answers
  // Rasa's syntax for a message that names an intent: /intent{"entity": "value"}
  const INTENT_SYNTAX = /^\/([^{@\s]+)(?:@[0-9.]+)?(\{[\s\S]*\})?$/;

  /**
   * The one place where a button answer becomes words, for the transcript and the context:
   * `/inform{"order_number":"EF-100001"}` → "gave order number EF-100001", `/ces{"ces_score": 6}` →
   * "rated 6 of 7", any other payload → "chose: <the label of the button the bot offered>" (or the
   * intent in words). Returns null for ordinary text.
   */
  function readable(text, offered) {
    const raw = String(text ?? "").trim();
    const match = INTENT_SYNTAX.exec(raw);
    if (!match) return null;
    const intent = match[1];
    let entities = {};
    if (match[2]) {
      try { entities = JSON.parse(match[2]) || {}; } catch (_) { entities = {}; }
    }
    if (intent === "ces" && entities.ces_score !== undefined && entities.ces_score !== null) {
      return t("rated", { score: entities.ces_score });
    }
    const given = Object.entries(entities).filter(([key, value]) =>
      W.field[key] && value !== null && value !== undefined && value !== "");
    if (given.length && intent === "inform") {
      return t("gave", { what: given.map(([key, value]) => `${word("field", key)} ${Array.isArray(value) ? value.join(", ") : value}`).join(", ") });
    }
    const button = (offered || []).find((b) => b && String(b.payload ?? "").trim() === raw && b.title);
    if (button) return t("chose", { label: String(button.title) });
    if (given.length) {
      return t("gave", { what: given.map(([key, value]) => `${word("field", key)} ${value}`).join(", ") });
    }
    return t("chose", { label: word("intent", intent) || word("topic", intent) });
  }
  /** What to show for a customer's text: its words when it is a button answer, else the text. */
  function shown(text, offered) {
    const answer = readable(text, offered);
    return answer === null ? String(text ?? "") : answer;
  }

  // ------------------------------------------------------------------ state
  const state = {
    user: null,
    ws: null,
    wsFailures: 0,
    queue: [],
    queueLoaded: false,
    mine: [],
    tabs: new Map(), // handoff id -> {data, panel, tabButton, label, seen:Set, messages:[]}
    active: null,
    knownQueued: new Set(),
    agents: null,
    unread: new Map(), // handoff id -> unread customer messages
    unseenHandoffs: new Set(), // new handoffs not opened yet
  };
  const narrow = window.matchMedia("(max-width: 900px)");

  // ------------------------------------------------------------------ helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child);
    }
    return node;
  }

  async function api(method, path, body) {
    // X-Requested-With: the CSRF check accepts it from browsers that send no Origin header.
    const options = {
      method, credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (_) {
      return { ok: false, status: 0, data: { code: "network", message: t("networkError") } };
    }
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (response.status === 401 && state.user && path !== "/api/auth/login") showLogin();
    return { ok: response.ok, status: response.status, data };
  }

  const MAX_TOASTS = 3;
  /** Notifications live in their own row under the top bar (never over a control). */
  function toast(text, kind = "info") {
    const box = $("toasts");
    const node = el("div", { class: "toast " + kind },
      el("span", { class: "toast-text", text, title: text }),
      el("button", { type: "button", class: "toast-close", "aria-label": t("dismiss"), text: "×",
        onclick: () => node.remove() }));
    box.append(node);
    while (box.children.length > MAX_TOASTS) box.firstElementChild.remove();
    window.setTimeout(() => node.remove(), 8000);
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds || 0));
    const units = S.units;
    if (seconds < 60) return units.s.replace("{n}", seconds);
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return units.m.replace("{n}", minutes).replace("{s}", seconds % 60);
    return units.h.replace("{n}", Math.floor(minutes / 60)).replace("{m}", minutes % 60);
  }

  const LOCALE = LANG === "ko" ? "ko-KR" : "en-GB";
  function time(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" });
  }
  function dateTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? ""
      : date.toLocaleString(LOCALE, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function customerName(item, fallbackKey = "anonymous") {
    return (item && item.customer && (item.customer.name || item.customer.id)) || t(fallbackKey);
  }

  /** "Priority: high · Repeat contact" (or without the "Priority:" label, under a heading). */
  function priorityText(priority, reasons, labelled = true) {
    const level = priority >= 3 ? t("priorityUrgent") : priority > 0 ? t("priorityHigh") : t("priorityNormal");
    const why = (reasons || []).map((r) => word("priorityReason", r));
    return (labelled ? t("priorityLevel", { level }) : level) + (why.length ? " · " + why.join(", ") : "");
  }

  const CANNED = /*catalogue:console.canned*/ {};
  const CANNED_FALLBACK = /*catalogue:console.canned_fallback*/ {};

  function fill(template, data) {
    const ctx = data.context || {};
    const slots = ctx.slots || {};
    const identity = ctx.identity || {};
    const name = (data.customer && data.customer.name) || identity.name || "";
    const fallback = CANNED_FALLBACK[data.language] || CANNED_FALLBACK.en;
    const values = {
      name: name.split(" ")[0] || fallback.name,
      agent: state.user ? state.user.name : "",
      order: slots.order_number || fallback.order,
    };
    return template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
  }

  /** Insert text at the cursor (replacing a selection), keeping the rest of the draft. */
  function insertAtCursor(input, text) {
    const value = input.value;
    const start = Math.min(input.selectionStart ?? value.length, value.length);
    const end = Math.min(input.selectionEnd ?? start, value.length);
    const before = value.slice(0, start);
    const after = value.slice(end);
    const lead = before && !/\s$/.test(before) ? " " : "";
    const trail = after && !/^\s/.test(after) ? " " : "";
    input.focus();
    input.setRangeText(lead + text + trail, start, end, "end");
    const caret = start + lead.length + text.length;
    input.setSelectionRange(caret, caret);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // ------------------------------------------------------------------ unread count (tab title)
  function unreadTotal() {
    let total = state.unseenHandoffs.size;
    for (const count of state.unread.values()) total += count;
    return total;
  }
  function updateTitle() {
    const total = unreadTotal();
    document.title = total ? `(${total}) ${t("docTitle")}` : t("docTitle");
    for (const item of document.querySelectorAll("#mine li[data-handoff-id]")) {
      const badge = item.querySelector(".unread");
      const count = state.unread.get(Number(item.dataset.handoffId)) || 0;
      if (badge) { badge.hidden = count === 0; badge.textContent = String(count); }
    }
  }
  function inView(id) {
    return state.active === id && !document.hidden && !(narrow.matches && $("app-view").classList.contains("view-list"));
  }
  function bumpUnread(id) {
    if (inView(id)) return;
    state.unread.set(id, (state.unread.get(id) || 0) + 1);
    updateTitle();
  }
  function clearUnread(id) {
    state.unseenHandoffs.delete(id);
    state.unread.delete(id);
    updateTitle();
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.active !== null && inView(state.active)) clearUnread(state.active);
  });

  // ------------------------------------------------------------------ narrow screens: lists or a conversation
  function showView(view) {
    const app = $("app-view");
    app.classList.toggle("view-list", view === "list");
    app.classList.toggle("view-conv", view === "conv");
    if (view === "conv" && state.active !== null && inView(state.active)) clearUnread(state.active);
  }
  $("show-queue").addEventListener("click", () => showView("list"));
  function updateQueueButton() {
    $("show-queue").textContent = t("showQueue", { count: state.queue.length });
  }

  // ------------------------------------------------------------------ login
  function showLogin() {
    state.user = null;
    if (state.ws) state.ws.close();
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    $("login-email").focus();
  }

  async function showApp(user) {
    state.user = user;
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("me").textContent = `${user.name} · ${word("role", user.role)} · ${user.languages.join(", ").toUpperCase()}`;
    $("available").checked = !!user.available;
    updateNotifyButton();
    updateQueueButton();
    connect();
    await Promise.all([refreshQueue(), refreshMine()]);
    // Conversations already assigned to me (after a reload) come back as tabs.
    for (const item of state.mine) if (!state.tabs.has(item.id)) await openTab(item.id, null, { show: false });
    showView(state.tabs.size ? "conv" : "list");
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const response = await api("POST", "/api/auth/login", {
      email: $("login-email").value, password: $("login-password").value,
    });
    if (!response.ok) {
      $("login-error").textContent = failure(response, "loginFailed");
      return;
    }
    $("login-password").value = "";
    showApp(response.data.user);
  });

  $("logout").addEventListener("click", async () => {
    await api("POST", "/api/auth/logout", {});
    for (const id of [...state.tabs.keys()]) closeTab(id);
    showLogin();
  });

  $("available").addEventListener("change", async (event) => {
    const response = await api("PUT", "/api/agent/status", { available: event.target.checked });
    if (!response.ok) toast(failure(response, "couldNotChangeStatus"), "error");
  });

  // ------------------------------------------------------------------ notifications
  function updateNotifyButton() {
    const button = $("notify-button");
    button.hidden = !("Notification" in window) || Notification.permission !== "default";
  }

  $("notify-button").addEventListener("click", async () => {
    if ("Notification" in window) await Notification.requestPermission();
    updateNotifyButton();
  });

  function notifyNewHandoff(item) {
    const who = customerName(item, "aCustomer");
    const text = t("newHandoff", { who, reason: word("reason", item.reason), language: word("language", item.language) });
    toast(text, "new");
    state.unseenHandoffs.add(item.id);
    updateTitle();
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      try {
        const note = new Notification(t("newConversationWaiting"), { body: text, tag: `handoff-${item.id}` });
        note.onclick = () => { window.focus(); note.close(); };
      } catch (_) { /* some browsers only allow notifications from a service worker */ }
    }
  }

  // ------------------------------------------------------------------ websocket
  function connect() {
    if (!state.user || (state.ws && state.ws.readyState <= 1)) return;
    const url = location.origin.replace(/^http/, "ws") + "/ws/agent";
    const ws = new WebSocket(url);
    state.ws = ws;
    ws.addEventListener("open", () => { $("conn").textContent = ""; });
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_) { return; }
      onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (state.ws !== ws) return;
      state.ws = null;
      if (!state.user) return;
      if (event.code === 4401) { showLogin(); return; }
      state.wsFailures += 1;
      $("conn").textContent = t("connectionLost");
      const delay = Math.min(30000, 500 * 2 ** Math.min(state.wsFailures, 6));
      window.setTimeout(() => { connect(); refreshQueue(); refreshMine(); refreshTabs(); }, delay / 2 + Math.random() * delay / 2);
    });
  }

  function onFrame(frame) {
    const tab = frame.handoff_id ? state.tabs.get(frame.handoff_id) : null;
    switch (frame.type) {
      case "hello":
        state.wsFailures = 0;
        $("available").checked = !!frame.user.available;
        break;
      case "queue":
        refreshQueue();
        if (frame.reason !== "agents_changed") refreshMine();
        else refreshTransferTargets();
        if (tab && tab.data && tab.data.status === "queued") loadTab(frame.handoff_id, { onlyIfChanged: true });
        if (frame.reason === "abandoned" && tab) toast(t("withdrawnToast"), "info");
        break;
      case "message":
        if (tab) addMessage(tab, frame.message, true);
        if (frame.message && frame.message.role === "customer") {
          bumpUnread(frame.handoff_id);
          if (!inView(frame.handoff_id)) {
            const who = tab ? tab.label.textContent : customerName(state.mine.find((m) => m.id === frame.handoff_id));
            toast(t("newMessageFrom", { who }), "info");
          }
        }
        break;
      case "typing":
        if (tab) showTyping(tab, frame.typing);
        break;
      case "note":
        if (tab) addNote(tab, frame.note);
        break;
      case "customer_left":
      case "customer_returned":
        if (tab) {
          tab.presence.textContent = frame.type === "customer_left" ? t("customerHasLeft") : "";
          tab.presence.hidden = frame.type !== "customer_left";
        }
        refreshMine();
        break;
      case "handoff":
        if (tab && !alreadyShown(tab, frame)) loadTab(frame.handoff_id);
        refreshMine();
        if (frame.event === "transferred" && !tab) toast(t("transferredToYou"), "new");
        break;
      default:
        break;
    }
  }

  /** The tab already shows what this lifecycle event did (our own claim, resolve, hand-back). */
  function alreadyShown(tab, frame) {
    const status = { claimed: "claimed", resolved: "resolved", handed_back: "handed_back" }[frame.event];
    const agentId = tab.data && tab.data.agent ? tab.data.agent.id : null;
    return Boolean(status && tab.data && tab.data.status === status && (frame.agent_id ?? null) === agentId);
  }

  // ------------------------------------------------------------------ queue and lists
  async function refreshQueue() {
    const response = await api("GET", "/api/queue");
    if (!response.ok) return;
    const items = response.data.handoffs;
    for (const item of items) {
      if (!state.knownQueued.has(item.id) && state.queueLoaded) notifyNewHandoff(item);
      state.knownQueued.add(item.id);
    }
    const ids = new Set(items.map((i) => i.id));
    for (const id of [...state.unseenHandoffs]) if (!ids.has(id)) state.unseenHandoffs.delete(id);
    updateTitle();
    state.queueLoaded = true;
    state.queue = items;
    state.queueFetchedAt = Date.now();
    renderQueue();
  }

  function renderQueue() {
    const list = $("queue");
    const focused = list.contains(document.activeElement)
      ? [document.activeElement.closest("li")?.dataset.handoffId, document.activeElement.className] : null;
    list.replaceChildren();
    const elapsed = (Date.now() - (state.queueFetchedAt || Date.now())) / 1000;
    for (const item of state.queue) {
      const who = customerName(item);
      const verified = item.customer && item.customer.verified ? t("verified") : t("notVerified");
      const tags = el("div", { class: "tags" },
        el("span", { class: "tag reason", text: word("reason", item.reason) }),
        el("span", { class: "tag lang", text: item.language.toUpperCase() }),
        el("span", { class: "tag prio" + (item.priority > 0 ? " high" : ""), text: priorityText(item.priority, item.priority_reasons) }));
      const li = el("li", { class: "queue-item", "data-handoff-id": item.id },
        el("div", { class: "row" },
          el("strong", { class: "who", text: who }),
          el("span", { class: "wait", text: t("waiting", { duration: duration(item.waiting_seconds + elapsed) }) })),
        el("div", { class: "muted small", text: verified + (item.customer_present === false ? " · " + t("customerLeftShort") : "") }),
        tags,
        el("p", { class: "summary", text: item.summary || "" }),
        el("div", { class: "buttons" },
          el("button", { type: "button", class: "secondary preview", text: t("preview"),
            "aria-label": t("previewAria", { who }), onclick: () => openTab(item.id) }),
          el("button", { type: "button", class: "claim", text: t("claim"),
            "aria-label": t("claimAria", { who }), onclick: () => claim(item.id) })));
      list.append(li);
    }
    $("queue-count").textContent = String(state.queue.length);
    $("queue-empty").hidden = state.queue.length > 0;
    updateQueueButton();
    if (focused) {
      const again = list.querySelector(`li[data-handoff-id="${focused[0]}"] button.${String(focused[1]).split(" ").pop()}`);
      if (again) again.focus();
    }
  }

  /** Tick the waiting times in place (re-drawing the list would take the keyboard focus away). */
  function tickQueue() {
    const elapsed = (Date.now() - (state.queueFetchedAt || Date.now())) / 1000;
    for (const item of state.queue) {
      const node = document.querySelector(`#queue li[data-handoff-id="${item.id}"] .wait`);
      if (node) node.textContent = t("waiting", { duration: duration(item.waiting_seconds + elapsed) });
    }
  }
  window.setInterval(() => { if (state.user) tickQueue(); }, 5000);
  window.setInterval(() => { if (state.user) refreshQueue(); }, 30000);

  async function refreshMine() {
    const response = await api("GET", "/api/handoffs?status=claimed&mine=1");
    if (!response.ok) return;
    state.mine = response.data.handoffs;
    const list = $("mine");
    list.replaceChildren();
    for (const item of state.mine) {
      list.append(el("li", { "data-handoff-id": item.id },
        el("button", { type: "button", class: "link", onclick: () => openTab(item.id) },
          el("span", { text: customerName(item) }),
          el("span", { class: "muted small", text: ` · ${word("reason", item.reason)}` }),
          item.customer_present === false ? el("span", { class: "tag", text: t("left") }) : null,
          el("span", { class: "unread", hidden: true, text: "0" }))));
    }
    $("mine-empty").hidden = state.mine.length > 0;
    updateTitle();
  }

  async function claim(id) {
    const response = await api("POST", `/api/handoffs/${id}/claim`, {});
    if (!response.ok) {
      toast(failure(response, "couldNotClaim"), "error");
      refreshQueue();
      if (state.tabs.has(id)) loadTab(id);
      return;
    }
    await refreshQueue();
    await refreshMine();
    openTab(id, response.data);
  }

  $("take-next").addEventListener("click", async () => {
    const response = await api("POST", "/api/queue/next", {});
    if (!response.ok) {
      toast(failure(response, "nothingToTake"), "info");
      return;
    }
    await refreshQueue();
    await refreshMine();
    openTab(response.data.id, response.data);
  });

  // ------------------------------------------------------------------ tabs
  async function openTab(id, data, { show = true } = {}) {
    if (!state.tabs.has(id)) {
      const tabButton = el("button", { type: "button", role: "tab", id: `tab-${id}`,
        "aria-controls": `panel-${id}`, "aria-selected": "false", tabindex: "-1",
        onclick: () => activate(id) });
      const label = el("span", { text: `#${id}` });
      const closeButton = el("button", { type: "button", class: "tab-close", "aria-label": t("closeTab", { id }),
        text: "×", onclick: (event) => { event.stopPropagation(); closeTab(id); } });
      const wrapper = el("div", { class: "tab-wrap" }, tabButton, closeButton);
      tabButton.append(label);
      const panel = el("section", { role: "tabpanel", id: `panel-${id}`, "aria-labelledby": `tab-${id}`,
        class: "conversation", hidden: true });
      $("tabs").append(wrapper);
      $("panels").append(panel);
      state.tabs.set(id, { id, tabButton, label, wrapper, panel, seen: new Set(), messages: [], data: null });
    }
    activate(id);
    if (show) showView("conv");
    if (data) renderTab(state.tabs.get(id), data);
    else await loadTab(id);
  }

  function activate(id) {
    state.active = id;
    for (const [key, tab] of state.tabs) {
      const selected = key === id;
      tab.tabButton.setAttribute("aria-selected", String(selected));
      tab.tabButton.tabIndex = selected ? 0 : -1;
      tab.panel.hidden = !selected;
    }
    $("no-tab").hidden = state.tabs.size > 0;
    state.unseenHandoffs.delete(id); // opened: no longer a new handoff
    if (inView(id)) clearUnread(id);
    else updateTitle();
  }

  $("tabs").addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
    const ids = [...state.tabs.keys()];
    const index = ids.indexOf(state.active);
    const next = ids[(index + (event.key === "ArrowRight" ? 1 : ids.length - 1)) % ids.length];
    activate(next);
    state.tabs.get(next).tabButton.focus();
  });

  function closeTab(id) {
    const tab = state.tabs.get(id);
    if (!tab) return;
    window.clearInterval(tab.poll);
    tab.wrapper.remove();
    tab.panel.remove();
    state.tabs.delete(id);
    state.unread.delete(id);
    updateTitle();
    const rest = [...state.tabs.keys()];
    if (rest.length) activate(rest[rest.length - 1]);
    else { state.active = null; $("no-tab").hidden = false; showView("list"); }
  }

  async function loadTab(id, { onlyIfChanged = false } = {}) {
    const response = await api("GET", `/api/handoffs/${id}`);
    const tab = state.tabs.get(id);
    if (!tab) return;
    if (!response.ok) {
      tab.panel.replaceChildren(el("p", { class: "error", text: failure(response, "cannotLoad") }));
      return;
    }
    const agentOf = (data) => (data && data.agent ? data.agent.id : null);
    if (onlyIfChanged && tab.data && tab.data.status === response.data.status && agentOf(tab.data) === agentOf(response.data)) return;
    renderTab(tab, response.data);
  }

  function refreshTabs() {
    for (const id of state.tabs.keys()) loadTab(id);
  }

  // ------------------------------------------------------------------ context side panel
  function dl(entries) {
    const list = el("dl", { class: "kv" });
    for (const [key, value] of entries) {
      if (value === null || value === undefined || value === "") continue;
      const text = typeof value === "boolean" ? (value ? t("yes") : t("no"))
        : Array.isArray(value) ? value.join(", ")
        : typeof value === "object" ? Object.values(value).filter((v) => v !== null && v !== "").join(", ")
        : String(value);
      list.append(el("dt", { text: key }), el("dd", { text }));
    }
    return list;
  }

  function ctxSection(kind, titleKey, ...children) {
    return el("section", { class: `ctx-section ${kind}`, "aria-label": t(titleKey) }, el("h4", { text: t(titleKey) }), ...children);
  }

  function taskLine(task) {
    const label = word("topic", task.task);
    const outcome = task.status === "success" ? t("taskDone")
      : task.code ? t("taskRefusedBecause", { code: word("code", task.code) }) : t("taskRefused");
    return `${label}${task.order_number ? " · " + task.order_number : ""} — ${outcome}`;
  }

  /** The context in a fixed order: who, why, what the bot did, orders, history. */
  function contextSection(data) {
    const ctx = data.context || {};
    const identity = ctx.identity || {};
    const section = el("section", { class: "context", "aria-label": t("handoffContext") });
    section.append(el("h3", { text: t("context") }));

    const verification = identity.verification || (identity.verified ? "verified" : "unverified");
    section.append(ctxSection("who", "secWho", dl([
      [t("name"), identity.name || (data.customer && data.customer.name) || t("anonymous")],
      [t("customerId"), identity.customer_id], [t("email"), identity.email],
      [t("identity"), word("verification", verification)],
      [t("language"), word("language", ctx.language || data.language)],
    ])));

    const reasonCode = ctx.reason || data.reason;
    const why = ctxSection("why", "secWhy", dl([
      [t("reason"), word("reason", reasonCode)],
      [t("priority"), priorityText(data.priority, data.priority_reasons, false)],
      [t("requestedAt"), dateTime(data.requested_at)],
    ]));
    const photos = (Array.isArray(ctx.attachments) ? ctx.attachments : []).filter((a) => a && a.id);
    if (photos.length) {
      why.append(el("p", { class: "small muted", text: t("photos", { count: photos.length }) }),
        el("div", { class: "attachments" }, ...photos.map(photoLink)));
    }
    section.append(why);

    const tasks = Array.isArray(ctx.tasks) && ctx.tasks.length ? ctx.tasks : ctx.task ? [ctx.task] : [];
    const failed = Array.isArray(ctx.failed_utterances) ? ctx.failed_utterances : [];
    const topics = [...new Set((Array.isArray(ctx.intents) ? ctx.intents : [])
      .map((i) => i && i.intent).filter((name) => name && !SMALL_TALK.has(name)))];
    const slots = ctx.slots || {};
    const collected = BUSINESS_FIELDS
      .filter((key) => slots[key] !== null && slots[key] !== undefined && slots[key] !== "" &&
        !(Array.isArray(slots[key]) && slots[key].length === 0))
      .map((key) => [word("field", key).replace(/^./, (c) => c.toUpperCase()), slots[key]]);
    const bot = ctxSection("bot" + (failed.length || tasks.some((x) => x.status !== "success") ? " failed" : ""), "secBot");
    if (tasks.length) {
      bot.append(el("p", { class: "small muted", text: t("tasks") }),
        el("ul", {}, ...tasks.map((task) => el("li", { text: taskLine(task) }))));
    }
    if (topics.length) bot.append(dl([[t("topics"), topics.map((name) => word("topic", name)).join(", ")]]));
    if (failed.length) {
      bot.append(el("p", { class: "small muted", text: t("misunderstood") }),
        el("ul", {}, ...failed.map((item) => el("li", {}, el("q", { text: shown(item.text, []) }),
          el("span", { class: "muted small", text: ` — ${word("why", item.why)}` })))));
    }
    if (collected.length) bot.append(el("p", { class: "small muted", text: t("collected") }), dl(collected));
    if (!tasks.length && !topics.length && !failed.length && !collected.length) {
      bot.append(el("p", { class: "muted", text: t("nothingRecorded") }));
    }
    section.append(bot);

    const orders = Array.isArray(ctx.orders) ? ctx.orders : [];
    const orderBox = ctxSection("orders", "secOrders");
    if (!orders.length) orderBox.append(el("p", { class: "muted", text: t("noOrder") }));
    for (const order of orders) {
      const items = (order.items || []).map((i) => `${i.quantity}× ${i.name}`).join(", ");
      const address = order.shipping_address
        ? [order.shipping_address.street, order.shipping_address.postcode, order.shipping_address.city].filter(Boolean).join(", ")
        : "";
      orderBox.append(el("div", { class: "order" }, dl([
        [t("order"), order.order_number], [t("status"), stateWord(ORDER_STATES, order.status)],
        [t("total"), order.total ? `${order.total} ${order.currency || ""}`.trim() : ""],
        [t("items"), items], [t("carrier"), [order.carrier, order.tracking_number].filter(Boolean).join(" ")],
        [t("eta"), order.eta], [t("delivered"), order.delivered_at ? dateTime(order.delivered_at) : ""], [t("shipTo"), address],
        [t("refund"), order.refund_status && order.refund_status !== "none" ? stateWord(REFUND_STATES, order.refund_status) : ""],
        [t("canCancel"), order.can_cancel], [t("canChangeAddress"), order.can_change_address], [t("canReturn"), order.can_return],
      ])));
    }
    section.append(orderBox);

    const previous = Array.isArray(ctx.previous_conversations) ? ctx.previous_conversations : [];
    const history = ctxSection("history", "secHistory");
    if (!previous.length) history.append(el("p", { class: "muted", text: t("noHistory") }));
    else {
      history.append(el("p", { class: "small muted", text: t("historyTitle") }));
      history.append(el("ul", {}, ...previous.map((item) => {
        const reasons = item.handoff_reasons || item.reasons || [];
        const topic = item.topic ? word("topic", item.topic)
          : item.first_message ? `“${shown(item.first_message, [])}”` : "";
        const how = reasons.length ? t("handedToColleague", { reasons: reasons.map((r) => word("reason", r)).join(", ") })
          : t("withAssistant");
        return el("li", {}, el("strong", { text: dateTime(item.created_at) }), el("span", { text: ` · ${topic}` }),
          el("div", { class: "muted small", text: how }));
      })));
    }
    section.append(history);
    if (ctx.tracker_available === false) section.append(el("p", { class: "warning small", text: t("partialContext") }));
    return section;
  }

  function sideOpenDefault() {
    if (narrow.matches) return false;
    return stored(SIDE_KEY) !== "closed";
  }

  // ------------------------------------------------------------------ conversation panel
  function renderTab(tab, data) {
    const previousData = tab.data;
    const keepScroll = tab.transcript && previousData && previousData.id === data.id
      ? tab.transcript.scrollHeight - tab.transcript.scrollTop - tab.transcript.clientHeight : null;
    const sideScroll = tab.side ? tab.side.scrollTop : 0;
    const typing = tab.reply && document.activeElement === tab.reply
      ? [tab.reply.selectionStart, tab.reply.selectionEnd] : null;
    tab.reply = null;
    tab.data = data;
    tab.seen = new Set();
    tab.messages = [];
    const who = customerName(data);
    tab.label.textContent = `${who} (#${data.id})`;
    const mine = state.user && data.agent && data.agent.id === state.user.id;
    const canAct = data.status === "claimed" && (mine || ["supervisor", "admin"].includes(state.user.role));
    const preview = data.status === "queued";
    const canClaim = preview && ["agent", "supervisor", "admin"].includes(state.user.role);
    if (tab.sideOpen === undefined) tab.sideOpen = sideOpenDefault();
    const panel = tab.panel;
    panel.replaceChildren();

    // head: who, status, the primary actions and the context toggle (always on screen)
    const sideId = `side-${data.id}`;
    const toggle = el("button", { type: "button", class: "secondary toggle-context", "aria-controls": sideId,
      "aria-expanded": String(tab.sideOpen), text: tab.sideOpen ? t("hideContext") : t("showContext") });
    const tools = el("div", { class: "tools" });
    if (canClaim) tools.append(el("button", { type: "button", class: "claim-now", text: t("claim"), onclick: () => claim(data.id) }));
    if (canAct) tools.append(el("button", { type: "button", class: "primary resolve", text: t("resolve"), onclick: () => act(tab, "resolve") }));
    tools.append(toggle);
    panel.append(el("div", { class: "conv-head" },
      el("h2", { text: who }),
      el("span", { class: `tag status ${data.status}`, text: word("status", data.status) }),
      data.agent ? el("span", { class: "muted small", text: t("assignedTo", { name: data.agent.name }) }) : null,
      tools));
    tab.presence = el("p", { class: "warning conv-notes", role: "status", hidden: data.customer_present !== false,
      text: data.customer_present === false ? t("customerHasLeft") : "" });
    panel.append(tab.presence);
    if (data.status === "abandoned") panel.append(el("p", { class: "warning conv-notes", text: t("customerEnded") }));

    // body: side panel (context first for screen readers), transcript, composer
    const body = el("div", { class: "conv-body" + (tab.sideOpen ? "" : " side-closed") });
    const side = el("aside", { class: "side", id: sideId, "aria-label": t("context") });
    side.append(contextSection(data));
    tab.side = side;
    toggle.addEventListener("click", () => {
      tab.sideOpen = !tab.sideOpen;
      if (!narrow.matches) store(SIDE_KEY, tab.sideOpen ? "open" : "closed");
      body.classList.toggle("side-closed", !tab.sideOpen);
      toggle.setAttribute("aria-expanded", String(tab.sideOpen));
      toggle.textContent = tab.sideOpen ? t("hideContext") : t("showContext");
    });

    tab.transcript = el("ol", { class: "transcript", "aria-label": t("transcript"), tabindex: "0" });
    tab.typing = el("p", { class: "typing muted small", "aria-live": "polite" });
    const transcriptSection = el("section", { class: "transcript-section", "aria-label": t("conversation") },
      el("h3", { class: "sr-only", text: t("transcript") }), tab.transcript, tab.typing);
    for (const message of data.messages || []) addMessage(tab, message, false);

    if (canAct) side.append(actionsSection(tab));
    side.append(notesSection(tab, data, !preview));
    body.append(side, transcriptSection);
    if (canAct) body.append(replyForm(tab));
    else if (preview) {
      body.append(el("div", { class: "preview-bar", role: "note" },
        el("span", { text: t("previewNotice") }),
        canClaim ? el("button", { type: "button", class: "claim-this", text: t("claimThis"), onclick: () => claim(data.id) }) : null));
    }
    panel.append(body);
    if (state.active === data.id) tab.panel.hidden = false;
    tab.transcript.scrollTop = keepScroll === null || keepScroll < 40 ? tab.transcript.scrollHeight
      : tab.transcript.scrollHeight - tab.transcript.clientHeight - keepScroll;
    side.scrollTop = sideScroll;
    if (typing && tab.reply) { tab.reply.focus(); tab.reply.setSelectionRange(typing[0], typing[1]); }

    // A preview has no live feed (frames go to the assignee): poll for new messages meanwhile.
    window.clearInterval(tab.poll);
    if (preview) tab.poll = window.setInterval(() => pollPreview(tab), 4000);
  }

  async function pollPreview(tab) {
    if (!tab.data || tab.data.status !== "queued" || !state.tabs.has(tab.id)) { window.clearInterval(tab.poll); return; }
    const last = Math.max(0, ...tab.seen);
    const response = await api("GET", `/api/handoffs/${tab.id}/messages?after=${last}`);
    if (response.ok) for (const message of response.data.messages) addMessage(tab, message, false);
  }

  function offeredBefore(tab, seq) {
    const earlier = tab.messages.filter((m) => m.seq < seq);
    for (let i = earlier.length - 1; i >= 0 && i >= earlier.length - 10; i -= 1) {
      const message = earlier[i];
      const buttons = message.buttons || (message.payload && message.payload.buttons);
      if (message.role === "bot" && Array.isArray(buttons) && buttons.length) return buttons;
      if (message.role === "customer" && i < earlier.length - 1) break;
    }
    return [];
  }

  function addMessage(tab, message, live) {
    if (!message || tab.seen.has(message.seq)) return;
    tab.seen.add(message.seq);
    const index = tab.messages.findIndex((m) => m.seq > message.seq);
    if (index < 0) tab.messages.push(message);
    else tab.messages.splice(index, 0, message);
    const payload = message.payload || {};
    const role = message.role;
    let text = message.text;
    let answer = false;
    if (text === null || text === undefined) {
      if (payload.custom && payload.custom.handoff) text = t("handoffRequested");
      else if (payload.custom || message.custom) text = t("customMessage");
      else text = "";
    } else if (role === "customer") {
      const words = readable(text, offeredBefore(tab, message.seq));
      if (words !== null) { text = words; answer = true; }
    }
    const who = role === "agent" ? (message.agent_name || payload.agent_name || t("roleAgent"))
      : role === "customer" ? t("roleCustomer") : role === "bot" ? t("roleAssistant") : t("roleSystem");
    // the language the gateway detected for this customer message (handoff/language.py)
    const lang = role === "customer" && payload.language ? ` · ${payload.language.toUpperCase()}` : "";
    const item = el("li", { class: `m ${role}`, "data-seq": message.seq },
      el("span", { class: "who", text: who + lang }),
      el("span", { class: "when muted small", text: time(message.created_at) }),
      el("div", { class: "text" + (answer ? " answer" : ""), text }));
    const buttons = message.buttons || payload.buttons;
    if (Array.isArray(buttons) && buttons.length) {
      item.append(el("div", { class: "muted small", text: t("buttonsOffered", { list: buttons.map((b) => b.title).join(" · ") }) }));
    }
    // Photos the customer sent (thumbnails need the agent's login session, same origin).
    const attachments = [message.attachment, ...(Array.isArray(message.attachments) ? message.attachments : [])]
      .filter((file) => file && typeof file === "object");
    if (attachments.length) {
      const box = el("div", { class: "attachments" });
      for (const file of attachments) box.append(photoLink(file));
      item.append(box);
    }
    const later = [...tab.transcript.children].find((node) => Number(node.dataset.seq) > message.seq);
    const atBottom = tab.transcript.scrollHeight - tab.transcript.scrollTop - tab.transcript.clientHeight < 40;
    if (later) tab.transcript.insertBefore(item, later);
    else tab.transcript.append(item);
    if (atBottom || !live) tab.transcript.scrollTop = tab.transcript.scrollHeight;
    if (live && role === "customer") showTyping(tab, false);
  }

  /** A customer's photo as a thumbnail linking to the full image (agent URLs need the login). */
  function photoLink(file) {
    const base = `/api/attachments/${encodeURIComponent(file.id)}`;
    const name = file.filename || file.name || "";
    return el("a", { href: file.url || base, target: "_blank", rel: "noopener", class: "photo" },
      el("img", { src: file.thumbnail_url || `${base}/thumbnail`, alt: name ? `${t("photo")}: ${name}` : t("photo"), loading: "lazy" }));
  }

  function addNote(tab, note) {
    if (!tab.notes || tab.notes.querySelector(`[data-note-id="${note.id}"]`)) return;
    tab.notes.append(el("li", { "data-note-id": note.id },
      el("strong", { text: (note.author && note.author.name) || t("roleAgent") }),
      el("span", { class: "muted small", text: " " + time(note.created_at) }),
      el("div", { text: note.text })));
  }

  function notesSection(tab, data, writable) {
    tab.notes = el("ul", { class: "notes" });
    for (const note of data.notes || []) addNote(tab, note);
    const section = el("section", { class: "notes-section", "aria-label": t("internalNotes") },
      el("h3", { text: t("internalNotes") }), tab.notes);
    if (writable && state.user && ["agent", "supervisor", "admin"].includes(state.user.role)) {
      const noteInput = el("textarea", { id: `note-${data.id}`, rows: "2", placeholder: t("notePlaceholder") });
      section.append(el("form", { class: "note-form", onsubmit: async (event) => {
        event.preventDefault();
        const text = noteInput.value.trim();
        if (!text) return;
        const response = await api("POST", `/api/handoffs/${data.id}/notes`, { text });
        if (response.ok) { noteInput.value = ""; addNote(tab, response.data); }
        else toast(failure(response, "noteNotSaved"), "error");
      } }, el("label", { for: `note-${data.id}`, class: "sr-only", text: t("newNote") }), noteInput,
      el("button", { type: "submit", class: "secondary", text: t("addNote") })));
    }
    return section;
  }

  function showTyping(tab, typing) {
    if (!tab.typing) return;
    window.clearTimeout(tab.typingTimer);
    tab.typing.textContent = typing ? t("typing") : "";
    if (typing) tab.typingTimer = window.setTimeout(() => { tab.typing.textContent = ""; }, 8000);
  }

  function draftKey(id) { return DRAFT_PREFIX + id; }
  function readDraft(id) { try { return sessionStorage.getItem(draftKey(id)) || ""; } catch (_) { return ""; } }
  function saveDraft(id, text) {
    try { if (text) sessionStorage.setItem(draftKey(id), text); else sessionStorage.removeItem(draftKey(id)); } catch (_) { /* ignore */ }
  }

  function replyForm(tab) {
    const data = tab.data;
    const input = el("textarea", { id: `reply-${data.id}`, class: "reply-input", rows: "3", placeholder: t("replyPlaceholder") });
    input.value = readDraft(data.id); // a re-render (transfer, reconnect) keeps what the agent typed
    let lastTyping = 0;
    input.addEventListener("input", () => {
      saveDraft(data.id, input.value);
      if (Date.now() - lastTyping > 3000 && state.ws && state.ws.readyState === 1) {
        lastTyping = Date.now();
        state.ws.send(JSON.stringify({ type: "typing", handoff_id: data.id, typing: true }));
      }
    });
    const send = async () => {
      const text = input.value.trim();
      if (!text) return;
      input.disabled = true;
      const clientId = "a-" + (crypto.randomUUID ? crypto.randomUUID() : Date.now() + Math.random());
      const response = await api("POST", `/api/handoffs/${data.id}/messages`, { text, client_message_id: clientId });
      input.disabled = false;
      if (response.ok) {
        input.value = "";
        saveDraft(data.id, "");
        addMessage(tab, response.data.message, false);
      } else toast(failure(response, "notSent"), "error");
      input.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
    });
    const canned = el("select", { id: `canned-${data.id}`, class: "canned" },
      el("option", { value: "", text: t("cannedPlaceholder") }));
    const list = CANNED[data.language] || CANNED.en;
    list.forEach(({ title }, index) => canned.append(el("option", { value: String(index), text: title })));
    canned.addEventListener("change", () => {
      if (canned.value === "") return;
      insertAtCursor(input, fill(list[Number(canned.value)].text, data));
      canned.value = "";
    });
    tab.reply = input;
    return el("form", { class: "reply composer", onsubmit: (event) => { event.preventDefault(); send(); } },
      el("label", { for: `reply-${data.id}`, class: "sr-only", text: t("replyLabel") }),
      input,
      el("div", { class: "reply-row" },
        el("label", { for: `canned-${data.id}`, class: "sr-only", text: t("cannedLabel") }), canned,
        el("button", { type: "submit", class: "primary", text: t("send") })));
  }

  async function agentsList() {
    if (state.agents !== null) return state.agents;
    const response = await api("GET", "/api/agents");
    state.agents = response.ok ? response.data.agents : [];
    return state.agents;
  }

  /** Fill a transfer select with colleagues (online first), keeping the current choice. */
  async function fillTransferTargets(select) {
    const agents = await agentsList();
    const chosen = select.value;
    const others = agents
      .filter((a) => a.id !== state.user.id)
      .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    select.replaceChildren(el("option", { value: "", text: others.length ? t("chooseColleague") : t("noColleague") }));
    for (const agent of others) {
      select.append(el("option", {
        value: String(agent.id),
        text: `${agent.name} (${agent.online ? t("online") : t("offline")}) · ${(agent.languages || []).join(", ").toUpperCase()}`,
      }));
    }
    if (others.some((a) => String(a.id) === chosen)) select.value = chosen;
  }

  function refreshTransferTargets() {
    state.agents = null;
    for (const select of document.querySelectorAll("select.transfer-target")) fillTransferTargets(select);
  }

  async function act(tab, kind) {
    const data = tab.data;
    const outcome = tab.outcome;
    const note = outcome ? outcome.value.trim() : "";
    if (kind === "handback" && !note) {
      toast(t("writeOutcomeFirst"), "error");
      if (outcome) outcome.focus();
      return;
    }
    const body = note ? { note } : {};
    const response = await api("POST", `/api/handoffs/${data.id}/${kind}`, body);
    if (!response.ok) { toast(failure(response, "failed"), "error"); return; }
    toast(kind === "resolve" ? t("resolvedToast") : t("handedBackToast"), "info");
    saveDraft(data.id, "");
    renderTab(tab, response.data);
    refreshMine();
  }

  function actionsSection(tab) {
    const data = tab.data;
    const section = el("section", { class: "actions", "aria-label": t("finishTitle") }, el("h3", { text: t("finishTitle") }));
    const outcome = el("input", { id: `outcome-${data.id}`, type: "text", placeholder: t("outcomePlaceholder") });
    tab.outcome = outcome;
    section.append(el("label", { for: `outcome-${data.id}`, class: "small", text: t("outcomeLabel") }), outcome);
    section.append(el("div", { class: "row" },
      el("button", { type: "button", class: "secondary handback", text: t("handBack"), onclick: () => act(tab, "handback") })));

    const target = el("select", { id: `transfer-${data.id}`, class: "transfer-target" });
    const transferNote = el("input", { id: `transfer-note-${data.id}`, type: "text", placeholder: t("transferNote") });
    fillTransferTargets(target);
    section.append(el("form", { class: "transfer", onsubmit: async (event) => {
      event.preventDefault();
      const agentId = Number(target.value);
      if (!agentId) { toast(t("chooseTransfer"), "error"); return; }
      const body = { agent_id: agentId };
      if (transferNote.value.trim()) body.note = transferNote.value.trim();
      const response = await api("POST", `/api/handoffs/${data.id}/transfer`, body);
      if (!response.ok) { toast(failure(response, "transferFailed"), "error"); return; }
      toast(t("transferredToast"), "info");
      renderTab(tab, response.data);
      refreshMine();
    } },
    el("label", { for: `transfer-${data.id}`, class: "small", text: t("transferTo") }), target,
    el("label", { for: `transfer-note-${data.id}`, class: "sr-only", text: t("transferNote") }), transferNote,
    el("button", { type: "submit", class: "secondary", text: t("transfer") })));
    return section;
  }

  // ------------------------------------------------------------------ start
  applyStatic();
  (async () => {
    const response = await api("GET", "/api/auth/me");
    if (response.ok) showApp(response.data);
    else showLogin();
  })();
})();

/*
 * effortless agent console: login, live queue, claim, several conversations in tabs, the handoff
 * context first, then the transcript; reply, canned responses, notes, transfer, resolve, hand back.
 * Agent API: docs/api.md. Every server text is rendered with textContent.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const state = {
    user: null,
    ws: null,
    wsFailures: 0,
    queue: [],
    mine: [],
    tabs: new Map(), // handoff id -> {data, panel, tab, seen:Set, lastSeq}
    active: null,
    knownQueued: new Set(),
    agents: null,
  };

  const REASONS = {
    customer_request: "Customer asked for a human",
    repeated_fallback: "Bot did not understand (repeatedly)",
    task_failed: "Task failed",
    policy: "Policy (needs a human)",
    negative_sentiment: "Upset customer",
    bot_unavailable: "Bot unavailable",
  };
  const CANNED = {
    en: [
      ["Greeting", "Hi {name}, I'm {agent}. I can see everything you told our assistant, so there's no need to repeat anything."],
      ["Checking", "Thanks for waiting — I'm checking {order} for you right now."],
      ["Done", "That's done for you. Is there anything else I can help with?"],
      ["Refund timing", "Your refund will be back on your original payment method within 5–7 business days."],
      ["Escalating", "I've passed this to our specialist team; you'll get an email from us within one business day."],
    ],
    ko: [
      ["인사", "안녕하세요 {name}님, 상담원 {agent}입니다. 상담 봇과 나눈 대화를 모두 확인했으니 다시 말씀하실 필요는 없습니다."],
      ["확인 중", "기다려 주셔서 감사합니다. 지금 {order} 주문을 확인하고 있습니다."],
      ["완료", "처리가 완료되었습니다. 더 도와드릴 일이 있을까요?"],
      ["환불 안내", "환불은 영업일 기준 5~7일 이내에 결제하신 수단으로 돌아갑니다."],
    ],
  };

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
      return { ok: false, status: 0, data: { code: "network", message: "The server cannot be reached." } };
    }
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (response.status === 401 && state.user && path !== "/api/auth/login") showLogin();
    return { ok: response.ok, status: response.status, data };
  }

  function toast(text, kind = "info") {
    const node = el("div", { class: "toast " + kind, text });
    $("toasts").append(node);
    window.setTimeout(() => node.remove(), 6000);
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds || 0));
    if (seconds < 60) return `${seconds}s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
    return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  }

  function time(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function fill(template, data) {
    const ctx = data.context || {};
    const slots = ctx.slots || {};
    const identity = ctx.identity || {};
    const name = (data.customer && data.customer.name) || identity.name || "";
    const values = {
      name: name.split(" ")[0] || "there",
      agent: state.user ? state.user.name : "",
      order: slots.order_number || "your order",
    };
    return template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
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
    $("me").textContent = `${user.name} · ${user.role} · ${user.languages.join(", ")}`;
    $("available").checked = !!user.available;
    updateNotifyButton();
    connect();
    await Promise.all([refreshQueue(), refreshMine()]);
    // Conversations already assigned to me (after a reload) come back as tabs.
    for (const item of state.mine) if (!state.tabs.has(item.id)) await openTab(item.id);
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const response = await api("POST", "/api/auth/login", {
      email: $("login-email").value, password: $("login-password").value,
    });
    if (!response.ok) {
      $("login-error").textContent = (response.data && response.data.message) || "Login failed.";
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
    if (!response.ok) toast(response.data ? response.data.message : "Could not change status.", "error");
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
    const who = (item.customer && (item.customer.name || item.customer.id)) || "A customer";
    const text = `New handoff: ${who} — ${REASONS[item.reason] || item.reason} (${item.language})`;
    toast(text, "new");
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      try {
        const note = new Notification("New conversation waiting", { body: text, tag: `handoff-${item.id}` });
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
      $("conn").textContent = "Connection lost · reconnecting…";
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
        break;
      case "message":
        if (tab) addMessage(tab, frame.message, true);
        else markUnread(frame.handoff_id);
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
          tab.presence.textContent = frame.type === "customer_left" ? "The customer has left the chat." : "";
          tab.presence.hidden = frame.type !== "customer_left";
        }
        refreshMine();
        break;
      case "handoff":
        if (tab) loadTab(frame.handoff_id);
        refreshMine();
        if (frame.event === "transferred" && !tab) toast("A conversation was transferred to you.", "new");
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ queue and lists
  async function refreshQueue() {
    const response = await api("GET", "/api/queue");
    if (!response.ok) return;
    const items = response.data.handoffs;
    for (const item of items) {
      if (!state.knownQueued.has(item.id) && state.queue !== null && state.queueLoaded) notifyNewHandoff(item);
      state.knownQueued.add(item.id);
    }
    state.queueLoaded = true;
    state.queue = items;
    state.queueFetchedAt = Date.now();
    renderQueue();
  }

  function renderQueue() {
    const list = $("queue");
    list.replaceChildren();
    const elapsed = (Date.now() - (state.queueFetchedAt || Date.now())) / 1000;
    for (const item of state.queue) {
      const who = (item.customer && (item.customer.name || item.customer.id)) || "Anonymous customer";
      const verified = item.customer && item.customer.verified ? "verified" : "not verified";
      const tags = el("div", { class: "tags" },
        el("span", { class: "tag reason", text: REASONS[item.reason] || item.reason }),
        el("span", { class: "tag lang", text: item.language.toUpperCase() }),
        el("span", { class: "tag prio" + (item.priority > 0 ? " high" : ""),
          text: `Priority ${item.priority}${item.priority_reasons.length ? " · " + item.priority_reasons.join(", ") : ""}` }));
      const li = el("li", { class: "queue-item", "data-handoff-id": item.id },
        el("div", { class: "row" },
          el("strong", { class: "who", text: who }),
          el("span", { class: "wait", text: "waiting " + duration(item.waiting_seconds + elapsed) })),
        el("div", { class: "muted small", text: verified + (item.customer_present === false ? " · customer left" : "") }),
        tags,
        el("p", { class: "summary", text: item.summary || "" }),
        el("button", { type: "button", class: "claim", text: "Claim",
          "aria-label": `Claim conversation with ${who}`, onclick: () => claim(item.id) }));
      list.append(li);
    }
    $("queue-count").textContent = String(state.queue.length);
    $("queue-empty").hidden = state.queue.length > 0;
  }

  window.setInterval(() => { if (state.user) renderQueue(); }, 5000);
  window.setInterval(() => { if (state.user) refreshQueue(); }, 30000);

  async function refreshMine() {
    const response = await api("GET", "/api/handoffs?status=claimed&mine=1");
    if (!response.ok) return;
    state.mine = response.data.handoffs;
    const list = $("mine");
    list.replaceChildren();
    for (const item of state.mine) {
      const who = (item.customer && (item.customer.name || item.customer.id)) || "Anonymous customer";
      list.append(el("li", { "data-handoff-id": item.id },
        el("button", { type: "button", class: "link", onclick: () => openTab(item.id) },
          el("span", { text: who }),
          el("span", { class: "muted small", text: ` · ${REASONS[item.reason] || item.reason}` }),
          item.customer_present === false ? el("span", { class: "tag", text: "left" }) : null,
          el("span", { class: "unread", hidden: true, text: "new" }))));
    }
    $("mine-empty").hidden = state.mine.length > 0;
  }

  function markUnread(handoffId) {
    const badge = document.querySelector(`#mine li[data-handoff-id="${handoffId}"] .unread`);
    if (badge) badge.hidden = false;
  }

  async function claim(id) {
    const response = await api("POST", `/api/handoffs/${id}/claim`, {});
    if (!response.ok) {
      toast(response.data ? response.data.message : "Could not claim.", "error");
      refreshQueue();
      return;
    }
    await refreshQueue();
    await refreshMine();
    openTab(id, response.data);
  }

  $("take-next").addEventListener("click", async () => {
    const response = await api("POST", "/api/queue/next", {});
    if (!response.ok) {
      toast(response.data ? response.data.message : "Nothing to take.", "info");
      return;
    }
    await refreshQueue();
    await refreshMine();
    openTab(response.data.id, response.data);
  });

  // ------------------------------------------------------------------ tabs
  async function openTab(id, data) {
    if (!state.tabs.has(id)) {
      const tabButton = el("button", { type: "button", role: "tab", id: `tab-${id}`,
        "aria-controls": `panel-${id}`, "aria-selected": "false", tabindex: "-1",
        onclick: () => activate(id) });
      const label = el("span", { text: `#${id}` });
      const closeButton = el("button", { type: "button", class: "tab-close", "aria-label": `Close tab ${id}`,
        text: "×", onclick: (event) => { event.stopPropagation(); closeTab(id); } });
      const wrapper = el("div", { class: "tab-wrap" }, tabButton, closeButton);
      tabButton.append(label);
      const panel = el("section", { role: "tabpanel", id: `panel-${id}`, "aria-labelledby": `tab-${id}`,
        class: "conversation", hidden: true });
      $("tabs").append(wrapper);
      $("panels").append(panel);
      state.tabs.set(id, { id, tabButton, label, wrapper, panel, seen: new Set(), data: null });
    }
    activate(id);
    if (data) renderTab(state.tabs.get(id), data);
    else await loadTab(id);
    const badge = document.querySelector(`#mine li[data-handoff-id="${id}"] .unread`);
    if (badge) badge.hidden = true;
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
    tab.wrapper.remove();
    tab.panel.remove();
    state.tabs.delete(id);
    const rest = [...state.tabs.keys()];
    if (rest.length) activate(rest[rest.length - 1]);
    else { state.active = null; $("no-tab").hidden = false; }
  }

  async function loadTab(id) {
    const response = await api("GET", `/api/handoffs/${id}`);
    const tab = state.tabs.get(id);
    if (!tab) return;
    if (!response.ok) {
      tab.panel.replaceChildren(el("p", { class: "error", text: response.data ? response.data.message : "Cannot load." }));
      return;
    }
    renderTab(tab, response.data);
  }

  function refreshTabs() {
    for (const id of state.tabs.keys()) loadTab(id);
  }

  // ------------------------------------------------------------------ conversation panel
  function dl(entries) {
    const list = el("dl", { class: "kv" });
    for (const [key, value] of entries) {
      if (value === null || value === undefined || value === "") continue;
      list.append(el("dt", { text: key }), el("dd", { text: typeof value === "object" ? JSON.stringify(value) : String(value) }));
    }
    return list;
  }

  function contextSection(data) {
    const ctx = data.context || {};
    const identity = ctx.identity || {};
    const section = el("section", { class: "context", "aria-label": "Handoff context" });
    section.append(el("h3", { text: "Context" }));
    section.append(el("p", { class: "ctx-summary", text: ctx.summary || data.summary || "" }));
    if (ctx.bot_summary && ctx.bot_summary !== ctx.summary) {
      section.append(el("p", { class: "muted", text: ctx.bot_summary }));
    }
    const verification = identity.verification || (identity.verified ? "verified" : "unverified");
    const grid = el("div", { class: "ctx-grid" });
    grid.append(el("div", { class: "ctx-box identity" }, el("h4", { text: "Customer" }), dl([
      ["Name", identity.name], ["Customer id", identity.customer_id], ["Email", identity.email],
      ["Identity", verification.replace("_", " ")], ["Language", (ctx.language || data.language || "").toUpperCase()],
      ["Reason", REASONS[ctx.reason || data.reason] || ctx.reason || data.reason],
      ["Priority", `${data.priority}${(data.priority_reasons || []).length ? " · " + data.priority_reasons.join(", ") : ""}`],
    ])));

    const task = ctx.task;
    const tasks = Array.isArray(ctx.tasks) ? ctx.tasks : [];
    const failed = Array.isArray(ctx.failed_utterances) ? ctx.failed_utterances : [];
    const problems = el("div", { class: "ctx-box failed" }, el("h4", { text: "Where the bot failed" }));
    const problemList = el("ul");
    if (task && task.status === "failure") {
      problemList.append(el("li", { text: `Task ${task.task} failed${task.code ? ` (${task.code})` : ""}${task.order_number ? ` for ${task.order_number}` : ""}` }));
    }
    for (const item of failed) {
      problemList.append(el("li", {}, el("q", { text: item.text || "" }),
        el("span", { class: "muted small", text: ` — ${item.why || item.intent || ""}${item.confidence != null ? ` (${Number(item.confidence).toFixed(2)})` : ""}` })));
    }
    if (!problemList.children.length) problemList.append(el("li", { class: "muted", text: "Nothing recorded." }));
    problems.append(problemList);
    if (tasks.length) {
      problems.append(el("h4", { text: "Tasks" }));
      const taskList = el("ul");
      for (const item of tasks) {
        taskList.append(el("li", { text: `${item.task}: ${item.status}${item.code ? ` (${item.code})` : ""}${item.order_number ? ` · ${item.order_number}` : ""}` }));
      }
      problems.append(taskList);
    }
    grid.append(problems);

    const slots = ctx.slots || {};
    const collected = Object.entries(slots).filter(([key, value]) =>
      value !== null && value !== "" && !["order_snapshot", "task_result", "requested_slot"].includes(key) &&
      !(Array.isArray(value) && value.length === 0));
    grid.append(el("div", { class: "ctx-box slots" }, el("h4", { text: "Collected values" }),
      collected.length ? dl(collected) : el("p", { class: "muted", text: "None." })));

    const orders = Array.isArray(ctx.orders) ? ctx.orders : [];
    const orderBox = el("div", { class: "ctx-box orders" }, el("h4", { text: "Order snapshot" }));
    if (!orders.length) orderBox.append(el("p", { class: "muted", text: "No order looked up." }));
    for (const order of orders) {
      const items = (order.items || []).map((i) => `${i.quantity}× ${i.name}`).join(", ");
      const address = order.shipping_address
        ? [order.shipping_address.street, order.shipping_address.postcode, order.shipping_address.city].filter(Boolean).join(", ")
        : "";
      orderBox.append(dl([
        ["Order", order.order_number], ["Status", order.status], ["Total", order.total ? `${order.total} ${order.currency || ""}` : ""],
        ["Items", items], ["Carrier", [order.carrier, order.tracking_number].filter(Boolean).join(" ")],
        ["ETA", order.eta], ["Delivered", order.delivered_at], ["Ship to", address],
        ["Refund", order.refund_status], ["Can cancel", order.can_cancel], ["Can change address", order.can_change_address],
        ["Can return", order.can_return],
      ]));
    }
    grid.append(orderBox);
    section.append(grid);

    const previous = Array.isArray(ctx.previous_conversations) ? ctx.previous_conversations : [];
    if (previous.length) {
      const list = el("ul");
      for (const item of previous) {
        list.append(el("li", { text: `${time(item.created_at)} ${item.mode}${(item.handoff_reasons || item.reasons || []).length ? " · " + (item.handoff_reasons || item.reasons).join(", ") : ""}${item.last_message ? ` — “${item.last_message}”` : ""}` }));
      }
      section.append(el("div", { class: "ctx-box previous" }, el("h4", { text: "Contacts in the last 7 days" }), list));
    }
    if (ctx.tracker_available === false) {
      section.append(el("p", { class: "warning", text: "The assistant's record was not available: the context is partial." }));
    }
    return section;
  }

  function renderTab(tab, data) {
    tab.data = data;
    tab.seen = new Set();
    const who = (data.customer && (data.customer.name || data.customer.id)) || "Anonymous customer";
    tab.label.textContent = `${who} (#${data.id})`;
    const mine = state.user && data.agent && data.agent.id === state.user.id;
    const canAct = data.status === "claimed" && (mine || ["supervisor", "admin"].includes(state.user.role));
    const panel = tab.panel;
    panel.replaceChildren();
    panel.append(el("div", { class: "conv-head" },
      el("h2", { text: who }),
      el("span", { class: `tag status ${data.status}`, text: data.status.replace("_", " ") }),
      data.agent ? el("span", { class: "muted", text: `assigned to ${data.agent.name}` }) : null));
    tab.presence = el("p", { class: "warning", role: "status", hidden: data.customer_present !== false,
      text: data.customer_present === false ? "The customer has left the chat." : "" });
    panel.append(tab.presence);
    panel.append(contextSection(data));

    tab.transcript = el("ol", { class: "transcript", "aria-label": "Transcript", tabindex: "0" });
    const transcriptSection = el("section", { class: "transcript-section", "aria-label": "Conversation" },
      el("h3", { text: "Transcript" }), tab.transcript);
    panel.append(transcriptSection);
    for (const message of data.messages || []) addMessage(tab, message, false);
    tab.typing = el("p", { class: "typing muted", "aria-live": "polite" });
    panel.append(tab.typing);

    if (data.status === "queued") {
      panel.append(el("button", { type: "button", class: "primary", text: "Claim this conversation", onclick: () => claim(data.id) }));
    }
    if (canAct) panel.append(replyForm(tab));

    tab.notes = el("ul", { class: "notes" });
    for (const note of data.notes || []) addNote(tab, note);
    const noteInput = el("textarea", { id: `note-${data.id}`, rows: "2", placeholder: "Only agents see notes" });
    const notesSection = el("section", { class: "notes-section", "aria-label": "Internal notes" },
      el("h3", { text: "Internal notes" }), tab.notes);
    if (state.user && ["agent", "supervisor", "admin"].includes(state.user.role)) {
      notesSection.append(el("form", { class: "note-form", onsubmit: async (event) => {
        event.preventDefault();
        const text = noteInput.value.trim();
        if (!text) return;
        const response = await api("POST", `/api/handoffs/${data.id}/notes`, { text });
        if (response.ok) { noteInput.value = ""; addNote(tab, response.data); }
        else toast(response.data ? response.data.message : "Note not saved.", "error");
      } }, el("label", { for: `note-${data.id}`, class: "sr-only", text: "New internal note" }), noteInput,
      el("button", { type: "submit", class: "secondary", text: "Add note" })));
    }
    panel.append(notesSection);
    if (canAct) panel.append(actionsSection(tab));
    if (state.active === data.id) tab.panel.hidden = false;
  }

  function addMessage(tab, message, live) {
    if (!message || tab.seen.has(message.seq)) return;
    tab.seen.add(message.seq);
    const payload = message.payload || {};
    let text = message.text;
    if (text === null || text === undefined) {
      if (payload.custom && payload.custom.handoff) text = "[handoff requested by the assistant]";
      else if (payload.custom) text = "[custom message]";
      else text = "";
    }
    const role = message.role;
    const who = role === "agent" ? (message.agent_name || payload.agent_name || "Agent")
      : role === "customer" ? "Customer" : role === "bot" ? "Assistant" : "System";
    const item = el("li", { class: `m ${role}`, "data-seq": message.seq },
      el("span", { class: "who", text: who }),
      el("span", { class: "when muted small", text: time(message.created_at) }),
      el("div", { class: "text", text }));
    const buttons = message.buttons || payload.buttons;
    if (Array.isArray(buttons) && buttons.length) {
      item.append(el("div", { class: "muted small", text: "Buttons: " + buttons.map((b) => b.title).join(" · ") }));
    }
    const later = [...tab.transcript.children].find((node) => Number(node.dataset.seq) > message.seq);
    if (later) tab.transcript.insertBefore(item, later);
    else tab.transcript.append(item);
    tab.transcript.scrollTop = tab.transcript.scrollHeight;
    if (live && role === "customer") {
      showTyping(tab, false);
      if (state.active !== tab.id || document.hidden) toast(`New message from ${tab.label.textContent}`, "info");
    }
  }

  function addNote(tab, note) {
    if (!tab.notes || tab.notes.querySelector(`[data-note-id="${note.id}"]`)) return;
    tab.notes.append(el("li", { "data-note-id": note.id },
      el("strong", { text: (note.author && note.author.name) || "Agent" }),
      el("span", { class: "muted small", text: " " + time(note.created_at) }),
      el("div", { text: note.text })));
  }

  function showTyping(tab, typing) {
    if (!tab.typing) return;
    window.clearTimeout(tab.typingTimer);
    tab.typing.textContent = typing ? "The customer is typing…" : "";
    if (typing) tab.typingTimer = window.setTimeout(() => { tab.typing.textContent = ""; }, 8000);
  }

  function replyForm(tab) {
    const data = tab.data;
    const input = el("textarea", { id: `reply-${data.id}`, class: "reply-input", rows: "3",
      placeholder: "Reply to the customer (Enter to send, Shift+Enter for a new line)" });
    let lastTyping = 0;
    input.addEventListener("input", () => {
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
        addMessage(tab, response.data.message, false);
      } else toast(response.data ? response.data.message : "Not sent.", "error");
      input.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
    });
    const canned = el("select", { id: `canned-${data.id}`, class: "canned" },
      el("option", { value: "", text: "Canned responses…" }));
    const list = CANNED[data.language] || CANNED.en;
    list.forEach(([title], index) => canned.append(el("option", { value: String(index), text: title })));
    canned.addEventListener("change", () => {
      if (canned.value === "") return;
      input.value = fill(list[Number(canned.value)][1], data);
      canned.value = "";
      input.focus();
    });
    return el("form", { class: "reply", onsubmit: (event) => { event.preventDefault(); send(); } },
      el("label", { for: `reply-${data.id}`, class: "sr-only", text: "Reply to the customer" }),
      input,
      el("div", { class: "reply-row" },
        el("label", { for: `canned-${data.id}`, class: "sr-only", text: "Insert a canned response" }), canned,
        el("button", { type: "submit", class: "primary", text: "Send" })));
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
    select.replaceChildren(el("option", { value: "", text: others.length ? "Choose a colleague…" : "No colleague to transfer to" }));
    for (const agent of others) {
      const status = agent.online ? "online" : "offline";
      select.append(el("option", {
        value: String(agent.id),
        text: `${agent.name} (${status}) · ${(agent.languages || []).join(", ").toUpperCase()}`,
      }));
    }
    if (others.some((a) => String(a.id) === chosen)) select.value = chosen;
  }

  function refreshTransferTargets() {
    state.agents = null;
    for (const select of document.querySelectorAll("select.transfer-target")) fillTransferTargets(select);
  }

  function actionsSection(tab) {
    const data = tab.data;
    const section = el("section", { class: "actions", "aria-label": "Finish or pass on" }, el("h3", { text: "Finish or pass on" }));
    const outcome = el("input", { id: `outcome-${data.id}`, type: "text",
      placeholder: "Outcome, e.g. refund issued for EF-100001" });
    section.append(el("label", { for: `outcome-${data.id}`, text: "Outcome note (required to hand back; the bot will know it)" }), outcome);
    const act = async (kind) => {
      const note = outcome.value.trim();
      if (kind === "handback" && !note) {
        toast("Write the outcome first: the assistant tells the customer what was done.", "error");
        outcome.focus();
        return;
      }
      const body = note ? { note } : {};
      const response = await api("POST", `/api/handoffs/${data.id}/${kind}`, body);
      if (!response.ok) { toast(response.data ? response.data.message : "Failed.", "error"); return; }
      toast(kind === "resolve" ? "Conversation resolved." : "Handed back to the assistant.", "info");
      renderTab(tab, response.data);
      refreshMine();
    };
    section.append(el("div", { class: "row" },
      el("button", { type: "button", class: "primary resolve", text: "Resolve", onclick: () => act("resolve") }),
      el("button", { type: "button", class: "secondary handback", text: "Hand back to bot", onclick: () => act("handback") })));

    const target = el("select", { id: `transfer-${data.id}`, class: "transfer-target" });
    const transferNote = el("input", { id: `transfer-note-${data.id}`, type: "text", placeholder: "Note for the colleague" });
    fillTransferTargets(target);
    section.append(el("form", { class: "transfer", onsubmit: async (event) => {
      event.preventDefault();
      const agentId = Number(target.value);
      if (!agentId) { toast("Choose who to transfer to.", "error"); return; }
      const body = { agent_id: agentId };
      if (transferNote.value.trim()) body.note = transferNote.value.trim();
      const response = await api("POST", `/api/handoffs/${data.id}/transfer`, body);
      if (!response.ok) { toast(response.data ? response.data.message : "Transfer failed.", "error"); return; }
      toast("Transferred.", "info");
      renderTab(tab, response.data);
      refreshMine();
    } },
    el("label", { for: `transfer-${data.id}`, text: "Transfer to" }), target,
    el("label", { for: `transfer-note-${data.id}`, class: "sr-only", text: "Transfer note" }), transferNote,
    el("button", { type: "submit", class: "secondary", text: "Transfer" })));
    return section;
  }

  // ------------------------------------------------------------------ start
  (async () => {
    const response = await api("GET", "/api/auth/me");
    if (response.ok) showApp(response.data);
    else showLogin();
  })();
})();

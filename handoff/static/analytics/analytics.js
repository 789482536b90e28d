// Analytics dashboard: fetches /api/analytics/*, draws Chart.js charts when the library was
// built into vendor/, and always renders the figures as tables as well.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const OUTCOMES = ["contained", "escalated", "abandoned"];
  const COLORS = { contained: "#2e8b57", escalated: "#d9822b", abandoned: "#c0392b" };
  const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
  const val = (x) => (x === null || x === undefined ? "–" : String(x));

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "class") node.className = v; else if (k === "onclick") node.onclick = v; else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(val(c))));
    return node;
  }

  function table(target, headers, rows, onRow) {
    const thead = el("thead", {}, [el("tr", {}, headers.map((h) => el("th", {}, [h])))]);
    const tbody = el("tbody", {}, rows.map((r, i) => {
      const tr = el("tr", onRow ? { class: "clickable" } : {}, r.map((c) => el("td", typeof c === "number" ? { class: "num" } : {}, [c])));
      if (onRow) tr.onclick = () => onRow(i);
      return tr;
    }));
    $(target).replaceChildren(el("table", {}, [thead, tbody]));
  }

  function chart(id, config) {
    if (!window.Chart) return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart($(id), config);
  }

  function query() {
    const form = new FormData($("filters"));
    const params = new URLSearchParams();
    for (const [k, v] of form.entries()) if (v) params.set(k, v);
    return params;
  }

  async function api(path) {
    const response = await fetch(path, { credentials: "same-origin" });
    if (response.status === 401 || response.status === 403) {
      showLogin();
      $("login-error").textContent = response.status === 403 ? "Your role cannot see analytics." : "";
      throw new Error("auth");
    }
    const data = await response.json();
    if (!response.ok) throw new Error(data.message || "request failed");
    return data;
  }

  function showLogin() {
    $("dashboard").hidden = true;
    $("toolbar").hidden = true;
    $("login").hidden = false;
  }

  function fillOptions(select, values) {
    const current = select.value;
    select.replaceChildren(el("option", { value: "" }, ["all"]), ...values.map((v) =>
      typeof v === "object" ? el("option", { value: String(v.id) }, [v.name]) : el("option", { value: v }, [v])));
    select.value = current;
  }

  function renderAgents(data) {
    table("agents-table", ["agent", "handled", "first response (median s)", "handling (median s)", "hand-backs", "transfers", "CES after a human (n)", "CES after a human (mean)"],
      data.agents.map((a) => [a.name, a.handled, val(a.first_response_median_s), val(a.handling_median_s), a.handed_back, a.transfers, a.ces_after_human_n, val(a.ces_after_human_mean)]));
    table("teams-table", ["team (language)", "handoffs", "handled", "left the queue", "queue abandonment", "wait (median s)", "first response (median s)", "handling (median s)", "hand-backs", "transfers", "CES after a human (mean)"],
      data.teams.map((t) => [t.team, t.handoffs, t.handled, t.abandoned_in_queue, pct(t.queue_abandonment_rate), val(t.queue_wait_median_s), val(t.first_response_median_s), val(t.handling_median_s), t.handed_back, t.transfers, val(t.ces_after_human_mean)]));
    table("wait-table", ["queue wait", "answered", "left the queue"], data.queue_wait.map((b) => [b.bucket, b.answered, b.abandoned]));
    chart("wait-chart", { type: "bar", data: { labels: data.queue_wait.map((b) => b.bucket),
      datasets: [{ label: "answered", data: data.queue_wait.map((b) => b.answered), backgroundColor: COLORS.contained },
        { label: "left the queue", data: data.queue_wait.map((b) => b.abandoned), backgroundColor: COLORS.abandoned }] },
      options: { scales: { x: { stacked: true }, y: { stacked: true } } } });
  }

  function cesRows(list) {
    return list.map((g) => [g.group, ...[1, 2, 3, 4, 5, 6, 7].map((k) => g.distribution[String(k)]), g.n, val(g.median)]);
  }

  function cesChart(id, list) {
    chart(id, {
      type: "bar",
      data: {
        labels: ["1", "2", "3", "4", "5", "6", "7"],
        datasets: list.map((g) => ({ label: g.group, data: [1, 2, 3, 4, 5, 6, 7].map((k) => g.distribution[String(k)]), backgroundColor: COLORS[g.group] })),
      },
      options: { plugins: { title: { display: true, text: "CES answers (1 = hard … 7 = easy)" } } },
    });
  }

  function render(data) {
    $("chart-note").hidden = Boolean(data.charts_available && window.Chart);
    fillOptions(document.querySelector("select[name=language]"), data.options.languages);
    fillOptions(document.querySelector("select[name=task]"), data.options.tasks);
    fillOptions(document.querySelector("select[name=agent]"), data.options.agents);
    $("updated").textContent = data.updated_at
      ? "Last updated " + new Date(data.updated_at).toLocaleString()
      : "Not computed yet";
    $("empty").hidden = !data.empty;
    renderAgents(data);
    const s = data.summary;
    $("summary").replaceChildren(
      ...[["Containment", pct(s.contained_rate)], ["Escalation", pct(s.escalated_rate)], ["Abandonment", pct(s.abandoned_rate)],
        ["Substantive closed sessions", s.substantive_closed], ["Open", s.open], ["Excluded (not substantive)", s.excluded],
        ["Sessions asking info twice", data.asked_twice_sessions]]
        .map(([label, value]) => el("div", { class: "card" }, [label, el("b", {}, [value])])));
    table("rates-table", ["day", "sessions", "contained", "escalated", "abandoned"],
      data.over_time.map((d) => [d.day, d.substantive, pct(d.contained_rate), pct(d.escalated_rate), pct(d.abandoned_rate)]));
    chart("rates-chart", {
      type: "line",
      data: { labels: data.over_time.map((d) => d.day),
        datasets: OUTCOMES.map((o) => ({ label: o + " rate", data: data.over_time.map((d) => d[o + "_rate"]), borderColor: COLORS[o], tension: 0.2 })) },
      options: { scales: { y: { min: 0, max: 1, ticks: { callback: (v) => Math.round(v * 100) + "%" } } } },
    });
    const cesHead = ["group", "1", "2", "3", "4", "5", "6", "7", "n", "median"];
    table("ces-outcome-table", cesHead, cesRows(data.ces_by_outcome));
    table("ces-task-table", cesHead, cesRows(data.ces_by_task));
    cesChart("ces-outcome-chart", data.ces_by_outcome);
    cesChart("ces-task-chart", data.ces_by_task);
    table("reasons-table", ["reason", "sessions"], data.handoff_reasons.map((r) => [r.reason, r.sessions]));
    chart("reasons-chart", { type: "bar", data: { labels: data.handoff_reasons.map((r) => r.reason),
      datasets: [{ label: "escalated sessions", data: data.handoff_reasons.map((r) => r.sessions), backgroundColor: COLORS.escalated }] },
      options: { indexAxis: "y" } });
    table("effort-table", ["measure", "all", ...OUTCOMES, "n"],
      Object.entries(data.effort).map(([k, e]) => [k.replaceAll("_", " "), val(e.median), ...OUTCOMES.map((o) => val(e[o])), e.n]));
    table("failing-table", ["intent", "sessions", "not contained", "failure rate", "fallbacks"],
      data.failing_intents.map((r) => [r.intent, r.sessions, r.not_contained, pct(r.failure_rate), r.fallbacks]));
    table("fallback-table", ["utterance (masked)", "count", "most likely intent"],
      data.fallback_utterances.map((r) => [r.text, r.count, r.likely_intent]));
  }

  async function loadSessions() {
    const params = query();
    const outcome = $("outcome-filter").value;
    if (outcome) params.set("outcome", outcome);
    const data = await api("/api/analytics/sessions?" + params);
    table("sessions-table", ["started", "session", "outcome", "task", "lang", "turns", "fallbacks", "CES", "agent", "why"],
      data.sessions.map((r) => [r.started_at, r.session_key, r.outcome, r.task, r.language, r.customer_turns, r.fallbacks, r.ces_score, r.agent_name, r.explanation]),
      (i) => showSession(data.sessions[i].session_key));
  }

  async function showSession(key) {
    const data = await api("/api/analytics/sessions/" + encodeURIComponent(key));
    const s = data.session;
    $("detail").hidden = false;
    $("detail-key").textContent = key;
    $("detail-explanation").textContent = s.explanation;
    table("detail-facts", ["measure", "value"], [
      ["outcome / reason", s.outcome + " / " + val(s.outcome_reason)], ["tasks attempted / succeeded / failed", [s.tasks_attempted, s.tasks_succeeded, s.tasks_failed].join(" / ")],
      ["failure codes", s.failure_codes.join(", ") || "–"], ["customer turns", s.customer_turns], ["fallbacks", s.fallbacks], ["rephrasings", s.rephrasings],
      ["information asked twice", s.asked_twice], ["seconds to resolution", val(s.seconds_to_resolution)], ["seconds to handoff", val(s.seconds_to_handoff)],
      ["handoff wait / handling (s)", val(s.handoff_wait_seconds) + " / " + val(s.handoff_handling_seconds)], ["CES", val(s.ces_score)],
      ["language / channel", s.language + " / " + s.channel], ["signed in / verified", s.signed_in + " / " + s.verified],
      ["repeat contact within 7 days", String(s.repeat_contact)], ["closed by", val(s.closed_by)],
      ["agent / team", val(s.agent_id) + " / " + val(s.team)], ["first agent response (s)", val(s.first_response_seconds)],
      ["transfers / handed back", s.transfers + " / " + s.handed_back], ["CES after a human", val(s.agent_ces_score)],
    ]);
    $("detail-transcript").replaceChildren(...data.transcript.map((m) => el("li", {}, [el("span", { class: "role" }, [m.role]), m.text || ""])));
    $("detail").scrollIntoView();
  }

  async function load() {
    try {
      const data = await api("/api/analytics/summary?" + query());
      $("login").hidden = true;
      $("toolbar").hidden = false;
      $("dashboard").hidden = false;
      render(data);
      await loadSessions();
    } catch (err) {
      if (err.message !== "auth") console.error(err);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    $("outcome-filter").addEventListener("change", () => loadSessions());
    $("logout").addEventListener("click", async () => {
      await fetch("/api/auth/logout", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: "{}" });
      $("login-error").textContent = "";
      showLogin();
    });
    $("login-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const form = new FormData($("login-form"));
      const response = await fetch("/api/auth/login", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: form.get("email"), password: form.get("password") }) });
      if (response.ok) load(); else $("login-error").textContent = "Wrong email or password.";
    });
    load();
  });
})();

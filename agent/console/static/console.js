// The support console: the queue and a conversation, kept live by server-sent events.
"use strict";

let me = null;
let t = {};
let refreshTimer = null;
// What the person is typing survives the live re-renders.
const drafts = { reply: "", note: "" };
const main = document.getElementById("main");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "testid") node.dataset.testid = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf },
    body: JSON.stringify(body),
  };
  const response = await fetch("/console/api" + path, options);
  if (response.status === 401) { location.href = "/console/login"; throw new Error("logged out"); }
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function flash(text) {
  const node = document.getElementById("flash");
  node.textContent = text;
  setTimeout(() => { if (node.textContent === text) node.textContent = ""; }, 6000);
}

async function act(path, body) {
  try { const result = await api(path, body); await render(); return result; }
  catch (error) { flash(error.message); return null; }
}

function countdown(iso) {
  const seconds = Math.round((new Date(iso) - Date.now()) / 1000);
  const sign = seconds < 0 ? "-" : "";
  let rest = Math.abs(seconds);
  const h = Math.floor(rest / 3600); rest -= h * 3600;
  const m = Math.floor(rest / 60); const s = rest - m * 60;
  const text = sign + (h ? `${h}h ${String(m).padStart(2, "0")}m` : `${m}m ${String(s).padStart(2, "0")}s`);
  return el("span", { class: seconds < 0 ? "overdue" : "", "data-due": iso, testid: "due" },
    text, seconds < 0 ? ` (${t.overdue})` : "");
}

function tickCountdowns() {
  for (const node of document.querySelectorAll("[data-due]")) node.replaceWith(countdown(node.dataset.due));
}

function badge(text, cls) { return text ? el("span", { class: "badge " + (cls || text) }, text) : null; }

function queueTable(rows, mine) {
  if (!rows.length) return el("p", { testid: mine ? "nothing-mine" : "nothing-waiting" }, mine ? t.nothing_mine : t.nothing_waiting);
  return el("table", { testid: mine ? "mine" : "waiting" },
    el("tr", {}, [t.priority, t.urgency, t.reasons, t.team, t.customer, t.due, ""].map((h) => el("th", {}, h))),
    rows.map((row) => el("tr", { testid: "queue-row", "data-escalation": row.id, "data-conversation": row.conversation_id },
      el("td", {}, badge(row.priority, "")), el("td", {}, badge(row.urgency), " ", badge(row.sentiment)),
      el("td", { testid: "reasons" }, row.reasons.join("; ")),
      el("td", {}, row.team_name), el("td", {}, `${row.channel} · ${row.customer_id}`, row.tier ? [" ", badge(row.tier, "")] : []),
      el("td", {}, countdown(row.due_at)),
      el("td", {}, mine
        ? el("a", { href: `/console/conversations/${row.conversation_id}`, testid: "open" }, t.open)
        : el("button", { testid: "claim", onclick: async () => {
            if (await act(`/escalations/${row.id}/claim`, {})) location.href = `/console/conversations/${row.conversation_id}`;
          } }, t.claim)))));
}

async function renderQueue() {
  const data = await api("/queue");
  main.replaceChildren(
    el("h2", {}, `${t.waiting} (`, el("span", { testid: "waiting-total" }, data.waiting_total), ")",
      " ", el("button", { testid: "claim-next", onclick: async () => {
        const result = await act("/claim-next", {});
        if (result && result.claimed) location.href = "/console";
      } }, t.claim_next)),
    queueTable(data.waiting, false),
    el("h2", {}, t.mine),
    queueTable(data.mine, true));
}

function messageNode(m) {
  const marks = [];
  if (m.author === "customer") {
    marks.push(m.language, m.urgency ? `${t.urgency}: ${m.urgency}` : null,
      m.sentiment ? `${t.sentiment}: ${m.sentiment} (${(m.sentiment_score ?? 0).toFixed(2)})` : null,
      m.intent, m.story_reply ? "story" : null, m.deleted ? "deleted" : null);
  } else {
    marks.push(m.author === "human" ? t.human : t.bot, m.status, m.error);
  }
  return el("div", { class: "msg " + m.author, testid: m.author + "-message" },
    el("div", {}, m.text || `[${m.kind}]`),
    el("div", { class: "meta" }, new Date(m.created_at).toLocaleString(), " · ", marks.filter(Boolean).join(" · "),
      m.urgency_reasons.length ? ` · ${m.urgency_reasons.join("; ")}` : ""));
}

function crmPanel(data, conversationId) {
  const crm = data.crm;
  const panel = el("div", { class: "panel", testid: "crm" }, el("h2", {}, t.crm));
  if (!crm || !crm.customer) {
    const input = el("input", { placeholder: t.link_placeholder, testid: "link-query" });
    panel.append(el("p", {}, crm && crm.error ? crm.error : t.no_crm), input,
      el("button", { testid: "link", onclick: () => act(`/conversations/${conversationId}/link`, { query: input.value }) }, t.link));
    return panel;
  }
  const c = crm.customer;
  panel.append(el("p", { testid: "crm-customer" }, el("strong", {}, c.name), " ", badge(c.tier, ""), el("br"), c.email),
    el("h3", {}, t.orders),
    el("ul", {}, crm.orders.map((o) => el("li", { testid: "crm-order" },
      `${o.number} · ${o.status} · ¥${o.total_jpy.toLocaleString()}`, o.tracking_number ? ` · ${o.carrier} ${o.tracking_number}` : ""))),
    ...(crm.notes.length ? [el("h3", {}, t.notes),
      el("ul", { testid: "crm-notes" }, crm.notes.map((n) => el("li", {}, `${n.author}: ${n.text}`)))] : []),
    ...(crm.past_conversations.length ? [el("h3", {}, t.past_conversations),
      el("ul", {}, crm.past_conversations.map((p) => el("li", {}, `${p.channel} · ${new Date(p.started_at).toLocaleDateString()} · ${p.summary}`)))] : []));
  return panel;
}

async function renderConversation(id) {
  const [data, crm] = await Promise.all([api(`/conversations/${id}`), api(`/conversations/${id}/crm`)]);
  data.crm = crm;
  const esc = data.escalation;
  const mineNow = esc && esc.assignee_id === me.staff.id && esc.status === "assigned";
  const left = el("div", {});
  const right = el("div", {});
  if (esc) {
    left.append(el("div", { class: "panel", testid: "escalation" },
      el("p", {}, badge(esc.priority, ""), " ", badge(esc.urgency), " ", badge(esc.sentiment), " ",
        el("span", { testid: "escalation-status" }, esc.status), esc.assignee ? ` · ${t.assigned_to}: ${esc.assignee}` : "",
        ` · ${t.team}: ${esc.team_name}`, esc.status === "waiting" || esc.status === "assigned" ? [" · ", t.due, ": ", countdown(esc.due_at)] : "",
        esc.csat_score ? ` · ${t.csat}: ${esc.csat_score}/5` : ""),
      el("p", { testid: "summary" }, el("strong", {}, t.summary + ": "), data.summary),
      el("p", { testid: "escalation-reasons" }, el("strong", {}, t.reasons + ": "), esc.reasons.join("; "))));
  }
  left.append(el("div", { class: "panel", testid: "transcript" }, el("h2", {}, t.transcript),
    data.messages.map(messageNode)));
  const w = data.window;
  if (!w.can_reply) left.append(el("p", { class: "closed", testid: "window-closed" }, `${t.window_closed}: ${w.refusal}`));
  else if (w.tag) left.append(el("p", { class: "warn", testid: "window-tag" }, t.window_tag));
  if (esc && esc.status === "waiting") {
    left.append(el("button", { testid: "claim", onclick: () => act(`/escalations/${esc.id}/claim`, {}) }, t.claim));
  } else if (mineNow) {
    const box = el("textarea", { placeholder: t.reply_placeholder, testid: "reply-text",
      oninput: () => { drafts.reply = box.value; } });
    box.value = drafts.reply;
    const snippets = el("select", { testid: "snippets", onchange: () => {
      const s = data.snippets.find((x) => x.key === snippets.value);
      if (s) box.value = drafts.reply = (box.value ? box.value + "\n" : "") + s.text;
      snippets.value = "";
    } }, el("option", { value: "" }, t.snippets), data.snippets.map((s) => el("option", { value: s.key }, s.title)));
    left.append(el("div", { class: "panel" }, snippets, box,
      el("button", { testid: "send-reply", disabled: !w.can_reply, onclick: async () => {
        const text = box.value;
        if (!text.trim()) return;
        drafts.reply = "";
        const result = await act(`/conversations/${id}/reply`, { text, request_id: crypto.randomUUID() });
        if (!result) drafts.reply = text;
      } }, t.reply)));
  } else if (esc && esc.status === "assigned") {
    left.append(el("p", {}, t.claim_first));
  }
  if (esc && (esc.status === "waiting" || esc.status === "assigned")) {
    const team = el("select", { testid: "transfer-team" }, el("option", { value: "" }, t.transfer_team),
      me.teams.map((x) => el("option", { value: x.key }, x.name)));
    const person = el("select", { testid: "transfer-staff" }, el("option", { value: "" }, t.transfer_staff),
      data.staff.filter((s) => s.id !== me.staff.id).map((s) => el("option", { value: s.id }, s.name)));
    right.append(el("div", { class: "panel" },
      el("button", { testid: "resolve", onclick: () => act(`/escalations/${esc.id}/resolve`, {}) }, t.resolve), " ",
      el("button", { testid: "return", onclick: () => act(`/escalations/${esc.id}/return`, {}) }, t.return_to_bot),
      el("h3", {}, t.transfer), team, person,
      el("button", { testid: "transfer", onclick: () => act(`/escalations/${esc.id}/transfer`, {
        team: team.value || null, staff_id: person.value ? Number(person.value) : null }) }, t.transfer)));
  }
  right.append(crmPanel(data, id));
  const note = el("textarea", { placeholder: t.note_placeholder, testid: "note-text",
    oninput: () => { drafts.note = note.value; } });
  note.value = drafts.note;
  right.append(el("div", { class: "panel", testid: "notes" }, el("h2", {}, t.notes),
    el("ul", {}, data.notes.map((n) => el("li", { testid: "note" }, `${n.author}: ${n.text}`))), note,
    el("button", { testid: "add-note", onclick: async () => {
      const text = note.value;
      drafts.note = "";
      if (text.trim() && !await act(`/conversations/${id}/notes`, { text })) drafts.note = text;
    } }, t.add_note)));
  right.append(el("div", { class: "panel", testid: "history" }, el("h2", {}, t.history),
    el("ul", {}, data.history.map((h) => el("li", {}, `${new Date(h.created_at).toLocaleString()} · ${h.kind}${h.actor ? " · " + h.actor : ""}`)))));
  main.replaceChildren(el("p", {}, el("a", { href: "/console", testid: "back" }, t.back)),
    el("div", { class: "grid" }, left, right));
}

function conversationId() {
  const match = location.pathname.match(/^\/console\/conversations\/(\d+)/);
  return match ? Number(match[1]) : null;
}

// Renders run one at a time, in order: a live update that fetched the page before an action
// must not land after the action's own render and show the page as it was before the action.
let rendering = Promise.resolve();
function render() {
  const next = rendering.then(renderNow, renderNow);
  rendering = next.catch(() => {});
  return next;
}

async function renderNow() {
  // A live update must not take the cursor away from someone typing.
  const active = document.activeElement;
  const focused = active && active.dataset ? active.dataset.testid : null;
  const caret = focused && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  const id = conversationId();
  if (id) await renderConversation(id); else await renderQueue();
  const again = focused ? main.querySelector(`[data-testid="${focused}"]`) : null;
  if (again) {
    again.focus();
    if (caret && again.setSelectionRange) again.setSelectionRange(caret[0], caret[1]);
  }
}

async function renderAlerts() {
  // Crisis alerts nobody acknowledged yet, above everything, for everyone.
  const response = await fetch("/console/insight/api/alerts", { credentials: "same-origin" });
  if (!response.ok) return;
  const { alerts } = await response.json();
  const banner = document.getElementById("crisis");
  banner.replaceChildren(...alerts.map((a) => el("div", { class: "crisis-banner", testid: "crisis-alert" },
    `${t.crisis}: ${[a.subject, ...a.related].join(" + ")} — ${a.customers} ${t.customers}, ${a.messages} ${t.messages} `,
    el("a", { href: "/console/insight" }, t.insight))));
}

function scheduleRender() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => render().catch((e) => flash(e.message)), 100);
}

async function start() {
  me = await api("/me");
  t = me.strings;
  document.title = `Tsuyu Botanicals — ${t.title}`;
  document.getElementById("who").textContent = me.staff.name;
  const presence = document.getElementById("presence");
  presence.replaceChildren(...["online", "away", "offline"].map((p) => el("option", { value: p }, t[p])));
  presence.value = me.staff.presence;
  presence.onchange = async () => { await act("/presence", { presence: presence.value }); };
  const toggle = document.getElementById("lang-toggle");
  toggle.textContent = t.language;
  toggle.onclick = async () => {
    await api("/ui-language", { ui_language: me.staff.ui_language === "ja" ? "en" : "ja" });
    location.reload();
  };
  const logout = document.getElementById("logout");
  logout.textContent = t.logout;
  logout.onclick = async () => { await api("/logout", {}); location.href = "/console/login"; };
  if (["analyst", "lead", "admin", "editor", "approver"].includes(me.staff.role)) {
    logout.before(el("a", { href: "/console/insight", class: "nav", testid: "insight-link" }, t.insight));
  }
  if (["editor", "approver", "admin"].includes(me.staff.role)) {
    logout.before(el("a", { href: "/console/studio", class: "nav", testid: "studio-link" }, t.studio));
  }
  await render();
  await renderAlerts();
  const events = new EventSource("/console/api/events");
  events.onopen = () => document.body.dataset.live = "1";
  events.onmessage = (event) => {
    const kind = JSON.parse(event.data).type;
    if (kind === "crisis" || kind === "crisis_acknowledged") renderAlerts().catch((e) => flash(e.message));
    else scheduleRender();
  };
  setInterval(tickCountdowns, 1000);
}

start().catch((error) => flash(error.message));

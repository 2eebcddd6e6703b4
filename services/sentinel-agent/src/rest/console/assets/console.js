// The console's script: plain browser JavaScript (no build step), served by the agent with the
// page. It reads the agent's REST API (/v1/*) and follows its event stream; every change goes
// through the same API with the bearer token typed in the page (kept in sessionStorage, so it
// dies with the tab). Everything the API returns is written with textContent, never as HTML.
/* global document, HTMLElement */
"use strict";

const TOKEN_KEY = "sentinel-plane.token";
const REFRESH_MS = 1000;
const EVENTS_MAX = 200;
const LAG_SAMPLES_MAX = 60;
const FAILOVERS_SHOWN_MAX = 10;
const RECONNECT_MS_DEFAULT = 1000;
const RECONNECT_MS_MAX = 10_000;

const state = {
  /** name -> { master, replicas, agents } */
  masters: new Map(),
  /** "master/host:port" -> lag_bytes samples, oldest first */
  lag: new Map(),
  events: [],
  last_event_id: null,
  retry_ms: RECONNECT_MS_DEFAULT,
  refresh_timer: null,
  refreshing: false,
  again: false,
  /** master name -> { ok, text, seq, target } of its last action */
  results: new Map(),
  /** Numbers the actions, so a result can be told from the previous one (data-result). */
  actions: 0,
  /** Wall-clock time the agent started (from /healthz): events carry the agent's uptime in ms. */
  agent_started_ms: null,
};

/** An event's time of day: `time_ms` counts from the agent's start, not from 1970. */
function eventTime(time_ms) {
  if (time_ms > 1e12) return new Date(time_ms).toLocaleTimeString();
  if (state.agent_started_ms === null) return `+${(time_ms / 1000).toFixed(1)} s`;
  return new Date(state.agent_started_ms + time_ms).toLocaleTimeString();
}

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

function headers(extra) {
  const h = { accept: "application/json, application/problem+json", ...extra };
  const t = token();
  if (t !== "") h.authorization = `Bearer ${t}`;
  return h;
}

/** A problem+json body as one line: `CODE: detail (HTTP n)`. */
function problemText(status, body) {
  if (body !== null && typeof body === "object" && typeof body.code === "string") {
    return `${body.code}: ${body.detail ?? body.title ?? ""} (HTTP ${status})`;
  }
  return `HTTP ${status}`;
}

async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "content-type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    return { ok: false, status: 0, body: null, text: `the agent does not answer (${String(error)})` };
  }
  const raw = await response.text();
  let parsed;
  try {
    parsed = raw === "" ? null : JSON.parse(raw);
  } catch {
    parsed = null;
  }
  return {
    ok: response.ok,
    status: response.status,
    body: parsed,
    text: response.ok ? `HTTP ${response.status}` : problemText(response.status, parsed),
  };
}

const addr = (a) => (a === null || a === undefined ? "-" : `${a.host}:${a.port}`);
const short = (id) => (typeof id === "string" ? id.slice(0, 8) : "-");
const dash = (v) => (v === null || v === undefined ? "-" : String(v));

function banner(text) {
  const b = $("banner");
  b.hidden = text === null;
  b.textContent = text ?? "";
}

// --- flags and link words (the same mapping as the CLI's `status`) ---------------------------

/**
 * A replica refuses writes by design: the data-node's `fenced` mark on a replica is not news, so
 * it is not shown (a fenced *primary* is, in the master's flags). A replica that is down or not
 * answering shows `down` whatever its last INFO said.
 */
function replicaFlags(r) {
  return r.flags.filter((f) => f !== "fenced" || r.role === "master");
}

function linkWord(r) {
  if (r.flags.includes("s_down") || r.flags.includes("disconnected")) return "down";
  return r.link_status === "unknown" ? "?" : r.link_status;
}

function pillClass(word) {
  if (word === "up") return "pill ok";
  if (word === "down") return "pill bad";
  return "pill";
}

// --- lag history ------------------------------------------------------------------------------

function recordLag(name, replicas) {
  const seen = new Set();
  for (const r of replicas) {
    const key = `${name}/${addr(r.address)}`;
    seen.add(key);
    const samples = state.lag.get(key) ?? [];
    samples.push(r.lag_bytes ?? 0);
    if (samples.length > LAG_SAMPLES_MAX) samples.shift();
    state.lag.set(key, samples);
  }
  for (const key of [...state.lag.keys()]) {
    if (key.startsWith(`${name}/`) && !seen.has(key)) state.lag.delete(key);
  }
}

const SVG = "http://www.w3.org/2000/svg";

function sparkline(samples) {
  const w = 120;
  const h = 24;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  const max = Math.max(1, ...samples);
  const step = w / Math.max(1, LAG_SAMPLES_MAX - 1);
  const offset = (LAG_SAMPLES_MAX - samples.length) * step;
  const points = samples.map(
    (v, i) => `${(offset + i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`,
  );
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  const title = document.createElementNS(SVG, "title");
  title.textContent = `lag over the last ${samples.length} s, max ${max} B`;
  svg.append(title);
  return svg;
}

// --- rendering --------------------------------------------------------------------------------

function table(head, rows) {
  return el(
    "div",
    { class: "scroll" },
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))),
    ),
  );
}

function renderMaster(view) {
  const { master, replicas, agents } = view;
  const flags = master.flags.filter((f) => f !== "master");
  const card = el("article", { class: "master", "data-master": master.name });
  card.append(
    el(
      "header",
      {},
      el("h2", {}, master.name),
      el("span", { class: "primary", "data-role": "primary" }, addr(master.address)),
      el("span", { class: "muted" }, `epoch ${master.config_epoch}`),
      el("span", { class: "muted" }, `quorum ${master.quorum}`),
      ...flags.map((f) => el("span", { class: f === "failover_in_progress" ? "pill warn" : "pill bad" }, f)),
      master.failover === null
        ? null
        : el("span", { class: "pill warn" }, `failover ${master.failover.state} (${master.failover.kind})`),
    ),
  );
  card.append(el("h3", {}, "Replicas"));
  card.append(
    table(
      ["replica", "link", "offset", "lag", "lag history", "priority", "flags"],
      replicas.map((r) => {
        const word = linkWord(r);
        return [
          el("span", { "data-replica": addr(r.address) }, addr(r.address)),
          el("span", { class: pillClass(word) }, word),
          dash(r.offset),
          `${dash(r.lag_bytes)} B / ${dash(r.lag_s)} s`,
          sparkline(state.lag.get(`${master.name}/${addr(r.address)}`) ?? []),
          dash(r.priority),
          replicaFlags(r).join(", "),
        ];
      }),
    ),
  );
  card.append(el("h3", {}, "Agents: each one's view and vote"));
  card.append(
    table(
      ["agent", "address", "last seen", "vote", "sees primary down"],
      agents.map((a) => [
        a.self ? `${short(a.id)} (this agent)` : short(a.id),
        addr(a.address),
        a.last_seen_ms_ago === null ? "-" : `${a.last_seen_ms_ago} ms ago`,
        a.leader === null ? "-" : `${short(a.leader)} @ epoch ${dash(a.leader_epoch)}`,
        el("span", { class: a.sees_master_down ? "pill bad" : "pill ok" }, a.sees_master_down ? "yes" : "no"),
      ]),
    ),
  );
  card.append(actions(master, replicas));
  return card;
}

function actions(master, replicas) {
  const previous = state.results.get(master.name);
  const listed = replicas.filter((r) => r.role === "slave").map((r) => addr(r.address));
  // The operator's choice stays chosen when a refresh does not list it as a replica for a moment
  // (a redraw used to fall back to "the agents' choice" silently, and a switchover then went to
  // another replica than the one picked); the agents refuse a target that is no replica.
  const chosen = previous?.target ?? "";
  const choices = chosen === "" || listed.includes(chosen) ? listed : [...listed, chosen];
  const target = el(
    "select",
    { "aria-label": "switchover target", "data-action": "target" },
    el("option", { value: "" }, "the agents' choice"),
    ...choices.map((a) => el("option", { value: a }, a)),
  );
  target.value = chosen;
  target.addEventListener("change", () => {
    state.results.set(master.name, { ...(state.results.get(master.name) ?? {}), target: target.value });
  });
  const switchover = el("button", { type: "button", "data-action": "switchover" }, "switchover");
  switchover.addEventListener("click", () => {
    // The choice as the change handler recorded it, not this closure's select: a redraw (every
    // second, and on every event) may replace the select between the choice and the click, and a
    // choice made on the replaced one never reaches the new select. Read from there, the page
    // sent no target and the agents chose another replica (the console test in CI: the old
    // primary). Redraws show the recorded choice; the confirmation names the target sent.
    const to = state.results.get(master.name)?.target ?? "";
    void act(
      master.name,
      `Switch over ${master.name} from ${addr(master.address)} to ${to === "" ? "the replica the agents choose" : to}?`,
      "switchover",
      to === "" ? {} : { to },
    );
  });
  const failover = el("button", { type: "button", class: "danger", "data-action": "failover" }, "failover");
  failover.addEventListener("click", () => {
    void act(
      master.name,
      `Force a failover of ${master.name} now (the current primary ${addr(master.address)} is given up)?`,
      "failover",
      undefined,
    );
  });
  const box = el("div", {}, el("div", { class: "actions" }, "switchover to", target, switchover, failover));
  const result = state.results.get(master.name);
  if (result?.text !== undefined) {
    box.append(
      el("p", { class: `result ${result.ok ? "ok" : "bad"}`, "data-result": result.seq }, result.text),
    );
  }
  return box;
}

function confirmAction(text) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function act(name, question, kind, body) {
  // The target select may still hold the focus (which pauses redraws): the choice is made.
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  if (!(await confirmAction(question))) return;
  const before = state.masters.get(name)?.master.address;
  const keep = state.results.get(name)?.target;
  state.actions += 1;
  const seq = state.actions;
  state.results.set(name, { ok: true, text: `${kind}: sending…`, seq, target: keep });
  render();
  const reply = await api("POST", `/v1/masters/${encodeURIComponent(name)}/${kind}`, body);
  const text = reply.ok
    ? `${kind} accepted (${reply.text}); the primary was ${addr(before)}, watch the events`
    : `${kind} refused: ${reply.text}`;
  state.results.set(name, { ok: reply.ok, text, seq, target: keep });
  render();
  scheduleRefresh(0);
}

function renderEvents() {
  const list = $("events");
  list.replaceChildren(
    ...state.events.map((e) =>
      el(
        "li",
        { class: e.level, "data-event": e.name },
        el("span", { class: "muted" }, eventTime(e.time_ms)),
        " ",
        el("span", { class: "muted" }, short(e.agent)),
        " ",
        el("span", { class: "name" }, e.name),
        " ",
        e.text,
      ),
    ),
  );
}

function renderFailovers(failovers) {
  const box = $("failovers");
  if (failovers.length === 0) {
    box.replaceChildren(el("p", { class: "muted" }, "no failover since this agent started"));
    return;
  }
  box.replaceChildren(...failovers.slice(0, FAILOVERS_SHOWN_MAX).map(renderFailover));
}

function renderFailover(f) {
  const span = Math.max(1, f.duration_ms ?? Math.max(0, ...f.events.map((e) => e.since_start_ms)));
  const line = el("div", { class: "timeline", role: "img", "aria-label": "events on a time axis" });
  for (const e of f.events) {
    const tick = el("span", {
      class: e.name === "+switch-master" ? "tick switch" : "tick",
      title: `${e.name} +${e.since_start_ms} ms`,
    });
    tick.style.left = `${Math.min(100, (e.since_start_ms / span) * 100).toFixed(2)}%`;
    line.append(tick);
  }
  return el(
    "div",
    { class: "failover", "data-failover": f.epoch },
    el(
      "div",
      {},
      el("strong", {}, `${f.master} epoch ${f.epoch}`),
      " ",
      el(
        "span",
        { class: f.outcome === "end" ? "pill ok" : f.outcome === "in-progress" ? "pill warn" : "pill bad" },
        f.outcome,
      ),
      " ",
      `${addr(f.from)} → ${addr(f.to)}`,
      " ",
      el(
        "span",
        { class: "muted" },
        `${new Date(f.started_at_ms).toLocaleString()}, ${f.duration_ms === null ? "running" : `${f.duration_ms} ms`}, leader ${short(f.leader)}`,
      ),
    ),
    line,
    el(
      "ol",
      { class: "steps" },
      ...f.events.map((e) => el("li", {}, `+${e.since_start_ms} ms  ${e.name}  ${e.text}`)),
    ),
    f.events_dropped > 0 ? el("p", { class: "muted" }, `${f.events_dropped} more events not kept`) : null,
  );
}

function render() {
  const root = $("masters");
  if (state.masters.size === 0) {
    root.replaceChildren(el("p", { class: "panel muted" }, "no masters monitored by this agent"));
    return;
  }
  // A focused select or an open dialog must survive the redraw: skip it until they are done.
  if ($("confirm").open || document.activeElement?.tagName === "SELECT") return;
  root.replaceChildren(...[...state.masters.values()].map(renderMaster));
}

// --- polling the reads ------------------------------------------------------------------------

async function refresh() {
  if (state.refreshing) {
    state.again = true;
    return;
  }
  state.refreshing = true;
  try {
    const list = await api("GET", "/v1/masters");
    if (!list.ok) {
      banner(`cannot read the topology: ${list.text}`);
      return;
    }
    const next = new Map();
    for (const master of list.body.masters) {
      const base = `/v1/masters/${encodeURIComponent(master.name)}`;
      const [replicas, agents] = await Promise.all([
        api("GET", `${base}/replicas`),
        api("GET", `${base}/agents`),
      ]);
      if (!replicas.ok || !agents.ok) continue; // removed between the two reads
      recordLag(master.name, replicas.body.replicas);
      next.set(master.name, { master, replicas: replicas.body.replicas, agents: agents.body.agents });
    }
    state.masters = next;
    const failovers = await api("GET", "/v1/failovers?limit=20");
    if (failovers.ok) renderFailovers(failovers.body.failovers);
    banner(null);
    render();
  } finally {
    state.refreshing = false;
    if (state.again) {
      state.again = false;
      scheduleRefresh(0);
    }
  }
}

function scheduleRefresh(delay_ms) {
  if (state.refresh_timer !== null) clearTimeout(state.refresh_timer);
  state.refresh_timer = setTimeout(() => {
    state.refresh_timer = null;
    void refresh().finally(() => {
      if (state.refresh_timer === null) scheduleRefresh(REFRESH_MS);
    });
  }, delay_ms);
}

// --- the event stream -------------------------------------------------------------------------

function streamStatus(text, cls) {
  const s = $("stream");
  s.textContent = `events: ${text}`;
  s.className = cls;
}

/** One SSE frame (lines without the blank line that ended it). */
function onFrame(lines) {
  let name = "message";
  let id = null;
  const data = [];
  for (const line of lines) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
    else if (field === "retry" && /^\d+$/.test(value)) state.retry_ms = Number(value);
  }
  if (id !== null) state.last_event_id = id;
  if (data.length === 0) return;
  if (name === "reset" || name === "gap") {
    // The agent restarted or its history lost events: what is shown is re-read.
    scheduleRefresh(0);
    return;
  }
  let event;
  try {
    event = JSON.parse(data.join("\n"));
  } catch {
    return;
  }
  state.events.unshift(event);
  if (state.events.length > EVENTS_MAX) state.events.length = EVENTS_MAX;
  renderEvents();
  if (name === "+switch-master") switchMaster(event.text);
  scheduleRefresh(0);
}

/**
 * `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>` names the new primary: it is
 * shown at once, as Sentinel clients switch on this event, before the reads catch up.
 */
function switchMaster(text) {
  const [name, , , host, port] = text.split(" ");
  const view = state.masters.get(name);
  if (view === undefined || host === undefined || !/^\d+$/.test(port ?? "")) return;
  view.master = { ...view.master, address: { host, port: Number(port) } };
  render();
}

/**
 * Follows /v1/events with fetch rather than EventSource: EventSource cannot send the
 * Authorization header (read auth) nor choose Last-Event-ID. After a drop it reconnects with the
 * last id seen, so the agent replays what was missed.
 */
async function follow() {
  let failures = 0;
  for (;;) {
    const extra = { accept: "text/event-stream" };
    // "0" on the first connection: the agent replays the recent history it holds.
    extra["last-event-id"] = state.last_event_id ?? "0";
    try {
      const response = await fetch("/v1/events", { headers: headers(extra) });
      if (!response.ok || response.body === null) {
        let body = null;
        try {
          body = await response.json();
        } catch {
          body = null;
        }
        throw new Error(problemText(response.status, body));
      }
      failures = 0;
      streamStatus("live", "pill ok");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let lines = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.search(/\r\n|\n|\r/)) >= 0) {
          const line = buffer.slice(0, cut);
          buffer = buffer.slice(cut + (buffer.startsWith("\r\n", cut) ? 2 : 1));
          if (line === "") {
            if (lines.length > 0) onFrame(lines);
            lines = [];
          } else lines.push(line);
        }
      }
      throw new Error("the stream ended");
    } catch (error) {
      failures += 1;
      const wait = Math.min(RECONNECT_MS_MAX, state.retry_ms * failures);
      streamStatus(`reconnecting in ${Math.round(wait / 1000)} s (${error.message})`, "pill warn");
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

// --- start ------------------------------------------------------------------------------------

function start() {
  $("token").value = token();
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    scheduleRefresh(0);
  });
  $("token-clear").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token").value = "";
  });
  void api("GET", "/healthz").then((r) => {
    if (!r.ok) return;
    state.agent_started_ms = Date.now() - r.body.uptime_s * 1000;
    $("agent").textContent = `agent ${short(r.body.myid)}, up ${r.body.uptime_s} s`;
    renderEvents();
  });
  scheduleRefresh(0);
  follow().catch((error) => console.error(error));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

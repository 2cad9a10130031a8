// scratchcommunication dashboard: renders the snapshot and applies live updates pushed
// over server-sent events. Plain browser JavaScript, no build step, no external assets.
"use strict";

const base = document.querySelector('meta[name="dashboard-base"]').content;
const projectsEl = document.getElementById("projects");
const socketsEl = document.getElementById("sockets");
const activityEl = document.getElementById("activity");
const liveEl = document.getElementById("live");
const cards = new Map(); // project id -> card element
const socketCards = new Map(); // socket id -> card element
const MAX_ACTIVITY = 50;

function api(path) {
  return base + "/api" + path;
}

function logActivity(text, code) {
  const li = document.createElement("li");
  li.append(new Date().toLocaleTimeString() + " " + text + " ");
  if (code !== undefined) {
    const c = document.createElement("code");
    c.textContent = code;
    li.append(c);
  }
  activityEl.prepend(li);
  while (activityEl.children.length > MAX_ACTIVITY) activityEl.lastChild.remove();
}

function projectCard(project) {
  let card = cards.get(project.id);
  if (!card) {
    card = document.getElementById("project-template").content.firstElementChild.cloneNode(true);
    card.dataset.id = project.id;
    card.querySelector(".set-form").addEventListener("submit", (e) => submitSet(e, project.id));
    cards.set(project.id, card);
    projectsEl.append(card);
  }
  document.getElementById("no-projects").hidden = true;
  return card;
}

function renderProject(project) {
  const card = projectCard(project);
  card.querySelector(".project-id").textContent = "Project " + project.project_id;
  card.querySelector(".host").textContent = project.host;
  const state = card.querySelector(".state");
  state.textContent = project.state;
  state.className = "state badge " + project.state;
  card.dataset.state = project.state;
  card.querySelector(".source").textContent = project.id;
  card.querySelector(".reconnects").textContent = String(project.reconnects);
  const reason = card.querySelector(".reason-wrap");
  reason.hidden = !project.last_reason;
  card.querySelector(".reason").textContent = project.last_reason || "";
  const tbody = card.querySelector(".vars tbody");
  const seen = new Set();
  for (const [name, value] of Object.entries(project.variables)) {
    setRow(card, name, value, false);
    seen.add(name);
  }
  for (const row of [...tbody.rows]) {
    if (!seen.has(row.dataset.name)) row.remove();
  }
}

function setRow(card, name, value, flash) {
  const tbody = card.querySelector(".vars tbody");
  let row = [...tbody.rows].find((r) => r.dataset.name === name);
  if (value === null) {
    if (row) row.remove();
    return;
  }
  if (!row) {
    row = tbody.insertRow();
    row.dataset.name = name;
    row.insertCell().className = "name";
    row.insertCell().className = "value";
    row.cells[0].textContent = name;
    // Keep rows sorted by name.
    const after = [...tbody.rows].find((r) => r !== row && r.dataset.name > name);
    if (after) tbody.insertBefore(row, after);
  }
  if (row.cells[1].textContent !== value) {
    row.cells[1].textContent = value;
    if (flash) {
      row.classList.remove("flash");
      void row.offsetWidth; // restart the animation
      row.classList.add("flash");
    }
  }
}

function renderSocket(socket) {
  let card = socketCards.get(socket.id);
  if (!card) {
    card = document.getElementById("socket-template").content.firstElementChild.cloneNode(true);
    card.dataset.id = socket.id;
    socketCards.set(socket.id, card);
    socketsEl.append(card);
  }
  const stats = socket.requests;
  card.querySelector(".socket-kind").textContent = stats ? "Request bot" : "Cloud socket";
  card.querySelector(".socket-id").textContent = socket.id;
  card.querySelector(".messages").textContent = stats
    ? stats.served + " requests served"
    : socket.messages + " messages";
  const tbody = card.querySelector(".clients tbody");
  tbody.replaceChildren();
  for (const client of socket.clients) {
    const row = tbody.insertRow();
    row.insertCell().textContent = client.id;
    row.insertCell().textContent = client.username || "(unknown)";
    row.insertCell().textContent = client.secure ? "yes" : "no";
  }
  const requests = card.querySelector(".requests");
  requests.hidden = !stats;
  if (!stats) return;
  card.querySelector(".served").textContent = String(stats.served);
  card.querySelector(".errors").textContent = String(stats.errors);
  const latency = stats.latency || {};
  card.querySelector(".lat-last").textContent = formatMs(latency.last_ms);
  card.querySelector(".lat-mean").textContent = formatMs(latency.mean_ms);
  card.querySelector(".lat-p50").textContent = formatMs(latency.p50_ms);
  card.querySelector(".lat-p99").textContent = formatMs(latency.p99_ms);
  card.querySelector(".lat-window").textContent = latency.window
    ? "(percentiles of the last " + latency.window + ")"
    : "";
  card.querySelector(".invalid-syntax").textContent = String(stats.invalid_syntax);
  card.querySelector(".handler-errors").textContent = String(stats.handler_errors);
  card.querySelector(".uncaught-errors").textContent = String(stats.uncaught_errors);
  const list = card.querySelector(".recent-errors");
  list.replaceChildren();
  for (const error of stats.recent_errors) {
    const li = document.createElement("li");
    const what = [error.request, error.caller].filter(Boolean).join(" from ");
    li.textContent = (what ? what + ": " : "") + error.message;
    list.append(li);
  }
}

// Milliseconds as a short human text; "–" before the first request.
function formatMs(ms) {
  if (typeof ms !== "number") return "–";
  if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
  if (ms >= 100) return Math.round(ms) + " ms";
  if (ms >= 10) return ms.toFixed(1) + " ms";
  return ms.toFixed(2) + " ms";
}

function renderSnapshot(snapshot) {
  const ids = new Set(snapshot.projects.map((p) => p.id));
  for (const [id, card] of cards) {
    if (!ids.has(id)) {
      card.remove();
      cards.delete(id);
    }
  }
  snapshot.projects.forEach(renderProject);
  snapshot.sockets.forEach(renderSocket);
  document.getElementById("no-projects").hidden = snapshot.projects.length > 0;
}

async function submitSet(event, id) {
  event.preventDefault();
  const form = event.target;
  const result = form.querySelector(".result");
  const button = form.querySelector("button");
  const name = form.elements.name.value.trim();
  const value = form.elements.value.value;
  button.disabled = true;
  result.className = "result";
  result.textContent = "setting…";
  try {
    const url = api("/projects/" + encodeURIComponent(id) + "/variables/" + encodeURIComponent(name));
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      result.className = "result ok";
      result.textContent = "set " + body.name + " = " + body.value;
    } else {
      result.className = "result error";
      result.textContent = (body.error && body.error.message) || "HTTP " + response.status;
    }
  } catch (err) {
    result.className = "result error";
    result.textContent = "request failed: " + err;
  } finally {
    button.disabled = false;
  }
}

// EventSource reconnects by itself after a stream ends (e.g. this page was too slow and
// was dropped: it then gets a fresh snapshot), but gives up on an HTTP error such as 503
// (too many live pages); then retry with a growing delay.
let retryDelay = 1000;

function connect() {
  const source = new EventSource(api("/events"));
  source.addEventListener("open", () => {
    retryDelay = 1000;
    liveEl.textContent = "live";
    liveEl.className = "badge on";
  });
  source.addEventListener("error", () => {
    liveEl.textContent = "reconnecting…";
    liveEl.className = "badge off";
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  });
  source.addEventListener("snapshot", (e) => renderSnapshot(JSON.parse(e.data)));
  source.addEventListener("project", (e) => {
    const project = JSON.parse(e.data);
    const old = cards.get(project.id);
    if (old && old.dataset.state !== project.state) {
      logActivity("project " + project.project_id + " is now " + project.state);
    }
    renderProject(project);
  });
  source.addEventListener("variable", (e) => {
    const msg = JSON.parse(e.data);
    const card = cards.get(msg.id);
    if (!card) return;
    setRow(card, msg.name, msg.value, true);
    logActivity(msg.id + ": " + msg.name + " =", msg.value === null ? "(deleted)" : msg.value);
  });
  source.addEventListener("socket", (e) => renderSocket(JSON.parse(e.data)));
}

connect();

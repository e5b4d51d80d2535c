// The chat page: sends a message, reads the run's server-sent events, shows them as they come.
// Every text from the model, the tools or the user goes in with textContent, never as HTML.
"use strict";

const log = document.getElementById("log");
const form = document.getElementById("composer");
const input = document.getElementById("message");
const sendButton = document.getElementById("send");
const resetButton = document.getElementById("reset");
const stopButton = document.getElementById("stop");
let session = null;
let busy = false;
const SVG = "http://www.w3.org/2000/svg";
const FIELDS_SHOWN = 10; // rows of a result's table shown at first; the rest open on a click

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function scrollDown() {
  log.scrollTop = log.scrollHeight;
}

function setBusy(value) {
  busy = value;
  sendButton.disabled = value || session === null;
  resetButton.disabled = value || session === null;
  stopButton.hidden = !value || session === null;
}

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function isScalar(value) {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function shown(value) {
  if (value === null) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(+value.toPrecision(6));
  return String(value);
}

// A structured result as tables: its scalar fields (one level of nesting flattened), then each
// list of objects as a table of its own (the first rows).
function resultTables(value) {
  const blocks = [];
  const fields = [];
  const lists = [];
  for (const [key, item] of Object.entries(value)) {
    if (isScalar(item)) fields.push([key, item]);
    else if (Array.isArray(item) && item.length && item.every((row) => row && typeof row === "object" && !Array.isArray(row))) lists.push([key, item]);
    else if (Array.isArray(item) && item.every(isScalar)) fields.push([key, item.map(shown).join(", ")]);
    else if (item && typeof item === "object" && !Array.isArray(item)) {
      const inner = Object.entries(item).filter(([, v]) => isScalar(v));
      if (inner.length && inner.length <= 12) for (const [k, v] of inner) fields.push([`${key}.${k}`, v]);
    }
  }
  const fieldTable = (rows) => {
    const table = element("table", "fields");
    for (const [key, item] of rows) {
      const row = element("tr");
      row.append(element("th", null, key), element("td", null, shown(item)));
      table.append(row);
    }
    return table;
  };
  if (fields.length) blocks.push(fieldTable(fields.slice(0, FIELDS_SHOWN)));
  if (fields.length > FIELDS_SHOWN) {
    const more = element("details", "more-fields");
    more.append(element("summary", null, `${fields.length - FIELDS_SHOWN} more fields`));
    more.append(fieldTable(fields.slice(FIELDS_SHOWN)));
    blocks.push(more);
  }
  for (const [key, rows] of lists) {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row).filter((k) => isScalar(row[k]))))].slice(0, 6);
    if (!columns.length) continue;
    const table = element("table", "rows");
    table.append(element("caption", null, rows.length > 10 ? `${key} (first 10 of ${rows.length})` : key));
    const head = element("tr");
    for (const column of columns) head.append(element("th", null, column));
    table.append(head);
    for (const row of rows.slice(0, 10)) {
      const line = element("tr");
      for (const column of columns) line.append(element("td", null, shown(row[column] ?? null)));
      table.append(line);
    }
    blocks.push(table);
  }
  return blocks;
}

// An FBA result: the growth rate, and a bar chart of the largest fluxes (by absolute value).
function fluxChart(result, count = 12) {
  const figure = element("figure", "fba");
  const growth = Number(result.objective_value);
  figure.append(element("div", "growth", `Growth rate ${growth.toFixed(3)} h⁻¹ · ${result.status ?? ""} · ${result.model_id} on ${result.media_id}`));
  const fluxes = Object.entries(result.fluxes)
    .map(([reaction, flux]) => [reaction, Number(flux)])
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, count);
  const largest = Math.max(...fluxes.map(([, flux]) => Math.abs(flux)), 1e-9);
  const row = 22, label = 120, width = 640, half = (width - label - 70) / 2, zero = label + half;
  const chart = svg("svg", { class: "flux-chart", viewBox: `0 0 ${width} ${fluxes.length * row + 24}`, role: "img",
                             "aria-label": `The ${fluxes.length} largest fluxes of ${result.model_id}` });
  chart.append(svg("line", { x1: zero, x2: zero, y1: 0, y2: fluxes.length * row, class: "axis" }));
  fluxes.forEach(([reaction, flux], index) => {
    const y = index * row;
    const length = (Math.abs(flux) / largest) * half;
    const x = flux >= 0 ? zero : zero - length;
    chart.append(svg("text", { x: label - 6, y: y + 15, "text-anchor": "end", class: "reaction" }, reaction));
    chart.append(svg("rect", { x, y: y + 4, width: Math.max(length, 1), height: row - 8,
                               class: flux >= 0 ? "bar forward" : "bar reverse" }));
    const valueX = flux >= 0 ? zero + length + 4 : zero - length - 4;
    chart.append(svg("text", { x: valueX, y: y + 15, "text-anchor": flux >= 0 ? "start" : "end", class: "value" },
                     flux.toFixed(2)));
  });
  chart.append(svg("text", { x: zero, y: fluxes.length * row + 18, "text-anchor": "middle", class: "caption" },
                   `largest ${fluxes.length} fluxes (mmol/gDW/h); bars left of the axis run in reverse`));
  figure.append(chart);
  return figure;
}

async function startSession() {
  setBusy(true);
  try {
    const response = await fetch("/api/sessions", { method: "POST" });
    const info = await response.json();
    session = info.session;
    const backend = document.getElementById("backend");
    backend.dataset.scripted = String(info.scripted);
    backend.textContent = (info.scripted ? "Simulation — " : "Real model — ") + info.backend;
    document.getElementById("servers").textContent =
      `MCP servers: ${info.servers.join(", ")} (${info.tools} tools)`;
    const suggestions = document.getElementById("suggestions");
    suggestions.replaceChildren();
    for (const text of info.suggestions) {
      const button = element("button", null, text);
      button.type = "button";
      button.addEventListener("click", () => {
        input.value = text;
        input.focus();
      });
      suggestions.append(button);
    }
  } catch (error) {
    document.getElementById("backend").textContent = `Could not start a session: ${error}`;
  } finally {
    setBusy(false);
  }
}

// One assistant reply: its text, turn by turn, tool cards and notes, in the order they came.
class Reply {
  constructor() {
    this.node = element("div", "message assistant");
    this.node.dataset.state = "running";
    this.node.dataset.deltas = "0";
    this.node.append(element("div", "role", "Assistant"));
    this.body = element("div", "body");
    this.node.append(this.body);
    this.tools = new Map();
    this.currentText = null;
    this.currentTurn = null;
    log.append(this.node);
  }

  text(turn, text) {
    if (this.currentText === null || this.currentTurn !== turn) {
      this.currentText = element("div", "text");
      this.currentText.dataset.turn = String(turn);
      this.currentTurn = turn;
      this.body.append(this.currentText);
    }
    this.currentText.textContent += text;
    this.node.dataset.deltas = String(Number(this.node.dataset.deltas) + 1);
  }

  dropTurnText(turn) {
    for (const node of this.body.querySelectorAll(`.text[data-turn="${Number(turn)}"]`)) node.remove();
    this.currentText = null;
  }

  note(text, className = "note") {
    this.body.append(element("div", className, text));
    this.currentText = null;
  }

  toolStarted(data) {
    const card = element("details", "tool");
    card.dataset.status = "running";
    card.dataset.callId = data.call_id;
    card.dataset.tool = data.tool ?? data.name;
    const summary = element("summary");
    const status = element("span", "status", "running");
    const where = data.server ? `${data.server}.${data.tool}` : data.name;
    const args = data.arguments === null ? "(arguments that are not a JSON object)" : JSON.stringify(data.arguments);
    const shortArgs = args.length > 160 ? `${args.slice(0, 160)}…` : args;
    summary.append(status, " ", element("code", "name", where), element("code", "args", `(${shortArgs})`));
    const duration = element("span", "duration");
    summary.append(" ", duration);
    card.append(summary);
    card.append(element("span", "label", "arguments"));
    card.append(element("pre", "arguments", JSON.stringify(data.arguments, null, 2)));
    const progress = element("div", "progress");
    const bar = element("progress");
    const progressText = element("span", "progress-text", "running…");
    progress.append(bar, " ", progressText);
    const started = performance.now();
    const tool = { card, status, duration, progress, bar, progressText, started, message: "" };
    tool.timer = setInterval(() => this.tick(tool), 250);
    this.tools.set(data.call_id, tool);
    this.body.append(card, progress);
    this.currentText = null;
  }

  tick(tool) {
    const elapsed = ((performance.now() - tool.started) / 1000).toFixed(1);
    tool.progressText.textContent = `${tool.message || "running"} · ${elapsed} s`;
  }

  toolProgress(data) {
    const tool = this.tools.get(data.call_id);
    if (!tool) return;
    if (data.total) {
      tool.bar.max = data.total;
      tool.bar.value = data.progress;
    }
    const total = data.total ? ` of ${data.total}` : "";
    const task = data.task_id ? `task ${data.status || "working"} · ` : "";
    tool.message = `${task}${data.progress}${total}${data.message ? `: ${data.message}` : ""}`;
    this.tick(tool);
  }

  toolFinished(data) {
    const tool = this.tools.get(data.call_id);
    if (!tool) return;
    clearInterval(tool.timer);
    tool.progress.remove();
    const status = data.ok ? "ok" : data.reported_failure ? "failed" : "error";
    tool.card.dataset.status = data.ok ? "ok" : "error";
    tool.status.textContent = status;
    tool.duration.textContent = `${data.duration.toFixed(2)} s`;
    tool.card.append(element("span", "label", "result"));
    tool.card.append(element("pre", "result", data.output));
    const value = data.structured;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const visual = element("div", "visual");
      visual.dataset.callId = data.call_id;
      if (data.ok && value.fluxes && typeof value.fluxes === "object" && value.objective_value !== undefined) {
        visual.append(fluxChart(value));
      }
      visual.append(...resultTables(value));
      if (visual.childElementCount) tool.card.after(visual);
    }
  }

  stopTools() {
    for (const tool of this.tools.values()) {
      clearInterval(tool.timer);
      tool.progress.remove();
      if (tool.card.dataset.status === "running") {
        tool.card.dataset.status = "error";
        tool.status.textContent = "stopped";
      }
    }
  }

  finish(state, text) {
    this.stopTools();
    this.node.dataset.state = state;
    if (text) this.node.append(element("div", state === "error" ? "note error" : "summary", text));
  }
}

function handle(reply, name, data) {
  switch (name) {
    case "text":
      reply.text(data.turn, data.text);
      break;
    case "turn_restarted":
      reply.dropTurnText(data.turn);
      reply.note(`Turn ${data.turn} asked again (${data.reason}); its text so far was dropped.`);
      break;
    case "retrying":
      reply.note(`Retrying ${data.model} (attempt ${data.attempt}) in ${data.delay.toFixed(1)} s: ${data.reason}`);
      break;
    case "switched":
      reply.note(`Switched from ${data.from} to ${data.to}: ${data.reason}`);
      break;
    case "tool_started":
      reply.toolStarted(data);
      break;
    case "tool_progress":
      reply.toolProgress(data);
      break;
    case "tool_finished":
      reply.toolFinished(data);
      break;
    case "turn_finished":
      if (data.served_by && data.served_by !== data.model) {
        reply.note(`Asked ${data.model}, answered by ${data.served_by}.`);
      }
      break;
    case "done": {
      const calls = data.tool_calls === 1 ? "1 tool call" : `${data.tool_calls} tool calls`;
      const turns = data.turns === 1 ? "1 model request" : `${data.turns} model requests`;
      reply.finish("done", `${turns} · ${calls} · ${data.tokens} tokens`);
      break;
    }
    case "error":
      reply.finish("error", data.message);
      break;
    case "cancelled":
      reply.finish("cancelled", data.message);
      break;
    default:
      break; // run_started, model_request: nothing to show
  }
  scrollDown();
}

// Reads server-sent events from a fetch response: blocks of "event:" and "data:" lines.
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const content = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = content;
        else if (field === "data") data.push(content);
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

async function send(message) {
  const bubble = element("div", "message user");
  bubble.append(element("div", "role", "You"), element("div", "content", message));
  log.append(bubble);
  const reply = new Reply();
  scrollDown();
  setBusy(true);
  try {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session, message }),
    });
    if (!response.ok) {
      let problem = `HTTP ${response.status}`;
      try {
        problem = (await response.json()).error;
      } catch (ignored) {
        // not JSON: keep the status
      }
      reply.finish("error", problem);
      return;
    }
    await readEvents(response, (name, data) => handle(reply, name, data));
    if (reply.node.dataset.state === "running") reply.finish("error", "The answer stopped before the run ended.");
  } catch (error) {
    reply.finish("error", `The connection failed: ${error}`);
  } finally {
    setBusy(false);
    scrollDown();
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = input.value.trim();
  if (!message || busy || session === null) return;
  input.value = "";
  send(message);
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

stopButton.addEventListener("click", async () => {
  if (session === null) return;
  stopButton.disabled = true;
  try {
    await fetch("/api/cancel", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session }),
    });
  } finally {
    stopButton.disabled = false;
  }
});

resetButton.addEventListener("click", () => {
  log.replaceChildren();
  startSession();
});

startSession();

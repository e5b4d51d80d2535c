// The chat page: sends a message, reads the run's server-sent events, shows them as they come.
// Every text from the model, the tools or the user goes in with textContent, never as HTML.
"use strict";

const log = document.getElementById("log");
const form = document.getElementById("composer");
const input = document.getElementById("message");
const sendButton = document.getElementById("send");
const resetButton = document.getElementById("reset");
let session = null;
let busy = false;

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
    this.tools.set(data.call_id, { card, status, duration });
    this.body.append(card);
    this.currentText = null;
  }

  toolProgress(data) {
    const tool = this.tools.get(data.call_id);
    if (!tool) return;
    const total = data.total ? ` of ${data.total}` : "";
    tool.status.textContent = `running (${data.progress}${total}${data.message ? `: ${data.message}` : ""})`;
  }

  toolFinished(data) {
    const tool = this.tools.get(data.call_id);
    if (!tool) return;
    tool.card.dataset.status = data.ok ? "ok" : "error";
    tool.status.textContent = data.ok ? "ok" : "error";
    tool.duration.textContent = `${data.duration.toFixed(2)} s`;
    tool.card.append(element("span", "label", "result"));
    tool.card.append(element("pre", "result", data.output));
  }

  finish(state, text) {
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

resetButton.addEventListener("click", () => {
  log.replaceChildren();
  startSession();
});

startSession();

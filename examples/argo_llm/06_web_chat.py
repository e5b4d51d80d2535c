"""Tutorial 06: a web chat in front of the MCP servers, for demos.

Serves one chat page on http://127.0.0.1:8765/ (change the port with --port).
Each message runs a chat turn; its events reach the page as server-sent events:
text as the model writes it, each tool call as it starts, reports progress and
finishes, retries and model switches. Each browser tab keeps its own
conversation and its own MCP servers (so Gem-Flux model names never collide
between tabs); a Stop button cancels the running turn. Structured tool results
are shown as tables, and FBA results as a chart of the largest fluxes with the
growth rate. The page says which model answers.

    python examples/argo_llm/06_web_chat.py                      # argo-proxy if it answers
    python examples/argo_llm/06_web_chat.py --offline --port 9000
    python examples/argo_llm/06_web_chat.py --server "python my_server.py"

With no endpoint reachable (or with --offline) the library's simulated model
answers (``argo_mcp_client.simulation``, as for ``argo-mcp --offline``): it calls
no LLM, but takes plain requests ("build a draft model of E. coli", "gapfill it
on glucose", "how fast does it grow?") through the real tools.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import anyio.abc
import uvicorn
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from argo_mcp_client import (
    ArgoMCPClient,
    ArgoMCPError,
    Conversation,
    Event,
    ModelRequestStarted,
    ModelRetrying,
    ModelSwitched,
    RunFinished,
    RunStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolProgress,
    TurnFinished,
    TurnRestarted,
)

# Run as a script, this folder is on sys.path; the type checker reads it from the repository root.
if TYPE_CHECKING:
    from examples.argo_llm._common import Backend, choose_backend, parse_args, run_tutorial, servers_from
else:
    from _common import Backend, choose_backend, parse_args, run_tutorial, servers_from

log = logging.getLogger("web_chat")

STATIC = Path(__file__).resolve().parent / "web_chat"
DEFAULT_PORT = 8765
SYSTEM_PROMPT = (
    "You are a helpful assistant for metabolic modelling. Use the tools you are given when they help, "
    "and say briefly what each tool returned."
)
MAX_MESSAGE = 20_000
"""Characters a message may have."""
MAX_SESSIONS = 20
"""Conversations kept, each with its own servers (processes); the least recently used is closed first."""
MAX_TOOL_OUTPUT = 20_000
"""Characters of a tool's result sent to the page."""

SUGGESTIONS = [
    "Build a draft model of E. coli K-12 from two protein sequences.",
    "Now gapfill it on glucose minimal medium.",
    "How fast does the gapfilled model grow?",
]


# ---------------------------------------------------------------------------
# Conversations, one per browser session.


@dataclass
class Session:
    """One browser tab: its conversation, its own client (and so its own servers), its running turn."""

    conversation: Conversation
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    client: ArgoMCPClient | None = None
    closed: anyio.Event = field(default_factory=anyio.Event)
    turn: anyio.CancelScope | None = None


class Sessions:
    """Conversations by session id, in memory, the least recently used forgotten beyond ``limit``."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self._limit = limit
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def new(self) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(18)
        session = self._sessions[session_id] = Session(Conversation(system_prompt=SYSTEM_PROMPT))
        while len(self._sessions) > self._limit:
            _, forgotten = self._sessions.popitem(last=False)
            forgotten.closed.set()
        return session_id, session

    def close_all(self) -> None:
        for session in self._sessions.values():
            session.closed.set()

    def get(self, session_id: str) -> Session | None:
        session = self._sessions.get(session_id)
        if session is not None:
            self._sessions.move_to_end(session_id)
        return session


# ---------------------------------------------------------------------------
# Events as server-sent events.


def _clip(text: str, limit: int = MAX_TOOL_OUTPUT) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n… ({len(text) - limit} more characters)"


def sse_payload(event: Event) -> tuple[str, dict[str, Any]] | None:
    """The SSE event name and JSON data the page gets for ``event``, or None for events it does not show."""
    match event:
        case RunStarted(model=model):
            return "run_started", {"model": model}
        case ModelRequestStarted(turn=turn, model=model, attempt=attempt):
            return "model_request", {"turn": turn, "model": model, "attempt": attempt}
        case TextDelta(turn=turn, text=text):
            return "text", {"turn": turn, "text": text}
        case TurnRestarted(turn=turn, reason=reason):
            return "turn_restarted", {"turn": turn, "reason": reason}
        case ModelRetrying(turn=turn, model=model, attempt=attempt, delay=delay, reason=reason):
            return "retrying", {
                "turn": turn,
                "model": model,
                "attempt": attempt,
                "delay": delay,
                "reason": reason,
            }
        case ModelSwitched(turn=turn, from_model=old, to_model=new, reason=reason):
            return "switched", {"turn": turn, "from": old, "to": new, "reason": reason}
        case ToolCallStarted(turn=turn, call_id=call_id, name=name, server=server, tool=tool):
            arguments = event.arguments
            return "tool_started", {
                "turn": turn,
                "call_id": call_id,
                "name": name,
                "server": server,
                "tool": tool,
                "arguments": arguments,
            }
        case ToolCallFinished(turn=turn, call=call):
            return "tool_finished", {
                "turn": turn,
                "call_id": call.call_id,
                "tool": call.tool,
                "ok": not call.failed,
                "reported_failure": call.reported_failure,
                "output": _clip(call.output),
                "structured": _structured(call.structured_content, call.output),
                "duration": round(call.duration, 3),
            }
        case ToolProgress(call_id=call_id, progress=progress, total=total, message=message):
            return "tool_progress", {
                "call_id": call_id,
                "progress": progress,
                "total": total,
                "message": message,
                "task_id": event.task_id,
                "status": event.status,
            }
        case TurnFinished(turn=turn, model=model, usage=usage, served_by=served_by):
            return "turn_finished", {
                "turn": turn,
                "model": model,
                "served_by": served_by,
                "tokens": usage.total_tokens,
            }
        case RunFinished(result=result):
            return "done", {
                "turns": result.turns,
                "tool_calls": len(result.tool_calls),
                "tokens": result.total_usage.total_tokens,
            }
    return None


def _structured(content: Any, output: str) -> Any:
    """The tool's structured result for the page to draw (tables, charts), or None when too big."""
    if content is None and output.lstrip().startswith("{"):
        try:
            content = json.loads(output)
        except ValueError:
            return None
    if content is None or len(json.dumps(content, default=str)) > MAX_TOOL_OUTPUT:
        return None
    return content


def _frame(name: str, data: Mapping[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(data, default=str, ensure_ascii=False))


# ---------------------------------------------------------------------------
# The app.


@dataclass
class ChatState:
    backend: Backend
    servers: list[Any]
    sessions: Sessions = field(default_factory=Sessions)
    hosts: anyio.abc.TaskGroup | None = None
    """Where each session's client lives, from its first request until it is forgotten or the app stops."""


class SecurityHeaders:
    """Adds headers that keep the page's scripts to its own files, whatever text it shows."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(backend: Backend, servers: list[Any], *, ready: str | None = None) -> Starlette:
    """The chat app; ``ready`` is printed once it serves (its signal handling in place)."""
    state = ChatState(backend, servers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as hosts:
            state.hosts = hosts
            print(f"Servers: {', '.join(s.name for s in servers)}, started for each browser tab", flush=True)
            if ready:
                print(ready, flush=True)
            try:
                yield
            finally:
                state.hosts = None
                state.sessions.close_all()

    async def host(session: Session, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        """Keep the session's own client (and its servers) open until the session is forgotten."""
        try:
            async with ArgoMCPClient(servers=servers, **backend.fresh_options()) as client:
                session.client = client
                task_status.started()
                await session.closed.wait()
        finally:
            session.client = None

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def new_session(request: Request) -> Response:
        if state.hosts is None:
            return JSONResponse({"error": "the server is shutting down"}, status_code=503)
        session_id, session = state.sessions.new()
        try:
            await state.hosts.start(functools.partial(host, session))
        except ArgoMCPError as exc:
            return JSONResponse({"error": f"the servers did not start: {exc}"}, status_code=503)
        client = session.client
        return JSONResponse(
            {
                "session": session_id,
                "backend": backend.description,
                "scripted": backend.scripted,
                "servers": [s.name for s in servers],
                "tools": len(client.tools) if client else 0,
                "suggestions": SUGGESTIONS,
            }
        )

    async def cancel(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        session_id = body.get("session") if isinstance(body, dict) else None
        session = state.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            return JSONResponse({"error": "unknown session: reload the page"}, status_code=404)
        running = session.turn is not None
        if session.turn is not None:
            session.turn.cancel()
        return JSONResponse({"cancelled": running})

    async def chat(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        message, session_id = body.get("message"), body.get("session")
        if not isinstance(message, str) or not message.strip():
            return JSONResponse({"error": "the message is empty"}, status_code=400)
        if len(message) > MAX_MESSAGE:
            return JSONResponse(
                {"error": f"messages are limited to {MAX_MESSAGE} characters"}, status_code=413
            )
        session = state.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            return JSONResponse({"error": "unknown session: reload the page"}, status_code=404)
        if session.lock.locked():
            return JSONResponse({"error": "this conversation is still answering"}, status_code=409)
        client = session.client
        if client is None:
            return JSONResponse({"error": "the server is shutting down"}, status_code=503)
        return EventSourceResponse(_turn(client, session, message), sep="\n", ping=15)

    async def _turn(client: ArgoMCPClient, session: Session, message: str) -> AsyncIterator[ServerSentEvent]:
        async with session.lock:
            try:
                with anyio.CancelScope() as scope:
                    session.turn = scope
                    async with client.stream(message, conversation=session.conversation) as events:
                        async for event in events:
                            payload = sse_payload(event)
                            if payload is not None:
                                yield _frame(*payload)
                if scope.cancelled_caught:
                    yield _frame("cancelled", {"message": "Stopped: the turn was cancelled."})
            except ArgoMCPError as exc:
                yield _frame("error", {"message": f"{type(exc).__name__}: {exc}"})
            except Exception as exc:
                log.exception("the chat turn failed")
                yield _frame(
                    "error", {"message": f"internal error ({type(exc).__name__}); see the server log"}
                )
            finally:
                session.turn = None

    routes = [
        Route("/", index),
        Route("/api/sessions", new_session, methods=["POST"]),
        Route("/api/chat", chat, methods=["POST"]),
        Route("/api/cancel", cancel, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(SecurityHeaders)
    return app


def parse_options(argv: Sequence[str] | None = None) -> tuple[int, argparse.Namespace]:
    """``--port``, then the options every tutorial takes."""
    own = argparse.ArgumentParser(add_help=False)
    own.add_argument("--port", type=int, default=DEFAULT_PORT)
    known, rest = own.parse_known_args(argv)
    return known.port, parse_args(__doc__ or "", rest)


async def main() -> int:
    port, args = parse_options()
    backend = await choose_backend(args)
    print(f"Model: {backend.description}.", flush=True)
    servers = servers_from(args)
    config = uvicorn.Config(
        create_app(backend, servers, ready=f"Chat: http://127.0.0.1:{port}/ (Ctrl-C stops it)"),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    await server.serve()
    return 0 if server.started else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run_tutorial(main)

"""A simulated OpenAI-compatible gateway on 127.0.0.1 that injects faults on request.

This is a simulation, not argo-proxy. It answers ``POST /v1/chat/completions``
over real loopback HTTP (uvicorn in a thread of the test process), so the whole
client path runs: the openai SDK, httpx2, sockets, timeouts. Each model name has
a *plan*: a function of the request returning what to answer with. An answer is
either an ordinary scripted step (served by a one-shot
:class:`~argo_mcp_client.testing.ScriptedModel`, so scripts read as in the unit
tests) or a fault:

* :class:`Status`: an HTTP error with an OpenAI-style JSON body (429 with or
  without ``Retry-After``, 500, 502, 503, argo-proxy's 403 authentication error);
* :class:`Stall`: nothing (or part of the answer) until the client gives up;
* :class:`Drop`: part of the answer, then the connection is closed (a transport
  error for the client: an incomplete body);
* :class:`SilentDone`: argo-proxy's rendering of a dropped upstream connection:
  the start of the stream, then ``data: [DONE]`` with no finish reason (and, for
  a request that did not stream, argo-proxy's 502 "Upstream error");
* :class:`Malformed`: a 200 the client cannot parse: a stream chunk or a body
  that is not valid JSON, or an HTML page;
* :class:`StreamErrorEvent`: an error event inside a 200 stream;
* :class:`BadAnswer`: a well-formed answer that is itself the fault (tool
  arguments that are not JSON, an unknown tool, the authentication notice as
  text), labelled so it counts as a fault.

Plans are usually built with :func:`sequence` (one item per request, in order)
or :func:`always`. The faults reproduce the shapes argo-proxy 3.x is known to
send; the bodies' wording is this simulation's own.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import anyio
import anyio.from_thread
import anyio.lowlevel
import httpx2

from argo_mcp_client.testing import (
    Answer,
    ScriptedFailure,
    ScriptedModel,
    ScriptedRawStream,
    ScriptedReply,
    ScriptedRequest,
    ScriptedToolCall,
    Step,
    call,
)
from support.loopback import read_body, send_json, serve_in_thread, start_response

__all__ = [
    "AUTH_NOTICE",
    "PARTIAL_TEXT",
    "BadAnswer",
    "Drop",
    "Fault",
    "FaultGateway",
    "Item",
    "Malformed",
    "Plan",
    "SilentDone",
    "Stall",
    "Status",
    "StreamErrorEvent",
    "always",
    "auth_forbidden",
    "fault_gateway",
    "rate_limited",
    "sequence",
    "server_error",
    "unavailable",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Argo answers an unregistered user with a notice in place of the answer (this simulation's wording).
AUTH_NOTICE = (
    "\n\n** IMPORTANT AUTHENTICATION NOTICE FROM ARGO **\n"
    "Your user name is not registered for the Argo API. Please register before using this service.\n"
)

# Text, then a tool call, as Claude answers: a cut leaves partial text and a half-built call.
_DEFAULT_PARTIAL_ANSWER: Answer = ScriptedReply(
    text="I will call echo now. ",
    tool_calls=(call("echo", {"text": "this call is cut short before its arguments end"}),),
)
PARTIAL_TEXT = "I will call echo now."
"""The text of the answer that faults cut short by default; it must never reach a history."""


@dataclass(frozen=True, slots=True)
class Status:
    """An HTTP error response with an OpenAI-style JSON body."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stall:
    """Answer nothing until the client disconnects (or ``limit`` seconds pass, then 504).

    With ``partial``, first send the start of ``answer`` (headers and part of the
    body), then stall: the client has content in hand when it times out.
    """

    partial: bool = False
    answer: Answer = _DEFAULT_PARTIAL_ANSWER
    limit: float = 30.0


@dataclass(frozen=True, slots=True)
class Drop:
    """Send the start of ``answer``, then close the connection mid-body."""

    answer: Answer = _DEFAULT_PARTIAL_ANSWER


@dataclass(frozen=True, slots=True)
class SilentDone:
    """argo-proxy's dropped upstream: the start of the stream, then ``[DONE]`` and no finish reason.

    A request that did not ask to stream gets what argo-proxy sends then: 502 "Upstream error".
    """

    answer: Answer = _DEFAULT_PARTIAL_ANSWER


@dataclass(frozen=True, slots=True)
class Malformed:
    """A 200 answer the client cannot parse.

    ``"json"``: a stream with a chunk that is not JSON, or a non-streamed
    ``application/json`` body cut short. ``"html"``: a ``text/html`` page, as a
    proxy or login portal in front of the gateway sends, whether streaming was asked for or not.
    """

    body: Literal["json", "html"] = "json"


@dataclass(frozen=True, slots=True)
class StreamErrorEvent:
    """A 200 stream that sends the start of ``answer``, then ``data: {"error": {...}}`` and ``[DONE]``.

    argo-proxy sends this when the upstream gives up mid-answer; with ``message``
    ``"Upstream stream ended before completion: ArgoAuthWarning"`` it is how the
    authentication notice arrives when it fits in one upstream chunk. A request
    that did not ask to stream gets a 502 with the same message.
    """

    message: str = "Upstream stream ended before completion: simulated upstream stream error"
    answer: Answer = _DEFAULT_PARTIAL_ANSWER


@dataclass(frozen=True, slots=True)
class BadAnswer:
    """A well-formed answer that is itself the fault (served as is, counted as a fault)."""

    answer: Answer
    label: str


Fault = Status | Stall | Drop | SilentDone | Malformed | StreamErrorEvent | BadAnswer
Item = Step | Fault
"""What the gateway answers one request with: a scripted step or a fault."""

Plan = Callable[[ScriptedRequest], Item]
"""Decides the answer to each request for one model."""


def rate_limited(retry_after: str | None = None) -> Status:
    """429; argo-proxy drops ``Retry-After``, other gateways send it."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Status(429, "Rate limit exceeded for this user. Please retry later.", headers)


def server_error() -> Status:
    return Status(500, "The upstream model service failed while answering.")


def unavailable() -> Status:
    return Status(503, "The upstream model service is temporarily unavailable.")


def auth_forbidden() -> Status:
    """argo-proxy's non-streamed form of the authentication notice."""
    return Status(
        403,
        "ARGO authentication error: the username is not registered in ARGO. "
        "Please verify your username and update your argo-proxy configuration.",
    )


def sequence(*items: Item, then: Item | None = None) -> Plan:
    """One item per request, in order; afterwards ``then`` (default: a 400 saying the plan ran out)."""
    queue = list(items)
    exhausted = then if then is not None else Status(400, "the fault plan has no more answers")

    def plan(request: ScriptedRequest) -> Item:
        return queue.pop(0) if queue else exhausted

    return plan


def always(item: Item) -> Plan:
    """The same item for every request: a model that is down stays down."""
    return lambda request: item


@dataclass(slots=True)
class Served:
    """One request the gateway received, and what it answered with."""

    model: str
    stream: bool
    kind: str
    """``"answer"`` for an ordinary step, else the fault's name."""
    authorization: str
    body: dict[str, Any]


class FaultGateway:
    """The simulated gateway's state: a plan per model, and a log of what it served."""

    def __init__(self) -> None:
        self.base_url = ""
        self.served: list[Served] = []
        self._plans: dict[str, Plan] = {}
        self._arrivals: dict[str, list[Callable[[], None]]] = {}
        self._ids = 0
        self._lock = threading.Lock()

    def route(self, model: str, plan: Plan) -> None:
        """Answer requests for ``model`` with ``plan``."""
        self._plans[model] = plan

    def arrival(self, model: str) -> anyio.Event:
        """An event in the calling task's event loop, set when the next request for ``model`` arrives."""
        event = anyio.Event()
        # The gateway's own event loop runs in another thread: it sets the event through the token.
        token = anyio.lowlevel.current_token()
        self._arrivals.setdefault(model, []).append(
            lambda: anyio.from_thread.run_sync(event.set, token=token)
        )
        return event

    def requests_for(self, model: str) -> list[Served]:
        with self._lock:
            return [s for s in self.served if s.model == model]

    def kinds(self, model: str) -> Counter[str]:
        return Counter(s.kind for s in self.requests_for(model))

    # -- serving ---------------------------------------------------------------------------------

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application."""
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        path = scope["path"]
        if scope["method"] == "GET" and path == "/v1/models":
            models = [{"id": m, "object": "model"} for m in self._plans]
            await send_json(send, 200, {"object": "list", "data": models})
            return
        if scope["method"] != "POST" or path != "/v1/chat/completions":
            await send_json(send, 404, _error_body(f"no route for {scope['method']} {path}"))
            return
        request = ScriptedRequest(body=json.loads(body))
        plan = self._plans.get(request.model)
        item: Item = (
            plan(request)
            if plan is not None
            else Status(404, f"the simulated gateway has no plan for model {request.model!r}")
        )
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        served = Served(
            model=request.model,
            stream=request.stream,
            kind=_kind(item),
            authorization=headers.get("authorization", ""),
            body=request.body,
        )
        with self._lock:
            self.served.append(served)
        for notify in self._arrivals.pop(request.model, []):
            notify()
        await self._answer(item, request, body, receive, send)

    async def _answer(
        self, item: Item, request: ScriptedRequest, body: bytes, receive: Receive, send: Send
    ) -> None:
        if isinstance(item, BadAnswer):
            item = item.answer
        if isinstance(item, Status):
            await send_json(send, item.status, _error_body(item.message), item.headers)
        elif isinstance(item, Stall):
            if item.partial:
                await self._send_part(item.answer, request, body, send)
            with anyio.move_on_after(item.limit) as scope:
                await _wait_for_disconnect(receive)
            if scope.cancelled_caught and not item.partial:
                await send_json(send, 504, _error_body("the simulated upstream stalled"))
        elif isinstance(item, Drop):
            await self._send_part(item.answer, request, body, send)
            # Returning with the body incomplete makes uvicorn close the socket:
            # the client reads an incomplete body, a transport error.
        elif isinstance(item, SilentDone):
            if not request.stream:
                await send_json(send, 502, _error_body("Upstream error", "invalid_request_error"))
                return
            _, _, content = await self._scripted(item.answer, request, body)
            await _send_stream(send, _first_part(content, stream=True) + b"data: [DONE]\n\n")
        elif isinstance(item, StreamErrorEvent):
            if not request.stream:
                await send_json(send, 502, _error_body(item.message, "server_error"))
                return
            _, _, content = await self._scripted(item.answer, request, body)
            error = json.dumps({"error": {"message": item.message, "type": "server_error", "code": None}})
            await _send_stream(
                send, _first_part(content, stream=True) + f"data: {error}\n\n".encode() + b"data: [DONE]\n\n"
            )
        elif isinstance(item, Malformed):
            await _send_malformed(item, request, send)
        else:
            status, headers, content = await self._scripted(item, request, body)
            await start_response(send, status, headers)
            await send({"type": "http.response.body", "body": content})

    async def _send_part(self, answer: Answer, request: ScriptedRequest, body: bytes, send: Send) -> None:
        """Send the headers and the start of ``answer``'s body, leaving the response unfinished."""
        status, headers, content = await self._scripted(answer, request, body)
        if request.stream:
            # Streams come chunked, as from argo-proxy: no length to tell the client what is missing.
            headers.pop("content-length", None)
        await start_response(send, status, headers)
        await send(
            {"type": "http.response.body", "body": _first_part(content, request.stream), "more_body": True}
        )

    async def _scripted(
        self, step: Step, request: ScriptedRequest, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """The response a one-shot scripted model gives ``step``, with call ids unique across requests."""
        with self._lock:
            self._ids += 1
            number = self._ids
        step = _with_ids(step, number)
        forwarded = httpx2.Request("POST", "http://fault-gateway.invalid/v1/chat/completions", content=body)
        response = await ScriptedModel([step]).answer(forwarded)
        return response.status_code, dict(response.headers), response.content


def _kind(item: Item) -> str:
    if isinstance(item, BadAnswer):
        return item.label
    if isinstance(item, Status):
        return f"http-{item.status}"
    if isinstance(item, ScriptedFailure):
        return f"http-{item.status}"
    if isinstance(item, Stall):
        return "stall-mid-body" if item.partial else "stall"
    if isinstance(item, Drop):
        return "drop"
    if isinstance(item, SilentDone):
        return "silent-done"
    if isinstance(item, Malformed):
        return f"malformed-{item.body}"
    if isinstance(item, StreamErrorEvent):
        return "stream-error-event"
    if isinstance(item, ScriptedRawStream):
        return "raw-stream"
    return "answer"


def _with_ids(step: Step, number: int) -> Step:
    """Give tool calls without an id one unique to this gateway, as a real model would."""

    def named(calls: tuple[ScriptedToolCall, ...]) -> tuple[ScriptedToolCall, ...]:
        return tuple(c if c.id else replace(c, id=f"call_fault_{number}_{i}") for i, c in enumerate(calls))

    if isinstance(step, ScriptedToolCall):
        return ScriptedReply(tool_calls=named((step,)))
    if isinstance(step, ScriptedReply):
        return replace(step, tool_calls=named(step.tool_calls))
    if isinstance(step, tuple | list):
        return ScriptedReply(tool_calls=named(tuple(step)))
    return step


def _first_part(content: bytes, stream: bool) -> bytes:
    """The start of an answer: about half its stream events (none that finish it), or half its bytes."""
    if not stream:
        return content[: len(content) // 2]
    unfinished: list[bytes] = []
    for event in content.split(b"\n\n"):
        data = event.removeprefix(b"data: ").strip()
        if not data or data == b"[DONE]":
            continue
        choices = json.loads(data).get("choices") or []
        if choices and choices[0].get("finish_reason") is None:
            unfinished.append(event)
    kept = unfinished[: max(2, len(unfinished) // 2)]
    return b"".join(e + b"\n\n" for e in kept)


def _error_body(message: str, kind: str = "simulated_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": None}}


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send_malformed(item: Malformed, request: ScriptedRequest, send: Send) -> None:
    if item.body == "html":
        page = b"<html><body><h1>Service notice</h1><p>Please sign in.</p></body></html>"
        await start_response(send, 200, {"content-type": "text/html", "content-length": str(len(page))})
        await send({"type": "http.response.body", "body": page})
    elif request.stream:
        # A good chunk, then one cut inside a string (as in tests/fixtures/streams/malformed_chunk.sse).
        good = {"id": "chatcmpl-bad", "object": "chat.completion.chunk", "created": 0, "model": request.model,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Partial "},
                             "finish_reason": None}]}  # fmt: skip
        broken = b'data: {"choices": [{"index": 0, "delta": {"content": "te\n\n'
        await _send_stream(send, f"data: {json.dumps(good)}\n\n".encode() + broken + b"data: [DONE]\n\n")
    else:
        content = b'{"id": "chatcmpl-bad", "object": "chat.completion", "choices": [{"index": 0, "mess'
        await start_response(
            send, 200, {"content-type": "application/json", "content-length": str(len(content))}
        )
        await send({"type": "http.response.body", "body": content})


async def _send_stream(send: Send, content: bytes) -> None:
    await start_response(send, 200, {"content-type": "text/event-stream"})
    await send({"type": "http.response.body", "body": content})


@contextmanager
def fault_gateway() -> Iterator[FaultGateway]:
    """Serve a :class:`FaultGateway` on a free loopback port until the block ends."""
    gateway = FaultGateway()
    with serve_in_thread(gateway.app, name="simulated faulty gateway") as port:
        gateway.base_url = f"http://127.0.0.1:{port}/v1"
        yield gateway

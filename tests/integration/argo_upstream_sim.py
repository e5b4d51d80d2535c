"""A simulated Argo gateway upstream (the native API), for running the real argo-proxy against.

This is a simulation, not Argo. argo-proxy 3.x talks to Argo's native endpoints,
and this serves them on 127.0.0.1 (uvicorn in a thread of the test process) under
the ``/argoapi`` prefix, as the real gateway does:

* ``GET /argoapi/v1/models``: the model list (display name as ``id``, Argo id as
  ``internal_id``), from which argo-proxy builds its ``argo:`` aliases;
* ``POST /argoapi/v1/chat/completions``: OpenAI Chat Completions, for GPT and
  Gemini ids, streamed (SSE with tool-call fragments, a finish chunk, a usage
  chunk, ``[DONE]``) or not;
* ``POST /argoapi/v1/messages``: Anthropic Messages, for Claude ids: content
  blocks (``text``, ``tool_use``), ``stop_reason``, usage; streamed as Anthropic
  SSE events (``message_start`` ... ``message_stop``) or not.

What the model says is decided by a *brain*: a function of the request as the
upstream received it (OpenAI or Anthropic format) returning a :class:`ModelTurn`
(text and/or tool calls). :func:`gem_flux_brain` drives the Gem-Flux workflow,
reading tool results from the history in either format.

Faults are queued with :meth:`ArgoUpstreamSimulator.inject` and consumed one per
chat request: :class:`HttpError` (429 with ``Retry-After``, 500, 503, ...),
:class:`Stall`, :class:`DropConnection` (mid-body), :class:`StreamErrorEvent`
and :class:`AuthNotice` (Argo's "AUTHENTICATION NOTICE FROM ARGO", sent with
status 200 as the answer's text), :class:`EmptyAnswer` (200, a clean stop, no text,
no calls, 0 output tokens), :class:`LeakedToolCall` (Claude's call written into its
text as a Python repr) and :class:`RateLimitWindow` (429s for some seconds). Refusals of
the real gateway are switched on per test (:attr:`ArgoUpstreamSimulator.refusals`): Gemini
refusing several calls in one history turn, reasoning models refusing a temperature and
``max_tokens``, Claude refusing ``temperature`` with ``top_p``, each with the real wording.
Every request is recorded (path, headers,
JSON body, the fault it got) so tests can assert what the proxy sent upstream.

Error bodies, vendor model strings, ids and token counts are this simulation's
choices, shaped after what the real gateway is known to send.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal

import anyio

from support.loopback import read_body, send_json, serve_in_thread, start_response

__all__ = [
    "ARGO_PREFIX",
    "AUTH_NOTICE_TEXT",
    "GEM_FLUX_MEDIUM",
    "SIMULATED_MODELS",
    "ArgoUpstreamSimulator",
    "AuthNotice",
    "Brain",
    "DropConnection",
    "EmptyAnswer",
    "Fault",
    "HttpError",
    "LeakedToolCall",
    "ModelTurn",
    "RateLimitWindow",
    "ReceivedRequest",
    "Refusals",
    "SimulatedModel",
    "SimulatedToolCall",
    "Stall",
    "StreamErrorEvent",
    "argo_upstream_simulator",
    "gem_flux_brain",
    "tool_results",
]

ARGO_PREFIX = "/argoapi"
"""Where the simulated API lives on its host, as on apps.inside.anl.gov."""

# Argo's answer to an unregistered user, with status 200, in place of the model's text
# (the wording of a notice captured from the live gateway; the user name is made up).
AUTH_NOTICE_TEXT = (
    "\n\n** IMPORTANT AUTHENTICATION NOTICE FROM ARGO **\n\n** ACCESS DENIED **\n\n"
    "The username 'testuser' could not be validated as an authorized Argo Gateway API user. "
    "Please ensure you are providing a valid ANL domain user name in your API configuration.\n\n"
    " ** END NOTICE FROM ARGO **\n\n"
)

GEM_FLUX_MEDIUM = "glucose_minimal_aerobic"

Family = Literal["openai", "anthropic", "google"]
Format = Literal["openai_chat", "anthropic"]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SimulatedModel:
    """One model of the simulated gateway."""

    display: str
    """The display name, listed as ``id`` (argo-proxy derives its aliases from it)."""
    internal_id: str
    """The Argo id requests name the model by."""
    family: Family
    vendor_model: str
    """What replies give as ``model``: the vendor's own name, as the real gateway does."""


SIMULATED_MODELS: tuple[SimulatedModel, ...] = (
    SimulatedModel("GPT-4o", "gpt4o", "openai", "gpt-4o-2024-08-06"),
    SimulatedModel("GPT-4.1 Mini", "gpt41mini", "openai", "gpt-4.1-mini-2025-04-14"),
    SimulatedModel("Claude Sonnet 4.5", "claudesonnet45", "anthropic", "claude-sonnet-4-5-20250929"),
    SimulatedModel("Gemini 2.5 Flash", "gemini25flash", "google", "gemini25flash"),
)


# -- what the model says ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulatedToolCall:
    """A tool call the simulated model makes."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModelTurn:
    """One assistant message: text, tool calls, or both (text first, as Claude writes them)."""

    text: str | None = None
    tool_calls: tuple[SimulatedToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request the simulated upstream received."""

    method: str
    path: str
    """The path as received, prefix included (``/argoapi/v1/messages``)."""
    headers: dict[str, str]
    """Lower-cased names."""
    body: dict[str, Any]
    fault: str | None = None
    """The name of the fault this request was answered with, if any."""

    @property
    def endpoint(self) -> str:
        """The path without the prefix: ``/v1/chat/completions``, ``/v1/messages``, ``/v1/models``."""
        return self.path.removeprefix(ARGO_PREFIX)

    @property
    def format(self) -> Format:
        return "anthropic" if self.endpoint == "/v1/messages" else "openai_chat"

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or ())


Brain = Callable[[ReceivedRequest], ModelTurn]
"""Decides the simulated model's answer from the request, in the upstream's own format."""


def tool_results(request: ReceivedRequest) -> list[str]:
    """The text of every tool result in the history, in order, in either format.

    OpenAI: ``{"role": "tool", "content": ...}`` messages. Anthropic: ``tool_result``
    blocks in user messages, whose content is a string or a list of text blocks.
    """
    found: list[str] = []
    for message in request.messages:
        if request.format == "openai_chat":
            if message.get("role") == "tool":
                found.append(_text_of(message.get("content")))
            continue
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        found.extend(
            _text_of(block.get("content"))
            for block in content
            if isinstance(block, dict) and block.get("type") == "tool_result"
        )
    return found


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return "" if content is None else str(content)


def gem_flux_brain(request: ReceivedRequest) -> ModelTurn:
    """Build a draft, gapfill it with the id the build returned, run FBA on the gapfilled id, report.

    Each step reads the previous tool result, as a real model would, so the ids
    the server hands out are what gets threaded through. Claude says a few
    words before each call, as it does; GPT and Gemini call silently.
    """
    results = tool_results(request)
    preamble = "Next step of the workflow." if request.format == "anthropic" else None
    if not results:
        arguments: dict[str, Any] = {"protein_sequences": {"p1": "MKLVINLVGNSGLGKSTF"}, "model_name": "ecoli"}
        return ModelTurn(preamble, (SimulatedToolCall("build_model", arguments),))
    try:
        last = json.loads(results[-1])
    except ValueError:
        last = None
    if not isinstance(last, dict) or not last.get("success", True):
        # Said plainly, so a broken step ends the run visibly instead of looping.
        return ModelTurn(f"The workflow stopped at step {len(results)}: {results[-1][:300]}")
    if len(results) == 1:
        arguments = {"model_id": last["model_id"], "media_id": GEM_FLUX_MEDIUM}
        return ModelTurn(preamble, (SimulatedToolCall("gapfill_model", arguments),))
    if len(results) == 2:
        arguments = {"model_id": last["model_id"], "media_id": GEM_FLUX_MEDIUM}
        return ModelTurn(preamble, (SimulatedToolCall("run_fba", arguments),))
    return ModelTurn(f"Growth rate: {last['objective_value']:.3f} per hour.")


# -- faults ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpError:
    """An error status with the gateway's JSON envelope (OpenAI's, or Anthropic's on /v1/messages)."""

    status: int
    message: str
    retry_after: str | None = None


@dataclass(frozen=True, slots=True)
class Stall:
    """Send nothing until the proxy hangs up or ``seconds`` pass; then answer normally (a slow model)."""

    seconds: float = 20.0


@dataclass(frozen=True, slots=True)
class DropConnection:
    """Close the connection mid-body.

    A stream sends its first ``after_events`` events (the first tool-call fragments
    included) and stops without the chunked terminator; a plain answer sends half
    its declared length.
    """

    after_events: int = 3


@dataclass(frozen=True, slots=True)
class StreamErrorEvent:
    """A 200 stream that sends ``after_events`` events, then an error event, then ends.

    OpenAI format: ``data: {"error": {...}}`` then ``data: [DONE]``; Anthropic:
    ``event: error`` with an ``overloaded_error``. A plain (non-stream) request
    gets a 500 with the same message instead.
    """

    after_events: int = 3
    message: str = "Simulated upstream stream error"


@dataclass(frozen=True, slots=True)
class AuthNotice:
    """Argo's authentication notice as the answer's text, with status 200.

    Streamed, it comes in one text delta, or, with ``split``, cut across several.
    """

    split: bool = False


@dataclass(frozen=True, slots=True)
class EmptyAnswer:
    """Status 200 with ``finish_reason: "stop"`` (``end_turn``), no text, no tool calls, 0 output tokens."""


@dataclass(frozen=True, slots=True)
class LeakedToolCall:
    """Claude writes its tool call into its text as a Python repr of the ``tool_use`` block."""


@dataclass(frozen=True, slots=True)
class RateLimitWindow:
    """429 (with ``Retry-After``) for every matching request until ``seconds`` after the first one."""

    seconds: float = 2.0
    message: str = "Rate limit exceeded for this user. Please retry later."


Fault = (
    HttpError
    | Stall
    | DropConnection
    | StreamErrorEvent
    | AuthNotice
    | EmptyAnswer
    | LeakedToolCall
    | RateLimitWindow
)


@dataclass(slots=True)
class Refusals:
    """The real gateway's refusals of request parameters, each on or off (all off by default)."""

    parallel_calls_in_history: bool = False
    """Gemini: an assistant message with several tool calls in the history."""
    reasoning_parameters: bool = False
    """Reasoning models (gpt5*, gpto*): a temperature other than 1, and ``max_tokens``."""
    temperature_with_top_p: bool = False
    """Claude: ``temperature`` and ``top_p`` together."""


GEMINI_PARALLEL_REFUSAL = (
    "400 INVALID_ARGUMENT: Please ensure that the number of function response parts is equal to "
    "the number of function call parts of the function call turn."
)
REASONING_TEMPERATURE_REFUSAL = (
    "Unsupported value: 'temperature' does not support {value} with this model. "
    "Only the default (1) value is supported."
)
REASONING_MAX_TOKENS_REFUSAL = (
    "Unsupported parameter: 'max_tokens' is not supported with this model. "
    "Use 'max_completion_tokens' instead."
)
CLAUDE_TOP_P_REFUSAL = (
    "`temperature` and `top_p` cannot both be specified for this model. Please use only one."
)


def fault_name(fault: Fault) -> str:
    if isinstance(fault, HttpError):
        return f"http-{fault.status}"
    if isinstance(fault, Stall):
        return "stall"
    if isinstance(fault, DropConnection):
        return "drop"
    if isinstance(fault, StreamErrorEvent):
        return "stream-error-event"
    if isinstance(fault, EmptyAnswer):
        return "empty-answer"
    if isinstance(fault, LeakedToolCall):
        return "leaked-tool-call"
    if isinstance(fault, RateLimitWindow):
        return "rate-limit-window"
    return "auth-notice-split" if fault.split else "auth-notice"


@dataclass(slots=True)
class _Rule:
    fault: Fault
    model: str | None
    remaining: int | None
    skip: int
    started: float | None = None


# -- the simulator ---------------------------------------------------------------------------------


class ArgoUpstreamSimulator:
    """The simulated upstream's state: models, brain, fault queue, and a log of requests."""

    def __init__(
        self, models: Sequence[SimulatedModel] = SIMULATED_MODELS, brain: Brain = gem_flux_brain
    ) -> None:
        self.models = {m.internal_id: m for m in models}
        self.brain = brain
        self.default_brain = brain
        self.base_url = ""
        """``http://127.0.0.1:P/argoapi``: what argo-proxy's ``argo_base_url`` is set to."""
        self._rules: list[_Rule] = []
        self._usage: list[tuple[str, int, int]] = []
        self._received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._serial = 0
        self._release = threading.Event()
        self.refusals = Refusals()
        """The gateway's parameter refusals in force; reset() switches them off."""

    # -- test-facing API ------------------------------------------------------------------------

    def inject(
        self, fault: Fault, *, model: str | None = None, times: int | None = 1, after: int = 0
    ) -> None:
        """Answer chat requests (for Argo id ``model``, or any) with ``fault``.

        The first ``after`` matching requests are answered normally, the next
        ``times`` get the fault; ``times=None`` keeps failing (a model that is down
        stays down). Rules are matched in the order they were injected; a rule
        still letting requests through answers them normally, whatever rules follow.
        """
        with self._lock:
            self._rules.append(_Rule(fault, model, times, after))

    def reset(self) -> None:
        """Forget faults and requests, restore the default brain, and end any stall in progress."""
        with self._lock:
            self._rules.clear()
            self._received.clear()
            self._usage.clear()
        self.brain = self.default_brain
        self.refusals = Refusals()
        self._release.set()
        self._release = threading.Event()

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received since the last reset, in order of arrival."""
        with self._lock:
            return list(self._received)

    def chat_requests(self, model: str | None = None) -> list[ReceivedRequest]:
        """The chat requests (either format), for Argo id ``model`` or all."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and (model is None or r.model == model) and r.endpoint != "/v1/models"
        ]

    def usage_reported(self, model: str) -> list[tuple[int, int]]:
        """``(prompt, completion)`` tokens of each whole answer given for Argo id ``model``."""
        with self._lock:
            return [(p, c) for m, p, c in self._usage if m == model]

    # -- serving --------------------------------------------------------------------------------

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application."""
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        endpoint = path.removeprefix(ARGO_PREFIX) if path.startswith(ARGO_PREFIX + "/") else None
        if method == "GET" and endpoint == "/v1/models":
            self._record(ReceivedRequest(method, path, headers, {}))
            await send_json(send, 200, self._model_list())
            return
        if method != "POST" or endpoint not in ("/v1/chat/completions", "/v1/messages"):
            await send_json(send, 404, _openai_error(f"No route for {method} {path}", "not_found", None))
            return
        anthropic = endpoint == "/v1/messages"
        try:
            body = json.loads(raw)
        except ValueError:
            await self._refuse(send, anthropic, 400, "Invalid JSON body")
            return
        if not isinstance(body, dict):
            await self._refuse(send, anthropic, 400, "The body must be a JSON object")
            return
        request = ReceivedRequest(method, path, headers, body)
        if refusal := self._validate(request):
            self._record(request)
            await self._refuse(send, anthropic, *refusal)
            return
        fault = self._take_fault(request.model)
        if fault is not None:
            request = replace(request, fault=fault_name(fault))
        self._record(request)
        await self._answer(request, fault, receive, send)

    def _model_list(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": m.display,
                    "internal_id": m.internal_id,
                    "object": "model",
                    "owned_by": m.family,
                }
                for m in self.models.values()
            ],
        }

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._received.append(request)

    def _take_fault(self, model: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.model is not None and rule.model != model:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                if isinstance(rule.fault, RateLimitWindow):
                    now = time.monotonic()
                    rule.started = now if rule.started is None else rule.started
                    if now - rule.started >= rule.fault.seconds:
                        self._rules.remove(rule)
                        return None
                    return rule.fault
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                return rule.fault
        return None

    def _validate(self, request: ReceivedRequest) -> tuple[int, str] | None:
        """The status and message the real gateway would refuse the request with, if any."""
        headers = request.headers
        if request.format == "anthropic":
            if not headers.get("x-api-key") or not headers.get("anthropic-version"):
                return 401, "Missing user: send the ANL user name as x-api-key, with anthropic-version"
            if "max_tokens" not in request.body:
                return 400, "max_tokens is required"
        elif not headers.get("authorization", "").startswith("Bearer "):
            return 401, "Missing user: send the ANL user name as the bearer token"
        if request.model not in self.models:
            return 400, f"Invalid model: {request.model!r}"
        if not request.messages:
            return 400, "messages must not be empty"
        return self._refusal(request)

    def _refusal(self, request: ReceivedRequest) -> tuple[int, str] | None:
        """The parameter refusals switched on in :attr:`refusals`, as the real gateway words them."""
        body, family, refusals = request.body, self.models[request.model].family, self.refusals
        parallel = any(len(m.get("tool_calls") or ()) > 1 for m in request.messages)
        if refusals.parallel_calls_in_history and family == "google" and parallel:
            return 400, GEMINI_PARALLEL_REFUSAL
        if refusals.reasoning_parameters and request.model.startswith(("gpt5", "gpto")):
            if body.get("temperature") not in (None, 1):
                return 400, REASONING_TEMPERATURE_REFUSAL.format(value=body["temperature"])
            if "max_tokens" in body:
                return 400, REASONING_MAX_TOKENS_REFUSAL
        both = body.get("temperature") is not None and body.get("top_p") is not None
        if refusals.temperature_with_top_p and family == "anthropic" and both:
            return 400, CLAUDE_TOP_P_REFUSAL
        return None

    async def _refuse(self, send: Send, anthropic: bool, status: int, message: str) -> None:
        if anthropic:
            await send_json(send, status, _anthropic_error("invalid_request_error", message))
        else:
            kind = "AuthenticationError" if status == 401 else "BadRequestError"
            text = (
                message
                if message.startswith(("400 ", "Unsupported"))
                else f"Error code: {status} - {message}"
            )
            await send_json(send, status, _openai_error(text, kind))

    async def _answer(
        self, request: ReceivedRequest, fault: Fault | None, receive: Receive, send: Send
    ) -> None:
        anthropic = request.format == "anthropic"
        if isinstance(fault, RateLimitWindow):
            fault = HttpError(429, fault.message, retry_after=str(math.ceil(fault.seconds)))
        if isinstance(fault, HttpError):
            extra = {"retry-after": fault.retry_after} if fault.retry_after is not None else {}
            body = (
                _anthropic_error(_ANTHROPIC_ERROR_TYPES.get(fault.status, "api_error"), fault.message)
                if anthropic
                else _openai_error(fault.message, _OPENAI_ERROR_TYPES.get(fault.status, "APIError"))
            )
            await send_json(send, fault.status, body, extra)
            return
        if isinstance(fault, Stall):
            if await self._stall(fault.seconds, receive):
                return  # the proxy hung up: nobody to answer
            fault = None
        turn = ModelTurn(AUTH_NOTICE_TEXT) if isinstance(fault, AuthNotice) else self.brain(request)
        if isinstance(fault, EmptyAnswer):
            turn = ModelTurn()
        elif isinstance(fault, LeakedToolCall) and turn.tool_calls:
            turn = _leaked(turn, self._ids(len(turn.tool_calls), True))
        model = self.models[request.model]
        ids = self._ids(len(turn.tool_calls), anthropic)
        if fault is None and (anthropic or not request.stream or _wants_usage(request)):
            with self._lock:
                self._usage.append((request.model, *_usage(turn, request)))
        if not request.stream:
            if isinstance(fault, StreamErrorEvent):
                await send_json(send, 500, _openai_error(fault.message, "APIError"))
                return
            reply = (
                _anthropic_message(turn, request, model, ids, auth_notice=isinstance(fault, AuthNotice))
                if anthropic
                else _openai_completion(turn, request, model, ids, auth_notice=isinstance(fault, AuthNotice))
            )
            content = json.dumps(reply).encode()
            await start_response(
                send, 200, {"content-type": "application/json", "content-length": str(len(content))}
            )
            if isinstance(fault, DropConnection):
                # Returning with the declared length unmet makes uvicorn close the socket.
                await send(
                    {"type": "http.response.body", "body": content[: len(content) // 2], "more_body": True}
                )
                return
            await send({"type": "http.response.body", "body": content})
            return
        split = isinstance(fault, AuthNotice) and fault.split
        events = (
            _anthropic_events(turn, request, model, ids, split_text=split)
            if anthropic
            else _openai_events(turn, request, model, ids, split_text=split)
        )
        if isinstance(fault, DropConnection | StreamErrorEvent):
            events = events[: fault.after_events]
        if isinstance(fault, StreamErrorEvent):
            events.append(
                _sse(
                    {"type": "error", "error": {"type": "overloaded_error", "message": fault.message}},
                    "error",
                )
                if anthropic
                else _sse({"error": {"message": fault.message, "type": "server_error", "code": None}})
            )
            if not anthropic:
                events.append(b"data: [DONE]\n\n")
        await start_response(send, 200, {"content-type": "text/event-stream", "cache-control": "no-cache"})
        for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        if isinstance(fault, DropConnection):
            # Returning mid-body makes uvicorn close the socket without the chunked terminator.
            return
        await send({"type": "http.response.body", "body": b""})

    async def _stall(self, seconds: float, receive: Receive) -> bool:
        """Wait until the client disconnects (``True``), ``seconds`` pass or a reset (``False``)."""
        release = self._release
        with anyio.move_on_after(seconds):
            while not release.is_set():
                with anyio.move_on_after(0.05):
                    if (await receive())["type"] == "http.disconnect":
                        return True
        return False

    def _ids(self, count: int, anthropic: bool) -> list[str]:
        with self._lock:
            first = self._serial
            self._serial += count
        digests = [hashlib.sha256(f"sim-call-{first + i}".encode()).hexdigest() for i in range(count)]
        return [f"toolu_vrtx_01{d[:24]}" if anthropic else f"call_{d[:24]}" for d in digests]


_OPENAI_ERROR_TYPES = {429: "RateLimitError", 500: "InternalServerError", 503: "ServiceUnavailableError"}
_ANTHROPIC_ERROR_TYPES = {
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


def _openai_error(message: str, kind: str, code: str | None = "internal_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code}}


def _anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


# -- answers in each format ------------------------------------------------------------------------


def _tokens(value: Any) -> int:
    """A deterministic stand-in for a token count: about four characters a token."""
    return len(json.dumps(value)) // 4 + 1


def _leaked(turn: ModelTurn, ids: list[str]) -> ModelTurn:
    """``turn`` with its calls glued to its text as Python reprs of Anthropic ``tool_use`` blocks."""
    blocks = [
        repr({"id": i, "input": c.arguments, "name": c.name, "type": "tool_use", "cache_control": None})
        for i, c in zip(ids, turn.tool_calls, strict=True)
    ]
    said = (turn.text or "") + f" I'll call {turn.tool_calls[0].name}."
    return ModelTurn(said + "".join(blocks))


def _usage(turn: ModelTurn, request: ReceivedRequest) -> tuple[int, int]:
    if not turn.text and not turn.tool_calls:
        return _tokens(request.messages), 0  # an empty answer reports no output tokens
    completion = _tokens([turn.text, [(c.name, c.arguments) for c in turn.tool_calls]])
    return _tokens(request.messages) + _tokens(request.body.get("tools")), completion


def _wants_usage(request: ReceivedRequest) -> bool:
    return bool((request.body.get("stream_options") or {}).get("include_usage"))


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _openai_completion(
    turn: ModelTurn, request: ReceivedRequest, model: SimulatedModel, ids: list[str], *, auth_notice: bool
) -> dict[str, Any]:
    calls = [
        {"id": i, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
        for i, c in zip(ids, turn.tool_calls, strict=True)
    ]
    prompt, completion = (0, 0) if auth_notice else _usage(turn, request)
    return {
        "id": f"chatcmpl-sim{_digest(request)}",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": model.vendor_model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": turn.text, "tool_calls": calls or None},
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _openai_events(
    turn: ModelTurn, request: ReceivedRequest, model: SimulatedModel, ids: list[str], *, split_text: bool
) -> list[bytes]:
    """OpenAI SSE: a role-only first chunk, text pieces, tool-call fragments, finish, usage, ``[DONE]``."""
    base = {
        "id": f"chatcmpl-sim{_digest(request)}",
        "object": "chat.completion.chunk",
        "created": 1_790_000_000,
        "model": model.vendor_model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    events = [chunk({"role": "assistant", "content": ""})]
    if turn.text:
        events += [chunk({"content": piece}) for piece in _pieces(turn.text, 12 if split_text else 1 << 20)]
    for index, (call_id, call) in enumerate(zip(ids, turn.tool_calls, strict=True)):
        first = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        events.append(chunk({"tool_calls": [first]}))
        events += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in _pieces(json.dumps(call.arguments), 16)
        ]
    events.append(chunk({}, "tool_calls" if turn.tool_calls else "stop"))
    if _wants_usage(request):
        prompt, completion = _usage(turn, request)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        events.append(_sse({**base, "choices": [], "usage": usage}))
    events.append(b"data: [DONE]\n\n")
    return events


def _anthropic_message(
    turn: ModelTurn, request: ReceivedRequest, model: SimulatedModel, ids: list[str], *, auth_notice: bool
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
    content += [
        {"type": "tool_use", "id": i, "name": c.name, "input": c.arguments}
        for i, c in zip(ids, turn.tool_calls, strict=True)
    ]
    prompt, completion = (0, 0) if auth_notice else _usage(turn, request)
    return {
        "id": f"msg_vrtx_sim{_digest(request)}",
        "type": "message",
        "role": "assistant",
        "model": model.vendor_model,
        "content": content,
        "stop_reason": "tool_use" if turn.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": prompt,
            "output_tokens": completion,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _anthropic_events(
    turn: ModelTurn, request: ReceivedRequest, model: SimulatedModel, ids: list[str], *, split_text: bool
) -> list[bytes]:
    """Anthropic SSE: message_start, a block per text and tool_use, message_delta, message_stop."""
    prompt, completion = _usage(turn, request)
    message = _anthropic_message(turn, request, model, ids, auth_notice=False)
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": prompt, "output_tokens": 1},
    }
    events = [
        _sse({"type": "message_start", "message": start}, "message_start"),
        _sse({"type": "ping"}, "ping"),
    ]
    index = 0
    if turn.text:
        events.append(
            _sse(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
                "content_block_start",
            )
        )
        for piece in _pieces(turn.text, 12 if split_text else 1 << 20):
            delta = {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "text_delta", "text": piece},
            }
            events.append(_sse(delta, "content_block_delta"))
        events.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1
    for call_id, call in zip(ids, turn.tool_calls, strict=True):
        block = {"type": "tool_use", "id": call_id, "name": call.name, "input": {}}
        events.append(
            _sse(
                {"type": "content_block_start", "index": index, "content_block": block}, "content_block_start"
            )
        )
        # Anthropic's first input_json_delta is empty; the JSON follows in fragments.
        for piece in ["", *_pieces(json.dumps(call.arguments), 16)]:
            delta = {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "input_json_delta", "partial_json": piece},
            }
            events.append(_sse(delta, "content_block_delta"))
        events.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1
    stop = "tool_use" if turn.tool_calls else "end_turn"
    events.append(
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": completion},
            },
            "message_delta",
        )
    )
    events.append(_sse({"type": "message_stop"}, "message_stop"))
    return events


def _digest(request: ReceivedRequest) -> str:
    return hashlib.sha256(json.dumps(request.body, sort_keys=True).encode()).hexdigest()[:20]


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


@contextmanager
def argo_upstream_simulator(
    models: Sequence[SimulatedModel] = SIMULATED_MODELS, brain: Brain = gem_flux_brain
) -> Iterator[ArgoUpstreamSimulator]:
    """Serve an :class:`ArgoUpstreamSimulator` on a free loopback port until the block ends."""
    simulator = ArgoUpstreamSimulator(models, brain)
    with serve_in_thread(simulator.app, name="simulated Argo upstream") as port:
        simulator.base_url = f"http://127.0.0.1:{port}{ARGO_PREFIX}"
        try:
            yield simulator
        finally:
            simulator.reset()  # ends stalls, so shutdown need not wait for them

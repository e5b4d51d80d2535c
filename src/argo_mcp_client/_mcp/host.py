"""What the client does for its servers: answer their requests and take their notifications.

* Sampling (``sampling/createMessage``): answered by the :class:`Sampler` the
  client gives (its own model chain, with retries, breakers and fallbacks).
* Elicitation (``elicitation/create``): handed to the user's callback; without
  one the capability is not offered, so servers know not to ask.
* Roots: the folders the client was configured with.
* Log messages: to Python logging and, as ``ServerLog`` events, to the runs
  under way. Tool-list changes mark the server's tools for listing again.

Callbacks run in the MCP session's reader task, so nothing here may wait on a
run's consumer: events go out without blocking, or not at all.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import mcp.types as mcp_types

from argo_mcp_client._mcp.render import render_content
from argo_mcp_client.errors import ModelError
from argo_mcp_client.events import Event, Notify, ServerLog

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mcp.client.session import ClientRequestContext

logger = logging.getLogger("argo_mcp_client.server")

NOTICE = 25
"""The logging level of MCP ``notice`` messages (between INFO and WARNING), named ``NOTICE``."""
if logging.getLevelName(NOTICE) == f"Level {NOTICE}":
    logging.addLevelName(NOTICE, "NOTICE")

LOG_LEVELS: Mapping[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": NOTICE,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL + 5,
    "emergency": logging.CRITICAL + 10,
}
"""Each MCP (syslog) log level as a Python logging level; ``alert`` and ``emergency`` above CRITICAL."""


@dataclass(frozen=True, slots=True)
class ElicitationRequest:
    """A server asks the user for input."""

    server: str
    message: str
    """What the server says it needs."""
    schema: dict[str, Any]
    """The JSON Schema of the answer (an object of simple fields); empty for URL requests."""
    url: str | None = None
    """For URL requests, the page the user is asked to visit."""


@dataclass(frozen=True, slots=True)
class Sampled:
    """A model's answer to a server's sampling request."""

    text: str
    model: str
    """The model that answered."""
    truncated: bool
    """The answer stopped at the token limit."""


class Sampler(Protocol):
    """Answers servers' sampling requests with a model; raises ``ModelError`` when none can.

    ``messages`` are in OpenAI chat format; ``settings`` are request fields the server
    asked for (``max_tokens``, ``temperature``, ``stop``).
    """

    async def __call__(self, messages: Sequence[dict[str, Any]], settings: Mapping[str, Any]) -> Sampled: ...


Elicit = Callable[[ElicitationRequest], "dict[str, Any] | Awaitable[dict[str, Any] | None] | None"]
"""Answers an elicitation: the content to send back, or ``None`` to decline. Raising cancels it."""


@dataclass(slots=True)
class ServerHost:
    """The client's side of server-to-client traffic, shared by all its servers."""

    sampler: Sampler | None = None
    """Answers sampling requests; ``None`` refuses them."""
    elicit: Elicit | None = None
    roots: tuple[str | Path, ...] = ()
    listeners: set[Notify] = field(default_factory=set)
    """The runs under way, to hear of server log messages."""

    def client_options(self, server: str, on_tools_changed: Callable[[], None]) -> dict[str, Any]:
        """Keyword arguments for ``mcp.Client`` wiring this host to ``server``."""

        async def on_log(params: mcp_types.LoggingMessageNotificationParams) -> None:
            self._log(server, params)

        async def on_message(message: Any) -> None:
            if isinstance(message, mcp_types.ToolListChangedNotification):
                on_tools_changed()

        options: dict[str, Any] = {
            "logging_callback": on_log,
            "message_handler": on_message,
            # On the 2026-07-28 protocol a server sends log messages only to
            # requests that ask for a level.
            "log_level": "debug" if logger.isEnabledFor(logging.DEBUG) else "info",
        }
        if self.sampler is not None:
            options["sampling_callback"] = self._sampler(server)
        if self.elicit is not None:
            options["elicitation_callback"] = self._elicitor(server)
        if self.roots:
            options["list_roots_callback"] = self._list_roots
        return options

    def broadcast(self, event: Event) -> None:
        for notify in list(self.listeners):
            notify(event)

    def _log(self, server: str, params: mcp_types.LoggingMessageNotificationParams) -> None:
        level = LOG_LEVELS.get(str(params.level), logging.INFO)
        logger.log(level, "[%s%s] %s", server, f" {params.logger}" if params.logger else "", params.data)
        self.broadcast(
            ServerLog(server=server, level=str(params.level), logger=params.logger, data=params.data)
        )

    def _sampler(self, server: str) -> Callable[..., Awaitable[Any]]:
        sampler = self.sampler
        assert sampler is not None

        async def sample(
            context: ClientRequestContext, params: mcp_types.CreateMessageRequestParams
        ) -> mcp_types.CreateMessageResult | mcp_types.ErrorData:
            messages: list[dict[str, Any]] = []
            if params.system_prompt:
                messages.append({"role": "system", "content": params.system_prompt})
            for message in params.messages:
                blocks = message.content if isinstance(message.content, list) else [message.content]
                text = "\n".join(render_content(block) for block in blocks)  # type: ignore[arg-type]
                messages.append({"role": message.role, "content": text})
            settings: dict[str, Any] = {"max_tokens": params.max_tokens}
            if params.temperature is not None:
                settings["temperature"] = params.temperature
            if params.stop_sequences:
                settings["stop"] = params.stop_sequences
            try:
                answer = await sampler(messages, settings)
            except ModelError as error:
                logger.warning("sampling for %r failed: %s", server, error)
                return mcp_types.ErrorData(code=mcp_types.INTERNAL_ERROR, message=f"sampling failed: {error}")
            return mcp_types.CreateMessageResult(
                role="assistant",
                content=mcp_types.TextContent(type="text", text=answer.text),
                model=answer.model,
                stop_reason="maxTokens" if answer.truncated else "endTurn",
            )

        return sample

    def _elicitor(self, server: str) -> Callable[..., Awaitable[Any]]:
        elicit = self.elicit
        assert elicit is not None

        async def answer(context: ClientRequestContext, params: Any) -> mcp_types.ElicitResult:
            request = ElicitationRequest(
                server=server,
                message=str(getattr(params, "message", "")),
                schema=dict(getattr(params, "requested_schema", None) or {}),
                url=getattr(params, "url", None),
            )
            try:
                verdict = elicit(request)
                content = await verdict if inspect.isawaitable(verdict) else verdict
            except Exception:
                logger.exception("the elicitation callback failed; cancelling the request from %r", server)
                return mcp_types.ElicitResult(action="cancel")
            if content is None:
                return mcp_types.ElicitResult(action="decline")
            return mcp_types.ElicitResult(action="accept", content=content)

        return answer

    async def _list_roots(self, context: ClientRequestContext) -> mcp_types.ListRootsResult:
        roots = [
            mcp_types.Root.model_validate({"uri": _root_uri(root), "name": Path(str(root)).name or str(root)})
            for root in self.roots
        ]
        return mcp_types.ListRootsResult(roots=roots)


def _root_uri(root: str | Path) -> str:
    text = str(root)
    return text if "://" in text else Path(text).expanduser().resolve().as_uri()

"""Stand-ins the tests share: a clock the test moves by hand, and the openai client over an in-memory gateway.

* :class:`FakeClock` drives circuit breakers and cooldowns without waiting: pass it
  as ``clock=`` and add to ``now``.
* :func:`mock_http_client` answers every HTTP request with a function of the test's
  (no sockets); :func:`openai_client` is the openai SDK client over it, with the SDK's
  own retries off, as the library is given one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

Answer = (
    Callable[[httpx2.Request], httpx2.Response]
    | Callable[[httpx2.Request], Coroutine[None, None, httpx2.Response]]
)
"""Answers one HTTP request, sync or async (what ``httpx2.MockTransport`` takes)."""

GATEWAY_URL = "http://gateway.test/v1"


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the test adds to ``now``."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def mock_http_client(answer: Answer) -> httpx2.AsyncClient:
    """An HTTP client whose every request ``answer`` answers, in memory."""
    return httpx2.AsyncClient(transport=httpx2.MockTransport(answer))


def openai_client(
    answer: Answer | None = None,
    *,
    http_client: Any = None,
    base_url: str = GATEWAY_URL,
    api_key: str = "k",
) -> openai.AsyncOpenAI:
    """The openai SDK client over ``answer`` (or over ``http_client``, given instead), SDK retries off."""
    if (answer is None) == (http_client is None):
        raise TypeError("give either answer or http_client")
    http = mock_http_client(answer) if answer is not None else http_client
    return openai.AsyncOpenAI(base_url=base_url, api_key=api_key, http_client=http, max_retries=0)

"""How many tokens a request holds, counted offline, and how many the model can take.

The default counter is an estimate, not a tokenizer: three characters a token.
OpenAI's tokenizers average about four characters a token on English prose and
fewer on JSON full of numbers, ids and punctuation, which is what tool results
mostly are; so the estimate errs high, by about a third on prose, and requests
stay under the window. A tokenizer of the user's own (``tiktoken``'s ``encode``,
wrapped to return a length) can be given instead as ``token_counter``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ContextBudget", "TokenCounter", "estimate_tokens"]

TokenCounter = Callable[[str], int]
"""Tokens in a piece of text; any tokenizer wrapped as ``lambda text: len(encode(text))``."""

CHARS_PER_TOKEN = 3
"""The default estimate's ratio; see the module docstring for how it compares with tokenizers."""
MESSAGE_OVERHEAD = 4
"""Tokens each message costs beyond its text (role and separators), as OpenAI counts them."""
IMAGE_TOKENS = 800
"""What an image part is counted as: a high-detail 512 px tile and its base cost, rounded up."""


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is, without a tokenizer (see the module docstring)."""
    return len(text) // CHARS_PER_TOKEN + 1


@dataclass(frozen=True, slots=True)
class ContextBudget:
    """The tokens one request may hold: the model's window less room for its answer."""

    context_window: int
    reserve: int
    """Tokens kept free for the answer (the model's ``max_output_tokens``, at most half the window)."""
    counter: TokenCounter = estimate_tokens

    @classmethod
    def for_window(
        cls, context_window: int, max_output_tokens: int, counter: TokenCounter | None = None
    ) -> ContextBudget:
        reserve = min(max_output_tokens, context_window // 2)
        return cls(context_window, reserve, counter or estimate_tokens)

    @property
    def limit(self) -> int:
        """Tokens of messages and tools one request may send."""
        return self.context_window - self.reserve

    def message_tokens(self, message: Mapping[str, Any]) -> int:
        """Tokens of one message in OpenAI chat format."""
        count = self.counter
        tokens = MESSAGE_OVERHEAD
        content = message.get("content")
        if isinstance(content, str):
            tokens += count(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "text":
                    tokens += count(str(part.get("text", "")))
                else:
                    tokens += IMAGE_TOKENS
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            tokens += count(str(function.get("name", ""))) + count(str(function.get("arguments", ""))) + 3
        return tokens

    def remembering(self) -> Callable[[Mapping[str, Any]], int]:
        """:meth:`message_tokens`, remembering each message's count for the life of the returned function.

        A run's history only grows (its messages are never changed), so each message
        is counted once per run rather than once per request.
        """
        known: dict[int, tuple[Mapping[str, Any], int]] = {}

        def count(message: Mapping[str, Any]) -> int:
            entry = known.get(id(message))
            if entry is not None and entry[0] is message:
                return entry[1]
            tokens = self.message_tokens(message)
            known[id(message)] = (message, tokens)
            return tokens

        return count

    def messages_tokens(self, messages: Sequence[Mapping[str, Any]]) -> int:
        return sum(self.message_tokens(m) for m in messages)

    def tools_tokens(self, tools: Sequence[Mapping[str, Any]]) -> int:
        """Tokens of the ``tools`` list, counted on each tool's JSON."""
        return sum(self.counter(json.dumps(tool)) + 1 for tool in tools) + 2 if tools else 0

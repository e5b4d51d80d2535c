"""What each model behind Argo accepts and refuses, in one table.

A profile is found by Argo id or alias (``gpt4o``, ``argo:gpt-4o`` and
``gpt-4o-2024-08-06`` find the same one), first among the user's overrides,
then in the table below, then by family, so an unknown model still gets
sensible defaults.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from argo_mcp_client._models.aliases import ModelFamily, canonical_model, model_family

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ARGO_TOOLS_PAYLOAD_LIMIT", "KNOWN_PROFILES", "ModelProfile", "ProfileBook", "profile_for"]

logger = logging.getLogger("argo_mcp_client")

ARGO_TOOLS_PAYLOAD_LIMIT = 40_000
"""Bytes of the ``tools`` list Argo's gateway accepts in one request (observed, about 40 KB)."""


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """What one model accepts and refuses, and what it can hold.

    Example:
        ```python
        from argo_mcp_client import ArgoMCPClient, ModelProfile

        local = ModelProfile(family="other", context_window=32_000)
        client = ArgoMCPClient(model_profiles={"mylocal*": local})
        ```
    """

    family: ModelFamily = "other"
    aliases: tuple[str, ...] = ()
    """Other names of the model (proxy aliases); matched as the Argo id is."""
    context_window: int = 128_000
    """Tokens of input and output together."""
    max_output_tokens: int = 16_384
    vision: bool = False
    """Accepts image parts in user messages."""
    native_tools: bool = True
    """Calls tools reliably through ``tools``; ``False`` describes them in the prompt instead."""
    parallel_calls_in_history: bool = True
    """Accepts an assistant message with several tool calls in the history."""
    strict_tools: bool = False
    """Takes ``strict: true`` function schemas."""
    reasoning: bool = False
    """A reasoning model: only the default temperature, and ``max_completion_tokens``."""
    exclusive_temperature_top_p: bool = False
    """Refuses ``temperature`` and ``top_p`` in the same request."""
    tool_choice_object: bool = False
    """Refuses a string ``tool_choice``; needs the object form (Claude behind a gateway that passes
    requests through unconverted; learned from the first refusal)."""
    tools_payload_limit: int | None = None
    """Bytes of the ``tools`` list the gateway accepts; ``None`` for no known limit."""
    input_price: float | None = None
    """USD per million input tokens, where known."""
    output_price: float | None = None
    """USD per million output tokens, where known."""
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    learned: tuple[str, ...] = field(default=(), compare=False)
    """Facts amended at run time from what the gateway refused (for logs and docs)."""
    json_schema_output: bool = False
    """Takes ``response_format`` with a JSON schema; typed runs use a ``final_answer`` tool otherwise."""


def _gpt(**overrides: object) -> ModelProfile:
    base = ModelProfile(
        family="openai",
        strict_tools=True,
        tools_payload_limit=ARGO_TOOLS_PAYLOAD_LIMIT,
        vision=True,
        json_schema_output=True,
    )
    return _replace(base, overrides)


def _claude(**overrides: object) -> ModelProfile:
    base = ModelProfile(
        family="anthropic",
        context_window=200_000,
        max_output_tokens=21_000,
        vision=True,
        exclusive_temperature_top_p=True,
        tools_payload_limit=ARGO_TOOLS_PAYLOAD_LIMIT,
    )
    return _replace(base, overrides)


def _gemini(**overrides: object) -> ModelProfile:
    base = ModelProfile(
        family="google",
        context_window=1_048_576,
        max_output_tokens=65_536,
        vision=True,
        parallel_calls_in_history=False,
        tools_payload_limit=ARGO_TOOLS_PAYLOAD_LIMIT,
    )
    return _replace(base, overrides)


def _replace(profile: ModelProfile, overrides: Mapping[str, object]) -> ModelProfile:
    return replace(profile, **overrides)  # type: ignore[arg-type]


# Prices are the vendors' public list prices in USD per million input and output tokens
# (Argo itself does not bill its users): they make ``RunResult.cost`` comparable across
# models, not an invoice. Override them with the client's ``prices`` or ``model_profiles``.
KNOWN_PROFILES: dict[str, ModelProfile] = {
    "gpt35": _gpt(
        context_window=16_385,
        max_output_tokens=4_096,
        vision=False,
        strict_tools=False,
        input_price=0.5,
        output_price=1.5,
    ),
    "gpt4": _gpt(
        context_window=8_192,
        max_output_tokens=8_192,
        vision=False,
        strict_tools=False,
        input_price=30,
        output_price=60,
    ),
    "gpt4turbo": _gpt(max_output_tokens=4_096, strict_tools=False, input_price=10, output_price=30),
    "gpt4o": _gpt(max_output_tokens=16_384, input_price=2.5, output_price=10),
    "gpt4olatest": _gpt(max_output_tokens=16_384, input_price=5, output_price=15),
    "gpt41": _gpt(context_window=1_047_576, max_output_tokens=32_768, input_price=2, output_price=8),
    "gpt41mini": _gpt(context_window=1_047_576, max_output_tokens=32_768, input_price=0.4, output_price=1.6),
    "gpt41nano": _gpt(context_window=1_047_576, max_output_tokens=32_768, input_price=0.1, output_price=0.4),
    "gpto1": _gpt(
        context_window=200_000, max_output_tokens=100_000, reasoning=True, input_price=15, output_price=60
    ),
    "gpto3": _gpt(
        context_window=200_000, max_output_tokens=100_000, reasoning=True, input_price=2, output_price=8
    ),
    "gpto3mini": _gpt(
        context_window=200_000,
        max_output_tokens=100_000,
        reasoning=True,
        vision=False,
        input_price=1.1,
        output_price=4.4,
    ),
    "gpto4mini": _gpt(
        context_window=200_000, max_output_tokens=100_000, reasoning=True, input_price=1.1, output_price=4.4
    ),
    "gpt5": _gpt(
        context_window=400_000, max_output_tokens=128_000, reasoning=True, input_price=1.25, output_price=10
    ),
    "gpt5mini": _gpt(
        context_window=400_000, max_output_tokens=128_000, reasoning=True, input_price=0.25, output_price=2
    ),
    "gpt5nano": _gpt(
        context_window=400_000, max_output_tokens=128_000, reasoning=True, input_price=0.05, output_price=0.4
    ),
    "gpt51": _gpt(
        context_window=400_000, max_output_tokens=128_000, reasoning=True, input_price=1.25, output_price=10
    ),
    "gpt54nano": _gpt(context_window=400_000, max_output_tokens=128_000, reasoning=True),
    "claudeopus4": _claude(max_output_tokens=32_000, input_price=15, output_price=75),
    "claudeopus41": _claude(max_output_tokens=32_000, input_price=15, output_price=75),
    "claudeopus45": _claude(input_price=5, output_price=25),
    "claudesonnet45": _claude(input_price=3, output_price=15),
    "claudesonnet4": _claude(input_price=3, output_price=15),
    "claudesonnet37": _claude(exclusive_temperature_top_p=False, input_price=3, output_price=15),
    "claudehaiku45": _claude(input_price=1, output_price=5),
    "gemini25pro": _gemini(input_price=1.25, output_price=10),
    "gemini25flash": _gemini(input_price=0.3, output_price=2.5),
    "gemini25flashlite": _gemini(input_price=0.1, output_price=0.4),
}
"""The models this library knows, by Argo id."""

_FAMILY_DEFAULTS: dict[ModelFamily, ModelProfile] = {
    "openai": _gpt(),
    "anthropic": _claude(),
    "google": _gemini(),
    "other": ModelProfile(),
}


def profile_for(model: str, overrides: Mapping[str, ModelProfile] | None = None) -> ModelProfile:
    """The profile of ``model``.

    The user's override (by Argo id, alias or glob pattern) wins, then the table's
    entry, then the defaults of the model's family.

    Example:
        >>> profile_for("argo:gpt-4o") == profile_for("gpt4o")
        True
        >>> profile_for("gemini25flash").parallel_calls_in_history
        False
    """
    argo_id = canonical_model(model)
    for key, profile in (overrides or {}).items():
        names = (key, *profile.aliases)
        if any(canonical_model(name) == argo_id or fnmatch.fnmatch(model, name) for name in names):
            return profile
    known = KNOWN_PROFILES.get(argo_id)
    if known is not None:
        return known
    return _FAMILY_DEFAULTS[model_family(model)]


class ProfileBook:
    """The profiles in use by one client: the table, the user's overrides, and what was learned.

    What the gateway teaches at run time (a refusal that names a quirk) amends the
    model's profile for the life of the client; each amendment is logged once.
    """

    def __init__(self, overrides: Mapping[str, ModelProfile] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._learned: dict[str, ModelProfile] = {}
        self._said: set[tuple[str, str]] = set()

    def profile(self, model: str) -> ModelProfile:
        """The profile ``model`` is sent with now, learned facts included."""
        key = canonical_model(model)
        learned = self._learned.get(key)
        return learned if learned is not None else profile_for(model, self._overrides)

    def amend(self, model: str, reason: str, **facts: object) -> bool:
        """Change facts of ``model``'s profile for the rest of the client's life; ``True`` if any changed.

        Logged once per model and fact, with ``reason``.
        """
        current = self.profile(model)
        changed = {name: value for name, value in facts.items() if getattr(current, name) != value}
        if not changed:
            return False
        notes = tuple(f"{name}={value!r}: {reason}" for name, value in changed.items())
        amended = _replace(current, {**changed, "learned": current.learned + notes})
        self._learned[canonical_model(model)] = amended
        for name, value in changed.items():
            self.say_once(model, name, "model %r: %s; %s=%r from now on", model, reason, name, value)
        return True

    def say_once(self, model: str, topic: str, message: str, *args: object) -> None:
        """Log a warning about ``model`` the first time ``topic`` comes up for it."""
        key = (canonical_model(model), topic)
        if key in self._said:
            return
        self._said.add(key)
        logger.warning(message, *args)

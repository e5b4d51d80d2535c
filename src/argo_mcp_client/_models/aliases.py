"""Argo model names: ids (``gpt4o``) and the aliases proxies add (``argo:gpt-4o``) are one model.

argo-proxy lists models as ``argo:<display name>`` and resolves bare ids too; the
gateway's replies name the upstream model (``gpt-4o-2024-08-06``). All of them
reduce here to the Argo id, so a model keeps one circuit breaker whatever it is
called, and a reply from a different model can be noticed.
"""

from __future__ import annotations

import re
from typing import Literal

ModelFamily = Literal["openai", "anthropic", "google", "other"]

_PREFIX = re.compile(r"^(argo[:/])")
_DATE_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")
# "claude-4.5-sonnet" (argo-proxy's alias) and "claude-sonnet-4-5" (Anthropic's
# own name) both mean the Argo id "claudesonnet45".
_CLAUDE_VERSION_FIRST = re.compile(r"^claude-(\d+(?:[.-]\d+)?)-(opus|sonnet|haiku)$")
_CLAUDE_FAMILY_FIRST = re.compile(r"^claude-(opus|sonnet|haiku)-(\d+(?:[.-]\d+)?)$")
# OpenAI's reasoning models are "o3-mini" to users and "gpto3mini" to Argo.
_REASONING = re.compile(r"^o\d")


def canonical_model(name: str) -> str:
    """The Argo id a model name stands for (or a normalised form of an unknown name).

    Example:
        >>> [canonical_model(n) for n in ("argo:gpt-4o", "gpt4o", "GPT-4o", "gpt-4o-2024-08-06")]
        ['gpt4o', 'gpt4o', 'gpt4o', 'gpt4o']
        >>> canonical_model("argo:claude-4.5-sonnet") == canonical_model("claude-sonnet-4-5-20250929")
        True
    """
    text = _PREFIX.sub("", name.strip().lower())
    text = _DATE_SUFFIX.sub("", text)
    if match := _CLAUDE_VERSION_FIRST.match(text):
        version, family = match.groups()
        text = f"claude{family}{version}"
    elif match := _CLAUDE_FAMILY_FIRST.match(text):
        family, version = match.groups()
        text = f"claude{family}{version}"
    elif _REASONING.match(text):
        text = "gpt" + text
    return re.sub(r"[^a-z0-9]", "", text)


def model_family(name: str) -> ModelFamily:
    """Which vendor's model a name stands for, as far as the name tells."""
    model = canonical_model(name)
    if model.startswith("claude"):
        return "anthropic"
    if model.startswith("gemini"):
        return "google"
    if model.startswith("gpt"):
        return "openai"
    return "other"


def same_model(a: str, b: str) -> bool:
    """Whether two names stand for the same model."""
    return canonical_model(a) == canonical_model(b)

"""Tool names the model sees, unique across servers and valid for every backend.

The strictest backend (Gemini) wants ``^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$``. Names
are chosen in three steps, each only when the previous one is not enough:

1. the tool's own name, when no other server offers a tool of that name;
2. ``server__tool`` when two servers do;
3. invalid characters replaced by ``_``, and a name still too long cut short
   and given a hash of ``server/tool``, so it stays unique and stable.

A name changed in step 3 that still meets another gets the hash too. The
caller keeps the mapping back to ``(server, tool)``, so calls are exact.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_NAME_LENGTH = 64
VALID_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")
_INVALID_CHAR = re.compile(r"[^a-zA-Z0-9_-]")
_HASH_LENGTH = 8

ToolKey = tuple[str, str]
"""``(server, tool)`` as the server knows it."""


def assign_names(keys: Sequence[ToolKey]) -> dict[ToolKey, str]:
    """Give each ``(server, tool)`` a model-facing name; order decides nothing but ties.

    Example:
        >>> assign_names([("a", "search"), ("b", "search"), ("b", "fetch")])
        {('a', 'search'): 'a__search', ('b', 'search'): 'b__search', ('b', 'fetch'): 'fetch'}
    """
    unique_keys = list(dict.fromkeys(keys))
    per_tool = Counter(tool for _, tool in unique_keys)
    names: dict[ToolKey, str] = {}
    altered: set[ToolKey] = set()
    for key in unique_keys:
        server, tool = key
        wanted = tool if per_tool[tool] == 1 else f"{server}__{tool}"
        name = _make_valid(wanted, key)
        if name != wanted:
            altered.add(key)
        names[key] = name

    taken = Counter(names.values())
    for key in unique_keys:
        if taken[names[key]] > 1 and key in altered:
            names[key] = _with_hash(_sanitize(names[key]), key)
    if len(set(names.values())) != len(names):  # pragma: no cover - needs a hash collision
        raise RuntimeError("tool names collide even after hashing; rename one of the servers")
    return names


def _make_valid(name: str, key: ToolKey) -> str:
    if VALID_NAME.match(name):
        return name
    cleaned = _sanitize(name)
    if len(cleaned) <= MAX_NAME_LENGTH:
        return cleaned
    return _with_hash(cleaned, key)


def _sanitize(name: str) -> str:
    cleaned = _INVALID_CHAR.sub("_", name)
    if not cleaned or not (cleaned[0].isascii() and (cleaned[0].isalpha() or cleaned[0] == "_")):
        cleaned = "_" + cleaned
    return cleaned


def _with_hash(name: str, key: ToolKey) -> str:
    digest = hashlib.sha1(f"{key[0]}/{key[1]}".encode(), usedforsecurity=False).hexdigest()[:_HASH_LENGTH]
    return f"{name[: MAX_NAME_LENGTH - _HASH_LENGTH - 1]}_{digest}"

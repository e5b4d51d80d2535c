"""JSON pointers, same-document ``$ref`` lookup and JSON value copying for the schema conversion.

Only same-document references are followed: ``#`` and ``#/json/pointer`` fragments, with
RFC 6901 escapes (``~0``, ``~1``) and URI percent-encoding decoded. Anything else
(``other.json#/x``, ``#anchor``, ``https://...``) is left to the caller to report: fetching
documents named by an untrusted server would be I/O on its behalf, and ``$id``/``$anchor``
bookkeeping is not worth its cost for tool schemas, which almost never use it.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import unquote

__all__ = ["MISSING", "At", "Missing", "copy_json", "join", "last_token", "local_pointer", "resolve"]


class Missing(enum.Enum):
    """Sentinel type: a lookup found nothing, or a value is not plain JSON."""

    MISSING = enum.auto()


MISSING: Final = Missing.MISSING

# Deeper JSON values (defaults, enums) are refused rather than copied, so a hostile
# server cannot exhaust the interpreter stack with a million nested lists.
_MAX_VALUE_DEPTH: Final = 64
_BAD_ESCAPE: Final = re.compile(r"~(?![01])")
_INDEX: Final = re.compile(r"0|[1-9][0-9]*")
_EXACT_SCALARS: Final = frozenset({str, int, bool})


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str) -> str:
    """``pointer`` extended by ``tokens``, each escaped as RFC 6901 requires."""
    for token in tokens:
        pointer = f"{pointer}/{_escape(token)}"
    return pointer


def _tokens(pointer: str) -> list[str]:
    return [_unescape(token) for token in pointer.split("/")[1:]]


def last_token(pointer: str) -> str:
    """The final reference token of ``pointer`` (unescaped), or ``""`` for the root."""
    tokens = _tokens(pointer)
    return tokens[-1] if tokens else ""


class At:
    """Where a subschema sits: input pointer, output nesting depth, refs being expanded.

    The pointer is only spelled out when a change is noted there, which is rare:
    building it for every node was a good part of a conversion's time.
    """

    __slots__ = ("_parent", "_path", "_tokens", "depth", "stack")

    def __init__(
        self,
        path: str | None,
        depth: int,
        stack: tuple[str, ...],
        parent: At | None = None,
        tokens: tuple[str, ...] = (),
    ) -> None:
        self._path = path
        self._parent = parent
        self._tokens = tokens
        self.depth = depth
        self.stack = stack

    @property
    def path(self) -> str:
        if self._path is None:
            assert self._parent is not None
            self._path = join(self._parent.path, *self._tokens)
        return self._path

    def down(self, *tokens: str, levels: int = 1) -> At:
        return At(None, self.depth + levels, self.stack, self, tokens)


def local_pointer(ref: str) -> str | None:
    """The canonical JSON pointer a same-document ``$ref`` names, or None for any other ref."""
    if not ref.startswith("#"):
        return None
    fragment = unquote(ref[1:])
    if not fragment:
        return ""
    if not fragment.startswith("/") or _BAD_ESCAPE.search(fragment):
        return None
    if "~" not in fragment:
        # Without escapes, splitting and re-joining gives the fragment back.
        return fragment
    # Decoding and re-encoding makes two spellings of one target compare equal, which
    # cycle detection relies on.
    return join("", *_tokens(fragment))


def resolve(document: object, pointer: str) -> Any:
    """The value at ``pointer`` inside ``document``, or MISSING."""
    node: Any = document
    for token in _tokens(pointer):
        if type(node) is dict or isinstance(node, Mapping):
            if token not in node:
                return MISSING
            node = node[token]
        elif isinstance(node, list | tuple) and _INDEX.fullmatch(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


def copy_json(value: object, depth: int = 0) -> Any:
    """A fresh copy of ``value`` built from plain JSON types, or MISSING if it holds anything else.

    Non-finite floats count as non-JSON: ``json.dumps`` would emit ``NaN``, which strict
    parsers on the backends reject.
    """
    # Exact JSON types first: they are almost every value, and copying one returns it.
    if value is None or type(value) in _EXACT_SCALARS:
        return value
    if type(value) is list and depth < _MAX_VALUE_DEPTH:
        items = [copy_json(item, depth + 1) for item in value]
        return MISSING if MISSING in items else items
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else MISSING
    if depth >= _MAX_VALUE_DEPTH:
        return MISSING
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            return MISSING
        mapping = {str(key): copy_json(item, depth + 1) for key, item in value.items()}
        return MISSING if any(item is MISSING for item in mapping.values()) else mapping
    if isinstance(value, list | tuple):
        items = [copy_json(item, depth + 1) for item in value]
        return MISSING if any(item is MISSING for item in items) else items
    return MISSING

"""Keyword tables, and the rules of ``walk`` that need no traversal state.

Everything here works on single keyword values or on already converted schemas; the
traversal, ref handling and reporting live in ``walk``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from argo_mcp_client._mcp.schema.refs import MISSING, copy_json, join

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "NULL_KEYS",
    "OUTPUT_ORDER",
    "STRUCTURAL",
    "TYPES",
    "TYPE_KEYS",
    "UNSUPPORTED",
    "VALUE_CHECKS",
    "is_null",
    "is_raw_null",
    "merge",
    "merges",
    "ordered",
    "short",
    "trim",
    "truncate",
]

TYPES: Final = ("string", "number", "integer", "boolean", "object", "array", "null")
_NUMBER_KEYS: Final = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf")
_COUNT_KEYS: Final = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
TYPE_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "object": ("properties", "required", "additionalProperties", "minProperties", "maxProperties"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
    "string": ("minLength", "maxLength", "pattern"),
    "number": _NUMBER_KEYS,
    "integer": _NUMBER_KEYS,
}
STRUCTURAL: Final = frozenset(
    {"$ref", "type", "const", "nullable", "properties", "required", "additionalProperties", "items"}
    | {"prefixItems", "additionalItems", "anyOf", "oneOf", "allOf", "$defs", "definitions"}
)
UNSUPPORTED: Final = frozenset(
    {"not", "if", "then", "else", "patternProperties", "propertyNames", "dependentRequired"}
    | {"dependentSchemas", "dependencies", "unevaluatedProperties", "unevaluatedItems", "contains"}
    | {"minContains", "maxContains", "$dynamicRef", "$recursiveRef"}
)
OUTPUT_ORDER: Final = (
    *("type", "description", "enum", "format", "pattern", "minLength", "maxLength", *_NUMBER_KEYS),
    *("properties", "required", "additionalProperties", "minProperties", "maxProperties"),
    *("items", "minItems", "maxItems", "uniqueItems", "anyOf", "default"),
)
# Disagreeing values of these are wording, not constraints: the winner is not a conflict.
_OVERRIDABLE: Final = frozenset({"description", "default"})
# A raw {"type": "null"} with nothing but these keys converts to a bare null schema.
NULL_KEYS: Final = frozenset({"type", "description", "title"})
_BARE_NULL_KEYS: Final = frozenset({"type", "description"})


def short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in a visible marker when cut."""
    if len(text) <= limit:
        return text
    # Sized for the largest possible count, so the result never exceeds the limit and a
    # second pass leaves it alone.
    room = limit - len(f" … [truncated {len(text)} chars]")
    if room <= 0:
        return text[:limit]
    head = text[:room].rstrip()
    return f"{head} … [truncated {len(text) - len(head)} chars]"


def _text(value: object) -> Any:
    return str(value) if isinstance(value, str) else MISSING


def _pattern(value: object) -> Any:
    # Validators compile `pattern` with Python's re; one that warns would fail there
    # under -W error, so it counts as invalid.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return str(re.compile(value).pattern) if isinstance(value, str) else MISSING
        except (re.error, Warning, RecursionError, OverflowError, ValueError):
            return MISSING


def _enum(value: object) -> Any:
    return copy_json(value) if isinstance(value, list) and value else MISSING


def _flag(value: object) -> Any:
    return value if isinstance(value, bool) else MISSING


def _number(value: object) -> Any:
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MISSING
    return copy_json(value)  # MISSING for NaN and infinities


def _count(value: object) -> Any:
    if type(value) is int:
        return value if value >= 0 else MISSING
    number = _number(value)
    return int(number) if number is not MISSING and number >= 0 and number == int(number) else MISSING


def _step(value: object) -> Any:
    number = _number(value)
    return MISSING if number is not MISSING and number <= 0 else number


VALUE_CHECKS: Final[Mapping[str, Callable[[object], Any]]] = {
    "description": _text,
    "format": _text,
    "pattern": _pattern,
    "enum": _enum,
    "default": copy_json,
    "uniqueItems": _flag,
    **dict.fromkeys(_NUMBER_KEYS, _number),
    **dict.fromkeys(_COUNT_KEYS, _count),
    "multipleOf": _step,
}
"""Per keyword that is kept as it is: a fresh copy of a valid value, or MISSING."""


def is_null(schema: Mapping[str, Any]) -> bool:
    """Whether a converted schema is a bare ``{"type": "null"}`` (a description aside)."""
    return schema.get("type") == "null" and schema.keys() <= _BARE_NULL_KEYS


def is_raw_null(schema: object) -> bool:
    """Whether a raw schema is sure to convert to one that :func:`is_null` accepts."""
    if type(schema) is not dict and not isinstance(schema, Mapping):
        return False
    return schema.get("type") == "null" and schema.keys() <= NULL_KEYS


def merges(members: Sequence[Any]) -> bool:
    """Whether raw ``anyOf`` members are sure to leave at most one non-null alternative."""
    return sum(not is_raw_null(member) and member is not False for member in members) <= 1


def ordered(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {key: schema[key] for key in OUTPUT_ORDER if key in schema}


def merge(base: Mapping[str, Any], over: Mapping[str, Any], conflicts: list[str]) -> dict[str, Any]:
    """Both schemas at once; where they disagree ``over`` wins and the keyword joins ``conflicts``."""
    out = dict(base)
    for key, value in over.items():
        old = out.get(key, MISSING)
        if old is MISSING or old == value:
            out[key] = value
        elif key == "properties":
            out[key] = {
                **old,
                **{n: merge(old[n], s, conflicts) if n in old else s for n, s in value.items()},
            }
        elif key == "required":
            out[key] = [*old, *(name for name in value if name not in old)]
        elif key in ("items", "additionalProperties") and isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge(old, value, conflicts)
        else:
            if key not in _OVERRIDABLE and key not in conflicts:
                conflicts.append(key)
            out[key] = value
    return ordered(out)


def size(schema: object) -> int:
    """Non-empty subschemas in converted ``schema``, itself included."""
    if not isinstance(schema, dict) or not schema:
        return 0
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", ())]
    return 1 + sum(map(size, [*children, schema.get("items"), schema.get("additionalProperties")]))


def trim(root: dict[str, Any], max_nodes: int) -> tuple[dict[str, Any], list[str]]:
    """``root`` cut to ``max_nodes`` non-empty subschemas, and the pointers of what was cut.

    Expansion stops at the same budget, but schemas created by type-list splits and
    tuples are not visits, so the output can hold more. Replacing whole direct children
    of the root by ``{}`` keeps every rule's result intact below them, which is what lets
    a second conversion find nothing to do.
    """
    if size(root) <= max_nodes:
        return root, []
    room, trimmed = max_nodes - 1, []
    out = {**root, "properties": dict(root["properties"])}
    slots = [(out["properties"], name, join("", "properties", name)) for name in root["properties"]]
    extra = [key for key in ("additionalProperties", "items") if isinstance(root.get(key), dict)]
    for holder, key, where in [*slots, *((out, key, "/" + key) for key in extra)]:
        if (count := size(holder[key])) <= room:
            room -= count
        else:
            holder[key] = {}
            trimmed.append(where)
    return out, trimmed

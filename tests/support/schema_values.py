"""Hypothesis strategies for values of a JSON Schema: a small generator for the argument-equivalence probe.

Covers what tool schemas use: ``type`` (one or a list), ``enum``/``const``, ``properties``
and ``required`` (objects closed to what they declare, optional properties present or
not), ``additionalProperties`` schemas (maps), ``items``/``prefixItems``, ``anyOf``/
``oneOf`` (one alternative), ``allOf`` (the first member, then filtered), local ``$ref``,
numeric bounds, string length, ``pattern`` and item counts. Keywords it does not follow
are left to the caller's validity filter (every drawn value is checked against the schema).
(hypothesis-jsonschema installs here but does not run on this hypothesis version.)
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["values_of"]

_JSON_SCALARS = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)


def values_of(schema: Any, root: Any = None, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values ``schema`` may accept (mostly; filter with a validator)."""
    root = schema if root is None else root
    if schema is True or schema == {} or depth > 6:
        return _JSON_SCALARS
    if not isinstance(schema, dict):
        return _JSON_SCALARS
    if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#"):
        target: Any = root
        for token in schema["$ref"][1:].split("/")[1:]:
            target = (
                target.get(token.replace("~1", "/").replace("~0", "~"), {})
                if isinstance(target, dict)
                else {}
            )
        return values_of({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, root, depth + 1)
    if "const" in schema:
        return st.just(schema["const"])
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            rest = {k: v for k, v in schema.items() if k != key}
            return st.one_of(
                [values_of({**rest, **b} if isinstance(b, dict) else b, root, depth + 1) for b in schema[key]]
            )
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        first = schema["allOf"][0] if isinstance(schema["allOf"][0], dict) else {}
        return values_of({**first, **rest}, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        return (
            st.one_of([values_of({**schema, "type": k}, root, depth) for k in kind])
            if kind
            else _JSON_SCALARS
        )
    if kind is None:
        if "properties" in schema:
            kind = "object"
        elif "items" in schema:
            kind = "array"
        else:
            return _JSON_SCALARS
    return _typed(kind, schema, root, depth)


def _typed(kind: str, schema: dict[str, Any], root: Any, depth: int) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        low = low if isinstance(low, int | float) else -10_000
        high = high if isinstance(high, int | float) else 10_000
        if kind == "integer":
            return st.integers(int(-(-low // 1)), int(high // 1))
        return st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(
            int(-(-low // 1)), int(high // 1)
        )
    if kind == "string":
        if isinstance(schema.get("pattern"), str):
            return st.from_regex(schema["pattern"], fullmatch=False)
        low = _count(schema, "minLength", 0)
        high = _count(schema, "maxLength", low + 12)
        return st.text(min_size=low, max_size=max(low, high))
    if kind == "array":
        items = schema.get("items", {})
        low = _count(schema, "minItems", 0)
        high = _count(schema, "maxItems", low + 3)
        if isinstance(schema.get("prefixItems"), list):
            return st.tuples(*(values_of(s, root, depth + 1) for s in schema["prefixItems"])).map(list)
        return st.lists(
            values_of(items, root, depth + 1), min_size=low, max_size=max(low, min(high, low + 3))
        )
    if kind == "object":
        found = schema.get("properties")
        properties: dict[str, Any] = found if isinstance(found, dict) else {}
        required = (
            [n for n in schema.get("required", []) if n in properties]
            if isinstance(schema.get("required"), list)
            else []
        )
        optional = {n: values_of(s, root, depth + 1) for n, s in properties.items() if n not in required}
        fixed = st.fixed_dictionaries(
            {n: values_of(properties[n], root, depth + 1) for n in required}, optional=optional
        )
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not properties:
            return st.dictionaries(
                st.text(min_size=1, max_size=6), values_of(extra, root, depth + 1), max_size=3
            )
        return fixed
    return _JSON_SCALARS


def _count(schema: dict[str, Any], key: str, default: int) -> int:
    value = schema.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default

"""Property-based checks of ``convert_schema`` on random, often malformed, JSON-Schema-like input.

The generator mixes real keywords, ``$ref`` s into ``$defs`` that may refer to each other
(cycles included), type lists, ``const``, tuples, booleans, junk values and junk keys.
Each example runs under the default limits or under tiny ones; tiny ones are where
the depth, size and truncation rules meet the normalisation rules. The invariants share
two tests because drawing examples, not converting them, is what costs time.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from argo_mcp_client._mcp.schema.convert import SchemaLimits, convert_schema

TINY = SchemaLimits(max_depth=3, max_nodes=12, max_description_chars=24)
MINIMAL = SchemaLimits(max_depth=1, max_nodes=3, max_description_chars=5)
LIMITS = st.sampled_from([SchemaLimits(), TINY, MINIMAL])
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TYPE_NAMES = st.sampled_from(["string", "number", "integer", "boolean", "object", "array", "null"])
PROPERTY_NAMES = st.sampled_from(["a", "b", "c/d", "e~f"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=4)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
)
# Mostly refs that resolve (and so can form cycles through $defs), some that cannot.
REFS = st.sampled_from(
    ["#/$defs/A", "#/$defs/B", "#/$defs/C", "#/definitions/D", "#/%24defs/B"]
) | st.sampled_from(
    ["#/$defs/Missing", "#", "#/properties/a", "#/$defs/A/properties/a", "other.json#/x", "#anchor"]
)
JUNK = st.integers(-2, 2) | st.text(max_size=3) | st.lists(st.integers(), max_size=2) | st.none()
NULL = st.just({"type": "null"})


def _pairs(
    keywords: dict[str, st.SearchStrategy[Any]], max_size: int
) -> st.SearchStrategy[list[tuple[str, Any]]]:
    # A few (keyword, value) pairs: far cheaper to draw than many optional keys.
    return st.lists(
        st.one_of([st.tuples(st.just(key), value) for key, value in keywords.items()]), max_size=max_size
    )


def _schema_dicts(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Schemas built mostly from structural keywords, with a little junk on the side."""
    nullable = st.builds(
        lambda branches, first: [{"type": "null"}, *branches] if first else [*branches, {"type": "null"}],
        st.lists(children, min_size=1, max_size=2),
        st.booleans(),
    )
    core: dict[str, st.SearchStrategy[Any]] = {
        "$ref": REFS,
        "type": TYPE_NAMES | st.lists(TYPE_NAMES, min_size=1, max_size=3),
        "properties": st.dictionaries(PROPERTY_NAMES, children, max_size=3),
        "required": st.lists(PROPERTY_NAMES, max_size=3),
        "additionalProperties": children,
        "items": children,
        "prefixItems": st.lists(children, max_size=3),
        "anyOf": nullable | st.lists(children, min_size=1, max_size=3),
        "oneOf": nullable | st.lists(children, min_size=1, max_size=3),
        "allOf": st.lists(children, min_size=1, max_size=2),
        "const": JSON_VALUES,
        "description": st.text(max_size=40),
        "default": st.none() | JSON_VALUES,
    }
    numbers = st.integers(-5, 5) | st.floats(-5, 5) | st.booleans() | JUNK
    extra: dict[str, st.SearchStrategy[Any]] = {
        "$ref": JUNK,
        "type": st.just("bogus") | st.lists(TYPE_NAMES | JUNK, max_size=3) | JUNK,
        "properties": JUNK,
        "required": st.lists(PROPERTY_NAMES | JUNK, max_size=4) | JUNK,
        "items": st.lists(children, max_size=3),
        "additionalItems": children,
        "prefixItems": JUNK,
        "anyOf": JUNK | st.just([]),
        "allOf": JUNK,
        "enum": st.lists(JSON_VALUES, max_size=3) | JUNK,
        "nullable": st.booleans() | JUNK,
        "description": JUNK,
        "format": st.sampled_from(["uri", "date-time"]) | JUNK,
        "pattern": st.sampled_from(["^a+$", "[", "[[a]"]) | JUNK,
        "minLength": numbers,
        "maxItems": numbers,
        "minimum": numbers,
        "exclusiveMaximum": numbers,
        "multipleOf": numbers,
        "uniqueItems": st.booleans() | JUNK,
        "title": st.text(max_size=5),
        "examples": st.lists(JSON_VALUES, max_size=2),
        "x-order": st.integers(),
        "$schema": st.just("https://json-schema.org/draft/2020-12/schema"),
        "not": children,
        "patternProperties": st.dictionaries(st.just("^x"), children, max_size=1),
    }
    return st.builds(lambda main, side: dict(main + side), _pairs(core, 4), _pairs(extra, 2))


LEAVES: st.SearchStrategy[Any] = (
    st.fixed_dictionaries({"type": TYPE_NAMES})
    | st.fixed_dictionaries({"$ref": REFS})
    | st.fixed_dictionaries({"$ref": REFS, "description": st.text(max_size=5)})
    | NULL
    | st.booleans()
    | st.just({})
    | JUNK
)
SUBSCHEMAS = st.recursive(LEAVES, _schema_dicts, max_leaves=10)
DEFS = st.fixed_dictionaries({"A": SUBSCHEMAS, "B": SUBSCHEMAS}, optional={"C": SUBSCHEMAS})


@st.composite
def root_schemas(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 19)) == 0:
        return draw(st.none() | st.booleans() | JUNK)
    root: dict[Any, Any] = draw(_schema_dicts(SUBSCHEMAS))
    if draw(st.integers(0, 3)) > 0:
        root["$defs"] = draw(DEFS)
    if draw(st.integers(0, 3)) == 0:
        root["definitions"] = {"D": draw(SUBSCHEMAS)}
    if draw(st.integers(0, 19)) == 0:
        root[7] = "non-string key"
    return root


def _subschemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every schema position in converted output, ``schema`` itself first."""
    yield schema
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", ())]
    children += [
        value for key in ("items", "additionalProperties") if isinstance(value := schema.get(key), dict)
    ]
    for child in children:
        yield from _subschemas(child)


FORBIDDEN = {"$ref", "$defs", "definitions", "oneOf", "allOf", "prefixItems", "$schema", "nullable"}


@SETTINGS
@given(schema=root_schemas(), limits=LIMITS)
def test_output_is_valid_strict_json_schema_in_the_portable_subset(schema: Any, limits: SchemaLimits) -> None:
    out, _ = convert_schema(schema, limits=limits)
    Draft202012Validator.check_schema(out)
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["type"] == "object"
    assert isinstance(out["properties"], dict)
    assert not {"anyOf", "enum"} & set(out)
    for sub in _subschemas(out):
        assert not FORBIDDEN & set(sub)
        assert isinstance(sub.get("type", ""), str)
        assert len(sub.get("anyOf", [{}, {}])) >= 2
        if sub.get("type") == "array":
            assert "items" in sub
        assert set(sub.get("required", ())) <= set(sub.get("properties", ()))
        assert len(sub.get("description", "")) <= limits.max_description_chars


@SETTINGS
@given(schema=root_schemas(), limits=LIMITS)
def test_conversion_is_pure_deterministic_idempotent_and_fully_reported(
    schema: Any, limits: SchemaLimits
) -> None:
    before = copy.deepcopy(schema)
    out, report = convert_schema(schema, limits=limits)
    assert repr(schema) == repr(before), "input mutated"  # repr: NaN != NaN would defeat ==
    repeat, repeat_report = convert_schema(before, limits=limits)
    assert json.dumps(repeat) == json.dumps(out), "not deterministic (key order included)"
    assert repeat_report == report
    again, second_report = convert_schema(out, limits=limits)
    assert again == out, "not idempotent"
    assert not second_report.changed, str(second_report)
    if not report.changed:
        assert out == schema, "changed without a report"

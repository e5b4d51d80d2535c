"""The strict form of tool schemas, and the argument-equivalence probe of conversion per target.

The probe: arguments valid for a server's own schema must stay valid for what the model
is sent, nulls included; in the strict form, where an optional argument must be sent
(null standing for "omitted"), the arguments with those nulls filled in must be valid,
and dropping the added nulls must give back exactly what the server declared.

Arguments are generated from the server's schema (``support.schema_values``), with each
object closed to the properties it declares (a model is only ever told of those), and
kept only when the server's schema accepts them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from argo_mcp_client._mcp.schema.convert import SchemaTarget, convert_schema
from argo_mcp_client._mcp.schema.strict import NullPlan, strict_form, strip_added_nulls
from support.schema_values import values_of

FIXTURES = Path(__file__).parents[3] / "fixtures"
GEM_FLUX: dict[str, Any] = json.loads((FIXTURES / "gem_flux_input_schemas.json").read_text())
PUBLIC: dict[str, dict[str, Any]] = json.loads((FIXTURES / "public_tool_schemas.json").read_text())["servers"]
PUBLIC_TOOLS = {
    f"{server}.{name}": schema for server, tools in PUBLIC.items() for name, schema in tools.items()
}
KEEP = SchemaTarget(nulls="keep")


def closed(schema: Any) -> Any:
    """``schema`` with every object that declares properties closed to them (for generating only)."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def fill_nulls(arguments: Any, plan: NullPlan) -> Any:
    """What a strict model sends for ``arguments``: null for each optional argument left out."""
    if isinstance(arguments, dict):
        out = {**arguments, **{name: None for name in plan.added if name not in arguments}}
        for name, sub in plan.properties.items():
            if name in out:
                out[name] = fill_nulls(out[name], sub)
        return out
    if isinstance(arguments, list) and plan.items is not None:
        return [fill_nulls(item, plan.items) for item in arguments]
    return arguments


def probe(schema: dict[str, Any], data: st.DataObject) -> None:
    arguments = data.draw(values_of(closed(schema)))
    assume(Draft202012Validator(closed(schema)).is_valid(arguments))
    plain, _ = convert_schema(schema, target=KEEP)
    assert Draft202012Validator(plain).is_valid(arguments), (
        "valid for the server, refused by the model's schema"
    )
    strict, plan, _ = strict_form(plain)
    if strict is None:
        return
    sent = fill_nulls(arguments, plan)
    assert Draft202012Validator(strict).is_valid(sent), "valid for the server, refused by the strict schema"
    assert strip_added_nulls(copy.deepcopy(sent), plan) == arguments, "the server would not see its arguments"


PROBE = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("tool", sorted(GEM_FLUX))
@PROBE
@given(data=st.data())
def test_gem_flux_arguments_stay_valid_in_every_form(tool: str, data: st.DataObject) -> None:
    probe(GEM_FLUX[tool], data)


@pytest.mark.parametrize("tool", sorted(PUBLIC_TOOLS))
@PROBE
@given(data=st.data())
def test_public_tool_arguments_stay_valid_in_every_form(tool: str, data: st.DataObject) -> None:
    probe(PUBLIC_TOOLS[tool], data)


def test_optional_property_becomes_required_and_nullable() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer", "default": 50, "description": "B."}},
        "required": ["a"],
    }
    strict, plan, reason = strict_form(convert_schema(schema, target=KEEP)[0])
    assert reason == ""
    assert strict == {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"description": "B. Default: 50.", "anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    assert plan.added == {"b"}


def test_added_null_is_dropped_but_a_declared_null_is_kept() -> None:
    schema = {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
        "required": ["y"],
    }
    _, plan, _ = strict_form(convert_schema(schema, target=KEEP)[0])
    assert strip_added_nulls({"x": None, "y": None}, plan) == {"y": None}


def test_optional_property_where_null_and_omission_differ_keeps_the_tool_plain() -> None:
    # github-mcp-server issue_write: "pass null to remove the current type", or omit it to keep it.
    schema = {"type": "object", "properties": {"type": {"type": ["string", "null"]}}}
    strict, _, why = strict_form(convert_schema(schema, target=KEEP)[0])
    assert strict is None
    assert "differs from omitting" in why


def test_optional_property_with_default_null_is_strict_and_its_null_means_omitted() -> None:
    schema = {"type": "object", "properties": {"q": {"type": ["string", "null"], "default": None}}}
    strict, plan, _ = strict_form(convert_schema(schema, target=KEEP)[0])
    assert strict is not None
    assert strip_added_nulls({"q": None}, plan) == {}


def test_nested_objects_in_arrays_are_stripped_too() -> None:
    item = {
        "type": "object",
        "properties": {"k": {"type": "string"}, "v": {"type": "number"}},
        "required": ["k"],
    }
    schema = {
        "type": "object",
        "properties": {"rows": {"type": "array", "items": item}},
        "required": ["rows"],
    }
    _, plan, _ = strict_form(convert_schema(schema, target=KEEP)[0])
    assert strip_added_nulls({"rows": [{"k": "a", "v": None}]}, plan) == {"rows": [{"k": "a"}]}


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        (
            {
                "type": "object",
                "properties": {"m": {"type": "object", "additionalProperties": {"type": "number"}}},
            },
            "map",
        ),
        ({"type": "object", "properties": {"any": {}}}, "any type"),
        ({"type": "object", "properties": {"o": {"type": "object"}}}, "free-form"),
    ],
)
def test_schemas_outside_the_strict_subset_stay_plain(schema: dict[str, Any], reason: str) -> None:
    strict, plan, why = strict_form(convert_schema(schema, target=KEEP)[0])
    assert strict is None
    assert plan.empty
    assert reason in why


def test_most_gem_flux_tools_are_sent_strict() -> None:
    forms = [strict_form(convert_schema(schema, target=KEEP)[0])[0] for schema in GEM_FLUX.values()]
    assert sum(form is not None for form in forms) >= len(forms) // 2

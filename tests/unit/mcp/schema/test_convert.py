"""Behaviour of ``convert_schema`` and ``convert_description``, one rule per test, plus goldens.

Golden files live in ``tests/fixtures/schemas/``: the Gem-Flux server's real tool
schemas (``gem_flux/<tool>.input.json``) and schemas generated here from pydantic
models. Each ``<name>.expected.json`` holds the converted ``parameters`` and the report
as ``[path, action]`` pairs. After an intended change of the rules, rewrite them with

    UPDATE_GOLDENS=1 .venv/bin/pytest tests/unit/mcp/schema/test_convert.py -k golden

and review the diff; without the variable a difference fails the test.
"""

from __future__ import annotations

import copy
import enum
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field, TypeAdapter

from argo_mcp_client._mcp.schema.convert import (
    SchemaChange,
    SchemaLimits,
    SchemaReport,
    SchemaTarget,
    convert_description,
    convert_schema,
)

FIXTURES = Path(__file__).parents[3] / "fixtures" / "schemas"
GEM_FLUX_TOOLS = sorted(
    path.name.removesuffix(".input.json") for path in (FIXTURES / "gem_flux").glob("*.input.json")
)


def convert(schema: Any, **limits: int) -> tuple[dict[str, Any], SchemaReport]:
    """convert_schema, checking on the way what must hold for every output."""
    out, report = convert_schema(schema, limits=SchemaLimits(**limits))
    Draft202012Validator.check_schema(out)
    assert convert_schema(out, limits=SchemaLimits(**limits)) == (out, SchemaReport())
    return out, report


def actions(report: SchemaReport) -> list[tuple[str, str]]:
    return [(change.path, change.action) for change in report.changes]


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


# --- references ---------------------------------------------------------------------------


def test_ref_inlined_with_sibling_description() -> None:
    schema = {
        "type": "object",
        "properties": {"home": {"$ref": "#/$defs/Address", "description": "Where they live"}},
        "$defs": {
            "Address": {
                "type": "object",
                "description": "An address",
                "properties": {"city": {"type": "string"}},
            }
        },
    }
    out, report = convert(schema)
    assert out["properties"]["home"] == {
        "type": "object",
        "description": "Where they live",
        "properties": {"city": {"type": "string"}},
    }
    assert ("/properties/home", "inline-ref") in actions(report)


def test_defs_and_definitions_dropped_after_inlining() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/A"}, "b": {"$ref": "#/$defs/B"}},
        "definitions": {"A": {"type": "string"}},
        "$defs": {"B": {"type": "integer"}},
    }
    out, report = convert(schema)
    assert out == obj(a={"type": "string"}, b={"type": "integer"})
    assert {("/definitions", "drop-key"), ("/$defs", "drop-key")} <= set(actions(report))


def test_ref_json_pointer_escapes_and_percent_encoding_resolved() -> None:
    schema = {
        "type": "object",
        "properties": {
            "slash": {"$ref": "#/$defs/a~1b"},
            "tilde": {"$ref": "#/$defs/c~0d"},
            "space": {"$ref": "#/$defs/with%20space"},
            "index": {"$ref": "#/$defs/list/1"},
        },
        "$defs": {
            "a/b": {"type": "string"},
            "c~d": {"type": "integer"},
            "with space": {"type": "boolean"},
            "list": [{"type": "null"}, {"type": "number"}],
        },
    }
    out, _ = convert(schema)
    assert out["properties"] == {
        "slash": {"type": "string"},
        "tilde": {"type": "integer"},
        "space": {"type": "boolean"},
        "index": {"type": "number"},
    }


def test_ref_into_a_property_resolves_as_a_general_pointer() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", "minLength": 2}, "b": {"$ref": "#/properties/a"}},
    }
    out, _ = convert(schema)
    assert out["properties"]["b"] == {"type": "string", "minLength": 2}


def test_cycle_broken_and_reported() -> None:
    schema = {
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
            }
        },
    }
    out, report = convert(schema)
    assert out["properties"]["children"]["items"] == {
        "type": "object",
        "description": "<recursive Node, not expanded>",
    }
    assert ("/$defs/Node/properties/children/items", "break-cycle") in actions(report)


def test_mutual_recursion_expands_each_definition_once_per_path() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/A"}},
        "$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "array", "items": {"$ref": "#/$defs/A"}},
        },
    }
    out, report = convert(schema)
    assert out["properties"]["a"]["properties"]["b"] == {
        "type": "array",
        "items": {"type": "object", "description": "<recursive A, not expanded>"},
    }
    assert ("/$defs/B/items", "break-cycle") in actions(report)


def test_ref_to_root_is_a_cycle() -> None:
    out, report = convert({"type": "object", "properties": {"child": {"$ref": "#"}}})
    assert out["properties"]["child"] == {"type": "object", "description": "<recursive root, not expanded>"}
    assert actions(report) == [("/properties/child", "break-cycle")]


def test_cycle_stand_in_without_a_declared_type_is_permissive() -> None:
    schema = {
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/X"}},
        "$defs": {"X": {"anyOf": [{"$ref": "#/$defs/X"}, {"type": "string"}]}},
    }
    out, _ = convert(schema)
    assert out["properties"]["x"]["anyOf"][0] == {"description": "<recursive X, not expanded>"}


def test_remote_ref_becomes_empty_schema_and_reported() -> None:
    out, report = convert(obj(a={"$ref": "https://example.com/schema.json#/Thing", "description": "A thing"}))
    assert out["properties"]["a"] == {"description": "A thing"}
    assert actions(report) == [("/properties/a", "unresolved-ref")]


def test_dangling_local_ref_becomes_empty_schema_and_reported() -> None:
    out, report = convert(obj(a={"$ref": "#/$defs/Nowhere"}))
    assert out["properties"]["a"] == {}
    assert actions(report) == [("/properties/a", "unresolved-ref")]


def test_shared_definition_reports_its_own_changes_once() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/T"}, "b": {"$ref": "#/$defs/T"}},
        "$defs": {"T": {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}},
    }
    _, report = convert(schema)
    assert actions(report).count(("/$defs/T/properties/n", "collapse-nullable")) == 1


# --- nullable and combinators -------------------------------------------------------------


def test_nullable_any_of_collapses_and_keeps_outer_description() -> None:
    schema = obj(
        name={"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "description": "Optional name"}
    )
    out, report = convert(schema)
    assert out["properties"]["name"] == {"type": "string", "description": "Optional name", "maxLength": 5}
    assert actions(report) == [("/properties/name", "collapse-nullable")]


def test_nullable_collapse_drops_default_null_but_keeps_null_beside_other_defaults() -> None:
    out, _ = convert(
        obj(
            a={"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            b={"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 3},
        )
    )
    # b's default is not null, so omitting it is not the same as null: its null stays.
    assert out["properties"] == {
        "a": {"type": "string"},
        "b": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 3},
    }


def test_required_nullable_keeps_its_null_since_it_cannot_be_omitted() -> None:
    schema = {**obj(x={"anyOf": [{"type": "integer"}, {"type": "null"}]}), "required": ["x"]}
    out, report = convert(schema)
    assert out == {
        "type": "object",
        "properties": {"x": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
        "required": ["x"],
    }
    assert not report.changed


def test_any_of_with_several_non_null_branches_keeps_them() -> None:
    out, report = convert(obj(v={"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}))
    assert out["properties"]["v"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert actions(report) == [("/properties/v", "collapse-nullable")]


def test_any_of_of_only_nulls_becomes_null() -> None:
    out, _ = convert(obj(v={"anyOf": [{"type": "null"}, {"type": "null", "title": "Nothing"}]}))
    assert out["properties"]["v"] == {"type": "null"}


def test_one_of_becomes_any_of() -> None:
    out, report = convert(obj(v={"oneOf": [{"type": "string"}, {"type": "integer"}]}))
    assert out["properties"]["v"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert actions(report) == [("/properties/v", "one-of-to-any-of")]


def test_single_branch_any_of_merged_into_parent() -> None:
    out, report = convert(obj(v={"anyOf": [{"type": "string"}], "description": "d"}))
    assert out["properties"]["v"] == {"type": "string", "description": "d"}
    assert actions(report) == [("/properties/v", "merge-any-of")]


def test_single_all_of_ref_with_description_merged() -> None:
    schema = {
        "type": "object",
        "properties": {
            "c": {"allOf": [{"$ref": "#/$defs/Color"}], "description": "Paint colour", "default": "red"}
        },
        "$defs": {"Color": {"type": "string", "enum": ["red", "blue"], "description": "A colour"}},
    }
    out, _ = convert(schema)
    assert out["properties"]["c"] == {
        "type": "string",
        "description": "Paint colour",
        "enum": ["red", "blue"],
        "default": "red",
    }


def test_all_of_objects_merge_properties_and_required() -> None:
    schema = obj(
        v={
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
            ]
        }
    )
    out, report = convert(schema)
    assert out["properties"]["v"] == {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    }
    assert actions(report) == [("/properties/v", "merge-all-of")]


def test_all_of_member_may_require_a_property_of_another_member() -> None:
    schema = obj(v={"allOf": [{"properties": {"a": {"type": "string"}}}, {"required": ["a"]}]})
    out, _ = convert(schema)
    assert out["properties"]["v"]["required"] == ["a"]


def test_all_of_conflict_later_member_wins_and_is_named() -> None:
    out, report = convert(obj(v={"allOf": [{"type": "string"}, {"type": "integer"}]}))
    assert out["properties"]["v"] == {"type": "integer"}
    assert "type" in report.changes[0].detail


# --- types, const, arrays -----------------------------------------------------------------


def test_type_list_with_null_collapses_to_the_single_type() -> None:
    out, report = convert(obj(v={"type": ["string", "null"], "default": None}))
    assert out["properties"]["v"] == {"type": "string"}
    assert actions(report) == [("/properties/v", "collapse-nullable"), ("/properties/v", "drop-default-null")]


def test_multi_type_list_splits_keywords_by_type() -> None:
    schema = obj(
        v={
            "type": ["string", "array"],
            "description": "One or many",
            "minLength": 1,
            "items": {"type": "string"},
            "maxItems": 3,
        }
    )
    out, report = convert(schema)
    assert out["properties"]["v"] == {
        "description": "One or many",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        ],
    }
    assert actions(report) == [("/properties/v", "type-list-to-any-of")]


def test_const_becomes_single_value_enum() -> None:
    out, report = convert(obj(kind={"const": "circle", "type": "string"}))
    assert out["properties"]["kind"] == {"type": "string", "enum": ["circle"]}
    assert actions(report) == [("/properties/kind", "const-to-enum")]


def test_openapi_nullable_dropped() -> None:
    out, report = convert(obj(v={"type": "string", "nullable": True}))
    assert out["properties"]["v"] == {"type": "string"}
    assert actions(report) == [("/properties/v", "collapse-nullable")]


def test_prefix_items_of_identical_members_become_that_schema() -> None:
    out, report = convert(
        obj(
            p={
                "type": "array",
                "prefixItems": [{"type": "number"}, {"type": "number"}],
                "minItems": 2,
                "maxItems": 2,
            }
        )
    )
    assert out["properties"]["p"] == {
        "type": "array",
        "items": {"type": "number"},
        "minItems": 2,
        "maxItems": 2,
    }
    assert actions(report) == [("/properties/p", "prefix-items-to-items")]


def test_prefix_items_of_different_members_become_any_of() -> None:
    out, _ = convert(obj(p={"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}))
    assert out["properties"]["p"]["items"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}


def test_draft7_items_list_without_additional_items_caps_length() -> None:
    out, _ = convert(
        obj(
            p={"type": "array", "items": [{"type": "integer"}, {"type": "integer"}], "additionalItems": False}
        )
    )
    assert out["properties"]["p"] == {"type": "array", "items": {"type": "integer"}, "maxItems": 2}


def test_array_without_items_gets_empty_items() -> None:
    out, report = convert(obj(tags={"type": "array"}))
    assert out["properties"]["tags"] == {"type": "array", "items": {}}
    assert actions(report) == [("/properties/tags", "add-items")]


def test_additional_properties_schema_converted_keeping_null_values() -> None:
    out, _ = convert(
        obj(m={"type": "object", "additionalProperties": {"type": ["number", "null"], "title": "V"}})
    )
    # A map value cannot be omitted, so its null stays.
    values = {"anyOf": [{"type": "number"}, {"type": "null"}]}
    assert out["properties"]["m"] == {"type": "object", "additionalProperties": values}


def test_null_in_array_items_is_kept() -> None:
    out, _ = convert(obj(cells={"type": "array", "items": {"type": ["string", "number", "null"]}}))
    branches = out["properties"]["cells"]["items"]["anyOf"]
    assert {"type": "null"} in branches


def test_pattern_properties_dropped_does_not_leave_a_closed_empty_object() -> None:
    schema = obj(
        env={
            "type": "object",
            "patternProperties": {"^[A-Z]+$": {"type": "string"}},
            "additionalProperties": False,
        }
    )
    out, report = convert({**schema, "required": ["env"]})
    assert "additionalProperties" not in out["properties"]["env"]
    assert ("/properties/env", "drop-key") in actions(report)


def test_keep_target_leaves_optional_nulls_and_default_null() -> None:
    schema = obj(v={"anyOf": [{"type": "string"}, {"type": "null"}], "default": None})
    out, report = convert_schema(schema, target=SchemaTarget(nulls="keep"))
    assert out["properties"]["v"] == {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert not report.changed


def test_nullable_target_writes_null_as_the_openapi_keyword() -> None:
    schema = {**obj(v={"type": ["string", "null"]}), "required": ["v"]}
    out, report = convert_schema(schema, target=SchemaTarget(nulls="nullable"))
    assert out["properties"]["v"] == {"type": "string", "nullable": True}
    assert ("", "nullable-keyword") in actions(report)


# --- objects and the root -----------------------------------------------------------------


def test_properties_without_type_get_type_object() -> None:
    out, report = convert(obj(o={"properties": {"x": {"type": "string"}}}))
    assert out["properties"]["o"]["type"] == "object"
    assert actions(report) == [("/properties/o", "add-type-object")]


def test_root_without_type_or_properties_completed() -> None:
    out, report = convert({})
    assert out == {"type": "object", "properties": {}}
    assert actions(report) == [("", "add-type-object"), ("", "add-properties")]


def test_none_schema_is_an_empty_object() -> None:
    out, _ = convert(None)
    assert out == {"type": "object", "properties": {}}


def test_non_object_root_replaced_by_empty_object() -> None:
    out, report = convert({"type": "string", "description": "A bare string"})
    assert out == {"type": "object", "description": "A bare string", "properties": {}}
    assert actions(report) == [("", "replace-root")]


def test_root_any_of_flattened_into_one_object() -> None:
    schema = {
        "anyOf": [
            {
                "type": "object",
                "properties": {"a": {"type": "string"}, "id": {"type": "integer"}},
                "required": ["id", "a"],
            },
            {
                "type": "object",
                "properties": {"b": {"type": "string"}, "id": {"type": "integer"}},
                "required": ["id"],
            },
        ]
    }
    out, report = convert(schema)
    assert out == {
        "type": "object",
        "properties": {"a": {"type": "string"}, "id": {"type": "integer"}, "b": {"type": "string"}},
        "required": ["id"],
    }
    assert ("", "flatten-root-union") in actions(report)


def test_required_naming_missing_property_dropped() -> None:
    out, report = convert({**obj(a={"type": "string"}), "required": ["a", "ghost"]})
    assert out["required"] == ["a"]
    assert actions(report) == [("", "drop-required")]


def test_required_deduplicated() -> None:
    out, report = convert({**obj(a={"type": "string"}), "required": ["a", "a"]})
    assert out["required"] == ["a"]
    assert "duplicate" in report.changes[0].detail


def test_empty_required_kept_as_is() -> None:
    schema = {**obj(a={"type": "string"}), "required": []}
    out, report = convert(schema)
    assert out == schema
    assert not report.changed


# --- dropped keywords, junk and booleans --------------------------------------------------


def test_annotations_dropped_in_one_aggregate_change() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Args",
        **obj(
            a={"type": "string", "title": "A", "examples": ["x"], "x-order": 1},
            b={"type": "string", "title": "B"},
        ),
    }
    out, report = convert(schema)
    assert out == obj(a={"type": "string"}, b={"type": "string"})
    assert actions(report) == [("", "drop-annotations")]
    assert "title ×3" in report.changes[0].detail


def test_unportable_constraints_dropped_and_reported_per_schema() -> None:
    schema = obj(
        v={"type": "object", "not": {"required": ["x"]}, "patternProperties": {"^x": {"type": "string"}}}
    )
    out, report = convert(schema)
    assert out["properties"]["v"] == {"type": "object"}
    assert actions(report) == [("/properties/v", "drop-key")]
    assert "not, patternProperties" in report.changes[0].detail


def test_invalid_keyword_values_dropped() -> None:
    schema = obj(
        v={
            "type": "string",
            "minLength": "3",
            "pattern": "[",
            "maximum": float("nan"),
            "format": 7,
            "enum": [],
        }
    )
    out, report = convert(schema)
    assert out["properties"]["v"] == {"type": "string"}
    assert len(report.changes) == 5


def test_unknown_type_name_dropped() -> None:
    out, report = convert(obj(v={"type": "int"}))
    assert out["properties"]["v"] == {}
    assert actions(report) == [("/properties/v", "drop-key")]


def test_true_subschema_becomes_empty_schema() -> None:
    out, report = convert(obj(anything=True))
    assert out["properties"]["anything"] == {}
    assert actions(report) == [("/properties/anything", "boolean-schema")]


def test_false_property_removed_with_its_required_entry() -> None:
    out, report = convert({**obj(a={"type": "string"}, gone=False), "required": ["a", "gone"]})
    assert out == {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert actions(report) == [("/properties/gone", "boolean-schema"), ("", "drop-required")]


def test_false_any_of_branch_removed() -> None:
    out, _ = convert(obj(v={"anyOf": [False, {"type": "string"}]}))
    assert out["properties"]["v"] == {"type": "string"}


def test_non_schema_values_replaced_by_empty_schema() -> None:
    out, report = convert(obj(a="string", b=[{"type": "string"}], c=3))
    assert out["properties"] == {"a": {}, "b": {}, "c": {}}
    assert {action for _, action in actions(report)} == {"replace-invalid"}


def test_non_string_keys_dropped() -> None:
    out, report = convert(
        {"type": "object", "properties": {1: {"type": "string"}, "a": {"type": "string", 2: "x"}}}
    )
    assert out == obj(a={"type": "string"})
    assert [action for _, action in actions(report)] == ["drop-key", "drop-key"]


def test_non_finite_default_dropped() -> None:
    out, _ = convert(obj(v={"type": "number", "default": float("inf")}))
    assert out["properties"]["v"] == {"type": "number"}


def test_keywords_come_out_in_canonical_order() -> None:
    schema = obj(v={"default": "a", "enum": ["a", "b"], "description": "d", "type": "string"})
    out, report = convert(schema)
    assert list(out["properties"]["v"]) == ["type", "description", "enum", "default"]
    assert not report.changed


# --- limits -------------------------------------------------------------------------------


def test_long_description_truncated_with_marker() -> None:
    out, report = convert(obj(v={"type": "string", "description": "word " * 100}), max_description_chars=60)
    text = out["properties"]["v"]["description"]
    assert len(text) <= 60
    assert text.endswith("chars]")
    assert "… [truncated" in text
    assert actions(report) == [("/properties/v", "truncate-description")]


def test_depth_limit_replaces_deeper_subtrees() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(6):
        deep = obj(next=deep)
    out, report = convert(deep, max_depth=3)
    third = out["properties"]["next"]["properties"]["next"]["properties"]["next"]
    assert third == {"type": "object", "properties": {"next": {}}}
    assert [action for _, action in actions(report)] == ["depth-limit"]


def test_optional_nesting_costs_no_extra_depth() -> None:
    inner = obj(b={"type": "string"})
    out, report = convert(obj(a={"anyOf": [inner, {"type": "null"}]}), max_depth=2)
    assert out["properties"]["a"] == inner
    assert "depth-limit" not in {action for _, action in actions(report)}


def test_very_deep_input_does_not_exhaust_the_stack() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(5_000):
        deep = {"type": "array", "items": deep}
    out, _ = convert(obj(v=deep), max_depth=64)
    assert out["properties"]["v"]["type"] == "array"


def test_size_limit_stops_ref_explosion() -> None:
    defs = {
        f"L{i}": {
            "type": "object",
            "properties": {"x": {"$ref": f"#/$defs/L{i + 1}"}, "y": {"$ref": f"#/$defs/L{i + 1}"}},
        }
        for i in range(30)
    }
    defs["L30"] = {"type": "string"}
    out, report = convert({"$ref": "#/$defs/L0", "$defs": defs}, max_nodes=200)
    assert len(json.dumps(out)) < 40_000
    assert "size-limit" in {action for _, action in actions(report)}


def test_size_limit_trims_output_whole_top_level_properties_at_a_time() -> None:
    schema = obj(**{f"p{i}": {"type": ["string", "integer"]} for i in range(5)})
    out, report = convert(schema, max_nodes=10)
    assert out["properties"]["p2"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert out["properties"]["p3"] == out["properties"]["p4"] == {}
    assert ("/properties/p3", "size-limit") in actions(report)


def test_size_limit_counts_the_any_of_a_tuple_becomes() -> None:
    tuple_ = {"prefixItems": [{"type": "string"}, {"type": "integer"}]}
    out, report = convert(obj(a=tuple_, b=tuple_), max_nodes=8)
    assert out["properties"]["a"] == {"items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
    assert out["properties"]["b"] == {}
    assert ("/properties/b", "size-limit") in actions(report)


def test_limits_must_be_positive_and_depth_bounded() -> None:
    with pytest.raises(ValueError, match="max_nodes"):
        SchemaLimits(max_nodes=0)
    with pytest.raises(ValueError, match="max_depth"):
        SchemaLimits(max_depth=10_000)


# --- purity and the report ----------------------------------------------------------------


def test_input_is_not_mutated() -> None:
    schema = {
        "$ref": "#/$defs/A",
        "$defs": {
            "A": {
                "properties": {"a": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}},
                "required": ["a", "z"],
            }
        },
    }
    before = copy.deepcopy(schema)
    convert(schema)
    assert schema == before


def test_unchanged_schema_reports_nothing() -> None:
    schema = {**obj(a={"type": "integer", "minimum": 0, "description": "count"}), "required": ["a"]}
    out, report = convert(schema)
    assert out == schema
    assert not report.changed
    assert str(report) == "no changes"


def test_report_prints_one_line_per_change() -> None:
    report = SchemaReport(
        (
            SchemaChange("", "add-properties", "root had no properties"),
            SchemaChange("/properties/a", "add-items", "array without items"),
        )
    )
    assert str(report).splitlines() == [
        "(root): add-properties: root had no properties",
        "/properties/a: add-items: array without items",
    ]
    assert report.changed


def test_tool_description_truncated_with_marker() -> None:
    text, report = convert_description("x" * 9_000)
    assert len(text) == 8_000
    assert text.endswith("x … [truncated 1025 chars]")
    assert actions(report) == [("", "truncate-description")]


def test_short_or_missing_tool_description_unchanged() -> None:
    assert convert_description("Adds numbers.") == ("Adds numbers.", SchemaReport())
    assert convert_description(None) == ("", SchemaReport())


# --- goldens ------------------------------------------------------------------------------


def check_golden(expected_file: Path, schema: Any) -> None:
    out, report = convert(schema)
    pairs = [[change.path, change.action] for change in report.changes]
    actual = {"parameters": out, "report": pairs}
    # One report pair per line keeps the files easy to review.
    parameters = json.dumps(out, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    listed = ",".join("\n    " + json.dumps(pair, ensure_ascii=False) for pair in pairs)
    listed += "\n  " if pairs else ""
    text = '{\n  "parameters": ' + parameters + ',\n  "report": [' + listed + "]\n}\n"
    if os.environ.get("UPDATE_GOLDENS") == "1":
        expected_file.write_text(text, encoding="utf-8")
    assert json.loads(expected_file.read_text(encoding="utf-8")) == actual
    assert expected_file.read_text(encoding="utf-8") == text  # key order is part of the contract


@pytest.mark.parametrize("tool", GEM_FLUX_TOOLS)
def test_gem_flux_golden(tool: str) -> None:
    schema = json.loads((FIXTURES / "gem_flux" / f"{tool}.input.json").read_text(encoding="utf-8"))
    check_golden(FIXTURES / "gem_flux" / f"{tool}.expected.json", schema)


def test_gem_flux_fixtures_cover_all_eleven_tools() -> None:
    assert len(GEM_FLUX_TOOLS) == 11


class Color(enum.StrEnum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Address(BaseModel):
    street: str
    city: str = Field(description="City name")
    postcode: str | None = None


class Person(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    home: Address = Field(description="Where they live")
    previous: list[Address] = []
    by_label: dict[str, Address] = {}


class Filters(BaseModel):
    limit: int | None = Field(default=None, ge=1, le=100)
    cursor: str | None
    owner: Address | None = None


class Choices(BaseModel):
    color: Color = Color.RED
    priority: Priority
    mode: Literal["fast", "slow"] = "fast"
    kind: Literal["report"]
    maybe_mode: Literal["a", "b"] | None = None


class Tree(BaseModel):
    value: int
    children: list[Tree] = []


class Link(BaseModel):
    value: str
    next: Link | None = None


class Shapes(BaseModel):
    pair: tuple[int, str]
    point: tuple[float, float]
    many: tuple[int, ...]


class Circle(BaseModel):
    kind: Literal["circle"]
    radius: float


class Square(BaseModel):
    kind: Literal["square"]
    side: float


class Drawing(BaseModel):
    shape: Circle | Square = Field(discriminator="kind")


@dataclass
class Batch:
    people: list[Person]
    note: str | None = None


PYDANTIC_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "nested_models": Person.model_json_schema,
    "optional_fields": Filters.model_json_schema,
    "literal_and_enums": Choices.model_json_schema,
    "recursive_tree": Tree.model_json_schema,
    "linked_list": Link.model_json_schema,
    "tuples": Shapes.model_json_schema,
    "discriminated_union": Drawing.model_json_schema,
    "type_adapter_dataclass": TypeAdapter(Batch).json_schema,
}


@pytest.mark.parametrize("case", PYDANTIC_CASES)
def test_pydantic_golden(case: str) -> None:
    check_golden(FIXTURES / "pydantic" / f"{case}.expected.json", PYDANTIC_CASES[case]())

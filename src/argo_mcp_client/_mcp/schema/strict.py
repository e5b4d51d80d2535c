"""The strict form of a converted schema, for backends that take ``strict: true`` (the GPT family).

Strict function calling guarantees arguments that match the schema, but only for a
subset of JSON Schema: every object lists all its properties in ``required`` and has
``additionalProperties: false``, every subschema has a type (or ``anyOf``/``enum``), and
some keywords are not allowed. :func:`strict_form` writes a schema converted with
``nulls="keep"`` in that subset wherever it can be:

* an optional property becomes required and nullable; the :class:`NullPlan` records where
  null stands for "omitted", so :func:`strip_added_nulls` can drop those nulls before the
  call reaches the server, which then sees what it declared. An optional property that
  takes null already qualifies only when its default is null (omitting it means null);
  otherwise null and omission mean different things and the tool stays plain;
* ``default`` goes into the description ("Default: 50"), since the model now always
  sends the argument, null standing for "use the default";
* keywords the subset lacks (length and size bounds, ``uniqueItems``, unknown formats)
  are dropped: the server still checks them, and the model may only send more, never less.

A schema that cannot be written so (a value of any type, a free-form object, a map with
``additionalProperties`` of its own, optional properties inside an ``anyOf`` branch,
nesting past the backend's limit) is sent in its plain form; the reason is returned.
Pure: schemas in, schemas out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["NullPlan", "strict_form", "strip_added_nulls"]

MAX_DEPTH: Final = 10
"""Nesting OpenAI's strict mode accepts."""
_DROPPED: Final = frozenset({"minLength", "maxLength", "minProperties", "maxProperties", "uniqueItems"})
_FORMATS: Final = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
_NULL: Final = {"type": "null"}


@dataclass(frozen=True, slots=True)
class NullPlan:
    """Where the strict form added null to an argument that the server does not take null for."""

    added: frozenset[str] = frozenset()
    """Properties of this object whose null stands for "omitted"."""
    properties: dict[str, NullPlan] = field(default_factory=dict)
    items: NullPlan | None = None

    @property
    def empty(self) -> bool:
        return not self.added and not self.properties and self.items is None


class _NotStrict(Exception):
    pass


def strict_form(schema: dict[str, Any]) -> tuple[dict[str, Any] | None, NullPlan, str]:
    """``schema`` in the strict subset, the nulls it added, and why not when it cannot be (``None``)."""
    try:
        out, plan = _strict(schema, 1)
    except _NotStrict as exc:
        return None, NullPlan(), str(exc)
    return out, plan, ""


def strip_added_nulls(arguments: Any, plan: NullPlan) -> Any:
    """``arguments`` without the nulls the strict form added (the server never declared them)."""
    if plan.empty:
        return arguments
    if isinstance(arguments, dict):
        out = {k: v for k, v in arguments.items() if not (v is None and k in plan.added)}
        for name, sub in plan.properties.items():
            if name in out:
                out[name] = strip_added_nulls(out[name], sub)
        return out
    if isinstance(arguments, list) and plan.items is not None:
        return [strip_added_nulls(item, plan.items) for item in arguments]
    return arguments


def takes_null(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "null" or None in schema.get("enum", [0]):
        return True
    return any(takes_null(branch) for branch in schema.get("anyOf", ()))


def _strict(node: dict[str, Any], depth: int) -> tuple[dict[str, Any], NullPlan]:
    if depth > MAX_DEPTH:
        raise _NotStrict(f"nested deeper than {MAX_DEPTH} levels")
    if not {"type", "anyOf", "enum"} & node.keys():
        raise _NotStrict("a value of any type")
    out = {k: v for k, v in node.items() if k not in _DROPPED}
    if "default" in out:
        default = out.pop("default")
        text = f"Default: {json.dumps(default)}."
        out["description"] = f"{out['description']} {text}" if out.get("description") else text
    if "format" in out and out["format"] not in _FORMATS:
        del out["format"]
    if "anyOf" in out:
        branches = []
        for branch in out["anyOf"]:
            converted, plan = _strict(branch, depth + 1)
            if not plan.empty:
                raise _NotStrict("optional properties inside an anyOf alternative")
            branches.append(converted)
        out["anyOf"] = branches
    kind = out.get("type")
    if kind == "object":
        return _object(out, depth)
    if kind == "array":
        items, plan = _strict(out.get("items", {}), depth + 1)
        out["items"] = items
        return out, NullPlan(items=None if plan.empty else plan)
    return out, NullPlan()


def _object(out: dict[str, Any], depth: int) -> tuple[dict[str, Any], NullPlan]:
    extra = out.get("additionalProperties", False)
    if extra is not False:
        raise _NotStrict("an object with additional properties of its own (a map)")
    properties = out.get("properties")
    if properties is None:
        raise _NotStrict("a free-form object")
    required = set(out.get("required", ()))
    converted: dict[str, Any] = {}
    added: set[str] = set()
    plans: dict[str, NullPlan] = {}
    for name, sub in properties.items():
        schema, plan = _strict(sub, depth + 1)
        if not plan.empty:
            plans[name] = plan
        if name not in required and takes_null(schema):
            if sub.get("default", 0) is not None:
                # The server takes null and omission both, and they differ: only one could be sent.
                raise _NotStrict(f"optional property {name!r} takes null, which differs from omitting it")
            added.add(name)  # default null: omitting it is the same as null
        elif name not in required:
            added.add(name)
            described = {"description": schema.pop("description")} if "description" in schema else {}
            schema = {**described, "anyOf": [schema, dict(_NULL)]}
        converted[name] = schema
    out["properties"] = converted
    out["required"] = list(converted)
    out["additionalProperties"] = False
    return out, NullPlan(added=frozenset(added), properties=plans)

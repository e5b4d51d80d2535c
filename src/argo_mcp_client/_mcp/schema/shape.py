"""The rules for schemas already converted, and the change log that every rule writes to.

:class:`Shaper` knows nothing of the input document: it completes converted schemas
(the shape rules that must hold after any merge), merges combinator members into their
parent, and finishes the root. :class:`~argo_mcp_client._mcp.schema.walk.Converter`
walks the input and builds on it. The rules and their reasons are listed in the
``convert`` module docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from argo_mcp_client._mcp.schema.keywords import is_null, merge, ordered, short, trim

if TYPE_CHECKING:
    from collections.abc import Mapping

    from argo_mcp_client._mcp.schema.refs import At
    from argo_mcp_client._mcp.schema.types import NullStyle, SchemaAction, SchemaLimits

__all__ = ["Members", "Shaper"]

_ABSENT: Any = object()

Members = list[tuple["At", dict[str, Any]]]
"""Converted combinator members, each with the position it came from."""


class Shaper:
    """The limits, the changes noted so far, and the rules that need nothing more."""

    def __init__(self, limits: SchemaLimits, nulls: NullStyle = "omit") -> None:
        self._limits = limits
        self._nulls = nulls
        # Whether the value being converted is an optional property, the one place where
        # omitting an argument can stand for null (not a required one, an array item or a map value).
        self._optional = False
        self._changes: dict[tuple[str, SchemaAction, str], None] = {}
        # At least the size of the output: each of its subschemas comes from one convert
        # call (the root's replacement included), a type-list split or a tuple's anyOf,
        # and merging only ever joins them. While it stays within max_nodes, trimming
        # would count the whole output to find nothing to cut.
        self._made = 1

    def drops_null(self, default: object) -> bool:
        """Whether a null alternative here may go: omitting the argument means the same."""
        return self._nulls != "keep" and self._optional and (default is None or default is _ABSENT)

    def note(self, path: str | At, action: SchemaAction, detail: str) -> None:
        # A dict key, so a definition inlined at many places is reported once, at its own path.
        where = path if isinstance(path, str) else path.path
        self._changes[where, action, detail] = None

    def complete(self, schema: Mapping[str, Any], path: str | At) -> dict[str, Any]:
        """The rules that must hold after every merge: object and array shape, ``required``."""
        out = dict(schema)
        if "properties" in out and "type" not in out:
            out["type"] = "object"
            self.note(path, "add-type-object", "schema with properties but no type: added type object")
        if out.get("type") == "array" and "items" not in out:
            out["items"] = {}
            self.note(path, "add-items", "array without items: added items {} (any value)")
        required = out.pop("required", None)
        if required is not None:
            names = out.get("properties", {})
            kept = [name for name in dict.fromkeys(required) if name in names]
            if kept != required:
                gone = [name for name in required if name not in names]
                what = f"names that are not properties: {short(gone)}" if gone else "duplicate names"
                self.note(path, "drop-required", f"dropped from required {what}")
            if kept or not required:
                out["required"] = kept
        return ordered(out)

    def any_of(self, out: dict[str, Any], branches: Members, path: str | At) -> dict[str, Any]:
        """``out`` constrained by one of ``branches``; the caller completes the result."""
        if not branches:
            return out
        if self.drops_null(out.get("default", _ABSENT)):
            kept = [(where, branch) for where, branch in branches if not is_null(branch)]
        else:
            kept = list(branches)
        collapsed = bool(kept) and len(kept) < len(branches)
        if collapsed:
            self.note(path, "collapse-nullable", "dropped the null alternative; omit the argument instead")
            if "default" in out and out["default"] is None:
                self.note(
                    path, "drop-default-null", "dropped default: null; omitting the argument means null"
                )
            out = {key: value for key, value in out.items() if key != "default" or value is not None}
        branches = kept if kept else branches[:1]
        if len(branches) > 1:
            return {**out, "anyOf": [self.complete(branch, where) for where, branch in branches]}
        conflicts: list[str] = []
        merged = merge(branches[0][1], out, conflicts)
        if conflicts or not collapsed:
            clash = f"; the parent's {', '.join(conflicts)} won" if conflicts else ""
            self.note(path, "merge-any-of", f"single anyOf alternative merged into the schema{clash}")
        return merged

    def all_of(self, out: dict[str, Any], branches: Members, path: str | At) -> dict[str, Any]:
        """``out`` and every member at once; the caller completes the result."""
        conflicts: list[str] = []
        merged: dict[str, Any] = {}
        for _, branch in branches:
            merged = merge(merged, branch, conflicts)
        merged = merge(merged, out, conflicts)
        clash = f"; on conflicting {', '.join(conflicts)} the later schema won" if conflicts else ""
        self.note(path, "merge-all-of", f"allOf of {len(branches)} merged into the schema{clash}")
        return merged

    def finish_root(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = dict(schema)
        if (declared := out.get("type", "object")) != "object":
            self.note(
                "", "replace-root", f"root of type {declared!r} is not an object: offered without properties"
            )
            kept = {"description": out["description"]} if "description" in out else {}
            out = {"type": "object", **kept, "properties": {}}
        if branches := out.pop("anyOf", []):
            objects = [branch for branch in branches if branch.get("type") == "object"]
            props = dict(out.get("properties", {}))
            for branch in objects:
                for name, sub in branch.get("properties", {}).items():
                    props.setdefault(name, sub)
            out["properties"] = props
            if objects and len(objects) == len(branches):
                required = [set(branch.get("required", ())) for branch in objects]
                common = [name for name in objects[0].get("required", ()) if all(name in r for r in required)]
                if common:
                    out["required"] = list(dict.fromkeys([*out.get("required", ()), *common]))
            self.note(
                "", "flatten-root-union", f"root anyOf folded into the properties of {len(objects)} objects"
            )
        if out.pop("enum", None) is not None:
            self.note("", "drop-key", "dropped enum at the root: backends reject it there")
        if "type" not in out:
            out["type"] = "object"
            self.note("", "add-type-object", "root had no type: tool arguments are an object")
        if "properties" not in out:
            out["properties"] = {}
            self.note("", "add-properties", "root had no properties: added an empty properties map")
        out = self.complete(out, "")
        if self._made <= self._limits.max_nodes:
            return out
        out, trimmed = trim(out, self._limits.max_nodes)
        for path in trimmed:
            self.note(path, "size-limit", f"output over {self._limits.max_nodes} subschemas: {{}}")
        return out

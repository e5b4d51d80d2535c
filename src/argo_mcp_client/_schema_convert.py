"""The rewriting engine behind ``argo_mcp_client._schema.convert_schema``.

A subschema goes through :meth:`Converter.body` (keywords, refs, combinators), and then
:meth:`Converter.complete`, which applies the shape rules that must hold after any merge.
Members that are about to be merged into their parent skip ``complete`` so that, for
example, a ``required`` in one ``allOf`` member can name a property of another. The rules
and their reasons are listed in the ``_schema`` module docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from argo_mcp_client._schema_keywords import (
    OUTPUT_ORDER,
    STRUCTURAL,
    TYPE_KEYS,
    TYPES,
    UNSUPPORTED,
    is_null,
    is_raw_null,
    merge,
    merges,
    ordered,
    short,
    trim,
    truncate,
    valid_value,
)
from argo_mcp_client._schema_refs import MISSING, copy_json, join, last_token, local_pointer, resolve

if TYPE_CHECKING:
    from argo_mcp_client._schema import SchemaAction, SchemaLimits

__all__ = ["Converter"]

# Converted combinator members, each with the input pointer it came from.
_Members = list[tuple[str, dict[str, Any]]]


class _At:
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
        *,
        parent: _At | None = None,
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

    def down(self, *tokens: str, levels: int = 1) -> _At:
        return _At(None, self.depth + levels, self.stack, parent=self, tokens=tokens)


class Converter:
    """One conversion: holds the input document, the limits and the changes noted so far."""

    def __init__(self, root: object, limits: SchemaLimits) -> None:
        self._root = root
        self._limits = limits
        self._changes: dict[tuple[str, SchemaAction, str], None] = {}
        self._annotations: dict[str, set[str]] = {}
        self._visited = 0
        self._cut: tuple[str, int] | None = None

    def run(self) -> tuple[dict[str, Any], list[tuple[str, SchemaAction, str]]]:
        out = self.finish_root(self.convert(self._root, _At("", 0, ("",))))
        changes = list(self._changes)
        if self._cut is not None:
            first, count = self._cut
            more = f"; so were {count - 1} later subtrees" if count > 1 else ""
            changes.append((first, "size-limit", f"past {self._limits.max_nodes} subschemas: {{}}{more}"))
        if self._annotations:
            counts = [f"{key[:30]} ×{len(paths)}" for key, paths in self._annotations.items()]
            counts[12:] = [f"and {len(counts) - 12} more"] if len(counts) > 12 else []
            changes.append(
                ("", "drop-annotations", "dropped annotations the model does not need: " + ", ".join(counts))
            )
        return out, changes

    def note(self, path: str | _At, action: SchemaAction, detail: str) -> None:
        # A dict key, so a definition inlined at many places is reported once, at its own path.
        where = path if isinstance(path, str) else path.path
        self._changes[where, action, detail] = None

    def convert(self, node: object, at: _At, *, finish: bool = True) -> dict[str, Any]:
        """One subschema; with ``finish`` false, ready to be merged into its parent instead."""
        if isinstance(node, Mapping) and not node:
            return {}
        if at.depth > self._limits.max_depth:
            self.note(at.path, "depth-limit", f"nested deeper than {self._limits.max_depth} levels: {{}}")
            return {}
        # A null alternative stays free: cutting it to {} would turn it into a real one.
        if not is_raw_null(node):
            self._visited += 1
            if self._visited > self._limits.max_nodes:
                self._cut = (at.path, 1) if self._cut is None else (self._cut[0], self._cut[1] + 1)
                return {}
        out = self.body(node, at)
        return self.complete(out, at) if finish else out

    def complete(self, schema: Mapping[str, Any], path: str | _At) -> dict[str, Any]:
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

    def body(self, node: object, at: _At) -> dict[str, Any]:
        """One subschema without :meth:`complete`."""
        if isinstance(node, bool):
            verdict = "`true` written as {}" if node else "`false` (matches nothing) replaced by {}"
            self.note(at.path, "boolean-schema", verdict)
            return {}
        if not isinstance(node, Mapping):
            self.note(at.path, "replace-invalid", f"{type(node).__name__} is not a schema: replaced by {{}}")
            return {}
        raw = {key: value for key, value in node.items() if isinstance(key, str)}
        if len(raw) != len(node):
            self.note(at.path, "drop-key", "dropped keys that are not strings")
        if "$ref" in raw:
            return self.ref(raw, at)
        for key in ("$defs", "definitions"):
            if key in raw:
                self.note(join(at.path, key), "drop-key", f"dropped {key}: references into it are inlined")
        dropped = [key for key in raw if key in UNSUPPORTED]
        types, nullable = self.types(raw, at)
        split = len(types) > 1 and "anyOf" not in raw and "oneOf" not in raw
        if split and at.depth + 1 > self._limits.max_depth:
            self.note(at.path, "depth-limit", "splitting the type list would pass max_depth: {}")
            return {}
        # Split types push this schema's children one level down in the output; counting
        # that now keeps the output within max_depth, so a second pass cuts nothing.
        out = self.keywords(raw, at, 2 if split else 1, dropped)
        if len(types) == 1:
            out["type"] = types[0]
        elif split:
            self.note(at.path, "type-list-to-any-of", f"type list {types} written as anyOf")
            moved = {key: out.pop(key) for name in types for key in TYPE_KEYS.get(name, ()) if key in out}
            branches = [
                {"type": name, **{k: moved[k] for k in TYPE_KEYS.get(name, ()) if k in moved}}
                for name in types
            ]
            out["anyOf"] = [self.complete(branch, at) for branch in branches]
        elif types:
            dropped.append("type")
        if (nullable or raw.get("nullable") is True) and out.get("default", MISSING) is None:
            del out["default"]
        for key in ("anyOf", "oneOf", "allOf"):
            value = raw.get(key, MISSING)
            if value is MISSING:
                continue
            if not isinstance(value, list | tuple) or not value or (key == "oneOf" and "anyOf" in raw):
                dropped.append(key)
                continue
            if key == "oneOf":
                self.note(at.path, "one-of-to-any-of", "oneOf written as anyOf")
            # allOf members always merge into this schema, and so does a lone non-null
            # alternative; their children then sit one level up in the output.
            members = self.members(value, key, at.down(levels=0 if key == "allOf" or merges(value) else 1))
            out = self.all_of(out, members, at) if key == "allOf" else self.any_of(out, members, at)
        if dropped:
            names = ", ".join(dict.fromkeys(dropped))
            self.note(at.path, "drop-key", f"dropped {names}: not portable to every backend, so not enforced")
        return out

    def ref(self, raw: dict[str, Any], at: _At) -> dict[str, Any]:
        ref = raw.pop("$ref")
        pointer = local_pointer(ref) if isinstance(ref, str) else None
        target: dict[str, Any] = {}
        found = MISSING if pointer is None else resolve(self._root, pointer)
        if pointer is None:
            self.note(at.path, "unresolved-ref", f"$ref {short(ref)} is not a same-document reference: {{}}")
        elif pointer in at.stack:
            declared = found.get("type") if isinstance(found, Mapping) else None
            kinds = [t for t in (declared if isinstance(declared, list) else [declared]) if t in TYPES]
            kinds = [t for t in kinds if t != "null"] if len(kinds) > 1 else kinds
            target = {"type": kinds[0]} if len(kinds) == 1 else {}
            stand_in = f"<recursive {last_token(pointer) or 'root'}, not expanded>"
            target["description"] = truncate(stand_in, self._limits.max_description_chars)
            self.note(at.path, "break-cycle", f"$ref {ref} re-enters its own expansion: permissive stand-in")
        elif len(at.stack) > self._limits.max_depth:
            self.note(at.path, "depth-limit", f"chain of more than {self._limits.max_depth} refs: {{}}")
        elif found is MISSING or not isinstance(found, Mapping | bool):
            self.note(at.path, "unresolved-ref", f"$ref {ref} does not point at a schema here: {{}}")
        else:
            self.note(at.path, "inline-ref", f"inlined $ref {ref}")
            target = self.body(found, _At(pointer, at.depth, (*at.stack, pointer)))
        # Siblings win over the target: they are the referring schema's own words.
        return merge(target, self.body(raw, at), []) if raw else target

    def types(self, raw: Mapping[str, Any], path: str | _At) -> tuple[list[str], bool]:
        """The declared type names, and whether null was dropped from among them."""
        declared = raw.get("type", MISSING)
        if declared is MISSING:
            return [], False
        listed = declared if isinstance(declared, list | tuple) else [declared]
        names = sorted((name for name in TYPES if name in listed), key=listed.index)
        bad = [name for name in listed if name not in TYPES]
        if bad:
            self.note(path, "drop-key", f"dropped unknown type names {short(bad)}")
        nullable = len(names) > 1 and "null" in names
        if nullable:
            names.remove("null")
            self.note(path, "collapse-nullable", "dropped null from the type list; omit the argument instead")
        elif len(names) == 1 and declared != names[0] and len(listed) > len(bad):
            self.note(path, "type-list-to-any-of", f"type list written as the single type {names[0]!r}")
        return names, nullable

    def keywords(self, raw: Mapping[str, Any], at: _At, levels: int, dropped: list[str]) -> dict[str, Any]:
        """Every keyword but type and the combinators; children sit ``levels`` below ``at``."""
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key in STRUCTURAL or key in UNSUPPORTED:
                continue
            if key not in OUTPUT_ORDER:
                self._annotations.setdefault(key, set()).add(at.path)
            elif (kept := valid_value(key, value)) is MISSING:
                self.note(at.path, "drop-key", f"dropped {key}: invalid value {short(value)}")
            elif key == "description":
                out[key] = truncate(kept, self._limits.max_description_chars)
                if out[key] != kept:
                    self.note(at.path, "truncate-description", f"description cut from {len(kept)} characters")
            else:
                out[key] = kept
        if "const" in raw:
            if (value := copy_json(raw["const"])) is MISSING:
                self.note(at.path, "drop-key", f"dropped const: invalid value {short(raw['const'])}")
            else:
                out["enum"] = [value]
                self.note(at.path, "const-to-enum", "const written as a one-value enum")
        if raw.get("nullable") is True:
            self.note(at.path, "collapse-nullable", "dropped OpenAPI nullable; omit the argument instead")
        elif "nullable" in raw:
            self._annotations.setdefault("nullable", set()).add(at.path)
        self.children(raw, out, at, levels, dropped)
        return out

    def children(
        self, raw: Mapping[str, Any], out: dict[str, Any], at: _At, levels: int, dropped: list[str]
    ) -> None:
        props = raw.get("properties", MISSING)
        if isinstance(props, Mapping):
            out["properties"] = {}
            for name, schema in props.items():
                if not isinstance(name, str):
                    self.note(at.path, "drop-key", f"dropped property with non-string name {short(name)}")
                elif schema is False:
                    where = join(at.path, "properties", name)
                    self.note(where, "boolean-schema", "`false` property (must be absent) removed")
                else:
                    out["properties"][name] = self.convert(schema, at.down("properties", name, levels=levels))
        elif props is not MISSING:
            dropped.append("properties")
        required = raw.get("required", MISSING)
        if isinstance(required, list | tuple):
            out["required"] = [str(name) for name in required if isinstance(name, str)]
            if len(out["required"]) != len(required):
                self.note(at.path, "drop-required", "dropped required entries that are not strings")
        elif required is not MISSING:
            dropped.append("required")
        extra = raw.get("additionalProperties", MISSING)
        if isinstance(extra, bool):
            out["additionalProperties"] = extra
        elif extra is not MISSING:
            out["additionalProperties"] = self.convert(extra, at.down("additionalProperties", levels=levels))
        if isinstance(raw.get("prefixItems"), list | tuple):
            self.tuple_items(out, raw, ("prefixItems", "items"), at, levels)
        elif isinstance(raw.get("items"), list | tuple):
            self.tuple_items(out, raw, ("items", "additionalItems"), at, levels)
        else:
            dropped += [key for key in ("prefixItems", "additionalItems") if key in raw]
            if "items" in raw:
                out["items"] = self.convert(raw["items"], at.down("items", levels=levels))

    def tuple_items(
        self, out: dict[str, Any], raw: Mapping[str, Any], keys: tuple[str, str], at: _At, levels: int
    ) -> None:
        """Positional item schemas under ``keys[0]``, the rest under ``keys[1]``, as one ``items``."""
        members, rest = raw[keys[0]], raw.get(keys[1], MISSING)
        slots: list[tuple[object, tuple[str, ...]]] = [(m, (keys[0], str(i))) for i, m in enumerate(members)]
        if rest is False:
            out.setdefault("maxItems", len(members))
        elif rest is not MISSING:
            slots.append((rest, (keys[1],)))
        # Several slots become anyOf alternatives, one more level down.
        deeper = levels + 1 if len(slots) > 1 else levels
        branches: dict[str, tuple[str, dict[str, Any]]] = {}
        for member, tokens in slots:
            where = at.down(*tokens, levels=deeper)
            schema = self.convert(member, where)
            branches.setdefault(repr(schema), (where.path, schema))
        self.note(at.path, "prefix-items-to-items", f"{keys[0]} tuple folded into one items schema")
        if len(branches) > 1:
            out["items"] = self.complete(self.any_of({}, list(branches.values()), at), at)
        else:
            out["items"] = next(iter(branches.values()))[1] if branches else {}

    def members(self, value: Sequence[Any], key: str, at: _At) -> _Members:
        """Converted ``anyOf``/``oneOf``/``allOf`` members, at ``at.depth``, not yet completed."""
        branches = []
        for i, member in enumerate(value):
            where = at.down(key, str(i), levels=0)
            if member is False and key != "allOf":
                self.note(where.path, "boolean-schema", "`false` alternative (matches nothing) removed")
            else:
                branches.append((where.path, self.convert(member, where, finish=False)))
        return branches

    def any_of(self, out: dict[str, Any], branches: _Members, path: str | _At) -> dict[str, Any]:
        """``out`` constrained by one of ``branches``; the caller completes the result."""
        if not branches:
            return out
        kept = [(where, branch) for where, branch in branches if not is_null(branch)]
        collapsed = bool(kept) and len(kept) < len(branches)
        if collapsed:
            self.note(path, "collapse-nullable", "dropped the null alternative; omit the argument instead")
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

    def all_of(self, out: dict[str, Any], branches: _Members, path: str | _At) -> dict[str, Any]:
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
        out, trimmed = trim(self.complete(out, ""), self._limits.max_nodes)
        for path in trimmed:
            self.note(path, "size-limit", f"output over {self._limits.max_nodes} subschemas: {{}}")
        return out

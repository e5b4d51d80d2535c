"""The rewriting engine behind ``argo_mcp_client._mcp.schema.convert.convert_schema``.

A subschema goes through :meth:`Converter.body` (keywords, refs, combinators), and then
:meth:`Converter.complete`, which applies the shape rules that must hold after any merge.
Members that are about to be merged into their parent skip ``complete`` so that, for
example, a ``required`` in one ``allOf`` member can name a property of another. The rules
and their reasons are listed in the ``convert`` module docstring.

Most subschemas of real tools hold a type name and a few plain keywords. Those take
shortcuts (:meth:`Converter.leaf`, :meth:`Converter.plain`) that apply the same rules
while skipping the checks that could find nothing: every tool of every server is
converted again whenever a server's tool list changes, before the run can start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from argo_mcp_client._mcp.schema.keywords import (
    NULL_KEYS,
    OUTPUT_ORDER,
    STRUCTURAL,
    TYPE_KEYS,
    TYPES,
    UNSUPPORTED,
    VALUE_CHECKS,
    is_raw_null,
    merge,
    merges,
    ordered,
    short,
    truncate,
)
from argo_mcp_client._mcp.schema.refs import (
    MISSING,
    At,
    Missing,
    copy_json,
    join,
    last_token,
    local_pointer,
    resolve,
)
from argo_mcp_client._mcp.schema.shape import _ABSENT, Members, Shaper

if TYPE_CHECKING:
    from argo_mcp_client._mcp.schema.types import NullStyle, SchemaAction, SchemaLimits

__all__ = ["Converter"]

# A dict with only these keys, and a single known type name or none, needs no ref, type
# list, combinator or annotation handling: most subschemas of real tools are like that.
_PLAIN_KEYS: Final = frozenset(OUTPUT_ORDER) - {"anyOf"}
_TYPE_NAMES: Final = frozenset(TYPES)
_CHILD_KEYS: Final = frozenset(
    {"properties", "required", "additionalProperties", "prefixItems", "items", "additionalItems"}
)
_LEAF_KEYS: Final = _PLAIN_KEYS - _CHILD_KEYS
# complete() adds items to an array.
_LEAF_TYPES: Final = _TYPE_NAMES - {"array"}
_RANK: Final = {key: rank for rank, key in enumerate(OUTPUT_ORDER)}


class Converter(Shaper):
    """One conversion: walks the input document, and notes what it changes on the way."""

    def __init__(self, root: object, limits: SchemaLimits, nulls: NullStyle = "omit") -> None:
        super().__init__(limits, nulls)
        self._root = root
        self._max_depth = limits.max_depth
        self._annotations: dict[str, set[str]] = {}
        self._visited = 0
        self._cut: tuple[str, int] | None = None

    def run(self) -> tuple[dict[str, Any], list[tuple[str, SchemaAction, str]]]:
        out = self.finish_root(self.convert(self._root, At("", 0, ("",))))
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

    def convert(self, node: object, at: At, *, finish: bool = True) -> dict[str, Any]:
        """One subschema; with ``finish`` false, ready to be merged into its parent instead."""
        if type(node) is dict:
            if not node:
                return {}
            null = node.get("type") == "null" and node.keys() <= NULL_KEYS
        elif isinstance(node, Mapping) and not node:
            return {}
        else:
            null = is_raw_null(node)
        if at.depth > self._max_depth:
            self.note(at, "depth-limit", f"nested deeper than {self._max_depth} levels: {{}}")
            return {}
        self._made += 1
        # A null alternative stays free: cutting it to {} would turn it into a real one.
        if not null:
            self._visited += 1
            if self._visited > self._limits.max_nodes:
                self._cut = (at.path, 1) if self._cut is None else (self._cut[0], self._cut[1] + 1)
                return {}
        if finish and type(node) is dict and node.keys() <= _LEAF_KEYS:
            declared = node.get("type", MISSING)
            if declared is MISSING or (type(declared) is str and declared in _LEAF_TYPES):
                return self.leaf(node, at)
        out = self.body(node, at)
        return self.complete(out, at) if finish else out

    def leaf(self, node: dict[str, Any], at: At) -> dict[str, Any]:
        """A plain subschema with nothing nested, completed: only its values need checking.

        Equal to ``complete(body(node))``, which here would only reorder the keys; most
        leaves are written in the output order already, and then need no reordering.
        """
        out: dict[str, Any] = {}
        rank, canonical = -1, True
        for key, value in node.items():
            if _RANK[key] < rank:
                canonical = False
            rank = _RANK[key]
            if key == "type":
                out[key] = value
            else:
                self.keep(key, value, at, out)
        return out if canonical else ordered(out)

    def keep(self, key: str, value: object, at: At, out: dict[str, Any]) -> None:
        """A valid copy of ``value`` in ``out``, a description cut to size; an invalid one noted."""
        if (kept := VALUE_CHECKS[key](value)) is MISSING:
            self.note(at.path, "drop-key", f"dropped {key}: invalid value {short(value)}")
        elif key == "description":
            out[key] = truncate(kept, self._limits.max_description_chars)
            if out[key] != kept:
                self.note(at.path, "truncate-description", f"description cut from {len(kept)} characters")
        else:
            out[key] = kept

    def body(self, node: object, at: At) -> dict[str, Any]:
        """One subschema without :meth:`complete`."""
        if type(node) is dict:
            if node.keys() <= _PLAIN_KEYS:
                declared = node.get("type", MISSING)
                if declared is MISSING or (type(declared) is str and declared in _TYPE_NAMES):
                    return self.plain(node, at, declared)
        elif isinstance(node, bool):
            verdict = "`true` written as {}" if node else "`false` (matches nothing) replaced by {}"
            self.note(at.path, "boolean-schema", verdict)
            return {}
        elif not isinstance(node, Mapping):
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
        dropped = [] if raw.keys().isdisjoint(UNSUPPORTED) else [key for key in raw if key in UNSUPPORTED]
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
            self._made += len(branches)
        elif types:
            dropped.append("type")
        if (nullable or (raw.get("nullable") is True and not split)) and out.get("default", MISSING) is None:
            del out["default"]
            self.note(at.path, "drop-default-null", "dropped default: null; omitting the argument means null")
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
            if self.drops_null(raw.get("default", _ABSENT)):
                collapse = merges(value)
            else:
                collapse = sum(member is not False for member in value) <= 1
            members = self.members(value, key, at if key == "allOf" or collapse else at.down())
            out = self.all_of(out, members, at) if key == "allOf" else self.any_of(out, members, at)
        if "patternProperties" in dropped and out.get("additionalProperties") is False:
            # Without the patterns, `false` would leave an object no value satisfies.
            del out["additionalProperties"]
            self.note(
                at.path, "drop-key", "dropped additionalProperties: false, which patternProperties opened"
            )
        if dropped:
            self.dropped(at, dropped)
        return out

    def plain(self, node: dict[str, Any], at: At, declared: str | Missing) -> dict[str, Any]:
        """:meth:`body` of plain keywords and at most one type name, skipping the steps that
        look for refs, type lists, combinators and annotations: they would find nothing."""
        dropped: list[str] = []
        out = self.keywords(node, at, 1, dropped)
        if declared is not MISSING:
            out["type"] = declared
        if dropped:
            self.dropped(at, dropped)
        return out

    def dropped(self, at: At, keys: list[str]) -> None:
        names = ", ".join(dict.fromkeys(keys))
        self.note(at, "drop-key", f"dropped {names}: not portable to every backend, so not enforced")

    def ref(self, raw: dict[str, Any], at: At) -> dict[str, Any]:
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
            target = self.body(found, At(pointer, at.depth, (*at.stack, pointer)))
        # Siblings win over the target: they are the referring schema's own words.
        return merge(target, self.body(raw, at), []) if raw else target

    def types(self, raw: Mapping[str, Any], path: str | At) -> tuple[list[str], bool]:
        """The declared type names, and whether null was dropped from among them."""
        declared = raw.get("type", MISSING)
        if declared is MISSING:
            return [], False
        drops = self.drops_null(raw.get("default", _ABSENT))
        if raw.get("nullable") is True and not drops and type(declared) is str and declared != "null":
            declared = [declared, "null"]  # OpenAPI's nullable, where null cannot be left out
        if type(declared) is str and declared in _TYPE_NAMES:
            return [declared], False
        listed = declared if isinstance(declared, list | tuple) else [declared]
        names = sorted((name for name in TYPES if name in listed), key=listed.index)
        bad = [name for name in listed if name not in TYPES]
        if bad:
            self.note(path, "drop-key", f"dropped unknown type names {short(bad)}")
        nullable = len(names) > 1 and "null" in names and drops
        if nullable:
            names.remove("null")
            self.note(path, "collapse-nullable", "dropped null from the type list; omit the argument instead")
        elif len(names) == 1 and declared != names[0] and len(listed) > len(bad):
            self.note(path, "type-list-to-any-of", f"type list written as the single type {names[0]!r}")
        return names, nullable

    def keywords(self, raw: Mapping[str, Any], at: At, levels: int, dropped: list[str]) -> dict[str, Any]:
        """Every keyword but type and the combinators; children sit ``levels`` below ``at``."""
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key in VALUE_CHECKS:
                self.keep(key, value, at, out)
            elif key not in STRUCTURAL and key not in UNSUPPORTED:
                self._annotations.setdefault(key, set()).add(at.path)
        if "const" in raw:
            if (value := copy_json(raw["const"])) is MISSING:
                self.note(at.path, "drop-key", f"dropped const: invalid value {short(raw['const'])}")
            else:
                out["enum"] = [value]
                self.note(at.path, "const-to-enum", "const written as a one-value enum")
        if raw.get("nullable") is True and self.drops_null(raw.get("default", _ABSENT)):
            self.note(at.path, "collapse-nullable", "dropped OpenAPI nullable; omit the argument instead")
        elif "nullable" in raw:
            self._annotations.setdefault("nullable", set()).add(at.path)
        if not raw.keys().isdisjoint(_CHILD_KEYS):
            self.children(raw, out, at, levels, dropped)
        return out

    def children(
        self, raw: Mapping[str, Any], out: dict[str, Any], at: At, levels: int, dropped: list[str]
    ) -> None:
        outer = self._optional
        props = raw.get("properties", MISSING)
        # A Mapping check costs an ABC lookup: not worth making for a missing keyword.
        if props is not MISSING and (type(props) is dict or isinstance(props, Mapping)):
            depth, stack = at.depth + levels, at.stack
            converted: dict[str, Any] = {}
            out["properties"] = converted
            listed = raw.get("required")
            needed = (
                set(listed)
                if isinstance(listed, list | tuple) and all(isinstance(n, str) for n in listed)
                else set()
            )
            for name, schema in props.items():
                self._optional = name not in needed
                if not isinstance(name, str):
                    self.note(at.path, "drop-key", f"dropped property with non-string name {short(name)}")
                elif schema is False:
                    where = join(at.path, "properties", name)
                    self.note(where, "boolean-schema", "`false` property (must be absent) removed")
                else:
                    converted[name] = self.convert(schema, At(None, depth, stack, at, ("properties", name)))
        elif props is not MISSING:
            dropped.append("properties")
        self._optional = False  # array items and map values cannot be left out
        try:
            self._other_children(raw, out, at, levels, dropped)
        finally:
            self._optional = outer

    def _other_children(
        self, raw: Mapping[str, Any], out: dict[str, Any], at: At, levels: int, dropped: list[str]
    ) -> None:
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
        items = raw.get("items", MISSING)
        if isinstance(raw.get("prefixItems"), list | tuple):
            self.tuple_items(out, raw, ("prefixItems", "items"), at, levels)
        elif isinstance(items, list | tuple):
            self.tuple_items(out, raw, ("items", "additionalItems"), at, levels)
        else:
            dropped += [key for key in ("prefixItems", "additionalItems") if key in raw]
            if items is not MISSING:
                out["items"] = self.convert(items, at.down("items", levels=levels))

    def tuple_items(
        self, out: dict[str, Any], raw: Mapping[str, Any], keys: tuple[str, str], at: At, levels: int
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
        branches: dict[str, tuple[At, dict[str, Any]]] = {}
        for member, tokens in slots:
            where = at.down(*tokens, levels=deeper)
            schema = self.convert(member, where)
            branches.setdefault(repr(schema), (where, schema))
        self.note(at.path, "prefix-items-to-items", f"{keys[0]} tuple folded into one items schema")
        if len(branches) > 1:
            out["items"] = self.complete(self.any_of({}, list(branches.values()), at), at)
            self._made += 1
        else:
            out["items"] = next(iter(branches.values()))[1] if branches else {}

    def members(self, value: Sequence[Any], key: str, at: At) -> Members:
        """Converted ``anyOf``/``oneOf``/``allOf`` members, at ``at.depth``, not yet completed."""
        branches = []
        for i, member in enumerate(value):
            where = At(None, at.depth, at.stack, at, (key, str(i)))
            if member is False and key != "allOf":
                self.note(where, "boolean-schema", "`false` alternative (matches nothing) removed")
            else:
                branches.append((where, self.convert(member, where, finish=False)))
        return branches

"""Rewrite MCP tool input schemas into the JSON Schema subset every Argo backend accepts.

Servers write arbitrary JSON Schema; the gateway forwards ``parameters`` to OpenAI, to
Anthropic (``input_schema`` passed through) and to Gemini's OpenAI layer, the strictest
of the three (no ``$ref``, no type lists, arrays need ``items``, ``required`` must name
existing properties, no ``$schema``). The output uses only: ``type`` (one name),
``description``, ``enum``, ``format``, ``pattern``, numeric and length bounds,
``properties``, ``required``, ``additionalProperties``, ``items``, ``uniqueItems``,
``anyOf`` (two or more alternatives) and ``default``. Every edit is recorded in a
:class:`SchemaReport` so a user can see why the model's view differs from the server's.

Rules, and why:

* References. Same-document ``$ref`` s are inlined; sibling keywords are merged over the
  target and win on conflicts (a sibling ``description`` is the caller's wording). A ref
  re-entered while its target is being expanded becomes a permissive stand-in that keeps
  the target's single declared type, so recursive models are expanded exactly once.
  Other refs become ``{}``. ``$defs``/``definitions`` are dropped afterwards. A change
  inside a definition is reported once, at the definition's own path.
* Nullable. A ``null`` alternative (in ``anyOf``/``oneOf`` or a type list) is removed
  whenever a non-null one remains, whether the property is required or not: the model
  omits an optional argument instead of sending null, and a ``default: null`` beside it
  goes too. OpenAPI's ``nullable`` is dropped. A required nullable argument therefore
  can no longer be null; any value the model sends is still one the server accepts.
* Combinators. ``oneOf`` becomes ``anyOf`` (exclusivity means nothing to a model). An
  ``anyOf`` left with one alternative, and every ``allOf``, is merged into its parent:
  ``properties`` merge per name, ``required`` is the union, and on a conflict the later
  schema (the parent, for ``anyOf``) wins and the report names the keyword. Merging
  always succeeds, so no backend ever sees ``allOf``.
* Types. ``const`` becomes a one-value ``enum``. A multi-type list becomes ``anyOf`` of
  one-type schemas, each taking the keywords that apply to its type. ``properties``
  without a type gain ``type: object``; an ``array`` without ``items`` gains ``{}``;
  ``required`` loses duplicates and names that are not properties.
* Tuples. ``prefixItems`` (and draft-7 list ``items``) become one ``items`` schema: the
  member schema if they are all equal, otherwise ``anyOf`` of them. ``minItems`` and
  ``maxItems`` carry the length.
* Dropped keywords. Annotations (``title``, ``examples``, ``$schema``, ``$id``,
  ``$comment``, ``readOnly``, ``deprecated``, ``x-*`` and any unknown keyword) cost
  tokens, tell the model nothing the description does not, and some backends reject
  them; they are counted in one root-level change. Constraints no backend-neutral
  subset carries (``not``, ``if``/``then``/``else``, ``patternProperties``, ``contains``,
  ``dependentRequired``...) and keywords with invalid values are reported per schema,
  because the model may now produce arguments the server rejects.
* Booleans and junk. ``true`` becomes ``{}``. ``false`` removes a property or an
  ``anyOf`` alternative (that is what it means there) and becomes ``{}`` elsewhere, since
  a schema matching nothing cannot guide a model. Anything else that is not an object
  becomes ``{}``; non-string keys are dropped.
* Root. MCP arguments are always an object, so the root ends as ``type: object`` with
  ``properties``. A root ``anyOf`` is flattened into one object with the properties of
  its object alternatives; a root of another type is replaced by an empty object.
* Limits. Descriptions are cut with a visible marker. Subschemas nested deeper than
  ``max_depth`` become ``{}``; depth is counted as the output will nest, so a second
  pass finds nothing too deep. Expansion stops after ``max_nodes`` subschemas (refs make
  small inputs explode), and the output is trimmed to that many non-empty subschemas,
  whole top-level properties at a time.

The conversion is pure and deterministic, and idempotent: converting its own output
changes nothing and reports nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from argo_mcp_client._mcp.schema.keywords import truncate
from argo_mcp_client._mcp.schema.nulls import nullable_keyword
from argo_mcp_client._mcp.schema.types import (
    SchemaAction,
    SchemaChange,
    SchemaLimits,
    SchemaReport,
    SchemaTarget,
)
from argo_mcp_client._mcp.schema.walk import Converter

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "SchemaAction",
    "SchemaChange",
    "SchemaLimits",
    "SchemaReport",
    "SchemaTarget",
    "convert_description",
    "convert_schema",
]

_DEFAULT_LIMITS: Final = SchemaLimits()
_DEFAULT_TARGET: Final = SchemaTarget()


def convert_schema(
    schema: Mapping[str, Any] | None,
    *,
    limits: SchemaLimits = _DEFAULT_LIMITS,
    target: SchemaTarget = _DEFAULT_TARGET,
) -> tuple[dict[str, Any], SchemaReport]:
    """The model-facing ``parameters`` for a tool's ``inputSchema``, and what was changed to get there.

    ``target`` says how the receiving backend takes ``null`` (see :data:`NullStyle`); the
    strict form, for backends that take it, is :func:`~argo_mcp_client._mcp.schema.strict.strict_form`
    of this output converted with ``nulls="keep"``.
    """
    out, changes = Converter({} if schema is None else schema, limits, target.nulls).run()
    if target.nulls == "nullable":
        out, more = nullable_keyword(out)
        changes += (
            [("", "nullable-keyword", f"null written as nullable: true at {more} places")] if more else []
        )
    return out, SchemaReport(tuple(SchemaChange(path, action, detail) for path, action, detail in changes))


def convert_description(
    text: str | None, *, limits: SchemaLimits = _DEFAULT_LIMITS
) -> tuple[str, SchemaReport]:
    """A tool description capped at ``limits.max_tool_description_chars``, with a visible marker."""
    if not text:
        return "", SchemaReport()
    out = truncate(text, limits.max_tool_description_chars)
    if out == text:
        return text, SchemaReport()
    detail = f"tool description cut from {len(text)} to {len(out)} characters"
    return out, SchemaReport((SchemaChange("", "truncate-description", detail),))

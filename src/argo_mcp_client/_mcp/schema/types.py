"""The vocabulary of schema conversion: what may change, the report of changes, and the bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["NullStyle", "SchemaAction", "SchemaChange", "SchemaLimits", "SchemaReport", "SchemaTarget"]

SchemaAction = Literal[
    "inline-ref",  # a same-document $ref replaced by its target
    "break-cycle",  # a recursive $ref replaced by a permissive stand-in
    "unresolved-ref",  # a remote, anchor or dangling $ref replaced by {}
    "drop-key",  # keywords that constrain values dropped (unportable or invalid)
    "drop-annotations",  # annotation keywords dropped, counted for the whole schema
    "collapse-nullable",  # a null alternative, null type or OpenAPI nullable dropped
    "drop-default-null",  # a `default: null` removed with the null it stood for
    "nullable-keyword",  # null written as OpenAPI `nullable: true` for a backend that takes only that
    "one-of-to-any-of",
    "merge-any-of",  # a lone anyOf alternative merged into its parent
    "merge-all-of",
    "type-list-to-any-of",  # a type list split into anyOf (or a one-entry list unwrapped)
    "const-to-enum",
    "prefix-items-to-items",  # a tuple folded into one items schema
    "add-items",
    "add-type-object",
    "add-properties",
    "drop-required",  # required entries that are duplicates or name no property
    "boolean-schema",  # a true/false schema replaced or removed
    "replace-invalid",  # a value that is not a schema replaced by {}
    "replace-root",  # a root that is not an object replaced by an empty object
    "flatten-root-union",  # a root anyOf folded into one object
    "truncate-description",
    "depth-limit",
    "size-limit",
]


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One edit made to a tool's schema on its way to the model."""

    path: str
    """JSON pointer into the input schema where the change applies, ``""`` for the root."""
    action: SchemaAction
    detail: str
    """One human sentence."""

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.action}: {self.detail}"


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """What convert_schema changed, so users can see why the model's view differs from the server's."""

    changes: tuple[SchemaChange, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the conversion changed anything."""
        return bool(self.changes)

    def __str__(self) -> str:
        return "\n".join(map(str, self.changes)) if self.changes else "no changes"


@dataclass(frozen=True, slots=True)
class SchemaLimits:
    """Bounds that keep a huge or hostile schema from costing unbounded time or tokens."""

    max_depth: int = 24
    """Nesting of subschemas."""
    max_nodes: int = 5_000
    """Subschemas visited, including inlined refs (guards ref explosion)."""
    max_description_chars: int = 1_000
    """Per property/subschema description."""
    max_tool_description_chars: int = 8_000

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SchemaLimits.{name} must be a positive integer, got {value!r}")
        # The converter recurses a few frames per level; beyond this the interpreter's
        # recursion limit, not the schema, would decide.
        if self.max_depth > _DEPTH_CEILING:
            raise ValueError(f"SchemaLimits.max_depth must be at most {_DEPTH_CEILING}")


_DEPTH_CEILING: Final = 64


NullStyle = Literal["keep", "omit", "nullable"]
"""How ``null`` reaches the model.

* ``"keep"``: as the server wrote it (a ``{"type": "null"}`` alternative); GPT and Claude take it.
* ``"omit"``: dropped where omitting the argument means the same (an optional property whose
  default is null or absent); kept as an alternative elsewhere (a required property, array
  items, map values, a non-null default), where nothing else could say it.
* ``"nullable"``: as ``"omit"``, then the null alternatives left are written as OpenAPI
  ``nullable: true``, the only form some backends (Gemini's schema) take.
"""


@dataclass(frozen=True, slots=True)
class SchemaTarget:
    """What the backend receiving a tool's schema accepts; chosen per model from its profile."""

    nulls: NullStyle = "omit"
    strict: bool = False
    """Send the tool with ``strict: true`` wherever it can be written in the strict subset."""

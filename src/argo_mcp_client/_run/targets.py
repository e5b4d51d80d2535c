"""Which schema form each model receives: the run joins the model's profile to the tool registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from argo_mcp_client._mcp.schema.types import SchemaTarget

if TYPE_CHECKING:
    from argo_mcp_client._models.profiles import ModelProfile

__all__ = ["schema_target"]

_KEEP = SchemaTarget(nulls="keep")
_STRICT = SchemaTarget(nulls="keep", strict=True)
_NULLABLE = SchemaTarget(nulls="nullable")
_PORTABLE = SchemaTarget(nulls="omit")


def schema_target(profile: ModelProfile) -> SchemaTarget:
    """The schema form for a model: strict where it takes it, null kept where its family accepts it.

    GPT and Claude take ``null`` alternatives; Gemini's schema takes only OpenAPI's
    ``nullable``; a model of unknown family gets the portable form.
    """
    if profile.strict_tools:
        return _STRICT
    if profile.family in ("openai", "anthropic"):
        return _KEEP
    if profile.family == "google":
        return _NULLABLE
    return _PORTABLE

"""A run's budgets from the profiles of its models: context, tools, prices, output route. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from argo_mcp_client._models.profiles import profile_for
from argo_mcp_client._run.budget import ContextBudget
from argo_mcp_client._run.catalogue import CONTEXT_SHARE
from argo_mcp_client._run.output import OutputSpec
from argo_mcp_client._run.usage import price_for

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from argo_mcp_client._models.profiles import ModelProfile
    from argo_mcp_client._run.budget import TokenCounter
    from argo_mcp_client._run.usage import Price


@dataclass(frozen=True, slots=True)
class LongRunSettings:
    """The client's choices about long runs (see :class:`ArgoMCPClient`)."""

    context_budget: bool = True
    token_counter: TokenCounter | None = None
    tool_catalogue: bool = True
    prices: Mapping[str, Price] | None = None
    profiles: Mapping[str, ModelProfile] | None = None
    """The user's profile overrides, by Argo id, alias or glob."""


def sizing(
    models: Sequence[str],
    settings: LongRunSettings,
    *,
    output_type: Any = None,
    output_retries: int = 2,
) -> dict[str, Any]:
    """The :class:`RunOptions` fields a run's models decide; a chain is held to its smallest model."""
    profiles = [profile_for(model, settings.profiles) for model in models]
    fields: dict[str, Any] = {
        "prices": {
            model: price_for(model, (p.input_price, p.output_price), settings.prices)
            for model, p in zip(models, profiles, strict=True)
        }
    }
    budgets = [
        ContextBudget.for_window(p.context_window, p.max_output_tokens, settings.token_counter)
        for p in profiles
    ]
    smallest = min(budgets, key=lambda b: b.limit)
    if settings.context_budget:
        fields["budget"] = smallest
    if settings.tool_catalogue:
        limits = [p.tools_payload_limit for p in profiles if p.tools_payload_limit is not None]
        fields["tools_payload_limit"] = min(limits) if limits else None
        fields["tools_token_limit"] = int(smallest.context_window * CONTEXT_SHARE)
    if output_type is not None:
        direct = all(p.json_schema_output for p in profiles)
        route: Literal["response_format", "tool"] = "response_format" if direct else "tool"
        fields["output"] = OutputSpec(output_type, route, retries=output_retries)
    return fields

"""What a run costs, and the limits that end it early. Pure.

Prices are USD per million tokens, input and output, per model: the profiles'
table, overridden by the client's ``prices`` (by Argo id, alias or glob).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argo_mcp_client._models.aliases import canonical_model

if TYPE_CHECKING:
    from collections.abc import Mapping

    from argo_mcp_client.result import Usage

__all__ = ["Price", "UsageLimits", "cost_of", "limit_reached", "price_for"]

Price = tuple[float, float]
"""USD per million input tokens, and per million output tokens."""


@dataclass(frozen=True, slots=True)
class UsageLimits:
    """Limits on one run; the run ends with :class:`UsageLimitExceeded` before a request would pass one.

    Example:
        ```python
        await client.run("Gapfill and simulate", usage_limits=UsageLimits(max_requests=20, max_cost=0.50))
        ```
    """

    max_requests: int | None = None
    """Model requests answered (a retried request counts once)."""
    max_tokens: int | None = None
    """Input and output tokens together, as the gateway reported them (estimated for the next request)."""
    max_cost: float | None = None
    """USD, from the models' prices; a model without a known price counts as free."""


def price_for(
    model: str, profile_price: tuple[float | None, float | None], overrides: Mapping[str, Price] | None
) -> Price | None:
    """The price of ``model``: an override (by name or glob), else the profile's, else ``None``."""
    argo_id = canonical_model(model)
    for key, price in (overrides or {}).items():
        if canonical_model(key) == argo_id or fnmatch.fnmatch(model, key):
            return price
    input_price, output_price = profile_price
    if input_price is None or output_price is None:
        return None
    return input_price, output_price


def cost_of(usage: Mapping[str, Usage], prices: Mapping[str, Price | None]) -> float | None:
    """USD spent, or ``None`` when a model that was used has no known price."""
    total = 0.0
    for model, spent in usage.items():
        price = prices.get(model)
        if price is None:
            if spent.prompt_tokens or spent.completion_tokens:
                return None
            continue
        total += spent.prompt_tokens * price[0] / 1e6 + spent.completion_tokens * price[1] / 1e6
    return total


def limit_reached(
    limits: UsageLimits, *, requests: int, tokens: int, cost: float | None, next_tokens: int = 0
) -> str | None:
    """Which limit the next request would pass, said plainly; ``None`` while all hold."""
    if limits.max_requests is not None and requests >= limits.max_requests:
        return f"the run made {requests} model requests, its limit (max_requests={limits.max_requests})"
    if limits.max_tokens is not None and tokens + next_tokens > limits.max_tokens:
        return (
            f"the run used {tokens:,} tokens and the next request would send about {next_tokens:,} more, "
            f"past its limit (max_tokens={limits.max_tokens:,})"
        )
    if limits.max_cost is not None and cost is not None and cost >= limits.max_cost:
        return f"the run cost ${cost:.4f}, reaching its limit (max_cost=${limits.max_cost:g})"
    return None

"""Token counting offline, and the budget a model's profile gives."""

from __future__ import annotations

import json

from argo_mcp_client._models.profiles import profile_for
from argo_mcp_client._run.budget import ContextBudget, estimate_tokens
from argo_mcp_client._run.sizing import LongRunSettings, sizing


def test_the_estimate_errs_high_for_prose() -> None:
    prose = "The draft model grows on glucose once gapfilling has added the missing reactions. " * 20
    # A tokenizer counts about one token for four characters of English prose.
    assert estimate_tokens(prose) >= len(prose) / 4


def test_a_user_counter_replaces_the_estimate() -> None:
    budget = ContextBudget(context_window=1_000, reserve=100, counter=lambda text: len(text.split()))

    assert budget.message_tokens({"role": "user", "content": "three little words"}) == 4 + 3


def test_tool_calls_and_images_are_counted() -> None:
    budget = ContextBudget(context_window=1_000, reserve=0)
    call = {"id": "c", "type": "function", "function": {"name": "run_fba", "arguments": json.dumps({"a": 1})}}

    assert budget.message_tokens({"role": "assistant", "content": None, "tool_calls": [call]}) > 4
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    assert budget.message_tokens({"role": "user", "content": [image]}) >= 800


def test_the_budget_leaves_room_for_the_answer() -> None:
    profile = profile_for("gpt4o")
    budget = ContextBudget.for_window(profile.context_window, profile.max_output_tokens)

    assert budget.limit == profile.context_window - profile.max_output_tokens


def test_a_chain_is_held_to_its_smallest_model() -> None:
    fields = sizing(("claudesonnet45", "gpt4o"), LongRunSettings())

    assert fields["budget"].context_window == profile_for("gpt4o").context_window


def test_argo_models_have_a_tools_payload_limit_whatever_the_base_url() -> None:
    assert sizing(("argo:gpt-4o",), LongRunSettings())["tools_payload_limit"] == 40_000
    assert sizing(("my-local-model",), LongRunSettings())["tools_payload_limit"] is None
    assert "tools_payload_limit" not in sizing(("gpt4o",), LongRunSettings(tool_catalogue=False))

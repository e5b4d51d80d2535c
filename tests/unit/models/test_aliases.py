"""Argo ids and proxy aliases name the same model."""

from __future__ import annotations

import pytest

from argo_mcp_client._models.aliases import canonical_model, model_family, same_model


@pytest.mark.parametrize(
    ("names", "argo_id"),
    [
        (["gpt4o", "argo:gpt-4o", "GPT-4o", "gpt-4o", "gpt-4o-2024-08-06"], "gpt4o"),
        (
            [
                "claudesonnet45",
                "argo:claude-4.5-sonnet",
                "argo:claude-sonnet-4.5",
                "claude-sonnet-4-5-20250929",
            ],
            "claudesonnet45",
        ),
        (["claudeopus41", "argo:claude-4.1-opus", "argo:claude-opus-4.1"], "claudeopus41"),
        (["gpto3mini", "argo:gpt-o3-mini", "argo:o3-mini"], "gpto3mini"),
        (["gemini25flash", "argo:gemini-2.5-flash"], "gemini25flash"),
        (["gpt41nano", "argo:gpt-4.1-nano", "GPT-4.1-Nano"], "gpt41nano"),
        (["gpt54nano", "argo:gpt-5.4-nano", "argo/gpt-5.4-nano"], "gpt54nano"),
    ],
)
def test_every_name_of_a_model_reduces_to_its_argo_id(names: list[str], argo_id: str) -> None:
    assert {canonical_model(name) for name in names} == {argo_id}


def test_different_models_stay_different() -> None:
    assert not same_model("argo:gpt-4o", "argo:gpt-4.1")
    assert not same_model("claudesonnet45", "claudeopus45")


@pytest.mark.parametrize(
    ("name", "family"),
    [("argo:gpt-4o", "openai"), ("argo:o3-mini", "openai"), ("argo:claude-4.5-sonnet", "anthropic"),
     ("gemini25flash", "google"), ("llama3", "other")],
)  # fmt: skip
def test_the_family_follows_the_name(name: str, family: str) -> None:
    assert model_family(name) == family

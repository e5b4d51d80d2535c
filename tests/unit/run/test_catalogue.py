"""The tool catalogue: every tool while they fit, else shortened descriptions, else a ranked few."""

from __future__ import annotations

from argo_mcp_client._run.catalogue import ToolCatalogue, describe_found, payload_size
from argo_mcp_client._run.planner import reader_tool_spec
from support.toolsets import gem_flux_tools, many_servers, registry

ARGO_LIMIT = 40_000


def test_tools_that_fit_are_all_sent_whole() -> None:
    tools = list(registry({"gemflux": gem_flux_tools()[:5]}))

    selection = ToolCatalogue().select(tools, context="", payload_limit=ARGO_LIMIT)

    assert selection.mode == "all"
    assert [t["function"]["description"] for t in selection.tools] == [t.description for t in tools]


def test_gem_flux_over_the_limit_gets_shortened_descriptions_and_search() -> None:
    tools = list(registry({"gemflux": gem_flux_tools()}))
    reader = [reader_tool_spec()]
    # Gem-Flux's own eleven tools take 39.99 KB: the reader tool tips them over Argo's limit.
    assert payload_size([t.openai_tool() for t in tools] + reader) > ARGO_LIMIT

    selection = ToolCatalogue().select(tools, context="", payload_limit=ARGO_LIMIT, extra=reader)

    assert selection.mode == "shortened"
    assert selection.searchable
    assert len(selection.tools) == 11
    run_fba = next(t for t in selection.tools if t["function"]["name"] == "run_fba")
    assert run_fba["function"]["description"].endswith("search_tools shows the whole description]")
    assert payload_size(selection.tools) < ARGO_LIMIT / 2


def test_a_thousand_tools_are_cut_to_the_most_relevant_within_the_limit() -> None:
    tools = list(registry(many_servers()))

    selection = ToolCatalogue().select(
        tools, context="run flux balance analysis on my model", payload_limit=ARGO_LIMIT
    )

    assert selection.mode == "ranked"
    assert 5 < len(selection.tools) < 100
    assert payload_size(selection.tools) < ARGO_LIMIT
    assert all("flux" in name for name in selection.offered[:5])


def test_tools_the_model_found_are_offered_first() -> None:
    tools = list(registry(many_servers()))
    found = tools[357].name

    selection = ToolCatalogue().select(tools, context="flux", loaded=[found], payload_limit=ARGO_LIMIT)

    assert selection.offered[0] == found


def test_search_ranks_by_name_and_description() -> None:
    tools = list(registry({"gemflux": gem_flux_tools()}))
    catalogue = ToolCatalogue()

    assert catalogue.search(tools, "gapfill")[0].name == "gapfill_model"
    assert catalogue.search(tools, "growth medium compounds")[0].name == "build_media"
    assert catalogue.search(tools, "delete a model")[0].name == "delete_model"
    assert catalogue.search(tools, "zzzz") == []


def test_search_answers_whole_descriptions() -> None:
    tools = list(registry({"gemflux": gem_flux_tools()}))

    found = ToolCatalogue().search(tools, "flux balance", limit=1)

    assert found[0].description in describe_found(found)


def test_a_token_limit_also_brings_the_catalogue_in() -> None:
    tools = list(registry({"gemflux": gem_flux_tools()[:3]}))

    selection = ToolCatalogue().select(
        tools, context="", token_limit=1_000, count=lambda text: len(text) // 3
    )

    assert selection.mode != "all"

"""Big tool results kept whole as artifacts; the model gets a preview and reads parts with read_artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argo_mcp_client import InProcessServer
from argo_mcp_client._run.artifacts import Artifacts, FileArtifactStore
from argo_mcp_client.testing import ScriptedRequest, call, reply
from support.servers import big_results_server, flux_table
from unit.conftest import Connect

ROWS = 5_000  # about 95,000 characters of JSON


@pytest.fixture
def fluxes() -> InProcessServer:
    return InProcessServer(name="fluxes", server=big_results_server())


async def test_a_big_result_is_kept_whole_and_the_model_gets_a_preview_and_handle(
    connect: Connect, fluxes: InProcessServer
) -> None:
    client, model = await connect([call("flux_table", {"rows": ROWS}), reply("done")], servers=[fluxes])

    result = await client.run("Show the fluxes")

    record = result.tool_calls[0]
    whole = json.dumps(flux_table(ROWS))
    assert record.artifact is not None
    assert record.artifact.size == len(whole)
    assert record.artifact.media_type == "application/json"
    assert await client.read_artifact(record.artifact) == whole.encode()
    sent = model.requests[1].messages[-1]["content"]
    assert len(sent) < 3_000
    assert f"artifact {record.artifact.id!r}" in sent
    assert "Top-level keys: model_id" in sent
    assert sent == record.output


async def test_the_reader_tool_is_offered_only_once_artifacts_exist(
    connect: Connect, fluxes: InProcessServer
) -> None:
    client, model = await connect(
        [call("flux_table", {"rows": 10}), call("flux_table", {"rows": ROWS}), reply("done")],
        servers=[fluxes],
    )

    await client.run("Show the fluxes")

    assert [("read_artifact" in r.tool_names) for r in model.requests] == [False, False, True]


async def test_the_model_reads_a_part_by_json_pointer(connect: Connect, fluxes: InProcessServer) -> None:
    def script(request: ScriptedRequest) -> object:
        done = [m for m in request.messages if m["role"] == "tool"]
        if not done:
            return call("flux_table", {"rows": ROWS, "seed": 3})
        if len(done) == 1:
            handle = done[0]["content"].split("artifact '")[1].split("'")[0]
            return call("read_artifact", {"id": handle, "pointer": "/fluxes/rxn04321"})
        return reply(f"rxn04321 carries {done[-1]['content']}")

    client, _ = await connect(script, servers=[fluxes])  # type: ignore[arg-type]

    result = await client.run("What does rxn04321 carry?")

    assert result.output == f"rxn04321 carries {flux_table(ROWS, 3)['fluxes']['rxn04321']}"
    reader = result.tool_calls[1]
    assert (reader.server, reader.tool, reader.is_error) == (None, "read_artifact", False)


async def test_an_unknown_artifact_is_an_error_naming_the_known_ones(
    connect: Connect, fluxes: InProcessServer
) -> None:
    client, _ = await connect(
        [
            call("flux_table", {"rows": ROWS}),
            call("read_artifact", {"id": "nope", "start_line": 1}),
            reply("ok"),
        ],
        servers=[fluxes],
    )

    result = await client.run("go")

    assert result.tool_calls[1].is_error
    assert result.tool_calls[0].artifact is not None
    assert result.tool_calls[0].artifact.id in result.tool_calls[1].output


async def test_without_artifacts_big_results_are_cut_as_before(
    connect: Connect, fluxes: InProcessServer
) -> None:
    client, _ = await connect(
        [call("flux_table", {"rows": ROWS}), reply("done")],
        servers=[fluxes],
        artifacts=False,
        max_tool_output=1_000,
    )

    result = await client.run("Show the fluxes")

    assert result.tool_calls[0].artifact is None
    assert "[output truncated:" in result.tool_calls[0].output


async def test_artifacts_go_to_a_given_folder_and_stay(
    connect: Connect, fluxes: InProcessServer, tmp_path: Path
) -> None:
    client, _ = await connect(
        [call("flux_table", {"rows": ROWS}), reply("done")], servers=[fluxes], artifacts=tmp_path
    )

    result = await client.run("Show the fluxes")

    artifact = result.tool_calls[0].artifact
    assert artifact is not None
    assert artifact.location == str(tmp_path / artifact.id)
    assert (tmp_path / artifact.id).stat().st_size == artifact.size


async def test_the_temporary_store_is_removed_on_close() -> None:
    store = FileArtifactStore()
    artifacts = Artifacts(store)
    ref = await artifacts.keep("x" * 30_000, call_id="c1", tool="t")
    folder = store.folder
    assert folder is not None
    assert (folder / ref.id).exists()

    store.close()

    assert not folder.exists()


async def test_binary_data_uses_the_same_store(tmp_path: Path) -> None:
    artifacts = Artifacts(FileArtifactStore(tmp_path))

    ref = await artifacts.save(b"\x89PNG\r\n", media_type="image/png", tool="picture")

    assert await artifacts.read(ref.id) == b"\x89PNG\r\n"
    assert ref.media_type == "image/png"


async def test_a_resumed_conversation_reads_artifacts_kept_in_the_same_folder(tmp_path: Path) -> None:
    first = Artifacts(FileArtifactStore(tmp_path))
    ref = await first.keep(json.dumps({"a": list(range(5_000))}), call_id="c1", tool="t")

    later = Artifacts(FileArtifactStore(tmp_path))
    _, parsed = await later.text_of(ref.id)

    assert parsed["a"][4321] == 4321
    assert later.refs[ref.id].media_type == "application/json"
    with pytest.raises(KeyError):
        await later.text_of("../etc")

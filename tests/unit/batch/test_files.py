"""Batch files: items in, results appended whole, resuming skips what is done and drops a cut-off line."""

from __future__ import annotations

from pathlib import Path

import pytest

from argo_mcp_client import BatchResult, ConfigError
from argo_mcp_client.batch import ResultWriter, done_ids, read_items


def test_items_are_read_one_per_line_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "prompt": "hi"}\n\n{"id": "b", "prompt": "yo", "model": "gpt4o"}\n')
    items = read_items(path)
    assert [(i.id, i.model) for i in items] == [("a", None), ("b", "gpt4o")]


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"prompt": "no id"}', "id"),
        ("not json", "line"),
        ('{"id": "a", "prompt": "x", "colour": 1}', "colour"),
    ],
)
def test_a_bad_item_line_is_named_with_its_number(tmp_path: Path, line: str, said: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "ok", "prompt": "fine"}\n' + line + "\n")
    with pytest.raises(ConfigError, match=rf"in.jsonl:2: .*{said}"):
        read_items(path)


def test_a_repeated_id_in_the_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "prompt": "1"}\n{"id": "a", "prompt": "2"}\n')
    with pytest.raises(ConfigError, match="used twice"):
        read_items(path)


def test_results_are_appended_as_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with ResultWriter(path) as writer:
        writer.write(BatchResult(id="a", ok=True, output="x"))
    with ResultWriter(path) as writer:
        writer.write(BatchResult(id="b", ok=False, error="boom"))
    lines = path.read_text().splitlines()
    assert [BatchResult.model_validate_json(line).id for line in lines] == ["a", "b"]
    assert done_ids(path) == {"a", "b"}


def test_resuming_drops_a_last_line_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    whole = BatchResult(id="a", ok=True).model_dump_json() + "\n"
    path.write_text(whole + '{"id": "b", "ok": tr')
    assert done_ids(path) == {"a"}
    assert path.read_text() == whole


def test_a_missing_output_means_nothing_is_done(tmp_path: Path) -> None:
    assert done_ids(tmp_path / "none.jsonl") == set()

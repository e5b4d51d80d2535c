"""The artifact reader's slicing: pointers, paths, line and character ranges, search."""

from __future__ import annotations

import json

import pytest

from argo_mcp_client._run.reader import ReadError, read_part, resolve_pointer

DOC = {"fluxes": {"PGI": 4.86, "a/b": 1.0}, "top_fluxes": [{"reaction_id": "PFK", "flux": 7.48}], "n": 3}
TEXT = json.dumps(DOC, indent=1)
LINES = "\n".join(f"row {i}: value {i * i}" for i in range(1, 201))


def read(arguments: dict[str, object], text: str = TEXT, parsed: object = DOC, is_json: bool = True) -> str:
    return read_part(text, parsed, dict(arguments), is_json=is_json)


def test_json_pointer() -> None:
    assert read({"pointer": "/fluxes/PGI"}) == "4.86"
    assert read({"pointer": "/fluxes/a~1b"}) == "1.0"
    assert json.loads(read({"pointer": "/top_fluxes/0"})) == {"reaction_id": "PFK", "flux": 7.48}


def test_dotted_path() -> None:
    assert read({"pointer": "top_fluxes[0].flux"}) == "7.48"
    assert read({"pointer": "$.fluxes.PGI"}) == "4.86"


def test_a_missing_key_names_the_keys_there() -> None:
    with pytest.raises(ReadError, match="the keys there are: PGI, a/b"):
        resolve_pointer(DOC, "/fluxes/PFK")
    with pytest.raises(ReadError, match="list of 1 items"):
        resolve_pointer(DOC, "/top_fluxes/3")


def test_line_range_is_numbered_and_bounded() -> None:
    part = read({"start_line": 10, "end_line": 12}, LINES, None, False)

    assert part.splitlines() == [
        "[lines 10-12 of 200]",
        "10: row 10: value 100",
        "11: row 11: value 121",
        "12: row 12: value 144",
    ]


def test_character_range_says_where_the_rest_is() -> None:
    part = read({"offset": 2, "length": 10}, LINES, None, False)

    assert part.splitlines()[1] == LINES[2:12]
    assert "next offset 12" in part


def test_search_gives_each_occurrence_with_its_line_and_offset() -> None:
    part = read({"search": "ROW 12:"}, LINES, None, False)

    assert part.startswith("[1 occurrences]")
    assert f"line 12, offset {LINES.index('row 12:')}" in part


def test_search_finds_inside_one_line_json() -> None:
    text = json.dumps({f"rxn{i}": i for i in range(5_000)})

    part = read({"search": '"rxn4321"'}, text, None, False)

    assert '"rxn4321": 4321' in part


def test_answers_are_capped_with_a_way_on() -> None:
    part = read({"offset": 0, "max_chars": 100}, "x" * 10_000, None, False)

    assert len(part) < 200
    assert "next offset 100" in part


def test_a_pointer_into_text_is_refused() -> None:
    with pytest.raises(ReadError, match="not JSON"):
        read({"pointer": "/a"}, LINES, None, False)


def test_nothing_asked_for_is_refused() -> None:
    with pytest.raises(ReadError, match="say which part"):
        read({})

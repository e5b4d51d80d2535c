"""Model-facing tool names: unique, valid for the strictest backend, and exactly reversible."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from argo_mcp_client._mcp.naming import MAX_NAME_LENGTH, VALID_NAME, assign_names


def test_a_unique_valid_name_is_kept() -> None:
    assert assign_names([("gemflux", "run_fba")]) == {("gemflux", "run_fba"): "run_fba"}


def test_colliding_names_are_prefixed_with_their_server() -> None:
    names = assign_names([("a", "search"), ("b", "search"), ("b", "fetch")])

    assert names == {("a", "search"): "a__search", ("b", "search"): "b__search", ("b", "fetch"): "fetch"}


def test_invalid_characters_become_underscores() -> None:
    assert assign_names([("s", "get.weather/today")]) == {("s", "get.weather/today"): "get_weather_today"}


def test_a_name_starting_with_a_digit_gets_a_leading_underscore() -> None:
    assert assign_names([("s", "3d-view")])[("s", "3d-view")] == "_3d-view"


def test_a_long_name_is_cut_and_hashed_to_the_limit() -> None:
    long = "summarise_" * 10
    name = assign_names([("s", long)])[("s", long)]

    assert len(name) == MAX_NAME_LENGTH
    assert VALID_NAME.match(name)
    assert name.startswith("summarise_summarise_")


def test_long_names_that_share_a_prefix_stay_distinct() -> None:
    first, second = "x" * 80 + "_one", "x" * 80 + "_two"
    names = assign_names([("s", first), ("s", second)])

    assert names[("s", first)] != names[("s", second)]


def test_a_cleaned_name_meeting_a_real_one_is_hashed_and_the_real_one_kept() -> None:
    names = assign_names([("s", "a_b"), ("s", "a.b")])

    assert names[("s", "a_b")] == "a_b"
    assert names[("s", "a.b")].startswith("a_b_")
    assert len(names[("s", "a.b")]) == len("a_b_") + 8


def test_names_are_stable_across_calls() -> None:
    keys = [("alpha", "t" * 70), ("beta", "search"), ("gamma", "search")]

    assert assign_names(keys) == assign_names(list(keys))


tool_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=90
)
server_names = st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True)


@given(st.lists(st.tuples(server_names, tool_names), max_size=30))
def test_every_name_is_valid_unique_and_reversible(keys: list[tuple[str, str]]) -> None:
    names = assign_names(keys)

    assert set(names) == set(keys)
    assert all(VALID_NAME.match(name) for name in names.values())
    assert len(set(names.values())) == len(names)

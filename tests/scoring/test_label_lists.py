from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emer_scoring.label_lists import (
    LabelListError,
    list_syntax,
    parse_official_groups,
    parse_official_list,
    parse_strict_groups,
    parse_strict_list,
    parse_wheel_list,
)

pytestmark = pytest.mark.unit


def test_official_parser_splits_on_quotes_only() -> None:
    assert parse_official_list("['doubt', \"don't believe\"]") == ("doubt", "don", "t believe")
    assert parse_official_list("['a', 'b'] trailing ['c']") == ("a", "b")
    assert parse_official_list("") == ()


def test_official_parser_keeps_case_and_inner_spaces() -> None:
    assert parse_official_list("['Happy', 'slightly sad']") == ("Happy", "slightly sad")


def test_official_parser_needs_a_bracket() -> None:
    with pytest.raises(LabelListError, match=r"no '\['"):
        parse_official_list("happy, sad")


def test_strict_parser_reads_python_literals() -> None:
    assert parse_strict_list("['doubt', \"don't believe\"]") == ("doubt", "don't believe")
    assert parse_strict_list("[' happy ', '']") == ("happy",)
    for bad in ("['happy'", "happy", "[1, 2]", "{'a': 1}"):
        with pytest.raises(LabelListError):
            parse_strict_list(bad)


def test_wheel_parser_splits_on_quotes_and_commas() -> None:
    assert parse_wheel_list("['doubt', \"don't believe\"]") == ("doubt", "don", "t believe")
    assert parse_wheel_list("happy, Sad ,worried") == ("happy", "Sad", "worried")
    assert parse_wheel_list("['a, b']") == ("a", "b")
    assert parse_wheel_list("  ") == ()


@pytest.mark.parametrize("bad", ["['happy', 'sad'", "'happy', 'sad']", "[['a'], ['b']]"])
def test_wheel_parser_rejects_broken_brackets(bad: str) -> None:
    with pytest.raises(LabelListError):
        parse_wheel_list(bad)


def test_groups() -> None:
    text = "[['t believe', 'doubt'], ['displeasure', 'don']]"
    assert parse_official_groups(text) == (("t believe", "doubt"), ("displeasure", "don"))
    assert parse_strict_groups(text) == (("t believe", "doubt"), ("displeasure", "don"))
    with pytest.raises(LabelListError):
        parse_strict_groups("[['a'], 'b']")


def test_syntax_registry() -> None:
    assert list_syntax("strict").labels is parse_strict_list
    with pytest.raises(KeyError, match="official, strict"):
        list_syntax("loose")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\n\u3000'\",", max_size=30))
def test_wheel_parser_equals_split_and_strip(body: str) -> None:
    """The one-regex reading equals the MER reading: split on quotes and commas, strip."""
    expected = tuple(i.strip() for i in re.split("['\",]", body) if i.strip() not in ("", ","))
    assert parse_wheel_list(f"[{body}]") == expected

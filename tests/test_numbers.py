"""Numbers: digits, words and scales with their spans; the behaviours full-text search and normalisation rely on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.numbers import CURRENCY_WORDS, find_numbers, number_token


def _found(text: str) -> list[tuple[float, str, str | None, bool]]:
    return [(m.value, m.text, m.currency, m.vague) for m in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,523,000", [(4_523_000, "4,523,000", None, False)]),
        ("half a billion dollars", [(5e8, "half a billion", "USD", False)]),
        ("$500m", [(5e8, "$500m", "USD", False)]),
        ("$500 million", [(5e8, "$500 million", "USD", False)]),
        ("2bn", [(2e9, "2bn", None, False)]),
        ("1.5 million troops", [(1.5e6, "1.5 million", None, False)]),
        ("thirty-three", [(33, "thirty-three", None, False)]),
        ("two battalions", [(2, "two", None, False)]),
        ("F16", []),
        ("5 m deep", [(5, "5", None, False)]),
        ("5m deep", [(5, "5", None, False)]),
        ("a 100m sprint", [(100, "100", None, False)]),
        ("the 18th", []),
        ("the 1950s", []),
        ("a million", [(1e6, "a million", None, False)]),
        ("thousands of", [(1000, "thousands of", None, True)]),
        ("€3.5bn", [(3.5e9, "€3.5bn", "EUR", False)]),
        ("40k", [(40_000, "40k", None, False)]),
        # Added with the quantity parser.
        ("a quarter of a million", [(250_000, "a quarter of a million", None, False)]),
        ("two and a half million", [(2.5e6, "two and a half million", None, False)]),
        ("1.5m people", [(1.5e6, "1.5m", None, False)]),
        ("1.5m Syrian refugees", [(1.5e6, "1.5m", None, False)]),
        ("a dozen villages", [(12, "a dozen", None, False)]),
        ("dozens of people", [(12, "dozens of", None, True)]),
        ("several hundred people", [(100, "several hundred", None, True)]),
        ("a few thousand troops", [(1000, "a few thousand", None, True)]),
        ("several dozen homes", [(12, "several dozen", None, True)]),
        ("several mortar rounds", []),
        ("a single battalion", [(1, "a single", None, False)]),
        ("a single-family home", []),
        ("for a decade", [(1, "a", None, False)]),  # the unit after it, read by claims.quantities, makes it 10 years
        ("a quarter of a century", [(0.25, "a quarter of a", None, False)]),
        ("a decadent party", []),
        ("5\u00a0million", [(5e6, "5\u00a0million", None, False)]),
        ("5\nmillion", [(5e6, "5\nmillion", None, False)]),
    ],
)
def test_find_numbers(text: str, expected: list[tuple[float, str, str | None, bool]]):
    assert _found(text) == expected


def test_spans_point_at_the_text():
    text = "ISIS seized half a billion dollars and 2,000 rifles."
    for mention in find_numbers(text):
        assert text[mention.start : mention.end] == mention.text


def test_currency_words_cover_the_codes():
    assert set(CURRENCY_WORDS.values()) == {"USD", "GBP", "EUR", "JPY"}


@pytest.mark.parametrize(("value", "token"), [(5e8, "500000000"), (1.5, "1p5"), (3.7, "3p7")])
def test_number_token(value: float, token: str):
    assert number_token(value) == token


@given(st.integers(min_value=0, max_value=10**15))
def test_separated_integers_round_trip(n: int):
    (mention,) = find_numbers(f"about {n:,} people")
    assert mention.value == n


@given(st.text())
def test_never_raises(text: str):
    for mention in find_numbers(text):
        assert text[mention.start : mention.end] == mention.text

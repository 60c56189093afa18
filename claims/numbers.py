"""Find numbers in news text, written as digits, words or scales, with their character spans.

"4,523,000", "1.5 million", "$500m", "2bn", "half a billion", "thirty-three" all become plain values, so
"half a billion dollars" and "$500 million" meet both in full-text search and in claim comparison.
Units and hedges are the business of the quantity parser built on top of this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_FRACTIONS = {"half": 0.5, "quarter": 0.25, "a third": 1 / 3}
# Abbreviated scales glued to or right after digits: "$500m", "2bn", "3.5 mln", "40k".
_SHORT_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12, "trn": 1e12}
_CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "usd": "USD", "pound": "GBP", "pounds": "GBP", "gbp": "GBP",
    "euro": "EUR", "euros": "EUR", "eur": "EUR", "yen": "JPY",
}  # fmt: skip

_WORD_ATOM = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_SCALE_WORD = "|".join(_SCALES)
_NUMBER_WORDS = re.compile(
    rf"\b(?:(?:{_WORD_ATOM})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD_ATOM}|{_SCALE_WORD}))*"
    rf"|(?:half|a\s+quarter|a\s+third)\s+(?:of\s+)?an?\s+(?:{_SCALE_WORD})"
    rf"|an?\s+(?:{_SCALE_WORD})(?:\s+and\s+an?\s+half)?"
    rf"|(?:hundreds|thousands|millions|billions)\s+of)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(
    r"(?P<cur>US\$|[$£€¥])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    rf"(?:(?P<short>\s?(?:bn|mln|mn|trn|tn|[kmb])\b)|(?P<scale>[\s-]+(?:{_SCALE_WORD})s?\b))?",
    re.IGNORECASE,
)
_CURRENCY_AFTER = re.compile(r"\s+(dollars?|usd|pounds?|gbp|euros?|eur|yen)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number found in text: its value, where it stands, and a currency if one was written with it."""

    value: float
    start: int
    end: int
    text: str
    currency: str | None = None
    vague: bool = False  # "thousands of", "millions of": an order of magnitude, not a figure


def _words_value(phrase: str) -> tuple[float, bool]:
    words = re.findall(r"[a-z]+", phrase.lower())
    if words[-1] == "of" and words[0] in {"hundreds", "thousands", "millions", "billions"}:
        return _SCALES[words[0][:-1]], True
    for fraction, value in _FRACTIONS.items():
        if phrase.lower().startswith(fraction):
            return value * _SCALES[words[-1]], False
    if words[0] in {"a", "an"}:
        base = _SCALES[words[1]]
        return (base * 1.5 if words[-1] == "half" else base), False
    total, current = 0.0, 0.0
    for word in words:
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0.0
    return total + current, False


def _currency_after(text: str, end: int) -> str | None:
    match = _CURRENCY_AFTER.match(text, end)
    return CURRENCY_WORDS[match.group(1).lower()] if match else None


def find_numbers(text: str) -> list[NumberMention]:
    """Return every number in text, left to right, with its value and span."""
    found: list[NumberMention] = []
    for match in _DIGITS.finditer(text):
        if match.start("num") > 0 and (text[match.start("num") - 1].isalnum()):
            continue  # part of a token such as "F16" or "COVID19"
        if re.match(r"(?:st|nd|rd|th|s)\b", text[match.end("num") :]):
            continue  # an ordinal or a decade ("18th", "1950s"), not a quantity
        value = float(match.group("num").replace(",", ""))
        cur_symbol = match.group("cur")
        currency = _CURRENCY_SYMBOLS[cur_symbol.lower()] if cur_symbol else None
        if match.group("short"):
            short = match.group("short").strip().lower()
            if currency is None and short in {"m", "b"}:
                # Without a currency "5 m" is metres and "5 b" is noise; only "$5m"/"$5b" are scales.
                end = match.start("short")
                found.append(
                    NumberMention(
                        value,
                        match.start() if cur_symbol else match.start("num"),
                        end,
                        text[match.start("num") : end],
                    )
                )
                continue
            value *= _SHORT_SCALES[short]
        elif match.group("scale"):
            value *= _SCALES[match.group("scale").strip(" -").lower().rstrip("s")]
        start = match.start() if cur_symbol else match.start("num")
        end = match.end()
        currency = currency or _currency_after(text, end)
        found.append(NumberMention(value, start, end, text[start:end], currency))
    for match in _NUMBER_WORDS.finditer(text):
        if any(m.start < match.end() and match.start() < m.end for m in found):
            continue
        value, vague = _words_value(match.group(0))
        currency = _currency_after(text, match.end())
        found.append(NumberMention(value, match.start(), match.end(), match.group(0), currency, vague))
    return sorted(found, key=lambda m: m.start)


def number_token(value: float) -> str:
    """Spell a value as one search token: 500000000, 1p5 (a period would split it in full-text search)."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6g}".replace(".", "p")

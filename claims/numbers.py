"""Find numbers in news text, written as digits, words or scales, with their character spans.

"4,523,000", "1.5 million", "$500m", "2bn", "half a billion", "thirty-three" all become plain values, so
"half a billion dollars" and "$500 million" meet both in full-text search and in claim comparison.
Units and hedges are the business of the quantity parser built on top of this.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
_FRACTIONS = {"half": 0.5, "a quarter": 0.25, "a third": 1 / 3}
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
    rf"\b(?:(?:{_WORD_ATOM})\s+and\s+a\s+half\s+(?:{_SCALE_WORD})"
    rf"|(?:{_WORD_ATOM})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD_ATOM}|{_SCALE_WORD}))*"
    rf"|(?:half|a\s+quarter|a\s+third)\s+(?:of\s+)?an?\s+(?:{_SCALE_WORD})"
    rf"|an?\s+(?:{_SCALE_WORD})(?:\s+and\s+an?\s+half)?"
    rf"|(?:(?:half|a\s+quarter|a\s+third)\s+(?:of\s+)?)?an?(?=\s+(?:decade|century)\b)|an?\s+single(?=\s+[a-z])"
    rf"|(?:hundreds|thousands|millions|billions|dozens)\s+of|an?\s+dozen"
    rf"|(?:several|a\s+few)\s+(?:dozen|{_SCALE_WORD}))\b",
    re.IGNORECASE,
)
# Thousands grouped by a space, as French and most European text writes them ("3 000", "50\u202f000"): a space,
# a no-break space, a narrow no-break space (the typographic one) or a thin space, always before exactly 3 digits.
GROUP_SPACES = " \u00a0\u202f\u2009"
# The lookahead lets the scan skip letters and spaces cheaply; it does not change what matches.
_DIGITS = re.compile(
    r"(?=US\$|[$£€¥\d.])(?:(?P<cur>US\$|[$£€¥])\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    rf"|\d{{1,3}}(?:[{GROUP_SPACES}]\d{{3}}(?!\d))+(?:\.\d+)?"
    r"|\d+(?:\.\d+)?|\.\d+)"
    rf"(?:(?P<short>\s?(?:bn|mln|mn|trn|tn|[kmb])\b)|(?P<scale>[\s-]+(?:{_SCALE_WORD})s?\b))?",
    re.IGNORECASE,
)
# "1.5m people" is 1.5 million, "5m deep" and "a 100m sprint" are metres: a plural noun after a glued "m" decides.
_PLURAL_AFTER = re.compile(r"\s+(?:[A-Z][a-z]+\s+)?(?:people|children|men|women|[a-z]{2,}s)\b")
_NOT_PLURAL = frozenset(
    ["across", "as", "is", "was", "has", "plus", "less", "thus", "its", "this", "us", "his", "towards", "always"]
)
_ORDINAL_END = re.compile(r"(?:st|nd|rd|th|s)\b")
# Words a spelled-out number can begin with; the word pattern is only tried where one stands.
_FIRST_WORDS = frozenset(
    [*_UNITS, *_TENS, "half", "a", "an", "hundreds", "thousands", "millions", "billions", "dozens", "several"]
)
_WORD_START = re.compile(r"\b[A-Za-z]+")
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
    if words[0] == "several" or words[:2] == ["a", "few"]:  # "several hundred" reads as "hundreds of"
        return (12.0 if words[-1] == "dozen" else _SCALES[words[-1]]), True
    if words[-1] == "dozen":
        return 12.0, False
    if words[-1] == "of" and words[0] == "dozens":
        return 12.0, True
    if words[-1] == "of" and words[0] in {"hundreds", "thousands", "millions", "billions"}:
        return _SCALES[words[0][:-1]], True
    for fraction, value in _FRACTIONS.items():
        if phrase.lower().startswith(fraction):
            return value * _SCALES.get(words[-1], 1.0), False  # "a quarter of a" century: the unit follows
    if words[0] in {"a", "an"} and words[-1] in {"a", "an", "single"}:
        return 1.0, False  # "a single battalion", "for a decade" (the unit after it makes it ten years)
    if words[0] in {"a", "an"}:
        base = _SCALES[words[1]]
        return (base * 1.5 if words[-1] == "half" else base), False
    if words[1:4] == ["and", "a", "half"]:
        return (_UNITS.get(words[0], _TENS.get(words[0], 0)) + 0.5) * _SCALES[words[-1]], False
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


def _is_glued_million(text: str, match: re.Match[str]) -> bool:
    if match.group("short").lower() != "m":
        return False
    plural = _PLURAL_AFTER.match(text, match.end())
    return bool(plural) and plural.group(0).split()[-1] not in _NOT_PLURAL


def _currency_after(text: str, end: int) -> str | None:
    match = _CURRENCY_AFTER.match(text, end)
    return CURRENCY_WORDS[match.group(1).lower()] if match else None


def _iter_number_words(text: str) -> Iterator[re.Match[str]]:
    # Same matches as _NUMBER_WORDS.finditer, several times faster: the big alternation runs at candidate words only.
    cursor = 0
    for word in _WORD_START.finditer(text):
        if word.start() < cursor or word.group(0).lower() not in _FIRST_WORDS:
            continue
        match = _NUMBER_WORDS.match(text, word.start())
        if match:
            cursor = match.end()
            yield match


def find_numbers(text: str) -> list[NumberMention]:
    """Return every number in text, left to right, with its value and span."""
    found: list[NumberMention] = []
    for match in _DIGITS.finditer(text):
        if match.start("num") > 0 and (text[match.start("num") - 1].isalnum()):
            continue  # part of a token such as "F16" or "COVID19"
        if _ORDINAL_END.match(text, match.end("num")):
            continue  # an ordinal or a decade ("18th", "1950s"), not a quantity
        value = float(re.sub(rf"[,{GROUP_SPACES}]", "", match.group("num")))
        cur_symbol = match.group("cur")
        currency = _CURRENCY_SYMBOLS[cur_symbol.lower()] if cur_symbol else None
        if match.group("short"):
            short = match.group("short").strip().lower()
            if currency is None and short in {"m", "b"} and not _is_glued_million(text, match):
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
            value *= _SCALES[re.sub(r"[\s-]+", "", match.group("scale")).lower().rstrip("s")]
        start = match.start() if cur_symbol else match.start("num")
        end = match.end()
        currency = currency or _currency_after(text, end)
        found.append(NumberMention(value, start, end, text[start:end], currency))
    for match in _iter_number_words(text):
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

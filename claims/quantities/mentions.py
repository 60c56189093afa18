"""Mentions: the numbers of a text that are quantities (not dates, years, clock times or labels), each with its
currency, unit and hedge, vague chains ("hundreds of thousands") and ranges ("1,500-2,000") joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claims.numbers import GROUP_SPACES, NumberMention
from claims.quantities.hedges import _HEDGE_AFTER, _HEDGE_AFTER_OF, _hedge_before
from claims.quantities.units import _unit_at, _unit_info

_CURRENCY_WORD = re.compile(r"\s+(?:dollars?|usd|pounds?|gbp|euros?|eur|yen)\b", re.IGNORECASE)
_CURRENCY_CODE_BEFORE = re.compile(r"\b(USD|EUR|GBP|JPY|US\$|A\$|C\$|HK\$|NZ\$|S\$)\s?$")
_CURRENCY_CODES = {"US$": "USD", "A$": "AUD", "C$": "CAD", "HK$": "HKD", "NZ$": "NZD", "S$": "SGD"}
_POUNDS_OF = re.compile(r"\s+pounds?(?=\s+of\b)", re.IGNORECASE)

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")  # fmt: skip
_YEAR_TEXT = re.compile(r"(?:1[89]|20)\d\d")
# Months are matched capitalised only: "40 may have died" is not the 40th of May.
_CAPITAL_MONTHS = "|".join(m.capitalize() for m in _MONTHS.split("|"))
_DATE_BEFORE = re.compile(
    rf"(?:\b(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Tt]ill|[Ff]rom|of|[Bb]efore|[Aa]fter|[Dd]uring|early|late|mid|year|"
    rf"through|{_CAPITAL_MONTHS})\.?,?\s*-?)$"
)
_MONTH_AFTER = re.compile(rf"\s*(?:{_CAPITAL_MONTHS})\b")
_MONTH_BEFORE = re.compile(rf"\b(?:{_CAPITAL_MONTHS})\.?\s*$")
_CLOCK_AFTER = re.compile(r"(?::\d|\s?(?:(?:am|pm|gmt|utc)\b|a\.m\.|p\.m\.)|h\d)", re.IGNORECASE)
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to|or)\s*|\s+and\s+", re.IGNORECASE)
_VAGUE_TENS = re.compile(r"\btens\s+of\s+$", re.IGNORECASE)
_LABEL_BEFORE = re.compile(r"(?:[A-Za-z]-|\d[:.])$")
_PLAIN_DIGITS = re.compile(r"\d+")
_YEAR_JOIN = re.compile(r"\s*(?:-|–|to|and)\s*")
_SHORT_YEAR_AFTER = re.compile(r"[-–]\d\d\b")
# "rose from 10 to 20" gives a figure before and after, not a range; "anywhere from $13 to $18" is one.
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_RANGE_FROM_BEFORE = re.compile(r"\b(?:anywhere|somewhere|rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying))\s+from\s+$", re.I)
_DIGITS_IN = re.compile(rf"(\d(?:[\d,]|[{GROUP_SPACES}](?=\d))*)(?:\.(\d+))?")  # "3,000", "3 000"


@dataclass(frozen=True, slots=True)
class _Atom:
    low: float  # written values, after scale words, before unit conversion
    high: float
    start: int
    end: int  # after the unit when there is one
    currency: str | None
    vague: bool
    precision: float  # half a unit of the last written digit, in written units
    unit: str | None  # a pint expression from _UNIT_FORMS
    hedge: str | None


def _written(digits: re.Match[str]) -> float:
    """The figure as its digits were written, before any scale: "3,000" and "3 000" -> 3000, "1.5" -> 1.5."""
    whole = re.sub(rf"[,{GROUP_SPACES}]", "", digits.group(1))
    return float(whole + ("." + digits.group(2) if digits.group(2) else ""))


def _written_precision(mention: NumberMention) -> float:
    digits = _DIGITS_IN.search(mention.text)
    if digits is None:
        return 0.0  # "half a billion": no written digits, only the relative tolerance applies
    written = _written(digits)
    scale = mention.value / written if written else 1.0
    decimals = len(digits.group(2) or "")
    return 0.5 * 10.0**-decimals * scale


def _is_date_or_label(text: str, mention: NumberMention, year_end: int | None) -> bool:
    """True for "COVID-19", "F-16", "10:30", "5 June" and years; year_end is where a year just before ended."""
    start, end = mention.start, mention.end
    before = text[max(0, start - 16) : start]
    if _LABEL_BEFORE.search(before) or _CLOCK_AFTER.match(text, end):
        return True
    if mention.currency or not _PLAIN_DIGITS.fullmatch(mention.text):
        return False
    if mention.value <= 31 and (_MONTH_AFTER.match(text, end) or _MONTH_BEFORE.search(before)):
        return True
    if not _YEAR_TEXT.fullmatch(mention.text):
        return False
    joined_to_year = year_end is not None and _YEAR_JOIN.fullmatch(text, year_end, start)
    return bool(_DATE_BEFORE.search(before) or joined_to_year or _SHORT_YEAR_AFTER.match(text, end))


def _atoms(text: str, mentions: Sequence[NumberMention]) -> list[_Atom]:
    atoms: list[_Atom] = []
    year_end = None
    for mention in mentions:
        if _is_date_or_label(text, mention, year_end):
            year_end = mention.end if _YEAR_TEXT.fullmatch(mention.text) else None
            continue
        year_end = None
        start, value, vague = mention.start, mention.value, mention.vague
        currency = mention.currency
        code = _CURRENCY_CODE_BEFORE.search(
            text, max(0, start - 4), start + 1 if text[start : start + 1] == "$" else start
        )
        if code:
            currency = _CURRENCY_CODES.get(code.group(1).upper(), code.group(1).upper())
            start = code.start()
        if vague and _VAGUE_TENS.search(text, max(0, start - 10), start):
            value *= 10
            start = _VAGUE_TENS.search(text, max(0, start - 10), start).start()
        pos = mention.end
        unit = None
        pounds_of = _POUNDS_OF.match(text, pos) if currency == "GBP" and not mention.text.startswith("£") else None
        if pounds_of:
            currency, unit = None, "pound"  # "500 pounds of explosives" weighs, it does not cost
            pos = pounds_of.end()
        elif currency and (word := _CURRENCY_WORD.match(text, pos)):
            pos = word.end()
        else:
            unit, pos = _unit_at(text, pos, currency)
        hedge, hedge_start = _hedge_before(text, start)
        over = text[hedge_start:start].strip().lower() == "over"
        if over and unit and _unit_info(unit).dimension == "[time]":
            hedge = None  # "over five years" is a span of time, not a bound
        else:
            start = hedge_start
        after = _HEDGE_AFTER.match(text, pos)
        if after:
            hedge = hedge or _HEDGE_AFTER_OF[after.group(1).split()[-1].lower()]
            pos = after.end()
        low, high = value, value
        if vague:
            low, high, hedge = value, value * 10, "vague"
            if mention.text.lower().startswith(("dozens", "several", "a few")):
                low = value * 2  # two dozen at least; "several hundred" and "a few hundred" are two hundred or more
        atoms.append(_Atom(low, high, start, pos, currency, vague, _written_precision(mention), unit, hedge))
    return _merge_vague_chains(text, atoms)


def _merge_vague_chains(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """Join "hundreds of thousands of" into one order of magnitude."""
    merged: list[_Atom] = []
    for atom in atoms:
        last = merged[-1] if merged else None
        if last and last.vague and atom.vague and not text[last.end : atom.start].strip():
            merged[-1] = _Atom(
                last.low * atom.low, last.low * atom.high, last.start, atom.end, last.currency or atom.currency,
                True, 0.0, atom.unit, "vague",
            )  # fmt: skip
            continue
        merged.append(atom)
    return merged


def _scale_of(atom: _Atom, text: str) -> float:
    digits = _DIGITS_IN.search(text[atom.start : atom.end])
    if digits is None:
        return 1.0
    written = _written(digits)
    return atom.high / written if written else 1.0


def _join_ranges(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """Join "1,500-2,000", "between 10 and 20", "10 to 20 km" and "$10-20 million" into one atom."""
    joined: list[_Atom] = []
    for atom in atoms:
        last = joined[-1] if joined else None
        gap = text[last.end : atom.start] if last else ""
        if (
            last is None
            or last.vague
            or atom.vague
            or last.low != last.high
            or not _RANGE_GAP.fullmatch(gap)
            or ("and" in gap.lower() and last.hedge != "range")
            or (last.unit and last.unit != atom.unit)
            or (last.currency and atom.currency and last.currency != atom.currency)
            or (
                _FROM_BEFORE.search(text, max(0, last.start - 6), last.start)
                and not _RANGE_FROM_BEFORE.search(text, max(0, last.start - 16), last.start)
            )
        ):
            joined.append(atom)
            continue
        low = last.low
        scale = _scale_of(atom, text)
        if scale > 1 and _scale_of(last, text) == 1 and low * scale <= atom.high:
            low *= scale  # "10-20 million": the scale word on the upper figure covers both
        if low >= atom.high:
            joined.append(atom)
            continue
        joined[-1] = _Atom(
            low, atom.high, last.start, atom.end, last.currency or atom.currency, False,
            max(last.precision * (scale if low != last.low else 1.0), atom.precision), atom.unit,
            "range" if last.hedge in {None, "range"} else last.hedge,
        )  # fmt: skip
    return joined

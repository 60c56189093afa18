"""Find quantities in claims and passages and compare them across units, scales and hedges.

A quantity is a number from `claims.numbers` together with what surrounds it: a hedge or bound ("about",
"at least", "up to"), a range ("1,500-2,000", "between 10 and 20"), a unit normalised to pint base units
("30 miles" and "48 km" both become metres), a currency, a rate ("a day"), the counted noun ("2,000 Iranian
troops") and the event it counts ("killed", "wounded"). Two quantities are compared only when they talk about
the same thing; the tolerance follows the hedges and the precision the figures were written with. A distance
also names its two ends ("Baquba is 37 miles NE of Baghdad"): distances between different places never compare.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice
from typing import Literal

from claims.numbers import GROUP_SPACES, NumberMention, find_numbers

Outcome = Literal["match", "conflict", "incomparable"]

# Exact figures still carry rounding: "60 km" and "37 miles" (59.5 km) say the same.
EXACT_TOLERANCE = 0.02
# "about 2,000" allows 1,800-2,200; "nearly 2,000" allows 1,800-2,000.
ABOUT_TOLERANCE = 0.1
# A bound agrees with figures near it, not with any figure past it: "at least 7" allows 7-14, "up to 1,500" allows
# 750-1,500. Chosen on FNC-1 train: of 58 agreeing headline-body pairs where one side gives a lower bound and the
# other an exact figure of the same count, 47 put the figure within 1.67x the bound and the rest at 3x-50x.
BOUND_FACTOR = 2.0

_HEDGES = {
    "about": ("about", "around", "some", "roughly", "approx.", "approx", "approximately", "an estimated",
              "estimated", "circa", "just about", "an approximate"),
    "nearly": ("nearly", "almost", "close to", "just under", "just shy of", "not quite"),
    "at least": ("at least", "no fewer than", "no less than", "a minimum of"),
    "more than": ("more than", "over", "above", "in excess of", "upwards of", "just over", "well over",
                  "greater than", "exceeding", "a little over", "some more than"),
    "at most": ("up to", "as many as", "as much as", "at most", "no more than", "a maximum of", "as high as",
                "within"),
    "less than": ("less than", "fewer than", "under", "below", "well under", "well below", "a little under"),
    "range": ("between",),
}  # fmt: skip
_HEDGE_OF = {phrase: hedge for hedge, phrases in _HEDGES.items() for phrase in phrases}
_HEDGE_BEFORE = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(_HEDGE_OF, key=len, reverse=True))
    + r")\s+$",
    re.IGNORECASE,
)
_HEDGE_LAST_WORDS = frozenset(phrase.split()[-1] for phrase in _HEDGE_OF)
_HEDGE_AFTER = re.compile(r"(\+|-plus\b|\s+or\s+(?:more|so|fewer|less)\b)", re.IGNORECASE)
_HEDGE_AFTER_OF = {"+": "at least", "-plus": "at least", "more": "at least", "so": "about", "fewer": "at most",
                   "less": "at most"}  # fmt: skip

# Surface forms -> pint expression. Longest alternatives first so "km/h" wins over "km" and "mph" over "m".
# "tons" is read as metric tonnes: news copy rarely says which, and the two differ by 10%, inside most hedges.
_UNIT_FORMS = {
    r"km/h|kmh|kph|kilomet(?:re|er)s?\s+(?:per|an|a)\s+hour": "kilometer / hour",
    r"mph|miles?\s+(?:per|an|a)\s+hour": "mile / hour",
    r"knots?": "knot",
    r"m/s|met(?:re|er)s?\s+per\s+second": "meter / second",
    r"bpd|b/d|barrels?\s+(?:per|a)\s+day": "oil_barrel / day",
    r"square\s+kilomet(?:re|er)s?|sq\.?\s?km|km2|km²": "kilometer ** 2",
    r"square\s+miles?|sq\.?\s?mi(?:les?)?": "mile ** 2",
    r"square\s+met(?:re|er)s?|sq\.?\s?m|m2|m²": "meter ** 2",
    r"square\s+f(?:ee|oo)t|sq\.?\s?ft": "foot ** 2",
    r"hectares?|ha": "hectare",
    r"acres?": "acre",
    r"cubic\s+met(?:re|er)s?|m3|m³": "meter ** 3",
    r"nautical\s+miles?|nm": "nautical_mile",
    r"kilomet(?:re|er)s?|kms?": "kilometer",
    r"centimet(?:re|er)s?|cm": "centimeter",
    r"millimet(?:re|er)s?|mm": "millimeter",
    r"met(?:re|er)s?|m": "meter",
    r"miles?|mi": "mile",
    r"feet|foot|ft": "foot",
    r"inch(?:es)?": "inch",
    r"yards?|yds?": "yard",
    r"lit(?:re|er)s?": "liter",
    r"barrels?|bbls?": "oil_barrel",
    r"gallons?": "gallon",
    r"kilo(?:gram(?:me)?s?|s)?|kg": "kilogram",
    r"gram(?:me)?s?": "gram",
    r"(?:metric\s+)?ton(?:ne)?s?": "metric_ton",
    r"lbs?": "pound",
    r"ounces?|oz": "ounce",
    r"(?:°|degrees?\s+)(?:C|Celsius|centigrade)|Celsius": "degC",
    r"(?:°|degrees?\s+)(?:F|Fahrenheit)|Fahrenheit": "degF",
    r"percentage\s+points?|pp": "percentage_point",
    r"%|percent|per\s?cent|pc": "percent",
    r"year-old|month-old|week-old|day-old": "age",
    r"seconds?|secs?": "second",
    r"minutes?|mins?": "minute",
    r"hours?|hrs?": "hour",
    r"days?": "day",
    r"weeks?": "week",
    r"months?": "month",
    r"years?|yrs?": "year",
    r"decades?": "10 * year",
    r"centuries|century": "century",
    r"terawatt[\s-]hours?|TWh": "terawatt_hour",
    r"gigawatt[\s-]hours?|GWh": "gigawatt_hour",
    r"megawatt[\s-]hours?|MWh": "megawatt_hour",
    r"kilowatt[\s-]hours?|kWh": "kilowatt_hour",
    r"gigawatts?|GW": "gigawatt",
    r"megawatts?|MW": "megawatt",
    r"kilowatts?|kW": "kilowatt",
}
# A unit right after the figure, glued ("40°C", "5km") or after a space or hyphen ("50-kilometre"); the named
# group that matched (u0, u1, ...) indexes _UNIT_EXPRS. A bare glued C or F must be upper case ("45C"): "5c" is cents.
_UNIT = re.compile(
    r"(?:(?P<glued>°\s?[CF]|(?-i:[CF])(?![\w°]))|\s?-?\s?(?:"
    + "|".join(f"(?P<u{i}>{form})" for i, form in enumerate(_UNIT_FORMS))
    + r"))(?![\w²³])",
    re.IGNORECASE,
)
_UNIT_EXPRS = list(_UNIT_FORMS.values())
_AGE = re.compile(r"(year|month|week|day)-old", re.IGNORECASE)
# "1.5C of warming" is a difference of temperatures; 1.5C in the shade is a temperature.
_DELTA_AFTER = re.compile(r"\s+(?:of\s+)?(?:warming|warmer|hotter|cooler|colder|above|below|higher|lower)\b", re.I)
_DELTA_BEFORE = re.compile(r"\b(?:warming|rise|increase|by|warmed|rose|risen|heating)\s+(?:of\s+)?$", re.I)
_RATE = re.compile(
    r"\s*(?:(?:a|an|per|each|every)\s+|/\s?)(second|minute|hour|day|week|month|year|annum)\b"
    r"|\s+(daily|weekly|monthly|annually|yearly)\b",
    re.IGNORECASE,
)
_RATE_UNIT = {"daily": "day", "weekly": "week", "monthly": "month", "annually": "year", "yearly": "year",
              "annum": "year"}  # fmt: skip
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
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_CONVERSION_OPEN = re.compile(r"\s*[(\[]\s*(?:or\s+|about\s+|some\s+|around\s+|roughly\s+)?")
_CONVERSION_CLOSE = re.compile(r"\s*[)\]]")
_DIGITS_IN = re.compile(rf"(\d(?:[\d,]|[{GROUP_SPACES}](?=\d))*)(?:\.(\d+))?")  # "3,000", "3 000"
_WORD = re.compile(r"[A-Za-z](?:\.[A-Za-z])+\.?|[A-Za-z][A-Za-z'’-]*|[^\sA-Za-z]")

_FUNCTION_WORDS = frozenset(
    [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "as", "is",
        "are", "was", "were", "be", "been", "being", "has", "have", "had", "that", "this", "these", "those", "it",
        "its", "their", "there", "than", "who", "which", "what", "when", "where", "while", "if", "into", "onto",
        "across", "near", "since", "after", "before", "during", "per", "each", "every", "more", "less", "some",
        "about", "around", "over", "under", "up", "down", "out", "off", "also", "yesterday", "today", "tonight",
        "last", "next", "so", "not", "no", "all", "both", "such", "only", "just", "very",
    ]
)  # fmt: skip
_ADJECTIVES = frozenset(
    [
        "more", "additional", "extra", "other", "new", "further", "armed", "unarmed", "foreign", "local", "young",
        "elderly",
    ]
)  # fmt: skip
_AUXILIARIES = frozenset(
    [
        "were", "was", "have", "had", "has", "been", "are", "is", "be", "being", "reportedly", "also", "people",
        "reported", "said", "believed", "thought", "later", "now", "all", "who", "who're",
    ]
)  # fmt: skip
_EVENTS = {
    "killed": "killed kill kills killing dead deaths death died die dies fatalities fatality slain lives perished "
    "toll executed massacred",
    "wounded": "wounded wounding injured injuring injuries injury hurt",
    "arrested": "arrested arrests detained detentions",
    "missing": "missing",
    "displaced": "displaced uprooted",
    "evacuated": "evacuated evacuations",
    "abducted": "abducted kidnapped",
    "infected": "infected infections",
}
_EVENT_OF = {word: event for event, words in _EVENTS.items() for word in words.split()}
# Nouns that name the same counted thing in news copy; "people" covers any group of people.
_NOUN_SYNONYMS = {
    "troop": "troops troop soldiers soldier servicemen serviceman personnel marines",
    "fighter": "fighters fighter militants militant insurgents insurgent rebels rebel jihadists jihadist "
    "gunmen gunman militiamen",
    "people": "people persons person individuals",
    "civilian": "civilians civilian residents resident",
    "refugee": "refugees refugee asylum-seekers",
    "migrant": "migrants migrant",
    "protester": "protesters protester protestors protestor demonstrators demonstrator",
    "child": "children child kids",
    "aircraft": "aircraft jets jet planes plane warplanes warplane fighter-jets",
    "home": "homes home houses house",
    "case": "cases case",
    "shell": "shells shell rounds round",
}
_NOUN_OF = {word: noun for noun, words in _NOUN_SYNONYMS.items() for word in words.split()}
_PEOPLE_NOUNS = frozenset(["troop", "fighter", "people", "civilian", "refugee", "migrant", "protester", "child"])

# Where a distance reaches: "37 miles NE of Baghdad", "48 km from Orlan", "60 miles north-west of Baghdad".
_TOWARDS = re.compile(
    r"\s*(?:(?:[a-z-]*(?:north|south|east|west)[a-z-]*|(?-i:[NSEW]{1,3}))\s+)?(?:away\s+)?"
    r"(?:from|of|to|outside|off|towards?)\b",
    re.IGNORECASE,
)
_CLAUSE_MARKS = r".;:!?,()\[\]\n—–"
_CLAUSE_END = re.compile(f"[{_CLAUSE_MARKS}]")
_SENTENCE_END = ".!?\n"
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]*")
_COMPASS = re.compile(r"[NSEW]{1,3}")
_PRONOUNS = frozenset(["i", "he", "she", "we", "they", "you", "his", "her", "our", "my", "your", "them", "us"])
# Capitalised only because they open a sentence: "Officials said", "Rebels are", "Police say".
_OPENERS = frozenset(["police", "government", "army", "military", "security", "according"])
PLACE_WINDOW = 6  # words after "from"/"of" that may name the far end of a distance


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity found in text, normalised to a base unit so '30 miles' and '48 km' compare."""

    value: float  # in base units: metres, kilograms, kelvin, seconds; percent stays percent
    low: float  # the bounds the wording allows ("about", "at least", a range); -inf/inf when open
    high: float
    unit: str | None  # pint base unit ("meter", "meter / second"); None for a bare count or a sum of money
    dimension: str  # "count", "currency", "percent", "percentage point", or pint's, e.g. "[length]"
    currency: str | None
    noun: str | None  # the counted thing as written, lower case: "troops"
    hedge: str | None  # "about", "nearly", "at least", "more than", "at most", "less than", "range", "vague"
    span: tuple[int, int]  # characters in the source text, for highlighting
    text: str
    event: str | None = None  # what the count counts when a verb says so: "killed", "wounded"
    precision: float = 0.0  # rounding the figure was written with, in base units
    # A distance's two ends as capitalised words, lower case: (what is that far, from where); an empty set when
    # unnamed. None when the length is not a distance from somewhere ("a 5 m deep crater").
    places: tuple[frozenset[str], frozenset[str]] | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A claim quantity set against a passage quantity, with the outcome in words for the UI."""

    claim: Quantity
    source: Quantity
    outcome: Outcome
    explanation: str


@dataclass(frozen=True, slots=True)
class _UnitInfo:
    factor: float
    offset: float
    base: str | None
    dimension: str


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


@cache
def _registry():  # pint's registry type is generic and noisy; left unannotated
    # Building pint's registry takes ~0.2 s; do it once, and only when a unit is first met.
    import pint

    return pint.UnitRegistry()


@cache
def _unit_info(expr: str) -> _UnitInfo:
    if expr == "percent":
        return _UnitInfo(1.0, 0.0, "percent", "percent")
    if expr == "percentage_point":
        return _UnitInfo(1.0, 0.0, "percentage_point", "percentage point")
    registry = _registry()
    if expr in {"degC", "degF"}:
        zero = registry.Quantity(0.0, expr).to_base_units().magnitude
        one = registry.Quantity(1.0, expr).to_base_units().magnitude
        return _UnitInfo(one - zero, zero, "kelvin", "[temperature]")
    base = registry.parse_expression(expr).to_base_units()
    return _UnitInfo(float(base.magnitude), 0.0, str(base.units), str(base.dimensionality))


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


def _hedge_before(text: str, start: int) -> tuple[str | None, int]:
    before = text[max(0, start - 30) : start]
    words = before.split()
    if not words or not before[-1:].isspace() or words[-1].lower() not in _HEDGE_LAST_WORDS:
        return None, start  # the cheap test spares the regex on nearly every number
    match = _HEDGE_BEFORE.search(text, max(0, start - 30), start)
    if match is None:
        return None, start
    phrase = " ".join(match.group(1).lower().split())
    return _HEDGE_OF[phrase], match.start(1)


def _unit_at(text: str, pos: int, currency: str | None) -> tuple[str | None, int]:
    if currency:
        return None, pos  # "$5m" is money; its "m" was a scale, not metres
    match = _UNIT.match(text, pos)
    if match is None:
        return None, pos
    if match.group("glued"):
        return ("degC" if match.group("glued")[-1] in "cC" else "degF"), match.end()
    word = match.group(match.lastgroup)
    expr = _UNIT_EXPRS[int(match.lastgroup[1:])]
    if expr in {"megawatt", "gigawatt", "kilowatt", "gigawatt_hour", "megawatt_hour", "kilowatt_hour"} and (
        word.islower() and len(word) <= 3
    ):
        return None, pos  # "mw"/"gw" in lower case are more often typos than units
    if expr == "age":
        expr = _AGE.match(word).group(1).lower()
    return expr, match.end()


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
            if mention.text.lower().startswith("dozens"):
                low = value * 2
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
            or _FROM_BEFORE.search(text, max(0, last.start - 6), last.start)
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


def _tokens(text: str, start: int, end: int, count: int) -> list[re.Match[str]]:
    return list(islice(_WORD.finditer(text, start, end), count))


def _is_modifier(word: str) -> bool:
    lower = word.lower()
    return word[0].isupper() or lower in _ADJECTIVES or lower.endswith(("-backed", "-led", "ed"))


def _is_plural_noun(word: str) -> bool:
    return (
        word.isalpha() and word.islower() and word.endswith("s") and not word.endswith("ss")
        and word not in _FUNCTION_WORDS and word not in _EVENT_OF and word not in _AUXILIARIES
    )  # fmt: skip


def _noun_after(text: str, pos: int) -> tuple[str | None, int]:
    """Find the head of the noun phrase after a figure: "2,000 Iranian troops" -> "troops"."""
    noun, noun_end = None, pos
    tokens = _tokens(text, pos, min(len(text), pos + 60), 4)
    for i, token in enumerate(tokens[:3]):
        word = token.group(0)
        lower = word.lower()
        if not word[0].isalpha() or lower in _EVENT_OF or (lower in _FUNCTION_WORDS and lower not in _ADJECTIVES):
            break
        following = tokens[i + 1].group(0).lower() if i + 1 < len(tokens) else ""
        if lower.endswith("ed") and not (following.isalpha() and following not in _FUNCTION_WORDS):
            break  # "2,000 troops arrived in": a verb, not part of the noun phrase
        noun, noun_end = lower, token.end()
        if lower in _NOUN_OF or not (_is_modifier(word) or _is_plural_noun(following)):
            break  # the head; "mortar" in "three mortar rounds" is not, the plural after it is
    return noun, noun_end


def _event_near(text: str, start: int, end: int) -> tuple[str | None, int]:
    for token in _tokens(text, end, min(len(text), end + 50), 4):
        word = token.group(0).lower()
        if word in _EVENT_OF:
            return _EVENT_OF[word], token.end()
        if not word[0].isalpha() or word not in _AUXILIARIES:
            break
    before = _WORD.findall(text, max(0, start - 40), start)
    for word in reversed(before[-4:]):
        lower = word.lower()
        if lower in _EVENT_OF:
            return _EVENT_OF[lower], end
        if not word[0].isalpha():
            break
    return None, end


def _quantity(text: str, atom: _Atom) -> Quantity:
    pos, noun, event = atom.end, None, None
    if atom.unit is None or atom.unit == "percent":
        noun, pos = _noun_after(text, pos)
    rate = _RATE.match(text, pos) if atom.unit is None or "/" not in atom.unit else None
    if rate:
        pos = rate.end()
    if atom.unit is None or atom.unit == "percent":
        event, pos = _event_near(text, atom.start, pos)
    if noun in _EVENT_OF:
        event, noun = event or _EVENT_OF[noun], None
    info = _unit_info(atom.unit) if atom.unit else _UnitInfo(1.0, 0.0, None, "currency" if atom.currency else "count")
    hedge = atom.hedge
    low, high = _hedged(atom.low, atom.high, hedge, signed=info.offset != 0.0)
    factor, offset, base, dimension = info.factor, info.offset, info.base, info.dimension
    if offset and (_DELTA_AFTER.match(text, pos) or _DELTA_BEFORE.search(text, max(0, atom.start - 20), atom.start)):
        offset, dimension = 0.0, "[temperature] difference"
    if rate:
        period = _unit_info(_RATE_UNIT.get(rate.group(rate.lastindex).lower(), rate.group(rate.lastindex).lower()))
        factor /= period.factor
        base = f"{base} / second" if base else "1 / second"
        dimension = f"{dimension} / [time]"
    value = (atom.low + atom.high) / 2 if hedge == "range" else atom.low
    precision = max(atom.precision, EXACT_TOLERANCE * max(abs(atom.low), abs(atom.high)))
    return Quantity(
        value=value * factor + offset,
        low=low * factor + offset,
        high=high * factor + offset,
        unit=base,
        dimension=dimension,
        currency=atom.currency,
        noun=noun,
        hedge=hedge,
        span=(atom.start, pos),
        text=text[atom.start : pos],
        event=event,
        precision=precision * factor,
    )


def _hedged(low: float, high: float, hedge: str | None, *, signed: bool) -> tuple[float, float]:
    if hedge == "about":
        return low - ABOUT_TOLERANCE * abs(low), high + ABOUT_TOLERANCE * abs(high)
    if hedge == "nearly":
        return low - ABOUT_TOLERANCE * abs(low), high
    if hedge in {"at least", "more than"}:
        # "above 40°C" has no scale to multiply: a temperature bound stays open
        return low, math.inf if signed or low <= 0 else low * BOUND_FACTOR
    if hedge in {"at most", "less than"}:
        return (-math.inf if signed else high / BOUND_FACTOR), high
    return low, high


def _merge_conversions(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """Fold "50 km (30 miles)" and "40°C (104°F)" into one quantity that allows both figures."""
    merged: list[Quantity] = []
    for quantity in quantities:
        last = merged[-1] if merged else None
        gap = text[last.span[1] : quantity.span[0]] if last else ""
        if (
            last is not None
            and last.unit is not None
            and last.dimension == quantity.dimension
            and _CONVERSION_OPEN.fullmatch(gap)
            and (close := _CONVERSION_CLOSE.match(text, quantity.span[1]))
        ):
            end = close.end()
            merged[-1] = Quantity(
                last.value, min(last.low, quantity.low), max(last.high, quantity.high), last.unit, last.dimension,
                last.currency, last.noun or quantity.noun, last.hedge or quantity.hedge, (last.span[0], end),
                text[last.span[0] : end], last.event or quantity.event, max(last.precision, quantity.precision),
            )  # fmt: skip
            continue
        merged.append(quantity)
    return merged


# One party under several names: a name of the group, or all words of a phrase, adds the first name.
_NAME_ALIASES = {"isis": ({"isil"}, {"daesh"}, {"islamic", "state"})}
_UPPER_ALIASES = {"IS": "isis"}  # only in capitals: "IS fighters", never the verb


def _with_aliases(names: set[str]) -> frozenset[str]:
    """names plus the common name of any party they spell another way ("Islamic State" -> also "isis")."""
    extra = {name for name, spellings in _NAME_ALIASES.items() if any(s <= names for s in spellings)}
    return frozenset(names | extra)


def _names(text: str, start: int, end: int, *, opens_sentence: bool) -> frozenset[str]:
    """Capitalised words of text[start:end] that can name a place or a party, lower case, with their aliases."""
    names = set()
    for match in _CAPITALISED.finditer(text, start, end):
        word = match.group(0)
        if word in _UPPER_ALIASES:
            names.add(_UPPER_ALIASES[word])
            continue
        lower = word.lower().removesuffix("'s").removesuffix("’s")
        if lower in _FUNCTION_WORDS or lower in _PRONOUNS or _COMPASS.fullmatch(word):
            continue
        first = opens_sentence and not text[start : match.start()].strip()
        if first and word[1:].islower() and (lower in _OPENERS or _is_plural_noun(lower)):
            continue  # "Officials said", "Rebels are": a common noun, capitalised by the sentence
        names.add(lower)
    return _with_aliases(names)


def _clause_before(text: str, pos: int) -> tuple[int, int, bool]:
    """Bounds of the clause that ends at pos, the one before when pos opens an aside ("Amsel, about 80 km north of"),
    and whether it opens a sentence."""
    window = max(0, pos - 300)
    ends = list(_CLAUSE_END.finditer(text, window, pos))
    if ends and ends[-1].group(0) == "," and not text[ends[-1].end() : pos].strip():
        pos = ends.pop().start()
    start = ends[-1].end() if ends else window
    return start, pos, (ends[-1].group(0) in _SENTENCE_END) if ends else window == 0


def _distance_places(text: str, quantity: Quantity) -> tuple[frozenset[str], frozenset[str]] | None:
    """Name the two ends of a distance: the subject of its clause and the place after "from"/"of"."""
    towards = _TOWARDS.match(text, quantity.span[1])
    if quantity.dimension != "[length]" or towards is None:
        return None
    end = _CLAUSE_END.search(text, towards.end())
    words = _tokens(text, towards.end(), end.start() if end else len(text), PLACE_WINDOW)
    far = _names(text, towards.end(), words[-1].end(), opens_sentence=False) if words else frozenset()
    start, stop, opens_sentence = _clause_before(text, quantity.span[0])
    if relative := _RELATIVE.search(text, start, stop):
        # "clashed with Iraqi forces in Baquba which is only some 37 miles": Baquba is that far, not the fighters
        referent = list(_CAPITALISED.finditer(text, start, relative.start()))
        if referent and not text[referent[-1].end() : relative.start()].strip(" ,"):
            start, opens_sentence = referent[-1].start(), False
    near = _names(text, start, stop, opens_sentence=opens_sentence)
    if not near:
        # An unnamed end would line up with any place at all. "Jihadists Seize 2 Towns; Close To 30 Miles Of
        # Baghdad": the figure opens its clause, so the clause before names what is that far. "The rebels are now
        # 30 miles from Orlan": a common noun or pronoun points back to the sentence before.
        if not _WORD.search(text, start, stop):
            near = _names(text, _CLAUSE_START.search(text[:start].rstrip(",;:–— ")).start(), start, opens_sentence=True)
        else:
            near = _names(text, *_previous_sentence(text, start), opens_sentence=True)
    return near, far


_CLAUSE_START = re.compile(f"(?:(?<=[{_CLAUSE_MARKS}])|^)[^{_CLAUSE_MARKS}]*$")
_SENTENCE_ENDS = re.compile(f"[{re.escape(_SENTENCE_END)}]")
_RELATIVE = re.compile(r"\b(?:which|that|where|who)\s+(?:is|was|lies|lay|sits|stands|are|were)\b")


def _previous_sentence(text: str, pos: int) -> tuple[int, int]:
    """Bounds of the sentence before the one holding pos (empty when there is none within 300 characters)."""
    window = max(0, pos - 300)
    ends = [m.end() for m in _SENTENCE_ENDS.finditer(text, window, pos)]
    if not ends:
        return pos, pos
    current = ends[-1]
    return (ends[-2] if len(ends) > 1 else window), current


def find_quantities(text: str) -> list[Quantity]:
    """Return every quantity in text, left to right, normalised to base units with its hedge and span."""
    atoms = _join_ranges(text, _atoms(text, find_numbers(text)))
    quantities = _merge_conversions(text, [_quantity(text, atom) for atom in atoms])
    return [replace(q, places=places) if (places := _distance_places(text, q)) is not None else q for q in quantities]


def _canonical_noun(noun: str | None) -> str | None:
    if noun is None:
        return None
    if noun in _NOUN_OF:
        return _NOUN_OF[noun]
    for suffix, replacement in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss"), ("s", "")):
        if noun.endswith(suffix) and len(noun) > len(suffix) + 2:
            return noun[: -len(suffix)] + replacement
    return noun


def _nouns_align(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    return (a == "people" and b in _PEOPLE_NOUNS) or (b == "people" and a in _PEOPLE_NOUNS)


def _same_end(a: frozenset[str], b: frozenset[str]) -> bool:
    return not a or not b or bool(a & b)


def _same_places(claim: Quantity, source: Quantity) -> bool:
    """False when two distances name ends that cannot be the same two places, in either order."""
    if claim.places is None or source.places is None:
        return True
    (a_from, a_to), (b_from, b_to) = claim.places, source.places
    return (_same_end(a_from, b_from) and _same_end(a_to, b_to)) or (
        _same_end(a_from, b_to) and _same_end(a_to, b_from)
    )


def _subject(claim: Quantity, source: Quantity, *, strict: bool) -> bool:
    """True when the two talk about the same thing; strict asks for positive evidence, not just no contradiction."""
    if claim.dimension != source.dimension or claim.currency != source.currency:
        return False
    if not _same_places(claim, source):
        return False
    if claim.event and source.event and claim.event != source.event:
        return False
    a, b = _canonical_noun(claim.noun), _canonical_noun(source.noun)
    if a and b and not _nouns_align(a, b):
        return False
    # "people" says little by itself: "40 people were killed" and "9,000 people fled" are different counts, so
    # with the generic noun an event on one side only is not the same subject.
    if "people" in (a, b) and bool(claim.event) != bool(source.event):
        return False
    if not strict or claim.dimension not in {"count", "count / [time]"}:
        return True
    return bool((a and b) or (claim.event and claim.event == source.event))


def _overlap(a: Quantity, b: Quantity) -> bool:
    return a.low - a.precision <= b.high + b.precision and b.low - b.precision <= a.high + a.precision


def compare(claim: Quantity, source: Quantity) -> Comparison:
    """Compare a claim quantity with a passage quantity; incomparable when they cannot be about the same thing."""
    if not _subject(claim, source, strict=False):
        what = (
            "are distances between different places" if not _same_places(claim, source) else "measure different things"
        )
        explanation = f"claim {describe(claim)} and source {describe(source)} {what}"
        return Comparison(claim, source, "incomparable", explanation)
    outcome: Outcome = "match" if _overlap(claim, source) else "conflict"
    explanation = f"claim {describe(claim)} vs source {describe(source)}"
    if {claim.hedge, source.hedge} & _BOUNDS and claim.dimension != "[temperature]":
        explanation += f" (a bound reads as within {BOUND_FACTOR:g}x its figure)"
    return Comparison(claim, source, outcome, explanation)


_BOUNDS = frozenset(["at least", "more than", "at most", "less than"])


def figures_elsewhere(claim: Sequence[Quantity], passage: Sequence[Quantity]) -> list[Comparison]:
    """The passage's figures of the claim's kind that are about something else: "Samarra is about 60 miles from
    Baghdad" against "Jalawla is 37 miles from Baghdad". Empty when any of them is about the claim's subject."""
    kind = [(q, o) for q in claim for o in passage if q.dimension == o.dimension and q.currency == o.currency]
    if not kind or any(_subject(q, o, strict=True) for q, o in kind):
        return []
    return [compare(q, o) for q, o in kind]


def compare_quantities(claim: Sequence[Quantity], passage: Sequence[Quantity]) -> list[Comparison]:
    """Return the comparisons that matter: each claim quantity against the passage quantities on the same subject.

    A passage figure that agrees wins over the others on the same subject for that claim quantity: a passage that
    names the claimed figure supports it, and its other figures are usually parts, earlier tallies or context.
    """
    found: list[Comparison] = []
    for quantity in claim:
        pairs = [compare(quantity, other) for other in passage if _subject(quantity, other, strict=True)]
        matches = [pair for pair in pairs if pair.outcome == "match"]
        found.extend(matches or pairs)
    return found


# Display units per dimension: (smallest base value that uses it, pint expression, label).
_DISPLAY = {
    "[length]": ((1000.0, "kilometer", "km"), (0.0, "meter", "m")),
    "[mass]": ((1000.0, "metric_ton", "tonnes"), (0.0, "kilogram", "kg")),
    "[temperature]": ((-math.inf, "degC", "°C"),),
    "[temperature] difference": ((-math.inf, "delta_degC", "°C"),),
    "[length] / [time]": ((0.0, "kilometer / hour", "km/h"),),
    "[length] ** 2": ((1e6, "kilometer ** 2", "km²"), (0.0, "meter ** 2", "m²")),
    "[length] ** 3 / [time]": ((0.0, "oil_barrel / day", "barrels a day"),),
    "[time]": ((31557600.0, "year", "years"), (86400.0, "day", "days"), (3600.0, "hour", "hours"),
               (0.0, "minute", "minutes")),
}  # fmt: skip


def _format_number(value: float) -> str:
    if abs(value) >= 1e9:
        return f"{value / 1e9:.3g} billion"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g} million"
    if abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:.3g}"


def describe(quantity: Quantity) -> str:
    """Spell a quantity as written, with its value in a common unit when it was written in another."""
    for threshold, expr, label in _DISPLAY.get(quantity.dimension, ()):
        if abs(quantity.value) >= threshold:
            if re.search(rf"(?<![A-Za-z]){re.escape(label.split()[0])}(?![A-Za-z])", quantity.text):
                return quantity.text
            info = _unit_info(expr)
            return f"{quantity.text} ({_format_number((quantity.value - info.offset) / info.factor)} {label})"
    return quantity.text

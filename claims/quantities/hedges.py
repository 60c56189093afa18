"""Hedges and bounds ("about", "at least", "up to", "2,000-plus") and the tolerance each allows."""

from __future__ import annotations

import math
import re

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

"""The two records the package returns: a Quantity found in text and a Comparison of two of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["match", "conflict", "incomparable"]


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
    # A length that measures a thing or a change, not how far apart two places are: "the marathon course is 42 km
    # long", "the tram network is expanding by 12 km". Never compared with a distance between places.
    extent: bool = False
    # A duration that sets the time frame of what is said ("over the last 30 years", "11,500 years ago"), not a
    # figure the text asserts: never compared.
    frame: bool = False


@dataclass(frozen=True, slots=True)
class Comparison:
    """A claim quantity set against a passage quantity, with the outcome in words for the UI."""

    claim: Quantity
    source: Quantity
    outcome: Outcome
    explanation: str

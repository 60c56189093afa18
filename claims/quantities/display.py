"""describe: a quantity as written, with its value in a common unit when it was written in another."""

from __future__ import annotations

import math
import re

from claims.quantities.models import Quantity
from claims.quantities.units import _unit_info

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


# The units a figure of each dimension is also written in by news copy: "48 km" is "30 miles" elsewhere.
# (smallest base value that uses them, (pint expression, word, how the unit is written)...)
_SPELLINGS = {
    "[length]": ((1000.0, ("kilometer", "km", r"km|kilomet"), ("mile", "miles", r"mi\b|miles?")),
                 (0.0, ("meter", "metres", r"m\b|met(?:re|er)"), ("foot", "feet", r"feet|foot|ft"))),
    "[mass]": ((1000.0, ("metric_ton", "tonnes", r"tonne"), ("ton", "tons", r"tons?\b")),
               (0.0, ("kilogram", "kg", r"kg|kilo"), ("pound", "pounds", r"lbs?\b|pound"))),
    "[temperature]": ((-math.inf, ("degC", "degrees Celsius", r"C\b|Celsius|centigrade"),
                       ("degF", "degrees Fahrenheit", r"F\b|Fahrenheit")),),
}  # fmt: skip


def spellings(quantity: Quantity) -> list[str]:
    """The quantity in the other units news copy uses for its dimension, rounded as a writer would (to the whole
    unit, and a length or mass also to the ten from 20 up): "about 48 km" -> "30 miles". For retrieval: a passage
    that says "30 miles" is found for a claim that says "48 km"."""
    for threshold, *units in _SPELLINGS.get(quantity.dimension, ()):
        if abs(quantity.value) < threshold:
            continue
        out = []
        for expr, word, written in units:
            if re.search(rf"(?<=[\d\s°-])(?:{written})", quantity.text):
                continue  # the unit it is written in
            info = _unit_info(expr)
            value = (quantity.value - info.offset) / info.factor
            tens = abs(value) >= 20 and quantity.dimension != "[temperature]"
            out += [f"{int(r)} {word}" for r in (round(value), round(value, -1) if tens else None) if r]
        return list(dict.fromkeys(out))
    return []


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

"""Units: the unit written after a figure, a rate ("a day") or a temperature difference, and its pint base unit.

pint's answers for every unit this package writes are kept in units.json (claims.quantities.unit_table writes and
checks it), so finding a quantity never imports pint; an expression missing from it is asked of pint.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class _UnitInfo:
    factor: float
    offset: float
    base: str | None
    dimension: str


# pint's base unit for each expression written above and in display.py. Importing pint and building its registry
# took 0.55-0.6 s of a cold `workbench check` on the demo corpus (cProfile, 2026-12-07) for these few fixed answers.
UNIT_TABLE = Path(__file__).with_name("units.json")


@cache
def _known_units() -> dict[str, _UnitInfo]:
    return {expr: _UnitInfo(*row) for expr, row in json.loads(UNIT_TABLE.read_text(encoding="utf-8")).items()}


@cache
def _unit_info(expr: str) -> _UnitInfo:
    return _known_units().get(expr) or pint_unit_info(expr)


@cache
def _registry():  # pint's registry type is generic and noisy; left unannotated
    import pint

    return pint.UnitRegistry()


def pint_unit_info(expr: str) -> _UnitInfo:
    """What pint says an expression is in base units (percentages are not pint's)."""
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

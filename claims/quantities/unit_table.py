"""Write units.json, pint's answer for every unit expression the quantity finder and display use.

Usage: python -m claims.quantities.unit_table [--check]

Run it after adding a unit to units._UNIT_FORMS or display._DISPLAY / _SPELLINGS; tests/test_quantities.py fails
until the table holds every expression and agrees with pint on each.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import astuple

from claims.quantities.display import _DISPLAY, _SPELLINGS
from claims.quantities.units import _RATE_UNIT, _UNIT_EXPRS, UNIT_TABLE, pint_unit_info

# Words of units._AGE ("five-year-old") and units._RATE ("a day", "daily"), read as units of time.
_AGES = ("year", "month", "week", "day")
_PERIODS = ("second", "minute", "hour", "day", "week", "month", "year", *_RATE_UNIT.values())


def expressions() -> list[str]:
    """Every expression units._unit_info is asked for: written units, ages, rate periods, glued degrees (45C) and
    the units figures are displayed and spelled in."""
    written = [expr for expr in _UNIT_EXPRS if expr != "age"]
    shown = [expr for units in _DISPLAY.values() for _, expr, _ in units]
    spelled = [expr for groups in _SPELLINGS.values() for _, *units in groups for expr, _, _ in units]
    return sorted({*written, *_AGES, *_PERIODS, "degC", "degF", *shown, *spelled})


def table() -> dict[str, list]:
    return {expr: list(astuple(pint_unit_info(expr))) for expr in expressions()}


def _json(rows: dict[str, list]) -> str:
    """One unit a line, so a change to the table reads as a one-line diff."""
    lines = [f"  {json.dumps(expr)}: {json.dumps(row, ensure_ascii=False)}" for expr, row in rows.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if units.json differs from pint's answers")
    args = parser.parse_args(argv)
    text = _json(table())
    if args.check:
        same = UNIT_TABLE.read_text(encoding="utf-8") == text
        print(f"{UNIT_TABLE}: {'up to date' if same else 'out of date: run python -m claims.quantities.unit_table'}")
        return 0 if same else 1
    UNIT_TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {len(expressions())} units to {UNIT_TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

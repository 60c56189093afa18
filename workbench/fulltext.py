"""The text BM25 sees: numbers folded into single tokens, the same way for passages and for queries."""

from __future__ import annotations

from claims.numbers import find_numbers, number_token

_CURRENCY_NAMES = {"USD": "dollars", "GBP": "pounds", "EUR": "euros", "JPY": "yen"}


def to_search_text(text: str) -> str:
    """Rewrite every number as one token: "$500m" -> "dollars 500000000", "4,523,000" -> "4523000".

    DuckDB's tokenizer splits on punctuation, so "4,523,000" would become three meaningless terms and
    "half a billion" would never meet "$500 million".
    """
    pieces, cursor = [], 0
    for number in find_numbers(text):
        pieces.append(text[cursor : number.start])
        # The currency name goes beside a symbol ("$500m"); a spelled-out "dollars" follows in the text.
        symbol = (number.currency and not number.text[:1].isalnum()) or number.text.startswith("US$")
        pieces.append(f" {_CURRENCY_NAMES[number.currency] if symbol else ''} {number_token(number.value)} ")
        cursor = number.end
    pieces.append(text[cursor:])
    return " ".join("".join(pieces).split())

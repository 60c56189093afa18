"""The text BM25 sees: numbers folded into single tokens, the same way for passages and for queries."""

from __future__ import annotations

import re
import unicodedata

from claims.numbers import NumberMention, find_numbers, number_token

_CURRENCY_NAMES = {"USD": "dollars", "GBP": "pounds", "EUR": "euros", "JPY": "yen"}
# Invisible format characters (Unicode category Cf: zero-width space and joiners, word joiner, BOM, soft hyphen,
# bidi marks) sit inside words in scraped text; DuckDB's tokenizer would split "Bag\u200bhdad" at them. All of
# them are in the BMP except the tag characters of flag emoji.
_FORMAT_CHARS = dict.fromkeys(
    c for c in [*range(0x10000), *range(0xE0000, 0xE0080)] if unicodedata.category(chr(c)) == "Cf"
)
# An identifier typed with leading zeros ("room 007", "route 066") is searched as typed, not as 7 or 66.
_LEADING_ZEROS = re.compile(r"0\d+")
# Spelled numbers whose word is more often not a figure ("net zero", "no one", "one of them") keep the word.
_WORDY_NUMBERS = frozenset({"zero", "one"})


def strip_format_chars(text: str) -> str:
    """Drop invisible format characters (zero-width space, joiners, BOM, soft hyphen) that split words."""
    return text.translate(_FORMAT_CHARS)


def _number_text(number: NumberMention) -> str:
    if _LEADING_ZEROS.fullmatch(number.text):
        return number.text
    token = number_token(number.value)
    if not any(char.isdigit() for char in number.text):  # spelled out: "thirty", "half a billion"
        words = number.text.split()
        # A capitalised number word is a name or a sentence start ("Ground Zero", "Formula One"): the word stays.
        if number.text.lower() in _WORDY_NUMBERS or any(word[:1].isupper() for word in words):
            return f"{number.text} {token}"
    # The currency name goes beside a symbol ("$500m"); a spelled-out "dollars" follows in the text.
    symbol = (number.currency and not number.text[:1].isalnum()) or number.text.startswith("US$")
    return f"{_CURRENCY_NAMES[number.currency] if symbol else ''} {token}"


def to_search_text(text: str) -> str:
    """Rewrite every number as one token: "$500m" -> "dollars 500000000", "4,523,000" -> "4523000", "3 000" -> "3000".

    DuckDB's tokenizer splits on punctuation, so "4,523,000" would become three meaningless terms and
    "half a billion" would never meet "$500 million". Invisible format characters are dropped first, so a
    zero-width space inside a word does not cut it in two.
    """
    text = strip_format_chars(text)
    pieces, cursor = [], 0
    for number in find_numbers(text):
        pieces.append(text[cursor : number.start])
        pieces.append(f" {_number_text(number)} ")
        cursor = number.end
    pieces.append(text[cursor:])
    return " ".join("".join(pieces).split())

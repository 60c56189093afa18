"""Normalise claim text and recognise near-duplicate claims."""

from __future__ import annotations

import re
import unicodedata

from claims.numbers import CURRENCY_WORDS, find_numbers, number_token

_CURRENCY_WORDS = {word: code.lower() for word, code in CURRENCY_WORDS.items()}
_CODES = frozenset(_CURRENCY_WORDS.values())

# Words too common to tell two claims apart; deliberately short so negations ("not", "no") still count.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "there",
        "than",
    ]
)
NEAR_DUPLICATE_JACCARD = 0.8


def normalise_claim(text: str) -> str:
    """Return a canonical form: case, accents, punctuation and number spelling folded away.

    "ISIS seized half a billion dollars." and "ISIS seized $500 million" share their numbers; the
    canonical text is what makes a claim unique in storage.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    pieces, cursor = [], 0
    for number in find_numbers(text):
        pieces.append(text[cursor : number.start])
        pieces.append(f" {number_token(number.value)} {(number.currency or '').lower()} ")
        cursor = number.end
    pieces.append(text[cursor:])
    folded = "".join(pieces).lower()
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = [_CURRENCY_WORDS.get(w, w) for w in re.findall(r"[a-z0-9]+", folded)]
    # "$500 million" and "500 million dollars" both end up as "500000000 usd", never "usd usd".
    return " ".join(w for i, w in enumerate(words) if not (i and w == words[i - 1] and w in _CODES))


def content_words(normalised: str) -> set[str]:
    """The words of a normalised claim that tell it apart from others (numbers included)."""
    return {w for w in normalised.split() if w not in _STOPWORDS}


def _numbers(normalised: str) -> list[str]:
    return sorted(w for w in normalised.split() if w[0].isdigit())


def near_duplicate_normalised(na: str, nb: str, *, threshold: float = NEAR_DUPLICATE_JACCARD) -> bool:
    """is_near_duplicate for texts already passed through normalise_claim (as stored claims are)."""
    if na == nb:
        return True
    if _numbers(na) != _numbers(nb):
        return False
    wa, wb = content_words(na), content_words(nb)
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= threshold


def is_near_duplicate(a: str, b: str, *, threshold: float = NEAR_DUPLICATE_JACCARD) -> bool:
    """True when two claims say the same: identical numbers and nearly the same content words.

    Numbers must match exactly: "Iran sent 2000 troops" and "Iran sent 3000 troops" are two claims.
    """
    return near_duplicate_normalised(normalise_claim(a), normalise_claim(b), threshold=threshold)

"""The words of a claim or a passage as the wording rules read them (claims.polarity, claims.locations): tokens with
the capitals that mark names, crude stems, content words and sentences."""

from __future__ import annotations

import re

# Words, "n't", and clause punctuation, which stops a negation's reach.
_TOKEN = re.compile(r"[A-Za-z]+(?:'(?!s\b)[a-z]+)?|n't|[,;:.!?()]")
BREAK = frozenset(",;:.!?()")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Words that turn the next few words around: "not", "never", "rather than", "refused to", "denied".
NEGATORS = frozenset(
    [
        "not", "never", "no", "nor", "cannot", "can't", "won't", "isn't", "aren't", "wasn't", "weren't", "don't",
        "doesn't", "didn't", "hasn't", "haven't", "hadn't", "shouldn't", "wouldn't", "couldn't", "n't", "without",
        "unwilling", "refused", "refuses", "refuse", "declined", "declines", "denied", "denies", "deny", "rather",
        "instead", "hardly", "neither"
    ]
)  # fmt: skip
STOP = frozenset(
    [
        "the", "a", "an", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "as", "is",
        "are", "was", "were", "be", "been", "being", "has", "have", "had", "that", "this", "these", "those", "it",
        "its", "their", "there", "than", "who", "which", "what", "when", "where", "while", "if", "into", "about",
        "after", "before", "over", "under", "up", "out", "also", "said", "says", "say", "will", "would", "could",
        "should", "may", "might", "must", "can", "do", "does", "did", "so", "such", "only", "just", "very", "some",
        "more", "most", "all", "any", "each", "other", "his", "her", "he", "she", "they", "them", "we", "our", "you",
        "your", "i", "my", "me", "us", "new", "one"
    ]
)  # fmt: skip
MIN_SHARED = 0.5  # share of the claim's content words a passage sentence must repeat before its wording is compared
# Capitalised, but never a place or a party.
CALENDAR = frozenset(
    [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]
)  # fmt: skip
# A word as the figures' readers (claims.quantities) take it: an initialism ("U.S."), a word with its apostrophes and
# hyphens, or one other character.
WORD = re.compile(r"[A-Za-z](?:\.[A-Za-z])+\.?|[A-Za-z][A-Za-z'’-]*|[^\sA-Za-z]")


def stem(word: str) -> str:
    """A crude stem that makes 'caused', 'causes' and 'cause' one word, and 'successful' and 'success'."""
    word = word.lower()
    for suffix in ("ings", "ing", "ies", "ied", "ed", "fully", "ful", "ly", "s"):
        if suffix == "s" and word.endswith("ss"):
            break  # "success", "congress": no plural to take off
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def tokenize(text: str) -> tuple[list[str], list[bool]]:
    """Lower-cased tokens and whether each was capitalised (a name, not a predicate, unless it opens the text)."""
    raw = _TOKEN.findall(text.replace("’", "'"))
    return [t.lower() for t in raw], [i > 0 and t[:1].isupper() for i, t in enumerate(raw)]


def content_positions(tokens: list[str]) -> list[int]:
    return [i for i, t in enumerate(tokens) if len(t) >= 3 and t not in STOP and t not in NEGATORS]


def split_sentences(text: str) -> list[str]:
    """The text's sentences: a full stop, question or exclamation mark ends one before a space ("3.5" does not)."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def sentence_before(text: str, position: int) -> str:
    """The words of the sentence (as split_sentences cuts them) that holds the character at position, up to it."""
    start = 0
    for end in _SENTENCE_END.finditer(text, 0, position):
        start = end.end()
    return text[start:position]


def is_title_case(text: str, start: int = 0, end: int | None = None) -> bool:
    """True for a headline written in title case, where a capital says nothing about a name."""
    words = [w for w in WORD.findall(text, start, len(text) if end is None else end) if w.isalpha() and len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)

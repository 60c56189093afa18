"""Subjects: what a figure counts, the noun after it ("2,000 Iranian troops") and the event near it ("killed"),
and when two nouns name the same counted thing.
"""

from __future__ import annotations

import re
from itertools import islice

from claims.words import WORD as _WORD

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

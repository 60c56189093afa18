"""Propose check-worthy sentences: figures, attributed statements and concrete events, ranked."""

from __future__ import annotations

import re
from collections.abc import Sequence

from claims.models import CheckWorthy
from claims.numbers import find_numbers

_ATTRIBUTION = re.compile(
    r"\b(according to|(?:officials?|sources?|police|ministry|spokes(?:man|woman|person)|reports?|"
    r"witnesses|analysts?|government|army|military)\b[^.]{0,40}\b(?:said|say|says|told|reported|"
    r"confirmed|claimed|announced|estimated)|(?:said|told|reported|confirmed|announced)\b)",
    re.IGNORECASE,
)
_EVENT_VERBS = re.compile(
    r"\b(captur|seiz|kill|wound|injur|sent|send|deploy|attack|bomb|launch|arrest|execut|fled|flee|"
    r"took|take|overr|retak|advanc|halt|announc|order|sign|vot|ban|fund|pa(?:id|y)|rais|cut|"
    r"increas|decreas|fell|rose|grew|doubl|tripl|lost|won|elect|resign|invad|occup|evacuat|destroy)"
    r"(?:e|ed|es|en|ing|s|n|ure|ured|ures)?\b",
    re.IGNORECASE,
)
_NAMED = re.compile(r"(?<=[a-z,;:] )[A-Z][a-zA-Z'-]+")
_OPINION = re.compile(
    r"\b(I|we|you)\b|\b(should|must|would|could|might|may|perhaps|probably|believe|think|hope|wonder)\b",
)
# "in 2014" is a date, "2000 troops" is a figure.
_YEAR = re.compile(
    r"\b(?:in|since|by|until|from|of|before|after|during|early|late|mid|January|February|March|April|May|"
    r"June|July|August|September|October|November|December)\s+$",
    re.IGNORECASE,
)

MIN_WORDS, MAX_WORDS = 6, 60


def _is_year(sentence: str, start: int, text: str) -> bool:
    return bool(re.fullmatch(r"(1[89]|20)\d\d", text) and _YEAR.search(sentence[max(0, start - 12) : start]))


def score_sentence(sentence: str) -> tuple[float, tuple[str, ...]]:
    """Score one sentence for check-worthiness; return the score and the reasons behind it."""
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or sentence.rstrip().endswith("?"):
        return 0.0, ()
    score, reasons = 0.0, []
    figures = [n for n in find_numbers(sentence) if not _is_year(sentence, n.start, n.text)]
    if figures:
        score += 2.0 + 0.5 * min(len(figures) - 1, 2)
        reasons.append("figure: " + ", ".join(n.text for n in figures[:3]))
    if _ATTRIBUTION.search(sentence):
        score += 1.5
        reasons.append("attributed")
    events = {m.group(0).lower() for m in _EVENT_VERBS.finditer(sentence)}
    if events:
        score += 1.0
        reasons.append("event: " + ", ".join(sorted(events)[:3]))
    names = len(_NAMED.findall(sentence))
    if names:
        score += 0.25 * min(names, 4)
        reasons.append(f"{names} named entit{'y' if names == 1 else 'ies'}")
    if _OPINION.search(sentence):
        score -= 1.0
        reasons.append("opinion or hedge")
    if sentence.lstrip().startswith(("“", '"')):
        score -= 0.5
        reasons.append("direct quote")
    return max(score, 0.0), tuple(reasons)


def rank_check_worthy(sentences: Sequence[str], *, min_score: float = 2.0) -> list[CheckWorthy]:
    """Return the sentences worth checking, best first; identical sentences are proposed once."""
    seen: set[str] = set()
    ranked: list[CheckWorthy] = []
    for index, sentence in enumerate(sentences):
        text = " ".join(sentence.split())
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        score, reasons = score_sentence(text)
        if score >= min_score:
            ranked.append(CheckWorthy(text, round(score, 2), reasons, index))
    return sorted(ranked, key=lambda c: (-c.score, c.index))

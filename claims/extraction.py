"""Check-worthy sentences: the features a fact-checker looks for (figures, attributions, concrete events), the
fragment rules, and the ranking of sentences by a scorer (the learned model of claims.checkworthy, or the
hand-written rule score kept as the baseline it is measured against)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from claims.models import CheckWorthy
from claims.quantities import find_quantities

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
# A sentence ends in terminal punctuation, perhaps inside closing quotes or brackets; a headline does not.
_ENDS_A_SENTENCE = re.compile(r"[.!…][\"'”’)\]]*$")

# Shorter than 6 words is too little to check: on CheckThat! 2024 English train, 12% of such sentences are
# check-worthy against 24% overall (161 of 1,310), and in news they are captions and bylines.
MIN_WORDS, MAX_WORDS = 6, 60


def _is_year(sentence: str, start: int, text: str) -> bool:
    return bool(re.fullmatch(r"(1[89]|20)\d\d", text) and _YEAR.search(sentence[max(0, start - 12) : start]))


@dataclass(frozen=True, slots=True)
class SentenceFeatures:
    """What the hand-written rules see in a sentence."""

    figures: tuple[str, ...]  # figures the number check can compare (checkable_figures)
    attributed: bool  # someone said or reported it
    events: tuple[str, ...]  # concrete event verbs (seized, sent, killed, voted...)
    names: int  # capitalised words inside the sentence
    opinion: bool  # first or second person, a modal or a hedge
    quote: bool  # the sentence is a direct quote

    def vector(self) -> list[float]:
        """The features as numbers, in the order of FEATURE_NAMES."""
        return [
            float(bool(self.figures)),
            float(self.attributed),
            float(bool(self.events)),
            min(self.names, 4) / 4,
            float(self.opinion),
            float(self.quote),
        ]

    def reasons(self) -> tuple[str, ...]:
        """The features that fired, in words."""
        reasons = []
        if self.figures:
            reasons.append("figure: " + ", ".join(self.figures[:3]))
        if self.attributed:
            reasons.append("attributed")
        if self.events:
            reasons.append("event: " + ", ".join(self.events[:3]))
        if self.names:
            reasons.append(f"{self.names} named entit{'y' if self.names == 1 else 'ies'}")
        if self.opinion:
            reasons.append("opinion or hedge")
        if self.quote:
            reasons.append("direct quote")
        return tuple(reasons)


FEATURE_NAMES = ("figure", "attributed", "event", "names", "opinion_or_hedge", "direct_quote")


def checkable_figures(sentence: str) -> tuple[str, ...]:
    """The figures of a sentence the number check can compare: a quantity with a unit, a sum of money, a percentage,
    or a count of 3 or more; never a statement's time frame, a date or a small count ("one official", "two terms").

    On CheckThat! 2024 English train, 67% of the 2,860 sentences with such a figure are check-worthy, against 23%
    of the 1,158 whose only figures are counts of one or two and 18% of the 18,483 without a figure.
    """
    return tuple(
        q.text
        for q in find_quantities(sentence)
        if not q.frame and (q.dimension != "count" or q.value >= 3) and not _is_year(sentence, q.span[0], q.text)
    )


def sentence_features(sentence: str) -> SentenceFeatures:
    """The hand-written features of one sentence."""
    figures = checkable_figures(sentence)
    return SentenceFeatures(
        figures=figures,
        attributed=bool(_ATTRIBUTION.search(sentence)),
        events=tuple(sorted({m.group(0).lower() for m in _EVENT_VERBS.finditer(sentence)})),
        names=len(_NAMED.findall(sentence)),
        opinion=bool(_OPINION.search(sentence)),
        quote=sentence.lstrip().startswith(("“", '"')),
    )


def fragment_reason(sentence: str) -> str | None:
    """Why a sentence cannot be proposed as a claim (a fragment, a question, a headline); None when it can."""
    words = len(sentence.split())
    if words < MIN_WORDS:
        return "too short"
    if words > MAX_WORDS:
        return "too long to be one claim"
    if sentence.rstrip().endswith("?"):
        return "a question"
    first = sentence.lstrip("“\"'‘([ ")[:1]
    if first.islower():
        return "starts mid-sentence"  # a passage cut inside a long sentence, or a split after an abbreviation
    if not _ENDS_A_SENTENCE.search(sentence.rstrip()):
        return "no sentence end (a headline or a cut)"
    return None


def merge_abbreviations(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a one-word 'sentence' ending in a period ("Approx.", "Gen.") to the sentence after it.

    The sentence splitter ends a sentence after an abbreviation it does not know: "Approx. half a billion dollar
    was seized" came out as "Approx." and a sentence starting "half a billion".
    """
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for start, end in spans:
        piece = text[start:end]
        if carry is not None:
            start, carry = carry, None
        if len(piece.split()) == 1 and re.fullmatch(r"[A-Z][A-Za-z]{0,6}\.", piece.strip()):
            carry = start
            continue
        merged.append((start, end))
    if carry is not None:
        merged.append((carry, spans[-1][1]))
    return merged


def score_sentence(sentence: str) -> tuple[float, tuple[str, ...]]:
    """The hand-written rule score of one sentence and its reasons (0 for a fragment): the baseline ranker."""
    if fragment_reason(sentence):
        return 0.0, ()
    features = sentence_features(sentence)
    return rule_score(features), features.reasons()


def rule_score(features: SentenceFeatures) -> float:
    """The hand-written rules' score of a sentence's features: a figure 2 (and 0.5 for each of two more), an
    attribution 1.5, an event 1, a quarter for each of up to 4 names, less 1 for a hedge and 0.5 for a quote."""
    score = 0.0
    if features.figures:
        score += 2.0 + 0.5 * min(len(features.figures) - 1, 2)
    score += 1.5 * features.attributed + 1.0 * bool(features.events) + 0.25 * min(features.names, 4)
    score -= 1.0 * features.opinion + 0.5 * features.quote
    return max(score, 0.0)


class SentenceScorer(Protocol):
    """Scores sentences for check-worthiness; a sentence at or above threshold is proposed."""

    threshold: float

    def score(self, sentences: Sequence[str], features: Sequence[SentenceFeatures]) -> list[tuple[float, str]]:
        """One (score, reason) per sentence; the reason (may be empty) goes first among the proposal's reasons."""
        ...


class HandRules:
    """The hand-written rule score as a scorer (proposes at 2.0: a figure, or an attributed event)."""

    threshold = 2.0

    def score(self, sentences: Sequence[str], features: Sequence[SentenceFeatures]) -> list[tuple[float, str]]:
        return [(rule_score(f), "") for f in features]  # rank_check_worthy has taken the fragments out already


def rank_check_worthy(sentences: Sequence[str], scorer: SentenceScorer | None = None) -> list[CheckWorthy]:
    """Return the sentences worth checking, best first: no fragments, identical sentences proposed once.

    scorer is the learned model (claims.checkworthy) in the product; None uses the hand-written rules.
    """
    scorer = scorer or HandRules()
    seen: set[str] = set()
    candidates: list[tuple[int, str]] = []
    for index, sentence in enumerate(sentences):
        text = " ".join(sentence.split())
        if text.lower() in seen or fragment_reason(text):
            continue
        seen.add(text.lower())
        candidates.append((index, text))
    features = [sentence_features(text) for _, text in candidates]
    checkable = {index: bool(feats.figures) for (index, _), feats in zip(candidates, features, strict=True)}
    scores = scorer.score([text for _, text in candidates], features)
    ranked = [
        CheckWorthy(text, round(score, 3), (reason, *feats.reasons()) if reason else feats.reasons(), index)
        for (index, text), feats, (score, reason) in zip(candidates, features, scores, strict=True)
        if score >= scorer.threshold
    ]
    # The figures first: the number check can verify them against other sources. On news the model is sure of
    # most reported statements (on the seed articles it proposes 73 of 94 candidate sentences, 27 of them above
    # 0.97, near the 0.978 that its training's label smoothing lets it reach), so its score cannot order them.
    return sorted(ranked, key=lambda c: (not checkable[c.index], -c.score, c.index))

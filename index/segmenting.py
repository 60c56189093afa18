"""Split article text into sentences and into passages small enough for a cross-encoder window."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

# News English runs about 1.3 word pieces per word: 60 words (~80 tokens) plus a ~25-token claim fits a
# 128-token cross-encoder window; a single long sentence may reach 80 words before it is cut.
DEFAULT_MAX_WORDS = 60
HARD_MAX_WORDS = 80

_WORD = re.compile(r"\S+")
# Two sentences a scrape ran together, which pysbd keeps whole: a full stop after a lower-case word, then a
# capitalised word ("the alternative.You do not need"; once in the seed articles, 68 times in 29 of FNC-1's 1,683
# train bodies, all but two of those real sentence ends: "InFlexWeTrust.Com", "iGen.Fr"). Two lower-case letters
# before the stop keep "U.S.Army", "St.Louis" and "p.m.The" whole, and an e-mail address or a host name
# ("Paul.Bond@THR.com", "Example.com") is no sentence end. The wording rules (claims.words.split_sentences) keep
# their own cut: read with this one, they lost one labelled news claim whose quote runs on (N199) and changed no
# FNC-1 calibration story or Climate-FEVER train claim (scratch replay, 2026-12-07).
_RUN_ON = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z]+\b(?![@.]\w))")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Section:
    """A stretch of an article's text: the body, or one reader comment with its author."""

    start: int
    end: int
    kind: str = "body"  # "body" or "comment"
    author: str | None = None


@dataclass(frozen=True, slots=True)
class PassageSpan:
    """One passage: characters [start, end) of the article text, with the section it came from."""

    start: int
    end: int
    kind: str
    author: str | None


@lru_cache(maxsize=1)
def _segmenter():  # pysbd compiles many regexes on construction: build it once
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def iter_lines(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield the trimmed (start, end) of each non-blank line of text[start:end]."""
    end = len(text) if end is None else end
    for match in re.finditer(r"[^\n]+", text[start:end]):
        span = _trimmed(text, start + match.start(), start + match.end())
        if span:
            yield span


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return trimmed (start, end) offsets of the sentences in text[start:end], line by line.

    Lines are split first because scraped pages put one paragraph on a line and headlines carry no period.
    """
    spans: list[tuple[int, int]] = []
    for line_start, line_end in iter_lines(text, start, end):
        line = text[line_start:line_end]
        for sentence in _segmenter().segment(line):
            first, last = line_start + sentence.start, line_start + sentence.end
            cuts = [first, *(m.start() for m in _RUN_ON.finditer(text, first, last)), last]
            spans += [span for a, b in itertools.pairwise(cuts) if (span := _trimmed(text, a, b))]
    return spans


def _word_windows(text: str, start: int, end: int, max_words: int) -> Iterator[tuple[int, int]]:
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    for i in range(0, len(words), max_words):
        chunk = words[i : i + max_words]
        yield chunk[0][0], chunk[-1][1]


def _word_count(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text[start:end]))


def build_passages(text: str, sections: Sequence[Section], *, max_words: int = DEFAULT_MAX_WORDS) -> list[PassageSpan]:
    """Pack consecutive sentences of each paragraph into passages of at most max_words words.

    Passages never cross a paragraph or section boundary; a sentence longer than HARD_MAX_WORDS is cut
    into word windows. Passages without a single letter (rules, lone numbers) are dropped.
    """
    passages: list[PassageSpan] = []
    hard_max = max(max_words, HARD_MAX_WORDS)
    for section in sections:
        for line_start, line_end in iter_lines(text, section.start, section.end):
            if _word_count(text, line_start, line_end) <= max_words:  # the paragraph fits whole: no sentence split
                passages.append(PassageSpan(line_start, line_end, section.kind, section.author))
                continue
            pending: tuple[int, int] | None = None
            pending_words = 0
            for s_start, s_end in split_sentences(text, line_start, line_end):
                words = _word_count(text, s_start, s_end)
                pieces = list(_word_windows(text, s_start, s_end, hard_max)) if words > hard_max else [(s_start, s_end)]
                for p_start, p_end in pieces:
                    p_words = _word_count(text, p_start, p_end)
                    if pending and pending_words + p_words <= max_words:
                        pending, pending_words = (pending[0], p_end), pending_words + p_words
                        continue
                    if pending:
                        passages.append(PassageSpan(*pending, section.kind, section.author))
                    pending, pending_words = (p_start, p_end), p_words
            if pending:
                passages.append(PassageSpan(*pending, section.kind, section.author))
    return [p for p in passages if _LETTER.search(text[p.start : p.end])]

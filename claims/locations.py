"""Where a claim puts its event, and whether a passage names that place, names none, or puts the event elsewhere.

"In Mosul, ISIL staged a parade of American Humvee patrol vehicles" against "ISIS staged its parade of captured
Humvees in Tikrit"; "the Shia holy sites at Karbala and An Najaf" against "ISIS has captured the city of Karbala".
Places are read from the wording alone: a capitalised name after "in", "at" or "near", or after "the city of" and
the like. claims.combine decides what a missing or swapped place does to a stance.
"""

from __future__ import annotations

import difflib

from claims.polarity import PolarityConflict
from claims.words import MIN_SHARED, STOP, content_positions, split_sentences, stem, tokenize

# Where a claim puts its event: a name after one of these ("in Tikrit", "at Karbala", "near al-Khalis"), or after "the
# city of" and the like ("the city of Karbala"). Days and months are times, not places.
_PLACE_BEFORE = frozenset(["in", "at", "near"])
_PLACE_NOUNS = frozenset(["city", "town", "province", "village", "capital", "region", "district"])
_NOT_PLACES = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
     "april", "may", "june", "july", "august", "september", "october", "november", "december"]
)  # fmt: skip
PLACE_MAX_WORDS = 3
# A shorter capitalised word alone is an abbreviation more often than a place ("in CO2", "in US temperature data"
# among the Climate-FEVER train claims).
PLACE_MIN_LETTERS = 4
# A capitalised word with one of these endings is an adjective of a people ("drugged in Russian bar"), not a place.
_DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish")
# Two spellings of one name are at least this alike (difflib's ratio: "Karbala" and "Kerbala" 0.86, "Falluja" and
# "Fallujah" 0.93, a reader's "Bagdad" and "Baghdad" 0.92); different places the seeds name are at most 0.5 alike
# ("Adhaim" and "Khalis"; "Baquba" and "Baghdad" 0.46).
SAME_NAME_MIN_RATIO = 0.8


# A text with at least this share of its longer words capitalised is in title case ("Shots Heard In Alleged Brown
# Shooting Recording"), where capitals mark no names: on the FNC-1 calibration stories, reading places in such
# headlines made 12 bodies disagree, 9 of them wrongly (2026-12-07).
TITLE_CASE_MIN_SHARE = 0.6


def _title_case(tokens: list[str], names: list[bool]) -> bool:
    words = [i for i, t in enumerate(tokens) if i > 0 and len(t) >= 4 and t not in STOP]
    return bool(words) and sum(names[i] for i in words) / len(words) >= TITLE_CASE_MIN_SHARE


def _places(tokens: list[str], names: list[bool], *, where: bool = False) -> list[tuple[int, int]]:
    """Spans (start, end) of the names a text gives as where something is or happens ("in Tikrit", "the city of
    Karbala", "the capital Baghdad"), or with where=True only where it happens ("in Tikrit"); none in a title-case
    text."""
    if _title_case(tokens, names):
        return []
    out = []
    for i, token in enumerate(tokens):
        j = i + 1
        if token in _PLACE_BEFORE:
            if tokens[j : j + 1] == ["the"]:
                j += 1
            if j + 1 < len(tokens) and tokens[j] in _PLACE_NOUNS and tokens[j + 1] == "of":
                j += 2
        elif token in _PLACE_NOUNS and not where:  # "the city of Karbala", "Iraq's second city Mosul"
            j += tokens[j : j + 1] == ["of"]
        else:
            continue
        if tokens[j : j + 1] == ["al"]:  # "al-Khalis"
            j += 1
        k = j
        while k < len(tokens) and k - j < PLACE_MAX_WORDS and names[k] and tokens[k] not in _NOT_PLACES:
            k += 1
        if (
            k > j
            and (k - j > 1 or len(tokens[j]) >= PLACE_MIN_LETTERS)
            and not tokens[k - 1].endswith(_DEMONYM_ENDINGS)
        ):
            out.append((j, k))
    return out


def _same_name(a: str, b: str) -> bool:
    """One name in two spellings or forms ("Kerbala", "Karbala"; "Iraq", "Iraqi")."""
    if a == b or (len(a) >= 4 and b.startswith(a)) or (len(b) >= 4 and a.startswith(b)):
        return True
    return min(len(a), len(b)) >= 5 and difflib.SequenceMatcher(None, a, b).ratio() >= SAME_NAME_MIN_RATIO


def _mentions(place: list[str], tokens: list[str]) -> bool:
    return all(any(_same_name(word, token) for token in tokens) for word in place)


def passage_places(passage: str) -> list[str]:
    """The places a text names as where something is or happens."""
    tokens, names = tokenize(passage)
    return [" ".join(tokens[j:k]) for j, k in _places(tokens, names)]


def missing_place(claim: str, passage: str) -> str | None:
    """A place the claim puts its event in that the passage never names (in any spelling), or None."""
    c_tokens, c_names = tokenize(claim)
    p_tokens = tokenize(passage)[0]
    for j, k in _places(c_tokens, c_names):
        if not _mentions(c_tokens[j:k], p_tokens):
            return " ".join(c_tokens[j:k])
    return None


def only_the_place(claim: str, passage: str) -> str | None:
    """The claim's place where the passage shares nothing else of the claim's content words ("the Shia holy sites at
    Karbala and An Najaf" for "ISIS has captured the city of Karbala"), or None."""
    c_tokens, c_names = tokenize(claim)
    spans = _places(c_tokens, c_names)
    if not spans:
        return None
    p_tokens = tokenize(passage)[0]
    in_place = {i for j, k in spans for i in range(j, k)}
    others = {stem(c_tokens[i]) for i in content_positions(c_tokens) if i not in in_place}
    if not others or others & {stem(p_tokens[i]) for i in content_positions(p_tokens)}:
        return None
    return next((" ".join(c_tokens[j:k]) for j, k in spans if _mentions(c_tokens[j:k], p_tokens)), None)


def find_place_swap(claim: str, passage: str) -> PolarityConflict | None:
    """Where the passage says the claim's event happened somewhere else: a sentence that repeats most of the claim's
    other content words and says where it happened ("in", "at", "near") with another place than the claim's, which
    the passage never names ("In Mosul, ISIL staged a parade of American Humvee patrol vehicles" against "ISIS
    staged its parade of captured Humvees in Tikrit"), or None. A place the event is done to is no place it happened
    in ("captured the town of Mosul" says nothing against "captured the city of Karbala"), nor is a place named
    before most of the claim's words, which says where its subject is from ("The top UN official in Iraq told
    ...")."""
    c_tokens, c_names = tokenize(claim)
    p_tokens = tokenize(passage)[0]
    in_place = {i for j, k in _places(c_tokens, c_names) for i in range(j, k)}
    others = [i for i in content_positions(c_tokens) if i not in in_place]
    spans = [
        (j, k)
        for j, k in _places(c_tokens, c_names, where=True)
        if 2 * sum(i < j for i in others) >= len(others) and not _mentions(c_tokens[j:k], p_tokens)
    ]
    c_stems = {stem(c_tokens[i]) for i in others}
    if not spans or not c_stems:
        return None
    j0, k0 = spans[0]
    for sentence in split_sentences(passage):
        tokens, names = tokenize(sentence)
        shared = c_stems & {stem(tokens[i]) for i in content_positions(tokens)}
        if len(shared) / len(c_stems) < MIN_SHARED:
            continue
        for j, k in _places(tokens, names, where=True):
            return PolarityConflict(" ".join(c_tokens[j0:k0]), " ".join(tokens[j:k]))
    return None

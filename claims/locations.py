"""Where a claim puts its event, and whether a passage names that place, names none, or puts the event elsewhere.

"In Mosul, ISIL staged a parade of American Humvee patrol vehicles" against "ISIS staged its parade of captured
Humvees in Tikrit"; "the Shia holy sites at Karbala and An Najaf" against "ISIS has captured the city of Karbala".
Places are read from the wording alone: a capitalised name after "in", "at" or "near", or after "the city of" and
the like. claims.combine decides what a missing or swapped place does to a stance.
"""

from __future__ import annotations

import difflib

from claims.polarity import PolarityConflict
from claims.words import CALENDAR, MIN_SHARED, content_positions, is_title_case, split_sentences, stem, tokenize

# Where a claim puts its event: a name after one of these ("in Tikrit", "at Karbala", "near al-Khalis"), or after "the
# city of" and the like ("the city of Karbala"). Days and months (claims.words.CALENDAR) are times, not places.
_PLACE_BEFORE = frozenset(["in", "at", "near"])
_PLACE_NOUNS = frozenset(["city", "town", "province", "village", "capital", "region", "district"])
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


def _places(text: str, *, where: bool = False) -> tuple[list[str], list[tuple[int, int]]]:
    """The text's tokens and the spans (start, end) of the names it gives as where something is or happens ("in
    Tikrit", "the city of Karbala", "the capital Baghdad"), or with where=True only where it happens ("in Tikrit").
    None in a title-case text (claims.words.is_title_case), where capitals mark no names: on the FNC-1 calibration
    stories, reading places in such headlines ("Shots Heard In Alleged Brown Shooting Recording") made 12 bodies
    disagree, 9 of them wrongly (2026-12-07)."""
    tokens, names = tokenize(text)
    if is_title_case(text):
        return tokens, []
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
        while k < len(tokens) and k - j < PLACE_MAX_WORDS and names[k] and tokens[k] not in CALENDAR:
            k += 1
        if (
            k > j
            and (k - j > 1 or len(tokens[j]) >= PLACE_MIN_LETTERS)
            and not tokens[k - 1].endswith(_DEMONYM_ENDINGS)
        ):
            out.append((j, k))
    return tokens, out


def _same_name(a: str, b: str) -> bool:
    """One name in two spellings or forms ("Kerbala", "Karbala"; "Iraq", "Iraqi")."""
    if a == b or (len(a) >= 4 and b.startswith(a)) or (len(b) >= 4 and a.startswith(b)):
        return True
    return min(len(a), len(b)) >= 5 and difflib.SequenceMatcher(None, a, b).ratio() >= SAME_NAME_MIN_RATIO


def _mentions(place: list[str], tokens: list[str]) -> bool:
    return all(any(_same_name(word, token) for token in tokens) for word in place)


def passage_places(passage: str) -> list[str]:
    """The places a text names as where something is or happens."""
    tokens, spans = _places(passage)
    return [" ".join(tokens[j:k]) for j, k in spans]


def missing_place(claim: str, passage: str) -> str | None:
    """A place the claim puts its event in that the passage never names (in any spelling), or None."""
    c_tokens, spans = _places(claim)
    p_tokens = tokenize(passage)[0]
    for j, k in spans:
        if not _mentions(c_tokens[j:k], p_tokens):
            return " ".join(c_tokens[j:k])
    return None


def only_the_place(claim: str, passage: str) -> str | None:
    """The claim's place where the passage shares nothing else of the claim's content words ("the Shia holy sites at
    Karbala and An Najaf" for "ISIS has captured the city of Karbala"), or None."""
    c_tokens, spans = _places(claim)
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
    c_tokens, c_spans = _places(claim)
    p_tokens = tokenize(passage)[0]
    in_place = {i for j, k in c_spans for i in range(j, k)}
    others = [i for i in content_positions(c_tokens) if i not in in_place]
    spans = [
        (j, k)
        for j, k in _places(claim, where=True)[1]
        if 2 * sum(i < j for i in others) >= len(others) and not _mentions(c_tokens[j:k], p_tokens)
    ]
    c_stems = {stem(c_tokens[i]) for i in others}
    if not spans or not c_stems:
        return None
    j0, k0 = spans[0]
    for sentence in split_sentences(passage):
        tokens, places = _places(sentence, where=True)
        shared = c_stems & {stem(tokens[i]) for i in content_positions(tokens)}
        if len(shared) / len(c_stems) < MIN_SHARED:
            continue
        for j, k in places:
            return PolarityConflict(" ".join(c_tokens[j0:k0]), " ".join(tokens[j:k]))
    return None

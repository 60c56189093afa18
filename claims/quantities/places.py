"""Places: the two ends of a distance ("Baquba is 37 miles NE of Baghdad"), and whether two distances can join
the same two places.
"""

from __future__ import annotations

import re
from itertools import takewhile

from claims.quantities.models import Quantity
from claims.quantities.subjects import _FUNCTION_WORDS, _WORD, _is_plural_noun, _tokens
from claims.words import CALENDAR, is_title_case

# Where a distance reaches: "37 miles NE of Baghdad", "48 km from Orlan", "60 miles north-west of Baghdad".
_TOWARDS = re.compile(
    r"\s*(?:(?:[a-z-]*(?:north|south|east|west)[a-z-]*|(?-i:[NSEW]{1,3}))\s+)?(?:away\s+)?"
    r"(?:from|of|to|outside|off|towards?)\b",
    re.IGNORECASE,
)
_CLAUSE_MARKS = r".;:!?,()\[\]\n—–"
_CLAUSE_END = re.compile(f"[{_CLAUSE_MARKS}]")
_SENTENCE_END = ".!?\n"
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’-]*")
_COMPASS = re.compile(r"[NSEW]{1,3}")
_PRONOUNS = frozenset(["i", "he", "she", "we", "they", "you", "his", "her", "our", "my", "your", "them", "us"])
# Capitalised only because they open a sentence: "Officials said", "Rebels are", "Police say".
_OPENERS = frozenset(["police", "government", "army", "military", "security", "according"])
PLACE_WINDOW = 6  # words after "from"/"of" that may name the far end of a distance
_CLAUSE_START = re.compile(f"(?:(?<=[{_CLAUSE_MARKS}])|^)[^{_CLAUSE_MARKS}]*$")
_SENTENCE_ENDS = re.compile(f"[{re.escape(_SENTENCE_END)}]")
_RELATIVE = re.compile(r"\b(?:which|that|where|who)\s+(?:is|was|lies|lay|sits|stands|are|were)\b")
# One party under several names: a name of the group, or all words of a phrase, adds the first name. In 2014 news
# ISIS is also "al-Qaeda in Iraq" (AQI, its forerunner) and "al Qaeda extremists" (the seed articles call it both).
_NAME_ALIASES = {"isis": ({"isil"}, {"daesh"}, {"islamic", "state"}, {"qaeda"}, {"aqi"})}
# An end of a distance is a party (an armed group on the move), not a place, when its clause names one of these or
# a known group: "ISIS fighters are 30 miles from Baghdad" and "Jalawla is 30 miles from Baghdad" measure different
# things. Marked in the end's names so that a party and a place never line up.
PARTY = "@party"
_PARTY_NOUNS = frozenset(
    [
        "fighters", "militants", "insurgents", "rebels", "jihadists", "jihadis", "gunmen", "militiamen", "militia",
        "militias", "extremists", "extremeists", "islamists", "troops", "soldiers", "forces", "army", "armies",
        "front", "columns", "units", "brigades", "battalions",
    ]
)  # fmt: skip
_PARTY_NAMES = frozenset(["isis", "taliban", "hezbollah", "hamas", "peshmerga", "nusra"])
_PREPOSITIONS = frozenset(["by", "with", "against", "in", "at", "near", "from", "into", "on", "towards", "outside"])
# Words that may stand before a figure that opens its clause: "Close To 30 Miles Of Baghdad" names no near end.
_LEAD_INS = frozenset(
    ["close", "closer", "to", "within", "about", "nearly", "almost", "just", "only", "some", "now", "around", "roughly"]
)
_UPPER_ALIASES = {"IS": "isis"}  # only in capitals: "IS fighters", never the verb
_IT = re.compile(r"\s*it\b", re.IGNORECASE)
# A possessive before a common noun names the owner of a site, not a place: "Maliki's office", "the President's
# palace" are somewhere unnamed.
_SITE = re.compile(r"(?<=['’]s)\s+[a-z]")


def _with_aliases(names: set[str]) -> frozenset[str]:
    """names plus the common name of any party they spell another way ("Islamic State" -> also "isis")."""
    extra = {name for name, spellings in _NAME_ALIASES.items() if any(s <= names for s in spellings)}
    return frozenset(names | extra)


def _names(text: str, start: int, end: int, *, opens_sentence: bool, far: bool = False) -> frozenset[str]:
    """Capitalised words of text[start:end] that can name a place or a party, lower case, with their aliases; PARTY
    too when the words name a party. Before a figure in a title-case headline only known groups count as names (the
    far end, after "of", keeps its capitals: "Close To 30 Miles Of Baghdad")."""
    names = set()
    title = not far and is_title_case(text, start, end)
    for match in _CAPITALISED.finditer(text, start, end):
        word = match.group(0)
        if word in _UPPER_ALIASES:
            names.add(_UPPER_ALIASES[word])
            continue
        lower = word.lower().removesuffix("'s").removesuffix("’s")
        if lower in _FUNCTION_WORDS or lower in _PRONOUNS or lower in CALENDAR or _COMPASS.fullmatch(word):
            continue
        if far and _SITE.match(text, match.end()):
            continue  # "west of Maliki's office": the end is a site of his, not a place by that name
        first = opens_sentence and not text[start : match.start()].strip()
        if first and word[1:].islower() and (lower in _OPENERS or _is_plural_noun(lower)):
            continue  # "Officials said", "Rebels are": a common noun, capitalised by the sentence
        names.add(lower)
    names = set(_with_aliases(names))
    if title:
        names &= _PARTY_NAMES
    if _names_a_party(_WORD.findall(text, start, end), names):
        names.add(PARTY)
    return frozenset(names)


def _names_a_party(words: list[str], names: set[str]) -> bool:
    """Whether the subject (the words before the first preposition) is a party: "ISIS fighters are", "Fighters of
    the Front", but not "The Adhaim villages taken by gunmen are"."""
    head = list(takewhile(lambda word: word.lower() not in _PREPOSITIONS, words))
    lower = {word.lower() for word in head}
    return bool(lower & _PARTY_NOUNS or _with_aliases(lower) & names & _PARTY_NAMES)


# A length that measures a thing ("42 km long", "a 5 m deep crater", "a 12-mile stretch") or a change ("expanding by
# 12 km"): how long, wide or deep something is, not how far it is from somewhere.
_EXTENT_AFTER = re.compile(
    r"[\s-]*(?:long|wide|broad|high|tall|deep|thick|across|in\s+(?:length|width|height|depth|diameter)"
    r"|(?:stretch|section|course|route|track|trail|tunnel|pipeline|wall|border|coastline|perimeter|radius)\b)\b",
    re.IGNORECASE,
)
_EXTENT_BEFORE = re.compile(r"\bby\s*$", re.IGNORECASE)
_BEFORE_WINDOW = 16  # characters before a figure that _EXTENT_BEFORE reads ("by" and its spaces)


def _is_extent(text: str, quantity: Quantity) -> bool:
    """Whether a length is the size of a thing or a change rather than a distance between places (_EXTENT_AFTER)."""
    if quantity.dimension != "[length]" or _TOWARDS.match(text, quantity.span[1]):
        return False
    start = quantity.span[0]
    return bool(
        _EXTENT_AFTER.match(text, quantity.span[1])
        or _EXTENT_BEFORE.search(text, max(0, start - _BEFORE_WINDOW), start)
    )


def _clause_before(text: str, pos: int) -> tuple[int, int, bool]:
    """Bounds of the clause that ends at pos, the one before when pos opens an aside ("Amsel, about 80 km north of"),
    and whether it opens a sentence."""
    window = max(0, pos - 300)
    ends = list(_CLAUSE_END.finditer(text, window, pos))
    if ends and ends[-1].group(0) == "," and not text[ends[-1].end() : pos].strip():
        pos = ends.pop().start()
    start = ends[-1].end() if ends else window
    return start, pos, (ends[-1].group(0) in _SENTENCE_END) if ends else window == 0


def _distance_places(text: str, quantity: Quantity) -> tuple[frozenset[str], frozenset[str]] | None:
    """Name the two ends of a distance: the subject of its clause and the place after "from"/"of"."""
    towards = _TOWARDS.match(text, quantity.span[1])
    if quantity.dimension != "[length]" or towards is None:
        return None
    end = _CLAUSE_END.search(text, towards.end())
    words = _tokens(text, towards.end(), end.start() if end else len(text), PLACE_WINDOW)
    far = _names(text, towards.end(), words[-1].end(), opens_sentence=False, far=True) if words else frozenset()
    start, stop, opens_sentence = _clause_before(text, quantity.span[0])
    if relative := _RELATIVE.search(text, start, stop):
        # "clashed with Iraqi forces in Baquba which is only some 37 miles": Baquba is that far, not the fighters
        referent = list(_CAPITALISED.finditer(text, start, relative.start()))
        if referent and not text[referent[-1].end() : relative.start()].strip(" ,"):
            start, opens_sentence = referent[-1].start(), False
    if all(word.lower() in _LEAD_INS for word in _WORD.findall(text, start, stop)):
        # The figure opens its clause ("Jihadists Seize 2 Towns; Close To 30 Miles Of Baghdad"): the clause
        # before names what is that far.
        near = _names(text, _CLAUSE_START.search(text[:start].rstrip(",;:–— ")).start(), start, opens_sentence=True)
    else:
        near = _names(text, start, stop, opens_sentence=opens_sentence)
        if not near - {PARTY}:
            # An unnamed end would line up with any place at all. "The rebels are now 30 miles from Orlan": a
            # common noun or pronoun points back to the sentence before. "It" is a thing: "ISIL took control of
            # Falluja. It lies just 50 km west of ...": the place that sentence names, not the party.
            before = _names(text, *_previous_sentence(text, start), opens_sentence=True)
            if _IT.match(text, start):
                before = frozenset(n for n in before if n != PARTY and not _with_aliases({n}) & _PARTY_NAMES)
            near |= before
    return near, far


def _previous_sentence(text: str, pos: int) -> tuple[int, int]:
    """Bounds of the sentence before the one holding pos (empty when there is none within 300 characters)."""
    window = max(0, pos - 300)
    ends = [m.end() for m in _SENTENCE_ENDS.finditer(text, window, pos)]
    if not ends:
        return pos, pos
    current = ends[-1]
    return (ends[-2] if len(ends) > 1 else window), current


def _same_end(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two ends can be one: an unnamed end fits any; a party never fits a place; an unnamed party ("the
    militants") fits any party; named ones share a name."""
    if not a or not b:
        return True
    if (PARTY in a) != (PARTY in b):
        return False
    names_a, names_b = a - {PARTY}, b - {PARTY}
    return not names_a or not names_b or bool(names_a & names_b)


def _same_places(claim: Quantity, source: Quantity) -> bool:
    """False when two distances name ends that cannot be the same two places, in either order, and when one is a
    distance between places and the other the size of a thing ("42 km long")."""
    if (claim.places is not None and source.extent) or (source.places is not None and claim.extent):
        return False
    if claim.places is None or source.places is None:
        return True
    (a_from, a_to), (b_from, b_to) = claim.places, source.places
    return (_same_end(a_from, b_from) and _same_end(a_to, b_to)) or (
        _same_end(a_from, b_to) and _same_end(a_to, b_from)
    )

"""Training pairs from news stance data: FNC-1 and ARC bodies cut into the workbench's passages, SNLI, and
templated news sentences that deny, hedge or confirm a claim.

FNC-1 and ARC label a whole body; the workbench judges passages. A body's label is given to its passages most
similar to the headline (all-MiniLM-L6-v2 cosine, the vectors retrieval uses): an agreeing or denying body says so
where it speaks of the headline's story, and a discussing body takes no side anywhere. Unrelated pairs give their
most similar passage, the hard negative a retriever would bring.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from index.segmenting import Section, build_passages
from workbench.news_data import SNLI_STANCE, STANCE_OF, NliPair, StancePair

Embed = Callable[[Sequence[str]], np.ndarray]
PASSAGES_PER_RELATED_BODY = 2
UNRELATED_KEEP = 0.3  # FNC-1 is 73% unrelated; a third of those pairs is plenty of negatives
MIN_SECOND_SIMILARITY = 0.35  # a related body's second passage counts only when it is about the headline too

SPEAKERS = ("Officials", "The ministry", "A spokesman", "Police", "The company", "Local media", "The government",
            "Witnesses", "A senior official", "The agency", "Researchers", "The White House")  # fmt: skip
# (template, stance): {s} a speaker, {c} the claim with its first letter lowered when it is a plain word.
TEMPLATES = (
    ("{s} denied that {c}.", "conflicts"),
    ("{s} dismissed reports that {c} as false.", "conflicts"),
    ("Claims that {c} are a hoax, {s} said.", "conflicts"),
    ("It is not true that {c}, {s} said.", "conflicts"),
    ("{s} rejected claims that {c}, calling them baseless.", "conflicts"),
    ("It is not clear whether {c}.", "discusses"),
    ("{s} said they could not confirm reports that {c}.", "discusses"),
    ("Reports that {c} have not been independently verified.", "discusses"),
    ("Is it true that {c}?", "discusses"),
    ("{s} is investigating whether {c}.", "discusses"),
    ("Social media users asked whether {c}.", "discusses"),
    ("{s} confirmed that {c}.", "agrees"),
    ("{c}, {s} said.", "agrees"),
    ("{s} said on Monday that {c}.", "agrees"),
)


def body_passages(text: str) -> list[str]:
    """Cut a body into passages exactly as an import of it would."""
    return [text[p.start : p.end] for p in build_passages(text, [Section(0, len(text))])]


_PLAIN_OPENERS = frozenset(["the", "a", "an", "there", "this", "these", "some", "many", "most", "more", "it"])


def _lowered(claim: str) -> str:
    claim = claim.strip().rstrip(".!?")
    first = claim.split(" ", 1)[0]
    return claim[0].lower() + claim[1:] if first.istitle() and first.lower() in _PLAIN_OPENERS else claim


def stance_pair_passages(
    bodies: Mapping[str, str], pairs: Sequence[StancePair], embed: Embed, rng: random.Random
) -> list[tuple[str, str, str]]:
    """(passage, headline, stance) examples from headline-body pairs, passages chosen by similarity to the headline."""
    kept = [p for p in pairs if p.label != "unrelated" or rng.random() < UNRELATED_KEEP]
    body_ids = sorted({p.body_id for p in kept})
    cut = {b: body_passages(bodies[b]) for b in body_ids}
    flat = [(b, i) for b in body_ids for i in range(len(cut[b]))]
    vectors = embed([cut[b][i] for b, i in flat])
    rows: dict[str, list[int]] = {}
    for row, (b, _) in enumerate(flat):
        rows.setdefault(b, []).append(row)
    headlines = sorted({p.headline for p in kept})
    head_vectors = dict(zip(headlines, embed(headlines), strict=True))
    out = []
    for pair in kept:
        idx = rows.get(pair.body_id)
        if not idx:
            continue
        sims = vectors[idx] @ head_vectors[pair.headline]
        order = np.argsort(-sims)
        stance = STANCE_OF[pair.label]
        take = 1 if stance == "unrelated" else PASSAGES_PER_RELATED_BODY
        for rank, j in enumerate(order[:take]):
            if rank and sims[j] < MIN_SECOND_SIMILARITY:
                break
            out.append((cut[pair.body_id][j], pair.headline, stance))
    return out


def snli_examples(pairs: Sequence[NliPair]) -> list[tuple[str, str, str]]:
    """(premise, hypothesis, stance): entailment agrees, contradiction conflicts, neutral discusses."""
    return [(p.premise, p.hypothesis, SNLI_STANCE[p.label]) for p in pairs]


def templated_examples(claims: Sequence[str], rng: random.Random, per_claim: int = 2) -> list[tuple[str, str, str]]:
    """(sentence, claim, stance) from templates that deny, hedge or confirm the claim in reported speech."""
    out = []
    for claim in claims:
        for template, stance in rng.sample(TEMPLATES, k=per_claim):
            sentence = template.format(s=rng.choice(SPEAKERS), c=_lowered(claim))
            out.append((sentence[0].upper() + sentence[1:], claim, stance))
    return out

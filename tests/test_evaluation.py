"""The Climate-FEVER tuning and report logic the `eval claims` command prints, on hand-made judged claims."""

from __future__ import annotations

from claims.vocabulary import AGREES, CONFLICTS, NOT_ENOUGH_EVIDENCE, REFUTED, SUPPORTED
from workbench import evaluation
from workbench.models import EvidenceItem, Hit


def item(article: int, stance: str, confidence: float = 0.9) -> EvidenceItem:
    hit = Hit(article * 10, article, "t", f"outlet {article}", None, None, "text", "body", None, 0, 4, 1.0)
    return EvidenceItem(hit, stance, confidence, "model", None, "m", False)


def claim(gold: str, stance: str, similarity: float) -> evaluation.ClaimEval:
    """One claim with one passage of that stance at that claim-passage similarity; its gold sentence retrieved."""
    return evaluation.ClaimEval("c", gold, (item(1, stance),), 1, 1, (similarity,))


# Off-topic agreement (similarity 0.12) marks claims whose gold is "not enough evidence": only a gate of 0.15 or
# more makes them right, while on-topic passages (0.6) keep their stance under every gate of the grid.
CLAIMS = [
    claim(SUPPORTED, AGREES, 0.6),
    claim(REFUTED, CONFLICTS, 0.6),
    claim(NOT_ENOUGH_EVIDENCE, AGREES, 0.12),
    claim(NOT_ENOUGH_EVIDENCE, AGREES, 0.12),
]


def test_tuning_picks_the_lowest_gate_that_drops_off_topic_evidence():
    tuning = evaluation.tune(CLAIMS)
    assert tuning.claims == 4
    assert [r.min_similarity for r in tuning.sweep] == list(evaluation.GATE_GRID)
    assert [r.verdict_accuracy for r in tuning.sweep][:3] == [0.5, 0.5, 1.0]
    assert tuning.min_similarity == 0.15
    assert evaluation.report(CLAIMS, "train", tuning.rules, tuning.min_similarity).verdict_accuracy == 1.0
    text = evaluation.format_tuning(tuning)
    assert text.splitlines()[2].startswith("  train, gate 0.15  accuracy 1.000  off topic 0.500")
    assert text.splitlines()[-1].startswith("tuned on 4 train claims: on-topic gate 0.15, VerdictRules(")


def test_the_report_as_printed():
    result = evaluation.report(CLAIMS, "test", min_similarity=None)
    assert evaluation.format_report(result).splitlines() == [
        "Climate-FEVER test: 4 claims",
        "  on-topic gate      similarity < off -> unrelated (0.000 of judged passages)",
        "  verdict accuracy   0.500  (majority baseline 0.500, always not_enough_evidence)",
        "  gold recall@5      1.000  (claims with any gold in top 5: 1.000)",
        "  not_enough_evidence  n=2    accuracy 0.000",
        "  refuted              n=1    accuracy 1.000",
        "  supported            n=1    accuracy 1.000",
    ]


def test_off_topic_pairs_embed_each_text_once(hashing):
    from claims.stance_eval import LabelledPair

    calls = []

    class Counting:
        model_id, dimension = hashing.model_id, hashing.dimension

        def embed(self, texts):
            calls.append(list(texts))
            return hashing.embed(texts)

    same = "Sea levels rose 20 cm since 1900"
    pairs = [LabelledPair("fever", same, same, AGREES), LabelledPair("fever", "Cats purr when content", same, AGREES)]
    assert evaluation.off_topic_pairs(pairs, Counting(), 0.5) == [False, True]
    assert len(calls) == 1 and sorted(calls[0]) == sorted({same, "Cats purr when content"})

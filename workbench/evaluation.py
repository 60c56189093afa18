"""Evaluate the claim pipeline on Climate-FEVER: gold-evidence recall@5 and verdict accuracy.

The corpus is every evidence sentence of every claim (each its own article, as the data README says), so a
claim must find its own gold sentences among all 7,675. Thresholds of the verdict rules and of the on-topic gate
are tuned on the train split only; report on test.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from claims.combine import MIN_ON_TOPIC_SIMILARITY, gate_off_topic
from claims.stance_eval import LabelledPair
from claims.verdicts import DEFAULT_RULES, VerdictRules
from claims.vocabulary import CONFLICTING, NOT_ENOUGH_EVIDENCE, REFUTED, SUPPORTED
from index.embedders import Embedder
from workbench.config import Settings
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.models import Claim, EvidenceItem
from workbench.pipeline import StanceJudge, judge, retrieve, verdict_for
from workbench.storage import open_store

GOLD_LABELS = {
    "SUPPORTS": SUPPORTED,
    "REFUTES": REFUTED,
    "DISPUTED": CONFLICTING,
    "NOT_ENOUGH_INFO": NOT_ENOUGH_EVIDENCE,
}
RECALL_K = 5
GATE_GRID = (None, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


@dataclass(frozen=True, slots=True)
class ClaimEval:
    """Per-claim outcome: gold verdict, evidence judged (before the on-topic gate), how much gold was retrieved."""

    claim: str
    gold: str
    items: tuple[EvidenceItem, ...]
    gold_found: int
    gold_total: int
    similarities: tuple[float, ...] = ()  # claim-passage cosine similarity of each item, for the gate

    def gated(self, min_similarity: float | None) -> tuple[EvidenceItem, ...]:
        """Return the items with off-topic passages made unrelated, as the pipeline's judge does."""
        if not self.similarities:
            return self.items
        return tuple(
            gate_off_topic(item, sim, min_similarity) for item, sim in zip(self.items, self.similarities, strict=True)
        )


@dataclass(frozen=True, slots=True)
class ClaimReport:
    """Aggregate figures of a claim evaluation."""

    split: str
    claims: int
    verdict_accuracy: float
    majority_baseline: float
    majority_label: str
    recall_at_5: float
    any_gold_at_5: float
    per_label: dict[str, tuple[int, float]]  # gold label -> (count, accuracy)
    rules: VerdictRules
    min_similarity: float | None = MIN_ON_TOPIC_SIMILARITY  # the on-topic gate; None when off
    off_topic_share: float = 0.0  # share of judged passages the gate made unrelated


def load_climate_fever(path: Path) -> list[dict]:
    """Read climate-fever.jsonl."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_corpus(rows: Sequence[dict], folder: Path) -> Path:
    """Write every distinct evidence sentence as one article of a JSONL file; return its path."""
    seen: set[str] = set()
    lines = []
    for row in rows:
        for ev in row["evidences"]:
            # A few "sentences" are bare figures or symbols: no passage to retrieve, so no article either.
            if ev["evidence"] not in seen and re.search(r"[^\W\d_]{2}", ev["evidence"]):
                seen.add(ev["evidence"])
                lines.append(json.dumps({"text": ev["evidence"], "title": ev["article"], "outlet": "Wikipedia"}))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "climate-fever-evidence.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _gold_sentences(row: dict) -> set[str]:
    return {ev["evidence"] for ev in row["evidences"] if ev["evidence_label"] in ("SUPPORTS", "REFUTES")}


def judge_claims(
    settings: Settings,
    embedder: Embedder,
    model: StanceJudge,
    rows: Sequence[dict],
    *,
    k: int = RECALL_K,
    progress: Callable[[int, int], None] | None = None,
) -> list[ClaimEval]:
    """Retrieve and judge evidence for each claim once; verdicts can then be decided under any rules and gate."""
    evals = []
    with open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, embedder)
        for number, row in enumerate(rows, start=1):
            hits, sims = retrieve(store, vindex, embedder, row["claim"], k=k)
            claim = Claim(claim_id=number, text=row["claim"], claim_date=None, origin="csv")
            items = judge(claim, hits, model, sims, min_similarity=None)
            gold = _gold_sentences(row)
            found = len({h.text for h in hits[:RECALL_K]} & gold)
            label = GOLD_LABELS[row["claim_label"]]
            evals.append(ClaimEval(row["claim"], label, tuple(items), found, len(gold), tuple(sims)))
            if progress:
                progress(number, len(rows))
    return evals


def report(
    evals: Sequence[ClaimEval],
    split: str,
    rules: VerdictRules = DEFAULT_RULES,
    min_similarity: float | None = MIN_ON_TOPIC_SIMILARITY,
) -> ClaimReport:
    """Score verdicts under rules and the on-topic gate, beside the majority-class baseline and evidence recall."""
    judged = [e.gated(min_similarity) for e in evals]
    predicted = [
        verdict_for(Claim(i, e.claim, None, "csv"), items, rules).verdict
        for i, (e, items) in enumerate(zip(evals, judged, strict=True))
    ]
    before = [item.stance for e in evals for item in e.items]
    after = [item.stance for items in judged for item in items]
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    gold = [e.gold for e in evals]
    majority, majority_n = Counter(gold).most_common(1)[0]
    per_label = {}
    for label in sorted(set(gold)):
        idx = [i for i, g in enumerate(gold) if g == label]
        per_label[label] = (len(idx), sum(predicted[i] == label for i in idx) / len(idx))
    with_gold = [e for e in evals if e.gold_total]
    return ClaimReport(
        split=split,
        claims=len(evals),
        verdict_accuracy=sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(evals),
        majority_baseline=majority_n / len(evals),
        majority_label=majority,
        recall_at_5=sum(e.gold_found / min(e.gold_total, RECALL_K) for e in with_gold) / len(with_gold),
        any_gold_at_5=sum(e.gold_found > 0 for e in with_gold) / len(with_gold),
        per_label=per_label,
        rules=rules,
        min_similarity=min_similarity,
        off_topic_share=changed / len(after) if after else 0.0,
    )


def tune_rules(evals: Sequence[ClaimEval], min_similarity: float | None = MIN_ON_TOPIC_SIMILARITY) -> VerdictRules:
    """Pick verdict thresholds by accuracy on (train) claims; ties go to the defaults' neighbourhood."""
    best, best_accuracy = DEFAULT_RULES, report(evals, "train", DEFAULT_RULES, min_similarity).verdict_accuracy
    grid = itertools.product((0.4, 0.5, 0.6, 0.7), (0.3, 0.5, 0.75, 1.0, 1.5), (0.3, 0.5, 0.7, 0.9))
    for stance_min, side_min, ratio in grid:
        rules = replace(DEFAULT_RULES, min_stance_confidence=stance_min, min_side_weight=side_min, conflict_ratio=ratio)
        accuracy = report(evals, "train", rules, min_similarity).verdict_accuracy
        if accuracy > best_accuracy + 1e-9:
            best, best_accuracy = rules, accuracy
    return best


def sweep_gate(evals: Sequence[ClaimEval], rules: VerdictRules = DEFAULT_RULES) -> list[ClaimReport]:
    """Report (train) claims under each on-topic gate threshold of GATE_GRID (None: no gate)."""
    return [report(evals, "train", rules, threshold) for threshold in GATE_GRID]


def tune_gate(evals: Sequence[ClaimEval], rules: VerdictRules = DEFAULT_RULES) -> float | None:
    """Pick the on-topic gate threshold by verdict accuracy on (train) claims; ties go to the lower threshold."""
    best = max(sweep_gate(evals, rules), key=lambda r: r.verdict_accuracy)  # max keeps the first of equals
    return best.min_similarity


def build_corpus(settings: Settings, embedder: Embedder, data: Path, work: Path) -> None:
    """Import the Climate-FEVER evidence sentences into settings' database (once)."""
    with open_store(settings.db_path) as store:
        if store.count_rows()["articles"]:
            return
    results = import_files([write_corpus(load_climate_fever(data), work)], settings, embedder)
    if results[0].status != "imported":
        raise RuntimeError(f"corpus import failed: {results[0].message}")


@dataclass(frozen=True, slots=True)
class Tuning:
    """What tuning on train claims chose: the gate sweep behind the gate, the gate and the verdict rules."""

    claims: int
    sweep: list[ClaimReport]
    min_similarity: float | None
    rules: VerdictRules


def tune(evals: Sequence[ClaimEval]) -> Tuning:
    """Pick the on-topic gate, then the verdict thresholds under it, on (train) claims."""
    sweep = sweep_gate(evals, DEFAULT_RULES)
    gate = tune_gate(evals, DEFAULT_RULES)
    return Tuning(len(evals), sweep, gate, tune_rules(evals, gate))


def format_tuning(tuning: Tuning) -> str:
    """The gate sweep, one line per threshold, and what was chosen."""
    lines = [
        f"  train, gate {r.min_similarity!s:<5} accuracy {r.verdict_accuracy:.3f}  off topic "
        f"{r.off_topic_share:.3f}  " + "  ".join(f"{k} {a:.3f}" for k, (_, a) in r.per_label.items())
        for r in tuning.sweep
    ]
    lines.append(f"tuned on {tuning.claims} train claims: on-topic gate {tuning.min_similarity}, {tuning.rules}")
    return "\n".join(lines)


def format_report(result: ClaimReport) -> str:
    """The Climate-FEVER verdict report as the CLI prints it."""
    lines = [
        f"Climate-FEVER {result.split}: {result.claims} claims",
        f"  on-topic gate      similarity < {result.min_similarity or 'off'} -> unrelated "
        f"({result.off_topic_share:.3f} of judged passages)",
        f"  verdict accuracy   {result.verdict_accuracy:.3f}  "
        f"(majority baseline {result.majority_baseline:.3f}, always {result.majority_label})",
        f"  gold recall@5      {result.recall_at_5:.3f}  (claims with any gold in top 5: {result.any_gold_at_5:.3f})",
    ]
    lines += [f"  {label:<20} n={n:<4} accuracy {accuracy:.3f}" for label, (n, accuracy) in result.per_label.items()]
    return "\n".join(lines)


def off_topic_pairs(pairs: Sequence[LabelledPair], embedder: Embedder, min_similarity: float) -> list[bool]:
    """For each claim-evidence pair, whether the on-topic gate calls it unrelated (each distinct text embedded once)."""
    texts = sorted({p.claim for p in pairs} | {p.evidence for p in pairs})
    row = {text: i for i, text in enumerate(texts)}
    vectors = embedder.embed(texts)
    return [float(vectors[row[p.claim]] @ vectors[row[p.evidence]]) < min_similarity for p in pairs]

"""Check-worthiness against sentences labelled by fact-checkers (CheckThat! 2024 English, from ClaimBuster): the
product's proposals (claims.extraction.rank_check_worthy, fragment rules included) scored as the lab scores them,
by precision, recall and F1 of the check-worthy class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from claims.extraction import SentenceScorer, rank_check_worthy
from workbench.errors import IngestError
from workbench.tables import read_table

SPLIT_FILES = {"train": "CT24_checkworthy_english_train.tsv", "dev": "CT24_checkworthy_english_dev.tsv"}
CT24_COLUMNS = ("Sentence_id", "Text", "class_label")


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    sentence_id: str
    text: str
    worthy: bool


@dataclass(frozen=True, slots=True)
class CheckworthyReport:
    """How the proposals of one scorer compare with the labels."""

    scorer: str
    sentences: int
    worthy: int
    proposed: int
    precision: float
    recall: float
    f1: float


def load_checkworthy(folder: Path, split: str) -> list[LabelledSentence]:
    """Read a CT24 TSV (Sentence_id, Text, class_label Yes/No); some texts are quoted, so a real CSV reader."""
    path = folder / SPLIT_FILES[split]
    rows = read_table(path, CT24_COLUMNS, what="the check-worthiness data", delimiter="\t")
    bad = next((r for r in rows if r["class_label"].strip() not in ("Yes", "No")), None)
    if bad is not None:
        raise IngestError(
            path, f"Sentence_id {bad['Sentence_id']}: class_label {bad['class_label']!r} is not Yes or No"
        )
    return [LabelledSentence(r["Sentence_id"], r["Text"].strip(), r["class_label"].strip() == "Yes") for r in rows]


def evaluate_checkworthy(rows: Sequence[LabelledSentence], scorer: SentenceScorer, name: str) -> CheckworthyReport:
    """Propose from the sentences one by one as the product would, and score the proposals against the labels."""
    chosen = {c.index for c in rank_check_worthy([r.text for r in rows], scorer)}
    truth = [r.worthy for r in rows]
    precision, recall, f1 = precision_recall_f1([i in chosen for i in range(len(rows))], truth)
    return CheckworthyReport(name, len(rows), sum(truth), len(chosen), precision, recall, f1)


def precision_recall_f1(predicted: Sequence[bool], truth: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class (each 0 when undefined)."""
    hits = sum(1 for p, t in zip(predicted, truth, strict=True) if p and t)
    proposed, positive = sum(map(bool, predicted)), sum(map(bool, truth))
    precision = hits / proposed if proposed else 0.0
    recall = hits / positive if positive else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def format_reports(reports: Sequence[CheckworthyReport]) -> str:
    """A table of the reports."""
    lines = [
        "| ranker | sentences | check-worthy | proposed | precision | recall | F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.scorer} | {r.sentences} | {r.worthy} | {r.proposed} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} |"
        for r in reports
    ]
    return "\n".join(lines)

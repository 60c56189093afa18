"""Measure verdicts on news: a labelled claim set over imported articles, and FNC-1 / ARC stance through `check`.

Both go through the product's own path: articles imported as a user would import them, claims checked by
pipeline.check_text (retrieval, stance model, number check, on-topic gate, verdict rules).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from claims.verdicts import side_weights
from claims.vocabulary import DISCUSSES, UNRELATED, VERDICTS
from index.embedders import Embedder
from workbench.config import Settings
from workbench.errors import ClaimError, IngestError
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.models import CheckResult, Claim, EvidenceItem
from workbench.news_data import STANCE_OF, StancePair
from workbench.pipeline import StanceJudge, check_text, evidence_stances
from workbench.storage import open_store
from workbench.tables import read_table

CLAIM_COLUMNS = ("id", "claim", "date", "verdict", "class", "why")


@dataclass(frozen=True, slots=True)
class LabelledClaim:
    """A claim with the verdict a fact-checker gives it from the corpus, the failure class it tests, and why."""

    claim_id: str
    text: str
    claim_date: date | None
    verdict: str
    kind: str
    why: str


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    """What the machine said of one labelled claim."""

    claim: LabelledClaim
    result: CheckResult

    @property
    def right(self) -> bool:
        """True when the machine verdict is the labelled one."""
        return self.result.verdict == self.claim.verdict


@dataclass(frozen=True, slots=True)
class ClaimSetReport:
    """Accuracy of a labelled claim set, overall, per failure class and per gold verdict."""

    outcomes: tuple[ClaimOutcome, ...]

    @property
    def accuracy(self) -> float:
        """Share of claims with the labelled verdict."""
        return sum(o.right for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def by(self, key: Callable[[ClaimOutcome], str]) -> dict[str, tuple[int, int]]:
        """(right, total) per key."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            out[key(o)][0] += o.right
            out[key(o)][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def confusion(self) -> Counter[tuple[str, str]]:
        """(gold, machine) counts."""
        return Counter((o.claim.verdict, o.result.verdict) for o in self.outcomes)


def load_labelled_claims(path: Path) -> list[LabelledClaim]:
    """Read a labelled claim CSV (id, claim, date, verdict, class, why); a bad row is one clear error."""
    rows = read_table(path, CLAIM_COLUMNS, what="the labelled claims")
    out = []
    for line, row in enumerate(rows, start=2):
        if row["verdict"] not in VERDICTS:
            raise IngestError(path, f"line {line}: verdict {row['verdict']!r} is not one of {', '.join(VERDICTS)}")
        try:
            when = date.fromisoformat(row["date"]) if row["date"].strip() else None
        except ValueError:
            raise IngestError(path, f"line {line}: date {row['date']!r} is not YYYY-MM-DD") from None
        out.append(LabelledClaim(row["id"], row["claim"], when, row["verdict"], row["class"], row["why"]))
    return out


def import_corpus(settings: Settings, embedder: Embedder, articles: Sequence[Path]) -> None:
    """Import the articles into settings' database unless it already holds them."""
    results = import_files(list(articles), settings, embedder)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise ClaimError("; ".join(f"{r.path}: {r.message}" for r in failed))


def check_labelled_claims(
    settings: Settings,
    embedder: Embedder,
    model: StanceJudge,
    claims: Sequence[LabelledClaim],
    *,
    k: int = 10,
) -> ClaimSetReport:
    """Check every labelled claim against the database's articles (claims are not stored)."""
    outcomes = []
    with open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, embedder)
        for number, labelled in enumerate(claims, start=1):
            claim = Claim(-number, labelled.text, labelled.claim_date, "csv", external_id=labelled.claim_id)
            outcomes.append(ClaimOutcome(labelled, check_text(store, vindex, embedder, model, claim, k=k)))
    return ClaimSetReport(tuple(outcomes))


def format_claim_report(report: ClaimSetReport, *, misses: bool = True) -> str:
    """The report as text: accuracy, per class, per gold verdict, the confusion and (optionally) every miss."""
    lines = [f"verdict accuracy {report.accuracy:.3f} ({sum(o.right for o in report.outcomes)}/{len(report.outcomes)})"]
    for title, key in (("class", lambda o: o.claim.kind), ("gold verdict", lambda o: o.claim.verdict)):
        lines.append(f"by {title}:")
        lines += [f"  {k:<22} {r}/{n}" for k, (r, n) in report.by(key).items()]
    lines.append("confusion (gold -> machine):")
    lines += [f"  {g:<20} -> {m:<20} {n}" for (g, m), n in sorted(report.confusion().items())]
    if misses:
        lines.append("misses:")
        for o in report.outcomes:
            if not o.right:
                lines.append(f"  {o.claim.claim_id} [{o.claim.kind}] {o.claim.text}")
                lines.append(f"      gold {o.claim.verdict}, machine {o.result.verdict}: {o.result.reason}")
    return "\n".join(lines)


# --- FNC-1 / ARC: headline-body stance through `check` -----------------------------------------------------------

FNC_OF = {stance: label for label, stance in STANCE_OF.items()}  # workbench stance -> FNC-1 label
FNC_ORDER = ("agree", "disagree", "discuss", "unrelated")
BODY_URL = "stance-body://{corpus}/{body_id}"


@dataclass(frozen=True, slots=True)
class StanceScore:
    """FNC-1's official score as a share of the best possible, macro-F1 over the four labels, the confusion."""

    pairs: int
    headlines: int
    relative_score: float
    macro_f1: float
    per_label_f1: dict[str, float]
    confusion: dict[tuple[str, str], int]  # (gold, predicted) -> count
    all_unrelated_score: float  # what answering 'unrelated' everywhere scores on the same pairs


def write_bodies(bodies: dict[str, str], corpus: str, path: Path) -> Path:
    """Write the bodies as a JSONL corpus, one article per body in id order, its id in the URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for body_id in sorted(bodies):
            url = BODY_URL.format(corpus=corpus, body_id=body_id)
            fh.write(json.dumps({"text": bodies[body_id], "url": url, "outlet": corpus}) + "\n")
    return path


def body_articles(settings: Settings, bodies: dict[str, str], corpus: str) -> dict[str, int]:
    """Article id of each body; a body whose text repeats another's was imported once, as that one."""
    with open_store(settings.db_path, read_only=True) as store:
        by_url = store.article_ids_by_url()
    first_of_text: dict[str, str] = {}
    for body_id, text in bodies.items():
        first_of_text.setdefault(" ".join(text.split()), body_id)
    out = {}
    for body_id, text in bodies.items():
        url = BODY_URL.format(corpus=corpus, body_id=body_id)
        twin = BODY_URL.format(corpus=corpus, body_id=first_of_text[" ".join(text.split())])
        if url in by_url or twin in by_url:
            out[body_id] = by_url.get(url, by_url.get(twin))
    return out


def body_stance(items: Sequence[EvidenceItem]) -> str:
    """A body's stance read off its retrieved passages (in retrieval order) by the verdict's own rules: the side its
    article takes as a source of the verdict; else 'discusses' when a passage is on topic; else (none retrieved, or
    all off topic) unrelated."""
    sides = side_weights(evidence_stances(items))
    for side, sources in sides.items():
        if sources:
            return side  # one article, on one side at most
    if any(item.hit.kind == "body" and item.stance != UNRELATED for item in items):
        return DISCUSSES  # reader comments are never the article's own stance
    return UNRELATED


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """FNC-1's score as a share of the best possible: 0.25 for related/unrelated right, 0.75 more for the label."""

    def points(g: str, p: str) -> float:
        score = 0.25 if (g == "unrelated") == (p == "unrelated") else 0.0
        return score + (0.75 if g == p and g != "unrelated" else 0.0)

    best = sum(points(g, g) for g in gold)
    return sum(points(g, p) for g, p in zip(gold, predicted, strict=True)) / best if best else 0.0


def score_stances(pairs: Sequence[StancePair], predicted: Sequence[str]) -> StanceScore:
    """Score predicted FNC-1 labels against the pairs' gold labels."""
    gold = [p.label for p in pairs]
    f1 = {}
    for label in FNC_ORDER:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        f1[label] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return StanceScore(
        pairs=len(pairs),
        headlines=len({p.headline for p in pairs}),
        relative_score=fnc_score(gold, predicted),
        macro_f1=sum(f1.values()) / len(f1),
        per_label_f1=f1,
        confusion=dict(Counter(zip(gold, predicted, strict=True))),
        all_unrelated_score=fnc_score(gold, ["unrelated"] * len(gold)),
    )


def judge_stance_pairs(
    settings: Settings,
    embedder: Embedder,
    model: StanceJudge,
    pairs: Sequence[StancePair],
    articles: dict[str, int],
    *,
    k: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Check each headline once as a claim and read every paired body's FNC-1 label off its retrieved passages."""
    by_headline: dict[str, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        by_headline[pair.headline].append(index)
    predicted = ["unrelated"] * len(pairs)
    with open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, embedder)
        for number, (headline, indices) in enumerate(by_headline.items(), start=1):
            result = check_text(store, vindex, embedder, model, Claim(-number, headline, None, "csv"), k=k)
            by_article: dict[int, list[EvidenceItem]] = defaultdict(list)
            for item in result.evidence:
                by_article[item.hit.article_id].append(item)
            for index in indices:
                article = articles.get(pairs[index].body_id)
                predicted[index] = FNC_OF[body_stance(by_article.get(article, []))] if article else "unrelated"
            if progress:
                progress(number, len(by_headline))
    return predicted


def format_stance_score(name: str, score: StanceScore) -> str:
    """The score as text: relative score, macro-F1, per-label F1 and the confusion matrix."""
    lines = [
        f"{name}: {score.pairs} pairs, {score.headlines} headlines",
        f"  FNC-1 relative score {score.relative_score:.3f}  (answering unrelated everywhere: "
        f"{score.all_unrelated_score:.3f})",
        f"  macro-F1             {score.macro_f1:.3f}  ("
        + ", ".join(f"{label} {score.per_label_f1[label]:.3f}" for label in FNC_ORDER)
        + ")",
        "  confusion, gold rows x predicted columns: " + " ".join(f"{label:>9}" for label in FNC_ORDER),
    ]
    for gold in FNC_ORDER:
        cells = " ".join(f"{score.confusion.get((gold, p), 0):>9}" for p in FNC_ORDER)
        lines.append(f"  {gold:<41} {cells}")
    return "\n".join(lines)

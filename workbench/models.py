"""Value objects the application passes between storage, import, retrieval and the interfaces."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

from claims.vocabulary import NEW


@dataclass(frozen=True, slots=True)
class PassageDraft:
    """A passage cut from a document, before it has an id."""

    position: int
    kind: str
    author: str | None
    text: str
    char_start: int
    char_end: int
    search_text: str


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """Where and when an article imported from the web was fetched (the page it came from, after redirects)."""

    url: str  # as the user or the feed gave it
    final_url: str
    fetched_at: datetime
    content_type: str


@dataclass(frozen=True, slots=True)
class FactCheck:
    """An earlier fact-check read from ClaimReview JSON-LD: the claim it reviewed and its rating."""

    claim_text: str
    rating: str | None  # reviewRating.alternateName ("False", "Mostly true", ...)
    rating_value: float | None  # reviewRating.ratingValue, with its scale
    best_rating: float | None
    worst_rating: float | None
    review_url: str | None
    publisher: str | None
    review_date: date | None
    origin: str  # the file it was read from
    fingerprint: str  # sha256 of claim, address, publisher and rating: the same review imported again is found


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something a claim may repeat: an imported fact-check or one of the desk's own reviewed claims."""

    kind: str  # claims.vocabulary.MATCH_KINDS
    match_id: int  # factcheck_id or claim_id
    text: str
    rating: str | None
    url: str | None
    publisher: str | None
    review_date: date | None


@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """A candidate proposed as the same claim, with the score and reason, and a reviewer's decision."""

    claim_id: int
    candidate: Candidate
    score: float
    reason: str
    decision: str  # claims.vocabulary.MATCH_DECISIONS
    reviewer: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One article parsed from a file: cleaned text plus where its body and comments lie."""

    text: str
    title: str | None
    outlet: str | None
    url: str | None
    published_at: datetime | None
    origin: str
    passages: tuple[PassageDraft, ...] = field(default=())
    content_hash: str = ""
    fetched: FetchRecord | None = None  # set for a page fetched from the web


@dataclass(frozen=True, slots=True)
class Claim:
    """A stored claim."""

    claim_id: int
    text: str
    claim_date: date | None
    origin: str
    external_id: str | None = None
    source_article_id: int | None = None
    source_passage_id: int | None = None
    created_at: datetime | None = None

    @property
    def own_article_ids(self) -> list[int]:
        """The article the claim was taken from, if any: a claim never cites it as evidence of itself."""
        return [self.source_article_id] if self.source_article_id is not None else []


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage with its article and the ranks that put it there."""

    passage_id: int
    article_id: int
    title: str | None
    outlet: str | None
    url: str | None
    published_at: datetime | None
    text: str
    kind: str
    author: str | None
    char_start: int
    char_end: int
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None

    def to_json(self) -> dict:
        """Return a JSON-ready dict (dates as ISO strings)."""
        row = asdict(self)
        row["published_at"] = self.published_at.isoformat() if self.published_at else None
        return row


@dataclass(frozen=True, slots=True)
class FileResult:
    """What importing one file did: imported, skipped (already there) or failed, and why."""

    path: str
    status: str  # "imported" | "skipped" | "failed"
    articles: int = 0
    passages: int = 0
    skipped: int = 0
    message: str = ""


def about(seconds: float) -> str:
    """A duration as a person reads it on a progress line: '40 s', '3 min', '2 h 5 min'."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True, slots=True)
class ImportStatus:
    """How far an import has got, after each embedded batch: the file it is on and the whole import's pace.

    fraction is by bytes: the files done plus the embedded share of the current one, so a big file and many small
    ones both move the bar evenly.
    """

    file_number: int
    files: int
    path: str
    embedded: int  # passages of this file embedded so far
    file_passages: int  # passages of this file to embed
    passages: int  # passages embedded by the whole import so far
    fraction: float
    elapsed_s: float

    @property
    def rate(self) -> float:
        """Passages embedded per second of the import so far (reading and writing included)."""
        return self.passages / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far; None before there is a pace to go by."""
        if self.fraction <= 0 or self.passages == 0:
            return None
        return self.elapsed_s * (1 - self.fraction) / self.fraction

    def describe(self) -> str:
        """'file 2 of 5, 4,096 passages, 812 per s, about 3 min left'."""
        eta = self.eta_s
        left = f", about {about(eta)} left" if eta is not None and self.fraction < 1 else ""
        return f"file {self.file_number} of {self.files}, {self.passages:,} passages, {self.rate:,.0f} per s{left}"


@dataclass(frozen=True, slots=True)
class MachineStance:
    """What the stance model and the number check said of a passage, kept when a reviewer's correction replaces it."""

    stance: str
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """A retrieved passage judged against a claim.

    `machine` is None when stance, confidence and reason are the machine's; when a reviewer corrected the passage
    they are the reviewer's and `machine` keeps what the machine said, so the correction can be taken back.
    """

    hit: Hit
    stance: str
    confidence: float
    reason: str
    number_check: str | None
    model_id: str
    after_claim: bool
    machine: MachineStance | None = None

    def as_judged(self) -> EvidenceItem:
        """Return the item with the machine's stance, as it was before any correction."""
        if self.machine is None:
            return self
        m = self.machine
        return replace(self, stance=m.stance, confidence=m.confidence, reason=m.reason, machine=None)

    def to_json(self) -> dict:
        """Return a JSON-ready dict: the passage fields plus its stance (and the machine's, when corrected)."""
        return {
            **self.hit.to_json(),
            "stance": self.stance,
            "confidence": self.confidence,
            "reason": self.reason,
            "number_check": self.number_check,
            "after_claim": self.after_claim,
            "machine": asdict(self.machine) if self.machine else None,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A claim, its machine verdict and the evidence behind it."""

    claim: Claim
    verdict: str
    confidence: float
    reason: str
    agreeing: int
    conflicting: int
    evidence: tuple[EvidenceItem, ...]
    check_id: int | None = None

    def to_json(self) -> dict:
        """Return the JSON object `workbench check --json` prints."""
        return {
            "claim_id": self.claim.claim_id,
            "claim": self.claim.text,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "reason": self.reason,
            "agreeing_sources": self.agreeing,
            "conflicting_sources": self.conflicting,
            "evidence": [item.to_json() for item in self.evidence],
        }


# --- what the store returns for browsing: one record per row, read by name ---------------------------


@dataclass(frozen=True, slots=True)
class Article:
    """One stored article with its cleaned text (passage spans index into it)."""

    article_id: int
    title: str | None
    outlet: str | None
    url: str | None
    published_at: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as the Sources page lists it: where it came from and how many passages of each kind it has."""

    article_id: int
    title: str | None
    outlet: str | None
    url: str | None
    published_at: datetime | None
    origin: str
    body_passages: int
    comments: int


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """One passage of an article, in its place."""

    passage_id: int
    position: int
    author: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Outlet:
    """An outlet with articles, and how far it is trusted ('unknown' until tagged)."""

    name: str
    articles: int
    credibility: str


@dataclass(frozen=True, slots=True)
class StoredCheck:
    """One machine check of a claim as stored, without its evidence."""

    check_id: int
    verdict: str
    confidence: float
    reason: str
    agreeing: int
    conflicting: int
    stance_model: str
    embedding_model: str
    checked_at: datetime


# --- the human side of a claim ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    """Where a claim stands with its reviewers; version 0 means nobody has saved anything yet."""

    claim_id: int
    status: str = NEW
    human_verdict: str | None = None
    rationale: str = ""
    reviewer: str | None = None
    version: int = 0
    updated_at: datetime | None = None
    approved_by: str | None = None  # the second reviewer who approved this verdict (the desk rule), else None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One changed field: who changed it, when, from what to what."""

    event_id: int
    field: str
    old_value: str | None
    new_value: str | None
    reviewer: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class Correction:
    """A reviewer's stance for one evidence passage of a claim; it overrides the model's."""

    passage_id: int
    stance: str
    reviewer: str


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One claim in the review queue: its newest machine verdict and where its review stands."""

    claim_id: int
    text: str
    claim_date: date | None
    verdict: str | None  # None: never checked
    confidence: float | None
    agreeing: int | None
    conflicting: int | None
    status: str
    human_verdict: str | None
    reviewer: str | None
    rationale: str
    checked_at: datetime | None
    updated_at: datetime | None
    check_id: int | None
    outlets: tuple[str, ...]
    approved_by: str | None = None  # the second reviewer who approved the verdict (the desk rule)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the queue shows; None or empty lets everything through."""

    statuses: tuple[str, ...] | None = None
    verdicts: tuple[str, ...] | None = None  # machine verdicts, 'unchecked' for claims never checked
    outlets: tuple[str, ...] | None = None
    search: str = ""

    def normalised(self) -> QueueFilter:
        """The same filter with empty choices as None (everything through) and the search text trimmed."""
        return QueueFilter(self.statuses or None, self.verdicts or None, self.outlets or None, self.search.strip())


@dataclass(frozen=True, slots=True)
class QueueCount:
    """How many claims of the filtered queue have one machine verdict ('unchecked' if never checked) and status."""

    verdict: str
    status: str
    claims: int


@dataclass(frozen=True, slots=True)
class StoredVectors:
    """The embeddings stored from one model: how many, and the smallest and largest dimension among them."""

    vectors: int
    min_dimension: int
    max_dimension: int


@dataclass(frozen=True, slots=True)
class FulltextCoverage:
    """How much of the stored passages the BM25 index covers."""

    indexed: int
    indexed_max_id: int
    passages: int
    passages_max_id: int

    @property
    def behind(self) -> bool:
        """True when the index misses passages (or holds ids that are gone): BM25 would not find them."""
        return (self.indexed, self.indexed_max_id) != (self.passages, self.passages_max_id)


@dataclass(frozen=True, slots=True)
class FulltextHealth:
    """The full-text index checked against the passages, for `doctor`: what it lacks, what it holds that is gone,
    and any inconsistency of the backend's own tables, in words."""

    exists: bool
    unindexed: int = 0  # stored passages the index lacks
    unindexed_sample: tuple[int, ...] = ()
    stray: int = 0  # ids the index holds that are no stored passage
    stray_sample: tuple[int, ...] = ()
    problems: tuple[str, ...] = ()

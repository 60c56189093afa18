"""Claims: add one, import a CSV of them, and propose check-worthy sentences from article bodies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from claims.extraction import SentenceScorer, merge_abbreviations, rank_check_worthy
from claims.normalise import near_duplicate_normalised, normalise_claim
from index.segmenting import split_sentences
from workbench.decoding import decode, megabytes
from workbench.documents import iter_csv_rows
from workbench.errors import ClaimError, IngestError
from workbench.storage import Store

MAX_CLAIM_CHARS = 1000


@dataclass(frozen=True, slots=True)
class AddedClaim:
    """The outcome of adding a claim: its id, and whether it is new or an existing near-duplicate."""

    claim_id: int
    text: str
    created: bool
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class BodySentence:
    """A sentence of an article body, with where it is."""

    text: str
    article_id: int
    passage_id: int


@dataclass(frozen=True, slots=True)
class ProposedClaim:
    """A check-worthy sentence from an article body."""

    text: str
    score: float
    reasons: tuple[str, ...]
    article_id: int
    passage_id: int


def parse_claim_date(value: str | date | None) -> date | None:
    """Accept YYYY-MM-DD (or a date); raise ClaimError for anything else."""
    if value is None or isinstance(value, date) or not str(value).strip():
        return value or None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ClaimError(f"date {value!r} is not YYYY-MM-DD") from None


def _clean_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ClaimError("the claim text is empty")
    if len(text) > MAX_CLAIM_CHARS:
        raise ClaimError(f"the claim is {len(text)} characters long; a claim is at most {MAX_CLAIM_CHARS}")
    return text


def find_duplicate(store: Store, text: str) -> int | None:
    """Return the id of a stored claim that says the same as text, if any."""
    normalised = normalise_claim(text)
    for claim_id, other in store.normalised_claims():
        if near_duplicate_normalised(normalised, other):
            return claim_id
    return None


def add_claim(
    store: Store,
    text: str,
    *,
    claim_date: str | date | None = None,
    origin: str = "manual",
    external_id: str | None = None,
    source_article_id: int | None = None,
    source_passage_id: int | None = None,
) -> AddedClaim:
    """Store a claim unless an equal or near-duplicate claim is already there (then return that one)."""
    text = _clean_text(text)
    when = parse_claim_date(claim_date)
    duplicate = find_duplicate(store, text)
    if duplicate is not None:
        return AddedClaim(duplicate, text, created=False, duplicate_of=duplicate)
    claim_id = store.insert_claim(
        text,
        normalise_claim(text),
        claim_date=when,
        origin=origin,
        external_id=external_id,
        source_article_id=source_article_id,
        source_passage_id=source_passage_id,
    )
    return AddedClaim(claim_id, text, created=True)


CLAIM_CSV_COLUMNS = ("claim", "date", "id")


def import_claims_csv(store: Store, path: Path, *, max_bytes: int = 20 * 2**20) -> list[AddedClaim]:
    """Add every row of a CSV with a `claim` column (optional `date`, `id`), all or nothing.

    A bad row stops the import with its line number and nothing is stored.
    """
    if path.is_dir():
        raise IngestError(path, "this is a folder; name the claims CSV file")
    if not path.is_file():
        raise IngestError(path, "no such file")
    if path.stat().st_size > max_bytes:
        raise IngestError(path, f"file is over the {megabytes(max_bytes)} limit for a claims CSV")
    rows = iter_csv_rows(path, decode(path, path.read_bytes()), required="claim", known=CLAIM_CSV_COLUMNS)
    results = []
    seen: dict[str, str] = {}  # id -> where the file first gave it
    with store.transaction():
        for where, row in rows:
            external_id = row.get("id", "").strip() or None
            try:
                added = add_claim(
                    store,
                    row.get("claim", "").strip(),
                    claim_date=row.get("date", "").strip() or None,
                    origin="csv",
                    external_id=external_id,
                )
            except ClaimError as exc:
                raise IngestError(path, f"{where}{exc}") from None
            if external_id is not None:
                _check_external_id(path, where, external_id, added, seen, store)
            results.append(added)
    if not results:
        raise IngestError(path, "no claims in the file")
    return results


def _check_external_id(
    path: Path, where: str, external_id: str, added: AddedClaim, seen: dict[str, str], store: Store
) -> None:
    """Refuse an id the file gives twice, or one a stored claim other than this row's already has (a desk's id names
    one claim); the same claim imported again keeps its id."""
    if external_id in seen:
        raise IngestError(path, f"{where}id {external_id!r} was given already ({seen[external_id].rstrip(': ')})")
    seen[external_id] = where
    holder = store.claim_with_external_id(external_id)
    if holder is not None and holder != added.claim_id:
        raise IngestError(path, f"{where}id {external_id!r} is already claim {holder}'s")


def body_sentences(store: Store, article_ids: Sequence[int] | None = None) -> list[BodySentence]:
    """The sentences of article bodies (never comments), each with its article and passage, in passage order."""
    sentences = []
    for passage_id, article_id, text in store.body_passages(article_ids):
        spans = merge_abbreviations(text, split_sentences(text))
        sentences.extend(BodySentence(text[a:b], article_id, passage_id) for a, b in spans)
    return sentences


def propose_claims(
    sentences: Sequence[BodySentence], scorer: SentenceScorer | None = None, *, limit: int = 20
) -> list[ProposedClaim]:
    """Rank check-worthy sentences (from body_sentences), best first; no database is needed while they are scored.

    scorer is the check-worthiness model (claims.checkworthy.load_checkworthy_model()); None ranks by the
    hand-written rules alone. Sentence fragments, questions and headlines are never proposed.
    """
    ranked = rank_check_worthy([s.text for s in sentences], scorer)
    return [
        ProposedClaim(c.text, c.score, c.reasons, sentences[c.index].article_id, sentences[c.index].passage_id)
        for c in ranked[:limit]
    ]


def save_proposals(store: Store, proposals: Sequence[ProposedClaim]) -> list[AddedClaim]:
    """Store proposed claims, remembering the article they came from (it is never their evidence)."""
    with store.transaction():
        return [
            add_claim(
                store,
                p.text,
                origin="extracted",
                source_article_id=p.article_id,
                source_passage_id=p.passage_id,
            )
            for p in proposals
        ]

"""Earlier fact-checks: read ClaimReview JSON-LD, store it, propose the ones a claim repeats, record decisions.

ClaimReview files come from other fact-checkers or from this workbench's own export: a JSON array, a single
object, or objects inside an "@graph", with a schema.org context (http or https). A claim is matched against the
stored fact-checks and against the desk's own claims that have a verdict (claims.matching decides); a reviewer
confirms or rejects each proposal on the Claim page, and every decision is in the claim's history.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np

from claims.matching import MATCH_THRESHOLD, long_enough, score_match
from claims.vocabulary import CONFIRMED, MATCH_DECISIONS, MATCH_KINDS, OWN_CLAIM
from index.embedders import Embedder
from workbench.config import DEFAULT_MAX_FILE_MB
from workbench.decoding import read_text
from workbench.errors import IngestError, ReviewError
from workbench.models import Candidate, ClaimMatch, FactCheck
from workbench.review import clean_reviewer
from workbench.storage import Store, open_store

SCHEMA_CONTEXTS = ("schema.org", "http://schema.org", "https://schema.org", "http://schema.org/", "https://schema.org/")


@dataclass(frozen=True, slots=True)
class FactCheckImport:
    """What importing one ClaimReview file did."""

    path: str
    read: int
    new: int


# --- reading ClaimReview -----------------------------------------------------------------------------------


def _is_claimreview(item: dict) -> bool:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].removeprefix("schema:") == "ClaimReview" for k in kinds)


def _objects(data: object, context: object, where: str) -> Iterator[tuple[str, dict, object]]:
    """Every JSON object of a document with the @context it inherits: an array, an object, an @graph."""
    if isinstance(data, list):
        for i, item in enumerate(data, start=1):
            yield from _objects(item, context, f"{where}item {i}: ")
    elif isinstance(data, dict):
        context = data.get("@context", context)
        if "@graph" in data:
            yield from _objects(data["@graph"], context, where)
        else:
            yield where, data, context


def _text(value: object) -> str | None:
    """A JSON-LD value as text: a string, or an object's name / @value; None when empty."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, list):
        value = next((v for v in (_text(x) for x in value) if v), None)
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _number(value: object, where: str, field: str, path: Path) -> float | None:
    """A rating's number; IngestError for anything but a finite number or its text (NaN, 1e400, true)."""
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise IngestError(path, f"{where}{field} {value!r} is not a number")
    return number


# Dates as fact-check sites write them besides ISO 8601: "June 20, 2014", "Jun 20, 2014", "20 June 2014".
_WRITTEN_DATES = ("%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y")


def _date(value: object) -> date | None:
    """The date of an ISO date or date-time, an e-mail style date ("Fri, 20 Jun 2014 10:00:00 GMT") or a written one
    ("June 20, 2014"); None when absent or unreadable ("last week"): a publication date is best effort."""
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    with suppress(TypeError, ValueError, IndexError):
        return parsedate_to_datetime(text).date()
    written = text.replace(".", "")  # "Jun. 20" as "Jun 20"
    for pattern in _WRITTEN_DATES:
        with suppress(ValueError):
            return datetime.strptime(written, pattern).date()
    return None


def _claim_texts(value: object) -> list[str]:
    """The claims a ClaimReview reviews: one text, or each distinct text of a list (none when empty)."""
    values = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(t for t in (_text(v) for v in values) if t))


def _context_ok(context: object) -> bool:
    contexts = context if isinstance(context, list) else [context]
    return any(isinstance(c, str) and c.strip() in SCHEMA_CONTEXTS for c in contexts) or any(
        isinstance(c, dict) and str(c.get("@vocab", "")).strip() in SCHEMA_CONTEXTS for c in contexts
    )


def parse_claimreviews(path: Path, raw: str) -> list[FactCheck]:
    """The ClaimReview objects of a JSON-LD document; IngestError names the file and item of any problem."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise IngestError(path, f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    found = []
    for where, item, context in _objects(data, None, ""):
        if not _is_claimreview(item):
            continue
        if not _context_ok(context):
            raise IngestError(path, f"{where}@context {context!r} is not schema.org")
        claims = _claim_texts(item.get("claimReviewed"))
        if not claims:
            raise IngestError(path, f"{where}ClaimReview without claimReviewed (the claim it reviews)")
        rating = item.get("reviewRating")
        # A rating given as plain text ("reviewRating": "Mostly true") is its name.
        rating = rating if isinstance(rating, dict) else {"name": rating} if isinstance(rating, str) else {}
        url = _text(item.get("url"))
        publisher = _text(item.get("publisher")) or _text(item.get("author"))
        name = _text(rating.get("alternateName")) or _text(rating.get("name"))
        numbers = [_number(rating.get(f), where, f, path) for f in ("ratingValue", "bestRating", "worstRating")]
        # A review of several claims (a list in claimReviewed) is one fact-check per claim, each with its rating.
        found += [
            FactCheck(
                claim_text=claim,
                rating=name,
                rating_value=numbers[0],
                best_rating=numbers[1],
                worst_rating=numbers[2],
                review_url=url,
                publisher=publisher,
                review_date=_date(item.get("datePublished")),
                origin=str(path),
                fingerprint=hashlib.sha256(json.dumps([claim, url, publisher, name]).encode()).hexdigest(),
            )
            for claim in claims
        ]
    if not found:
        raise IngestError(path, "no ClaimReview objects in the file (schema.org ClaimReview with claimReviewed)")
    return found


def read_claimreview_file(path: Path, max_bytes: int = int(DEFAULT_MAX_FILE_MB * 2**20)) -> list[FactCheck]:
    """Read one ClaimReview JSON-LD file of at most max_bytes (the import's WORKBENCH_MAX_FILE_MB); IngestError
    names the file and the problem."""
    return parse_claimreviews(path, read_text(path, max_bytes).text)


# --- storing and matching -------------------------------------------------------------------------------


def _embed_new_factchecks(store: Store, embedder: Embedder) -> None:
    missing = store.factchecks_without_vectors(embedder.model_id)
    if missing:
        ids, texts = zip(*missing, strict=True)
        store.set_factcheck_vectors(list(ids), embedder.model_id, embedder.embed(list(texts)))


def import_factchecks(
    store: Store,
    embedder: Embedder,
    paths: Sequence[Path],
    *,
    window_days: int | None = None,
    max_bytes: int = int(DEFAULT_MAX_FILE_MB * 2**20),
) -> tuple[list[FactCheckImport], int]:
    """Import ClaimReview files (each at most max_bytes), embed the new fact-checks, and propose matches for every
    stored claim; return each file's counts and the number of new proposals. A bad file raises IngestError before
    anything is written."""
    read = [(path, read_claimreview_file(path, max_bytes)) for path in paths]
    results = []
    with store.transaction():
        for path, checks in read:
            results.append(FactCheckImport(str(path), len(checks), store.insert_factchecks(checks)))
        _embed_new_factchecks(store, embedder)
    proposed = propose_matches(store, embedder, [c.claim_id for c in store.list_claims()], window_days=window_days)
    return results, proposed


@dataclass(frozen=True, slots=True)
class _Scored:
    candidate: Candidate
    score: float
    reason: str


def _within(candidate: Candidate, claim_date: date | None, window_days: int | None) -> bool:
    if window_days is None or claim_date is None or candidate.review_date is None:
        return True
    return abs((candidate.review_date - claim_date).days) <= window_days


def score_candidates(
    claim_text: str,
    claim_vector: np.ndarray,
    candidates: Sequence[Candidate],
    vectors: np.ndarray,
    *,
    threshold: float = MATCH_THRESHOLD,
) -> list[_Scored]:
    """The candidates claims.matching calls the same claim, best first (vectors: one row per candidate; the claim is
    long_enough, as propose_matches chose)."""
    if not candidates:
        return []
    similarity = vectors @ claim_vector
    scored = []
    for candidate, cosine in zip(candidates, similarity, strict=True):
        result = score_match(claim_text, candidate.text, float(cosine), threshold=threshold)
        if result.matched:
            scored.append(_Scored(candidate, result.score, result.reason))
    return sorted(scored, key=lambda s: -s.score)


def propose_matches(
    store: Store, embedder: Embedder, claim_ids: Sequence[int], *, window_days: int | None = None
) -> int:
    """Propose, for each claim, the earlier fact-checks and reviewed claims it repeats; return how many are new.

    window_days: only candidates reviewed within that many days of the claim's date (when both dates are known).
    """
    with store.transaction():  # fact-checks imported under another embedding model get this one's vectors
        _embed_new_factchecks(store, embedder)
    factcheck_ids, factcheck_vectors = store.factcheck_vectors(embedder.model_id)
    by_id = {c.match_id: c for c in store.candidates("factcheck", factcheck_ids)} if factcheck_ids else {}
    factchecks = [by_id[i] for i in factcheck_ids]
    own = store.candidates(OWN_CLAIM)
    own_vectors = embedder.embed([c.text for c in own]) if own else np.zeros((0, 0), dtype=np.float32)
    claims = [c for c in (store.get_claim(i) for i in claim_ids) if c is not None and long_enough(c.text)]
    if not claims or not (factchecks or own):
        return 0
    claim_vectors = embedder.embed([c.text for c in claims])
    new = 0
    with store.transaction():
        for claim, vector in zip(claims, claim_vectors, strict=True):
            pool = [(c, v) for c, v in zip(factchecks, factcheck_vectors, strict=True)]
            pool += [(c, v) for c, v in zip(own, own_vectors, strict=True) if c.match_id != claim.claim_id]
            pool = [(c, v) for c, v in pool if _within(c, claim.claim_date, window_days)]
            if not pool:
                continue
            scored = score_candidates(claim.text, vector, [c for c, _ in pool], np.stack([v for _, v in pool]))
            new += store.upsert_proposals(
                claim.claim_id, [(s.candidate.kind, s.candidate.match_id, s.score, s.reason) for s in scored]
            )
    return new


def propose_for_new_claims(
    db_path: Path, load_embedder: Callable[[], Embedder], claim_ids: Sequence[int], *, window_days: int | None = None
) -> int:
    """propose_matches for claims just added, imported or extracted; the embedder is loaded (load_embedder) only
    when there is something to match against, and outside any open connection (it reads the database's model)."""
    if not claim_ids:
        return 0
    with open_store(db_path, read_only=True) as store:
        if not store.candidates():
            return 0
    embedder = load_embedder()
    with open_store(db_path) as store:
        return propose_matches(store, embedder, claim_ids, window_days=window_days)


def matches(store: Store, claim_id: int) -> list[ClaimMatch]:
    """A claim's matches: proposed, confirmed and rejected, best score first."""
    return store.claim_matches(claim_id)


def confirmed(store: Store, claim_id: int) -> list[ClaimMatch]:
    """The matches a reviewer confirmed: the earlier verdicts shown beside the machine's and exported."""
    return [m for m in store.claim_matches(claim_id) if m.decision == CONFIRMED]


def decide(store: Store, claim_id: int, kind: str, match_id: int, decision: str, reviewer: str) -> None:
    """A reviewer confirms or rejects a proposed match (or takes a decision back to proposed); logged as history."""
    reviewer = clean_reviewer(reviewer)
    if decision not in MATCH_DECISIONS:
        raise ReviewError(f"decision {decision!r} is not one of {', '.join(MATCH_DECISIONS)}")
    if kind not in MATCH_KINDS:
        raise ReviewError(f"match kind {kind!r} is not one of {', '.join(MATCH_KINDS)}")
    with store.transaction():
        before = store.decide_match(claim_id, kind, match_id, decision, reviewer)
        if before is None:
            raise ReviewError(f"claim {claim_id} has no proposed match {kind} {match_id}")
        if before != decision:
            store.insert_history(claim_id, [(f"match:{kind}:{match_id}", before, decision)], reviewer)

"""The verdict table as CSV and as schema.org ClaimReview JSON-LD.

load_verdicts reads the database; the build_* functions are pure and return the file's content.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from claims.verdicts import counts_toward_verdict, outvoted
from claims.vocabulary import (
    AGREES,
    CLAIMREVIEW_RATINGS,
    CONFIRMED,
    CONFLICTS,
    DISCUSSES,
    OWN_CLAIM,
    UNCHECKED,
    VERDICT_GIVEN,
    label,
)
from workbench.errors import WorkbenchError
from workbench.models import ClaimMatch
from workbench.pipeline import evidence_stances, load_latest_check
from workbench.review import QueueRow, queue
from workbench.storage import Store

FORMATS = ("csv", "claimreview")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Only these reach an export as a link: "javascript:", "data:" and "=HYPERLINK(...)"-looking values never do.
WEB_SCHEMES = ("http", "https")
CSV_COLUMNS = (
    "claim_id",
    "claim",
    "date",
    "machine_verdict",
    "confidence",
    "human_verdict",
    "status",
    "reviewer",
    "approved_by",
    "rationale",
    "agreeing_evidence",
    "conflicting_evidence",
    "discussing_evidence",
    "earlier_factchecks",
)


@dataclass(frozen=True, slots=True)
class CitedEvidence:
    """A source passage cited for one side of a verdict."""

    outlet: str | None
    title: str | None
    url: str | None
    passage: str

    def line(self) -> str:
        """One line for a spreadsheet cell: outlet | title | url | passage, line breaks inside them folded to spaces."""
        fields = [self.outlet, self.title, web_url(self.url), self.passage]
        return " | ".join(" ".join((field or "").split()) for field in fields)


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    """One claim with its machine and human verdicts and the evidence cited on each side."""

    row: QueueRow
    agreeing: tuple[CitedEvidence, ...]
    conflicting: tuple[CitedEvidence, ...]
    appearances: tuple[str, ...]  # URLs where the claim is made: its source article, then agreeing sources
    discussing: tuple[CitedEvidence, ...] = ()  # on topic, taking no side: shown, never counted
    earlier: tuple[ClaimMatch, ...] = ()  # earlier fact-checks a reviewer confirmed as the same claim


def load_verdicts(store: Store) -> list[VerdictRecord]:
    """Read every claim with its newest check (corrections applied) and its review, in id order."""
    records = []
    for row in queue(store):
        check = load_latest_check(store, row.claim_id) if row.check_id is not None else None
        sides: dict[str, list[CitedEvidence]] = {AGREES: [], CONFLICTS: [], DISCUSSES: []}
        left_out = outvoted(evidence_stances(check.evidence)) if check else {}
        for item in check.evidence if check else ():
            hit = item.hit
            # Cited for a side only when it counted towards the verdict (not outvoted by its own article's other
            # passages); on-topic no-side passages apart.
            counted = counts_toward_verdict(hit.kind, item.stance, item.confidence) and hit.passage_id not in left_out
            if counted or (hit.kind == "body" and item.stance == DISCUSSES):
                sides[item.stance].append(CitedEvidence(hit.outlet, hit.title, hit.url, hit.text))
        source = store.source_article_url(row.claim_id)
        urls = [source] if source else []
        urls += [e.url for e in sides[AGREES] if e.url]
        earlier = tuple(m for m in store.claim_matches(row.claim_id) if m.decision == CONFIRMED)
        records.append(
            VerdictRecord(
                row,
                tuple(sides[AGREES]),
                tuple(sides[CONFLICTS]),
                tuple(dict.fromkeys(urls)),
                tuple(sides[DISCUSSES]),
                earlier,
            )
        )
    return records


def earlier_line(match: ClaimMatch) -> str:
    """A confirmed earlier fact-check in one spreadsheet line: publisher | rating | date | url | its claim."""
    c = match.candidate
    who = c.publisher or ("this desk" if c.kind == OWN_CLAIM else "")
    rating = label(c.rating) if c.kind == OWN_CLAIM else c.rating
    fields = [who, rating, _iso(c.review_date), web_url(c.url), c.text]
    return " | ".join(" ".join((field or "").split()) for field in fields)


def earlier_claimreview(match: ClaimMatch) -> dict:
    """A confirmed earlier fact-check as the ClaimReview this review is based on (schema.org isBasedOn)."""
    c = match.candidate
    earlier: dict = {"@type": "ClaimReview", "claimReviewed": c.text}
    if url := web_url(c.url):
        earlier["url"] = url
    if c.publisher:
        earlier["author"] = {"@type": "Organization", "name": c.publisher}
    if c.rating:
        rating = CLAIMREVIEW_RATINGS.get(c.rating, c.rating) if c.kind == OWN_CLAIM else c.rating
        earlier["reviewRating"] = {"@type": "Rating", "alternateName": rating}
    if c.review_date:
        earlier["datePublished"] = c.review_date.isoformat()
    return earlier


def web_url(url: str | None) -> str | None:
    """Return url when it is an absolute http(s) address with a host, else None."""
    if not url:
        return None
    url = url.strip()
    if any(char.isspace() or not char.isprintable() for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed address, such as an unclosed "[" in the host
        return None
    return url if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else None


def neutralise(value: object) -> str:
    """Make a cell safe to open in a spreadsheet: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value else ""


def build_verdicts_csv(records: Sequence[VerdictRecord]) -> bytes:
    """One row per claim; each side's evidence one item per line. UTF-8 with a BOM so Excel reads it right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        r = rec.row
        cells = [
            r.claim_id,
            r.text,
            _iso(r.claim_date),
            label(r.verdict) if r.verdict else UNCHECKED,
            "" if r.confidence is None else f"{r.confidence:.3f}",
            label(r.human_verdict) if r.human_verdict else "",
            label(r.status),
            r.reviewer or "",
            r.approved_by or "",
            r.rationale,
            "\n".join(e.line() for e in rec.agreeing),
            "\n".join(e.line() for e in rec.conflicting),
            "\n".join(e.line() for e in rec.discussing),
            "\n".join(earlier_line(m) for m in rec.earlier),
        ]
        writer.writerow([neutralise(c) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def publishable(row: QueueRow, *, approved_only: bool) -> bool:
    """Whether a claim's verdict goes into a ClaimReview export: any human verdict, or with the desk rule of a second
    reviewer (approved_only) only a verdict a second reviewer approved."""
    if not row.human_verdict:
        return False
    return not approved_only or (row.status == VERDICT_GIVEN and row.approved_by is not None)


def build_claimreview(
    records: Sequence[VerdictRecord], *, publisher: str = "Claim workbench", approved_only: bool = False
) -> str:
    """schema.org ClaimReview JSON-LD for every claim a reviewer has given a verdict (see publishable)."""
    reviews = []
    for rec in records:
        r = rec.row
        if not publishable(r, approved_only=approved_only):
            continue
        item: dict = {"@type": "Claim"}
        if r.claim_date:
            item["datePublished"] = r.claim_date.isoformat()
        appearances = dict.fromkeys(url for url in map(web_url, rec.appearances) if url)
        if appearances:
            item["appearance"] = [{"@type": "CreativeWork", "url": url} for url in appearances]
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "claimReviewed": r.text,
            "datePublished": _iso(r.updated_at.date() if r.updated_at else None),
            "author": {"@type": "Person", "name": r.reviewer or "unknown"},
            "publisher": {"@type": "Organization", "name": publisher},
            "reviewRating": {"@type": "Rating", "alternateName": CLAIMREVIEW_RATINGS[r.human_verdict]},
            "itemReviewed": item,
        }
        if r.rationale:
            review["reviewBody"] = r.rationale
        based_on = [earlier_claimreview(m) for m in rec.earlier]
        if based_on:
            review["isBasedOn"] = based_on
        reviews.append(review)
    return json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"


def build_export(records: Sequence[VerdictRecord], fmt: str, *, approved_only: bool = False) -> bytes:
    """The export file's bytes in one of FORMATS (approved_only: see publishable)."""
    if fmt == "csv":
        return build_verdicts_csv(records)
    if fmt == "claimreview":
        return build_claimreview(records, approved_only=approved_only).encode("utf-8")
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def exported_count(records: Sequence[VerdictRecord], fmt: str, *, approved_only: bool = False) -> int:
    """How many claims build_export writes: every one into the CSV, the publishable ones into ClaimReview."""
    if fmt == "claimreview":
        return sum(publishable(rec.row, approved_only=approved_only) for rec in records)
    return len(records)


def write_file(out: Path, content: bytes) -> None:
    """Write an export whole or not at all: into a temporary file beside out, then renamed over it.

    A link is followed and its target written the same way (the link stays a link). A device or a named pipe is
    written into as it is, never replaced by a file ("/dev/null", a pipe another program reads). A missing folder, a
    folder named as the file, a name the file system refuses or a full disk is one WorkbenchError naming the path; a
    file that was there before is left as it was.
    """
    if not str(out) or str(out) == ".":
        raise WorkbenchError("the export needs a file name, e.g. verdicts.csv")
    partial = None
    try:
        if out.is_dir():
            raise WorkbenchError(f"{out}: this is a folder; name the file to write, e.g. {out / 'verdicts.csv'}")
        target = out.resolve() if out.is_symlink() else out
        if target.exists() and not target.is_file():
            with target.open("wb") as stream:  # a device or a pipe: nothing to rename over
                stream.write(content)
            return
        if not target.parent.is_dir():
            what = "is not a folder" if target.parent.exists() else "does not exist"
            raise WorkbenchError(f"{out}: the folder {target.parent} {what}")
        partial = target.with_name(f".{target.name[:100]}.{os.getpid()}.partial")
        partial.write_bytes(content)
        partial.replace(target)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise WorkbenchError(f"{out}: cannot write the export ({getattr(exc, 'strerror', None) or exc})") from exc

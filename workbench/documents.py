"""Read article files (.txt, .md, .html, .jsonl, .csv) into Documents: clean text, metadata, passages.

Every problem with a file becomes an IngestError naming the file and the reason; a guessed encoding or replaced
bytes become a note beside the articles (read_file). Nothing here writes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from index.segmenting import Section, build_passages
from workbench.decoding import decode_text, read_text
from workbench.errors import IngestError, printable_path
from workbench.fetching import Fetched, is_url
from workbench.fulltext import to_search_text
from workbench.models import Document, FetchRecord, PassageDraft
from workbench.stages import stage

MIN_HTML_WORDS = 5
# htmldate rejects dates after today and then falls back to 2000-01-01; a page's own publication date is the
# one a fact-checker needs, whatever clock this machine has.
_DATE_PARAMS = {"original_date": True, "extensive_search": True, "max_date": "2100-12-31"}
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".csv")
ROW_FIELDS = ("text", "title", "url", "outlet", "published_at")

# A scraped comment section: each reader comment starts with a line "<Name>'s picture" (as in seed 000).
COMMENT_MARKER = re.compile(r"^[ \t]*(?P<author>[^\n]{1,80}?)['’]s picture[ \t]*$", re.MULTILINE)
# "Missing Peace | missingpeace.eu | EN": outlet, domain and language line heading a scraped page.
_OUTLET_HEADER = re.compile(r"^(?P<outlet>[^|\n]{2,80}) \| (?P<domain>[\w.-]+\.[a-z]{2,}) \| [A-Za-z]{2}$")
_BYLINE = re.compile(r"^By [^\n]{2,80}$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*\n", re.DOTALL)
_FRONT_MATTER_OPENED = re.compile(r"---[ \t]*\n[A-Za-z_][\w-]*:")  # its first line and first key, never closed


@dataclass(frozen=True, slots=True)
class FileDocuments:
    """The articles read from one file, with the notes the user should see beside the import result."""

    documents: list[Document]
    notes: tuple[str, ...] = ()


# --- text -> document ------------------------------------------------------------------------------


def content_hash(text: str) -> str:
    """Fingerprint an article by its whitespace-folded text, so a re-import of the same content is found."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def parse_date(value: str | None, where: str) -> datetime | None:
    """Parse an ISO date or date-time (one with an offset or "Z" is converted to UTC, stored without a zone).

    Say where the bad value stands if it is not one.
    """
    if value is None or not str(value).strip():
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved past the calendar's end
        raise ValueError(f"{where}published_at {value!r} is not an ISO date (YYYY-MM-DD)") from None


def make_document(
    text: str,
    sections: list[Section],
    *,
    origin: str,
    max_words: int,
    title: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    published_at: datetime | None = None,
) -> Document:
    """Cut sections of text into passages and wrap everything in a Document."""
    with stage("segment"):
        spans = build_passages(text, sections, max_words=max_words)
    passages = tuple(
        PassageDraft(
            position=i,
            kind=span.kind,
            author=span.author,
            text=text[span.start : span.end],
            char_start=span.start,
            char_end=span.end,
            search_text=to_search_text(text[span.start : span.end]),
        )
        for i, span in enumerate(spans)
    )
    return Document(
        text=text,
        title=(title or "").strip() or None,
        outlet=(outlet or "").strip() or None,
        url=(url or "").strip() or None,
        published_at=published_at,
        origin=origin,
        passages=passages,
        content_hash=content_hash(text),
    )


def split_comments(text: str, start: int = 0) -> list[Section]:
    """Split text into the article body and one Section per reader comment, comments never in the body."""
    markers = list(COMMENT_MARKER.finditer(text, start))
    if not markers:
        return [Section(start, len(text), "body")]
    sections = [Section(start, markers[0].start(), "body")]
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        end = following.start() if following else len(text)
        sections.append(Section(marker.end(), end, "comment", marker.group("author").strip()))
    return sections


def _plain_layout(text: str) -> tuple[dict[str, str | None], list[Section]]:
    """Read a scraped plain-text page: optional outlet header, headline, byline, body, comments."""
    meta: dict[str, str | None] = {}
    lines = [(m.start(), m.end(), m.group(0).strip()) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]
    skip: list[tuple[int, int]] = []
    i = 0
    if lines and (header := _OUTLET_HEADER.match(lines[0][2])):
        meta["outlet"], meta["url"] = header["outlet"].strip(), f"https://{header['domain']}"
        skip.append(lines[0][:2])
        i = 1
    if i < len(lines) and len(lines[i][2]) <= 200 and not lines[i][2].endswith((".", ":")):
        meta["title"] = lines[i][2]
        i += 1
    if i < len(lines) and _BYLINE.match(lines[i][2]):
        skip.append(lines[i][:2])
    sections: list[Section] = []
    for section in split_comments(text):
        if section.kind == "comment":
            sections.append(section)
            continue
        cursor = section.start
        for s_start, s_end in skip:  # header and byline stay in the text but are no passages
            if cursor < s_start:
                sections.append(Section(cursor, s_start, "body"))
            cursor = max(cursor, s_end)
        sections.append(Section(cursor, section.end, "body"))
    return meta, sections


def _strip_markdown(text: str) -> str:
    text = re.sub(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$", "", text, flags=re.MULTILINE)  # rules: no title
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"^[ \t]{0,3}(#{1,6}|>|[-*+]|\d+\.)[ \t]+", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return re.sub(r"<[^>\n]+>", "", text)  # stray inline HTML never reaches passages


def _front_matter(path: Path, text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        if _FRONT_MATTER_OPENED.match(text):
            raise IngestError(path, "front matter opened with '---' on the first line is never closed by another '---'")
        return {}, text
    meta = {}
    for line in match["body"].splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise IngestError(path, f"front matter line {line!r} is not 'key: value'")
        meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def _document_from_text(path: Path, text: str, max_words: int, meta: dict[str, str] | None = None) -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    layout, sections = _plain_layout(text)
    merged = {**layout, **{k: v for k, v in (meta or {}).items() if v}}
    try:
        published = parse_date(merged.get("published_at") or merged.get("date"), "")
    except ValueError as exc:
        raise IngestError(path, str(exc)) from None
    doc = make_document(
        text,
        sections,
        origin=printable_path(path),
        max_words=max_words,
        title=merged.get("title"),
        outlet=merged.get("outlet"),
        url=merged.get("url"),
        published_at=published,
    )
    if not any(p.kind == "body" for p in doc.passages):
        raise IngestError(path, "no article text found")
    return doc


def parse_text(path: Path, raw: str, max_words: int) -> list[Document]:
    """A plain-text article, possibly a scraped page with a comment section."""
    return [_document_from_text(path, raw, max_words)]


def parse_markdown(path: Path, raw: str, max_words: int) -> list[Document]:
    """A Markdown article; optional front matter gives title, outlet, url and published_at."""
    meta, body = _front_matter(path, raw.replace("\r\n", "\n"))
    return [_document_from_text(path, _strip_markdown(body), max_words, meta)]


def parse_html(path: Path | str, raw: str, max_words: int) -> list[Document]:
    """An HTML page through trafilatura: main text and comments, never scripts or markup."""
    import trafilatura

    try:
        extracted = trafilatura.bare_extraction(
            raw,
            include_comments=True,
            with_metadata=True,
            include_tables=False,
            favor_precision=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as exc:  # trafilatura and lxml raise many types on broken or hostile pages
        raise IngestError(path, f"unreadable HTML ({type(exc).__name__}: {exc})") from exc
    body = (extracted.text or "").strip() if extracted is not None else ""
    if len(body.split()) < MIN_HTML_WORDS:  # a menu or a cookie banner is not an article
        raise IngestError(path, f"no article text found in the HTML ({len(body.split())} words of text)")
    title = extracted.title
    if title and body.startswith(title):  # trafilatura repeats the headline as the first line
        body = body[len(title) :].lstrip()
    text = f"{title}\n\n{body}" if title else body
    sections = [Section(0, len(text), "body")]
    for comment in (extracted.comments or "").split("\n"):
        if comment.strip():
            text += "\n\n"
            sections.append(Section(len(text), len(text) + len(comment), "comment"))
            text += comment
    try:
        published = parse_date(extracted.date, "")
    except ValueError:
        published = None  # a page's own date metadata is best effort, not the user's input
    url = extracted.url
    return [
        make_document(
            text,
            sections,
            origin=printable_path(path),
            max_words=max_words,
            title=title,
            outlet=extracted.sitename,
            url=url,
            published_at=published,
        )
    ]


def _row_document(path: Path, row: dict, where: str, max_words: int) -> Document:
    row = {name: _field(path, row, name, where) for name in ROW_FIELDS}
    text = row["text"]
    if text is not None and not isinstance(text, str):
        raise IngestError(path, f"{where}'text' is {type(text).__name__} {text!r}, not the article's text")
    if not text or not text.strip():
        raise IngestError(path, f"{where}no 'text' (the article body is required)")
    try:
        published = parse_date(row["published_at"], where)
    except ValueError as exc:
        raise IngestError(path, str(exc)) from None
    text = text.replace("\r\n", "\n")
    doc = make_document(
        text,
        split_comments(text),
        origin=f"{printable_path(path)}#{where.rstrip(': ')}",
        max_words=max_words,
        title=_opt(row["title"]),
        outlet=_opt(row["outlet"]),
        url=_opt(row["url"]),
        published_at=published,
    )
    if not any(p.kind == "body" for p in doc.passages):
        raise IngestError(path, f"{where}no article text found")
    return doc


def _field(path: Path, row: dict, name: str, where: str) -> str | int | float | None:
    """One known field of a row: None when absent, NaN or infinite (as pandas writes a missing value)."""
    value = row.get(name)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is not None and not isinstance(value, str | int | float):
        raise IngestError(path, f"{where}'{name}' must be a string")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            # Only a JSON escape such as \ud800 gets here (decoded bytes are always valid text); refused rather
            # than replaced, like any other broken JSON, so the row is fixed at its source.
            raise IngestError(
                path,
                f"{where}'{name}' holds a lone surrogate (\\u{ord(value[exc.start]):04x} at character "
                f"{exc.start}), which is not valid Unicode text; fix or remove that escape",
            ) from None
    return value


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def parse_jsonl(path: Path, raw: str, max_words: int) -> list[Document]:
    """One JSON object per line: text plus optional title, url, outlet, published_at."""
    docs = []
    # Only a line break ends a JSONL record: str.splitlines() would also cut at U+2028, U+0085 and the other
    # separators that JSON allows raw inside a string.
    for number, line in enumerate(_LINE_BREAK.split(raw), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(path, f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        except RecursionError:  # the json module recurses once per level of [ or {
            raise IngestError(path, f"line {number}: JSON nested too deeply to read") from None
        if not isinstance(row, dict):
            raise IngestError(path, f"line {number}: expected a JSON object, got {type(row).__name__}")
        docs.append(_row_document(path, row, f"line {number}: ", max_words))
    if not docs:
        raise IngestError(path, "no articles in the file")
    return docs


def iter_csv_rows(path: Path, raw: str, *, required: str, known: Sequence[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield ("line N: ", {column: cell}) per record of CSV text, N the line the record starts on.

    Column names are trimmed and lower-cased and blank cells left out. A missing `required` column, a `known`
    column named twice, a row longer than the header or malformed CSV is an IngestError naming the line.
    """
    # The csv module refuses a field over 131,072 characters; no field is longer than the file, which the reader
    # has already held to its size limit. The limit is process-wide, so it only ever grows.
    if csv.field_size_limit() < len(raw):
        csv.field_size_limit(len(raw))
    reader = csv.reader(io.StringIO(raw, newline=""), strict=True)
    start = 1  # a record can span lines (a quoted newline): messages name the line it starts on
    try:
        columns = [c.strip().lower() for c in next(reader, None) or []]
        if required not in columns:
            raise IngestError(path, f"no '{required}' column (columns: {', '.join(columns) or 'none'})")
        for name in known:
            if columns.count(name) > 1:
                raise IngestError(path, f"column '{name}' appears {columns.count(name)} times in the header; keep one")
        start = reader.line_num + 1
        for fields in reader:
            where = f"line {start}: "
            start = reader.line_num + 1
            if not fields:  # a blank line
                continue
            if len(fields) > len(columns):
                raise IngestError(path, f"{where}more fields than the header has columns")
            yield where, {k: v for k, v in zip(columns, fields, strict=False) if v.strip()}
    except csv.Error as exc:
        raise IngestError(path, f"line {start}: malformed CSV ({exc})") from None


def parse_csv(path: Path, raw: str, max_words: int) -> list[Document]:
    """One article per row: a text column plus optional title, url, outlet, published_at."""
    docs = [
        _row_document(path, row, where, max_words)
        for where, row in iter_csv_rows(path, raw, required="text", known=ROW_FIELDS)
    ]
    if not docs:
        raise IngestError(path, "no articles in the file (a header but no rows)")
    return docs


_PARSERS: dict[str, Callable[[Path, str, int], list[Document]]] = {
    ".txt": parse_text,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".jsonl": parse_jsonl,
    ".csv": parse_csv,
}


def read_file(path: Path, *, max_bytes: int, max_words: int) -> FileDocuments:
    """Read one file into its articles and notes for the user, or raise IngestError naming the file and problem."""
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        raise IngestError(path, f"unsupported file type {path.suffix or '(none)'!r}; use {', '.join(SUFFIXES)}")
    with stage("parse"):  # decoding and parsing; the passage cutting inside it is its own stage, "segment"
        decoded = read_text(path, max_bytes)
        return FileDocuments(parser(path, decoded.text, max_words), (decoded.note,) if decoded.note else ())


def read_page(page: Fetched, *, max_words: int) -> FileDocuments:
    """A fetched HTML page as one article, origin its address and the fetch recorded; IngestError names the URL.

    The charset the server declared is used when the bytes decode with it; otherwise they are read as a file is.
    """
    with stage("parse"):
        text, note = None, None
        if page.charset:
            try:
                text = page.body.decode(page.charset)
            except (LookupError, UnicodeDecodeError):
                note = f"the server said charset {page.charset!r}, which does not fit the bytes"
        if text is None:
            decoded = decode_text(page.url, page.body)
            text, note = decoded.text, note or decoded.note
        (doc,) = parse_html(page.url, text, max_words)
    record = FetchRecord(page.url, page.final_url, page.fetched_at, page.content_type or "unknown")
    # A page that names no site gets its host as outlet, so credibility can still be set for it.
    outlet = doc.outlet or (urlsplit(page.final_url).hostname or "").removeprefix("www.") or None
    doc = replace(doc, url=doc.url or page.final_url, outlet=outlet, fetched=record)
    return FileDocuments([doc], (note,) if note else ())


def read_documents(path: Path, *, max_bytes: int, max_words: int) -> list[Document]:
    """Read one file into its articles, or raise IngestError naming the file and the problem."""
    return read_file(path, max_bytes=max_bytes, max_words=max_words).documents


def iter_paths(paths: Sequence[Path | str]) -> Iterator[Path | str]:
    """Expand folders into the supported files inside them, in name order; web addresses pass through as text."""
    for item in paths:
        if isinstance(item, str) and is_url(item):
            yield item.strip()
            continue
        path = Path(item)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        else:
            yield path

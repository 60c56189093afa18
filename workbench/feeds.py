"""Read an RSS or Atom feed (a web address, fetched within limits, or a saved file) into the links of its entries.

feedparser only ever parses bytes here: it is never handed a URL, so every fetch goes through
workbench.fetching's limits. A feed that cannot be read is one IngestError naming it and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.decoding import read_bytes
from workbench.errors import IngestError
from workbench.fetching import FEED_TYPES, FetchLimits, fetch, is_url


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: the page it links to and its title."""

    link: str
    title: str


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's title and its entries that link to a web page, in feed order, each link once."""

    source: str
    title: str
    entries: tuple[FeedEntry, ...]
    skipped: int  # entries without an http(s) link, or repeating one


def parse_feed(source: str, data: bytes, base_url: str | None = None) -> Feed:
    """Parse feed bytes; relative entry links resolve against base_url. IngestError when it is no feed."""
    import feedparser

    headers = {"content-location": base_url} if base_url else {}
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        reason = f" ({type(problem).__name__}: {problem})" if problem else ""
        raise IngestError(source, f"not an RSS or Atom feed{reason}")
    entries, seen, skipped = [], set(), 0
    for item in parsed.entries:
        link = (item.get("link") or "").strip()
        if not is_url(link) or link in seen:
            skipped += 1
            continue
        seen.add(link)
        entries.append(FeedEntry(link, " ".join((item.get("title") or "").split())))
    return Feed(source, " ".join((parsed.feed.get("title") or "").split()), tuple(entries), skipped)


def read_feed(source: str, limits: FetchLimits) -> Feed:
    """A feed from a web address or a file; IngestError names the source and the problem."""
    if is_url(source):
        page = fetch(source, limits, accept=FEED_TYPES)
        return parse_feed(source, page.body, page.final_url)
    return parse_feed(source, read_bytes(Path(source), limits.max_bytes, what="feed file"))

"""Fetch a web page or feed over HTTP(S) within limits: a deadline, a size cap, a user agent, redirects counted.

Only http and https; every redirect hop is checked the same way, and a loop is named as one. Every failure is an
IngestError naming the URL and the reason in one line. Nothing here parses or writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import urllib3

from workbench.decoding import megabytes
from workbench.errors import IngestError

SCHEMES = ("http", "https")
REDIRECTS = (301, 302, 303, 307, 308)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a feed server says it sends: the registered feed types, plain XML, and text/html or text/plain, which some
# servers send for any file (feedparser decides whether the bytes are a feed).
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/feed+json", "text/html", "text/plain")  # fmt: skip
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long, how much and how far one fetch may go."""

    timeout_s: float = 20.0  # the whole fetch, redirects and body included
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "claim-workbench/0.1 (fact-checking workbench; one page per request)"


@dataclass(frozen=True, slots=True)
class Fetched:
    """One page as the server sent it, with where the request ended up and when."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int
    content_type: str  # media type, lower case, without parameters; "" when the server sent none
    charset: str | None
    body: bytes
    fetched_at: datetime  # UTC, without a zone (as the database stores times)


def is_url(value: str) -> bool:
    """Whether an import argument is a web address rather than a file (http:// or https://, any case)."""
    return urlsplit(value.strip()).scheme.lower() in SCHEMES and "://" in value


def check_url(url: str) -> str:
    """The URL stripped, or IngestError when it is not an http(s) address with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise IngestError(url, f"only http and https addresses can be fetched, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise IngestError(url, "the address has no host name")
    return url


def read_links(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Links typed one per line -> (the addresses, each once, in order; [(what was typed, why it is refused)])."""
    links, refused = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if not is_url(line):
            refused.append((f"line {number}: {line[:80]}", "not an http:// or https:// address"))
        elif line not in links:
            links.append(line)
    return links, refused


_POOL: urllib3.PoolManager | None = None


def _pool() -> urllib3.PoolManager:
    """One connection pool for the process (urllib3's pool manager is thread-safe)."""
    global _POOL
    if _POOL is None:
        _POOL = urllib3.PoolManager(num_pools=8)
    return _POOL


def _remaining(url: str, deadline: float, limits: FetchLimits) -> float:
    """Seconds left before the deadline, or IngestError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise IngestError(url, f"no complete answer within {limits.timeout_s:g} s")
    return left


def _media_type(header: str | None) -> tuple[str, str | None]:
    """'text/html; charset=UTF-8' -> ('text/html', 'utf-8')."""
    if not header:
        return "", None
    kind, *params = (part.strip() for part in header.split(";"))
    charset = next((p.split("=", 1)[1].strip("\"' ").lower() for p in params if p.lower().startswith("charset=")), None)
    return kind.lower(), charset or None


def _over_cap(url: str, what: str, limits: FetchLimits) -> IngestError:
    """The one-line refusal of a body over the size cap (the cap is the file-size limit of an import)."""
    return IngestError(
        url, f"the page is {what}over the {megabytes(limits.max_bytes)} limit (raise it with WORKBENCH_MAX_FILE_MB)"
    )


def _read_body(url: str, response, deadline: float, limits: FetchLimits) -> bytes:
    """Read the body in chunks, stopping at the size cap or the deadline (a server that trickles bytes included)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise _over_cap(url, f"{megabytes(int(declared))}, ", limits)
    chunks, size = [], 0
    while True:
        _remaining(url, deadline, limits)
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise _over_cap(url, "", limits)
        chunks.append(chunk)


def fetch(url: str, limits: FetchLimits, *, accept: tuple[str, ...]) -> Fetched:
    """GET url, following at most limits.max_redirects redirects, and return the body if its type is in accept.

    A server that sends no Content-Type is read, and the parser decides. Raises IngestError naming the URL.
    """
    url = check_url(url)
    deadline = time.monotonic() + limits.timeout_s
    current, seen = url, [url]
    headers = {"User-Agent": limits.user_agent, "Accept": ", ".join(accept) + ", */*;q=0.1"}
    while True:
        left = _remaining(url, deadline, limits)
        try:
            response = _pool().request(
                "GET", current, headers=headers, redirect=False, retries=False, preload_content=False,
                timeout=urllib3.Timeout(connect=left, read=left),
            )  # fmt: skip
        except urllib3.exceptions.NewConnectionError as exc:  # before TimeoutError: urllib3 makes it a subclass
            reason = str(exc).split("): ", 1)[-1]  # "HTTPConnection(host=..., port=...): Failed to establish ..."
            raise IngestError(url, f"cannot connect ({reason})") from None
        except urllib3.exceptions.TimeoutError:
            raise IngestError(url, f"no answer within {limits.timeout_s:g} s") from None
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise IngestError(url, f"cannot connect ({type(reason).__name__}: {reason})") from None
        complete = False
        try:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise IngestError(url, f"HTTP {response.status} redirect without a Location")
                target = urljoin(current, location.strip())
                if target in seen:
                    raise IngestError(url, f"redirect loop ({' -> '.join([*seen[seen.index(target) :], target])})")
                if len(seen) > limits.max_redirects:
                    raise IngestError(url, f"more than {limits.max_redirects} redirects")
                if urlsplit(target).scheme.lower() not in SCHEMES or not urlsplit(target).hostname:
                    raise IngestError(url, f"redirected to {target}, which is not an http(s) address")
                seen.append(target)
                current = target
                continue
            if response.status != 200:
                raise IngestError(url, f"HTTP {response.status} {response.reason or ''}".rstrip())
            kind, charset = _media_type(response.headers.get("Content-Type"))
            if kind and kind not in accept:
                raise IngestError(url, f"not a page that can be imported (Content-Type {kind})")
            try:
                body = _read_body(url, response, deadline, limits)
            except urllib3.exceptions.TimeoutError:
                raise IngestError(url, f"no complete answer within {limits.timeout_s:g} s") from None
            except urllib3.exceptions.HTTPError as exc:
                raise IngestError(url, f"the connection broke while reading ({exc})") from None
            if not body.strip():
                raise IngestError(url, "the server sent an empty page")
            complete, fetched_at = True, datetime.now(UTC).replace(tzinfo=None)
            return Fetched(url, current, response.status, kind, charset, body, fetched_at)
        finally:
            if not complete:  # an unread body (a redirect, an error, a refused page) is not left on a pooled socket
                response.close()
            response.release_conn()

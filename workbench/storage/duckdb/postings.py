"""The BM25 postings file beside a DuckDB database (`<db>.bm25`): the `bm25_postings` table copied into flat arrays
that a search reads its terms' postings from (pread by offset), instead of reading them through SQL.

A copy, never the truth. Every build of the full-text index stamps it with a fresh id (migrations.BM25_STAMP, a
one-row table), and the file's header holds the stamp of the build it was copied from. A search uses the file only
when the two agree in its own snapshot; otherwise (no file yet, a database from before the file, a rebuild the file
has not followed, a damaged file) it reads the table as before, with the same scores.

Layout, little-endian: MAGIC, a uint32 header length, the JSON header (stamp, terms, postings, the id type), padded
to a multiple of 64 bytes; then offsets int64[terms + 1] (term t's postings are [offsets[t], offsets[t + 1])), the
passage ids (int32, int64 from 2**31), padded to 8 bytes, and the weights float64 (BM25's per-passage part, as in
the table), each term's postings by passage id.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.storage.duckdb.migrations import BM25_STAMP, Connection

MAGIC = b"WBBM25\x00\x01"
SUFFIX = ".bm25"
_ALIGN = 64
_MAX_HEADER = 4096  # a header is about 120 bytes; a longer one is damage, not worth reading
_BATCH_ROWS = 1 << 20  # postings copied per batch: about 20 MB of Arrow at a time, whatever the corpus size

_HAS_STAMP = (
    "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'fts_main_passages' AND table_name = 'bm25_stamp'"
)


class PostingsFileError(Exception):
    """The file is not a postings file this code can read, or is cut short; the message says which."""


def postings_path(db_file: Path | str) -> Path:
    """Where the postings file of a database file lives: beside it, its name with SUFFIX added."""
    path = Path(db_file)
    return path.with_name(path.name + SUFFIX)


def current_stamp(con: Connection) -> str | None:
    """The stamp of the full-text index in this snapshot; None without an index or for one built before stamps."""
    if not con.execute(_HAS_STAMP).fetchone()[0]:
        return None
    return con.execute(f"SELECT stamp FROM {BM25_STAMP}").fetchone()[0]


def table_shape(con: Connection) -> tuple[int, int]:
    """The index's term count (termids run from 0) and the postings table's row count, which a file must match."""
    return con.execute(
        "SELECT (SELECT coalesce(max(termid) + 1, 0) FROM fts_main_passages.dict), count(*) "
        "FROM fts_main_passages.bm25_postings"
    ).fetchone()


@dataclass(frozen=True, slots=True)
class PostingsFile:
    """An open postings file: its header, read; postings are read from it with pread as a search asks for them."""

    path: Path
    fd: int
    stamp: str
    terms: int
    postings: int
    id_dtype: np.dtype
    offsets_at: int
    ids_at: int
    weights_at: int

    def _read(self, dtype: np.dtype, at: int, count: int) -> np.ndarray:
        size = count * dtype.itemsize
        data = os.pread(self.fd, size, at)
        if len(data) != size:
            raise PostingsFileError(f"{self.path} ends before the postings its header promises")
        return np.frombuffer(data, dtype)

    def span(self, termid: int) -> tuple[int, int]:
        """Where the term's postings start and end, counted in postings."""
        start, end = self._read(np.dtype("<i8"), self.offsets_at + termid * 8, 2)
        if not 0 <= start <= end <= self.postings:
            raise PostingsFileError(f"{self.path} has offsets that do not cover its {self.postings} postings in order")
        return int(start), int(end)

    def term(self, termid: int) -> tuple[np.ndarray, np.ndarray]:
        """One term's passage ids and weights, by passage id."""
        start, end = self.span(termid)
        ids = self._read(self.id_dtype, self.ids_at + start * self.id_dtype.itemsize, end - start)
        return ids, self._read(np.dtype("<f8"), self.weights_at + start * 8, end - start)

    def shares(self, terms: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
        """The passage ids and score shares (idf * weight) of the terms' postings, as store.bm25's SQL gives them;
        (termid, idf) pairs, every termid below self.terms."""
        found = [(*self.term(termid), idf) for termid, idf in terms]
        ids = np.concatenate([i for i, _, _ in found]).astype(np.int64, copy=False)
        return ids, np.concatenate([w * idf for _, w, idf in found])


def _header_bytes(header: dict) -> bytes:
    body = json.dumps(header, sort_keys=True).encode()
    raw = MAGIC + len(body).to_bytes(4, "little") + body
    return raw + b"\0" * (-len(raw) % _ALIGN)


def _padded(size: int) -> int:
    return size + (-size % 8)


@contextmanager
def read_postings(path: Path) -> Iterator[PostingsFile]:
    """Open a postings file and read its header, for one search or check; PostingsFileError when it is not one or
    its size is not what its header says, OSError when it cannot be opened.

    Read with pread, never mapped: a file changed under a mapping (copied over in place) can kill the process, and
    pages read this way stay in the page cache without counting in the serving process's memory. At 1M passages a
    query reads 1-7 MB; on bench.scale's 1M real-ish passages, 40 queries three times (2026-12-07), the postings and
    top_scores took 2.5 ms median (mapped: the same), against 12.4 ms through SQL.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        head = os.pread(fd, len(MAGIC) + 4, 0)
        if not head:
            raise PostingsFileError(f"{path} is empty")
        if head[: len(MAGIC)] != MAGIC:
            raise PostingsFileError(f"{path} is not a BM25 postings file")
        length = int.from_bytes(head[len(MAGIC) :], "little")
        if length > _MAX_HEADER:
            raise PostingsFileError(f"{path} has an unreadable header ({length} bytes long)")
        try:
            header = json.loads(os.pread(fd, length, len(MAGIC) + 4))
            stamp, terms, postings = str(header["stamp"]), int(header["terms"]), int(header["postings"])
            id_dtype = np.dtype(header["ids"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PostingsFileError(f"{path} has an unreadable header ({exc})") from exc
        offsets_at = len(MAGIC) + 4 + length
        offsets_at += -offsets_at % _ALIGN
        ids_at = offsets_at + (terms + 1) * 8
        weights_at = ids_at + _padded(postings * id_dtype.itemsize)
        size = os.fstat(fd).st_size
        if size != weights_at + postings * 8:
            raise PostingsFileError(f"{path} holds {size} bytes where its header needs {weights_at + postings * 8}")
        yield PostingsFile(path, fd, stamp, terms, postings, id_dtype, offsets_at, ids_at, weights_at)
    finally:
        os.close(fd)


def write_postings(con: Connection, path: Path) -> str | None:
    """Copy the postings table, as of one snapshot, into a new file at path (written beside it, then renamed in:
    a reader sees the old file or the new one, never a part). Returns the stamp written; None, writing nothing, when
    the table has no stamp (no full-text index). The caller holds the connection's transaction."""
    stamp = current_stamp(con)
    if stamp is None:
        return None
    terms, postings = table_shape(con)
    top = con.execute("SELECT coalesce(max(passage_id), 0) FROM fts_main_passages.bm25_postings").fetchone()[0]
    counts = con.execute(
        "SELECT termid, count(*) AS n FROM fts_main_passages.bm25_postings GROUP BY termid"
    ).fetchnumpy()
    offsets = np.zeros(terms + 1, np.int64)
    offsets[counts["termid"].astype(np.int64) + 1] = counts["n"]
    np.cumsum(offsets, out=offsets)
    id_dtype = np.dtype("<i4") if top < 2**31 else np.dtype("<i8")
    header = _header_bytes({"stamp": stamp, "terms": terms, "postings": postings, "ids": id_dtype.str})
    ids_at = len(header) + (terms + 1) * 8
    weights_at = ids_at + _padded(postings * id_dtype.itemsize)
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    # os.open rather than mkstemp: the file gets the mode the umask gives any new file (mkstemp's is 0600), so an
    # app server running as another user can read it as it reads the database.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.truncate(weights_at + postings * 8)
            fh.write(header)
            fh.write(offsets.astype("<i8").tobytes())
        if postings:
            ids = np.memmap(temporary, id_dtype, "r+", ids_at, (postings,))
            weights = np.memmap(temporary, "<f8", "r+", weights_at, (postings,))
            done = 0
            reader = con.execute(
                "SELECT passage_id, weight FROM fts_main_passages.bm25_postings ORDER BY termid, passage_id"
            ).to_arrow_reader(_BATCH_ROWS)
            for batch in reader:
                size = batch.num_rows
                ids[done : done + size] = batch.column(0).to_numpy()
                weights[done : done + size] = batch.column(1).to_numpy()
                done += size
            if done != postings:
                raise PostingsFileError(f"{path}: copied {done} postings of {postings}")
            ids.flush()
            weights.flush()
            del ids, weights
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return stamp

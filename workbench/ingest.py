"""Import article files: parse, cut into passages, embed, store, and update both indexes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from index.embedders import Embedder
from index.vectors import VectorIndex
from workbench.config import Settings
from workbench.documents import FileDocuments, iter_paths, read_file, read_page
from workbench.errors import IngestError, printable_path
from workbench.feeds import Feed, read_feed
from workbench.fetching import HTML_TYPES, fetch
from workbench.indexing import EMBED_BATCH, load_vector_index
from workbench.models import Document, FileResult, ImportStatus
from workbench.stages import stage
from workbench.storage import Store, open_store

Progress = Callable[[int, int, FileResult], None]  # files done, files in all, the result of the last one
EmbeddingProgress = Callable[[ImportStatus], None]  # after each embedded batch: the file and the import's pace


def _new_documents(settings: Settings, docs: Sequence[Document]) -> tuple[list[Document], int]:
    """Drop documents already stored or repeated within the file; return the rest and the count dropped."""
    with stage("insert"), open_store(settings.db_path) as store:
        seen = store.stored_hashes([doc.content_hash for doc in docs])
        remember_repeat_fetches(store, docs, seen)
    return drop_seen(docs, seen)


def remember_repeat_fetches(store: Store, docs: Sequence[Document], stored: set[str]) -> None:
    """A page fetched from the web whose text is stored already (imported from another address, or from a file):
    remember its address, so a feed linking to it is not fetched again on every run (store.fetched_urls)."""
    repeats = [(doc.fetched, doc.content_hash) for doc in docs if doc.fetched and doc.content_hash in stored]
    if repeats:
        store.record_repeat_fetches(repeats)


def drop_seen(docs: Sequence[Document], seen: set[str]) -> tuple[list[Document], int]:
    """The documents whose content hash is not in seen, the first of each repeat; and how many were dropped."""
    seen, fresh = set(seen), []
    for doc in docs:
        if doc.content_hash not in seen:
            seen.add(doc.content_hash)
            fresh.append(doc)
    return fresh, len(docs) - len(fresh)


def _store_documents(
    settings: Settings, docs: Sequence[Document], vectors: np.ndarray, model: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Write all documents of one file in one transaction.

    Returns the new passage ids, the rows of vectors they got, and how many documents were skipped.

    Hashes are checked again inside the transaction: another process may have imported the same text
    while this one was embedding.
    """
    with stage("insert"), open_store(settings.db_path) as store, store.transaction():
        raced = store.stored_hashes([doc.content_hash for doc in docs])
        remember_repeat_fetches(store, docs, raced)  # a Ray worker's page, or one another process stored meanwhile
        first_id = store.next_passage_id()
        keep: list[Document] = []
        rows: list[int] = []
        offset = 0
        for doc in docs:
            if doc.content_hash not in raced:
                keep.append(doc)
                rows.extend(range(offset, offset + len(doc.passages)))
            offset += len(doc.passages)
        ids = np.arange(first_id, first_id + len(rows), dtype=np.int64)
        store.insert_documents(keep, first_id)
        store.insert_embeddings(ids, model, vectors[rows])
    return ids, np.array(rows, dtype=np.int64), len(docs) - len(keep)


def import_files(
    paths: Sequence[Path | str],
    settings: Settings,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    embedding_progress: EmbeddingProgress | None = None,
) -> list[FileResult]:
    """Import files (folders are expanded); one result per file, failed files leave nothing behind.

    Each file is parsed and embedded outside the database, then written in a single short transaction,
    so the app can keep reading between files. The write of one file runs on a writer thread while the next
    file is parsed and embedded (the model and DuckDB both release the GIL); results, progress and callbacks stay
    in file order on the calling thread. The BM25 index is rebuilt once at the end.
    """
    files = list(iter_paths(paths))
    pace = _Pace(files, [_size(path) for path in files], embedding_progress)
    with open_store(settings.db_path) as store:
        writer = FileWriter(settings, embedder.model_id, load_vector_index(store, settings, embedder))
    done = FileResults(len(files), progress)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-import-writer") as pool:
            for number, path in enumerate(files, start=1):
                on_batch = partial(done.between_batches, partial(pace.batch, number)) if embedding_progress else None
                prepared = _prepare(path, settings, embedder, on_batch)
                pace.file_done(number, prepared.passages if isinstance(prepared, PreparedFile) else 0)
                done.wait()  # the previous file's write, done while this one was embedded
                if isinstance(prepared, FileResult):
                    done.add(prepared)
                else:
                    done.pending = pool.submit(copy_context().run, writer.write, prepared)  # stages timed there too
            done.wait()
    finally:
        # A file whose write was under way when the import stopped is committed (or not) as a whole, and its
        # vectors are in the index then: the index is saved when any file got in.
        done.settle()
        writer.finish(done.results)
    return done.results


@dataclass
class FileResults:
    """The files' results in file order, with the one write that may be under way; progress is called here, on the
    importing thread."""

    files: int
    progress: Progress | None
    results: list[FileResult] = field(default_factory=list)
    pending: Future[FileResult] | None = None

    def add(self, result: FileResult) -> None:
        self.results.append(result)
        if self.progress:
            self.progress(len(self.results), self.files, result)

    def wait(self) -> None:
        """Wait for the write under way and record its result (an error the write raised is raised here)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.add(pending.result())

    def between_batches(self, report: Callable[[int, int], None], done: int, total: int) -> None:
        """After an embedded batch of the next file: record the write if it has finished, then report the batch."""
        if self.pending is not None and self.pending.done():
            self.wait()
        report(done, total)

    def settle(self) -> None:
        """When the import stops early: keep the result of a write that got in, without raising."""
        if self.pending is not None and self.pending.done() and self.pending.exception() is None:
            self.results.append(self.pending.result())
        self.pending = None


@dataclass(frozen=True, slots=True)
class PreparedFile:
    """A file read, cut and embedded, ready to be written: its new documents and one vector per passage. Made here
    or on a Ray worker (workbench.distributed), written by FileWriter either way."""

    path: Path | str
    docs: list[Document]
    skipped: int
    vectors: np.ndarray
    notes: tuple[str, ...]

    @property
    def passages(self) -> int:
        return len(self.vectors)


@dataclass
class FileWriter:
    """Writes prepared files one at a time (on the writer thread, or as a Ray import's files come back) and keeps the
    vector index in step."""

    settings: Settings
    model: str
    vindex: VectorIndex

    def write(self, prepared: PreparedFile) -> FileResult:
        """Store one file's documents and vectors in one transaction, add them to the index, report the file."""
        ids, rows, raced = _store_documents(self.settings, prepared.docs, prepared.vectors, self.model)
        skipped = prepared.skipped + raced
        shown = printable_path(prepared.path)
        if not len(ids):
            return FileResult(shown, "skipped", skipped=skipped, message="already imported")
        with stage("faiss"):
            self.vindex.add(ids, prepared.vectors[rows])
            self.vindex = self.vindex.grown(
                ann_min=self.settings.ann_min_vectors,
                codes=self.settings.vector_codes,
                home=self.settings.vector_index_path,
            )  # exact until large, then IVF
        articles = len(prepared.docs) - raced
        message = f"{articles} article(s), {len(ids)} passages" + (f", {skipped} already imported" if skipped else "")
        if prepared.notes:  # how the bytes were read when they were not plain UTF-8 (a guessed code page, replaced)
            message += f" ({'; '.join(prepared.notes)})"
        return FileResult(shown, "imported", articles=articles, passages=len(ids), skipped=skipped, message=message)

    def finish(self, results: Sequence[FileResult]) -> None:
        """Once an import stops: when any file got in, save the vector index and rebuild BM25 (once per import)."""
        if any(r.status == "imported" for r in results):
            with stage("faiss"):
                self.vindex.save(self.settings.vector_index_path)
            with stage("fts"), open_store(self.settings.db_path) as store:
                store.rebuild_fulltext()


@dataclass
class _Pace:
    """An import's progress so far, for ImportStatus: the bytes of the files done and the passages embedded."""

    files: list[Path | str]
    sizes: list[int]
    report: EmbeddingProgress | None
    started: float = field(default_factory=time.monotonic)
    bytes_done: int = 0
    embedded: int = 0
    total_bytes: int = field(init=False)

    def __post_init__(self) -> None:
        # A web page's size is known only once fetched: it counts as the files' mean (1 byte when all are pages).
        pairs = list(zip(self.sizes, self.files, strict=True))
        known = [size for size, item in pairs if not isinstance(item, str)]
        guess = round(sum(known) / len(known)) if known and sum(known) else 1
        self.sizes = [guess if isinstance(item, str) else size for size, item in pairs]
        self.total_bytes = max(sum(self.sizes), 1)

    def batch(self, number: int, done: int, total: int) -> None:
        """Report a batch of file `number`: done of its total passages embedded."""
        if self.report is None:
            return
        share = (self.bytes_done + self.sizes[number - 1] * done / max(total, 1)) / self.total_bytes
        path = str(self.files[number - 1])
        elapsed = time.monotonic() - self.started
        self.report(ImportStatus(number, len(self.files), path, done, total, self.embedded + done, share, elapsed))

    def file_done(self, number: int, passages: int) -> None:
        self.bytes_done += self.sizes[number - 1]
        self.embedded += passages


def _size(path: Path | str) -> int:
    """The file's size in bytes, for the progress fraction; 0 for a web address (see _Pace) or a file that cannot be
    read (its import reports why)."""
    if isinstance(path, str):
        return 0
    try:
        return path.stat().st_size
    except OSError:
        return 0


def embed_texts(embedder: Embedder, texts: Sequence[str], on_batch: Callable[[int, int], None] | None) -> np.ndarray:
    """Embed in batches, reporting after each, so one big file shows progress."""
    if on_batch is None or len(texts) <= EMBED_BATCH:
        with stage("embed"):
            vectors = embedder.embed(texts)
        if on_batch and texts:
            on_batch(len(texts), len(texts))
        return vectors
    parts = []
    for start in range(0, len(texts), EMBED_BATCH):
        with stage("embed"):
            parts.append(embedder.embed(texts[start : start + EMBED_BATCH]))
        on_batch(min(start + EMBED_BATCH, len(texts)), len(texts))
    return np.concatenate(parts)


def read_source(source: Path | str, settings: Settings) -> FileDocuments:
    """The articles of a file, or of a web page (a str that iter_paths kept as an address); IngestError otherwise."""
    if isinstance(source, str):
        page = fetch(source, settings.fetch_limits, accept=HTML_TYPES)
        return read_page(page, max_words=settings.passage_max_words)
    return read_file(source, max_bytes=settings.max_file_bytes, max_words=settings.passage_max_words)


def feed_links(source: str, settings: Settings) -> tuple[Feed, list[str], list[str]]:
    """A feed, the links of its entries not fetched before (to import) and those fetched before (to skip)."""
    feed = read_feed(source, settings.fetch_limits)
    links = [entry.link for entry in feed.entries]
    with open_store(settings.db_path) as store:
        known = store.fetched_urls(links)
    return feed, [link for link in links if link not in known], [link for link in links if link in known]


def _prepare(
    path: Path | str, settings: Settings, embedder: Embedder, on_batch: Callable[[int, int], None] | None = None
) -> PreparedFile | FileResult:
    """Read, cut and embed the documents of a file or page not stored yet; a FileResult when there is nothing to
    write."""
    try:
        read = read_source(path, settings)
        fresh, skipped = _new_documents(settings, read.documents)
    except IngestError as exc:
        return FileResult(printable_path(path), "failed", message=exc.reason)
    if not fresh:
        return FileResult(printable_path(path), "skipped", skipped=skipped, message="already imported")
    vectors = embed_texts(embedder, [p.text for doc in fresh for p in doc.passages], on_batch)
    return PreparedFile(path, fresh, skipped, vectors, tuple(read.notes))

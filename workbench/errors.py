"""Domain errors the CLI and the app turn into one clear line."""

from __future__ import annotations

import os
from pathlib import Path


def printable_path(path: Path | str) -> str:
    """The path as text fit to print and store: bytes of a file name that are not UTF-8 become \\xNN escapes.

    Python hands such names over with lone surrogates (PEP 383), which a UTF-8 terminal, DuckDB and pyarrow refuse.
    """
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


class WorkbenchError(Exception):
    """Base for errors that are the user's to fix, with a message fit to show as is."""


class StorageError(WorkbenchError):
    """The database could not be opened or written (the DuckDB error is kept as the cause)."""


class WriteConflictError(StorageError):
    """A write collided with another session's (a key or row it wrote first); nothing of this one was kept."""


class IngestError(WorkbenchError):
    """A file could not be imported; names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{printable_path(path)}: {reason}")
        self.path = printable_path(path)
        self.reason = reason


class ClaimError(WorkbenchError):
    """A claim could not be added or found."""


class ReviewError(WorkbenchError):
    """A review change was refused (an unknown status or verdict, a verdict without a reviewer)."""


class StaleWriteError(ReviewError):
    """Someone else saved the claim's review since this editor loaded it; nothing was written."""

    def __init__(self, claim_id: int, expected_version: int, current: object) -> None:
        super().__init__(
            f"claim {claim_id} was changed by someone else while you edited it (you edited version "
            f"{expected_version}, it is now at version {getattr(current, 'version', '?')}); nothing was saved"
        )
        self.claim_id = claim_id
        self.expected_version = expected_version
        self.current = current

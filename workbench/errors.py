"""Domain errors the CLI and the app turn into one clear line."""

from __future__ import annotations

from pathlib import Path


class WorkbenchError(Exception):
    """Base for errors that are the user's to fix, with a message fit to show as is."""


class StorageError(WorkbenchError):
    """The database could not be opened or written (the DuckDB error is kept as the cause)."""


class IngestError(WorkbenchError):
    """A file could not be imported; names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ClaimError(WorkbenchError):
    """A claim could not be added or found."""

"""Files the index writes beside the database: a temporary name beside the target, and a replace a reader never
sees half done."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def temporary_beside(path: Path) -> Path:
    """A fresh temporary name beside path, for a file to rename over it once written."""
    # A name of its own (not mkstemp, whose 0600 mode would make the file unreadable to another user's app).
    return path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Have write fill a fresh temporary file beside path, flush it to disk, then rename it over path."""
    tmp = temporary_beside(path)
    try:
        write(tmp)
        with tmp.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

"""Writing test files and reading them back through workbench.documents, for the file-input tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.documents import read_documents
from workbench.errors import IngestError

LIMITS = {"max_bytes": 5 * 2**20, "max_words": 60}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """A file of these bytes (text is written as UTF-8)."""
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def refusal(path: Path) -> str:
    """The one-line message a refused file gets; fails the test when the file is read or the message is not one line."""
    with pytest.raises(IngestError) as caught:
        read_documents(path, **LIMITS)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message

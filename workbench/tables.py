"""Read the CSV and TSV files that evaluations and training take, with one clear error per bad file.

The labelled data (FNC-1 and ARC stances, check-worthiness sentences, the labelled news claims, the fact-check
matching pairs) comes as delimited text with named columns. A missing file, one that is not UTF-8, a field over the
csv module's size limit or a missing column is the user's to fix, so each is an IngestError that names the file
and the problem, never a traceback.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from workbench.errors import IngestError


def read_table(path: Path, columns: Sequence[str], *, what: str, delimiter: str = ",") -> list[dict[str, str]]:
    """The rows of a delimited UTF-8 file that has these columns, as {column: text}.

    what names the data in the error ("the stance data"); the file is read whole, so a bad byte anywhere is
    refused before any row is used. A short row's missing fields are "" (never None), so the caller's check of a
    value names it rather than failing on it.
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter=delimiter, restval="")
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise IngestError(path, f"cannot read {what} ({reason})") from None
    if missing:
        raise IngestError(path, f"no {', '.join(missing)} column; expected {', '.join(columns)}")
    return rows

"""The `workbench` command: parses arguments, calls the library, prints. No logic of its own.

One module per group of commands (commands, claim_commands, evaluate); common holds the Typer apps and what they
share. Importing this package registers every command on `app`.
"""

from __future__ import annotations

import os
import sys

import typer

from claims.onnx_classifier import ModelIntegrityError, ModelNotBuiltError
from index.embedders import EmbedderError
from index.vectors import IndexMismatchError
from workbench.cli import claim_commands, commands, evaluate, factcheck_commands  # noqa: F401  (they register their commands)
from workbench.cli.common import app
from workbench.errors import WorkbenchError

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI, turning domain errors into one line on stderr and exit status 1."""
    try:
        app()
    except (WorkbenchError, IndexMismatchError, EmbedderError, ModelNotBuiltError, ModelIntegrityError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # a defect, not the user's doing: still one line; WORKBENCH_DEBUG=1 shows the traceback
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        typer.echo(f"error: unexpected {type(exc).__name__}: {first} (WORKBENCH_DEBUG=1 shows details)", err=True)
        sys.exit(2)

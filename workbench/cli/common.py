"""What every command shares: the Typer apps, settings, models, progress and printing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from index.embedders import Embedder, load_embedder
from workbench.config import Settings, is_server_url
from workbench.errors import WorkbenchError
from workbench.models import Hit
from workbench.storage import open_store

app = typer.Typer(
    help="Offline claim-checking workbench: import articles, add claims, find evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
claims_app = typer.Typer(help="Add, import, list and extract claims.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")
factchecks_app = typer.Typer(
    help="Earlier fact-checks (ClaimReview JSON-LD): import them, see the ones a claim repeats.", no_args_is_help=True
)
app.add_typer(factchecks_app, name="factchecks")
eval_app = typer.Typer(help="Measure stance and verdict quality on the benchmark data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

JsonFlag = Annotated[bool, typer.Option("--json", help="Print a JSON array instead of text.")]


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.obj


def embedder_for(settings: Settings) -> Embedder:
    """The embedder the settings name, else the database's own, else the shipped ONNX export (no torch)."""
    from workbench.indexing import embedder_spec

    return load_embedder(embedder_spec(settings))


def propose_matches_for(settings: Settings, claim_ids: list[int]) -> None:
    """Propose earlier fact-checks (and reviewed claims) the new claims repeat, and say how many; the embedder is
    loaded only when there is something to match against."""
    from workbench.factchecks import propose_for_new_claims

    found = propose_for_new_claims(
        settings.db_path, lambda: embedder_for(settings), claim_ids, window_days=settings.match_window_days
    )
    if found:
        which = claim_ids[0] if len(claim_ids) == 1 else "ID"
        typer.echo(f"{found} earlier fact-check match(es) proposed; see workbench factchecks matches --claim {which}")


def stance_model_for(settings: Settings):
    """The stance model the settings name (the shipped one by default); loaded only by commands that judge."""
    from workbench.config import load_configured_stance_model

    return load_configured_stance_model(settings.stance_model)


def checkworthy_model_for(settings: Settings):
    """The check-worthiness model the settings name (the shipped one by default); loaded only by `claims extract`."""
    from claims.checkworthy import load_checkworthy_model

    return load_checkworthy_model(settings.checkworthy_model)


@contextmanager
def progress_bar(unit: str) -> Iterator[Callable[[int, int, str], None]]:
    """Report progress on stderr: a bar on a terminal, else one plain line per step (piped output stays readable)."""
    from tqdm import tqdm

    if not sys.stderr.isatty():

        def line(done: int, total: int, what: str) -> None:
            typer.echo(f"[{done}/{total}] {what}", err=True)

        yield line
        return
    with tqdm(total=0, unit=unit, file=sys.stderr) as bar:

        def step(done: int, total: int, what: str) -> None:
            bar.total = total
            bar.set_postfix_str(what)
            bar.update(done - bar.n)

        yield step


@contextmanager
def import_progress_bar() -> Iterator[Callable[[float | None, str], None]]:
    """Report an import's progress on stderr: report(fraction or None, what). On a terminal a bar by bytes with the
    import's own pace and time left in words; else one plain line per report (piped output stays readable)."""
    from tqdm import tqdm

    if not sys.stderr.isatty():
        yield lambda _fraction, what: typer.echo(what, err=True)
        return
    with tqdm(total=1000, file=sys.stderr, bar_format="{percentage:3.0f}% |{bar:20}| {desc}") as bar:

        def step(fraction: float | None, what: str) -> None:
            if fraction is not None:
                bar.update(round(fraction * 1000) - bar.n)
            bar.set_description_str(what)

        yield step


def require_db(path: Path | str) -> None:
    """Refuse a command that reads or rebuilds a database file when there is none: a mistyped path must not create
    one. A server store exists on the server (a wrong address fails to connect, in one line)."""
    if is_server_url(path):
        return
    if not Path(path).exists():
        raise WorkbenchError(f"{path}: no database here yet; import articles first (workbench --db {path} import …)")


def print_json(rows: list[dict]) -> None:
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))


def print_hits(hits: list[Hit], as_json: bool) -> None:
    if as_json:
        print_json([hit.to_json() for hit in hits])
        return
    if not hits:
        typer.echo("no matching passages")
    for rank, hit in enumerate(hits, start=1):
        source = hit.outlet or "unknown outlet"
        label = f"comment by {hit.author or 'anonymous'}" if hit.kind == "comment" else "article"
        typer.echo(
            f"{rank:>2}. [{hit.score:.4f}] {source} — {hit.title or '(untitled)'}  (passage {hit.passage_id}, {label})"
        )
        typer.echo(f"    {hit.text}")


def rank_and_print(settings: Settings, as_json: bool, rank: Callable[..., list[Hit]]) -> None:
    """Open the database read-only with its vector index, rank passages with rank(store, vindex, embedder), print."""
    from workbench.indexing import load_vector_index

    embedder = embedder_for(settings)
    with open_store(settings.db_path, read_only=True) as store:
        print_hits(rank(store, load_vector_index(store, settings, embedder), embedder), as_json)

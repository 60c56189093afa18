"""`workbench factchecks ...`: import earlier fact-checks (ClaimReview JSON-LD) and list a claim's matches."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import JsonFlag, embedder_for, factchecks_app, print_json, require_db, settings_of
from workbench.errors import ClaimError
from workbench.storage import open_store


@factchecks_app.command("import")
def factchecks_import(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="ClaimReview JSON-LD files: an array, an object or an @graph.")],
) -> None:
    """Import earlier fact-checks, then propose the ones each stored claim repeats; re-importing is a no-op.

    Example: workbench --db news.duckdb factchecks import claimreview.json other-desk.json
    """
    from workbench.factchecks import import_factchecks

    settings = settings_of(ctx)
    embedder = embedder_for(settings)  # before the store: it reads which model the database uses
    with open_store(settings.db_path) as store:
        results, proposed = import_factchecks(
            store, embedder, paths, window_days=settings.match_window_days, max_bytes=settings.max_file_bytes
        )
    for r in results:
        typer.echo(f"{r.path}: {r.read} fact-check(s), {r.new} new")
    typer.echo(f"{sum(r.new for r in results)} fact-check(s) imported; {proposed} match(es) proposed")


@factchecks_app.command("matches")
def factchecks_matches(
    ctx: typer.Context,
    claim: Annotated[int, typer.Option("--claim", help="Id of a stored claim.")],
    as_json: JsonFlag = False,
) -> None:
    """List the earlier fact-checks and reviewed claims proposed as the same claim, with score, reason, decision.

    Example: workbench --db news.duckdb factchecks matches --claim 3 --json
    """
    db = settings_of(ctx).db_path
    require_db(db)
    with open_store(db, read_only=True) as store:
        if store.get_claim(claim) is None:
            raise ClaimError(f"no claim with id {claim}")
        found = store.claim_matches(claim)
    if as_json:
        print_json([asdict(m) for m in found])
        return
    if not found:
        typer.echo(f"no earlier fact-check matches claim {claim}")
    for m in found:
        c = m.candidate
        where = " · ".join(x for x in (c.publisher, c.url, str(c.review_date or "")) if x)
        typer.echo(f"[{m.decision}] {m.score:.2f} {c.kind} {c.match_id}: {c.text} -> {c.rating or '—'} ({where}); "
                   f"{m.reason}")  # fmt: skip

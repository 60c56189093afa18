"""`workbench claims ...`: add, import, list and extract claims.

workbench.claimbook (with the article parsing and fetching it imports, about 0.2 s) is imported by the commands that
use it, not when the CLI starts: every other command, `check` and `search` among them, starts without it.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import (
    JsonFlag,
    checkworthy_model_for,
    claims_app,
    print_json,
    propose_matches_for,
    settings_of,
)
from workbench.errors import WorkbenchError
from workbench.storage import open_store


@claims_app.command("add")
def claims_add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The claim, as a sentence.")],
    date: Annotated[str | None, typer.Option("--date", help="When the claim was made (YYYY-MM-DD).")] = None,
) -> None:
    """Add one claim; a near-duplicate of a stored claim is reported, not stored twice.

    Example: workbench --db news.duckdb claims add "ISIS seized half a billion dollars in Mosul" --date 2014-06-15
    """
    from workbench import claimbook

    with open_store(settings_of(ctx).db_path) as store:
        added = claimbook.add_claim(store, text, claim_date=date)
    if added.created:
        typer.echo(f"added claim {added.claim_id}")
        propose_matches_for(settings_of(ctx), [added.claim_id])
    else:
        typer.echo(f"already stored as claim {added.duplicate_of} (near-duplicate); nothing added")


@claims_app.command("import")
def claims_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV with a 'claim' column; optional 'date' and 'id'.")],
) -> None:
    """Add every claim of a CSV, all or nothing.

    Example: workbench --db news.duckdb claims import claims.csv
    """
    from workbench import claimbook

    with open_store(settings_of(ctx).db_path) as store:
        results = claimbook.import_claims_csv(store, path)
    created = sum(r.created for r in results)
    typer.echo(f"{created} claim(s) added, {len(results) - created} already stored (near-duplicates)")
    propose_matches_for(settings_of(ctx), [r.claim_id for r in results if r.created])


@claims_app.command("list")
def claims_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List stored claims.

    Example: workbench --db news.duckdb claims list --json
    """
    with open_store(settings_of(ctx).db_path, read_only=True) as store:
        rows = store.list_claims()
    if as_json:
        print_json([asdict(c) for c in rows])
        return
    for c in rows:
        typer.echo(f"{c.claim_id:>4}  {c.claim_date or ''!s:<10}  {c.text}")


@claims_app.command("extract")
def claims_extract(
    ctx: typer.Context,
    article: Annotated[list[int] | None, typer.Option("--article", help="Only these article ids.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many proposals.")] = 20,
    save: Annotated[bool, typer.Option("--save", help="Store the proposals as claims.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Propose check-worthy sentences from article bodies: the check-worthiness model decides, and sentences with a
    figure the number check can compare come first; each with the model's score and why.

    Example: workbench --db news.duckdb claims extract --limit 10 --save
    """
    from workbench import claimbook

    settings = settings_of(ctx)
    scorer = checkworthy_model_for(settings)
    with open_store(settings.db_path, read_only=True, create=False) as store:
        unknown = [article_id for article_id in article or () if store.get_article(article_id) is None]
        if unknown:
            raise WorkbenchError(f"no article with id {', '.join(map(str, unknown))}; nothing was proposed")
        sentences = claimbook.body_sentences(store, article)
    proposals = claimbook.propose_claims(sentences, scorer, limit=limit)
    if not proposals and not as_json:
        typer.echo("no article body sentence to propose as a claim", err=True)
    saved = []
    if save:
        with open_store(settings.db_path, create=False) as store:
            saved = claimbook.save_proposals(store, proposals)
        propose_matches_for(settings, [s.claim_id for s in saved if s.created])
    if as_json:
        print_json(
            [
                {**asdict(p), "claim_id": s.claim_id if saved else None}
                for p, s in zip(proposals, saved or [None] * len(proposals), strict=True)
            ]
        )
        return
    for p, s in zip(proposals, saved or [None] * len(proposals), strict=True):
        stored = f" -> claim {s.claim_id}" if s else ""
        typer.echo(f"[{p.score:.2f}] {p.text}  (article {p.article_id}; {'; '.join(p.reasons)}){stored}")

"""The commands on articles and checks: import, search, evidence, check, reindex, doctor, export, demo."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import (
    JsonFlag,
    app,
    embedder_for,
    import_progress_bar,
    print_json,
    progress_bar,
    rank_and_print,
    require_db,
    settings_of,
    stance_model_for,
)
from workbench.config import load_settings
from workbench.config import shown as shown_db
from workbench.errors import IngestError, WorkbenchError
from workbench.models import FileResult, ImportStatus
from workbench.storage import open_store

RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Spread the heavy work over a Ray cluster: 'local' or 'local:N' (start one here with N CPUs), or an "
        "address ray.init takes ('auto', 'ray://head:10001').",
        show_default=False,
    ),
]
RayWorkers = Annotated[int, typer.Option("--ray-workers", min=1, help="Ray workers, each with its own model.")]


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[  # a string, not a Path: a Path would fold the "//" of a URL before load_settings reads it
        str | None,
        typer.Option(help="DuckDB file (default data/workbench.duckdb).", envvar="WORKBENCH_DB", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Embedding model: 'onnx[:FOLDER]' or a sentence-transformers name or path (PyTorch) "
            "(default: the one the database's vectors came from, else the shipped ONNX export of all-MiniLM-L6-v2).",
            envvar="WORKBENCH_EMBEDDING_MODEL",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Offline claim-checking workbench."""
    if db is not None and not db.strip():  # `--db "$DB"` with DB unset would otherwise write data/workbench.duckdb
        raise WorkbenchError("--db is empty: name the database file, or leave --db out for data/workbench.duckdb")
    ctx.obj = load_settings(db, model)


# While one big file embeds, a plain line on piped stderr this often: a sign of life that does not flood a log.
IMPORT_PROGRESS_EVERY_S = 10.0


@app.command("import")
def import_command(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files or folders (.txt .md .html .jsonl .csv) or web pages (http:// or https://)."),
    ] = None,
    feed: Annotated[
        list[str] | None,
        typer.Option(
            "--feed",
            help="An RSS or Atom feed, a web address or a file: import each entry's page not fetched before "
            "(repeatable).",
        ),
    ] = None,
    ray: RayAddress = None,
    ray_workers: RayWorkers = 2,
) -> None:
    """Import articles from files, web pages and feeds; re-importing the same content is a reported no-op.

    Example: workbench --db news.duckdb import ../shared/seeds/*.txt more/*.html https://example.org/story
    --feed https://example.org/rss.xml
    """
    from workbench.ingest import feed_links, import_files

    settings = settings_of(ctx)
    sources: list[str] = list(paths or [])
    if not sources and not feed:
        raise WorkbenchError("nothing to import: name files, folders or web addresses, or a --feed")
    feed_failed = 0
    for source in feed or []:
        try:
            found, new, known = feed_links(source, settings)
        except IngestError as exc:
            typer.echo(f"{'failed':<8} {exc}")
            feed_failed += 1
            continue
        extra = f", {found.skipped} without a web link" if found.skipped else ""
        typer.echo(
            f"{'feed':<8} {source}: {len(found.entries)} entries, {len(new)} to import, "
            f"{len(known)} imported before{extra}"
        )
        sources += new
    embedder = embedder_for(settings)
    on_terminal = sys.stderr.isatty()  # a bar redraws in place: every batch; a piped line every so often

    def shown(path: str) -> str:
        if "://" in path:
            return path  # a web address is its own name
        return Path(path).name if on_terminal else path  # a terminal line is one row wide; a log keeps the path

    with import_progress_bar() as report:
        last = time.monotonic()

        def file_done(done: int, total: int, result: FileResult) -> None:
            nonlocal last
            last = time.monotonic()
            report(None, f"[{done}/{total}] {shown(result.path)}: {result.status} {result.message}")

        def embedded(status: ImportStatus) -> None:
            nonlocal last
            mid_file = status.embedded < status.file_passages  # a finished file has its own line
            if on_terminal or (mid_file and time.monotonic() - last >= IMPORT_PROGRESS_EVERY_S):
                last = time.monotonic()
                what = f"{shown(status.path)}: embedded {status.embedded:,} of {status.file_passages:,} passages"
                report(status.fraction, f"{what} · {status.describe()}")

        if ray:
            from workbench.distributed import RayPlan, ray_import
            from workbench.indexing import embedder_spec

            plan = RayPlan(ray, ray_workers)
            results = ray_import(sources, settings, embedder, embedder_spec(settings), plan, progress=file_done)
        else:
            results = import_files(sources, settings, embedder, progress=file_done, embedding_progress=embedded)
    for result in results:
        typer.echo(f"{result.status:<8} {result.path}: {result.message}")
    failed = sum(r.status == "failed" for r in results) + feed_failed
    typer.echo(
        f"{sum(r.articles for r in results)} article(s) and {sum(r.passages for r in results)} passages imported, "
        f"{sum(r.status == 'skipped' for r in results)} file(s) already there, {failed} failed"
    )
    if failed:
        raise typer.Exit(1)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="How many passages.")] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Find passages for a query by BM25 and embeddings fused; comments are marked as comments.

    Example: workbench --db news.duckdb search "Samarra distance from Baghdad" -k 10 --json
    """
    from workbench.retrieval import search as hybrid_search

    if not query.strip():
        raise typer.BadParameter("the query is empty: say what to look for", param_hint="QUERY")
    rank_and_print(
        settings_of(ctx), as_json, lambda store, vindex, embedder: hybrid_search(store, vindex, embedder, query, k=k)
    )


@app.command()
def evidence(
    ctx: typer.Context,
    claim: Annotated[int, typer.Option("--claim", help="Id of a stored claim.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="How many passages.")] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Rank evidence passages for a stored claim (never from the article the claim came from).

    Example: workbench --db news.duckdb evidence --claim 3 --json
    """
    from workbench.retrieval import evidence_for_claim

    rank_and_print(
        settings_of(ctx),
        as_json,
        lambda store, vindex, embedder: evidence_for_claim(store, vindex, embedder, claim, k=k),
    )


@app.command()
def check(
    ctx: typer.Context,
    claim: Annotated[list[int] | None, typer.Option("--claim", help="Id of a stored claim (repeatable).")] = None,
    all_claims: Annotated[bool, typer.Option("--all", help="Check every stored claim.")] = False,
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="Evidence passages per claim.")] = 10,
    as_json: JsonFlag = False,
    ray: RayAddress = None,
    ray_workers: RayWorkers = 2,
) -> None:
    """Judge evidence for claims (agrees / conflicts / discusses / unrelated) and store a verdict; history is kept.

    Example: workbench --db news.duckdb check --all --json
    """
    from workbench.indexing import load_vector_index
    from workbench.pipeline import check_many

    if not claim and not all_claims:
        raise typer.BadParameter("name claims with --claim ID or use --all")
    if claim and all_claims:
        raise typer.BadParameter("--claim and --all: give one (--all checks every stored claim)")
    settings = settings_of(ctx)
    with open_store(settings.db_path, create=False) as store:
        ids = [c.claim_id for c in store.list_claims()] if all_claims else claim
        unknown = [claim_id for claim_id in ids if store.get_claim(claim_id) is None]
    if unknown:
        raise WorkbenchError(f"no claim with id {', '.join(map(str, unknown))}; nothing was checked")
    embedder, model = embedder_for(settings), stance_model_for(settings)
    with open_store(settings.db_path) as store:
        vindex = load_vector_index(store, settings, embedder)
    # Each claim is stored as soon as it is decided; the database is free while the model judges the next one.
    with progress_bar("claim") as report:
        shown_progress = lambda done, total, r: report(done, total, f"claim {r.claim.claim_id}: {r.verdict}")  # noqa: E731
        if ray:
            from workbench.distributed import RayPlan, ray_check

            plan = RayPlan(ray, ray_workers)
            results = ray_check(
                settings, embedder, settings.stance_model, model.model_id, ids, plan, k=k, progress=shown_progress
            )
        else:
            results = check_many(settings.db_path, vindex, embedder, model, ids, k=k, progress=shown_progress)
    if as_json:
        print_json([r.to_json() for r in results])
        return
    for r in results:
        typer.echo(f"claim {r.claim.claim_id}: {r.verdict} ({r.confidence:.2f}) — {r.claim.text}  [{r.reason}]")
        for item in r.evidence:
            if item.stance != "unrelated":
                where = "comment, not counted" if item.hit.kind == "comment" else (item.hit.outlet or "unknown outlet")
                typer.echo(f"    {item.stance:<9} {item.confidence:.2f}  {where}: {item.hit.text[:100]}")
                typer.echo(f"              {item.reason}")


@app.command()
def reindex(
    ctx: typer.Context,
    re_embed: Annotated[bool, typer.Option("--re-embed", help="Embed every passage again.")] = False,
    ray: RayAddress = None,
    ray_workers: RayWorkers = 2,
) -> None:
    """Rebuild the FAISS and full-text indexes from DuckDB, embedding passages that lack a vector.

    With --re-embed every passage is embedded again with the configured model (WORKBENCH_EMBEDDING_MODEL) or the
    shipped default: how a database embedded on PyTorch moves to the faster ONNX export. With --ray, a large
    (IVF) index is coded shard by shard on the Ray cluster's workers; the result is the same index.

    Example: workbench --db news.duckdb reindex --re-embed
    """
    from index.embedders import load_embedder
    from workbench.indexing import encode_here
    from workbench.indexing import reindex as rebuild

    settings = settings_of(ctx)
    require_db(settings.db_path)
    embedder = load_embedder(settings.embedding_model) if re_embed else embedder_for(settings)
    encode = encode_here
    if ray:
        from workbench.distributed import RayPlan, ray_shard_encoder

        encode = ray_shard_encoder(RayPlan(ray, ray_workers))
    report = rebuild(settings, embedder, re_embed=re_embed, encode=encode)
    typer.echo(
        f"embedded {report.embedded} passages; FAISS index holds {report.vectors} vectors "
        f"({report.model}); full-text index rebuilt"
    )


@app.command()
def doctor(
    ctx: typer.Context,
    repair: Annotated[
        bool, typer.Option("--repair", help="Rebuild from DuckDB what disagrees, then check again.")
    ] = False,
) -> None:
    """Check that the FAISS index, its sidecar and the full-text index agree with DuckDB; exit 1 when not.

    One line per check. With --repair, whatever disagrees is rebuilt from DuckDB and everything is checked again.

    Example: workbench --db news.duckdb doctor --repair
    """
    from workbench import doctor as checkup

    settings = settings_of(ctx)
    require_db(settings.db_path)
    embedder = embedder_for(settings)
    findings = checkup.diagnose(settings, embedder)
    for finding in findings:
        typer.echo(finding.line())
    if repair and not all(f.ok for f in findings):
        for done in checkup.repair(settings, embedder, findings):
            typer.echo(f"repair: {done}")
        findings = checkup.diagnose(settings, embedder)
        for finding in findings:
            typer.echo(finding.line())
    bad = sum(not f.ok for f in findings)
    if bad:
        hint = "" if repair else f"; rebuild with: workbench --db {shown_db(settings.db_path)} doctor --repair"
        typer.echo(f"{bad} check(s) failed{hint}")
        raise typer.Exit(1)
    typer.echo("all indexes agree with DuckDB")


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="File to write; '-' prints to standard output.")],
    fmt: Annotated[
        str, typer.Option("--format", help="csv (one row per claim) or claimreview (schema.org JSON-LD).")
    ] = "csv",
) -> None:
    """Write the verdict table: machine and human verdicts, rationale and cited evidence per claim.

    Example: workbench --db news.duckdb export verdicts.csv
    """
    from workbench.export import FORMATS, build_export, exported_count, load_verdicts, write_file

    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format is one of {', '.join(FORMATS)}")
    settings = settings_of(ctx)
    db = settings.db_path
    require_db(db)
    with open_store(db) as store:  # writable: a file from before the review tables gets them (migration 3)
        records = load_verdicts(store)
    content = build_export(records, fmt, approved_only=settings.second_reviewer)
    if str(out) == "-":
        sys.stdout.buffer.write(content)
        return
    write_file(out, content)
    typer.echo(f"wrote {exported_count(records, fmt, approved_only=settings.second_reviewer)} claim(s) to {out}")


@app.command()
def demo(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Option(help="Folder with the demo articles and claims.csv.")] = Path("examples"),
    check_claims: Annotated[
        bool, typer.Option("--check/--no-check", help="Check the demo claims once loaded (loads the stance model).")
    ] = True,
) -> None:
    """Load the demo corpus and its claims into the database, once (a no-op when it holds articles).

    Example: workbench --db data/demo.duckdb demo
    """
    from workbench.demo import load_demo

    settings = settings_of(ctx)
    typer.echo(load_demo(settings, embedder_for, folder, stance_model_for if check_claims else None))

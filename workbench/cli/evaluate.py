"""`workbench eval ...`: stance and verdict quality on the benchmark data; the logic is in evaluation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import DATA, checkworthy_model_for, embedder_for, eval_app, settings_of, stance_model_for
from workbench.storage import open_store


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
    settings = settings_of(ctx)
    model = stance_model_for(settings)
    typer.echo(f"{model.model_id} on {len(pairs)} {split} pairs")
    predictions = model.predict([(p.evidence, p.claim) for p in pairs])
    typer.echo(format_table(evaluate(pairs, predictions)))
    if gate:
        from workbench.evaluation import off_topic_pairs

        embedder = embedder_for(settings)
        gated = off_topic_pairs(pairs, embedder, MIN_ON_TOPIC_SIMILARITY)
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
    settings = replace(settings_of(ctx), db_path=work / "climate-fever.duckdb")
    embedder, model = embedder_for(settings), stance_model_for(settings)
    evaluation.build_corpus(settings, embedder, data / "climate-fever.jsonl", work)
    rows = evaluation.load_climate_fever(data / "climate-fever.jsonl")
    rules, gate = evaluation.DEFAULT_RULES, evaluation.MIN_ON_TOPIC_SIMILARITY
    if tune:
        train = [r for r in rows if r["split"] == "train"][:limit]
        tuning = evaluation.tune(evaluation.judge_claims(settings, embedder, model, train))
        typer.echo(evaluation.format_tuning(tuning))
        rules, gate = tuning.rules, tuning.min_similarity
    chosen = [r for r in rows if r["split"] == split][:limit]
    result = evaluation.report(evaluation.judge_claims(settings, embedder, model, chosen), split, rules, gate)
    typer.echo(evaluation.format_report(result))


SEEDS = DATA.parent / "seeds"
NEWS_CLAIMS = Path(__file__).resolve().parents[2] / "tests" / "data" / "news_claims.csv"


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
    settings = replace(settings_of(ctx), db_path=work / "news-claims.duckdb")
    embedder, model = embedder_for(settings), stance_model_for(settings)
    ne.import_corpus(settings, embedder, files)
    report = ne.check_labelled_claims(settings, embedder, model, labelled, k=k)
    typer.echo(f"{len(labelled)} claims from {claims} against {len(files)} article file(s), {model.model_id}")
    typer.echo(ne.format_claim_report(report))


@eval_app.command("news")
def eval_news(
    ctx: typer.Context,
    corpus: Annotated[str, typer.Option(help="fnc1 (held-out train stories) or arc (test split).")] = "fnc1",
    stories: Annotated[
        str,
        typer.Option(
            help="fnc1 only: held-out (report), dev (the stories the training calibrates on), or test (the "
            "competition test split, if you put its official files competition_test_bodies.csv and "
            "competition_test_stances.csv in DATA/fnc1)."
        ),
    ] = "held-out",
    data: Annotated[Path, typer.Option(help="Folder of the news benchmark data.")] = DATA / "news",
    work: Annotated[Path, typer.Option(help="Where the evaluation database is kept.")] = Path("data/eval"),
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="Evidence passages per headline.")] = 100,
    limit: Annotated[int | None, typer.Option(help="Only the first N headlines.")] = None,
) -> None:
    """News stance through `check`: bodies imported as articles, headlines checked as claims, each paired body's
    FNC-1 label read off its passages; FNC-1 relative score and macro-F1.

    fnc1 scores the stories held out of training (workbench.news_data); every FNC-1 train body is in the corpus.
    --stories test scores the competition test split instead, against a corpus of its bodies.

    Example: workbench eval news --corpus fnc1
    """
    from workbench import news_data as nd
    from workbench import news_evaluation as ne

    if corpus not in ("fnc1", "arc"):
        raise typer.BadParameter("corpus is fnc1 or arc")
    if corpus == "fnc1":
        if stories not in ("held-out", "dev", "test"):
            raise typer.BadParameter("--stories is held-out, dev or test")
        bodies, pairs = nd.load_fnc(data / "fnc1", "test" if stories == "test" else "train")
        if stories == "test":
            corpus = "fnc1-test"  # its own bodies, so its own database
        else:
            pairs = nd.split_by_story(pairs, nd.HELD_OUT_BUCKET if stories == "held-out" else nd.DEV_BUCKET)
    else:
        bodies, pairs = nd.load_arc(data / "arc", "test")
    if limit:
        keep = set(list(dict.fromkeys(p.headline for p in pairs))[:limit])
        pairs = [p for p in pairs if p.headline in keep]
    settings = replace(settings_of(ctx), db_path=work / f"{corpus}.duckdb")
    embedder, model = embedder_for(settings), stance_model_for(settings)
    with open_store(settings.db_path) as store:
        empty = not store.count_rows()["articles"]
    if empty:
        typer.echo(f"importing {len(bodies)} {corpus} bodies into {settings.db_path} (once)")
        corpus_file = ne.write_bodies(bodies, corpus, work / f"{corpus}-bodies.jsonl")
        ne.import_corpus(settings, embedder, [corpus_file])
    articles = ne.body_articles(settings, bodies, corpus)
    predicted = ne.judge_stance_pairs(settings, embedder, model, pairs, articles, k=k)
    typer.echo(f"{model.model_id}, k={k}")
    typer.echo(ne.format_stance_score(corpus, ne.score_stances(pairs, predicted)))


@eval_app.command("checkworthy")
def eval_checkworthy(
    ctx: typer.Context,
    split: Annotated[str, typer.Option(help="dev (report) or train.")] = "dev",
    data: Annotated[Path, typer.Option(help="Folder of the check-worthiness data.")] = DATA / "checkworthy",
    limit: Annotated[int | None, typer.Option(help="Only the first N sentences of the split.")] = None,
) -> None:
    """F1 of the check-worthy class on CheckThat! 2024 English sentences: the shipped ranker (the check-worthiness
    model with the fragment rules, as `claims extract` proposes) beside the hand-written rules alone.

    Example: workbench eval checkworthy --split dev
    """
    from claims.extraction import HandRules
    from workbench.checkworthy_eval import evaluate_checkworthy, format_reports, load_checkworthy

    if split not in ("train", "dev"):
        raise typer.BadParameter("split is dev or train")
    rows = load_checkworthy(data, split)[:limit]
    model = checkworthy_model_for(settings_of(ctx))
    typer.echo(f"{model.model_id} on {len(rows)} {split} sentences")
    reports = [
        evaluate_checkworthy(rows, model, model.model_id),
        evaluate_checkworthy(rows, HandRules(), "hand-written rules"),
    ]
    typer.echo(format_reports(reports))


@eval_app.command("factchecks")
def eval_factchecks(ctx: typer.Context) -> None:
    """Earlier fact-check matching: precision, recall and F1 on the labelled pairs, per split, with every miss.

    Example: workbench eval factchecks
    """
    from workbench.factcheck_eval import evaluate_matching, load_match_pairs

    embedder = embedder_for(settings_of(ctx))
    typer.echo(f"{'split':<6} {'pairs':>5} {'same':>5} {'precision':>9} {'recall':>6} {'F1':>6}")
    reports = evaluate_matching(load_match_pairs(), embedder)
    for r in reports:
        typer.echo(f"{r.split:<6} {r.pairs:>5} {r.same:>5} {r.precision:>9.3f} {r.recall:>6.3f} {r.f1:>6.3f}")
    for r in reports:
        for miss in r.misses:
            typer.echo(f"{r.split}: {miss}")

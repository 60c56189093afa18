"""The README's CLI tour on a real database, and CLI hygiene (documented commands, one-line errors)."""

import csv
import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES, REPO, SEED_COMMENTS, SEED_PLAIN, SHARED
from workbench.cli import app


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()
    db = tmp_path / "news.duckdb"

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(app, ["--db", str(db), *args])
        assert result.exit_code == code, (result.output, result.exception)
        return result.output

    return invoke


@pytest.mark.real_model  # the in-process CLI imports with the real embedder
@pytest.mark.slow
def test_the_readme_tour(cli, tmp_path):
    out = cli("import", str(SEED_COMMENTS), str(SEED_PLAIN), str(EXAMPLES / "articles" / "03_coastal_wire.html"))
    assert "3 article(s)" in out and "0 failed" in out
    assert "skipped" in cli("import", str(SEED_PLAIN))
    assert (
        cli("claims", "add", "ISIS seized half a billion dollars in Mosul", "--date", "2014-06-15") == "added claim 1\n"
    )
    assert "already stored as claim 1" in cli("claims", "add", "ISIS seized $500 million in Mosul.")
    claims_csv = tmp_path / "claims.csv"
    claims_csv.write_text("claim,date,id\nIran sent 2000 troops to Iraq,2014-06-14,X1\n")
    assert "1 claim(s) added" in cli("claims", "import", str(claims_csv))
    extracted = cli("claims", "extract", "--limit", "3", "--save")
    assert extracted.count("-> claim") == 3
    assert extracted.count("(article ") == 3 and extracted.count("; model 0.") == 3  # the score and why
    assert "figure: " in extracted.splitlines()[0]  # a figure the number check can compare comes first

    hits = json.loads(cli("search", "Samarra distance from Baghdad", "-k", "10", "--json"))
    assert len(hits) == 10
    assert {"passage_id", "article_id", "title", "outlet", "text", "kind", "score"} <= set(hits[0])
    assert {h["kind"] for h in hits} <= {"body", "comment"}
    assert any("60 miles north-west of Baghdad" in h["text"] for h in hits[:5])

    evidence = json.loads(cli("evidence", "--claim", "1", "--json"))
    assert any("half a billion dollar" in h["text"] for h in evidence[:5])
    listed = json.loads(cli("claims", "list", "--json"))
    assert [c["claim_id"] for c in listed] == [1, 2, 3, 4, 5]
    assert "FAISS index holds" in cli("reindex")


@pytest.mark.real_model
def test_eval_checkworthy_prints_the_ranker_beside_the_hand_written_rules(cli):
    out = cli("eval", "checkworthy", "--limit", "200")
    assert out.startswith("checkworthy-minilm-l6-v1 on 200 dev sentences")
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith(("| checkworthy", "| hand-written"))]
    assert len(rows) == 2 and all(0.0 <= float(row[-1].rstrip(" |")) <= 1.0 for row in rows)
    assert "split is dev or train" in cli("eval", "checkworthy", "--split", "test", code=2)


@pytest.mark.real_model
def test_failed_import_exits_non_zero_after_importing_the_rest(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title\nno text column\n")
    out = cli("import", str(bad), str(SEED_PLAIN), code=1)
    assert f"failed   {bad}: no 'text' column (columns: title)" in out
    assert "1 article(s)" in out


@pytest.mark.real_model  # `evidence` loads the embedder before it finds no database
@pytest.mark.slow
def test_errors_are_one_line_on_stderr():
    env = {**os.environ, "WORKBENCH_DB": "/nonexistent/dir/x.duckdb"}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "evidence", "--claim", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: /nonexistent/dir/x.duckdb: no database here yet; import articles first "
        "(workbench --db /nonexistent/dir/x.duckdb import …)"
    ]


def test_a_server_that_cannot_be_reached_is_one_line_without_its_password_and_creates_no_file(tmp_path):
    env = {**os.environ, "WORKBENCH_DB": "postgresql://ann:secret@/claims?host=/nonexistent&port=1"}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "claims", "list"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: user=ann dbname=claims host=/nonexistent port=1: cannot connect to the database")
    assert "secret" not in line
    assert list(tmp_path.iterdir()) == []


def test_every_command_is_documented_in_readme():
    readme = (REPO / "README.md").read_text()
    commands = {c.name or c.callback.__name__ for c in app.registered_commands} | {
        f"{g.name} {c.name}" for g in app.registered_groups for c in g.typer_instance.registered_commands
    }
    assert commands == {
        "import",
        "search",
        "evidence",
        "reindex",
        "doctor",
        "demo",
        "export",
        "check",
        "eval stance",
        "eval claims",
        "eval news",
        "eval news-claims",
        "eval checkworthy",
        "eval factchecks",
        "factchecks import",
        "factchecks matches",
        "claims add",
        "claims import",
        "claims list",
        "claims extract",
    }
    for command in commands:
        assert re.search(rf"workbench (--db \S+ )?{command}\b", readme), f"README does not show `{command}`"


@pytest.mark.real_model
def test_eval_news_scores_the_competition_test_split_when_its_files_are_there(cli, tmp_path):
    from workbench.news_data import load_fnc

    bodies, pairs = load_fnc(SHARED / "data" / "news" / "fnc1")
    pairs = [p for p in pairs if p.headline in {pairs[0].headline, pairs[1].headline}][:6]
    data = tmp_path / "news"
    (data / "fnc1").mkdir(parents=True)
    with (data / "fnc1" / "competition_test_bodies.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["Body ID", "articleBody"], *[[p.body_id, bodies[p.body_id]] for p in pairs]])
    with (data / "fnc1" / "competition_test_stances.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["Headline", "Body ID", "Stance"], *[[p.headline, p.body_id, p.label] for p in pairs]]
        )
    out = cli("eval", "news", "--stories", "test", "--data", str(data), "--work", str(tmp_path / "work"), "-k", "10")
    assert f"fnc1-test: {len(pairs)} pairs, 2 headlines" in out
    assert 0.0 <= float(re.search(r"relative score (\S+)", out).group(1)) <= 1.0
    assert (tmp_path / "work" / "fnc1-test.duckdb").exists()


def test_eval_news_without_the_competition_test_files_says_which_file_is_missing(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "eval", "news", "--stories", "test", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path}/fnc1/competition_test_bodies.csv: cannot read the stance data (No such file or directory)"
    ]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("check", "--claim", "1", "--all"), "--claim and --all: give one"),
        (("search", ""), "the query is empty"),
        (("search", "   "), "the query is empty"),
    ],
)
def test_arguments_that_contradict_or_say_nothing_are_refused(tmp_path, args, problem):
    """`check --claim 1 --all` checked every claim without a word; `search ""` answered "no matching passages"."""
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "none.duckdb"), *args])
    assert result.exit_code == 2 and problem in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []

"""Hostile arguments and paths give one line on stderr naming the value and the problem, exit 1, and change
nothing stored. Each case runs the real `python -m workbench` in its own process."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO
from workbench import claimbook
from workbench.storage import open_store


def workbench(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        timeout=300,
    )


def one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.fixture
def with_claim(tmp_path):
    db = tmp_path / "desk.duckdb"
    with open_store(db) as store:
        claimbook.add_claim(store, "Iran sent 2000 troops to Iraq")
    return db


def test_export_into_a_missing_folder(with_claim, tmp_path):
    out = tmp_path / "no" / "such" / "x.csv"
    assert one_line(workbench("--db", str(with_claim), "export", str(out))) == (
        f"error: {out}: the folder {out.parent} does not exist"
    )


def test_export_onto_a_folder(with_claim, tmp_path):
    assert one_line(workbench("--db", str(with_claim), "export", str(tmp_path))) == (
        f"error: {tmp_path}: this is a folder; name the file to write, e.g. {tmp_path / 'verdicts.csv'}"
    )


def test_an_export_replaces_the_old_file_whole_and_leaves_no_partial_file(with_claim, tmp_path):
    out = tmp_path / "verdicts.csv"
    out.write_text("yesterday's table\n")
    assert workbench("--db", str(with_claim), "export", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8-sig").startswith("claim_id,claim,")
    assert not list(tmp_path.glob(".*partial"))


def test_an_export_name_the_file_system_refuses(with_claim, tmp_path):
    out = tmp_path / ("v" * 300 + ".csv")
    line = one_line(workbench("--db", str(with_claim), "export", str(out)))
    assert line.startswith(f"error: {out}: cannot write the export (") and "too long" in line
    assert not list(tmp_path.glob(".*partial"))


def test_an_export_into_a_named_pipe_writes_into_it_and_leaves_the_pipe(with_claim, tmp_path):
    pipe = tmp_path / "to-reader"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    done = workbench("--db", str(with_claim), "export", str(pipe))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert received and received[0].decode("utf-8-sig").startswith("claim_id,claim,")
    assert stat.S_ISFIFO(pipe.stat().st_mode) and not list(tmp_path.glob(".*partial"))


def test_an_export_through_a_link_writes_its_target_and_keeps_the_link(with_claim, tmp_path):
    link = tmp_path / "latest.csv"
    link.symlink_to("verdicts-2026.csv")  # not there yet
    assert workbench("--db", str(with_claim), "export", str(link)).returncode == 0
    assert link.is_symlink() and os.readlink(link) == "verdicts-2026.csv"
    assert (tmp_path / "verdicts-2026.csv").read_text(encoding="utf-8-sig").startswith("claim_id,claim,")
    loop = tmp_path / "loop.csv"
    loop.symlink_to("loop.csv")
    line = one_line(workbench("--db", str(with_claim), "export", str(loop)))
    assert line.startswith(f"error: {loop}: cannot write the export (")


def test_an_export_with_no_name_or_under_a_file(with_claim, tmp_path):
    assert one_line(workbench("--db", str(with_claim), "export", "")) == (
        "error: the export needs a file name, e.g. verdicts.csv"
    )
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    assert one_line(workbench("--db", str(with_claim), "export", str(blocker / "v.csv"))) == (
        f"error: {blocker / 'v.csv'}: the folder {blocker} is not a folder"
    )
    assert blocker.read_text() == "x"


def test_an_export_says_how_many_claims_it_wrote(with_claim, tmp_path):
    """Every claim goes into the CSV; only those with a human verdict into ClaimReview (none here)."""
    csv_done = workbench("--db", str(with_claim), "export", str(tmp_path / "v.csv"))
    json_done = workbench("--db", str(with_claim), "export", str(tmp_path / "v.json"), "--format", "claimreview")
    assert csv_done.stdout == f"wrote 1 claim(s) to {tmp_path / 'v.csv'}\n"
    assert json_done.stdout == f"wrote 0 claim(s) to {tmp_path / 'v.json'}\n"
    assert json.loads((tmp_path / "v.json").read_text()) == []


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "0"])
def test_a_bad_file_size_limit_is_named(with_claim, value):
    line = one_line(workbench("--db", str(with_claim), "claims", "list", env={"WORKBENCH_MAX_FILE_MB": value}))
    assert line.startswith(f"error: WORKBENCH_MAX_FILE_MB={value!r} ")


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--all"),
        ("reindex",),
        ("doctor",),
        ("export", "out.csv"),
        ("claims", "extract", "--save"),
        ("claims", "list"),
        pytest.param(("search", "Samarra"), marks=pytest.mark.real_model),  # loads the embedder before refusing
    ],
)
def test_a_command_on_a_path_with_no_database_refuses_and_creates_nothing(tmp_path, args):
    db = tmp_path / "typo.duckdb"
    line = one_line(workbench("--db", str(db), *args))
    assert line == f"error: {db}: no database here yet; import articles first (workbench --db {db} import …)"
    assert not db.exists() and not list(tmp_path.iterdir())


def test_check_of_an_unknown_claim_checks_nothing(with_claim):
    assert one_line(workbench("--db", str(with_claim), "check", "--claim", "1", "--claim", "7")) == (
        "error: no claim with id 7; nothing was checked"
    )


def test_a_claim_nothing_is_found_for_gets_a_verdict_and_the_others_are_still_checked(with_claim):
    """No article at all, so retrieval finds no passage: the claim is checked (not enough evidence, no evidence rows)
    and the claims after it too; `check --all` once stopped at the first such claim on an empty insert."""
    with open_store(with_claim) as store:
        claimbook.add_claim(store, "Rebels are 30 miles from Orlan")
    done = workbench("--db", str(with_claim), "check", "--all")
    assert done.returncode == 0, done.stderr
    assert [line.split(":")[:2] for line in done.stdout.splitlines()] == [
        ["claim 1", " not_enough_evidence (1.00) — Iran sent 2000 troops to Iraq  [no source takes a clear side"],
        ["claim 2", " not_enough_evidence (1.00) — Rebels are 30 miles from Orlan  [no source takes a clear side"],
    ]
    with open_store(with_claim) as store:
        checks = [store.latest_check(claim_id) for claim_id in (1, 2)]
        evidence = [store.check_evidence(c.check_id) for c in checks]
    assert [c.verdict for c in checks] == ["not_enough_evidence"] * 2 and evidence == [[], []]


def test_an_unknown_claim_or_article_id_is_named_by_every_command(with_claim):
    assert one_line(workbench("--db", str(with_claim), "factchecks", "matches", "--claim", "7")) == (
        "error: no claim with id 7"
    )
    assert one_line(workbench("--db", str(with_claim), "claims", "extract", "--article", "5", "--article", "9")) == (
        "error: no article with id 5, 9; nothing was proposed"
    )
    done = workbench("--db", str(with_claim), "claims", "extract")  # no articles at all: nothing to propose, said
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "no article body sentence to propose as a claim\n")


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_db_option_is_refused_not_read_as_the_default(tmp_path, value):
    """`--db "$DB"` with DB unset: the default database (data/workbench.duckdb) is never created or written."""
    done = workbench("--db", value, "claims", "add", "Iran sent 2000 troops", cwd=tmp_path)
    assert one_line(done) == "error: --db is empty: name the database file, or leave --db out for data/workbench.duckdb"
    assert list(tmp_path.iterdir()) == []


def test_demo_from_a_folder_that_is_no_demo_makes_no_database(tmp_path):
    db = tmp_path / "demo.duckdb"
    for folder in (tmp_path / "nothere", tmp_path):
        assert one_line(workbench("--db", str(db), "demo", "--folder", str(folder))) == (
            f"error: {folder}: not a demo folder (it needs an articles/ folder and a claims.csv file)"
        )
    assert list(tmp_path.iterdir()) == []


def test_demo_with_a_bad_claims_file_stores_nothing_and_loads_once_it_is_fixed(tmp_path):
    folder = tmp_path / "mydemo"
    shutil.copytree(REPO / "examples" / "articles", folder / "articles")
    claims = folder / "claims.csv"
    claims.write_text("claim,date\nRebels are 30 miles from Orlan,2031-02-30\n", encoding="utf-8")
    db = tmp_path / "demo.duckdb"
    assert one_line(workbench("--db", str(db), "demo", "--folder", str(folder), "--no-check")) == (
        f"error: {claims}: line 2: date '2031-02-30' is not YYYY-MM-DD"
    )
    with open_store(db) as store:
        assert (store.count_rows()["articles"], store.list_claims()) == (0, [])
    claims.write_text("claim,date\nRebels are 30 miles from Orlan,2031-02-28\n", encoding="utf-8")
    done = workbench("--db", str(db), "demo", "--folder", str(folder), "--no-check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"demo loaded into {db}: 5 articles, ") and "1 claims" in done.stdout


@pytest.mark.slow  # the hub name imports sentence-transformers before it fails
def test_a_stance_model_setting_that_loads_no_model_is_named(with_claim, tmp_path):
    empty = tmp_path / "no-model"
    empty.mkdir()
    for spec in ("no-such-model", str(empty), "cascade:,no-such-model"):
        line = one_line(workbench("--db", str(with_claim), "check", "--all", env={"WORKBENCH_STANCE_MODEL": spec}))
        assert line.startswith(f"error: WORKBENCH_STANCE_MODEL={spec!r}: no stance model loads from it ("), line
    with open_store(with_claim) as store:
        assert store.latest_check(1) is None


# DuckDB guesses a database's kind from its name unless told: "notes.json" was attached as an empty database in
# memory, so `claims add` said "added claim 1" and lost it.
@pytest.mark.parametrize("name", ["notes.duckdb", "notes.json", "notes.csv"])
def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path, name):
    notes = tmp_path / name
    notes.write_text('{"my": "notes"}\n')
    for args in (("claims", "list"), ("claims", "add", "Iran sent 2000 troops"), ("export", str(tmp_path / "v.csv"))):
        done = workbench("--db", str(notes), *args)
        assert one_line(done) == (
            f"error: {notes}: this file is not a DuckDB database (choose another file or move this one away)"
        )
        assert done.stdout == ""
    assert notes.read_text() == '{"my": "notes"}\n' and sorted(tmp_path.iterdir()) == [notes]


def test_a_folder_given_as_the_database(tmp_path):
    assert one_line(workbench("--db", str(tmp_path), "claims", "add", "Iran sent 2000 troops")) == (
        f"error: {tmp_path}: this is a folder, not a database file"
    )


def test_a_database_under_a_file_instead_of_a_folder(tmp_path):
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x")
    db = blocker / "desk.duckdb"
    assert one_line(workbench("--db", str(db), "claims", "add", "Iran sent 2000 troops")) == (
        f"error: {db}: {blocker} is a file, not a folder"
    )

"""A long `check --all` beside other work: it holds the database only for short moments, so another process adds
claims and searches meanwhile, and nothing anyone wrote is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import EXAMPLES, REPO, SEED_COMMENTS, SEED_PLAIN
from workbench import claimbook
from workbench.config import Settings
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.retrieval import search
from workbench.storage import open_store

pytestmark = [pytest.mark.real_model, pytest.mark.slow]  # `check --all` of the real CLI, real models

CLAIMS = 80
PLACES = ("Samarra", "Mosul", "Tikrit", "Baghdad", "Orlan", "Marovia", "Falluja", "Kirkuk")


def claim_texts(n: int) -> list[str]:
    """n distinct claims about the corpus's places (different figures make different claims)."""
    return [f"ISIS fighters were {10 + i // len(PLACES)} miles from {PLACES[i % len(PLACES)]}" for i in range(n)]


@pytest.fixture
def corpus(tmp_path, embedder) -> Settings:
    cfg = Settings(db_path=tmp_path / "long.duckdb")
    results = import_files([SEED_COMMENTS, SEED_PLAIN, EXAMPLES / "articles"], cfg, embedder)
    assert all(r.status == "imported" for r in results)
    with open_store(cfg.db_path) as store:
        for text in claim_texts(CLAIMS):
            assert claimbook.add_claim(store, text).created
    return cfg


def test_check_all_lets_another_process_add_claims_and_search_meanwhile(corpus, embedder):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    verdicts = corpus.db_path.with_name("verdicts.json")  # a file, not a pipe: 80 checks fill a pipe's buffer
    checker = subprocess.Popen(
        [sys.executable, "-m", "workbench", "--db", str(corpus.db_path), "check", "--all", "--json"],
        cwd=REPO,
        env=env,
        stdout=verdicts.open("w"),
        stderr=subprocess.PIPE,
        text=True,
    )
    progress: list[str] = []
    started = threading.Event()

    def read_progress() -> None:
        for line in checker.stderr:
            progress.append(line.strip())
            if line.startswith("[1/"):
                started.set()

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    assert started.wait(timeout=300), progress  # the first claim is stored: the long part has begun

    with open_store(corpus.db_path) as store:
        vindex = load_vector_index(store, corpus, embedder)
    added, waits, checks_seen = [], [], []
    deadline = time.monotonic() + 600
    while checker.poll() is None:
        if time.monotonic() > deadline:
            checker.kill()
            pytest.fail(f"check --all still running after 10 minutes; last progress {progress[-1:]}")
        text = f"Marovia sent {len(added) * 100 + 7} troops to Orlan"
        opened = time.monotonic()
        with open_store(corpus.db_path) as store:
            waits.append(time.monotonic() - opened)
            added.append((claimbook.add_claim(store, text).claim_id, text))
        opened = time.monotonic()
        with open_store(corpus.db_path, read_only=True) as store:
            waits.append(time.monotonic() - opened)
            assert search(store, vindex, embedder, "Samarra distance from Baghdad", k=5)
            checks_seen.append(store.execute("SELECT count(*) FROM checks").fetchone()[0])
        time.sleep(0.2)
    reader.join(timeout=10)

    assert checker.returncode == 0, progress[-5:]
    assert len(json.loads(verdicts.read_text())) == CLAIMS
    assert len(progress) >= CLAIMS and progress[CLAIMS - 1].startswith(f"[{CLAIMS}/{CLAIMS}]")
    # The other process got its work done while the check was still storing verdicts, not after it.
    assert len(added) >= 5
    assert checks_seen[0] < CLAIMS and len(set(checks_seen)) >= 3, checks_seen
    with open_store(corpus.db_path, read_only=True) as store:
        assert store.execute("SELECT count(DISTINCT claim_id) FROM checks").fetchone()[0] == CLAIMS
        stored = {c.claim_id: c.text for c in store.list_claims()}
    assert all(stored.get(claim_id) == text for claim_id, text in added)  # every claim added meanwhile is kept
    print(f"\nlongest wait for the database during check --all: {max(waits):.2f} s over {len(waits)} opens")
    assert max(waits) < 5.0  # a lock held for the whole run would make these wait out the 10 s and fail


def test_check_all_killed_midway_keeps_every_stored_check_whole(corpus):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    checker = subprocess.Popen(
        [sys.executable, "-m", "workbench", "--db", str(corpus.db_path), "check", "--all"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in checker.stderr:
            if line.startswith("[5/"):
                break
    finally:
        checker.kill()  # SIGKILL: no cleanup runs
        checker.wait(timeout=30)
    with open_store(corpus.db_path) as store:
        checked = store.execute("SELECT count(*) FROM checks").fetchone()[0]
        per_check = store.execute(
            "SELECT c.check_id, count(e.passage_id) FROM checks c LEFT JOIN evidence e USING (check_id) GROUP BY ALL"
        ).fetchall()
        claims = store.execute("SELECT count(*) FROM claims").fetchone()[0]
    assert 5 <= checked < CLAIMS
    assert all(passages == 10 for _, passages in per_check), per_check  # each check stored whole, with its k=10
    assert claims == CLAIMS

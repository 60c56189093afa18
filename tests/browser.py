"""The app served as `make run` serves it and driven by headless Chromium, for the end-to-end tests (one server and
one browser per test session; tests/conftest.py makes the fixtures available everywhere).

The app runs in a subprocess on a free port against a copy of the session's demo database, checked with the
shipped stance model (the `stance_model` fixture, claims.stance.load_stance_model(None)), which the server loads
again for "Re-check". It waits at most LOCK_WAIT_S for a database another process holds, so a test can meet a busy
database quickly. Chromium is required: `make test` installs it (apt-get install -y chromium); without it these
tests fail rather than skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_database
from workbench.indexing import load_vector_index
from workbench.pipeline import check_claim
from workbench.storage import open_store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 120
WAIT_MS = 60_000
LOCK_WAIT_S = 2  # the app's wait for another process's lock; short, so a busy database shows quickly


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory, built_demo, embedder, stance_model):
    """A copy of the demo database checked with the shipped model, served as `make run` serves it (app_pages.serve);
    the server is always terminated."""
    cfg = copy_database(built_demo, tmp_path_factory.mktemp("e2e"))
    with open_store(cfg.db_path) as store:
        vindex = load_vector_index(store, cfg, embedder)
        for claim_id in range(1, 8):
            check_claim(store, vindex, embedder, stance_model, claim_id, k=25)
    port = free_port()
    env = {
        **os.environ,
        "WORKBENCH_DB": str(cfg.db_path),
        "WORKBENCH_LOCK_WAIT_S": str(LOCK_WAIT_S),
        "WORKBENCH_SECOND_REVIEWER": "1",  # the desk rule: a verdict is published once a second reviewer approves
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    log = (cfg.db_path.parent / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app_pages.serve",  # as `make run` serves it: `streamlit run streamlit_app.py` started sooner
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            # As `make run` serves it. With the watcher on, Streamlit watches the whole checkout (.venv included),
            # and under load its log filled with inotify queue overflows and re-scans of the tree.
            "--server.fileWatcherType",
            "none",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (cfg.db_path.parent / "streamlit.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"streamlit did not start within {START_TIMEOUT_S} s:\n{output}")
            time.sleep(0.5)
        yield url, cfg
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (`playwright install` cannot download here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (CI does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current run (its status widget says 'Running' meanwhile)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS)

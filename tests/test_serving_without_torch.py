"""With the default (ONNX) embedder, serving never imports torch: every reading and checking command of the CLI and
every page of the app, each run for real in a fresh interpreter on a copy of the demo, checked from sys.modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, copy_database

pytestmark = [pytest.mark.real_model, pytest.mark.slow]

TORCH_STACK = ("torch", "sentence_transformers", "transformers")
REPORT = "import sys, json; print(json.dumps(sorted(m for m in {stack!r} if m in sys.modules)), file=sys.stderr)"


def _run(code: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run code in a fresh interpreter; its output and the torch-stack modules it had imported at the end."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env, timeout=300
    )  # fmt: skip
    assert done.stderr.strip(), done
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def _cli(args: list[str], stack: tuple[str, ...], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run `workbench ARGS` in a fresh interpreter; its output and which of the stack's modules it had imported."""
    code = (
        f"import sys; from workbench.cli import main; sys.argv = ['workbench', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        + REPORT.format(stack=stack)
    )
    return _run(code, env)


@pytest.fixture
def demo(built_demo, tmp_path):
    return copy_database(built_demo, tmp_path)


@pytest.fixture
def serving_env(demo):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    return env | {"WORKBENCH_DB": str(demo.db_path), "HF_HUB_OFFLINE": "1"}


@pytest.mark.parametrize(
    "args",
    [
        ["search", "troops sent to the water works", "-k", "3"],
        ["evidence", "--claim", "1", "-k", "3"],
        ["check", "--claim", "1"],
        ["check", "--all"],
        ["claims", "add", "Marovia sent 2,000 troops to Tessar"],
        ["claims", "list"],
        ["claims", "extract", "--limit", "3"],
        ["export", "-"],
        ["export", "-", "--format", "claimreview"],
        ["doctor"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_cli_command_serves_without_torch(args, serving_env):
    done, imported = _cli(args, TORCH_STACK, serving_env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), f"workbench {' '.join(args)} printed nothing"
    assert imported == [], f"workbench {' '.join(args)} imported {imported}"


def test_importing_articles_serves_without_torch(serving_env, tmp_path):
    article = tmp_path / "report.txt"
    article.write_text("Orlan braces for the advance\n\nThe front line is 12 miles from Orlan, officials said.\n")
    done, imported = _cli(["import", str(article)], TORCH_STACK, serving_env)
    assert done.returncode == 0 and "1 article(s) and" in done.stdout, done.stderr[-2000:]
    assert imported == []


def test_every_page_of_the_app_and_a_check_serve_without_torch(serving_env):
    code = f"""
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(REPO / "streamlit_app.py")!r}, default_timeout=240).run()
assert not at.exception, at.exception
for page in ("app_pages/claims.py", "app_pages/sources.py", "app_pages/export.py"):
    at.switch_page(page).run()
    assert not at.exception, (page, at.exception)
at.session_state["claim_id"] = 3
at.switch_page("app_pages/claim.py").run()
at.button(key="claim_check").click().run()
assert not at.exception, at.exception
assert at.metric[0].value != "not checked", at.metric[0].value
print("checked", at.metric[0].value)
""" + REPORT.format(stack=TORCH_STACK)
    done, imported = _run(code, serving_env)
    assert done.returncode == 0 and "checked" in done.stdout, done.stderr[-3000:]
    assert imported == []


# What `search` and `check` once paid for at start and never use (README's Performance, cold starts): pint (0.55-0.6 s;
# unit base values come from claims/quantities/units.json), and article parsing and fetching (about 0.2 s).
START_COSTS = ("pint", "workbench.claimbook", "workbench.documents", "workbench.fetching", "urllib3")


@pytest.mark.parametrize("args", [["search", "30 miles from Baghdad", "-k", "3"], ["check", "--claim", "1"]])
def test_search_and_check_start_without_what_they_do_not_use(args, serving_env):
    done, imported = _cli(args, START_COSTS, serving_env)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-2000:]
    assert imported == [], f"workbench {' '.join(args)} imported {imported}"

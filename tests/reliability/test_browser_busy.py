"""In a real browser: a reviewer saves a verdict while another process holds the database. The save is refused in
one line, the text survives, and once the file is free the same text is saved."""

from __future__ import annotations

import pytest

from tests.browser import WAIT_MS, wait_idle
from tests.conftest import lock_held
from workbench import review
from workbench.storage import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a streamlit server and Chromium

RATIONALE = "Tessaly's ministry and two wire services give 500 million; nobody reports a different figure."


def test_a_verdict_saved_while_the_database_is_busy_is_kept_and_saved_on_retry(server, browser):
    url, cfg = server
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{url}/claim?claim=2")
    page.get_by_role("heading", name="Agreeing").wait_for()
    page.get_by_label("Your name (reviewer)").fill("Farid")
    page.get_by_label("Your name (reviewer)").press("Enter")
    wait_idle(page)
    page.get_by_label("Rationale").fill(RATIONALE)

    with lock_held(cfg.db_path, 120):
        page.get_by_role("button", name="Save verdict").click()
        page.get_by_text("busy in another process").first.wait_for()
        wait_idle(page)
        assert page.get_by_role("button", name="Try again").is_visible()
    with open_store(cfg.db_path) as store:
        assert review.get_review(store, 2).version == 0  # nothing was half-saved

    page.get_by_role("button", name="Try again").click()
    page.get_by_label("Rationale").wait_for()
    wait_idle(page)
    assert page.get_by_label("Rationale").input_value() == RATIONALE
    page.get_by_role("button", name="Save verdict").click()
    page.get_by_text("Saved (version 1).").wait_for()
    page.close()
    with open_store(cfg.db_path) as store:
        stored = review.get_review(store, 2)
    assert (stored.rationale, stored.reviewer, stored.version) == (RATIONALE, "Farid", 1)

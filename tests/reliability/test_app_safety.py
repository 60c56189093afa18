"""The app under a busy database and hostile links: typed text is never lost, errors are one line, never a
traceback. Real DuckDB files; the lock is held by another real process."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.components import md
from tests.conftest import EXAMPLES, lock_held
from tests.test_pages import APP, open_page, plain
from workbench import review
from workbench.errors import StorageError
from workbench.storage import open_store

SAVE = "FormSubmitter:claim_verdict_form_1-Save verdict"
TYPED = "Riverside's 80 km contradicts the other outlets; two wire reports agree on 60 km."


@pytest.fixture
def short_wait(monkeypatch):
    """Wait a third of a second for a lock instead of ten, so a held lock is met quickly."""
    monkeypatch.setenv("WORKBENCH_LOCK_WAIT_S", "0.3")


def test_a_verdict_saved_while_another_process_holds_the_database_keeps_the_text(db, short_wait):
    at = open_page("app_pages/claim.py", claim_id=1, reviewer="alice")
    at.text_area(key="claim_rationale_1").input(TYPED)
    at.selectbox(key="claim_human_verdict_1").set_value("supported")
    with lock_held(db.db_path, 60):
        at.button(key=SAVE).click().run()
        assert not at.exception
        assert len(at.error) == 1 and "busy in another process" in plain(at.error[0].value)
        at.run()  # still busy: another run that stops early must not forget the form either
        assert not at.exception and "busy" in plain(at.error[0].value)
    with open_store(db.db_path) as store:
        assert review.get_review(store, 1).version == 0  # nothing half-saved
    at.button(key="page_retry").click().run()
    assert at.text_area(key="claim_rationale_1").value == TYPED
    assert at.selectbox(key="claim_human_verdict_1").value == "supported"
    at.button(key=SAVE).click().run()
    assert at.success[0].value == "Saved (version 1)."
    with open_store(db.db_path) as store:
        saved = review.get_review(store, 1)
    assert (saved.rationale, saved.human_verdict, saved.reviewer) == (TYPED, "supported", "alice")


def test_a_save_refused_by_the_database_says_so_and_keeps_the_form(db, short_wait, monkeypatch):
    at = open_page("app_pages/claim.py", claim_id=1, reviewer="alice")
    at.text_area(key="claim_rationale_1").input(TYPED)

    real_save, refusals = review.save_review, []

    def busy_once(*args, **kwargs):
        if not refusals:
            refusals.append(args)
            raise StorageError(f"{db.db_path}: the database is busy in another process for over 0 s; try again")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(review, "save_review", busy_once)  # the page opened fine; only the save meets the lock
    at.button(key=SAVE).click().run()
    assert not at.exception
    assert plain(at.error[0].value).startswith("Not saved: ") and "press Save verdict again" in at.error[0].value
    assert at.text_area(key="claim_rationale_1").value == TYPED
    at.button(key=SAVE).click().run()
    assert at.success[0].value == "Saved (version 1)."


def test_a_claim_added_while_the_database_is_busy_is_kept_and_added_on_retry(db, short_wait):
    at = open_page()
    text = "Marovia flew 14 jets over Orlan on 3 March"
    at.text_area(key="claims_add_text").input(text)
    with lock_held(db.db_path, 60):
        at.button(key="FormSubmitter:claims_add_form-Add claim").click().run()
        assert not at.exception and "busy in another process" in plain(at.error[0].value)
    at.button(key="page_retry").click().run()
    assert at.text_area(key="claims_add_text").value == text
    at.button(key="FormSubmitter:claims_add_form-Add claim").click().run()
    assert at.success[0].value.startswith("Added claim #")
    assert at.text_area(key="claims_add_text").value == ""  # emptied only once stored
    with open_store(db.db_path) as store:
        assert text in [c.text for c in store.list_claims()]


@pytest.mark.parametrize("linked", ["abc", "0", "-5", "1.5", "99999999999999999999", "１", ""])
def test_a_bad_claim_link_shows_the_first_claim_with_one_line(db, linked):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["claim"] = linked
    at.run()
    at.switch_page("app_pages/claim.py").run()
    at.query_params["claim"] = linked
    at.run()
    assert not at.exception
    assert "#1 " in "".join(h.value for h in at.get("html"))
    assert [w.value for w in at.warning] == [
        f"The link's claim id {plain_repr(linked)} is not a claim number; showing claim #1."
    ]


def plain_repr(value: str) -> str:
    return md(repr(value))


def test_a_link_to_a_missing_claim_says_so(db):
    at = open_page("app_pages/claim.py", claim_id=999)
    assert [e.value for e in at.error] == ["No claim with id 999."]


def test_a_file_that_is_not_a_database_is_named_not_called_busy(tmp_path, monkeypatch):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("these are my notes, not a database\n")
    monkeypatch.setenv("WORKBENCH_DB", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [
        f"{bad}: this file is not a DuckDB database (choose another file or move this one away)"
    ]
    assert bad.read_text() == "these are my notes, not a database\n"


def test_an_upload_with_a_name_over_255_bytes_imports(db):
    at = open_page("app_pages/sources.py")
    name = "é" * 200 + ".txt"  # 404 bytes: no file system stores that name
    body = (EXAMPLES / "articles" / "04_valley_forum.txt").read_bytes().replace(b"Valley Forum", b"Long Name Gazette")
    at.file_uploader(key="sources_upload").set_value([(name, body + b"\nOne more paragraph.\n", "text/plain")])
    at.run()
    at.button(key="sources_import").click().run()
    assert not at.exception
    assert "1 imported, 0 skipped, 0 failed" in [m.value for m in at.markdown]


def test_a_page_that_fails_shows_one_line_and_keeps_the_form_for_the_next_run(db, monkeypatch):
    import claims.verdicts

    at = open_page("app_pages/claim.py", claim_id=1, reviewer="alice")
    at.text_area(key="claim_rationale_1").input(TYPED)
    real, failures = claims.verdicts.counts_toward_verdict, []

    def fails_once(*args):
        if not failures:
            failures.append(args)
            raise RuntimeError("a defect in drawing the evidence")
        return real(*args)

    # The evidence columns are drawn before the verdict form: a defect there ends the run before the form is drawn.
    monkeypatch.setattr(claims.verdicts, "counts_toward_verdict", fails_once)
    at.button(key=SAVE).click().run()  # the save is never reached: the run fails above the form
    assert not at.exception  # no traceback on the page
    assert [plain(e.value) for e in at.error] == [
        "Something went wrong on this page (RuntimeError). Reload the page to try again; the details are in the "
        "server log."
    ]
    at.run()
    assert at.text_area(key="claim_rationale_1").value == TYPED
    at.button(key=SAVE).click().run()
    assert at.success[0].value == "Saved (version 1)."

"""Every page of the app through Streamlit's AppTest, on copies of a checked demo database.

The database is the `db` fixture of tests/conftest.py, whose stance model is tests/fakes.py's UnsureStanceModel
(numbers alone take sides), so what the pages show is deterministic; the shipped model is exercised by the stance
tests.
"""

import csv
import io
import json
import re

from streamlit.testing.v1 import AppTest

from app_pages import resources
from tests.conftest import EXAMPLES, REPO
from workbench import review
from workbench.export import CSV_COLUMNS, build_verdicts_csv, load_verdicts
from workbench.storage import open_store

APP = str(REPO / "streamlit_app.py")


def open_page(page: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """Undo the backslash escapes the pages put on untrusted text in alerts and captions."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def html_bodies(at: AppTest) -> str:
    return "\n".join(h.value for h in at.get("html"))


def test_queue_lists_claims_with_machine_verdicts(db):
    at = open_page()
    assert [t.value for t in at.title] == ["Claims"]
    table = at.dataframe[0].value
    assert list(table["id"]) == [1, 2, 3, 4, 5, 6, 7]
    first = table.iloc[0]
    assert (first["machine verdict"], first["agreeing"], first["conflicting"]) == ("supported", 3, 1)
    assert first["status"] == "new"
    assert list(table["machine verdict"])[2:] == ["unchecked"] * 5


def test_open_claim_goes_to_the_claim_page(db):
    at = open_page()
    at.selectbox(key="claims_open_choice").set_value(2)
    at.button(key="claims_open").click().run()
    assert [t.value for t in at.title] == ["Claim"]
    assert "Rebels seized half a billion dollars" in html_bodies(at)


def test_queue_filters_by_verdict_status_outlet_and_text(db):
    at = open_page()
    at.multiselect(key="claims_filter_verdict").select("unchecked").run()
    assert list(at.dataframe[0].value["id"]) == [3, 4, 5, 6, 7]
    at.multiselect(key="claims_filter_verdict").unselect("unchecked").run()
    at.text_input(key="claims_filter_text").input("tessar").run()
    assert list(at.dataframe[0].value["id"]) == [2, 4, 5]
    at.text_input(key="claims_filter_text").input("").run()
    at.multiselect(key="claims_filter_outlet").select("Riverside Post").run()
    assert list(at.dataframe[0].value["id"]) == [1, 2]  # only checked claims cite outlets
    at.multiselect(key="claims_filter_outlet").unselect("Riverside Post").run()
    at.multiselect(key="claims_filter_status").select("verdict_given").run()
    assert not at.dataframe and "No claims match" in at.info[0].value


def test_add_a_claim_then_a_duplicate(db):
    at = open_page()
    at.text_area(key="claims_add_text").input("Marovia flew 12 jets over Orlan")
    at.date_input(key="claims_add_date").set_value("2031-03-18")
    at.button[0].click().run()  # the form's submit button
    assert at.success[0].value == "Added claim #8."
    assert 8 in list(at.dataframe[0].value["id"])
    at.text_area(key="claims_add_text").input("Marovia flew 12 jets over Orlan.")
    at.button[0].click().run()
    assert at.info[0].value == "Already stored as claim #8."


def test_import_claims_csv_and_a_bad_one(db):
    at = open_page()
    at.file_uploader(key="claims_csv").set_value(
        ("more.csv", b"claim,date\nOrlan has 3 bridges,2031-03-20\n", "text/csv")
    )
    at.run()
    at.button(key="claims_csv_import").click().run()
    assert at.success[0].value == "1 claim(s) added, 0 already stored."
    at.file_uploader(key="claims_csv").set_value(("broken.csv", b"text\nno claim column\n", "text/csv"))
    at.run()
    at.button(key="claims_csv_import").click().run()
    assert "broken.csv" in plain(at.error[0].value) and "no 'claim' column" in plain(at.error[0].value)


def test_extract_claims_from_articles(db):
    at = open_page()
    at.multiselect(key="claims_extract_outlets").select("Northern Ledger").run()
    at.button(key="claims_extract_propose").click().run()
    proposals = at.session_state["claims_proposals"]
    assert proposals and all(p.article_id == 1 for p in proposals)
    assert all(p.reasons[0].startswith("model ") and 0 <= p.score <= 1 for p in proposals)  # the model's score, why
    at.button(key="claims_extract_save").click().run()
    assert "claim(s) saved" in at.success[0].value
    assert len(at.dataframe[-1].value) > 5 or at.session_state["claims_page"] == 1


def test_claim_page_shows_both_columns_numbers_and_folded_comments(db):
    at = open_page("app_pages/claim.py", claim_id=1)
    assert [m.value for m in at.metric][:4] == ["supported", "0.74", "3", "1"]
    assert [s.value for s in at.subheader][:2] == ["Agreeing", "Conflicting"]
    bodies = html_bodies(at)
    assert "<mark" in bodies and "80 km" in bodies  # the conflicting figure is marked
    shown = texts(at)
    assert any(t.startswith("≠ claim 30 miles (48.3 km) vs source about 80 km") for t in shown)
    assert any(t.startswith("= claim 30 miles (48.3 km) vs source 50 km (30 miles)") for t in shown)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Reader comments (") and "never counted" in label for label in labels)
    assert any(label.startswith("Discussing, no side (") and "never counted" in label for label in labels)
    assert any(label.startswith("Off topic or weak (") for label in labels)
    assert any("comment by" in h.value for h in at.get("html"))


def test_a_passage_its_article_outvotes_says_why_it_does_not_count(db, embedder):
    from tests.fakes import FiguresSideModel
    from workbench.indexing import load_vector_index
    from workbench.pipeline import check_claim

    # "The Red Ridge Front is 200 km from Orlan" and "Rebels shot down two government helicopters over Orlan"
    for claim_id, why in (
        (6, "Not counted: its article's own figures take the other side"),
        (7, "Not counted: its article's passage most about the claim only reports it"),
    ):
        with open_store(db.db_path) as store:
            vindex = load_vector_index(store, db, embedder)
            check_claim(store, vindex, embedder, FiguresSideModel(), claim_id, k=25)
        at = open_page("app_pages/claim.py", claim_id=claim_id)
        assert why in [w.value for w in at.warning], claim_id


def test_whole_article_opens_with_the_passage_marked(db):
    at = open_page("app_pages/claim.py", claim_id=1)
    at.toggle(key="claim_article_8").set_value(True).run()
    article = [h.value for h in at.get("html") if h.value.count("<br>") > 2]  # the whole text, paragraphs kept
    assert len(article) == 1 and article[0].count("<mark") == 1
    assert "Orlan braces as Red Ridge Front nears" in article[0]  # the article from its title on
    assert '3px">The Red Ridge Front advance stalled on Saturday near the village of Amsel' in article[0]
    assert "Source: https://riversidepost.example/world/orlan-braces" in [plain(c.value) for c in at.caption]


def test_article_text_is_escaped_never_rendered(db):
    with open_store(db.db_path) as store:
        store.execute("UPDATE passages SET text = '<script>alert(1)</script> 80 km **bold**' WHERE passage_id = 8")
    at = open_page("app_pages/claim.py", claim_id=1)
    bodies = html_bodies(at)
    assert "<script>" not in bodies and "&lt;script&gt;alert(1)&lt;/script&gt;" in bodies


def test_check_now_runs_the_pipeline(db):
    at = open_page("app_pages/claim.py", claim_id=3)
    assert at.info[0].value.startswith("This claim has not been checked yet")
    at.button(key="claim_check").click().run()
    assert not at.exception
    assert at.metric[0].value != "not checked"
    assert any("machine check #" in t for t in texts(at))


def test_review_workflow_and_history(db):
    at = open_page("app_pages/claim.py", claim_id=1)
    at.text_input(key="claim_reviewer").input("alice").run()
    at.radio(key="claim_status_1").set_value("in_review")
    at.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert at.success[0].value == "Saved (version 1)."
    at.radio(key="claim_status_1").set_value("verdict_given")
    at.selectbox(key="claim_human_verdict_1").set_value("conflicting")
    at.text_area(key="claim_rationale_1").input("Ledger says 30 miles, Riverside 80 km.")
    at.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert at.success[0].value == "Saved (version 2)."
    history = texts(at)
    assert any("alice changed status: new → in review" in t for t in history)
    assert any("alice changed status: in review → verdict given" in t for t in history)
    assert any("alice changed human verdict: — → conflicting" in t for t in history)
    with open_store(db.db_path) as store:
        stored = review.get_review(store, 1)
    assert (stored.status, stored.human_verdict, stored.reviewer, stored.version) == (
        "verdict_given",
        "conflicting",
        "alice",
        2,
    )


def test_saving_without_a_name_is_refused(db):
    at = open_page("app_pages/claim.py", claim_id=1)
    at.radio(key="claim_status_1").set_value("in_review")
    at.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert "enter your name" in at.error[0].value


def test_stale_write_is_detected_and_typed_text_kept(db):
    mine = open_page("app_pages/claim.py", claim_id=1, reviewer="alice")
    theirs = open_page("app_pages/claim.py", claim_id=1, reviewer="bob")
    theirs.selectbox(key="claim_human_verdict_1").set_value("supported")
    theirs.radio(key="claim_status_1").set_value("verdict_given")
    theirs.text_area(key="claim_rationale_1").input("Three outlets agree.")
    theirs.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert theirs.success[0].value == "Saved (version 1)."

    mine.text_area(key="claim_rationale_1").input("Riverside's 80 km contradicts it; keep looking.")
    mine.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert "Not saved: bob saved this claim" in mine.error[0].value
    assert mine.text_area(key="claim_rationale_1").value == "Riverside's 80 km contradicts it; keep looking."
    assert "Three outlets agree." in texts(mine)
    with open_store(db.db_path) as store:
        assert review.get_review(store, 1).rationale == "Three outlets agree."
    # Having seen theirs, saving again replaces it deliberately, and both texts stay in the history.
    mine.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert mine.success[0].value == "Saved (version 2)."
    with open_store(db.db_path) as store:
        rationales = [e.new_value for e in review.history(store, 1) if e.field == "rationale"]
    assert rationales == ["Riverside's 80 km contradicts it; keep looking.", "Three outlets agree."]


def test_marking_evidence_wrong_changes_the_verdict(db):
    at = open_page("app_pages/claim.py", claim_id=1, reviewer="carol")
    at.button(key="claim_fix_8_agrees").click().run()  # Riverside Post's 80 km passage
    assert at.success[0].value == "Passage 8 marked agrees."
    assert [m.value for m in at.metric][1:4] != ["0.74", "3", "1"]
    assert at.metric[3].value == "0"
    assert "corrected by carol" in texts(at)
    assert any("carol changed evidence:8: conflicts → agrees" in t for t in texts(at))
    assert any(t.startswith("The machine said: conflicts") for t in texts(at))


def test_a_correction_can_be_taken_back_to_the_machines_stance(db):
    at = open_page("app_pages/claim.py", claim_id=1, reviewer="carol")
    before = [m.value for m in at.metric][1:4]
    at.button(key="claim_fix_8_agrees").click().run()
    assert at.metric[3].value == "0"
    at.button(key="claim_undo_8").click().run()
    assert at.success[0].value == "Passage 8 is back to the machine's stance (conflicts)."
    assert [m.value for m in at.metric][1:4] == before
    assert "corrected by carol" not in texts(at)
    assert not [b for b in at.button if b.key == "claim_undo_8"]
    assert any("carol changed evidence:8: agrees → conflicts (machine)" in t for t in texts(at))


def test_sources_page_imports_files_and_reports_each(db):
    at = open_page("app_pages/sources.py")
    good = (EXAMPLES / "articles" / "04_valley_forum.txt").read_bytes().replace(b"Valley Forum", b"Hill Courier")
    at.file_uploader(key="sources_upload").set_value(
        [
            ("hill_courier.txt", good + b"\nA new paragraph so the text differs.\n", "text/plain"),
            ("empty.txt", b"", "text/plain"),
            ("data.bin", b"\x00\x01", "application/octet-stream"),
        ]
    )
    at.run()
    at.button(key="sources_import").click().run()
    assert not at.exception
    assert "1 imported, 0 skipped, 2 failed" in [m.value for m in at.markdown]
    assert plain(at.success[0].value).startswith("hill_courier.txt: imported")
    errors = [plain(e.value) for e in at.error]
    assert any(e.startswith("empty.txt: failed") for e in errors)
    assert any(e.startswith("data.bin: failed") and "unsupported file type" in e for e in errors)


def test_sources_page_tags_credibility_and_browses_passages(db):
    at = open_page("app_pages/sources.py")
    outlets = at.dataframe[0].value
    assert list(outlets["credibility"]) == ["unknown"] * 5
    at.selectbox(key="sources_outlet").set_value("Riverside Post").run()
    at.radio(key="sources_credibility_Riverside Post").set_value("not_credible")
    at.button(key="sources_credibility_save").click().run()
    assert "not credible" in list(at.dataframe[0].value["credibility"])
    with open_store(db.db_path) as store:
        assert review.queue(store)[0].confidence > 0.737  # the conflicting source now weighs less
    at.selectbox(key="sources_article").set_value(4).run()
    tabs = [t.label for t in at.tabs]
    assert tabs[0].startswith("Article body (") and tabs[1] == "Reader comments (3)"
    assert any("not a source" in c.value for c in at.caption)


def test_export_page_offers_both_downloads_and_the_csv_is_safe(db):
    with open_store(db.db_path) as store:
        review.save_review(
            store,
            2,
            0,
            {"status": "verdict_given", "human_verdict": "refuted", "rationale": '=HYPERLINK("http://evil")'},
            "@mallory",
        )
        rows = list(csv.reader(io.StringIO(build_verdicts_csv(load_verdicts(store)).decode("utf-8-sig"))))
    at = open_page("app_pages/export.py")
    assert [b.label for b in at.get("download_button")] == ["Download verdicts CSV", "Download ClaimReview JSON-LD"]
    assert "7 claims, 1 with a human verdict." in [m.value for m in at.markdown]
    header, second = rows[0], rows[2]
    assert header == list(CSV_COLUMNS)  # the columns themselves are spelled out in tests/test_export.py
    assert second[5:10] == ["refuted", "verdict given", "'@mallory", "", '\'=HYPERLINK("http://evil")']


def test_check_now_with_the_shipped_stance_model(db, monkeypatch):
    from claims import stance

    monkeypatch.undo()  # the real loader, not the fake of the db fixture
    monkeypatch.setenv("WORKBENCH_DB", str(db.db_path))
    resources.stance_model.clear()
    shipped = stance.load_stance_model(None)
    at = open_page("app_pages/claim.py", claim_id=3)
    at.button(key="claim_check").click().run()
    assert not at.exception and not at.error
    assert at.metric[0].value in {"supported", "refuted", "conflicting", "not enough evidence"}
    assert any(f"stance model {shipped.model_id}" in plain(c.value) for c in at.caption)
    resources.stance_model.clear()


def test_a_second_reviewer_approves_or_sends_back_a_verdict(db, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SECOND_REVIEWER", "1")
    at = open_page("app_pages/claim.py", claim_id=1)
    at.text_input(key="claim_reviewer").input("alice").run()
    at.radio(key="claim_status_1").set_value("verdict_given")
    at.selectbox(key="claim_human_verdict_1").set_value("conflicting")
    at.text_area(key="claim_rationale_1").input("Ledger says 30 miles, Riverside 80 km.")
    at.button(key="FormSubmitter:claim_verdict_form_1-Save verdict").click().run()
    assert at.success[0].value == "Saved (version 1). It awaits a second reviewer's approval."
    assert any("Awaiting approval" in m.value and "given by alice" in m.value for m in at.markdown)
    at.button(key="claim_approve_1").click().run()
    assert "alice gave this verdict; a different reviewer approves it or sends it back" in plain(at.error[0].value)
    at.text_input(key="claim_reviewer").input("bob").run()
    at.button(key="claim_approve_1").click().run()
    assert not at.exception and at.success[0].value == "Approved (version 2)."
    assert any("bob approved" in t for t in texts(at))
    assert any("verdict by alice, approved by bob at" in c.value for c in at.caption)
    assert at.radio(key="claim_status_1").value == "verdict_given"

    at.switch_page("app_pages/claim.py").run()
    at.number_input(key="claim_pick").set_value(2).run()
    at.radio(key="claim_status_2").set_value("verdict_given")
    at.selectbox(key="claim_human_verdict_2").set_value("supported")
    at.button(key="FormSubmitter:claim_verdict_form_2-Save verdict").click().run()  # as bob
    at.text_input(key="claim_reviewer").input("carol").run()
    at.button(key="claim_send_back_2").click().run()
    assert "say why the verdict goes back" in plain(at.error[0].value)
    at.text_area(key="claim_approval_note_2").input("Check the second source first.")
    at.button(key="claim_send_back_2").click().run()
    assert at.success[0].value == "Sent back (version 2)."
    assert any("carol sent back: Check the second source first." in t for t in texts(at))
    assert at.radio(key="claim_status_2").value == "in_review"

    with open_store(db.db_path) as store:
        records = load_verdicts(store)
    export = open_page("app_pages/export.py")
    assert any("the 1 verdict(s) a second reviewer approved" in c.value for c in export.caption)
    assert [r.row.claim_id for r in records if r.row.approved_by] == [1]


def test_earlier_fact_checks_are_imported_proposed_and_confirmed_in_the_app(db):
    bank = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": "Rebels looted two billion crowns from the central bank in Tessar",
        "url": "https://checks.example/tessar-bank",
        "publisher": {"@type": "Organization", "name": "Example Checks"},
        "reviewRating": {"@type": "Rating", "alternateName": "Mostly true"},
    }
    at = open_page("app_pages/sources.py")
    at.file_uploader(key="sources_factchecks").set_value(
        [("checks.json", json.dumps([bank]).encode(), "application/json"), ("bad.json", b"[1,", "application/json")]
    )
    at.run()
    at.button(key="sources_factchecks_import").click().run()
    assert "bad.json: not JSON" in plain(at.error[0].value)  # one bad file: nothing is imported
    good = ("checks.json", json.dumps([bank]).encode(), "application/json")
    at.file_uploader(key="sources_factchecks").set_value([good])
    at.run()
    at.button(key="sources_factchecks_import").click().run()
    assert not at.exception
    assert at.success[-1].value.startswith("1 fact-check(s) imported (0 already there);")
    with open_store(db.db_path) as store:
        proposed = {m.claim_id for c in store.list_claims() for m in store.claim_matches(c.claim_id)}
    assert proposed  # the demo's bank claim repeats it
    claim_id = min(proposed)
    page = open_page("app_pages/claim.py", claim_id=claim_id)
    assert any("Example Checks rated it **Mostly true**" in m.value for m in page.markdown)
    page.button(key=f"claim_match_yes_{claim_id}_factcheck_1").click().run()
    assert "enter your name" in plain(page.error[0].value)
    page.text_input(key="claim_reviewer").input("ann").run()
    page.button(key=f"claim_match_yes_{claim_id}_factcheck_1").click().run()
    assert any(s.value.startswith("Confirmed by ann: Example Checks rated it") for s in page.success)
    assert any("ann confirmed earlier fact-check #1 as the same claim (was proposed)" in t for t in texts(page))

"""End to end in headless Chromium: import through the uploader and from links, open a claim, record a verdict, have
a second reviewer approve it, download the CSV.

The server and browser fixtures are in tests/browser.py. Screenshots of the main pages go to a temporary folder,
or to docs/screenshots/ (the README's pictures) when WORKBENCH_SCREENSHOTS=docs/screenshots is set, so a test run
never dirties the tree.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from tests.browser import WAIT_MS, wait_idle
from tests.webserver import serving
from workbench import review
from workbench.storage import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a streamlit server and Chromium

SCREENSHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(os.environ.get("TMPDIR", "/tmp")) / "wb-screens"))


def test_import_review_and_export_in_a_real_browser(server, browser, tmp_path):
    url, cfg = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)

    # Sources: upload an article through the file uploader.
    article = tmp_path / "hill_courier.md"
    article.write_text(
        "---\ntitle: Orlan counts its bridges\noutlet: Hill Courier\nurl: https://hill.example/bridges\n---\n\n"
        "Orlan has three bridges over the Kessel, the city engineer said on Sunday, and all of them are open.\n",
        encoding="utf-8",
    )
    page.goto(f"{url}/sources")
    page.get_by_role("heading", name="Sources").wait_for()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(article))
    page.get_by_role("button", name="Import 1 file(s)").click()
    page.get_by_text("hill_courier.md: imported").wait_for()
    wait_idle(page)

    # Sources: a web page link and a feed, from a local HTTP server.
    with serving() as web:
        page.get_by_label("Web page links, one per line").fill(f"{web}/moved\n{web}/nowhere")
        page.get_by_label("RSS or Atom feed (imports each entry not fetched before)").fill(f"{web}/atom.xml")
        page.get_by_role("button", name="Fetch and import").click()
        page.get_by_text(f"{web}/moved: imported").wait_for()
        page.get_by_text(f"{web}/nowhere: failed — HTTP 404 Not Found").wait_for()
        wait_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "sources.png"), full_page=True)

    # Sources: an earlier fact-check of claim 1, as ClaimReview JSON-LD.
    review_file = tmp_path / "earlier.json"
    review_file.write_text(json.dumps({
        "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://checks.example/orlan-30-miles",
        "claimReviewed": "The Red Ridge Front is now 30 miles from the capital Orlan",
        "publisher": {"@type": "Organization", "name": "Example Checks"},
        "reviewRating": {"@type": "Rating", "alternateName": "Half true"},
    }), encoding="utf-8")  # fmt: skip
    page.locator("summary").filter(has_text="Earlier fact-checks (ClaimReview JSON-LD)").click()
    page.get_by_text("ClaimReview files", exact=True).wait_for()
    expander = page.get_by_test_id("stExpanderDetails").filter(has=page.get_by_text("ClaimReview files", exact=True))
    expander.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(review_file))
    page.get_by_role("button", name="Import 1 ClaimReview file(s)").click()
    page.get_by_text("1 fact-check(s) imported (0 already there)").wait_for()
    wait_idle(page)

    # Claims: the queue.
    page.goto(url)
    page.get_by_role("heading", name="Review queue").wait_for()
    page.get_by_text("7 claim(s)").wait_for()
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    wait_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "claims.png"), full_page=True)

    # Claim 1, opened from the queue: both evidence columns, then a verdict.
    page.get_by_role("button", name="Open claim").click()
    page.wait_for_url("**/claim?claim=1")
    page.get_by_role("heading", name="Agreeing").wait_for()
    page.get_by_role("heading", name="Conflicting").wait_for()
    # Riverside Post's "about 80 km" conflicts with "30 miles" whatever the model says: the number check decides.
    conflicting = page.locator("[data-testid='stColumn']").filter(has=page.get_by_role("heading", name="Conflicting"))
    conflicting.get_by_text("about 80 km north of Orlan").first.wait_for()
    page.get_by_role("heading", name="Earlier fact-checks").wait_for()
    page.get_by_text("Example Checks rated it").first.wait_for()
    page.get_by_role("button", name="Re-check").click()
    page.get_by_text("machine check #8").wait_for()  # seven checks were stored before the server started
    wait_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "claim.png"), full_page=True)
    page.get_by_label("Your name (reviewer)").fill("Erin")
    page.get_by_label("Your name (reviewer)").press("Enter")
    wait_idle(page)
    page.get_by_text("verdict given", exact=True).click()
    page.get_by_role("combobox", name="Human verdict").click()
    page.get_by_role("option", name="conflicting").click()
    page.get_by_label("Rationale").fill("Ledger and Forum say 30 miles; Riverside Post says 80 km.")
    page.get_by_role("button", name="Save verdict").click()
    page.get_by_text("Saved (version 1). It awaits a second reviewer's approval.").wait_for()
    page.get_by_text("Erin changed human verdict: — → conflicting").wait_for()
    # The desk rule is on (tests/browser.py): Erin cannot approve her own verdict; Femi does.
    page.get_by_role("button", name="Approve verdict").click()
    page.get_by_text("Erin gave this verdict; a different reviewer approves it or sends it back").wait_for()
    page.get_by_label("Your name (reviewer)").fill("Femi")
    page.get_by_label("Your name (reviewer)").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Approve verdict").click()
    page.get_by_text("Approved (version 2).").wait_for()
    page.get_by_role("button", name="Same claim").first.click()
    page.get_by_text("Confirmed by Femi: Example Checks rated it").wait_for()
    page.get_by_text("Femi approved").wait_for()
    wait_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "claim-verdict.png"), full_page=True)

    # Export: the CSV the button serves.
    page.goto(f"{url}/export")
    page.get_by_text("7 claims, 1 with a human verdict.").wait_for()
    wait_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "export.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download verdicts CSV").click()
    saved = tmp_path / "verdicts.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "verdicts.csv"
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 8
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["claim"] == "The Red Ridge Front is 30 miles from Orlan"
    assert (first["human_verdict"], first["status"], first["reviewer"]) == ("conflicting", "verdict given", "Erin")
    assert first["approved_by"] == "Femi"
    assert "Example Checks | Half true |" in first["earlier_factchecks"]
    assert first["rationale"] == "Ledger and Forum say 30 miles; Riverside Post says 80 km."
    assert first["machine_verdict"] in {"supported", "refuted", "conflicting", "not enough evidence"}
    assert "Riverside Post" in first["conflicting_evidence"]
    page.close()
    with open_store(cfg.db_path) as store:
        stored = review.get_review(store, 1)
    assert (stored.human_verdict, stored.reviewer, stored.approved_by, stored.version) == (
        "conflicting",
        "Erin",
        "Femi",
        2,
    )

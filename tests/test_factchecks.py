"""Earlier fact-checks: ClaimReview JSON-LD read in every published shape, stored once, matched against claims with
the real embedder, confirmed or rejected by a reviewer (in the history), and carried by both exports."""

import json

import pytest
from typer.testing import CliRunner

from workbench import claimbook, factchecks, review
from workbench.cli import app
from workbench.errors import IngestError, ReviewError
from workbench.export import build_claimreview, build_verdicts_csv, load_verdicts
from workbench.factcheck_eval import evaluate_matching, load_match_pairs
from workbench.storage import open_store

BANK = {
    "@type": "ClaimReview",
    "claimReviewed": "ISIS militants stole $500 million from Mosul's central bank",
    "url": "https://factcheck.example/mosul-bank",
    "publisher": {"@type": "Organization", "name": "Example Checks"},
    "datePublished": "2014-06-20",
    "reviewRating": {"@type": "Rating", "alternateName": "Mostly false", "ratingValue": "2", "bestRating": "5",
                     "worstRating": "1"},
}  # fmt: skip
FIVE_BILLION = {
    "@type": "ClaimReview",
    "claimReviewed": "ISIS took $5 billion from banks in Mosul",
    "publisher": "Other Desk",
    "reviewRating": {"alternateName": "False"},
    "datePublished": "2014-06-21",
}
OLD = {
    "@type": "ClaimReview",
    "claimReviewed": "ISIS seized half a billion dollars from Mosul banks",
    "publisher": "Archive Desk",
    "datePublished": "2009-01-01",
    "reviewRating": {"alternateName": "True"},
}


def write(tmp_path, name: str, data) -> object:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "shape",
    [
        [BANK | {"@context": "https://schema.org"}, FIVE_BILLION | {"@context": "http://schema.org/"}],
        {"@context": "https://schema.org", "@graph": [BANK, {"@type": "WebPage", "name": "x"}, FIVE_BILLION]},
        {
            "@context": {"@vocab": "https://schema.org/"},
            "@graph": [BANK, FIVE_BILLION | {"@type": "schema:ClaimReview"}],
        },
    ],
    ids=["array", "graph", "vocab"],
)
def test_every_published_shape_reads_the_same(tmp_path, shape):
    checks = factchecks.read_claimreview_file(write(tmp_path, "reviews.json", shape))
    assert [c.claim_text for c in checks] == [BANK["claimReviewed"], FIVE_BILLION["claimReviewed"]]
    bank = checks[0]
    assert (bank.rating, bank.rating_value, bank.best_rating, bank.worst_rating) == ("Mostly false", 2.0, 5.0, 1.0)
    assert (bank.publisher, bank.review_url, str(bank.review_date)) == (
        "Example Checks", "https://factcheck.example/mosul-bank", "2014-06-20")  # fmt: skip
    assert checks[1].publisher == "Other Desk" and checks[1].rating_value is None
    single = factchecks.read_claimreview_file(write(tmp_path, "one.json", BANK | {"@context": "schema.org"}))
    assert single[0].fingerprint == bank.fingerprint


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2", "not JSON (Expecting ',' delimiter at line 1, column 6)"),
        (json.dumps({"@context": "https://schema.org", "@type": "WebPage"}), "no ClaimReview objects in the file"),
        (json.dumps(BANK | {"@context": "https://example.org"}), "@context 'https://example.org' is not schema.org"),
        (json.dumps([{"@context": "https://schema.org", "@type": "ClaimReview"}]), "item 1: ClaimReview without "
                                                                                     "claimReviewed"),
        (json.dumps(BANK | {"@context": "https://schema.org", "reviewRating": {"ratingValue": "two"}}),
         "ratingValue 'two' is not a number"),
        # Python's json reads NaN and an overflowing 1e400 (inf); neither is a rating, nor is true
        ('{"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "x",'
         ' "reviewRating": {"ratingValue": NaN}}', "ratingValue nan is not a number"),
        ('{"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "x",'
         ' "reviewRating": {"bestRating": 1e400}}', "bestRating inf is not a number"),
        (json.dumps(BANK | {"@context": "https://schema.org", "reviewRating": {"worstRating": True}}),
         "worstRating True is not a number"),
        (json.dumps(BANK | {"@context": "https://schema.org", "reviewRating": {"ratingValue": "Infinity"}}),
         "ratingValue 'Infinity' is not a number"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_line_naming_it(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        factchecks.read_claimreview_file(path)
    assert str(caught.value).startswith(str(path)) and problem in str(caught.value)


def test_a_rating_given_as_plain_text_is_its_name(tmp_path):
    shape = BANK | {"@context": "https://schema.org", "reviewRating": "Mostly true"}
    (check,) = factchecks.read_claimreview_file(write(tmp_path, "plain.json", shape))
    assert (check.rating, check.rating_value) == ("Mostly true", None)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2014-06-20T10:00:00Z", "2014-06-20"),
        ("Fri, 20 Jun 2014 10:00:00 GMT", "2014-06-20"),
        ("June 20, 2014", "2014-06-20"),
        ("Jun. 20, 2014", "2014-06-20"),
        ("20 June 2014", "2014-06-20"),
        ("last week", "None"),
        ("", "None"),
    ],
)
def test_publication_dates_as_sites_write_them(tmp_path, written, read):
    (check,) = factchecks.read_claimreview_file(
        write(tmp_path, "dated.json", BANK | {"@context": "https://schema.org", "datePublished": written})
    )
    assert str(check.review_date) == read


def test_a_review_of_several_claims_is_a_fact_check_for_each(tmp_path):
    both = [BANK["claimReviewed"], "  ", FIVE_BILLION["claimReviewed"], BANK["claimReviewed"]]
    checks = factchecks.read_claimreview_file(
        write(tmp_path, "two.json", BANK | {"@context": "https://schema.org", "claimReviewed": both})
    )
    assert [c.claim_text for c in checks] == [BANK["claimReviewed"], FIVE_BILLION["claimReviewed"]]
    assert {c.rating for c in checks} == {"Mostly false"} and len({c.fingerprint for c in checks}) == 2


def test_the_workbench_reads_its_own_claimreview_export(store_url, tmp_path):
    with open_store(store_url) as store:
        claimbook.add_claim(store, "The rebels are 30 miles from Orlan", claim_date="2031-03-15")
        review.save_review(store, 1, 0, {"status": "verdict_given", "human_verdict": "conflicting"}, "ann")
        exported = build_claimreview(load_verdicts(store))
    (check,) = factchecks.parse_claimreviews(tmp_path / "export.json", exported)
    assert (check.claim_text, check.rating, check.publisher) == ("The rebels are 30 miles from Orlan", "Mixed",
                                                                  "Claim workbench")  # fmt: skip


def test_matches_are_proposed_confirmed_and_exported(store_url, embedder, tmp_path):
    reviews = write(tmp_path, "reviews.json", {"@context": "https://schema.org", "@graph": [BANK, FIVE_BILLION, OLD]})
    with open_store(store_url) as store:
        claimbook.add_claim(store, "ISIS seized half a billion dollars in Mosul", claim_date="2014-06-15")
        claimbook.add_claim(store, "ISIS won")  # too short to match anything
        imported, proposed = factchecks.import_factchecks(store, embedder, [reviews], window_days=365)
        assert [(r.read, r.new) for r in imported] == [(3, 3)] and proposed == 1
        again, proposed_again = factchecks.import_factchecks(store, embedder, [reviews], window_days=365)
        assert [(r.read, r.new) for r in again] == [(3, 0)] and proposed_again == 0 and store.count_factchecks() == 3
        (match,) = factchecks.matches(store, 1)  # $500 million matches, $5 billion does not, 2009 is out of the window
        assert match.candidate.publisher == "Example Checks" and match.decision == "proposed"
        assert "same figures" in match.reason and factchecks.matches(store, 2) == []
        with pytest.raises(ReviewError, match="enter your name"):
            factchecks.decide(store, 1, "factcheck", match.candidate.match_id, "confirmed", " ")
        factchecks.decide(store, 1, "factcheck", match.candidate.match_id, "confirmed", "ann")
        assert factchecks.confirmed(store, 1)[0].reviewer == "ann"
        events = [(e.field, e.old_value, e.new_value, e.reviewer) for e in review.history(store, 1)]
        assert events == [(f"match:factcheck:{match.candidate.match_id}", "proposed", "confirmed", "ann")]
        review.save_review(store, 1, 0, {"status": "verdict_given", "human_verdict": "refuted"}, "ann")
        records = load_verdicts(store)
        factchecks.import_factchecks(store, embedder, [reviews])  # no window: the 2009 review is proposed too
        decisions = {m.candidate.publisher: m.decision for m in factchecks.matches(store, 1)}
        assert decisions == {"Example Checks": "confirmed", "Archive Desk": "proposed"}  # a decision is kept
    csv_text = build_verdicts_csv(records).decode("utf-8-sig")
    assert (
        "Example Checks | Mostly false | 2014-06-20 | https://factcheck.example/mosul-bank | ISIS militants" in csv_text
    )
    (published,) = json.loads(build_claimreview(records))
    assert published["isBasedOn"] == [
        {
            "@type": "ClaimReview",
            "claimReviewed": BANK["claimReviewed"],
            "url": BANK["url"],
            "author": {"@type": "Organization", "name": "Example Checks"},
            "reviewRating": {"@type": "Rating", "alternateName": "Mostly false"},
            "datePublished": "2014-06-20",
        }
    ]


def test_the_desks_own_reviewed_claims_are_candidates_too(store_url, embedder):
    with open_store(store_url) as store:
        claimbook.add_claim(store, "Iran sent 2000 troops to Iraq")
        review.save_review(store, 1, 0, {"status": "verdict_given", "human_verdict": "supported"}, "ann")
        added = claimbook.add_claim(store, "Tehran deployed two thousand soldiers to Iraq")
        assert factchecks.propose_matches(store, embedder, [added.claim_id]) == 1
        (match,) = factchecks.matches(store, added.claim_id)
        assert (match.candidate.kind, match.candidate.match_id, match.candidate.rating) == ("claim", 1, "supported")
        assert factchecks.matches(store, 1) == []  # the reviewed claim is not its own match
        factchecks.decide(store, added.claim_id, "claim", 1, "rejected", "bo")
        assert factchecks.matches(store, added.claim_id)[0].decision == "rejected"
        with pytest.raises(ReviewError, match="no proposed match factcheck 9"):
            factchecks.decide(store, added.claim_id, "factcheck", 9, "confirmed", "bo")


def test_matching_meets_its_mark_on_the_held_out_pairs(embedder):
    train, test = evaluate_matching(load_match_pairs(), embedder)
    assert (train.split, test.split) == ("train", "test") and train.pairs + test.pairs == 60
    # The threshold was chosen on train (F1 0.923); on test, measured once: P 0.760, R 1.000, F1 0.864.
    assert test.recall >= 0.9 and test.precision >= 0.7, test.misses


def test_the_cli_imports_fact_checks_and_lists_a_claims_matches(tmp_path, monkeypatch):
    db = str(tmp_path / "desk.duckdb")
    reviews = write(tmp_path, "reviews.json", [BANK | {"@context": "https://schema.org"}])
    runner = CliRunner()
    added = runner.invoke(app, ["--db", db, "claims", "add", "Militants looted $500m from banks in Mosul"])
    assert added.exit_code == 0 and "earlier fact-check" not in added.output  # nothing to match against yet
    imported = runner.invoke(app, ["--db", db, "factchecks", "import", str(reviews)])
    assert imported.exit_code == 0, imported.output
    assert imported.output.splitlines()[-1] == "1 fact-check(s) imported; 1 match(es) proposed"
    listed = json.loads(runner.invoke(app, ["--db", db, "factchecks", "matches", "--claim", "1", "--json"]).output)
    assert [(m["decision"], m["candidate"]["publisher"]) for m in listed] == [("proposed", "Example Checks")]
    second = runner.invoke(app, ["--db", db, "claims", "add", "ISIS stole half a billion dollars from Mosul's bank"])
    assert "1 earlier fact-check match(es) proposed; see workbench factchecks matches --claim 2" in second.output
    bad = runner.invoke(app, ["--db", db, "factchecks", "import", str(tmp_path / "missing.json")])
    assert bad.exit_code != 0 and "missing.json: no such file" in str(bad.exception)
    # the import's size cap is the one WORKBENCH_MAX_FILE_MB sets, as its message says
    big = write(tmp_path, "big.json", [BANK | {"@context": "https://schema.org", "reviewBody": "x" * 2000}])
    monkeypatch.setenv("WORKBENCH_MAX_FILE_MB", "0.001")
    refused = runner.invoke(app, ["--db", db, "factchecks", "import", str(big)])
    assert (
        refused.exit_code != 0
        and "big.json" in str(refused.exception)
        and "WORKBENCH_MAX_FILE_MB" in str(refused.exception)
    )
    monkeypatch.setenv("WORKBENCH_MAX_FILE_MB", "1")
    assert runner.invoke(app, ["--db", db, "factchecks", "import", str(big)]).exit_code == 0


def test_fact_checks_embedded_by_another_model_are_embedded_again_before_matching(
    store_url, embedder, hashing, tmp_path
):
    reviews = write(tmp_path, "reviews.json", [BANK | {"@context": "https://schema.org"}])
    with open_store(store_url) as store:
        factchecks.import_factchecks(store, hashing, [reviews])  # vectors of the fake model only
        added = claimbook.add_claim(store, "Militants looted $500m from banks in Mosul")
        assert factchecks.propose_matches(store, embedder, [added.claim_id]) == 1
        assert store.factchecks_without_vectors(embedder.model_id) == []

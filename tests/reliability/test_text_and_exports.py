"""Keyword text keeps numbers and words whole, old databases get it recomputed, exports pass only web links."""

from __future__ import annotations

import csv
import json
import time
from datetime import date, datetime

import duckdb
import pytest
from typer.testing import CliRunner

from claims.combine import number_check
from claims.numbers import find_numbers
from claims.quantities import find_quantities
from workbench import review
from workbench.cli import app
from workbench.config import Settings
from workbench.export import CitedEvidence, VerdictRecord, build_export, web_url
from workbench.fulltext import to_search_text
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.retrieval import search
from workbench.review import QueueRow
from workbench.storage import open_store
from workbench.storage.duckdb.connection import fts_extension_path
from workbench.storage.duckdb.migrations import MIGRATIONS, build_fulltext, migrate

# --- numbers in the search text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 000 francs", "3000 francs"),
        ("50 000", "50000"),
        ("3\u202f000", "3000"),  # narrow no-break space, the French typographic thousands separator
        ("12\u00a0500 soldats", "12500 soldats"),
        ("1 000 000 people", "1000000 people"),
        ("room 007", "room 007"),
        ("call 020 7946 0958", "call 020 7946 0958"),
        ("in 1999 200 people died", "in 1999 200 people died"),  # a year then a count: not one number
        ("4,523,000 people", "4523000 people"),
    ],
)
def test_numbers_stay_one_correct_token(text, expected):
    assert to_search_text(text) == expected


@pytest.mark.parametrize(("text", "word"), [("Zero", "Zero"), ("Ground Zero", "Zero"), ("net zero by 2050", "zero")])
def test_a_number_word_is_never_lost(text, word):
    assert word in to_search_text(text).split()
    assert "0" in to_search_text(text).split()


def test_the_number_check_reads_space_grouped_thousands_as_one_figure():
    assert [m.value for m in find_numbers("3 000 francs et 50\u202f000 euros")] == [3000, 50000]
    claim, narrow = "The army sent 3 000 soldiers to the border", "The army sent 3\u202f000 soldiers to the border"
    assert number_check(claim, "The army sent 3,000 soldiers to the border")[0] == "match"
    assert number_check(narrow, "It sent 5,000 soldiers to the border")[0] == "conflict"
    # written to the unit like "3,000", not rounded to thousands: 3,400 is another figure
    assert number_check(claim, "The army sent 3,400 soldiers to the border")[0] == "conflict"
    (protest,) = find_quantities("between 10 000 and 15 000 protesters marched")
    assert (protest.low, protest.high, protest.hedge) == (10_000, 15_000, "range")


# --- zero-width characters -----------------------------------------------------------------------------------

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_inside_words_are_dropped_for_search(char):
    assert to_search_text(f"Bag{char}hdad fell") == "Baghdad fell"


def test_keyword_search_finds_words_split_by_invisible_characters_and_keeps_the_text(tmp_path, hashing):
    cfg = Settings(db_path=tmp_path / "zw.duckdb")
    hidden = "The ambassador reached Kir\u200bkuk on Monday after the talks in Mo\u00adsul had failed."
    plain = "Officials in Ramadi said the convoy of trucks carrying grain arrived late on Sunday evening."
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(json.dumps({"title": f"Report {i}", "text": t}) for i, t in enumerate([hidden, plain])) + "\n",
        encoding="utf-8",
    )
    assert [r.status for r in import_files([feed], cfg, hashing)] == ["imported"]
    with open_store(cfg.db_path, read_only=True) as con:
        vindex = load_vector_index(con, cfg, hashing)
        kirkuk = search(con, vindex, hashing, "Kirkuk Mosul", k=5)
        # the query side goes through the same text: an invisible character typed in it changes nothing
        grain = search(con, vindex, hashing, "Ra\u200bmadi gr\u2060ain", k=5)
    assert kirkuk[0].text == hidden  # shown as imported, invisible characters and all
    assert kirkuk[0].bm25_rank == 1
    assert grain[0].text == plain and grain[0].bm25_rank == 1


# --- migration 7 ---------------------------------------------------------------------------------------------

OLD_ROWS = [  # passage text, the search text an import before migration 7 stored for it
    ("The fine was 3 000 francs.", "The fine was 3 0 francs."),
    ("He waited in room 007 with Zero today.", "He waited in room 7 with 0 today."),
    ("The road to Kir\u200bkuk was closed.", "The road to Kir\u200bkuk was closed."),
    ("Nothing to change here.", "Nothing to change here."),
]


def _v6_database(path, *, fulltext: bool) -> None:
    """A file as migration 6 left it, with passages whose search text the old to_search_text wrote."""
    con = duckdb.connect(str(path))
    con.execute(f"LOAD '{fts_extension_path()}'")
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")  # fmt: skip
    for version, name, step in MIGRATIONS[:6]:
        step(con)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    con.execute("INSERT INTO articles (content_hash, text, origin) VALUES ('h', 'x', 'old.txt')")
    for position, (text, old) in enumerate(OLD_ROWS):
        con.execute(
            "INSERT INTO passages VALUES (?, 1, ?, 'body', NULL, ?, 0, 1, ?)", [position + 1, position, text, old]
        )
    con.execute("INSERT INTO embeddings VALUES (1, 'm', [0.5, 0.5])")  # a row referencing a passage
    if fulltext:
        build_fulltext(con)
    con.close()


def test_migration_7_recomputes_search_text_and_the_full_text_index(tmp_path):
    db = tmp_path / "v6.duckdb"
    _v6_database(db, fulltext=True)
    with open_store(db, read_only=True) as con:
        assert con.bm25(to_search_text("3 000"), 5) == []  # the old index knows only "3" and "0"
    with open_store(db) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (len(MIGRATIONS),)
        stored = con.execute("SELECT text, search_text FROM passages ORDER BY passage_id").fetchall()
        assert stored == [(text, to_search_text(text)) for text, _ in OLD_ROWS]
        assert stored[0][1] == "The fine was 3000 francs."
        assert stored[1][1] == "He waited in room 007 with Zero 0 today."
        assert stored[2] == ("The road to Kir\u200bkuk was closed.", "The road to Kirkuk was closed.")
        assert [pid for pid, _ in con.bm25(to_search_text("3 000"), 5)] == [1]
        assert [pid for pid, _ in con.bm25(to_search_text("room 007"), 5)] == [2]
        assert [pid for pid, _ in con.bm25(to_search_text("Kirkuk"), 5)] == [3]
        assert con.execute("SELECT count(*) FROM embeddings").fetchone() == (1,)


def test_migration_7_on_a_database_without_a_full_text_index_builds_none(tmp_path):
    db = tmp_path / "v6-bare.duckdb"
    _v6_database(db, fulltext=False)
    with open_store(db) as con:
        assert con.execute("SELECT search_text FROM passages WHERE passage_id = 1").fetchone() == (
            "The fine was 3000 francs.",
        )
        assert not con.has_fulltext()


def test_migration_7_recomputes_many_passages_in_one_statement(tmp_path):
    db = tmp_path / "v6-many.duckdb"
    _v6_database(db, fulltext=False)
    con = duckdb.connect(str(db))
    # 20,000 passages: an UPDATE per row would take minutes; one joined UPDATE takes seconds.
    con.execute("""INSERT INTO passages SELECT 100 + i, 1, 100 + i, 'body', NULL,
                       'Row ' || i || ' cost 3 000 francs in room 007 today', 0, 1, 'old'
                   FROM range(20000) t(i)""")
    con.execute(f"LOAD '{fts_extension_path()}'")
    started = time.monotonic()
    assert migrate(con) == [v for v, _, _ in MIGRATIONS if v >= 7]
    elapsed = time.monotonic() - started
    fixed = con.execute("SELECT count(*) FROM passages WHERE search_text LIKE '% 3000 francs in room 007 today'")
    assert fixed.fetchone() == (20000,)
    con.close()
    assert elapsed < 60  # 0.6 s measured here; 50,000 news-length passages with the index rebuilt took 10.5 s


# --- exports -------------------------------------------------------------------------------------------------

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD4=",
    '=HYPERLINK("http://evil.example","x")',
    "=http://evil.example",
    "/relative/path",
    "www.example.com/no-scheme",
    "http://",
    "https://exa mple.com/space",
    "vbscript:msgbox(1)",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_only_web_urls_are_links(url):
    assert web_url(url) is None


@pytest.mark.parametrize("url", ["https://news.example/a?b=1#c", "http://example.org", "HTTPS://Example.org/X"])
def test_web_urls_pass_as_they_are(url):
    assert web_url(url) == url


def _record(appearances: tuple[str, ...], agreeing: tuple[CitedEvidence, ...] = ()) -> VerdictRecord:
    row = QueueRow(
        claim_id=1,
        text="The dam holds 3 000 cubic metres",
        claim_date=date(2031, 3, 1),
        verdict="supported",
        confidence=0.8,
        agreeing=len(agreeing),
        conflicting=0,
        status="verdict_given",
        human_verdict="supported",
        reviewer="ann",
        rationale="two sources",
        checked_at=datetime(2031, 3, 2),
        updated_at=datetime(2031, 3, 3),
        check_id=1,
        outlets=(),
    )
    return VerdictRecord(row, agreeing, (), appearances)


def test_claimreview_file_lists_only_http_appearances(tmp_path):
    good = "https://wire.example/dam"
    record = _record((*HOSTILE_URLS, good, good))
    out = tmp_path / "reviews.json"
    out.write_bytes(build_export([record, _record(tuple(HOSTILE_URLS))], "claimreview"))
    first, second = json.loads(out.read_text(encoding="utf-8"))
    assert first["itemReviewed"]["appearance"] == [{"@type": "CreativeWork", "url": good}]
    assert "appearance" not in second["itemReviewed"]  # nothing left to list: no empty list either


def test_csv_evidence_keeps_one_passage_per_line_whatever_the_title(tmp_path):
    agreeing = (
        CitedEvidence("Wire", "First line\nsecond line\r\nthird", "javascript:alert(1)", "The dam holds\n3 000 m3."),
        CitedEvidence("Daily\rPost", "Plain title", "https://daily.example/p", "It holds 3,000 cubic metres."),
    )
    out = tmp_path / "verdicts.csv"
    out.write_bytes(build_export([_record(("https://wire.example",), agreeing)], "csv"))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    cell = row[header.index("agreeing_evidence")]
    assert cell.split("\n") == [
        "Wire | First line second line third |  | The dam holds 3 000 m3.",
        "Daily Post | Plain title | https://daily.example/p | It holds 3,000 cubic metres.",
    ]


def test_cli_claimreview_export_drops_a_javascript_source_url(tmp_path, hashing):
    cfg = Settings(db_path=tmp_path / "x.duckdb")
    feed = tmp_path / "feed.jsonl"
    rows = [
        {
            "title": "Dam\nreport",
            "url": "javascript:alert(1)",
            "text": "The dam on the river holds 3 000 cubic metres.",
        },
        {"title": "Other", "url": "https://ok.example/a", "text": "A second article about the weather in the north."},
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [r.status for r in import_files([feed], cfg, hashing)] == ["imported"]
    with open_store(cfg.db_path) as con:
        ids = con.article_ids_by_url()
        for number, url in enumerate(["javascript:alert(1)", "https://ok.example/a"], start=1):
            con.insert_claim(
                f"claim {number}",
                f"claim {number}",
                claim_date=None,
                origin="extracted",
                source_article_id=ids[url],
            )
            review.save_review(con, number, 0, {"status": "verdict_given", "human_verdict": "supported"}, "ann")
    out = tmp_path / "reviews.json"
    result = CliRunner().invoke(app, ["--db", str(cfg.db_path), "export", str(out), "--format", "claimreview"])
    assert result.exit_code == 0, result.output
    reviews = {r["claimReviewed"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert "appearance" not in reviews["claim 1"]["itemReviewed"]
    assert reviews["claim 2"]["itemReviewed"]["appearance"] == [
        {"@type": "CreativeWork", "url": "https://ok.example/a"}
    ]

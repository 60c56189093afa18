"""Web pages and feeds in, from the real HTTP server of tests/webserver.py (127.0.0.1, started here)."""

import dataclasses
import time

import pytest
from typer.testing import CliRunner

from tests.webserver import ATOM, serving
from workbench.cli import app
from workbench.errors import IngestError
from workbench.feeds import parse_feed, read_feed
from workbench.fetching import HTML_TYPES, FetchLimits, fetch, is_url
from workbench.ingest import feed_links, import_files
from workbench.storage import open_store


@pytest.fixture(scope="module")
def server():
    with serving() as base:
        yield base


LIMITS = FetchLimits(timeout_s=1.5, max_bytes=64 * 1024)


@pytest.fixture
def web(settings):
    """Settings with the tight limits above (a 1.5 s deadline, a 64 KiB cap)."""
    return dataclasses.replace(settings, fetch_timeout_s=LIMITS.timeout_s, max_file_bytes=LIMITS.max_bytes)


def test_an_address_is_told_from_a_file_name():
    assert is_url("https://example.org/a") and is_url("HTTP://example.org") and is_url(" http://x.org/ ")
    assert not is_url("story.html") and not is_url("ftp://example.org/a") and not is_url("http:relative")


def test_a_redirect_is_followed_and_the_page_and_final_address_kept(server):
    got = fetch(f"{server}/moved", LIMITS, accept=HTML_TYPES)
    assert got.status == 200 and got.url == f"{server}/moved" and got.final_url == f"{server}/story.html"
    assert got.content_type == "text/html" and got.charset == "utf-8" and b"Families return" in got.body


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/nowhere", "HTTP 404 Not Found"),
        ("/loop-a", "redirect loop (/loop-a -> /loop-b -> /loop-a)"),
        ("/hop6", "more than 5 redirects"),
        ("/to-ftp", "redirected to ftp://127.0.0.1/file.txt, which is not an http(s) address"),
        ("/slow", "no answer within 1.5 s"),
        ("/trickle", "no complete answer within 1.5 s"),
        ("/huge", "the page is over the 0.062 MB limit (raise it with WORKBENCH_MAX_FILE_MB)"),
        ("/huge-declared", "the page is 10 MB, over the 0.062 MB limit"),
        ("/report.pdf", "not a page that can be imported (Content-Type application/pdf)"),
        ("/empty", "the server sent an empty page"),
    ],
)
def test_each_failure_is_one_line_naming_the_address_and_the_reason(server, path, reason):
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        fetch(f"{server}{path}", LIMITS, accept=HTML_TYPES)
    assert caught.value.path == f"{server}{path}"
    assert reason.replace("/loop", f"{server}/loop") in str(caught.value)
    assert "\n" not in str(caught.value)
    assert time.monotonic() - started < LIMITS.timeout_s + 1.0  # the deadline holds for slow and trickling servers


def test_a_server_that_is_not_there_is_named(server):
    with pytest.raises(IngestError, match=r"http://127\.0\.0\.1:9/x: cannot connect"):
        fetch("http://127.0.0.1:9/x", LIMITS, accept=HTML_TYPES)
    with pytest.raises(IngestError, match="only http and https"):
        fetch("file:///etc/passwd", LIMITS, accept=HTML_TYPES)


def test_pages_import_with_their_address_and_fetch_time_and_failures_leave_nothing(server, web, hashing, tmp_path):
    bad_file = tmp_path / "empty.txt"
    bad_file.write_text("")
    sources = [f"{server}/moved", f"{server}/latin1.html", f"{server}/nowhere", f"{server}/report.pdf", str(bad_file)]
    results = import_files(sources, web, hashing)
    assert [r.status for r in results] == ["imported", "imported", "failed", "failed", "failed"]
    assert results[0].path == f"{server}/moved" and results[2].message == "HTTP 404 Not Found"
    with open_store(web.db_path, read_only=True) as store:
        rows = store.execute(
            "SELECT a.origin, a.url, a.title, a.outlet, f.requested_url, f.final_url, f.content_type, f.fetched_at, "
            "a.text "
            "FROM articles a JOIN article_fetches f USING (article_id) ORDER BY a.article_id"
        ).fetchall()
        assert store.count_rows()["articles"] == 2
    (origin, url, title, outlet, requested, final, kind, fetched_at, _), latin = rows
    assert origin == requested == f"{server}/moved" and url == final == f"{server}/story.html"
    assert outlet == "127.0.0.1"  # the page names no site: its host
    assert title == "Families return to Basra" and kind == "text/html" and fetched_at is not None
    assert "Café in Basra" in latin[-1]  # the declared charset decoded it
    again = import_files([f"{server}/story.html"], web, hashing)  # the same page under its final address
    assert again[0].status == "skipped" and again[0].message == "already imported"


def test_a_feed_imports_each_new_entry_once(server, web, hashing):
    feed, new, known = feed_links(f"{server}/feed.xml", web)
    assert feed.title == "Basra Wire" and feed.skipped == 2  # one entry without a link, one repeating a link
    assert new == [f"{server}/story.html", f"{server}/story2.html"] and known == []  # a relative link resolved
    assert [r.status for r in import_files(new, web, hashing)] == ["imported", "imported"]
    feed, new, known = feed_links(f"{server}/feed.xml", web)
    assert new == [] and known == [f"{server}/story.html", f"{server}/story2.html"]
    _, new, known = feed_links(f"{server}/atom.xml", web)
    assert new == [] and known == [f"{server}/story.html"]


def test_a_page_imported_before_under_another_address_is_fetched_once(server, web, hashing):
    # A feed's link with a tracking query, to a story imported before: its text is stored, so no article is added,
    # and the address is remembered so that the next run of the feed does not fetch it again.
    assert import_files([f"{server}/story.html"], web, hashing)[0].status == "imported"
    tracked = f"{server}/story.html?utm_source=rss"
    with open_store(web.db_path) as store:
        assert store.fetched_urls([tracked]) == set()
    again = import_files([tracked], web, hashing)
    assert (again[0].status, again[0].message) == ("skipped", "already imported")
    with open_store(web.db_path, read_only=True) as store:
        assert store.fetched_urls([tracked, f"{server}/story2.html"]) == {tracked}
        assert store.count_rows()["articles"] == 1
        assert store.execute("SELECT requested_url, article_id FROM repeat_fetches").fetchall() == [(tracked, 1)]
    assert import_files([tracked], web, hashing)[0].status == "skipped"  # fetched again when asked by hand
    with open_store(web.db_path, read_only=True) as store:
        assert store.execute("SELECT count(*) FROM repeat_fetches").fetchone()[0] == 1  # remembered once


def test_a_feed_file_and_what_is_not_a_feed(server, tmp_path):
    saved = tmp_path / "wire.atom"
    saved.write_bytes(ATOM.replace(b"HOST", server.removeprefix("http://").encode()))
    feed = read_feed(str(saved), LIMITS)
    assert feed.title == "Atom Wire" and [e.link for e in feed.entries] == [f"{server}/story.html"]
    with pytest.raises(IngestError, match=r"not-a-feed: not an RSS or Atom feed"):
        read_feed(f"{server}/not-a-feed", LIMITS)
    with pytest.raises(IngestError, match="no such feed file"):
        read_feed(str(tmp_path / "missing.xml"), LIMITS)
    with pytest.raises(IngestError, match="not an RSS or Atom feed"):
        parse_feed("bytes", b"\x00\x01 binary")


@pytest.mark.real_model  # the CLI imports with the real embedder
def test_the_cli_imports_links_and_feeds_and_names_what_failed(server, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_FETCH_TIMEOUT_S", "1.5")
    db = str(tmp_path / "web.duckdb")
    runner = CliRunner()
    first = runner.invoke(app, ["--db", db, "import", "--feed", f"{server}/feed.xml", f"{server}/nowhere"])
    assert first.exit_code == 1, first.output
    lines = first.output.splitlines()
    assert f"feed     {server}/feed.xml: 2 entries, 2 to import, 0 imported before, 2 without a web link" in lines
    assert f"failed   {server}/nowhere: HTTP 404 Not Found" in lines
    assert f"imported {server}/story.html: 1 article(s), 4 passages" in lines  # three paragraphs and the title
    assert "2 article(s)" in lines[-1] and "1 failed" in lines[-1]
    second = runner.invoke(app, ["--db", db, "import", "--feed", f"{server}/feed.xml", "--feed", f"{server}/gone"])
    assert second.exit_code == 1, second.output
    assert f"feed     {server}/feed.xml: 2 entries, 0 to import, 2 imported before" in second.output
    assert f"failed   {server}/gone: HTTP 404 Not Found" in second.output
    nothing = runner.invoke(app, ["--db", db, "import"])
    assert nothing.exit_code != 0


def test_the_sources_page_fetches_links_and_a_feed_and_keeps_what_was_typed(server, db):
    from tests.test_pages import open_page, plain

    at = open_page("app_pages/sources.py")
    typed = f"{server}/story.html\nnot a link\n\n{server}/nowhere\n{server}/story.html"
    at.text_area(key="sources_links").input(typed)
    at.text_input(key="sources_feed").input(f"{server}/feed.xml")
    at.run()
    at.button(key="sources_fetch").click().run()
    assert not at.exception
    assert "2 imported, 0 skipped, 2 failed" in [m.value for m in at.markdown]
    imported = [plain(s.value) for s in at.success]
    assert [line.split(": imported")[0] for line in imported] == [f"{server}/story.html", f"{server}/story2.html"]
    errors = [plain(e.value) for e in at.error]
    assert "line 2: not a link: failed — not an http:// or https:// address" in errors
    assert f"{server}/nowhere: failed — HTTP 404 Not Found" in errors
    assert at.text_area(key="sources_links").value == typed  # nothing typed is lost
    at.button(key="sources_fetch").click().run()  # again: the feed's entries are skipped, the links re-read
    infos = [plain(i.value) for i in at.info]
    assert f"{server}/story2.html: skipped — fetched before (feed Basra Wire)" in infos
    assert f"{server}/story.html: skipped — already imported" in infos

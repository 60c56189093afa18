"""Parsing files into documents: formats, the comment split of scraped pages, and every bad-input case."""

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, SEED_COMMENTS, SEED_PLAIN
from workbench.documents import read_documents
from workbench.errors import IngestError

LIMITS = {"max_bytes": 5 * 2**20, "max_words": 60}


def read(path: Path):
    return read_documents(path, **LIMITS)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_seed_with_comments_splits_body_and_comments():
    [doc] = read(SEED_COMMENTS)
    body = [p for p in doc.passages if p.kind == "body"]
    comments = [p for p in doc.passages if p.kind == "comment"]
    assert doc.title.startswith("Iraq Update: Jihadists Seize 2 More Iraqi Towns")
    assert body[-1].text == "And to think: this is only the beginning."
    assert comments[0].author == "IridiumRebel"
    assert comments[0].text.startswith('Get the "MISSION ACCOMPLISHED" banner ready')
    assert comments[-1].author == "Loose Caboose"
    # every "Name's picture" line introduces comments by that author, and none of it leaks into the body
    markers = [line[: -len("'s picture")] for line in doc.text.splitlines() if line.endswith("'s picture")]
    assert {c.author for c in comments} == set(markers)
    assert not any("'s picture" in p.text for p in doc.passages)
    body_text = " ".join(p.text for p in body)
    assert "MISSION ACCOMPLISHED" not in body_text and "Prime Minister of Canada" not in body_text
    assert max(p.char_end for p in body) < min(p.char_start for p in comments)


def test_passage_spans_point_into_the_stored_text():
    [doc] = read(SEED_COMMENTS)
    assert all(doc.text[p.char_start : p.char_end] == p.text for p in doc.passages)
    assert [p.position for p in doc.passages] == list(range(len(doc.passages)))


def test_scraped_header_gives_outlet_title_and_skips_byline():
    [doc] = read(SEED_PLAIN)
    assert (doc.outlet, doc.url) == ("Missing Peace", "https://missingpeace.eu")
    assert doc.title == "ISIS establishes Taliban state in the Middle East"
    assert all(p.kind == "body" for p in doc.passages)
    texts = [p.text for p in doc.passages]
    assert "By Missing Peace" not in texts and not any("missingpeace.eu" in t for t in texts)
    assert any("Samarra is located about 60 miles north-west of Baghdad." in t for t in texts)


def test_markdown_front_matter_and_markup_removed():
    [doc] = read(EXAMPLES / "articles" / "01_northern_ledger.md")
    assert doc.outlet == "Northern Ledger"
    assert doc.published_at.date().isoformat() == "2031-03-14"
    assert not any(p.text.startswith("#") or "---" in p.text for p in doc.passages)


def test_html_scripts_and_markup_never_reach_passages():
    [doc] = read(EXAMPLES / "articles" / "03_coastal_wire.html")
    joined = " ".join(p.text for p in doc.passages)
    assert "48 km from Orlan" in joined
    assert doc.outlet == "Coastal Wire"
    assert doc.published_at.date().isoformat() == "2031-03-15"  # the page's meta date, not a fallback
    for leaked in ("script", "tracker", "<", "font-family", "footer script"):
        assert leaked not in joined


def test_hostile_html_yields_text_only(tmp_path):
    nested = "<div>" * 3000 + "deep" + "</div>" * 3000
    html = f"""<html><body><article>
      <p>Officials said 2,000 troops crossed the border on Sunday, according to state television reports.</p>
      <img src=x onerror="alert(1)"><iframe src="javascript:alert(2)"></iframe>
      <p>A second paragraph <b>with markup</b> and <script>alert(3)</script> inside the article body.</p>
      <svg><script>alert(4)</script></svg><style>p{{color:red}}</style>{nested}
    </article></body></html>"""
    [doc] = read(write(tmp_path, "hostile.html", html))
    joined = " ".join(p.text for p in doc.passages)
    assert "2,000 troops crossed the border" in joined
    for leaked in ("alert", "onerror", "javascript", "<", ">", "color:red"):
        assert leaked not in joined


def test_jsonl_and_csv_rows_become_articles(tmp_path):
    rows = [
        {"text": "Rebels took Tessar on Friday, officials said.", "title": "Tessar falls", "outlet": "A"},
        {"text": "Marovia sent 2,000 troops.", "published_at": "2031-03-15", "url": "https://b.example/x"},
    ]
    jsonl = write(tmp_path, "feed.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    docs = read(jsonl)
    assert [d.title for d in docs] == ["Tessar falls", None]
    assert docs[1].published_at.year == 2031 and docs[1].url == "https://b.example/x"
    csv_path = write(
        tmp_path, "table.csv", 'title,text,outlet\nT1,"Rebels took Tessar, officials said.",A\nT2,Second text.,B\n'
    )
    assert [(d.title, d.outlet) for d in read(csv_path)] == [("T1", "A"), ("T2", "B")]


def test_legacy_encoding_is_decoded(tmp_path):
    text = "Café owners in Orlan said prices rose by 20 percent — a “shock”, they said.\n"
    [doc] = read(write(tmp_path, "latin.txt", text.encode("cp1252")))
    assert "Café owners" in doc.passages[0].text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.md", b"  \n\n\t\n", "file is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary data"),
        ("garbage.txt", bytes(range(128, 256)) * 40, "not UTF-8 and no other text encoding fits"),
        ("only-rules.txt", b"-----\n12345\n*****\n", "no article text found"),
        ("bad.jsonl", b'{"text": "fine article text."}\n{"text": "broken\n', "line 2: invalid JSON"),
        ("list.jsonl", b'["not", "an", "object"]\n', "line 1: expected a JSON object"),
        ("notext.jsonl", b'{"title": "no body"}\n', "line 1: no 'text'"),
        ("numtext.jsonl", b'{"text": 123}\n', "line 1: 'text' is int 123, not the article's text"),
        ("open.md", b"---\ntitle: T\nfoo\n", "front matter opened with '---' on the first line is never closed"),
        ("baddate.jsonl", b'{"text": "Some text here.", "published_at": "last week"}\n', "is not an ISO date"),
        ("nocolumn.csv", b"title,body\nA,B\n", "no 'text' column (columns: title, body)"),
        ("quote.csv", b'text,title\n"unclosed quote,A\n', "malformed CSV"),
        ("wide.csv", b"text,title\nSome text here.,A,extra\n", "line 2: more fields than the header"),
        ("header-only.csv", b"text,title\n", "no articles in the file"),
        ("page.html", b"<html><body><nav>Home</nav></body></html>", "no article text found in the HTML (1 words"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
    ],
)
def test_bad_input_gets_one_line_naming_file_and_reason(tmp_path, name, content, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(IngestError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert reason in message
    assert "\n" not in message


def test_huge_file_is_refused_before_reading(tmp_path):
    path = write(tmp_path, "huge.txt", "word " * 300_000)
    with pytest.raises(IngestError, match=r"huge.txt: file is 1.4 MB, over the 1 MB limit"):
        read_documents(path, max_bytes=2**20, max_words=60)


def test_a_tiny_limit_is_said_in_the_figures_it_has(tmp_path):
    path = write(tmp_path, "small.txt", "word " * 4_000)  # 20,000 bytes
    with pytest.raises(IngestError, match=r"small.txt: file is 0.019 MB, over the 0.001 MB limit"):
        read_documents(path, max_bytes=1_048, max_words=60)


def test_a_rule_on_the_first_line_is_no_front_matter(tmp_path):
    [doc] = read(write(tmp_path, "rule.md", b"---\n\nA horizontal rule first. Then the article text.\n"))
    assert doc.title is None and "Then the article text." in doc.passages[0].text


def test_missing_file_is_named(tmp_path):
    with pytest.raises(IngestError, match=r"nothere\.txt: no such file"):
        read(tmp_path / "nothere.txt")

"""Hostile and unusual CSV/JSONL files (issue 13, sections 2 and 5): one clear line each, never a traceback."""

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from tests.reliability.files import LIMITS, refusal, write
from workbench.documents import read_documents
from workbench.ingest import import_files
from workbench.storage import open_store

ARTICLE = "Marovia sent 2,000 troops to Orlan on Sunday, officials said."


def long_article(chars: int) -> str:
    """A real-looking article of at least `chars` characters: numbered paragraphs of reporting."""
    paragraphs, size, n = [], 0, 0
    while size < chars:
        n += 1
        paragraph = (
            f"Paragraph {n}. The regional council of Orlan met on Tuesday and approved a budget of {n * 17} "
            f"million francs for roads, schools and the hospital, according to minutes seen by reporters. "
            f"Critics said the figure for year {2000 + n % 30} was lower than promised."
        )
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


# --- JSONL that used to crash ------------------------------------------------------------------------


def test_lone_surrogate_escape_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "surrogate.jsonl", json.dumps({"text": ARTICLE}) + '\n{"text": "Broken \\ud800 emoji."}\n')
    message = refusal(path)
    assert "line 2: 'text' holds a lone surrogate (\\ud800 at character 7)" in message


def test_lone_surrogate_in_a_metadata_field_is_refused_too(tmp_path):
    path = write(tmp_path, "title.jsonl", '{"text": "Fine text here.", "title": "\\udfff"}\n')
    assert "line 1: 'title' holds a lone surrogate (\\udfff at character 0)" in refusal(path)


def test_a_surrogate_pair_escape_is_an_emoji_not_an_error(tmp_path):
    [doc] = read_documents(
        write(tmp_path, "emoji.jsonl", '{"text": "Fans cheered \\ud83d\\ude00 loudly."}\n'), **LIMITS
    )
    assert doc.text == "Fans cheered \U0001f600 loudly."


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_refused_with_its_line(tmp_path, opener):
    closer = "]" if opener == "[" else "}"
    deep = '{"text": "Fine text.", "extra": ' + opener * 100_000 + "1" + closer * 100_000 + "}"
    path = write(tmp_path, "deep.jsonl", json.dumps({"text": ARTICLE}) + "\n" + deep + "\n")
    assert "line 2: JSON nested too deeply to read" in refusal(path)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_metadata_count_as_absent(tmp_path, constant):
    line = f'{{"text": "{ARTICLE}", "title": {constant}, "url": {constant}, "outlet": {constant}, '
    line += f'"published_at": {constant}}}\n'
    [doc] = read_documents(write(tmp_path, "pandas.jsonl", line), **LIMITS)
    assert (doc.title, doc.url, doc.outlet, doc.published_at) == (None, None, None, None)


def test_nan_text_is_a_missing_text(tmp_path):
    assert "line 1: no 'text'" in refusal(write(tmp_path, "nantext.jsonl", '{"text": NaN, "title": "T"}\n'))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2024-05-01T10:00:00+05:00", datetime(2024, 5, 1, 5, 0)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, 0)),
        ("2024-05-01T02:30:00+05:30", datetime(2024, 4, 30, 21, 0)),
        ("2024-05-01T10:00:00-03:00", datetime(2024, 5, 1, 13, 0)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, 0)),  # no offset: taken as given
        ("2024-05-01", datetime(2024, 5, 1)),
    ],
)
def test_published_at_with_an_offset_is_converted_to_utc(tmp_path, value, stored):
    row = json.dumps({"text": ARTICLE, "published_at": value})
    [doc] = read_documents(write(tmp_path, "dated.jsonl", row + "\n"), **LIMITS)
    assert doc.published_at == stored and doc.published_at.tzinfo is None
    csv_path = write(tmp_path, "dated.csv", f"text,published_at\n{ARTICLE.replace(',', '')},{value}\n")
    assert read_documents(csv_path, **LIMITS)[0].published_at == stored


def test_an_offset_past_the_calendar_is_a_bad_date(tmp_path):
    row = json.dumps({"text": ARTICLE, "published_at": "0001-01-01T00:00:00+05:00"})
    assert "line 1: published_at '0001-01-01T00:00:00+05:00' is not an ISO date" in refusal(
        write(tmp_path, "early.jsonl", row + "\n")
    )


def test_separators_json_allows_inside_strings_do_not_split_a_record(tmp_path):
    text = "First paragraph.\u2028Second paragraph.\x85Third, after a NEL."
    rows = [{"text": text, "title": "T\u2029"}, {"text": ARTICLE}]
    path = write(tmp_path, "raw.jsonl", "\r\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\r\n")
    docs = read_documents(path, **LIMITS)
    assert [d.text for d in docs] == [text, ARTICLE]
    assert [d.origin.rsplit("#", 1)[1] for d in docs] == ["line 1", "line 2"]


def test_a_file_name_that_is_not_utf8_gives_a_storable_origin(tmp_path):
    path = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.jsonl"))
    path.write_text(json.dumps({"text": ARTICLE}) + "\n")
    [doc] = read_documents(path, **LIMITS)
    assert doc.origin == f"{tmp_path}/caf\\xe9.jsonl#line 1"
    doc.origin.encode("utf-8")  # DuckDB and pyarrow refuse the lone surrogate Python puts in str(path)


# --- CSV -------------------------------------------------------------------------------------------


def test_a_200000_character_article_in_one_cell_imports(tmp_path):
    text = long_article(200_000)
    assert len(text) > csv.field_size_limit()  # over the csv module's default 131,072
    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["title", "text"], ["Budget", text]])
    [doc] = read_documents(path, **LIMITS)
    assert doc.text == text and doc.title == "Budget"
    assert doc.passages[-1].text.endswith("was lower than promised.")


def test_errors_in_multi_line_records_name_the_line_the_record_starts_on(tmp_path):
    content = (
        "title,text,published_at\n"  # line 1
        'Good,"First paragraph.\n\nSecond paragraph.",2024-05-01\n'  # lines 2-4
        "\n"  # line 5, blank
        'Bad date,"One paragraph,\nand another\non three lines.",last week\n'  # lines 6-8
    )
    assert "line 6: published_at 'last week' is not an ISO date" in refusal(write(tmp_path, "multi.csv", content))
    wide = 'title,text\nA,"Two\nlines."\nB,"Three\nmore\nlines.",extra\n'  # the wide record starts on line 4
    assert "line 4: more fields than the header has columns" in refusal(write(tmp_path, "wide.csv", wide))
    empty = 'title,text\nA,"Two\nlines."\nB,""\n'
    assert "line 4: no 'text'" in refusal(write(tmp_path, "empty.csv", empty))


def test_good_multi_line_records_keep_their_start_line_as_origin(tmp_path):
    content = 'title,text\nA,"First\n\nparagraph."\nB,Second.\n'
    docs = read_documents(write(tmp_path, "origin.csv", content), **LIMITS)
    assert [d.origin.rsplit("#", 1)[1] for d in docs] == ["line 2", "line 5"]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("text,title,text", "text"),
        ("Text,title, TEXT ", "text"),
        ("text,title,Title", "title"),
        ("url,text,url", "url"),
    ],
)
def test_a_duplicated_known_column_is_refused(tmp_path, header, column):
    path = write(tmp_path, "dup.csv", f"{header}\nfirst,second,third\n")
    assert f"column '{column}' appears 2 times in the header; keep one" in refusal(path)


def test_a_duplicated_unknown_column_is_harmless(tmp_path):
    [doc] = read_documents(write(tmp_path, "extra.csv", "note,text,note\nx,Fine text here.,y\n"), **LIMITS)
    assert doc.text == "Fine text here."


# --- end to end through import_files ---------------------------------------------------------------


def snapshot(settings) -> tuple:
    with open_store(settings.db_path, read_only=True) as store:
        return (
            store.count_rows(),
            store.execute("SELECT article_id, title, text, published_at FROM articles ORDER BY ALL").fetchall(),
            store.execute("SELECT passage_id, text, search_text FROM passages ORDER BY ALL").fetchall(),
        )


def test_refused_files_leave_the_database_unchanged_and_the_others_import(settings, hashing, tmp_path):
    first = write(tmp_path, "first.jsonl", json.dumps({"text": "The mayor of Orlan resigned on Monday."}) + "\n")
    assert [r.status for r in import_files([first], settings, hashing)] == ["imported"]
    before = snapshot(settings)

    deep = "[" * 100_000 + "]" * 100_000
    files = [
        write(tmp_path, "a_surrogate.jsonl", json.dumps({"text": ARTICLE}) + '\n{"text": "Bad \\ud800."}\n'),
        write(tmp_path, "b_deep.jsonl", json.dumps({"text": ARTICLE}) + "\n" + deep + "\n"),
        write(tmp_path, "c_dup.csv", "text,title,text\nOne,Two,Three\n"),
        write(tmp_path, "d_report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        write(tmp_path, "e_latin.txt", "El gobierno español aprobó la ley, según el ministro.\n".encode("latin-1")),
        write(tmp_path, "f_dated.jsonl", json.dumps({"text": ARTICLE, "published_at": "2024-05-01T10:00:00+05:00"})),
        write(tmp_path, "g_wide.txt", "Die Straßen in München wurden gesperrt.\n".encode("utf-16-le")),
        Path(os.fsdecode(bytes(tmp_path) + b"/h_caf\xe9.txt")),  # a name that is not UTF-8 (an old archive)
    ]
    files[-1].write_text("The café on the square closed after forty years.\n")
    results = import_files(files, settings, hashing)
    assert [(Path(r.path).name, r.status) for r in results] == [
        ("a_surrogate.jsonl", "failed"),
        ("b_deep.jsonl", "failed"),
        ("c_dup.csv", "failed"),
        ("d_report.txt", "failed"),
        ("e_latin.txt", "imported"),
        ("f_dated.jsonl", "imported"),
        ("g_wide.txt", "imported"),
        ("h_caf\\xe9.txt", "imported"),  # named printably: the byte that is not UTF-8 as an escape
    ]
    assert [r.message for r in results[:4]] == [
        "line 2: 'text' holds a lone surrogate (\\ud800 at character 4), which is not valid Unicode text; "
        "fix or remove that escape",
        "line 2: JSON nested too deeply to read",
        "column 'text' appears 2 times in the header; keep one",
        "a PDF document, not text (PDF import is not supported; save it as .txt or .html)",
    ]
    after = snapshot(settings)
    assert after[0]["articles"] == before[0]["articles"] + 4
    # nothing of the refused files (not even the good first row of a_surrogate.jsonl) was written
    assert set(before[1]) <= set(after[1]) and set(before[2]) <= set(after[2])
    new = [row for row in after[1] if row not in before[1]]
    assert sorted((text, published) for _, _, text, published in new) == [
        ("Die Straßen in München wurden gesperrt.\n", None),
        ("El gobierno español aprobó la ley, según el ministro.\n", None),
        (ARTICLE, datetime(2024, 5, 1, 5, 0)),
        ("The café on the square closed after forty years.\n", None),
    ]

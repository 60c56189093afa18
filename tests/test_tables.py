"""The one reader of labelled CSV and TSV files: rows by column name, and one clear error naming a bad file."""

from __future__ import annotations

import csv

import pytest

from workbench.checkworthy_eval import SPLIT_FILES, load_checkworthy
from workbench.errors import IngestError
from workbench.news_evaluation import load_labelled_claims
from workbench.tables import read_table


def test_rows_come_by_column_name_with_quoted_delimiters_and_newlines_kept(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text('id\ttext\n1\t"a\tquoted ""text""\nover two lines"\n2\tplain\n', encoding="utf-8")
    rows = read_table(path, ("id", "text"), what="the test data", delimiter="\t")
    assert rows == [{"id": "1", "text": 'a\tquoted "text"\nover two lines'}, {"id": "2", "text": "plain"}]


def test_a_short_row_has_empty_fields_and_its_value_is_refused_by_name(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,text,label\n1,x\n", encoding="utf-8")
    assert read_table(path, ("id", "text", "label"), what="the test data") == [{"id": "1", "text": "x", "label": ""}]
    claims = tmp_path / "claims.csv"
    claims.write_text("id,claim,date,verdict,class,why\nN1,Iran sent troops.\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"claims\.csv: line 2: verdict '' is not one of"):
        load_labelled_claims(claims)


def test_a_header_alone_is_an_empty_table_not_a_missing_column(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("id,text\n", encoding="utf-8")
    assert read_table(path, ("id", "text"), what="the test data") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"id,txt\n1,x\n", r"bad\.csv: no text column; expected id, text$"),
        (b"id,text\n1,caf\xe9\n", r"bad\.csv: cannot read the test data \('utf-8' codec can't decode byte 0xe9"),
        (b"", r"bad\.csv: no id, text column; expected id, text$"),
    ],
)
def test_a_bad_file_is_one_error_naming_it(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        read_table(path, ("id", "text"), what="the test data")


def test_a_field_over_the_csv_modules_limit_is_one_error(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,text\n1," + "x" * 2_000 + "\n", encoding="utf-8")
    # The limit is process-wide and workbench.documents raises it for a large CSV import, so set it here.
    previous = csv.field_size_limit(1_000)
    try:
        with pytest.raises(IngestError, match=r"long\.csv: cannot read the test data \(field larger than field limit"):
            read_table(path, ("id", "text"), what="the test data")
    finally:
        csv.field_size_limit(previous)


def test_a_missing_file_is_named_with_the_reason(tmp_path):
    with pytest.raises(IngestError, match=r"nothere\.csv: cannot read the test data \(No such file or directory\)"):
        read_table(tmp_path / "nothere.csv", ("id",), what="the test data")


def test_check_worthiness_data_that_is_not_utf8_or_has_another_label_is_refused(tmp_path):
    path = tmp_path / SPLIT_FILES["dev"]
    path.write_bytes(b"Sentence_id\tText\tclass_label\n1\tTaxes rose 4%.\tYes\n2\tHello.\tNo\n")
    assert [(s.sentence_id, s.worthy) for s in load_checkworthy(tmp_path, "dev")] == [("1", True), ("2", False)]
    path.write_bytes(b"Sentence_id\tText\tclass_label\n1\tTaxes rose 4%.\tMaybe\n")
    with pytest.raises(IngestError, match=r"dev\.tsv: Sentence_id 1: class_label 'Maybe' is not Yes or No"):
        load_checkworthy(tmp_path, "dev")
    path.write_bytes(b"Sentence_id\tText\tclass_label\n1\tCaf\xe9 prices rose.\tYes\n")
    with pytest.raises(IngestError, match=r"dev\.tsv: cannot read the check-worthiness data \('utf-8' codec"):
        load_checkworthy(tmp_path, "dev")

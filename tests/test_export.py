"""The verdict exports: CSV cell by cell (formula injection neutralised), ClaimReview JSON-LD, and the CLI."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from workbench import review
from workbench.cli import app
from workbench.export import build_claimreview, build_export, build_verdicts_csv, load_verdicts, neutralise
from workbench.storage import open_store


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
        (None, ""),
        (3, "3"),
    ],
)
def test_neutralise(cell, safe):
    assert neutralise(cell) == safe


@pytest.fixture
def reviewed(checked_store) -> str:
    """The checked demo on each backend with two reviews and an eighth claim that reads like a formula."""
    db = str(checked_store.db_path)
    with open_store(db) as store:
        review.save_review(
            store,
            1,
            0,
            {"status": "verdict_given", "human_verdict": "conflicting", "rationale": "30 mi vs 80 km"},
            "ann",
        )
        review.save_review(store, 2, 0, {"status": "in_review", "rationale": '=HYPERLINK("http://x","y")'}, "-bob")
        store.insert_claim(
            "@SUM(1,2) rebels took the bank", "sum 1 2 rebels took the bank", claim_date=None, origin="manual"
        )
    return db


def test_csv_has_one_row_per_claim_and_every_cell_right(reviewed):
    with open_store(reviewed) as store:
        records = load_verdicts(store)
    content = build_verdicts_csv(records)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == [
        "claim_id",
        "claim",
        "date",
        "machine_verdict",
        "confidence",
        "human_verdict",
        "status",
        "reviewer",
        "approved_by",
        "rationale",
        "agreeing_evidence",
        "conflicting_evidence",
        "discussing_evidence",
        "earlier_factchecks",
    ]
    first = rows[1]
    assert first[:10] == [
        "1",
        "The Red Ridge Front is 30 miles from Orlan",
        "2031-03-15",
        "supported",
        "0.737",
        "conflicting",
        "verdict given",
        "ann",
        "",  # no second reviewer: the desk rule is off
        "30 mi vs 80 km",
    ]
    agreeing = first[10].split("\n")
    assert len(agreeing) == 3
    assert agreeing[0].startswith("Valley Forum | Is Orlan next? What we know about the Red Ridge Front | ")
    assert any(
        "| https://northern-ledger.example/2031/03/14/tessar-falls | The rebels are now just 30 miles" in a
        for a in agreeing
    )
    assert first[11] == (
        "Riverside Post | Orlan braces as Red Ridge Front nears | https://riversidepost.example/world/orlan-braces | "
        "The Red Ridge Front advance stalled on Saturday near the village of Amsel, about 80 km north of Orlan, "
        "where the army has dug in behind the Kessel canal."
    )
    second = rows[2]
    assert second[6:10] == ["in review", "'-bob", "", '\'=HYPERLINK("http://x","y")']
    assert rows[8][1] == "'@SUM(1,2) rebels took the bank"
    assert rows[8][3:12] == ["unchecked", "", "", "new", "", "", "", "", ""]
    assert not any("comment" in cell.lower() for row in rows[1:] for cell in row[10:])


def test_claimreview_json_ld(reviewed):
    with open_store(reviewed) as store:
        reviews = json.loads(build_claimreview(load_verdicts(store)))
    assert len(reviews) == 1  # only claims with a human verdict
    (item,) = reviews
    assert item["@context"] == "https://schema.org" and item["@type"] == "ClaimReview"
    assert item["claimReviewed"] == "The Red Ridge Front is 30 miles from Orlan"
    assert item["author"] == {"@type": "Person", "name": "ann"}
    assert item["reviewRating"] == {"@type": "Rating", "alternateName": "Mixed"}
    assert item["reviewBody"] == "30 mi vs 80 km"
    assert len(item["datePublished"]) == 10
    assert item["itemReviewed"]["@type"] == "Claim" and item["itemReviewed"]["datePublished"] == "2031-03-15"
    urls = [a["url"] for a in item["itemReviewed"]["appearance"]]
    assert "https://northern-ledger.example/2031/03/14/tessar-falls" in urls
    assert "https://riversidepost.example/world/orlan-braces" not in urls  # it contradicts the claim


def test_cli_export_both_formats(reviewed, tmp_path):
    runner = CliRunner()
    out = tmp_path / "verdicts.csv"
    result = runner.invoke(app, ["--db", str(reviewed), "export", str(out)])
    assert result.exit_code == 0 and result.output == f"wrote 8 claim(s) to {out}\n"
    with open_store(reviewed) as store:
        records = load_verdicts(store)
    assert out.read_bytes() == build_export(records, "csv")
    result = runner.invoke(app, ["--db", str(reviewed), "export", "-", "--format", "claimreview"])
    assert result.exit_code == 0 and json.loads(result.output)[0]["@type"] == "ClaimReview"
    result = runner.invoke(app, ["--db", str(reviewed), "export", "x.txt", "--format", "xml"])
    assert result.exit_code == 2 and "csv, claimreview" in result.output
    result = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "export", "x.csv"])
    assert result.exit_code == 1


def test_a_passage_its_article_outvotes_is_cited_for_no_side(checked_store, embedder):
    from claims.verdicts import OUTVOTED_BY_FIGURES, OUTVOTED_BY_REPORTING, outvoted
    from tests.fakes import FiguresSideModel
    from workbench.indexing import load_vector_index
    from workbench.pipeline import check_claim, evidence_stances

    # "The Red Ridge Front is 200 km from Orlan": passages outvoted by their articles' own figures; "Rebels shot
    # down two government helicopters over Orlan": by their articles' passages that only report it
    for claim_id, why in ((6, OUTVOTED_BY_FIGURES), (7, OUTVOTED_BY_REPORTING)):
        with open_store(checked_store.db_path) as store:
            vindex = load_vector_index(store, checked_store, embedder)
            result = check_claim(store, vindex, embedder, FiguresSideModel(), claim_id, k=25)
            (record,) = [r for r in load_verdicts(store) if r.row.claim_id == claim_id]
        left_out = outvoted(evidence_stances(result.evidence))
        texts = {i.hit.passage_id: i.hit.text for i in result.evidence}
        assert left_out and set(left_out.values()) == {why}, left_out
        cited = {e.passage for e in record.agreeing + record.conflicting}
        assert cited and not cited & {texts[pid] for pid in left_out}, claim_id

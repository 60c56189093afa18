"""The stored schema, the app and the exports speak the one vocabulary of claims.vocabulary."""

from __future__ import annotations

import re

from claims import vocabulary as v
from workbench.storage import open_store

CHECKED_COLUMNS = {
    ("checks", "verdict"): v.VERDICTS,
    ("evidence", "stance"): v.STANCES,
    ("evidence", "machine_stance"): v.STANCES,
    ("evidence_corrections", "stance"): v.STANCES,
    ("reviews", "status"): v.REVIEW_STATUSES,
    ("reviews", "human_verdict"): v.HUMAN_VERDICTS,
    ("outlet_credibility", "credibility"): v.CREDIBILITY_LEVELS,
    ("claim_matches", "kind"): v.MATCH_KINDS,
    ("claim_matches", "decision"): v.MATCH_DECISIONS,
}


def check_constraints(path) -> dict[tuple[str, str], set[str]]:
    """(table, column) -> the labels its CHECK (column IN (...)) constraint allows, read from the database."""
    with open_store(path) as store:
        rows = store.execute(
            "SELECT table_name, constraint_text FROM duckdb_constraints() WHERE constraint_type = 'CHECK'"
        ).fetchall()
    found = {}
    for table, text in rows:
        match = re.search(r"\(?(\w+) IN \((.*?)\)\)", text)
        if match:
            found[(table, match.group(1))] = set(re.findall(r"'([^']*)'", match.group(2)))
    return found


def test_every_checked_column_allows_exactly_the_vocabulary(tmp_path):
    found = check_constraints(tmp_path / "v.duckdb")
    wanted = {key: set(labels) for key, labels in CHECKED_COLUMNS.items()}
    assert wanted == {key: found.get(key) for key in CHECKED_COLUMNS}


def test_labels_are_distinct_and_quote_free():
    for labels in (v.STANCES, v.HUMAN_VERDICTS, v.REVIEW_STATUSES, v.CREDIBILITY_LEVELS, v.MATCH_KINDS,
                   v.MATCH_DECISIONS):  # fmt: skip
        assert len(set(labels)) == len(labels)
        assert not any("'" in label for label in labels)  # the DuckDB store writes some into its SQL as literals
    assert v.UNCHECKED not in v.VERDICTS  # a queue filter, never stored


def test_every_label_has_its_words():
    assert set(v.STANCE_LABELS) == set(v.STANCE_BUTTON_LABELS) == set(v.STANCES)
    assert set(v.CREDIBILITY_IN_REASONS) == set(v.CREDIBILITY_LEVELS)
    assert set(v.CLAIMREVIEW_RATINGS) == set(v.HUMAN_VERDICTS)
    assert v.label(v.NOT_ENOUGH_EVIDENCE) == "not enough evidence" and v.label(None) == "—"

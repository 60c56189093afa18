"""The first page on the demo corpus, through Streamlit's AppTest."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import EXAMPLES, REPO, copy_database
from workbench.demo import load_demo


@pytest.fixture
def demo_db(built_demo, tmp_path, embedder):
    """A copy of the session's demo (built_demo asserts its 5 articles and 7 claims), which a second load leaves be."""
    cfg = copy_database(built_demo, tmp_path)
    assert "not loaded again" in load_demo(cfg, lambda _: embedder, EXAMPLES)
    return cfg


def test_claims_page_lists_the_demo_claims_in_the_queue(demo_db, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DB", str(demo_db.db_path))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Claims"]
    table = at.dataframe[0].value
    assert table["claim"].iloc[0] == "The Red Ridge Front is 30 miles from Orlan"
    assert str(table["date"].iloc[0])[:10] == "2031-03-15"
    assert len(table) == 7 and set(table["machine verdict"]) == {"unchecked"}


def test_empty_database_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert "no database here yet" in at.error[0].value

"""The storage seam: the DuckDB store implements every method of the Store protocol, and URLs pick backends."""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest

from workbench.errors import StorageError
from workbench.storage import Store, open_store
from workbench.storage.common.fulltext import top_scores
from workbench.storage.duckdb import DuckDBStore


def protocol_methods() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(Store).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def test_the_duckdb_store_has_every_method_of_the_protocol_with_its_parameters():
    wanted = protocol_methods()
    assert len(wanted) > 40 and "transaction" in wanted
    for name, signature in wanted.items():
        assert hasattr(DuckDBStore, name), name
        assert list(inspect.signature(getattr(DuckDBStore, name)).parameters) == list(signature.parameters), name


def test_the_protocol_lists_every_public_method_of_the_duckdb_store_but_its_own_sql():
    public = {name for name, member in vars(DuckDBStore).items() if inspect.isfunction(member) and name[0] != "_"}
    assert public - set(protocol_methods()) == {"execute"}  # raw SQL: DuckDB's own, for migrations and tests


def test_a_duckdb_url_and_a_path_open_the_same_file(tmp_path):
    path = tmp_path / "desk.duckdb"
    with open_store(path) as store:
        store.insert_claim("Iran sent 2000 troops", "iran sent 2000 troops", claim_date=None, origin="manual")
    with open_store(f"duckdb://{path}", read_only=True) as store:
        assert [c.text for c in store.list_claims()] == ["Iran sent 2000 troops"]


def test_a_url_with_no_backend_is_one_line(tmp_path):
    refused = pytest.raises(StorageError, match=r"^mysql://desk/claims: no storage backend for 'mysql://'")
    with refused, open_store("mysql://desk/claims"):
        pass


def test_a_server_that_cannot_be_reached_is_one_line_without_the_password(tmp_path):
    refused = pytest.raises(StorageError, match=r"^user=ann dbname=claims host=/nonexistent port=1: cannot connect")
    with refused as caught, open_store("postgresql://ann:secret@/claims?host=/nonexistent&port=1"):
        pass
    assert "secret" not in str(caught.value)


def test_bm25_sums_do_not_depend_on_the_order_the_postings_come_in():
    # 0.3 + 0.2 + 0.1 and 0.1 + 0.2 + 0.3 differ in the last bit as floats: summed in row order, passages 1 and 2
    # swapped places when a database returned the rows in another order
    rows = [(1, 0.3), (1, 0.2), (1, 0.1), (2, 0.1), (2, 0.2), (2, 0.3), (3, 0.5)]
    answers = set()
    for order in itertools.islice(itertools.permutations(rows), 0, None, 97):
        ids, shares = np.array([r[0] for r in order]), np.array([r[1] for r in order])
        answers.add(tuple(top_scores(ids, shares, [], 2)))
    assert len(answers) == 1
    ((first, score), (second, same)) = answers.pop()
    assert (first, second) == (1, 2) and score == same == pytest.approx(0.6, abs=1e-9)


@pytest.mark.parametrize("limit", [1, 7, 50, 300])
def test_bm25_best_passages_are_the_exact_top_of_a_large_corpus(limit):
    # 200k passages, so the floor comes from a sample of them (one in twelve), with ties at the cut and
    # excluded passages among the best: the answer must be the plain sort's
    rng = np.random.default_rng(limit)
    ids = rng.integers(0, 200_000, 600_000)
    shares = rng.choice([0.5, 0.75, 1.25, 2.0], len(ids))
    sums = np.zeros(200_000)
    np.add.at(sums, ids, shares)
    excluded = list(np.argsort(-sums, kind="stable")[: limit // 2 + 1])
    sums[excluded] = 0.0
    reference = sorted(((-s, pid) for pid, s in enumerate(sums) if s > 0))[:limit]
    top = top_scores(ids, shares, excluded, limit)
    assert [pid for pid, _ in top] == [pid for _, pid in reference]
    assert [score for _, score in top] == pytest.approx([-s for s, _ in reference], abs=1e-9)


def test_bm25_with_fewer_matches_than_the_limit_returns_every_match():
    ids, shares = np.array([5, 70_000, 5, 123_456]), np.array([0.5, 0.25, 0.5, 2.0])
    assert top_scores(ids, shares, [], 10) == [(123_456, 2.0), (5, 1.0), (70_000, 0.25)]
    assert top_scores(ids, shares, [123_456], 10) == [(5, 1.0), (70_000, 0.25)]

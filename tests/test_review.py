"""Reviews on both stores, a real DuckDB file and a real PostgreSQL server: versioned saves, history, evidence
corrections, credibility, the queue, the desk rule of a second reviewer."""

import threading

import pytest

from tests.conftest import copy_database
from tests.fakes import UnsureStanceModel
from workbench import review
from workbench.claimbook import add_claim
from workbench.errors import ReviewError, StaleWriteError
from workbench.indexing import load_vector_index
from workbench.models import Claim, Document, EvidenceItem, Hit, MachineStance, PassageDraft, QueueCount
from workbench.pipeline import Correction, check_claim, load_corrections, load_latest_check, redecide, verdict_for
from workbench.storage import open_store


@pytest.fixture
def db(store_url) -> str:
    """A store of each backend holding one claim."""
    with open_store(store_url) as store:
        store.insert_claim("Orlan has 3 bridges", "x", claim_date=None, origin="manual")
    return store_url


def test_first_save_creates_version_1_and_logs_each_changed_field(db):
    with open_store(db) as store:
        assert review.get_review(store, 1) == review.Review(1)
        saved = review.save_review(store, 1, 0, {"status": "in_review", "rationale": "  looking  "}, " alice ")
        events = review.history(store, 1)
    assert (saved.status, saved.rationale, saved.reviewer, saved.version) == ("in_review", "looking", "alice", 1)
    assert [(e.field, e.old_value, e.new_value, e.reviewer) for e in events] == [
        ("rationale", "", "looking", "alice"),
        ("status", "new", "in_review", "alice"),
    ]


def test_an_unchanged_save_writes_nothing(db):
    with open_store(db) as store:
        first = review.save_review(store, 1, 0, {"status": "in_review"}, "alice")
        again = review.save_review(store, 1, 1, {"status": "in_review"}, "bob")
        assert again == first and len(review.history(store, 1)) == 1


def test_a_stale_save_is_refused_and_writes_nothing(db):
    with open_store(db) as store:
        review.save_review(store, 1, 0, {"rationale": "first"}, "alice")
        review.save_review(store, 1, 1, {"rationale": "second"}, "bob")
        with pytest.raises(StaleWriteError) as stale:
            review.save_review(store, 1, 1, {"rationale": "carol's, typed over version 1"}, "carol")
        assert stale.value.current.rationale == "second" and stale.value.current.version == 2
        assert review.get_review(store, 1).rationale == "second"
        assert len(review.history(store, 1)) == 2
        with pytest.raises(StaleWriteError):  # two editors both starting from nothing
            review.save_review(store, 1, 0, {"rationale": "late"}, "dave")


def test_concurrent_saves_of_one_version_keep_exactly_one(db):
    outcomes = []

    def save(name: str) -> None:
        try:
            with open_store(db) as store:
                review.save_review(store, 1, 0, {"rationale": f"by {name}"}, name)
            outcomes.append("saved")
        except StaleWriteError:
            outcomes.append("stale")

    threads = [threading.Thread(target=save, args=(n,)) for n in ("a", "b", "c", "d")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale", "stale", "stale"]
    with open_store(db) as store:
        assert review.get_review(store, 1).version == 1 and len(review.history(store, 1)) == 1


@pytest.mark.parametrize(
    ("changes", "reviewer", "message"),
    [
        ({"status": "done"}, "a", "status 'done'"),
        ({"human_verdict": "true"}, "a", "verdict 'true'"),
        ({"status": "verdict_given"}, "a", "choose a verdict"),
        ({"status": "in_review"}, "  ", "enter your name"),
        ({"reviewer": "x"}, "a", "cannot change reviewer"),
    ],
)
def test_bad_changes_are_refused(db, changes, reviewer, message):
    with open_store(db) as store, pytest.raises(ReviewError, match=message):
        review.save_review(store, 1, 0, changes, reviewer)


def test_corrections_are_logged_and_replace_each_other(db):
    with open_store(db) as store:
        text = "Orlan has 4 bridges"
        article = Document(text, None, None, None, None, "f", (PassageDraft(0, "body", None, text, 0, 19, "x"),), "h")
        store.insert_documents([article], first_passage_id=7)
        review.correct_evidence(store, 1, 7, "conflicts", "alice", was="agrees")
        review.correct_evidence(store, 1, 7, "unrelated", "bob", was="conflicts")
        assert load_corrections(store, 1) == {7: Correction(7, "unrelated", "bob")}
        assert [(e.field, e.old_value, e.new_value) for e in review.history(store, 1)] == [
            ("evidence:7", "conflicts", "unrelated"),
            ("evidence:7", "agrees", "conflicts"),
        ]
        with pytest.raises(ReviewError):
            review.correct_evidence(store, 1, 7, "maybe", "bob", was="agrees")


def _item(pid: int, article: int, outlet: str, stance: str, confidence: float, kind: str = "body") -> EvidenceItem:
    hit = Hit(pid, article, "t", outlet, None, None, "text", kind, None, 0, 4, 1.0)
    return EvidenceItem(hit, stance, confidence, "model", None, "m", False)


def test_verdict_respects_corrections_and_credibility():
    claim = Claim(1, "c", None, "manual")
    items = [_item(1, 1, "A", "agrees", 1.0), _item(2, 2, "B", "conflicts", 1.0), _item(3, 3, "C", "unrelated", 0.6)]
    assert verdict_for(claim, items).verdict == "conflicting"
    corrected = verdict_for(claim, items, corrections={2: Correction(2, "unrelated", "alice")})
    assert corrected.verdict == "supported" and corrected.conflicting == 0
    assert corrected.evidence[1].reason == "corrected by alice" and corrected.evidence[1].confidence == 1.0
    # Outlet B not credible: its conflict weighs a quarter, the agreeing side wins.
    weighed = verdict_for(claim, items, credibility={"B": "not_credible", "A": "credible"})
    assert weighed.verdict == "supported"
    # A comment corrected to "agrees" is still never a source.
    comment = [_item(4, 4, "D", "unrelated", 0.9, kind="comment")]
    assert verdict_for(claim, comment, corrections={4: Correction(4, "agrees", "x")}).agreeing == 0


def test_a_correction_keeps_the_machines_stance_and_can_be_taken_back():
    claim = Claim(1, "c", None, "manual")
    items = [_item(1, 1, "A", "agrees", 0.9), _item(2, 2, "B", "conflicts", 0.8)]
    corrected = verdict_for(claim, items, corrections={2: Correction(2, "agrees", "alice")})
    fixed = corrected.evidence[1]
    assert (fixed.stance, fixed.machine) == ("agrees", MachineStance("conflicts", 0.8, "model"))
    assert corrected.evidence[0].machine is None
    assert fixed.to_json()["machine"] == {"stance": "conflicts", "confidence": 0.8, "reason": "model"}
    assert corrected.evidence[0].to_json()["machine"] is None
    # Decided again from the corrected items with the correction gone, the machine's stance is back.
    back = verdict_for(claim, corrected.evidence, corrections={})
    assert back.evidence == tuple(items) and back.verdict == verdict_for(claim, items).verdict
    # A second reviewer's correction replaces the first; the machine's stance stays the machine's.
    again = verdict_for(claim, corrected.evidence, corrections={2: Correction(2, "unrelated", "bob")})
    assert (again.evidence[1].stance, again.evidence[1].machine.stance) == ("unrelated", "conflicts")


def test_queue_filters_and_summary(db):
    with open_store(db) as store:
        add_claim(store, "Tessar has 2 hospitals")
        review.save_review(store, 2, 0, {"status": "verdict_given", "human_verdict": "refuted"}, "alice")
        assert [r.claim_id for r in review.queue(store)] == [1, 2]
        assert [r.claim_id for r in review.queue(store, review.QueueFilter(statuses=("new",)))] == [1]
        assert [r.claim_id for r in review.queue(store, review.QueueFilter(search="TESSAR"))] == [2]
        assert [r.claim_id for r in review.queue(store, review.QueueFilter(verdicts=("supported",)))] == []
        assert review.queue_summary(store) == [
            QueueCount("unchecked", "new", 1),
            QueueCount("unchecked", "verdict_given", 1),
        ]
        assert review.queue(store, sort="updated")[0].claim_id == 2
        with pytest.raises(ReviewError):
            review.queue(store, sort="text; DROP TABLE claims")


def test_set_credibility_validates(db):
    with open_store(db) as store:
        review.set_credibility(store, "Riverside Post", "not_credible")
        review.set_credibility(store, "Riverside Post", "credible")
        assert store.credibility_by_outlet() == {"Riverside Post": "credible"}
        with pytest.raises(ReviewError):
            review.set_credibility(store, "Riverside Post", "shady")


def test_corrections_survive_redecide_and_recheck(checked_store, embedder):
    cfg = checked_store
    with open_store(cfg.db_path) as store:
        before = load_latest_check(store, 1)
        assert redecide(store, 1).check_id == before.check_id  # nothing changed: no new check stored
        review.correct_evidence(store, 1, 8, "agrees", "carol", was="conflicts")  # Riverside Post's 80 km
        after = redecide(store, 1)
        assert after.check_id != before.check_id and (after.agreeing, after.conflicting) == (4, 0)
        assert load_latest_check(store, 1).conflicting == 0
        vindex = load_vector_index(store, cfg, embedder)
        again = check_claim(store, vindex, embedder, UnsureStanceModel(), 1, k=25)
        (fixed,) = [i for i in again.evidence if i.hit.passage_id == 8]
        assert (fixed.stance, fixed.confidence, fixed.reason) == ("agrees", 1.0, "corrected by carol")
        assert again.conflicting == 0 and len(store.check_history(1)) == 3


def test_taking_a_correction_back_restores_the_machines_stance_and_verdict(checked_store):
    with open_store(checked_store.db_path) as store:
        before = load_latest_check(store, 1)
        (machine,) = [i for i in before.evidence if i.hit.passage_id == 8]  # Riverside Post's 80 km
        review.correct_evidence(store, 1, 8, "agrees", "carol", was=machine.stance)
        redecide(store, 1)
        (fixed,) = [i for i in load_latest_check(store, 1).evidence if i.hit.passage_id == 8]
        assert fixed.machine == MachineStance(machine.stance, machine.confidence, machine.reason)
        review.undo_correction(store, 1, 8, "dave", was="agrees", machine_stance=machine.stance)
        after = redecide(store, 1)
        assert load_corrections(store, 1) == {}
        assert after.check_id != before.check_id and len(store.check_history(1)) == 3
        assert (after.verdict, after.agreeing) == (before.verdict, before.agreeing)
        assert after.conflicting == before.conflicting
        assert [i for i in after.evidence if i.hit.passage_id == 8] == [machine]
        newest = review.history(store, 1)[0]
        assert (newest.field, newest.old_value, newest.new_value, newest.reviewer) == (
            "evidence:8", "agrees", f"{machine.stance} (machine)", "dave"
        )  # fmt: skip
        with pytest.raises(ReviewError, match="no correction to take back"):
            review.undo_correction(store, 1, 8, "dave", was="agrees", machine_stance=machine.stance)
        with pytest.raises(ReviewError):  # nameless
            review.undo_correction(store, 1, 8, " ", was="agrees", machine_stance=machine.stance)


def test_migration_finds_the_machines_stance_of_evidence_corrected_before_it(checked_demo, tmp_path):
    cfg = copy_database(checked_demo, tmp_path)
    with open_store(cfg.db_path) as store:  # a file from before migration 5, where a correction overwrote the stance
        (check_id,) = store.execute("SELECT max(check_id) FROM checks WHERE claim_id = 1").fetchone()
        original = store.execute(
            "SELECT stance, confidence, reason FROM evidence WHERE check_id = ? AND passage_id = 8", [check_id]
        ).fetchone()
        for column in ("machine_stance", "machine_confidence", "machine_reason"):
            store.execute(f"ALTER TABLE evidence DROP COLUMN {column}")
        store.execute("DELETE FROM schema_migrations WHERE version = 5")
        (later,) = store.execute(
            """INSERT INTO checks (claim_id, verdict, confidence, reason, agreeing, conflicting, stance_model,
                                   embedding_model)
               SELECT claim_id, 'supported', 0.9, 'r', 4, 0, stance_model, embedding_model FROM checks
               WHERE check_id = ? RETURNING check_id""",
            [check_id],
        ).fetchone()
        store.execute(
            """INSERT INTO evidence SELECT ?, passage_id, rank, retrieval_score,
                   CASE WHEN passage_id = 8 THEN 'agrees' ELSE stance END,
                   CASE WHEN passage_id = 8 THEN 1.0 ELSE confidence END,
                   CASE WHEN passage_id = 8 THEN 'corrected by carol' ELSE reason END,
                   number_check, model_id, after_claim
               FROM evidence WHERE check_id = ?""",
            [later, check_id],
        )
    with open_store(cfg.db_path) as store:
        latest = load_latest_check(store, 1)
        (fixed,) = [i for i in latest.evidence if i.hit.passage_id == 8]
        assert (fixed.stance, fixed.reason) == ("agrees", "corrected by carol")
        assert fixed.machine == MachineStance(*original)
        assert all(i.machine is None for i in latest.evidence if i.hit.passage_id != 8)


def test_every_queue_sort_has_its_order_in_the_duckdb_store():
    from workbench.storage import QUEUE_SORTS
    from workbench.storage.common.reviews import QUEUE_ORDER

    assert list(QUEUE_ORDER) == list(QUEUE_SORTS)


GIVE = {"status": "verdict_given", "human_verdict": "refuted", "rationale": "Orlan has two bridges."}


def test_the_desk_rule_holds_a_verdict_until_a_different_reviewer_approves_it(db):
    from workbench.export import build_claimreview, load_verdicts

    with open_store(db) as store:
        given = review.save_review(store, 1, 0, GIVE, "alice", second_reviewer=True)
        assert (given.status, given.approved_by) == ("awaiting_approval", None)
        assert build_claimreview(load_verdicts(store), approved_only=True) == "[]\n"  # not published yet
        assert "refuted" not in build_claimreview(load_verdicts(store), approved_only=True)
        with pytest.raises(ReviewError, match="alice gave this verdict; a different reviewer"):
            review.approve(store, 1, given.version, " Alice ")  # the same person, however typed
        with pytest.raises(StaleWriteError):
            review.approve(store, 1, given.version - 1, "bob")
        same = review.save_review(store, 1, given.version, GIVE, "alice", second_reviewer=True)
        assert same == given  # saving the form again as it was changes nothing
        approved = review.approve(store, 1, given.version, "bob")
        assert (approved.status, approved.reviewer, approved.approved_by) == ("verdict_given", "alice", "bob")
        published = build_claimreview(load_verdicts(store), approved_only=True)
        assert '"alternateName": "False"' in published and '"name": "alice"' in published
        with pytest.raises(ReviewError, match="no verdict awaiting approval"):
            review.approve(store, 1, approved.version, "carol")
        kept = review.save_review(store, 1, approved.version, GIVE, "carol", second_reviewer=True)
        assert kept == approved  # an approved verdict saved unchanged stays approved
        edited = review.save_review(
            store, 1, approved.version, GIVE | {"rationale": "Two bridges, one closed."}, "carol", second_reviewer=True
        )
        assert (edited.status, edited.approved_by) == ("awaiting_approval", None)  # an edit needs a new approval
        events = [(e.field, e.old_value, e.new_value, e.reviewer) for e in review.history(store, 1)]
    assert ("approval", None, "approved", "bob") in events
    assert ("status", "awaiting_approval", "verdict_given", "bob") in events
    assert events[0][:3] in {("status", "verdict_given", "awaiting_approval"), ("rationale", GIVE["rationale"],
                                                                             "Two bridges, one closed.")}  # fmt: skip


def test_a_second_reviewer_sends_a_verdict_back_with_a_note(db):
    with open_store(db) as store:
        given = review.save_review(store, 1, 0, GIVE, "alice", second_reviewer=True)
        with pytest.raises(ReviewError, match="say why the verdict goes back"):
            review.send_back(store, 1, given.version, "bob", "   ")
        back = review.send_back(store, 1, given.version, "bob", "The city's site lists three bridges.")
        assert (back.status, back.human_verdict, back.approved_by) == ("in_review", "refuted", None)
        events = [(e.field, e.new_value, e.reviewer) for e in review.history(store, 1)]
        assert ("approval", "sent back: The city's site lists three bridges.", "bob") in events
        with pytest.raises(ReviewError, match="awaiting approval' is set by the workbench"):
            review.save_review(store, 1, back.version, {"status": "awaiting_approval"}, "alice")


def test_without_the_desk_rule_a_verdict_is_given_and_published_at_once(db):
    from workbench.export import build_claimreview, load_verdicts

    with open_store(db) as store:
        given = review.save_review(store, 1, 0, GIVE, "alice")
        assert (given.status, given.approved_by) == ("verdict_given", None)
        assert '"alternateName": "False"' in build_claimreview(load_verdicts(store))
        # Turned on later, the rule publishes only what a second reviewer approved: this verdict is held back.
        assert build_claimreview(load_verdicts(store), approved_only=True) == "[]\n"
        resaved = review.save_review(store, 1, given.version, GIVE, "alice", second_reviewer=True)
        assert resaved.status == "awaiting_approval"


def test_the_cli_export_follows_the_desk_rule(db, monkeypatch):
    import json

    from typer.testing import CliRunner

    from workbench.cli import app

    with open_store(db) as store:
        review.save_review(store, 1, 0, GIVE, "alice", second_reviewer=True)

    def exported() -> list:
        result = CliRunner().invoke(app, ["--db", str(db), "export", "-", "--format", "claimreview"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert [r["reviewRating"]["alternateName"] for r in exported()] == ["False"]  # the rule off: any human verdict
    monkeypatch.setenv("WORKBENCH_SECOND_REVIEWER", "1")
    assert exported() == []  # awaiting approval
    with open_store(db) as store:
        review.approve(store, 1, 1, "bob")
    assert [r["author"]["name"] for r in exported()] == ["alice"]
    monkeypatch.setenv("WORKBENCH_SECOND_REVIEWER", "maybe")
    result = CliRunner().invoke(app, ["--db", str(db), "export", "-", "--format", "claimreview"])
    assert result.exit_code != 0 and "WORKBENCH_SECOND_REVIEWER='maybe' is not one of 1, true" in str(result.exception)

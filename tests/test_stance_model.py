"""The shipped stance models (models/stance-minilm, models/stance-mpnet and their cascade, the default), tested for
real: integrity check, interface, known pairs, the mpnet delta and its build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from claims.onnx_classifier import DELTA_CONFIG, ModelIntegrityError, ModelNotBuiltError, length_buckets, sha256_file
from claims.stance import (
    CASCADE_SPEC,
    DEFAULT_MODEL_DIR,
    DEFAULT_SPEC,
    MPNET_MODEL_DIR,
    CascadeStanceModel,
    HuggingFaceStanceModel,
    OnnxStanceModel,
    StanceModel,
    StancePrediction,
    cascade_parts,
    load_stance_model,
)
from claims.stance_eval import LABELS, LabelledPair, balanced_accuracy, evaluate, macro_f1
from claims.vocabulary import STANCES
from tests.conftest import load_training_script
from tests.fakes import FiguresSideModel, RecordingStanceModel, SureConflictModel
from workbench.config import load_settings
from workbench.errors import WorkbenchError

REPO = Path(__file__).resolve().parents[1]

SAMARRA = ("Samarra is located about 60 miles north-west of Baghdad.", "Samarra is 30 miles from Baghdad")
MOSUL = (
    "Militants seized $500 million from banks in Mosul after taking the city, the governor said.",
    "ISIS seized half a billion dollars in Mosul",
)
IRAN = ("2000 Iranian troops were sent to Iraq.", "Iran will send advisers, but probably not troops")
AGREE = (
    "Soul Food is a 1997 American comedy-drama film produced by Kenneth Edmonds and released by Fox 2000 Pictures.",
    "Fox 2000 Pictures released the film Soul Food.",
)
CONFLICT = (
    "Soul Food is a 1997 American comedy-drama film produced by Kenneth Edmonds and released by Fox 2000 Pictures.",
    "Soul Food was never released.",
)
UNRELATED = (
    "The Danube flows through ten countries before it reaches the Black Sea.",
    "The new vaccine was approved by regulators in December.",
)


@pytest.fixture
def cascade(stance_model) -> CascadeStanceModel:
    """The shipped cascade, the session's `stance_model` (load_stance_model(None)): MiniLM, then mpnet on the pairs
    MiniLM gives a side."""
    return stance_model


@pytest.fixture
def model(cascade: CascadeStanceModel) -> OnnxStanceModel:
    """The shipped MiniLM int8 ONNX model, the cascade's first reader."""
    return cascade.first


@pytest.fixture(params=["minilm", "mpnet", "cascade"])
def reader(request, cascade: CascadeStanceModel) -> StanceModel:
    """Each shipped reader: MiniLM, mpnet, and the cascade of the two (the default)."""
    return {"minilm": cascade.first, "mpnet": cascade.second, "cascade": cascade}[request.param]


@pytest.mark.real_model
def test_default_spec_loads_the_shipped_cascade(cascade: CascadeStanceModel) -> None:
    assert DEFAULT_SPEC == CASCADE_SPEC == "cascade:minilm,mpnet"
    assert isinstance(cascade, CascadeStanceModel) and isinstance(cascade, StanceModel)
    assert cascade.first.folder == DEFAULT_MODEL_DIR == REPO / "models" / "stance-minilm"
    assert cascade.second.folder == MPNET_MODEL_DIR == REPO / "models" / "stance-mpnet"
    minilm = load_stance_model("minilm")
    assert isinstance(minilm, OnnxStanceModel) and minilm.model_id == OnnxStanceModel().model_id
    assert cascade.model_id == f"{minilm.model_id}>stance-mpnet-v5-r64"
    assert load_stance_model("default").model_id == load_stance_model("").model_id == cascade.model_id


def test_shipped_folder_is_small_and_complete() -> None:
    names = {p.name for p in DEFAULT_MODEL_DIR.iterdir()}
    assert {"model.onnx", "tokenizer.json", "config.json", "MODEL_CARD.md"} <= names
    assert sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()) < 50 * 2**20
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["labels"][:2] == ["agrees", "conflicts"] and set(config["labels"]) <= set(STANCES)


def test_tampered_config_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "stance"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    config = json.loads((copy / "config.json").read_text())
    config["onnx_sha256"] = "0" * 64
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelIntegrityError, match="sha256"):
        OnnxStanceModel(copy)


def test_tampered_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "stance"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    with (copy / "model.onnx").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelIntegrityError):
        load_stance_model(str(copy))


def test_predictions_are_well_formed(model: OnnxStanceModel) -> None:
    (pred,) = model.predict([AGREE])
    assert isinstance(pred, StancePrediction)
    assert set(pred.probabilities) == set(model.config.labels)
    assert sum(pred.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert pred.label == max(pred.probabilities, key=pred.probabilities.get)
    assert pred.confidence == pytest.approx(pred.probabilities[pred.label])
    assert model.predict([]) == []


def test_a_pairs_stance_does_not_depend_on_its_batch_mates(reader: StanceModel) -> None:
    # Dynamic int8 quantisation scales activations per batch tensor, so the default runs one pair at a time:
    # a stored stance must not change with whichever other passages were retrieved beside it.
    pairs = [AGREE, SAMARRA, UNRELATED, MOSUL, CONFLICT, IRAN] * 3
    together = reader.predict(pairs)
    one_by_one = [reader.predict([p])[0] for p in pairs]
    assert [p.label for p in together] == [p.label for p in one_by_one]
    for a, b in zip(together, one_by_one, strict=True):
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-6)


def test_plain_agreement_conflict_and_unrelated(reader: StanceModel) -> None:
    agree, conflict, unrelated = reader.predict([AGREE, CONFLICT, UNRELATED])
    assert agree.label == "agrees"
    assert conflict.label == "conflicts"
    assert unrelated.label == "unrelated"


def test_different_distance_agrees_less_than_the_same_distance(reader: StanceModel) -> None:
    same = (SAMARRA[0], "Samarra is 60 miles from Baghdad")
    changed, unchanged = reader.predict([SAMARRA, same])
    assert changed.probabilities["agrees"] < unchanged.probabilities["agrees"] - 0.1


def test_different_distance_is_not_agreement(reader: StanceModel) -> None:
    (pred,) = reader.predict([SAMARRA])
    assert pred.label != "agrees"


def test_same_amount_written_differently_agrees(reader: StanceModel) -> None:
    (pred,) = reader.predict([MOSUL])
    assert pred.label == "agrees"


def test_troops_sent_versus_no_troops_is_not_agreement(reader: StanceModel) -> None:
    (pred,) = reader.predict([IRAN])
    assert pred.label != "agrees"


def test_length_buckets_cover_every_index_once() -> None:
    lengths = [5, 1, 9, 3, 3, 7, 2]
    batches = length_buckets(lengths, 3)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) <= 3 for b in batches)
    assert [lengths[i] for b in batches for i in b] == sorted(lengths)


def test_huggingface_model_loads_lazily() -> None:
    code = (
        "import sys; from claims.stance import HuggingFaceStanceModel as H; "
        "H('some/nli-model', {'entailment': 'agrees', 'contradiction': 'conflicts', 'neutral': 'unrelated'}); "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'duckdb', 'streamlit')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert HuggingFaceStanceModel("x").label_map["contradiction"] == "conflicts"


def test_metrics_on_known_arrays() -> None:
    truth = np.array([0, 0, 0, 1, 2, 2])
    pred = np.array([0, 0, 1, 1, 2, 0])
    assert balanced_accuracy(truth, pred, 3) == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)
    assert macro_f1(truth, pred, 3) == pytest.approx((2 / 3 + 2 / 3 + 2 / 3) / 3)


def test_two_label_sources_ignore_unrelated() -> None:
    def pred(agrees: float, conflicts: float, unrelated: float) -> StancePrediction:
        probs = {"agrees": agrees, "conflicts": conflicts, "unrelated": unrelated}
        return StancePrediction(max(probs, key=probs.get), max(probs.values()), probs)

    pairs = [LabelledPair("fever", "e", "c", "agrees"), LabelledPair("fever", "e", "c", "conflicts")]
    (row,) = evaluate(pairs, [pred(0.2, 0.1, 0.7), pred(0.1, 0.3, 0.6)])
    assert (row.labels, row.accuracy, row.balanced_accuracy) == (2, 1.0, 1.0)


def test_gated_pairs_are_unrelated_right_on_three_labels_wrong_on_two() -> None:
    def pred(label: str) -> StancePrediction:
        probs = {k: (0.8 if k == label else 0.1) for k in LABELS}
        return StancePrediction(label, 0.8, probs)

    pairs = [
        LabelledPair("fever", "e", "c", "agrees"),
        LabelledPair("fever", "e", "c", "conflicts"),
        LabelledPair("healthver", "e", "c", "unrelated"),
        LabelledPair("healthver", "e", "c", "agrees"),
    ]
    predictions = [pred("agrees"), pred("conflicts"), pred("conflicts"), pred("agrees")]
    fever, healthver = evaluate(pairs, predictions, gated=[True, False, True, False])
    assert (fever.accuracy, fever.gated) == (0.5, 0.5)  # the gated supporting pair counts as wrong
    assert (healthver.accuracy, healthver.gated) == (1.0, 0.5)  # the gated neutral pair becomes right
    assert evaluate(pairs, predictions)[1].accuracy == 0.5
    assert evaluate(pairs, predictions)[0].gated is None


def test_a_cascade_asks_its_second_model_only_about_the_pairs_the_first_gives_a_side() -> None:
    first, second = RecordingStanceModel(FiguresSideModel()), RecordingStanceModel(SureConflictModel())
    cascade = CascadeStanceModel(first, second)
    with_figure, without = ("Officials said 40 people were killed.", "40 died"), ("Officials spoke.", "40 died")
    out = cascade.predict([with_figure, without, with_figure])
    assert first.asked == [with_figure, without, with_figure]
    assert second.asked == [with_figure, with_figure]  # FiguresSideModel gives a side only where there is a figure
    assert [p.label for p in out] == ["conflicts", "discusses", "conflicts"]
    assert cascade.model_id == "figures-side>conflicts-fixed"
    assert cascade.predict([]) == []
    second.asked.clear()
    out = cascade.predict([with_figure, without, with_figure], skip=[True, False, False])  # the first one is settled
    assert second.asked == [with_figure] and [p.label for p in out] == ["agrees", "discusses", "conflicts"]


@pytest.mark.real_model
def test_a_cascade_spec_loads_both_real_models(model: OnnxStanceModel) -> None:
    cascade = load_stance_model("cascade:,mpnet")
    assert cascade.first.folder == DEFAULT_MODEL_DIR and cascade.second.folder == MPNET_MODEL_DIR
    assert cascade.model_id == f"{model.model_id}>{cascade.second.model_id}"
    pairs = [AGREE, CONFLICT, UNRELATED, SAMARRA]
    first, second = model.predict(pairs), cascade.second.predict(pairs)
    expected = [b if a.label in ("agrees", "conflicts") else a for a, b in zip(first, second, strict=True)]
    assert cascade.predict(pairs) == expected
    cascade = load_stance_model(f"cascade:,{DEFAULT_MODEL_DIR}")
    assert isinstance(cascade, CascadeStanceModel) and isinstance(cascade.second, OnnxStanceModel)
    assert cascade.model_id == f"{model.model_id}>{model.model_id}"
    pairs = [AGREE, CONFLICT, UNRELATED, SAMARRA]
    # the same model twice: the second reading of a sided pair is the first one's
    assert [(p.label, round(p.confidence, 5)) for p in cascade.predict(pairs)] == [
        (p.label, round(p.confidence, 5)) for p in model.predict(pairs)
    ]


@pytest.mark.parametrize("spec", ["cascade:", "cascade:a", "cascade:a,b,c", "cascade:,cascade:a,b"])
def test_a_malformed_cascade_is_one_line_before_any_model_loads(spec: str, monkeypatch) -> None:
    with pytest.raises(ValueError, match="FIRST,SECOND"):
        cascade_parts(spec)
    monkeypatch.setenv("WORKBENCH_STANCE_MODEL", spec)
    with pytest.raises(WorkbenchError, match="WORKBENCH_STANCE_MODEL="):
        load_settings()


# --- the mpnet model, shipped as a low-rank delta from all-mpnet-base-v2 (training/stance_delta.py) ---------


@pytest.fixture(scope="module")
def stance_delta():
    """training/stance_delta.py as a module."""
    return load_training_script("stance_delta")


def test_a_low_rank_delta_joins_back_to_the_tuned_weights(stance_delta) -> None:
    rng = np.random.default_rng(7)
    base = {"layer.weight": rng.normal(size=(40, 30)), "layer.bias": rng.normal(size=30)}
    base["small"] = rng.normal(size=(3, 3))
    low = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 30)) * 0.01  # a rank-3 change
    tuned = {
        "mpnet.layer.weight": base["layer.weight"] + low,
        "mpnet.layer.bias": base["layer.bias"] + 0.5,
        "mpnet.small": base["small"] + 1.0,  # too small to factor at rank 4: its whole delta ships
        "mpnet.position_ids": np.arange(5),  # an integer buffer ships as it is
        "classifier.weight": rng.normal(size=(4, 30)),  # not in the base: ships whole
    }
    shipped = stance_delta.split_delta(tuned, base, rank=4)
    assert set(shipped) == {
        "mpnet.layer.weight.a", "mpnet.layer.weight.b", "mpnet.layer.bias.delta", "mpnet.small.delta",
        "mpnet.position_ids.full", "classifier.weight.full",
    }  # fmt: skip
    assert shipped["mpnet.layer.weight.a"].shape == (40, 4) and shipped["mpnet.layer.weight.a"].dtype == np.float16
    joined = stance_delta.join_delta(shipped, base, list(tuned))
    for name, weight in tuned.items():
        np.testing.assert_allclose(joined[name], weight, atol=1e-4, err_msg=name)
    assert joined["mpnet.position_ids"].dtype == tuned["mpnet.position_ids"].dtype
    with pytest.raises(SystemExit, match=r"no tensor for mpnet\.other"):
        stance_delta.join_delta(shipped, base | {"other": np.zeros(2)}, ["mpnet.other"])


def test_a_delta_folder_that_is_not_built_names_the_build_command(tmp_path: Path) -> None:
    folder = tmp_path / "stance-delta"
    folder.mkdir()
    (folder / DELTA_CONFIG).write_text(json.dumps({"delta_sha256": "a" * 64}))
    with pytest.raises(ModelNotBuiltError, match=r"has not been built: run `python training/stance_delta.py build "):
        load_stance_model(str(folder))
    (folder / "config.json").write_text(json.dumps({"delta_sha256": "b" * 64, "onnx_sha256": "c" * 64}))
    with pytest.raises(ModelNotBuiltError, match="built from another version of its delta"):
        load_stance_model(str(folder))


def test_a_command_needing_an_unbuilt_model_says_so_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "stance-delta"
    folder.mkdir()
    (folder / DELTA_CONFIG).write_text(json.dumps({"delta_sha256": "a" * 64}))
    env = {"WORKBENCH_STANCE_MODEL": f"cascade:,{folder}", "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "eval", "stance", "--limit", "1"], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: {folder} ships as a delta from its base model and has not been built: run "
        f"`python training/stance_delta.py build {folder}` (make run and make test do it)"
    )


def test_the_mpnet_folder_ships_only_its_delta_and_card() -> None:
    folder = str(MPNET_MODEL_DIR.relative_to(REPO))
    tracked = subprocess.run(["git", "ls-files", folder], cwd=REPO, capture_output=True, text=True, check=True)
    tracked = tracked.stdout.split()
    assert sorted(Path(name).name for name in tracked) == ["MODEL_CARD.md", "delta.json", "delta.safetensors"]
    assert sum((REPO / name).stat().st_size for name in tracked) < 50 * 2**20  # GitHub refuses files over 100 MB
    config = json.loads((MPNET_MODEL_DIR / DELTA_CONFIG).read_text())
    assert config["delta_sha256"] == sha256_file(MPNET_MODEL_DIR / "delta.safetensors")


@pytest.mark.real_model
def test_the_built_mpnet_model_reads_plain_pairs() -> None:
    mpnet = load_stance_model("mpnet")
    assert isinstance(mpnet, OnnxStanceModel) and mpnet.model_id == "stance-mpnet-v5-r64"
    built = json.loads((MPNET_MODEL_DIR / "config.json").read_text())
    assert built["delta_sha256"] == json.loads((MPNET_MODEL_DIR / DELTA_CONFIG).read_text())["delta_sha256"]
    assert [p.label for p in mpnet.predict([AGREE, CONFLICT, UNRELATED])] == ["agrees", "conflicts", "unrelated"]

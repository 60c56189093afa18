"""Import hygiene of the serving modules (everything under workbench/, claims/ and index/), after harlequin's
test_import_hygiene.py: each module imported in a fresh subprocess must not pull in the UI or a model runtime, and
the modules that reach torch at all are exactly today's."""

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO

LIBRARY_PACKAGES = ("workbench", "claims", "index")
# workbench/__main__.py runs the CLI when imported, so it is imported through workbench.cli instead.
MODULE_FILES = {
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): path
    for package in LIBRARY_PACKAGES
    for path in (REPO / package).rglob("*.py")
    if path.name != "__main__.py"
}
SERVING_MODULES = sorted(MODULE_FILES)
# The UI belongs to app_pages/ only; the model runtimes load lazily, when a model is built, so that the CLI's --help,
# an import or a page that only reads the database never pays their seconds of start-up.
FORBIDDEN_AT_IMPORT = ("streamlit", "torch", "sentence_transformers", "transformers", "onnxruntime")
TORCH_STACK = {"torch", "sentence_transformers", "transformers"}
# The serving modules with an import (lazy ones included) of the torch stack today: the default embedder runs on
# sentence-transformers and claims.stance can load any Hugging Face cross-encoder. The performance issue's ONNX path
# shrinks this set; a module that adds a torch import fails here until it is listed (or, better, avoided).
REACHES_TORCH = {"claims.stance", "index.embedders"}


def test_every_library_package_is_listed():
    # the modules the hand-picked list of this test named before it listed them all; a broken glob cannot pass
    assert {
        "workbench.cli", "workbench.ingest", "workbench.retrieval", "workbench.claimbook", "claims.extraction",
        "workbench.review", "workbench.export", "workbench.pipeline", "claims.normalise", "index.segmenting",
        "index.vectors", "index.embedders", "index.fusion",
    } <= set(SERVING_MODULES)  # fmt: skip
    assert "workbench.__main__" not in SERVING_MODULES and "workbench" in SERVING_MODULES


@pytest.mark.parametrize("module", SERVING_MODULES)
def test_a_library_module_imports_neither_the_ui_nor_a_model_runtime(module):
    code = f"import sys, {module}; print(' '.join(m for m in {FORBIDDEN_AT_IMPORT!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "", f"importing {module} imports {done.stdout.strip()}"


def _imported_top_names(path) -> set[str]:
    """Every package a module imports anywhere in it, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_modules_that_reach_torch_are_exactly_todays():
    reaching = {module for module, path in MODULE_FILES.items() if _imported_top_names(path) & TORCH_STACK}
    assert reaching == REACHES_TORCH

import subprocess
import sys

from tests.conftest import REPO


def test_library_packages_do_not_import_streamlit():
    code = (
        "import sys, workbench.cli, workbench.ingest, workbench.retrieval, workbench.claimbook, claims.extraction, "
        "workbench.review, workbench.export, workbench.pipeline, "
        "claims.normalise, index.segmenting, index.vectors, index.embedders, index.fusion; "
        "print('streamlit' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "False"

"""`import` with stderr piped prints a plain line per file and, while a big file embeds, a periodic line."""

from __future__ import annotations

import fcntl
import os
import pty
import random
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.conftest import REPO, SEED_PLAIN
from workbench.indexing import EMBED_BATCH

pytestmark = [pytest.mark.real_model, pytest.mark.slow]  # imports through the real CLI and embedder

PYTHON = REPO / ".venv" / "bin" / "python"
# The CLI with the periodic line's interval set to 0, so a test need not embed for 10 s to see one.
EVERY_BATCH = "import workbench.cli as cli; cli.commands.IMPORT_PROGRESS_EVERY_S = 0; cli.main()"


def _python() -> str:
    return str(PYTHON if PYTHON.exists() else sys.executable)


def _small_files(folder: Path) -> list[Path]:
    first = folder / "a.txt"
    first.write_text("Dam report\n\nThe dam holds 3 000 cubic metres.\n\nEngineers checked it on Monday.\n")
    second = folder / "b.jsonl"
    second.write_text(
        '{"title": "One", "text": "Rain fell on the northern hills all week."}\n'
        '{"title": "Two", "text": "The harvest in the valley was late this year."}\n'
    )
    return [first, second]


def _big_file(folder: Path, passages: int) -> Path:
    rng = random.Random(13)
    words = SEED_PLAIN.read_text(encoding="utf-8").split()
    paragraphs = [" ".join(rng.choice(words) for _ in range(25)) + "." for _ in range(passages)]
    big = folder / "big.txt"
    big.write_text("Big report\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    return big


def test_piped_import_prints_a_line_per_file_and_progress_inside_a_big_file(tmp_path):
    files = [*_small_files(tmp_path), _big_file(tmp_path, EMBED_BATCH + 50)]
    done = subprocess.run(
        [_python(), "-c", EVERY_BATCH, "--db", str(tmp_path / "p.duckdb"), "import", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    total = EMBED_BATCH + 50 + 1  # the title line is a passage too
    assert len(lines) == 4, lines
    assert lines[:2] == [
        f"[1/3] {files[0]}: imported 1 article(s), 3 passages",
        f"[2/3] {files[1]}: imported 2 article(s), 2 passages",
    ]
    # two files done, the third embedding: how far, at what pace, how long is left
    so_far = 3 + 2 + EMBED_BATCH
    assert re.fullmatch(
        rf"{re.escape(str(files[2]))}: embedded {EMBED_BATCH} of {total} passages · "
        rf"file 3 of 3, {so_far} passages, [\d,]+ per s, about \d+ (s|min) left",
        lines[2],
    ), lines[2]
    assert lines[3] == f"[3/3] {files[2]}: imported 1 article(s), {total} passages"
    assert "4 article(s)" in done.stdout and "0 failed" in done.stdout  # the summary stays on stdout


def test_piped_import_of_small_files_prints_only_the_file_lines(tmp_path):
    files = _small_files(tmp_path)
    bad = tmp_path / "c.csv"
    bad.write_text("title\nno text column\n")
    done = subprocess.run(
        [_python(), "-m", "workbench", "--db", str(tmp_path / "p.duckdb"), "import", *map(str, [*files, bad])],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    assert done.returncode == 1  # one file failed; the others are imported and each has its line
    assert done.stderr.splitlines() == [
        f"[1/3] {files[0]}: imported 1 article(s), 3 passages",
        f"[2/3] {files[1]}: imported 2 article(s), 2 passages",
        f"[3/3] {bad}: failed no 'text' column (columns: title)",
    ]


def test_import_on_a_terminal_draws_the_bar_instead_of_lines(tmp_path):
    files = _small_files(tmp_path)
    leader, follower = pty.openpty()
    # A new pty is 0 columns wide, and tqdm trims its bar to the width: give it a real terminal's size.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    try:
        process = subprocess.Popen(
            [_python(), "-m", "workbench", "--db", str(tmp_path / "p.duckdb"), "import", *map(str, files)],
            stdout=subprocess.PIPE,
            stderr=follower,
            cwd=REPO,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the pty closes when the process exits
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=600) == 0
        process.stdout.close()
    finally:
        os.close(leader)
        if follower is not None:
            os.close(follower)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    # the bar full, the last file's line as its caption
    assert "100% |" in terminal and "[2/2] b.jsonl: imported" in terminal
    assert "file 2 of 2, 5 passages, " in terminal and " per s" in terminal  # the pace, drawn while it embeds
    assert "\r" in terminal  # redrawn in place
    assert not re.search(r"^\[\d+/\d+\] ", terminal, re.MULTILINE)  # no plain lines on a terminal

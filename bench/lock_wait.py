"""How long another process waits for the database while `check --all` runs beside it.

Usage: python -m bench.lock_wait [--claims 40] [-k 300] [--every 0.5] [--checkout PATH ...] [--warmup 12]

Builds a database once (the seeds and the demo articles, `--claims` distinct claims), then for each checkout (this
one by default; another, e.g. a `git worktree` of an older commit, to compare) copies it, starts that checkout's
`python -m workbench check --all -k K` and, from this process, adds a claim every `--every` seconds until the check
ends. Prints one row per checkout: how many adds were made and refused as busy, and the wait for the database
(median, 90th percentile, max). The waiting side is always this checkout's library.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
PLACES = ("Samarra", "Mosul", "Tikrit", "Baghdad", "Orlan", "Marovia", "Falluja", "Kirkuk")


@dataclass(frozen=True, slots=True)
class LockWaitRow:
    """What the other process met while one check --all ran."""

    checkout: str
    check_s: float
    adds: int
    busy: int
    waits: tuple[float, ...]

    def line(self) -> str:
        waits = sorted(self.waits)
        p90 = waits[min(len(waits) - 1, int(0.9 * len(waits)))] if waits else float("nan")
        median = statistics.median(waits) if waits else float("nan")
        return (
            f"| {self.checkout} | {self.check_s:.0f} | {self.adds} | {self.busy} | {median:.2f} | {p90:.2f} | "
            f"{max(waits, default=float('nan')):.2f} |"
        )


def build_database(path: Path, claims: int) -> None:
    """The seeds and the demo articles imported with the shipped embedder, and `claims` distinct claims."""
    from index.embedders import load_embedder
    from workbench import claimbook
    from workbench.config import Settings
    from workbench.ingest import import_files
    from workbench.storage import open_store

    files = [*sorted(SEEDS.glob("*.txt")), REPO / "examples" / "articles"]
    import_files(files, Settings(db_path=path), load_embedder(None))
    with open_store(path) as store:
        for i in range(claims):
            claimbook.add_claim(
                store, f"ISIS fighters were {10 + i // len(PLACES)} miles from {PLACES[i % len(PLACES)]}"
            )


def measure(checkout: Path, db: Path, k: int, every_s: float, warmup_s: float) -> LockWaitRow:
    """Run checkout's check --all on db and add claims beside it; see the module docstring."""
    from workbench import claimbook
    from workbench.errors import StorageError
    from workbench.storage import open_store

    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-m", "workbench", "--db", str(db), "check", "--all", "-k", str(k)]
    with (db.parent / "check.out").open("w") as out:
        checker = subprocess.Popen(command, cwd=checkout, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        started = threading.Event()

        def watch() -> None:  # the first claim stored ("[1/40] ...") marks the start of the long part
            for line in checker.stderr:
                if line.startswith("["):
                    started.set()

        threading.Thread(target=watch, daemon=True).start()
        # A checkout from before the progress lines prints nothing when piped: start after its model has loaded.
        started.wait(timeout=warmup_s)
        begun = time.monotonic()
        waits, busy = [], 0
        while checker.poll() is None:
            opened = time.monotonic()
            try:
                with open_store(db) as store:
                    claimbook.add_claim(store, f"Marovia sent {len(waits) * 100 + 7} troops to Orlan")
            except StorageError:
                busy += 1
            waits.append(time.monotonic() - opened)
            time.sleep(every_s)
    if checker.returncode:
        raise SystemExit(f"check --all in {checkout} exited with {checker.returncode}")
    return LockWaitRow(str(checkout), time.monotonic() - begun, len(waits), busy, tuple(waits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("-k", type=int, default=300)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between the other process's adds")
    parser.add_argument("--checkout", type=Path, action="append", help="a workbench checkout (default: this one)")
    parser.add_argument(
        "--warmup", type=float, default=12.0, help="seconds to wait for a checkout that prints no progress"
    )
    args = parser.parse_args()
    checkouts = args.checkout or [REPO]
    with tempfile.TemporaryDirectory(prefix="lock-wait-") as folder:
        base = Path(folder) / "base" / "bench.duckdb"
        base.parent.mkdir()
        build_database(base, args.claims)
        print(f"check --all -k {args.k} over {args.claims} claims; another process adds a claim every {args.every} s")
        print("| checkout | check s | adds | refused busy | wait median s | p90 s | max s |")
        print("|---|---|---|---|---|---|---|")
        for number, checkout in enumerate(checkouts):
            run = Path(folder) / f"run{number}"
            shutil.copytree(base.parent, run)
            print(measure(checkout.resolve(), run / base.name, args.k, args.every, args.warmup).line(), flush=True)


if __name__ == "__main__":
    main()

"""Another commit's code beside this checkout's, for benchmarks that compare the two in one run.

``export(ref, folder)`` writes the tree of a commit with ``git archive``; a child process runs
that code when started with ``code_env(tree)`` from ``cwd=tree`` (``python -m`` puts the working
folder first on the path).
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "code_env", "export", "run_flags"]


def export(ref: str, folder: Path) -> Path:
    """The tree of commit ``ref`` of this repository, written under ``folder``; LookupError if
    there is no such commit."""
    done = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise LookupError(f"cannot export commit {ref!r}: "
                          f"{done.stderr.decode(errors='replace').strip()}")
    archive = done.stdout
    target = folder / "ref"
    target.mkdir()
    with tempfile.TemporaryFile() as buffer:
        buffer.write(archive)
        buffer.seek(0)
        with tarfile.open(fileobj=buffer) as tar:
            tar.extractall(target, filter="data")
    return target


def code_env(tree: Path) -> dict[str, str]:
    """The environment of a child process that imports cxsim from ``tree``."""
    return {**os.environ, "PYTHONPATH": str(tree)}


def run_flags(tree: Path) -> list[str]:
    """Options of ``cxsim run`` that keep a benchmark measuring what it always measured: the
    tables without the HTML report, where the code under ``tree`` writes one (``bench_report.py``
    measures the report)."""
    sources = (tree / "cxsim").rglob("*.py")
    return ["--no-report"] if any('"--no-report"' in path.read_text() for path in sources) else []

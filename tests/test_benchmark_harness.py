"""Smoke test of benchmarks/bench_contacts.py: it runs and prints per-contact figures.

Runs a small benchmark without Ciw (which the test environment need not have). No timing value
is asserted: only that the figures are there, positive and finite.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "benchmarks" / "bench_contacts.py"
ROWS = ("whole process (cxsim run)", "simulation alone (simulate)")
COLUMNS = ("contacts", "wall s", "us/contact", "contacts/s")


def _figures(output: str, label: str) -> dict[str, float]:
    """The numbers of the table row starting with ``label``, by column name."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith(label)]
    assert len(lines) == 1, f"expected one '{label}' row in:\n{output}"
    cells = lines[0][len(label):].split()
    assert len(cells) == len(COLUMNS), f"unexpected row: {lines[0]!r}"
    return {name: float(cell.replace(",", "")) for name, cell in zip(COLUMNS, cells, strict=True)}


def test_harness_runs_without_ciw_and_prints_per_contact_figures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--contacts", "20000", "--no-ciw", "--repeat", "1"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )
    assert done.returncode == 0, done.stderr
    for label in ROWS:
        figures = _figures(done.stdout, label)
        for name, value in figures.items():
            assert math.isfinite(value) and value > 0, f"{label}: {name} = {value}"
        # About the contacts asked for (Poisson: 20,000 +- a few hundred).
        assert 18_000 < figures["contacts"] < 22_000
    assert "Ciw skipped" in done.stdout

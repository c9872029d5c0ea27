"""Test helpers: small scenarios built in code, and statistical checks derived from CIs."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from scipy import stats

import cxsim

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "scenarios"
T = TypeVar("T")


def cxsim_command(
    *args: str | Path, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``cxsim ARGS`` as a planner runs it, in a process of its own; fails on a traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "cxsim", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=timeout, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def short_horizon(path: Path) -> list[str]:
    """Changes (``path=value``) that shorten an example enough for the suite: orders need long
    enough for their promises (up to a few business days) to fall due; the full horizon runs in
    the quick start."""
    full = cxsim.load_scenario(path)
    sells = any(region.demand for region in full.regions.values())
    days = min(full.horizon_days, 12 if sells else 3)
    return [f"horizon_days={days}", f"warmup_days={min(full.warmup_days, 1)}"]


# Two-sided 99.9%: with a fixed seed a check either always passes or always fails, so the
# level only sets how far from theory an estimate may stray before we call the model wrong.
CHECK_LEVEL = 0.999


def queue_scenario(
    *,
    per_hour: float,
    agents: int,
    handle_minutes: float,
    patience_minutes: float | None = None,
    kind: str = "sync",
    horizon_days: float = 5,
    warmup_days: float = 1,
    answer_within_s: float = 20,
    respond_within_hours: float = 1,
) -> cxsim.Scenario:
    """One region, one channel, one team: the M/M/c(+M) queue of queueing theory."""
    channel: dict[str, Any] = {
        "kind": kind,
        "handle_minutes": {"dist": "exponential", "mean": handle_minutes},
    }
    if kind == "sync":
        channel["target"] = {"answer_within_s": answer_within_s, "service_level": 0.8}
        if patience_minutes is not None:
            channel["patience_minutes"] = {"dist": "exponential", "mean": patience_minutes}
    else:
        channel["target"] = {"respond_within_hours": respond_within_hours, "service_level": 0.8}
    return cxsim.parse_scenario({
        "name": "theory check",
        "start_date": "2027-01-04",
        "horizon_days": horizon_days,
        "warmup_days": warmup_days,
        "regions": {"us": {"timezone": "UTC"}},
        "channels": {"q": channel},
        "contact_volume": [{"region": "us", "channel": "q", "per_hour": per_hour}],
        "teams": {"t": {"region": "us", "channels": ["q"], "agents": agents}},
    })


def per_rep(results: cxsim.Results, kpi: str, region: str = "*", channel: str = "*") -> np.ndarray:
    runs = results.runs
    rows = runs[(runs["kpi"] == kpi) & (runs["region"] == region) & (runs["channel"] == channel)]
    return rows.sort_values("rep")["value"].to_numpy(dtype=float)


def half_width(values: Sequence[float], level: float = CHECK_LEVEL) -> float:
    data = np.asarray(values, dtype=float)
    quantile = stats.t.ppf(0.5 + level / 2, data.size - 1)
    return float(quantile * data.std(ddof=1) / math.sqrt(data.size))


def assert_matches_theory(
    values: Sequence[float], expected: float, *, max_relative_half_width: float,
    bias_bound: float = 0.0,
) -> None:
    """The replication mean is within its confidence half-width (plus a known bias bound) of
    theory, and the estimate is precise enough for the check to mean something."""
    data = np.asarray(values, dtype=float)
    mean, half = float(data.mean()), half_width(data)
    assert half <= max_relative_half_width * abs(expected), (
        f"too imprecise to test: half-width {half:.4g} vs expected {expected:.4g}"
    )
    assert abs(mean - expected) <= half + bias_bound, (
        f"mean {mean:.5g} differs from theory {expected:.5g} by more than {half + bias_bound:.3g}"
    )


def traced_peak(call: Callable[[], T]) -> tuple[T, int]:
    """``call()`` and the peak of the memory Python allocated during it, bytes (tracemalloc)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


"""Direction of change: what a planner relies on when comparing scenarios."""

from __future__ import annotations

import numpy as np

import cxsim
from tests.support import half_width, per_rep, queue_scenario


def _paired(kpi: str, fewer: cxsim.Results, more: cxsim.Results) -> np.ndarray:
    return per_rep(more, kpi) - per_rep(fewer, kpi)


def test_more_agents_never_mean_longer_waits_or_more_abandonment() -> None:
    # Common random numbers (same seed): each replication sees the same customers twice.
    base = dict(per_hour=300, handle_minutes=5, patience_minutes=3, horizon_days=3)
    fewer = cxsim.run(queue_scenario(agents=25, **base), reps=8, seed=21)
    more = cxsim.run(queue_scenario(agents=27, **base), reps=8, seed=21)
    for kpi in ("asa_s", "abandon_rate", "wait_prob", "wait_p90_s"):
        difference = _paired(kpi, fewer, more)
        assert difference.mean() + half_width(difference) < 0, kpi
    difference = _paired("service_level", fewer, more)
    assert difference.mean() - half_width(difference) > 0


def test_patience_only_changes_who_leaves() -> None:
    base = dict(per_hour=300, agents=25, handle_minutes=5, horizon_days=3)
    impatient = cxsim.run(queue_scenario(patience_minutes=1, **base), reps=6, seed=22)
    patient = cxsim.run(queue_scenario(patience_minutes=10, **base), reps=6, seed=22)
    assert (per_rep(impatient, "offered") == per_rep(patient, "offered")).all()
    difference = _paired("abandon_rate", impatient, patient)
    assert difference.mean() + half_width(difference) < 0

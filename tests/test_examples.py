"""Every example scenario is described at its top, validates, and runs as-is."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxsim

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_there_are_examples() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"one_queue.yaml", "two_regions.yaml", "retail_week.yaml",
            "one_stock_point.yaml", "two_nodes.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_described_at_its_top(path: Path) -> None:
    lines = path.read_text().splitlines()
    header = [line for line in lines[:12] if line.startswith("#")]
    assert len(header) >= 3, "describe the example in comments at the top of the file"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path: Path) -> None:
    full = cxsim.load_scenario(path)
    # A shortened horizon keeps the suite fast; the full horizon runs in the quick start.
    # Orders need long enough for their promises (up to a few business days) to fall due.
    sells = any(region.demand for region in full.regions.values())
    days = min(full.horizon_days, 12 if sells else 3)
    scenario = cxsim.load_scenario(path, [f"horizon_days={days}",
                                          f"warmup_days={min(full.warmup_days, 1)}"])
    results = cxsim.run(scenario, reps=2, seed=1)
    assert scenario.contact_volume or any(r.demand for r in scenario.regions.values())
    if scenario.contact_volume:
        assert results.kpi("offered") > 0
        assert 0 < results.kpi("service_level") <= 1
        assert 0 < results.kpi("occupancy") < 1
    if any(region.demand for region in scenario.regions.values()):
        assert results.kpi("orders", scope="orders") > 0
        assert 0 < results.kpi("fill_rate", scope="orders") <= 1
        assert 0 < results.kpi("on_time_rate", scope="orders") <= 1

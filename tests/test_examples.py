"""Every example scenario is described at its top, validates, and runs as-is through the
command line: contacts only, commerce only, and both."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cxsim
from tests.support import EXAMPLES, cxsim_command, short_horizon

SCENARIOS = sorted(EXAMPLES.glob("*.yaml"))


def test_there_are_examples_of_every_shape() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"one_queue.yaml", "two_regions.yaml", "retail_week.yaml",
            "one_stock_point.yaml", "two_nodes.yaml", "expansion_eu.yaml"} <= names
    shapes = set()
    for path in SCENARIOS:
        scenario = cxsim.load_scenario(path)
        sells = any(region.demand for region in scenario.regions.values())
        shapes.add((bool(scenario.contact_volume or scenario.order_contacts), sells))
    assert shapes == {(True, False), (False, True), (True, True)}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_example_is_described_at_its_top(path: Path) -> None:
    lines = path.read_text().splitlines()
    header = [line for line in lines[:12] if line.startswith("#")]
    assert len(header) >= 3, "describe the example in comments at the top of the file"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_example_validates_through_the_command_line(path: Path) -> None:
    done = cxsim_command("validate", path)
    assert done.returncode == 0, done.stderr
    assert f"{path}: valid" in done.stdout


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_example_runs_through_the_command_line(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "result"
    short = [option for change in short_horizon(path) for option in ("--set", change)]
    done = cxsim_command("run", path, "--reps", "2", "--seed", "1", *short, "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"results: {out}"
    assert (out / "report.html").is_file()
    scenario = cxsim.load_scenario(path)
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False, na_values=[""])
    everything = summary[(summary["region"] == "*") & (summary["channel"] == "*")]
    kpi = everything.set_index(["scope", "kpi"])["mean"]
    if scenario.contact_volume or scenario.order_contacts:
        assert kpi["contacts", "offered"] > 0
        assert 0 < kpi["contacts", "service_level"] <= 1
        assert 0 < kpi["contacts", "occupancy"] < 1
        assert "contacts" in done.stdout
    if any(region.demand for region in scenario.regions.values()):
        assert kpi["orders", "orders"] > 0
        assert 0 < kpi["orders", "fill_rate"] <= 1
        assert 0 < kpi["orders", "on_time_rate"] <= 1
        assert "orders" in done.stdout

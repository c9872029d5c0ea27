"""The public API is small and listed in __all__; this test imports exactly that."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import cxsim
from cxsim.results import confidence_interval, summarise


def test_public_names() -> None:
    assert sorted(cxsim.__all__) == sorted([
        "Results", "Scenario", "ScenarioError", "SweepResults", "__version__", "compare",
        "load_scenario", "parse_scenario", "plan_inventory", "plan_promise", "plan_staffing",
        "run", "sweep",
    ])
    for name in cxsim.__all__:
        assert getattr(cxsim, name) is not None


def test_report_and_results_public_names() -> None:
    import cxsim.report
    import cxsim.results.plots
    import cxsim.results.verdicts

    assert sorted(cxsim.report.__all__) == [
        "REPORT_NAME", "build_report", "build_sweep_report", "is_report", "render", "report_of",
        "write_report"]
    assert {"region_verdicts", "verdict_table", "RULES", "RegionVerdict", "Finding"} <= set(
        cxsim.results.verdicts.__all__)
    assert {"plot_backlog", "plot_contacts", "plot_cost", "plot_delivery", "plot_front",
            "plot_service_level", "plot_staffing", "plot_stock", "NothingToPlotError"} <= set(
        cxsim.results.plots.__all__)
    for module in (cxsim.report, cxsim.results.plots, cxsim.results.verdicts):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_confidence_interval_is_the_t_interval() -> None:
    values = [1.0, 2.0, 4.0, 7.0]
    mean, low, high = confidence_interval(values)
    expected = stats.t.interval(0.95, 3, loc=np.mean(values), scale=stats.sem(values))
    assert mean == pytest.approx(3.5)
    assert (low, high) == pytest.approx(expected)


def test_confidence_interval_needs_two_values() -> None:
    mean, low, high = confidence_interval([2.0, math.nan])
    assert mean == 2.0 and math.isnan(low) and math.isnan(high)


def test_summary_clips_limits_to_the_possible_range() -> None:
    runs = pd.DataFrame({
        "rep": [0, 1, 2, 0, 1, 2],
        "scope": "contacts", "region": "us", "channel": "email",
        "kpi": ["response_p95_h"] * 3 + ["service_level"] * 3,
        "value": [0.0, 0.0, 3.0, 1.0, 1.0, 0.7],
    })
    summary = summarise(runs).set_index("kpi")
    assert summary.loc["response_p95_h", "ci_low"] == 0.0
    assert summary.loc["service_level", "ci_high"] == 1.0
    assert summary.loc["service_level", "mean"] == pytest.approx(0.9)
    assert (summary["reps"] == 3).all()


EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios"


def test_results_save_and_load_round_trip(tmp_path: Path) -> None:
    scenario = cxsim.load_scenario(EXAMPLES / "one_queue.yaml",
                                   ["horizon_days=1.5", "warmup_days=0.5"])
    results = cxsim.run(scenario, reps=2, seed=5)
    folder = results.save(tmp_path / "r")
    loaded = cxsim.Results.load(folder)
    assert loaded.scenario == scenario
    assert (loaded.seed, loaded.reps) == (5, 2)
    pd.testing.assert_frame_equal(loaded.runs, results.runs)
    pd.testing.assert_frame_equal(loaded.summary, results.summary, check_dtype=False)
    pd.testing.assert_frame_equal(loaded.contacts_by_interval, results.contacts_by_interval)
    assert loaded.kpi("offered", "us", "phone") == results.kpi("offered", "us", "phone")
    with pytest.raises(KeyError, match="no KPI 'speed'"):
        results.kpi("speed")


def test_names_pandas_would_read_as_missing_come_back_as_they_were(tmp_path: Path) -> None:
    # NA is North America; every table read back keeps it, and the verdicts built from them.
    text = (EXAMPLES / "one_queue.yaml").read_text()
    text = text.replace("  us: {", "  NA: {").replace("region: us", "region: NA")
    text = text.replace("us_agents:", "None:")
    scenario = cxsim.parse_scenario(yaml.safe_load(text)).model_copy(
        update={"horizon_days": 1.5, "warmup_days": 0.5})
    results = cxsim.run(scenario, reps=2, seed=5)
    loaded = cxsim.Results.load(results.save(tmp_path / "r"))
    for name in ("summary", "targets", "hiring", "launch"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(results, name),
                                      check_dtype=False)
    assert "NA" in set(loaded.targets["region"])
    pd.testing.assert_frame_equal(loaded.verdicts(), results.verdicts())


def test_plot_intervals_draws_one_line_per_queue() -> None:
    import matplotlib

    matplotlib.use("Agg")
    scenario = cxsim.load_scenario(EXAMPLES / "two_regions.yaml",
                                   ["horizon_days=1.5", "warmup_days=0.5"])
    ax = cxsim.run(scenario, reps=1, seed=1).plot_intervals("offered")
    assert len(ax.get_lines()) == 6


@pytest.mark.parametrize("spec", [
    {"dist": "exponential", "mean": 3},
    {"dist": "lognormal", "mean": 2, "cv": 0.4},
    {"dist": "gamma", "mean": 7, "cv": 0.6},
    {"dist": "uniform", "low": 1, "high": 3},
    {"dist": "triangular", "low": 1, "mode": 2, "high": 5},
])
def test_distribution_quantiles_invert_their_samples(spec: dict[str, object]) -> None:
    # Against the empirical quantile of many draws: the sample quantile's standard error is
    # sqrt(q (1 - q) / n) / density; 200,000 draws keep it near 0.3% of the value here.
    from pydantic import TypeAdapter

    from cxsim.scenario.distributions import Distribution

    distribution = TypeAdapter(Distribution).validate_python(spec)
    draws = distribution.sample(np.random.default_rng(5), 200_000)
    for q in (0.1, 0.5, 0.95):
        assert distribution.quantile(q) == pytest.approx(float(np.quantile(draws, q)), rel=0.02)


def test_constant_and_empirical_quantiles_are_values_drawn() -> None:
    from cxsim.scenario.distributions import Constant, Empirical

    assert Constant(dist="constant", value=2.5).quantile(0.95) == 2.5
    empirical = Empirical(dist="empirical", values=[4, 1, 3, 2])
    assert [empirical.quantile(q) for q in (0.1, 0.25, 0.5, 0.95)] == [1, 1, 2, 4]


def test_share_within_a_wait_reads_the_histogram_as_the_quantile_does() -> None:
    from cxsim.model.metrics import (
        WAIT_BINS,
        histogram_quantile,
        histogram_share_within,
        wait_bin,
    )

    waits = np.concatenate([np.zeros(300), np.random.default_rng(3).exponential(30, 5000)])
    counts = [0] * WAIT_BINS
    for wait in waits:
        counts[wait_bin(float(wait))] += 1
    for minutes in (0.0, 1.0, 10.0, 30.0, 100.0):
        # Bins are 1% wide: the share within a wait is exact to within one bin's mass.
        assert histogram_share_within(counts, minutes) == pytest.approx(
            float(np.mean(waits <= minutes)), abs=0.003)
    for q in (0.5, 0.9):
        assert histogram_share_within(counts, histogram_quantile(counts, q)) == pytest.approx(q)
    assert math.isnan(histogram_share_within([0] * WAIT_BINS, 5.0))


def test_every_model_module_lists_its_public_names_and_they_exist() -> None:
    import importlib
    import pkgutil

    import cxsim.model

    modules = [info.name for info in pkgutil.walk_packages(cxsim.model.__path__, "cxsim.model.")]
    assert "cxsim.model.contacts.centre" in modules
    for name in modules:
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None)
        assert public, f"{name} has no __all__"
        for item in public:
            assert hasattr(module, item), f"{name}.__all__ names {item}, which it lacks"
    from cxsim.model.contacts import ContactCentre, RosterUpdate

    assert ContactCentre.__module__ == "cxsim.model.contacts.centre"
    assert RosterUpdate is not None

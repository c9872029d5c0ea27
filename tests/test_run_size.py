"""The size of a run, estimated from the scenario alone (``cxsim.scenario.estimate_run``).

Forecast volumes are held to hand calculation (a constant queue) and to the arrival rates the
simulation itself draws from; the expansion example to what one replication of it brings
(bench_expansion.py: 1,469,661 orders and 444,815 contacts arriving at a queue in a year), to
the factor the module's docstring states for what cannot be known before running.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import simpy

import cxsim
from cxsim.model.arrivals import ContactArrivals
from cxsim.scenario import (
    ScenarioError,
    SizeLimits,
    estimate_run,
    load_scenario,
    size_problems,
)
from cxsim.scenario.distributions import Constant

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "scenarios"


def test_a_constant_queue_is_counted_by_hand() -> None:
    estimate = estimate_run(load_scenario(EXAMPLES / "one_queue.yaml"), reps=10)
    # 300 calls an hour for 28 days, no follow-ups or retries; 28 x 24 hourly intervals of one
    # queue and one team.
    assert estimate.contacts == pytest.approx(300 * 24 * 28)
    assert estimate.orders == 0
    assert estimate.interval_rows == 28 * 24 * 2
    assert estimate.agents == 30
    # A run of ten holds ten replications' tables: more than one, less than ten processes.
    per_rep = estimate.memory_bytes_per_rep
    assert per_rep < estimate.memory_bytes < 10 * per_rep


def test_a_stock_point_and_a_part_day_are_counted_by_hand() -> None:
    estimate = estimate_run(load_scenario(EXAMPLES / "one_stock_point.yaml"))
    assert estimate.orders == pytest.approx(20 * 365)
    short = estimate_run(load_scenario(EXAMPLES / "one_stock_point.yaml",
                                       ["horizon_days=2.5", "warmup_days=0"]))
    assert short.orders == pytest.approx(20 * 2.5)


def _expected_from_the_simulation_rates(scenario: cxsim.Scenario) -> float:
    """Orders the simulation's own arrival rates give, integrated over the horizon."""
    total = 0.0
    for region in scenario.regions.values():
        assert region.demand is not None
        rngs = [np.random.default_rng(k) for k in range(4)]
        arrivals = ContactArrivals(region.demand, scenario.start_date, region.zone,
                                   scenario.horizon_minutes, Constant(dist="constant", value=0),
                                   [1.0], [1.0], *rngs, launch_date=region.launch_date)
        for day in range(int(np.ceil(scenario.horizon_days))):
            _, lengths, rates = arrivals.rate_pieces(day)
            total += float(np.sum(lengths * rates))
    return total


def test_orders_agree_with_the_rates_the_simulation_draws_from() -> None:
    # Without the day-level forecast error (its mean is 1) the rates are the calendar's alone;
    # the estimate counts local days, the simulation UTC days: they differ only at the ends.
    scenario = load_scenario(EXAMPLES / "expansion_eu.yaml",
                             ["regions.us.demand.forecast_error_cv=0"])
    expected = _expected_from_the_simulation_rates(scenario)
    assert estimate_run(scenario).orders == pytest.approx(expected, rel=0.005)


def test_the_expansion_example_against_one_replication() -> None:
    estimate = estimate_run(load_scenario(EXAMPLES / "expansion_eu.yaml"), reps=3)
    # Orders follow the calendar exactly (forecast error has mean 1): 1% covers one
    # replication's Poisson and forecast-error spread. Contacts carry the typical values of late
    # deliveries, stock-outs and retries: within the stated factor of 1.5.
    assert estimate.orders == pytest.approx(1_469_661, rel=0.01)
    assert 444_815 / 1.5 <= estimate.contacts <= 444_815 * 1.5
    refusals, warnings = size_problems(estimate)
    assert (refusals, warnings) == ([], [])


def test_huge_volumes_and_headcounts_are_refused_before_any_estimate() -> None:
    for override, line in [
        ("contact_volume.0.per_day=1e19",
         "contact_volume.0.per_day: 1e+19 is too large (a number from 0 to 1,000,000)"),
        (f"teams.us_support.agents={2**63}",
         "teams.us_support.agents: 9223372036854775808 is too large (a whole number from 0 to "
         "100,000)"),
    ]:
        with pytest.raises(ScenarioError) as caught:
            load_scenario(EXAMPLES / "expansion_eu.yaml", [override])
        assert [str(p) for p in caught.value.problems] == [line]


def test_a_run_too_large_is_refused_with_its_estimate() -> None:
    # 40,000 calls an hour for ten years: 3.5 billion contacts, three events each.
    scenario = load_scenario(EXAMPLES / "one_queue.yaml", [
        "contact_volume.0.per_hour=40000", "horizon_days=3650", "start_date=2030-01-07"])
    estimate = estimate_run(scenario, reps=10)
    assert estimate.contacts == pytest.approx(40_000 * 24 * 3650)
    assert estimate.events == pytest.approx(3 * 40_000 * 24 * 3650)
    refusals, warnings = size_problems(estimate)
    assert refusals == [
        "a replication has about 10.5 billion events (0 orders, 3.5 billion contacts; at most "
        "1 billion events: lower volumes or a shorter horizon_days)"]
    assert warnings == [
        "a replication takes about 29.2 hours of CPU (0 orders, 3.5 billion contacts), 292 hours "
        "for all 10"]


def test_tables_too_large_for_memory_are_refused() -> None:
    # One-minute intervals for ten years: 5.3 million intervals of a queue and a team.
    scenario = load_scenario(EXAMPLES / "one_queue.yaml", [
        "interval_minutes=1", "horizon_days=3650", "start_date=2030-01-07",
        "contact_volume.0.per_hour=1"])
    estimate = estimate_run(scenario, reps=10)
    assert estimate.interval_rows == 3650 * 1440 * 2
    refusals, _ = size_problems(estimate)
    assert refusals == [
        "10 replications need about 49.2 GiB of memory for their tables (at most 16 GiB: fewer "
        "replications, a longer interval_minutes or a shorter horizon_days)"]
    refusals, _ = size_problems(estimate, SizeLimits(max_memory_bytes=2 * 2**30))
    assert refusals == [
        "a replication needs about 5.14 GiB of memory (at most 2 GiB: a longer "
        "interval_minutes, a shorter horizon_days or fewer queues)"]


def test_estimating_runs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_simulation(*args: object, **kwargs: object) -> None:
        raise AssertionError("the estimate ran the simulation")

    monkeypatch.setattr(simpy.Environment, "run", no_simulation)
    monkeypatch.setattr(simpy.Environment, "step", no_simulation)
    estimate = estimate_run(load_scenario(EXAMPLES / "expansion_eu.yaml"))
    assert estimate.orders > 0

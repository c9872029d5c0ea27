"""The simulation against closed-form queueing results.

Each tolerance is the 99.9% confidence half-width of the replication mean (see conftest), and
each check also requires that half-width to be small, so that a wrong model cannot pass by noise.
"""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.plan import (
    erlang_a,
    erlang_a_service_level,
    erlang_c,
    erlang_c_mean_wait,
    erlang_c_service_level,
    erlang_c_wait_quantile,
)
from tests.support import assert_matches_theory, half_width, per_rep, queue_scenario

# Waits are binned 1% wide on a log scale: a percentile read from the histogram is within 1%.
HISTOGRAM_BIAS = 0.01

# M/M/c: 240 an hour, 5-minute handle time (20 Erlangs), 24 agents (occupancy 0.83).
C_RATE, C_HANDLE, C_AGENTS = 240.0, 5.0, 24
C_LOAD = C_RATE * C_HANDLE / 60


@pytest.fixture(scope="module")
def erlang_c_run() -> cxsim.Results:
    scenario = queue_scenario(per_hour=C_RATE, agents=C_AGENTS, handle_minutes=C_HANDLE,
                              horizon_days=11, warmup_days=1)
    return cxsim.run(scenario, reps=20, seed=11)


def test_erlang_c_wait_probability(erlang_c_run: cxsim.Results) -> None:
    assert_matches_theory(per_rep(erlang_c_run, "wait_prob"), erlang_c(C_AGENTS, C_LOAD),
                          max_relative_half_width=0.08)


def test_erlang_c_service_level(erlang_c_run: cxsim.Results) -> None:
    expected = erlang_c_service_level(C_AGENTS, C_LOAD, C_HANDLE, 20 / 60)
    assert_matches_theory(per_rep(erlang_c_run, "service_level"), expected,
                          max_relative_half_width=0.03)


def test_erlang_c_mean_wait(erlang_c_run: cxsim.Results) -> None:
    expected_s = 60 * erlang_c_mean_wait(C_AGENTS, C_LOAD, C_HANDLE)
    assert_matches_theory(per_rep(erlang_c_run, "asa_s"), expected_s,
                          max_relative_half_width=0.15)


def test_erlang_c_occupancy(erlang_c_run: cxsim.Results) -> None:
    assert_matches_theory(per_rep(erlang_c_run, "occupancy"), C_LOAD / C_AGENTS,
                          max_relative_half_width=0.01)


def test_erlang_c_wait_percentile(erlang_c_run: cxsim.Results) -> None:
    expected_s = 60 * erlang_c_wait_quantile(C_AGENTS, C_LOAD, C_HANDLE, 0.9)
    assert expected_s > 0  # the 90th percentile lies among those who wait
    assert_matches_theory(per_rep(erlang_c_run, "wait_p90_s"), expected_s,
                          max_relative_half_width=0.15, bias_bound=HISTOGRAM_BIAS * expected_s)


# M/M/c+M: 300 an hour, 5-minute handle time (25 Erlangs), 3-minute mean patience, 26 agents.
A_RATE, A_HANDLE, A_PATIENCE, A_AGENTS = 300.0, 5.0, 3.0, 26


@pytest.fixture(scope="module")
def erlang_a_run() -> cxsim.Results:
    scenario = queue_scenario(per_hour=A_RATE, agents=A_AGENTS, handle_minutes=A_HANDLE,
                              patience_minutes=A_PATIENCE, horizon_days=6, warmup_days=1)
    return cxsim.run(scenario, reps=16, seed=12)


@pytest.fixture(scope="module")
def erlang_a_theory() -> object:
    return erlang_a(A_AGENTS, A_RATE / 60, A_HANDLE, A_PATIENCE)


def test_erlang_a_wait_probability(erlang_a_run: cxsim.Results, erlang_a_theory: object) -> None:
    assert_matches_theory(per_rep(erlang_a_run, "wait_prob"), erlang_a_theory.wait_prob,  # type: ignore[attr-defined]
                          max_relative_half_width=0.05)


def test_erlang_a_abandonment(erlang_a_run: cxsim.Results, erlang_a_theory: object) -> None:
    assert_matches_theory(per_rep(erlang_a_run, "abandon_rate"), erlang_a_theory.abandon_prob,  # type: ignore[attr-defined]
                          max_relative_half_width=0.08)


def test_erlang_a_occupancy(erlang_a_run: cxsim.Results, erlang_a_theory: object) -> None:
    assert_matches_theory(per_rep(erlang_a_run, "occupancy"), erlang_a_theory.occupancy,  # type: ignore[attr-defined]
                          max_relative_half_width=0.01)


def test_erlang_a_service_level(erlang_a_run: cxsim.Results) -> None:
    expected = erlang_a_service_level(A_AGENTS, A_RATE / 60, A_HANDLE, A_PATIENCE, 20 / 60)
    assert_matches_theory(per_rep(erlang_a_run, "service_level"), expected,
                          max_relative_half_width=0.03)


def _queue_length_and_little(results: cxsim.Results) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: time-weighted mean number waiting, and arrival rate x mean wait."""
    table = results.contacts_by_interval
    counted = table[table["counted"]]
    minutes = counted.groupby("rep")["interval"].count() * results.scenario.interval_minutes
    by_rep = counted.groupby("rep")[
        ["queue_minutes", "wait_minutes_handled", "wait_minutes_abandoned"]
    ].sum()
    queue_length = by_rep["queue_minutes"] / minutes
    little = (by_rep["wait_minutes_handled"] + by_rep["wait_minutes_abandoned"]) / minutes
    return queue_length.to_numpy(), little.to_numpy()


def test_mean_queue_length_matches_erlang_a(
    erlang_a_run: cxsim.Results, erlang_a_theory: object
) -> None:
    queue_length, _ = _queue_length_and_little(erlang_a_run)
    assert_matches_theory(queue_length, erlang_a_theory.mean_queue,  # type: ignore[attr-defined]
                          max_relative_half_width=0.15)


def test_littles_law(erlang_a_run: cxsim.Results) -> None:
    # The queue length is integrated on the clock as contacts join and leave; the waits are
    # summed per contact. Little's law says the two agree (up to contacts that straddle the
    # ends of the counted period, which the confidence interval of the difference absorbs).
    queue_length, little = _queue_length_and_little(erlang_a_run)
    difference = queue_length - little
    assert abs(difference.mean()) <= max(half_width(difference), 1e-9)
    assert abs(difference.mean()) < 0.01 * queue_length.mean()


def test_async_first_response_percentile_matches_erlang_c() -> None:
    # A backlog worked oldest first by c agents is an M/M/c queue:
    # P(W > t) = C e^-(c mu - lambda) t.
    scenario = queue_scenario(kind="async", per_hour=C_RATE, agents=C_AGENTS,
                              handle_minutes=C_HANDLE, horizon_days=6, warmup_days=1)
    results = cxsim.run(scenario, reps=16, seed=13)
    expected_h = erlang_c_wait_quantile(C_AGENTS, C_LOAD, C_HANDLE, 0.95) / 60
    assert_matches_theory(per_rep(results, "response_p95_h"), expected_h,
                          max_relative_half_width=0.2, bias_bound=HISTOGRAM_BIAS * expected_h)
    # Respond-within target of one hour: the share answered in time is the Erlang C SL.
    expected_sl = erlang_c_service_level(C_AGENTS, C_LOAD, C_HANDLE, 60.0)
    assert_matches_theory(per_rep(results, "service_level"), expected_sl,
                          max_relative_half_width=0.01)

"""Tests for cxsim.theory.erlang.

Every expected value is either a published figure (source named next to it) or computed here by
a different method than the module uses: explicit factorial sums, scipy.stats.poisson, linear
solves of the truncated CTMC generator, or matrix exponentials of the tagged-customer chain.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import linalg, stats

from cxsim.theory import (
    ErlangA,
    agents_for_service_level,
    agents_for_service_level_many,
    base_stock_fill_rate,
    erlang_a,
    erlang_a_service_level,
    erlang_a_service_level_many,
    erlang_b,
    erlang_c,
    erlang_c_mean_wait,
    erlang_c_service_level,
    erlang_c_service_level_many,
    erlang_c_wait_quantile,
    lost_sales_fill_rate,
    offered_load,
)

# ---------------------------------------------------------------- independent reference formulas


def explicit_b(c: int, a: float) -> float:
    """Erlang B from its defining sum (a^c/c!) / sum_{k<=c} a^k/k!."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def explicit_c(c: int, a: float) -> float:
    """Erlang C from its defining sum, valid for a < c."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def poisson_c(c: int, a: float) -> float:
    """Erlang C via Poisson pmf/cdf (works for large c where factorials overflow)."""
    top = stats.poisson.pmf(c, a) * c / (c - a)
    return float(top / (stats.poisson.cdf(c - 1, a) + top))


def birth_death_ctmc(
    births: NDArray[np.float64], deaths: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Stationary law of a finite birth-death CTMC by a dense linear solve of pi Q = 0."""
    n = births.size + 1
    q = np.zeros((n, n))
    for i, rate in enumerate(births):
        q[i, i + 1] = rate
    for i, rate in enumerate(deaths, start=1):
        q[i, i - 1] = rate
    q -= np.diag(q.sum(axis=1))
    lhs = np.vstack([q.T, np.ones(n)])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    return np.asarray(np.linalg.lstsq(lhs, rhs, rcond=None)[0])


def erlang_a_ctmc(c: int, lam: float, mu: float, theta: float, size: int) -> NDArray[np.float64]:
    n = np.arange(1, size + 1, dtype=float)
    return birth_death_ctmc(
        np.full(size, lam), np.minimum(n, c) * mu + np.maximum(n - c, 0) * theta
    )


def tagged_answered_within(
    c: int, mu: float, theta: float, ahead: int, t: float
) -> NDArray[np.float64]:
    """P(answered within t | j ahead), j = 0..ahead, via expm of the tagged customer's chain.

    States 0..ahead = customers ahead, then 'served', then 'abandoned'.
    """
    served, abandoned = ahead + 1, ahead + 2
    q = np.zeros((ahead + 3, ahead + 3))
    for j in range(ahead + 1):
        q[j, j - 1 if j > 0 else served] = c * mu + j * theta
        q[j, abandoned] = theta
        q[j, j] = -(c * mu + (j + 1) * theta)
    return np.asarray(linalg.expm(q * t)[: ahead + 1, served])


# ---------------------------------------------------------------- Erlang B


def test_erlang_b_published_table_value() -> None:
    # Standard Erlang B traffic tables: 10 circuits offered 5 Erlangs block 1.838 %.
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-6)


@pytest.mark.parametrize(
    ("c", "a"), [(0, 3.0), (1, 0.5), (3, 2.0), (10, 5.0), (25, 30.0), (40, 0.1)]
)
def test_erlang_b_matches_explicit_sum(c: int, a: float) -> None:
    assert erlang_b(c, a) == pytest.approx(explicit_b(c, a), rel=1e-12)


def test_erlang_b_large_matches_poisson_ratio() -> None:
    # B(c, a) = P(N = c) / P(N <= c) for N ~ Poisson(a); no overflow at c = 5000.
    expected = stats.poisson.pmf(5000, 4900.0) / stats.poisson.cdf(5000, 4900.0)
    assert erlang_b(5000, 4900.0) == pytest.approx(expected, rel=1e-9)


def test_erlang_b_edges() -> None:
    assert erlang_b(0, 0.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0
    assert erlang_b(1, 3.0) == pytest.approx(3.0 / 4.0)  # a / (1 + a)


# ---------------------------------------------------------------- Erlang C


def test_erlang_c_published_example() -> None:
    # Call Centre Helper, "Erlang C formula - made simple": 100 calls per 30 min, AHT 180 s
    # (10 Erlangs), 14 agents, 20 s target -> P(wait) 17.4 %, service level 88.8 %.
    load = offered_load(200.0, 3.0)
    assert load == pytest.approx(10.0)
    assert erlang_c(14, load) == pytest.approx(0.1741, abs=1e-4)
    assert erlang_c_service_level(14, load, 3.0, 20 / 60) == pytest.approx(0.888, abs=1e-3)
    assert agents_for_service_level(200.0, 3.0, 20.0, 0.80) == 14


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.5), (5, 4.0), (14, 10.0), (30, 22.5)])
def test_erlang_c_matches_explicit_sum(c: int, a: float) -> None:
    assert erlang_c(c, a) == pytest.approx(explicit_c(c, a), rel=1e-12)


def test_erlang_c_large_matches_poisson_form() -> None:
    assert erlang_c(2000, 1950.0) == pytest.approx(poisson_c(2000, 1950.0), rel=1e-9)


def test_mm1_closed_forms() -> None:
    # M/M/1: C = rho, Wq = rho h / (1 - rho), P(W > t) = rho exp(-(1 - rho) t / h).
    rho, h = 0.75, 4.0
    assert erlang_c(1, rho) == pytest.approx(rho)
    assert erlang_c_mean_wait(1, rho, h) == pytest.approx(rho * h / (1 - rho))
    assert erlang_c_service_level(1, rho, h, 2.0) == pytest.approx(
        1 - rho * math.exp(-(1 - rho) * 2.0 / h)
    )
    median = erlang_c_wait_quantile(1, rho, h, 0.5)
    assert median == pytest.approx(math.log(rho / 0.5) * h / (1 - rho))
    assert erlang_c_wait_quantile(1, rho, h, 0.2) == 0.0  # 80 % of arrivals exceed 1 - C = 25 %


@pytest.mark.parametrize("q", [0.6, 0.8, 0.95, 0.999])
def test_wait_quantile_inverts_service_level(q: float) -> None:
    assert 1 - erlang_c(12, 10.0) < q  # C(12, 10) = 0.449: more than 1 - q of arrivals wait
    t_q = erlang_c_wait_quantile(12, 10.0, 3.0, q)
    assert erlang_c_service_level(12, 10.0, 3.0, t_q) == pytest.approx(q, abs=1e-12)
    assert erlang_c_wait_quantile(12, 10.0, 3.0, 0.5) == 0.0  # 55 % are answered at once


def test_erlang_c_unstable() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c_service_level(10, 12.0, 3.0, 1.0) == 0.0
    assert erlang_c_mean_wait(10, 10.0, 3.0) == math.inf
    assert erlang_c_wait_quantile(10, 10.0, 3.0, 0.5) == math.inf


# ---------------------------------------------------------------- Erlang A


def poisson_erlang_a(c: int, lam: float, mu: float) -> ErlangA:
    """theta == mu: deaths are n mu for every n, so n in system ~ Poisson(lam / mu)."""
    a = lam / mu
    n = np.arange(c + 1, c + int(a + 40 * math.sqrt(a)) + 100)
    queue = float(np.sum((n - c) * stats.poisson.pmf(n, a)))  # E[(N - c)+], summed directly
    busy = a - queue  # E[min(N, c)] = E[N] - E[(N - c)+]
    return ErlangA(
        float(stats.poisson.sf(c - 1, a)), mu * queue / lam, busy / c, queue, queue / lam
    )


@pytest.mark.parametrize(
    ("c", "lam", "h"),
    [(1, 0.2, 2.0), (4, 1.5, 2.0), (20, 12.0, 2.0), (2000, 1900.0, 1.0), (2000, 2300.0, 1.0)],
)
def test_erlang_a_theta_equals_mu_is_poisson(c: int, lam: float, h: float) -> None:
    got, want = erlang_a(c, lam, h, h), poisson_erlang_a(c, lam, 1 / h)
    for field in ErlangA.__slots__:
        assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-9, abs=1e-13)


@pytest.mark.parametrize(
    ("c", "lam", "h", "patience"), [(3, 1.0, 2.0, 5.0), (8, 5.0, 2.0, 0.5), (5, 4.0, 1.0, 10.0)]
)
def test_erlang_a_matches_ctmc_solve(c: int, lam: float, h: float, patience: float) -> None:
    p = erlang_a_ctmc(c, lam, 1 / h, 1 / patience, 400)
    n = np.arange(p.size)
    queue = float(np.maximum(n - c, 0) @ p)
    got = erlang_a(c, lam, h, patience)
    assert got.wait_prob == pytest.approx(p[c:].sum(), rel=1e-9)
    assert got.mean_queue == pytest.approx(queue, rel=1e-9)
    assert got.abandon_prob == pytest.approx(queue / patience / lam, rel=1e-9)
    assert got.occupancy == pytest.approx(float(np.minimum(n, c) @ p) / c, rel=1e-9)


def test_erlang_a_tends_to_erlang_c() -> None:
    got = erlang_a(14, 10 / 3, 3.0, 1e8)
    assert got.wait_prob == pytest.approx(erlang_c(14, 10.0), rel=1e-6)
    assert got.mean_wait_minutes == pytest.approx(erlang_c_mean_wait(14, 10.0, 3.0), rel=1e-6)
    assert got.abandon_prob < 1e-8
    sl = erlang_a_service_level(14, 10 / 3, 3.0, 1e8, 20 / 60)
    assert sl == pytest.approx(erlang_c_service_level(14, 10.0, 3.0, 20 / 60), rel=1e-6)


@pytest.mark.parametrize(
    ("c", "lam", "h", "patience", "t"),
    [(4, 1.5, 2.0, 2.0, 0.7), (3, 2.0, 2.0, 5.0, 1.5), (6, 5.0, 1.0, 0.8, 0.3)],
)
def test_erlang_a_service_level_matches_tagged_expm(
    c: int, lam: float, h: float, patience: float, t: float
) -> None:
    size = 300
    p = erlang_a_ctmc(c, lam, 1 / h, 1 / patience, size)
    within = tagged_answered_within(c, 1 / h, 1 / patience, size - c, t)
    want = p[:c].sum() + p[c:] @ within
    got = erlang_a_service_level(c, lam, h, patience, t)
    assert got == pytest.approx(want, rel=1e-9)


def test_erlang_a_service_level_limits_in_t() -> None:
    res = erlang_a(30, 20.0, 1.5, 1.0)
    assert erlang_a_service_level(30, 20.0, 1.5, 1.0, 0.0) == pytest.approx(1 - res.wait_prob)
    sl_inf = erlang_a_service_level(30, 20.0, 1.5, 1.0, math.inf)
    assert sl_inf == pytest.approx(1 - res.abandon_prob, rel=1e-12)


def test_erlang_a_refuses_unsummable_chain() -> None:
    # Overloaded with near-infinite patience: the queue settles near (lam - c mu) / theta = 1e9.
    with pytest.raises(ValueError) as info:
        erlang_a(10, 20.0, 1.0, 1e8)
    assert str(info.value) == "Erlang A chain needs > 10000000 states; queue too long to sum"


def test_erlang_a_heavy_overload_is_accurate() -> None:
    # c = 1, lam = 1000/min, mu = 1/min, theta = 1e-3/min: the queue sits near 1e6 customers.
    # Flow balance c mu occupancy = lam (1 - abandon) = lam - theta E[Q] must hold to rounding,
    # and with the agent (almost surely) busy, E[Q] = (lam - mu) / theta = 999 000.
    res = erlang_a(1, 1000.0, 1.0, 1000.0)
    assert res.occupancy == pytest.approx(1000.0 * (1 - res.abandon_prob), rel=1e-9)
    assert res.mean_queue == pytest.approx(999_000.0, rel=1e-9)


def test_erlang_a_no_arrivals() -> None:
    assert erlang_a(3, 0.0, 2.0, 1.0) == ErlangA(0.0, 0.0, 0.0, 0.0, 0.0)
    assert erlang_a_service_level(3, 0.0, 2.0, 1.0, 0.5) == 1.0


@settings(max_examples=60, deadline=None)
@given(
    c=st.integers(1, 60),
    lam=st.floats(0.01, 80.0),
    h=st.floats(0.1, 10.0),
    patience=st.floats(0.05, 50.0),
    t=st.floats(0.0, 5.0),
)
def test_erlang_a_properties(c: int, lam: float, h: float, patience: float, t: float) -> None:
    res = erlang_a(c, lam, h, patience)
    assert 0.0 <= res.abandon_prob <= res.wait_prob <= 1.0
    # Flow balance: served rate c mu occupancy equals admitted rate lam (1 - abandon).
    assert c * res.occupancy / h == pytest.approx(lam * (1 - res.abandon_prob), rel=1e-8)
    sl = erlang_a_service_level(c, lam, h, patience, t)
    assert 1 - res.wait_prob - 1e-12 <= sl <= 1 - res.abandon_prob + 1e-12
    assert sl <= erlang_a_service_level(c, lam, h, patience, t + 1.0) + 1e-12


@settings(max_examples=40, deadline=None)
@given(
    c=st.integers(1, 60),
    rates=st.lists(st.just(0.0) | st.floats(1e-6, 60.0), min_size=1, max_size=6),
    h=st.floats(0.1, 10.0),
    patience=st.floats(0.05, 50.0),
    t=st.floats(0.0, 5.0),
)
def test_service_levels_for_many_rates_are_the_single_rate_ones(
    c: int, rates: list[float], h: float, patience: float, t: float
) -> None:
    # The many-rate forms sum all rates' chains together (unanchored, log space); each rate must
    # agree with the single-rate forms, which the CTMC and factorial checks above hold.
    lam = np.array(rates)
    many = erlang_a_service_level_many(c, lam, h, patience, t)
    one = [erlang_a_service_level(c, x, h, patience, t) for x in rates]
    assert many == pytest.approx(one, abs=1e-9)
    many_c = erlang_c_service_level_many(c, lam * h, h, t)
    one_c = [erlang_c_service_level(c, x * h, h, t) for x in rates]
    assert many_c == pytest.approx(one_c, abs=1e-12)


def test_service_levels_for_many_rates_at_the_edges() -> None:
    assert list(erlang_c_service_level_many(0, np.array([0.0, 1.0]), 2.0, 0.5)) == [1.0, 0.0]
    assert list(erlang_a_service_level_many(2, np.array([]), 2.0, 1.0, 0.5)) == []
    overload = erlang_a_service_level_many(1, np.array([1000.0]), 1.0, 1000.0, 1.0)
    assert overload[0] == pytest.approx(erlang_a_service_level(1, 1000.0, 1.0, 1000.0, 1.0))
    with pytest.raises(ValueError, match="arrivals_per_minute must be finite and >= 0"):
        erlang_a_service_level_many(2, np.array([-1.0]), 2.0, 1.0, 0.5)


# ---------------------------------------------------------------- stock


@pytest.mark.parametrize(
    ("s", "lam", "lt"), [(0, 2.0, 3.0), (1, 0.5, 1.0), (7, 2.0, 3.0), (40, 5.0, 6.0), (5, 0.0, 3.0)]
)
def test_base_stock_fill_rate_matches_poisson_cdf(s: int, lam: float, lt: float) -> None:
    assert base_stock_fill_rate(s, lam, lt) == pytest.approx(stats.poisson.cdf(s - 1, lam * lt))


@pytest.mark.parametrize(
    ("s", "lam", "lt"), [(0, 2.0, 3.0), (1, 0.5, 1.0), (7, 2.0, 3.0), (25, 5.0, 4.0)]
)
def test_lost_sales_fill_rate_matches_mmss_ctmc(s: int, lam: float, lt: float) -> None:
    # Outstanding orders with exponential lead times: M/M/S/S with mu = 1 / E[L]; by PASTA a
    # demand is lost iff all S units are on order.
    p = birth_death_ctmc(np.full(s, lam), np.arange(1, s + 1) / lt)
    assert lost_sales_fill_rate(s, lam, lt) == pytest.approx(1 - p[-1], abs=1e-12)


# ---------------------------------------------------------------- properties


@given(c=st.integers(0, 300), a=st.floats(0.0, 400.0))
def test_erlang_b_bounded_and_decreasing(c: int, a: float) -> None:
    b = erlang_b(c, a)
    assert 0.0 <= b <= 1.0
    assert erlang_b(c + 1, a) <= b


@given(c=st.integers(1, 300), a=st.floats(0.0, 400.0))
def test_erlang_c_at_least_erlang_b(c: int, a: float) -> None:
    assert erlang_b(c, a) <= erlang_c(c, a) <= 1.0


@settings(max_examples=60, deadline=None)
@given(
    per_hour=st.floats(1.0, 2000.0),
    h=st.floats(0.5, 20.0),
    within_s=st.floats(0.0, 120.0),
    target=st.floats(0.05, 0.99),
)
def test_agents_for_service_level_is_minimal(
    per_hour: float, h: float, within_s: float, target: float
) -> None:
    c = agents_for_service_level(per_hour, h, within_s, target)
    load = offered_load(per_hour, h)
    assert erlang_c_service_level(c, load, h, within_s / 60) >= target
    assert erlang_c_service_level(c - 1, load, h, within_s / 60) < target


def test_agents_for_service_level_no_arrivals() -> None:
    assert agents_for_service_level(0.0, 3.0, 20.0, 0.8) == 0


@settings(max_examples=30, deadline=None)
@given(
    rates=st.lists(st.floats(0.0, 3000.0), min_size=0, max_size=40),
    h=st.floats(0.5, 20.0),
    within_s=st.floats(0.0, 120.0),
    target=st.floats(0.05, 0.99),
)
def test_agents_for_many_rates_is_the_scalar_answer_for_each(
    rates: list[float], h: float, within_s: float, target: float
) -> None:
    many = agents_for_service_level_many(np.asarray(rates), h, within_s, target)
    assert many.tolist() == [agents_for_service_level(r, h, within_s, target) for r in rates]


def test_agents_for_many_rates_refuses_negative_rates() -> None:
    with pytest.raises(ValueError, match="arrivals_per_hour"):
        agents_for_service_level_many(np.asarray([10.0, -1.0]), 5.0, 20.0, 0.8)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_b(-1, 5.0), "agents(=-1) must be >= 0"),
        (lambda: erlang_c(3, -1.0), "load(=-1.0) must be >= 0"),
        (lambda: erlang_b(3, math.inf), "load(=inf) must be finite"),
        (lambda: erlang_c_service_level(3, 1.0, 0.0, 1.0), "handle_minutes(=0.0) must be > 0"),
        (
            lambda: erlang_c_service_level(3, 1.0, 2.0, -0.5),
            "answer_within_minutes(=-0.5) must be >= 0",
        ),
        (lambda: erlang_c_mean_wait(3, math.nan, 2.0), "load(=nan) must be >= 0"),
        (lambda: erlang_c_wait_quantile(3, 1.0, 2.0, 1.0), "q(=1.0) must be in [0, 1)"),
        (lambda: erlang_a(0, 1.0, 2.0, 3.0), "agents(=0) must be >= 1"),
        (lambda: erlang_a(2, -0.1, 2.0, 3.0), "arrivals_per_minute(=-0.1) must be >= 0"),
        (lambda: erlang_a(2, 1.0, 2.0, 0.0), "patience_minutes(=0.0) must be > 0"),
        (lambda: erlang_a(2, 1.0, 2.0, math.inf), "patience_minutes(=inf) must be finite"),
        (
            lambda: erlang_a_service_level(2, 1.0, 2.0, 3.0, -1.0),
            "answer_within_minutes(=-1.0) must be >= 0",
        ),
        (lambda: base_stock_fill_rate(-2, 1.0, 1.0), "level(=-2) must be >= 0"),
        (lambda: lost_sales_fill_rate(2, 1.0, -3.0), "mean_lead_time_days(=-3.0) must be >= 0"),
        (lambda: offered_load(-5.0, 3.0), "arrivals_per_hour(=-5.0) must be >= 0"),
        (
            lambda: agents_for_service_level(100.0, 3.0, 20.0, 1.0),
            "service_level(=1.0) must be in (0, 1)",
        ),
    ],
)
def test_bad_values_fail_fast(call: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        call()  # type: ignore[operator]
    assert str(info.value) == message


@pytest.mark.parametrize("agents", [2.5, True])
def test_non_integer_agents_rejected(agents: object) -> None:
    with pytest.raises(TypeError, match=r"must be an int"):
        erlang_b(agents, 1.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- staffing search for huge loads


def poisson_service_level(c: int, a: float, handle: float, within: float) -> float:
    """Erlang C service level with C from scipy's Poisson law (valid for c > a)."""
    return 1.0 - poisson_c(c, a) * math.exp(-(c - a) * within / handle)


@pytest.mark.parametrize(("per_hour", "handle"), [
    (2_400.0 * 60 / 50, 50.0),  # just past the one-agent-at-a-time range
    (1e5, 5.0),
    (100.0, 1e6),  # handle times of a million minutes
    (1e6, 1440.0),
])
def test_agents_for_a_huge_load_is_minimal(per_hour: float, handle: float) -> None:
    c = agents_for_service_level(per_hour, handle, 20.0, 0.8)
    load = offered_load(per_hour, handle)
    assert c > load
    assert poisson_service_level(c, load, handle, 20 / 60) >= 0.8
    assert poisson_service_level(c - 1, load, handle, 20 / 60) < 0.8 or c - 1 <= load


def test_the_search_past_the_stepwise_range_gives_what_stepping_gives() -> None:
    # Loads from 2,000 to 2,600 Erlangs: the closed-form search against the recursion, stepped
    # here one agent at a time.
    for load in np.linspace(2_001.0, 2_600.0, 25):
        c, b = 0, 1.0
        while True:
            c += 1
            b = load * b / (c + load * b)
            wait = min(1.0, c * b / (c - load * (1.0 - b))) if c > load else 1.0
            if c > load and 1.0 - wait * math.exp(-(c - load) * (20 / 60) / 4.0) >= 0.9:
                break
        assert agents_for_service_level(load * 60 / 4.0, 4.0, 20.0, 0.9) == c


def test_a_load_beyond_the_cap_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as info:
        agents_for_service_level(1e6, 1e6, 20.0, 0.8)
    assert str(info.value) == ("load(=1.66667e+10) needs more than 1,000,000,000 agents (the "
                               "staffing search stops there)")


def test_many_rates_with_huge_loads_are_the_scalar_answer_for_each() -> None:
    rates = np.asarray([0.0, 50.0, 3e4, 1e5, 2e6])
    many = agents_for_service_level_many(rates, 30.0, 20.0, 0.8)
    assert many.tolist() == [agents_for_service_level(r, 30.0, 20.0, 0.8) for r in rates]

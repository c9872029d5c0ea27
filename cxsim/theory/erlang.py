"""Closed-form queueing formulas: benchmarks for the simulation and the staffing planner.

Erlang B/C (M/M/c/c, M/M/c), exact Erlang A (M/M/c+M), and the fewest agents that meet a
service level by Erlang C. Times are minutes unless a name says ``_s`` (seconds) or
``_days``; loads are in Erlangs; rates are per the unit in their name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cxsim.theory.arguments import fraction as _fraction
from cxsim.theory.arguments import real as _real
from cxsim.theory.arguments import whole as _count

__all__ = [
    "ErlangA",
    "agents_for_service_level",
    "agents_for_service_level_many",
    "erlang_a",
    "erlang_a_service_level",
    "erlang_a_service_level_many",
    "erlang_b",
    "erlang_c",
    "erlang_c_mean_wait",
    "erlang_c_service_level",
    "erlang_c_service_level_many",
    "erlang_c_wait_quantile",
    "offered_load",
]

TAIL_MASS = 1e-12  # bound on the stationary mass the Erlang A truncation may neglect
MAX_STATES = 10_000_000  # refuse Erlang A chains longer than this (memory guard)
# Staffing: loads up to this many Erlangs are searched one agent at a time along the Erlang B
# recursion (exact to the last bit, a few thousand steps at most); larger ones by doubling and
# bisection on Erlang B in closed form. No answer is larger than MAX_AGENTS.
STEPWISE_LOAD = 2_000.0
MAX_AGENTS = 1_000_000_000


def erlang_b(agents: int, load: float) -> float:
    """Erlang B blocking of M/M/c/c (and M/G/c/c) by B(0) = 1, B(k) = a B / (k + a B).

    Args:
        agents: Number of servers c (>= 0).
        load: Offered load a in Erlangs (arrival rate x mean holding time, >= 0).

    Returns:
        Probability that an arrival finds all c servers busy (dimensionless, in [0, 1]).
    """
    c = _count("agents", agents)
    a = _real("load", load)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def _c_from_b(c: int, a: float, b: float) -> float:
    return min(1.0, c * b / (c - a * (1.0 - b)))


def erlang_c(agents: int, load: float) -> float:
    """Erlang C probability that an arrival waits in M/M/c: c B(c) / (c - a (1 - B(c))).

    Args:
        agents: Number of servers c (>= 0).
        load: Offered load a in Erlangs (>= 0).

    Returns:
        P(W > 0) (dimensionless); 1.0 when the queue is unstable (load >= agents).
    """
    c = _count("agents", agents)
    a = _real("load", load)
    if a >= c:
        return 1.0
    return _c_from_b(c, a, erlang_b(c, a))


def _sl(c: int, a: float, wait_prob: float, t_over_h: float) -> float:
    return max(0.0, 1.0 - wait_prob * math.exp(-(c - a) * t_over_h))


def _c_args(agents: int, load: float, handle: float) -> tuple[int, float, float, float]:
    """Validated (c, a, handle, C); C is 1.0 when a >= c."""
    c, a = _count("agents", agents), _real("load", load)
    h = _real("handle_minutes", handle, positive=True)
    return c, a, h, 1.0 if a >= c else _c_from_b(c, a, erlang_b(c, a))


def erlang_c_service_level(
    agents: int, load: float, handle_minutes: float, answer_within_minutes: float
) -> float:
    """Erlang C service level P(W <= t) = 1 - C exp(-(c mu - lambda) t).

    Args:
        agents: Number of servers c (>= 0).
        load: Offered load a = lambda / mu in Erlangs (>= 0).
        handle_minutes: Mean handle time 1/mu in minutes (> 0).
        answer_within_minutes: Answer-time target t in minutes (>= 0, may be inf).

    Returns:
        Share of arrivals answered within t (dimensionless); 0.0 if load >= agents.
    """
    c, a, h, wait_prob = _c_args(agents, load, handle_minutes)
    t = _real("answer_within_minutes", answer_within_minutes, finite=False)
    return 0.0 if a >= c else _sl(c, a, wait_prob, t / h)


def erlang_c_mean_wait(agents: int, load: float, handle_minutes: float) -> float:
    """Erlang C mean wait in queue over all arrivals, C / (c mu - lambda).

    Args:
        agents: Number of servers c (>= 0).
        load: Offered load in Erlangs (>= 0).
        handle_minutes: Mean handle time in minutes (> 0).

    Returns:
        Mean wait in minutes; inf if load >= agents.
    """
    c, a, h, wait_prob = _c_args(agents, load, handle_minutes)
    return math.inf if a >= c else wait_prob * h / (c - a)


def erlang_c_wait_quantile(agents: int, load: float, handle_minutes: float, q: float) -> float:
    """Erlang C wait quantile: t_q = ln(C / (1 - q)) / (c mu - lambda) if C > 1 - q, else 0.

    Args:
        agents: Number of servers c (>= 0).
        load: Offered load in Erlangs (>= 0).
        handle_minutes: Mean handle time in minutes (> 0).
        q: Quantile level in [0, 1).

    Returns:
        Wait quantile in minutes; inf if load >= agents.
    """
    c, a, h, wait_prob = _c_args(agents, load, handle_minutes)
    q = _fraction("q", q, open_low=False)
    if a >= c:
        return math.inf
    if wait_prob <= 1.0 - q:
        return 0.0
    return math.log(wait_prob / (1.0 - q)) * h / (c - a)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Stationary Erlang A (M/M/c+M) performance measures.

    Attributes:
        wait_prob: P(an arrival waits), P(W > 0) (dimensionless).
        abandon_prob: Share of arrivals that abandon (dimensionless).
        occupancy: Mean share of agents busy (dimensionless).
        mean_queue: Mean number waiting in queue (customers).
        mean_wait_minutes: Mean time in queue over all arrivals, abandoners included (minutes).
    """

    wait_prob: float
    abandon_prob: float
    occupancy: float
    mean_queue: float
    mean_wait_minutes: float


def _erlang_a_dist(c: int, lam: float, mu: float, theta: float) -> NDArray[np.float64]:
    """Stationary p(n), n = 0..N, of the birth-death chain (lam; min(n,c) mu + (n-c)+ theta).

    Built in log space from ratios p(n)/p(n-1) = lam / death(n), anchored at the mode m (so the
    log-weights carrying the mass stay small and accurate), then extended above m in chunks of
    doubling size. N is the first chunk end where lam < death(N + 1) and the geometric bound on
    the remaining mass, p(N) r / (1 - r) with r = lam / death(N + 1), is below TAIL_MASS times
    the mass kept (death rates increase in n, so the ratios beyond N are all <= r).
    """
    from scipy.special import logsumexp  # here: commands that never need it start faster

    def log_ratio(lo: int, hi: int) -> NDArray[np.float64]:  # log p(n)/p(n-1), n = lo..hi-1
        n = np.arange(lo, hi, dtype=np.float64)
        return math.log(lam) - np.log(np.minimum(n, c) * mu + np.maximum(n - c, 0.0) * theta)

    mode = math.floor(lam / mu) if lam < c * mu else c + math.floor((lam - c * mu) / theta)
    if mode > MAX_STATES:
        raise ValueError(f"Erlang A chain needs > {MAX_STATES} states; queue too long to sum")
    below = -np.cumsum(log_ratio(1, mode + 1)[::-1])[::-1]  # log p(n)/p(m), n = 0..m-1
    chunks = [below, np.zeros(1)]
    last, end, size = 0.0, mode, max(256, 2 * c)
    total = float(np.logaddexp(0.0, logsumexp(below))) if mode else 0.0
    while True:
        chunk = last + np.cumsum(log_ratio(end + 1, end + size + 1))
        chunks.append(chunk)
        last, end = float(chunk[-1]), end + size
        total = float(np.logaddexp(total, logsumexp(chunk)))
        r = math.exp(float(log_ratio(end + 1, end + 2)[0]))
        if r < 1.0 and last + math.log(r / (1.0 - r)) < math.log(TAIL_MASS) + total:
            break
        size *= 2
        if end + size > MAX_STATES:
            raise ValueError(f"Erlang A chain needs > {MAX_STATES} states; queue too long to sum")
    p = np.exp(np.concatenate(chunks) - total)
    p /= p.sum()  # absorb the rounding of the chunked log-normaliser
    return p


def _erlang_a_args(
    agents: int, arrivals: float, handle: float, patience: float
) -> tuple[int, float, float, float]:
    c = _count("agents", agents, 1)
    lam = _real("arrivals_per_minute", arrivals)
    mu = 1.0 / _real("handle_minutes", handle, positive=True)
    theta = 1.0 / _real("patience_minutes", patience, positive=True)
    return c, lam, mu, theta


def erlang_a(
    agents: int, arrivals_per_minute: float, handle_minutes: float, patience_minutes: float
) -> ErlangA:
    """Exact Erlang A (M/M/c+M) measures from the birth-death chain on n in system.

    Birth rate lambda, death rate min(n, c) mu + max(n - c, 0) theta with mu = 1/handle and
    theta = 1/patience; truncated where the neglected stationary mass is < 1e-12. By PASTA
    P(W > 0) = sum_{n >= c} p(n); abandonment = theta E[queue] / lambda; occupancy =
    E[min(n, c)] / c; mean wait (all arrivals) = E[queue] / lambda by Little's law.

    Args:
        agents: Number of agents c (>= 1).
        arrivals_per_minute: Poisson arrival rate lambda per minute (>= 0).
        handle_minutes: Mean exponential handle time in minutes (> 0).
        patience_minutes: Mean exponential patience in minutes (> 0, finite; use Erlang C for
            infinitely patient callers).

    Returns:
        The measures; all zero when arrivals_per_minute == 0.
    """
    c, lam, mu, theta = _erlang_a_args(
        agents, arrivals_per_minute, handle_minutes, patience_minutes
    )
    if lam == 0.0:
        return ErlangA(0.0, 0.0, 0.0, 0.0, 0.0)
    p = _erlang_a_dist(c, lam, mu, theta)
    n = np.arange(p.size, dtype=np.float64)
    mean_queue = float(np.maximum(n - c, 0.0) @ p)
    wait_prob, occupancy = float(p[c:].sum()), float(np.minimum(n, c) @ p) / c
    abandon_prob = theta * mean_queue / lam
    return ErlangA(
        min(1.0, wait_prob),
        min(1.0, abandon_prob),
        min(1.0, occupancy),
        mean_queue,
        mean_queue / lam,
    )


def erlang_a_service_level(
    agents: int,
    arrivals_per_minute: float,
    handle_minutes: float,
    patience_minutes: float,
    answer_within_minutes: float,
) -> float:
    """Exact Erlang A service level: share of arrivals answered within t.

    Abandoners count as not answered. An arrival that finds n = c + k in system (k ahead in
    queue, FCFS) advances one place at rate c mu + j theta while j are ahead (a server frees
    or one ahead abandons) and abandons itself at rate theta. It is answered iff it reaches a
    server first, with probability prod_j (c mu + j theta) / (c mu + (j + 1) theta) =
    c mu / (c mu + (k + 1) theta), and then its wait is a sum of independent Exp(c mu + i theta),
    i = 1..k+1, for which exp(-theta W) ~ Beta(c mu / theta + 1, k + 1). Hence
    P(answered within t) = P(n < c) + sum_k p(c + k) c mu / (c mu + (k + 1) theta)
    I_{1 - exp(-theta t)}(k + 1, c mu / theta + 1), with I the regularised incomplete beta.
    As t -> inf this is 1 - abandon share; as patience -> inf it tends to the Erlang C level.

    Args:
        agents: Number of agents c (>= 1).
        arrivals_per_minute: Poisson arrival rate per minute (>= 0).
        handle_minutes: Mean exponential handle time in minutes (> 0).
        patience_minutes: Mean exponential patience in minutes (> 0, finite).
        answer_within_minutes: Answer-time target t in minutes (>= 0, may be inf).

    Returns:
        Share of arrivals answered within t (dimensionless, in [0, 1]).
    """
    from scipy.special import betainc  # here: commands that never need it start faster

    c, lam, mu, theta = _erlang_a_args(
        agents, arrivals_per_minute, handle_minutes, patience_minutes
    )
    t = _real("answer_within_minutes", answer_within_minutes, finite=False)
    if lam == 0.0:
        return 1.0
    p = _erlang_a_dist(c, lam, mu, theta)
    k = np.arange(p.size - c, dtype=np.float64)
    cmu = c * mu
    reach = cmu / (cmu + (k + 1.0) * theta)
    in_time = betainc(k + 1.0, cmu / theta + 1.0, -math.expm1(-theta * t))
    return min(1.0, float(p[:c].sum() + np.sum(p[c:] * reach * in_time)))


def _rates(name: str, values: NDArray[np.float64]) -> NDArray[np.float64]:
    rates = np.asarray(values, dtype=np.float64)
    if rates.size and (not np.all(np.isfinite(rates)) or rates.min() < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    return rates


def erlang_c_service_level_many(
    agents: int, loads: NDArray[np.float64], handle_minutes: float,
    answer_within_minutes: float,
) -> NDArray[np.float64]:
    """``erlang_c_service_level`` of ``agents`` for many offered loads at once.

    Args:
        agents: Number of servers c (>= 0).
        loads: Offered loads in Erlangs (each >= 0).
        handle_minutes: Mean handle time in minutes (> 0).
        answer_within_minutes: Answer-time target t in minutes (>= 0, may be inf).

    Returns:
        Share answered within t per load: 1 without load, 0 where load >= agents.
    """
    c = _count("agents", agents)
    h = _real("handle_minutes", handle_minutes, positive=True)
    t = _real("answer_within_minutes", answer_within_minutes, finite=False)
    a = _rates("loads", loads)
    b = np.ones_like(a)
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        wait_prob = np.minimum(1.0, c * b / (c - a * (1.0 - b)))
        level = np.maximum(0.0, 1.0 - wait_prob * np.exp(-(c - a) * (t / h)))
    return np.where(a == 0.0, 1.0, np.where(a >= c, 0.0, level))


def erlang_a_service_level_many(
    agents: int,
    arrivals_per_minute: NDArray[np.float64],
    handle_minutes: float,
    patience_minutes: float,
    answer_within_minutes: float,
) -> NDArray[np.float64]:
    """``erlang_a_service_level`` of ``agents`` for many arrival rates at once.

    With c, mu, theta and t fixed, the stationary weights are p(n) ~ lambda^n / prod_{i<=n}
    death(i) and the share answered within t is sum_n w(n) p(n), with w(n) = 1 for n < c and
    w(c + k) = c mu / (c mu + (k + 1) theta) I_{1 - exp(-theta t)}(k + 1, c mu / theta + 1)
    (see ``erlang_a_service_level``): w and the death rates are shared by every rate, so all
    rates are summed together in log space, over states up to where the neglected mass of
    every rate is below 1e-12.

    Args:
        agents: Number of agents c (>= 1).
        arrivals_per_minute: Poisson arrival rates per minute (each >= 0).
        handle_minutes: Mean exponential handle time in minutes (> 0).
        patience_minutes: Mean exponential patience in minutes (> 0, finite).
        answer_within_minutes: Answer-time target t in minutes (>= 0, may be inf).

    Returns:
        Share of arrivals answered within t per rate (1 without arrivals).
    """
    from scipy.special import betainc, logsumexp  # here: commands that never need them start faster

    c, _, mu, theta = _erlang_a_args(agents, 0.0, handle_minutes, patience_minutes)
    t = _real("answer_within_minutes", answer_within_minutes, finite=False)
    rates = _rates("arrivals_per_minute", arrivals_per_minute)
    level = np.ones_like(rates)
    busy = np.flatnonzero(rates > 0)
    if not busy.size:
        return level
    lam = rates[busy]
    # States up to the mode of the busiest rate and well beyond (doubled until the tail fits).
    peak = float(lam.max())
    mode = peak / mu if peak < c * mu else c + (peak - c * mu) / theta
    size = max(64, c + 32, int(1.5 * mode) + 32)
    while True:
        if size > MAX_STATES:
            raise ValueError(f"Erlang A chain needs > {MAX_STATES} states; queue too long to sum")
        n = np.arange(1, size + 2, dtype=np.float64)
        log_death = np.log(np.minimum(n, c) * mu + np.maximum(n - c, 0.0) * theta)
        cumulative = np.concatenate([[0.0], np.cumsum(log_death[:-1])])  # log prod, n = 0..size
        log_weights = np.arange(size + 1)[None, :] * np.log(lam)[:, None] - cumulative[None, :]
        total = logsumexp(log_weights, axis=1)
        ratio = lam / math.exp(float(log_death[-1]))  # p(size + 1) / p(size) and all beyond
        with np.errstate(divide="ignore"):
            tail = log_weights[:, -1] + np.log(ratio / np.maximum(1.0 - ratio, 1e-300))
        if np.all(ratio < 1.0) and np.all(tail < math.log(TAIL_MASS) + total):
            break
        size *= 2
    k = np.arange(size + 1 - c, dtype=np.float64)
    cmu = c * mu
    answered = np.ones(size + 1)
    answered[c:] = cmu / (cmu + (k + 1.0) * theta) * betainc(
        k + 1.0, cmu / theta + 1.0, -math.expm1(-theta * t))
    level[busy] = np.minimum(1.0, np.exp(log_weights - total[:, None]) @ answered)
    return level


def offered_load(arrivals_per_hour: float, handle_minutes: float) -> float:
    """Offered load in Erlangs: arrivals per hour x handle minutes / 60.

    Args:
        arrivals_per_hour: Arrival rate per hour (>= 0).
        handle_minutes: Mean handle time in minutes (>= 0).

    Returns:
        Load in Erlangs.
    """
    lam, h = _real("arrivals_per_hour", arrivals_per_hour), _real("handle_minutes", handle_minutes)
    return lam * h / 60.0


def agents_for_service_level(
    arrivals_per_hour: float, handle_minutes: float, answer_within_s: float, service_level: float
) -> int:
    """Smallest number of agents whose Erlang C service level meets the target.

    Args:
        arrivals_per_hour: Arrival rate per hour (>= 0).
        handle_minutes: Mean handle time in minutes (> 0).
        answer_within_s: Answer-time target in seconds (>= 0, may be inf).
        service_level: Target share answered within the target time, in (0, 1).

    Returns:
        Minimal agents c with erlang_c_service_level(c, ...) >= service_level; 0 if there are
        no arrivals.

    Raises:
        ValueError: a bad argument, or a load that needs more than ``MAX_AGENTS`` agents.
    """
    h = _real("handle_minutes", handle_minutes, positive=True)
    a = offered_load(arrivals_per_hour, h)
    t = _real("answer_within_s", answer_within_s, finite=False) / 60.0
    target = _fraction("service_level", service_level, open_low=True)
    if a == 0.0:
        return 0
    if a > STEPWISE_LOAD:
        return _agents_for_large_load(a, t / h, target)
    c, b = 0, 1.0
    while True:  # extend the Erlang B recursion one agent at a time
        c += 1
        b = a * b / (c + a * b)
        if c > a and _sl(c, a, _c_from_b(c, a, b), t / h) >= target:
            return c


def _large_load_sl(c: int, a: float, t_over_h: float) -> float:
    """Erlang C service level of c > a agents from Erlang B in closed form, B = P(N = c) /
    P(N <= c) for N Poisson with mean a: one evaluation whatever c, where the recursion takes
    c steps."""
    from scipy import stats  # here: commands that never need it start faster

    log_b = float(stats.poisson.logpmf(c, a) - stats.poisson.logcdf(c, a))
    return _sl(c, a, _c_from_b(c, a, math.exp(log_b)), t_over_h)


def _agents_for_large_load(a: float, t_over_h: float, target: float) -> int:
    """The fewest agents meeting the target for a load above ``STEPWISE_LOAD``: from the
    first stable count, steps doubling until the target is met, then bisection (the service
    level rises with every agent once the queue is stable)."""
    if a >= MAX_AGENTS:
        raise ValueError(f"load(={a:.6g}) needs more than {MAX_AGENTS:,} agents "
                         "(the staffing search stops there)")
    failing, step = math.floor(a), 1  # c <= a: unstable, the target is never met
    meeting = failing + step
    while _large_load_sl(meeting, a, t_over_h) < target:
        failing, step = meeting, step * 2
        meeting = failing + step
        if meeting > MAX_AGENTS:
            if _large_load_sl(MAX_AGENTS, a, t_over_h) < target:
                raise ValueError(f"load(={a:.6g}) needs more than {MAX_AGENTS:,} agents "
                                 "(the staffing search stops there)")
            meeting = MAX_AGENTS
    while meeting - failing > 1:
        middle = (failing + meeting) // 2
        if _large_load_sl(middle, a, t_over_h) >= target:
            meeting = middle
        else:
            failing = middle
    return meeting


def agents_for_service_level_many(
    arrivals_per_hour: NDArray[np.float64], handle_minutes: float, answer_within_s: float,
    service_level: float,
) -> NDArray[np.int64]:
    """``agents_for_service_level`` for many arrival rates at once (say every interval of a day).

    The Erlang B recursion runs on all rates together, one agent at a time; each rate leaves
    the recursion once its target is met. Loads above ``STEPWISE_LOAD`` are searched as
    ``agents_for_service_level`` searches them.

    Args:
        arrivals_per_hour: Arrival rates per hour (each >= 0).
        handle_minutes: Mean handle time in minutes (> 0).
        answer_within_s: Answer-time target in seconds (>= 0, may be inf).
        service_level: Target share answered within the target time, in (0, 1).

    Returns:
        Minimal agents per rate (0 where there are no arrivals).
    """
    h = _real("handle_minutes", handle_minutes, positive=True)
    t = _real("answer_within_s", answer_within_s, finite=False) / 60.0
    target = _fraction("service_level", service_level, open_low=True)
    rates = np.asarray(arrivals_per_hour, dtype=np.float64)
    if rates.size and (not np.all(np.isfinite(rates)) or rates.min() < 0):
        raise ValueError("arrivals_per_hour must be finite and >= 0")
    loads = rates * h / 60.0
    agents = np.zeros(rates.shape, dtype=np.int64)
    for index in np.flatnonzero(loads > STEPWISE_LOAD):
        agents[index] = _agents_for_large_load(float(loads[index]), t / h, target)
    active = np.flatnonzero((loads > 0) & (loads <= STEPWISE_LOAD))
    a = loads[active]
    b = np.ones_like(a)
    c = 0
    while active.size:
        c += 1
        b = a * b / (c + a * b)
        stable = c > a
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            wait_prob = np.minimum(1.0, c * b / (c - a * (1.0 - b)))
            sl = np.maximum(0.0, 1.0 - wait_prob * np.exp(-(c - a) * (t / h)))
        done = stable & (sl >= target)
        if done.any():
            agents[active[done]] = c
            keep = ~done
            active, a, b = active[keep], a[keep], b[keep]
    return agents

"""How big a run is, before it starts: contacts, orders, events, table rows, memory and CPU.

``estimate_run(scenario, reps)`` reads the scenario alone (no simulation, a few milliseconds):
the expected orders and forecast contacts over the horizon from the calendar (weekday factors,
growth, peaks, launch and ramp), the contacts orders bring from the shares in
``order_contacts``, follow-ups from first-contact resolution, and the rows of the result tables
from the reporting interval, queues and teams. Memory and CPU follow from costs per contact,
per order and per table row. ``size_problems(estimate, limits)`` turns an estimate into
refusals and warnings.

The costs were measured on the development machine (2 shared cores, load 2 to 5):
``benchmarks/bench_contacts.py --multichannel`` gave 15 to 30 us of CPU per contact (a single
queue, then three channels in two languages with retries and follow-ups);
``benchmarks/bench_expansion.py`` 53 us per order and contact together on the expansion example
(1,469,661 orders and 444,815 contacts in 102 s), of which orders take about 40 us with calendar
promises, cut-offs, returns and the contacts they bring (``bench_orders.py``: 5 us for a bare
order); ``bench_orders.py`` a process of 190 MiB before any work. A whole run of
``one_queue.yaml`` with one-minute against one-hour intervals gave 480 bytes and 3.4 us a table
row; ``mmcm.yaml`` at 4,000 against 40,000 calls an hour, 340 bytes an arrival of the day drawn
at once; 10 against 100,000 agents, 370 bytes an agent.

The figures are estimates, good to a factor of about two: what cannot be known before running
(late deliveries, abandons and the retries they bring, backlogs) is taken at typical values, and
a machine's speed and load move CPU time.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from cxsim.scenario.common import GENERAL_REASON
from cxsim.scenario.models import Scenario

__all__ = ["RunEstimate", "SizeLimits", "estimate_run", "size_problems"]

# Costs measured as the module docstring says, rounded up. CPU seconds, bytes.
CPU_PER_CONTACT = 30e-6  # a contact of a centre with several channels, languages and teams
CPU_PER_ORDER = 40e-6  # an order with calendar promises, cut-offs, returns and its contacts
CPU_PER_ROW = 3.5e-6  # a row of a result table (per interval or per day), built and summed
CPU_PER_AGENT = 3.5e-6  # setting up an agent
BYTES_PER_ROW = 500  # a row of a result table, kept through the run and in the tables
BYTES_PER_ARRIVAL = 350  # an arrival of the busiest day, drawn a day at a time
BYTES_PER_AGENT = 400
BASE_BYTES = 250 * 2**20  # Python, numpy, pandas, pyarrow and the model, before any work
# Simulation events: a contact is scheduled, answered (or abandons) and finishes; an order
# ships and arrives.
EVENTS_PER_CONTACT = 3
EVENTS_PER_ORDER = 2
# What cannot be known before running, at typical values: the share of orders delivered late
# and of orders that cannot ship in full at once, and the contacts that retries and chases add.
LATE_SHARE = 0.15
STOCKOUT_SHARE = 0.05
REPEAT_SHARE = 0.10


@dataclasses.dataclass(frozen=True)
class RunEstimate:
    """The expected size of a run of ``reps`` replications (counts are per replication).

    Attributes:
        reps: replications.
        orders: orders placed over the horizon, warm-up included.
        contacts: contacts arriving at a queue (forecast, from orders, follow-ups, retries).
        busiest_day: orders and forecast contacts of the busiest day (drawn at once).
        agents: agents at the largest headcount (starting agents and every hire).
        events: simulation events.
        interval_rows: rows of the per-interval tables (intervals x (queues + teams)).
        day_rows: rows of the per-day tables.
        memory_bytes_per_rep: peak memory of a process running one replication.
        memory_bytes: peak memory of the whole run in one process (every replication's tables).
        cpu_seconds_per_rep: CPU time of one replication, its tables included.
    """

    reps: int
    orders: float
    contacts: float
    busiest_day: float
    agents: int
    events: float
    interval_rows: int
    day_rows: int
    memory_bytes_per_rep: float
    memory_bytes: float
    cpu_seconds_per_rep: float

    def __str__(self) -> str:
        return (f"about {_count(self.orders)} orders and {_count(self.contacts)} contacts per "
                f"replication, {_count(self.events)} events, {_count(self.interval_rows)} "
                f"interval rows; {_bytes(self.memory_bytes_per_rep)} and "
                f"{_duration(self.cpu_seconds_per_rep)} of CPU per replication, "
                f"{_bytes(self.memory_bytes)} for all {self.reps}")


@dataclasses.dataclass(frozen=True)
class SizeLimits:
    """Where a run is refused, and where it is only warned about."""

    max_memory_bytes: float = 16 * 2**30
    max_events_per_rep: float = 1e9
    warn_cpu_seconds_per_rep: float = 600.0


def _in_units(value: float, units: tuple[tuple[str, float], ...], small: str) -> str:
    """``value`` in the largest of ``units`` (name, size) it reaches, else as ``small``."""
    for unit, size in units:
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return small


def _count(value: float) -> str:
    return _in_units(value, (("billion", 1e9), ("million", 1e6)), f"{value:,.0f}")


def _bytes(value: float) -> str:
    return _in_units(value, (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)),
                     f"{value / 2**10:.3g} KiB")


def _duration(seconds: float) -> str:
    return _in_units(seconds, (("hours", 3600), ("minutes", 60)), f"{seconds:.2g} seconds")


def _per_day(volumes: np.ndarray, horizon_days: float) -> np.ndarray:
    """Daily volumes weighted by the part of each day within the horizon."""
    weights = np.clip(horizon_days - np.arange(volumes.size), 0.0, 1.0)
    return np.asarray(volumes * weights, dtype=np.float64)


def _contacts_per_order(scenario: Scenario) -> dict[str, float]:
    """Expected contacts an order brings, by reason (none without ``order_contacts``)."""
    spec = scenario.order_contacts
    if spec is None:
        return {}
    shares = {name: p.demand_share for name, p in scenario.products.items()}
    total = sum(shares.values()) or 1.0
    issue = returns = 0.0
    for name, product in scenario.products.items():
        weight = shares[name] / total
        units = product.units_per_order.expected if product.units_per_order else 1.0
        if spec.product_issue.per_unit is not None:
            per_unit = spec.product_issue.by_product.get(name, spec.product_issue.per_unit)
            issue += weight * (1.0 - (1.0 - per_unit) ** max(1.0, math.ceil(units)))
        else:
            issue += weight * spec.product_issue.by_product.get(
                name, spec.product_issue.per_order)
        returns += weight * product.return_share
    return {
        "product_issue": issue,
        "wismo": spec.wismo.before_promise / 2 + spec.wismo.when_late * LATE_SHARE,
        "stockout": spec.stockout.per_order * STOCKOUT_SHARE,
        "returns": spec.returns.per_return * returns,
        "pre_sales": spec.pre_sales.per_order,
    }


def _repeats(scenario: Scenario, reason: str) -> float:
    """Contacts per first contact of ``reason``: follow-ups until resolved (1 / resolution),
    plus the retries and chases of customers' segments."""
    spec = scenario.reasons.get(reason)
    resolution = spec.first_contact_resolution if spec is not None else 1.0
    repeat = any(s.retry is not None or s.chase is not None for s in scenario.segments.values())
    return (1.0 / resolution) * (1.0 + (REPEAT_SHARE if repeat else 0.0))


def estimate_run(scenario: Scenario, reps: int = 1) -> RunEstimate:
    """The expected size of ``reps`` replications of ``scenario``, without simulating.

    Args:
        scenario: a validated scenario.
        reps: replications (>= 1).
    """
    if reps < 1:
        raise ValueError(f"reps(={reps}) must be >= 1")
    days = math.ceil(scenario.horizon_days)
    horizon = scenario.horizon_days
    busiest = np.zeros(days)
    orders = 0.0
    for region in scenario.regions.values():
        if region.demand is not None:
            daily = _per_day(region.demand.daily_volumes(scenario.start_date, days,
                                                         region.launch_date), horizon)
            orders += float(daily.sum())
            busiest += daily
    contacts = sum(share * _repeats(scenario, reason) * orders
                   for reason, share in _contacts_per_order(scenario).items())
    for volume in scenario.contact_volume:
        launch = scenario.regions[volume.region].launch_date
        daily = _per_day(volume.daily_volumes(scenario.start_date, days, launch), horizon)
        contacts += float(daily.sum()) * _repeats(scenario, volume.reason or GENERAL_REASON)
        busiest += daily
    agents = sum(team.agents + sum(hire.agents for hire in team.hires)
                 for team in scenario.teams.values())
    intervals = math.ceil(scenario.horizon_minutes / scenario.interval_minutes)
    interval_rows = intervals * (len(scenario.queues) + len(scenario.teams))
    reasons = len({*scenario.reasons, GENERAL_REASON} | (
        set(_contacts_per_order(scenario)) if scenario.order_contacts else set()))
    order_keys = sum(
        len(region.demand.sales_channel_shares()) * len(scenario.products)
        for region in scenario.regions.values() if region.demand is not None)
    pools = sum(len(node.stock) * (len(item.allocation) if item.allocation else 1)
                for node in scenario.nodes.values() for item in node.stock.values())
    day_rows = days * (order_keys + pools + len(scenario.queues) * reasons)
    rows = interval_rows + day_rows
    busiest_day = float(busiest.max()) if busiest.size else 0.0
    working = busiest_day * BYTES_PER_ARRIVAL + agents * BYTES_PER_AGENT
    return RunEstimate(
        reps=reps,
        orders=orders,
        contacts=contacts,
        busiest_day=busiest_day,
        agents=agents,
        events=contacts * EVENTS_PER_CONTACT + orders * EVENTS_PER_ORDER,
        interval_rows=interval_rows,
        day_rows=day_rows,
        memory_bytes_per_rep=BASE_BYTES + working + rows * BYTES_PER_ROW,
        memory_bytes=BASE_BYTES + working + reps * rows * BYTES_PER_ROW,
        cpu_seconds_per_rep=(contacts * CPU_PER_CONTACT + orders * CPU_PER_ORDER
                             + rows * CPU_PER_ROW + agents * CPU_PER_AGENT),
    )


def size_problems(estimate: RunEstimate, limits: SizeLimits = SizeLimits()
                  ) -> tuple[list[str], list[str]]:
    """(refusals, warnings) for a run of this size, each one line with the estimate.

    Refused: more memory than ``limits.max_memory_bytes`` for one replication or for the whole
    run, or more events than ``limits.max_events_per_rep`` in one replication. Warned: more CPU
    than ``limits.warn_cpu_seconds_per_rep`` for one replication.
    """
    refusals, warnings = [], []
    most = _bytes(limits.max_memory_bytes)
    if estimate.memory_bytes_per_rep > limits.max_memory_bytes:
        refusals.append(
            f"a replication needs about {_bytes(estimate.memory_bytes_per_rep)} of memory (at "
            f"most {most}: a longer interval_minutes, a shorter horizon_days or fewer queues)")
    elif estimate.memory_bytes > limits.max_memory_bytes:
        refusals.append(
            f"{estimate.reps} replications need about {_bytes(estimate.memory_bytes)} of memory "
            f"for their tables (at most {most}: fewer replications, a longer interval_minutes "
            "or a shorter horizon_days)")
    if estimate.events > limits.max_events_per_rep:
        refusals.append(
            f"a replication has about {_count(estimate.events)} events ({_count(estimate.orders)}"
            f" orders, {_count(estimate.contacts)} contacts; at most "
            f"{_count(limits.max_events_per_rep)} events: lower volumes or a shorter "
            "horizon_days)")
    if estimate.cpu_seconds_per_rep > limits.warn_cpu_seconds_per_rep:
        warnings.append(
            f"a replication takes about {_duration(estimate.cpu_seconds_per_rep)} of CPU "
            f"({_count(estimate.orders)} orders, {_count(estimate.contacts)} contacts), "
            f"{_duration(estimate.cpu_seconds_per_rep * estimate.reps)} for all {estimate.reps}")
    return refusals, warnings

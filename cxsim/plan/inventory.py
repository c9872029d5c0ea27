"""Stock that keeps its fill rate at the lowest holding cost: for every node x product, the
policy's parameter (the base-stock level, s of (s, S) with the planner's S - s, r of (r, Q) with
the planner's Q, the order-up-to level of periodic review), a level per month where demand is
seasonal, and a new node's first shipment with the latest date to order it.

The search starts from the closed forms of ``cxsim.theory``: lead-time demand Poisson, or normal
where the simulated daily demand is over-dispersed (orders of several units, forecast error);
backorders by P(D <= S - 1) and the (r, Q) formula, lost sales (and stock sent on to the next
node) by Erlang B through Palm's theorem. Demand is read from a run of the scenario as it stands,
day by day, so the ramp after a launch, growth, weekdays, peaks and pooled or allocated stock
are as the scenario shapes them. The level in force on a day covers the demand of the lead time
that follows it, so a seasonal schedule rises a lead time ahead of its peak.

The simulation then judges and corrects: each item's proposal is made for its demand scaled by
a factor k; a run measures each item's fill rate, the factor that explains it through the
closed form becomes the next one, and items whose 95% interval of the fill rate is not all at
or above the target are raised, the others lowered, until the proposals repeat. The cheapest
proposal that held is the plan, verified with fresh seeds. All items move together in every run
(common random numbers), so a plan costs a handful of runs however many items there are.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxsim.executors import Executor
from cxsim.plan.common import (
    Plan,
    Progress,
    apply_plan,
    commerce_only,
    kpi_interval,
    plan_executor,
    stage_progress,
    verification_seed,
    verify,
)
from cxsim.results import Results
from cxsim.results.checks import LEAD_TIME_QUANTILE, first_stock_lead_days, target_status
from cxsim.run import run
from cxsim.scenario import Scenario
from cxsim.scenario.commerce import RQ, SS, BaseStock, PeriodicReview, StockItem
from cxsim.theory.erlang import erlang_b
from cxsim.theory.stock import (
    base_stock_level_for,
    first_shipment_for,
    lead_time_demand_fill_rate,
    lost_sales_level_for,
    reorder_point_for,
    rq_fill_rate,
)

__all__ = ["DEFAULT_FILL_RATE", "DEFAULT_INVENTORY_ITERATIONS", "INVENTORY_PLAN_COLUMNS",
           "INVENTORY_SCHEDULE_COLUMNS", "inventory_problems", "plan_inventory"]

DEFAULT_FILL_RATE = 0.98
DEFAULT_INVENTORY_ITERATIONS = 3
# A daily demand whose variance across replications is within this factor of its mean is
# Poisson; above it, lead-time demand is normal with the variance measured.
POISSON_DISPERSION = 1.15
# A level per month is proposed where the months' levels differ by more than this factor.
SEASONAL_RATIO = 1.25
# The closed form aims above the target by the interval's half-width, at most this high.
HIGHEST_AIM = 0.9995
# One correction moves the demand factor by at most this factor either way.
MOST_STEP = 3.0

INVENTORY_PLAN_COLUMNS = [
    "node", "product", "policy", "parameter", "on_stockout", "target", "lead_time_days",
    "lead_time_demand", "demand_dispersion", "current", "current_fill_rate",
    "current_fill_rate_low", "current_fill_rate_high", "current_on_hand_mean",
    "current_holding_cost_per_day", "closed_form", "recommended", "schedule_months",
    "demand_factor", "verified_fill_rate", "verified_fill_rate_low", "verified_fill_rate_high",
    "verified_on_hand_mean", "verified_holding_cost_per_day", "first_inbound_units",
    "first_inbound_order_by", "status",
]

INVENTORY_SCHEDULE_COLUMNS = ["node", "product", "parameter", "from_date", "level"]


def inventory_problems(scenario: Scenario) -> list[str]:
    """Why ``scenario`` cannot have an inventory plan, one line each (empty: it can)."""
    problems = []
    if not scenario.nodes:
        problems.append("nodes: the scenario keeps no stock (an inventory plan needs "
                        "nodes.<name>.stock)")
    if not any(region.demand is not None for region in scenario.regions.values()):
        problems.append("regions: no region sells anything (an inventory plan needs orders: "
                        "regions.<name>.demand)")
    return problems


def _parameter(item: StockItem) -> tuple[str, int, int]:
    """The parameter planned ('level', 's', 'r', 'order_up_to'), its value, and the lot kept:
    Q of (r, Q), S - s of (s, S), 0 otherwise."""
    policy = item.policy
    if isinstance(policy, BaseStock):
        return "level", policy.level, 0
    if isinstance(policy, SS):
        return "s", policy.s, policy.S - policy.s
    if isinstance(policy, RQ):
        return "r", policy.r, policy.Q
    return "order_up_to", policy.order_up_to, 0


@dataclass
class _Item:
    """One node x product: its demand, model and the proposals tried."""

    node: str
    product: str
    item: StockItem
    target: float
    lead_days: float  # mean lead time (plus the review period under periodic review)
    dates: list[dt.date]  # local dates of the node, one per demand value
    demand: np.ndarray  # mean units demanded per local day, over replications
    dispersion: float
    launch: int | None  # index of the first day with demand at a new node
    months: list[tuple[int, int]] = field(default_factory=list)  # [start, end) day indices
    seasonal: bool = False
    # proposal -> (fill rate mean, low, high, demand factor) of the runs that tried it
    tried: dict[tuple[int, ...], tuple[float, float, float, float]] = field(
        default_factory=dict)
    k_ok: float = math.inf
    k_fail: float = 0.0
    # The closed form aims above the target by this much: half the way to 1 at first, then
    # the half-width of the fill rate's interval in the last run.
    margin: float = math.nan
    # Days from the launch until the first replenishment comes in with 95% confidence.
    first_window: float = 0.0
    done: bool = False

    @property
    def kind(self) -> str:
        return _parameter(self.item)[0]

    @property
    def lot(self) -> int:
        return _parameter(self.item)[2]

    @property
    def lost(self) -> bool:
        return self.item.on_stockout != "backorder" and isinstance(self.item.policy, BaseStock)

    def lead_demand(self, lead: float | None = None) -> np.ndarray:
        """Mean units demanded over the lead time (or ``lead`` days) that starts each day (the
        last days use the last lead time's mean rate)."""
        days = self.demand.size
        lead = self.lead_days if lead is None else lead
        whole = math.floor(lead)
        part = lead - whole
        tail_rate = float(self.demand[max(0, days - max(whole, 1)):].mean()) if days else 0.0
        padded = np.concatenate((self.demand, np.full(whole + 2, tail_rate)))
        cum = np.concatenate(([0.0], np.cumsum(padded)))
        index = np.arange(days)
        return cum[index + whole] - cum[index] + part * padded[index + whole]

    def variance(self, mean: float) -> float | None:
        return None if self.dispersion <= POISSON_DISPERSION else self.dispersion * mean

    def level_for(self, aim: float, mean: float) -> int:
        """The closed form's parameter for a lead-time demand of ``mean``."""
        if self.lost:
            return lost_sales_level_for(aim, mean)
        if self.lot:
            return reorder_point_for(aim, self.lot, mean, self.variance(mean))
        return base_stock_level_for(aim, mean, self.variance(mean))

    def fill(self, parameter: int, mean: float) -> float:
        """The closed form's fill rate of ``parameter`` for a lead-time demand of ``mean``."""
        if self.lost:
            return 1.0 - erlang_b(max(parameter, 0), mean)
        if self.lot:
            return rq_fill_rate(parameter, self.lot, mean, self.variance(mean))
        return lead_time_demand_fill_rate(max(parameter, 0), mean, self.variance(mean))

    def periods(self) -> list[tuple[int, int, float, float]]:
        """(start, end, weight, mean lead-time demand) of each period a level holds for: the
        months with demand when seasonal, else one period of every day with demand."""
        lead = self.lead_demand()
        spans = self.months if self.seasonal else [(self.launch or 0, self.demand.size)]
        out = []
        for start, end in spans:
            weight = float(self.demand[start:end].sum())
            if weight > 0:
                mean = float(np.dot(self.demand[start:end], lead[start:end]) / weight)
                out.append((start, end, weight, mean))
        return out

    def proposal(self, k: float) -> tuple[int, ...]:
        """The parameter per period for demand scaled by ``k``, then a new node's first
        shipment."""
        aim = self.aim()
        levels = tuple(self.level_for(aim, k * mean) for _, _, _, mean in self.periods())
        first = self.first_units(k)
        return levels if first is None else (*levels, first)

    def levels(self, proposal: tuple[int, ...]) -> tuple[int, ...]:
        """The parameters per period of a proposal."""
        return proposal[:len(self.periods())]

    def first(self, proposal: tuple[int, ...]) -> int | None:
        """The first shipment of a proposal (None for a node stocked from the start)."""
        return None if self.launch is None else proposal[-1]

    def predicted(self, levels: tuple[int, ...], k: float) -> float:
        """The closed form's fill rate of ``levels`` when demand is scaled by ``k``."""
        periods = self.periods()
        levels = self.levels(levels)
        total = sum(w for _, _, w, _ in periods)
        return sum(w * self.fill(level, k * mean)
                   for level, (_, _, w, mean) in zip(levels, periods, strict=True)) / total

    def explaining(self, levels: tuple[int, ...], fill: float) -> float:
        """The demand factor under which the closed form gives ``levels`` the measured fill."""
        low, high = math.log(1e-3), math.log(1e3)
        for _ in range(40):
            middle = (low + high) / 2
            if self.predicted(levels, math.exp(middle)) >= fill:
                low = middle
            else:
                high = middle
        return math.exp((low + high) / 2)

    def aim(self) -> float:
        margin = (1.0 - self.target) / 2 if math.isnan(self.margin) else self.margin
        return min(HIGHEST_AIM, self.target + margin)

    def first_units(self, k: float) -> int | None:
        """A new node's first shipment: the demand from the launch until the first
        replenishment comes in (ordered when the first stock arrives, before the launch; its lead
        time's 95% quantile), filled at the aim as a one-off stock (newsvendor)."""
        if self.launch is None:
            return None
        lead = self.lead_demand(self.first_window)
        mean = k * float(lead[self.launch])
        return first_shipment_for(self.aim(), mean, self.variance(mean))


def _months(dates: list[dt.date], start: int) -> list[tuple[int, int]]:
    """[start, end) indices of the calendar months from day ``start``."""
    spans: list[tuple[int, int]] = []
    for index in range(start, len(dates)):
        if not spans or (dates[index].year, dates[index].month) != (
                dates[spans[-1][0]].year, dates[spans[-1][0]].month):
            spans.append((index, index + 1))
        else:
            spans[-1] = (spans[-1][0], index + 1)
    return spans


def _items(scenario: Scenario, base: Results, default_target: float,
           findings: list[str]) -> list[_Item]:
    """Every node x product with demand, its demand read from ``base`` day by day. One whose
    demand all falls in the warm-up has no fill rate to judge a level by: it is left as it is,
    with a finding."""
    daily = base.inventory_by_day
    items = []
    for node, spec in scenario.nodes.items():
        for product, item in spec.stock.items():
            rows = daily[(daily["node"] == node) & (daily["product"] == product)]
            per_rep = rows.groupby(["date", "rep"])["units_demanded"].sum().unstack("rep")
            if per_rep.empty or not (per_rep.to_numpy().sum() > 0):
                continue
            lead = item.lead_time_days.expected + (
                item.policy.review_days if isinstance(item.policy, PeriodicReview) else 0.0)
            # A level shows in the fill rate once orders meet restocked stock: from a lead time
            # after the start (before, the opening stock serves them). The counted days must
            # hold a lead time of those, or the plan would cut stock a longer run needs.
            judged_from = max(scenario.warmup_days, lead)
            if scenario.horizon_days < judged_from + lead:
                findings.append(
                    f"{node} {product}: the run ends too soon after its {lead:g}-day lead time "
                    "to judge a stock level by (a horizon_days of at least "
                    f"{math.ceil(judged_from + lead)}); its stock is kept as the scenario gives "
                    "it")
                continue
            if not rows.loc[rows["counted"], "units_demanded"].sum() > 0:
                findings.append(
                    f"{node} {product}: no demand after the warm-up, so no fill rate to plan "
                    "by; its stock is kept as the scenario gives it (a longer horizon_days, or a "
                    "shorter warmup_days)")
                continue
            values = per_rep.fillna(0.0).to_numpy()
            demand = values.mean(axis=1)
            spread = values.var(axis=1, ddof=1) if values.shape[1] > 1 else demand
            dispersion = float(spread.sum() / demand.sum())
            dates = [d if isinstance(d, dt.date) else pd.Timestamp(d).date()
                     for d in per_rep.index]
            launch = (int(np.flatnonzero(demand > 0)[0]) if spec.first_inbound is not None
                      else None)
            target = scenario.products[product].fill_rate_target or default_target
            entry = _Item(node, product, item, target, lead, dates, demand, dispersion, launch)
            entry.first_window = item.lead_time_days.quantile(LEAD_TIME_QUANTILE)
            entry.months = _months(dates, launch or 0)
            # Months of a week or more: a shorter first or last month joins its neighbour.
            if len(entry.months) > 1 and entry.months[0][1] - entry.months[0][0] < 7:
                entry.months[1] = (entry.months[0][0], entry.months[1][1])
                entry.months.pop(0)
            if len(entry.months) > 1 and entry.months[-1][1] - entry.months[-1][0] < 7:
                entry.months[-2] = (entry.months[-2][0], entry.months[-1][1])
                entry.months.pop()
            entry.seasonal = True
            monthly = entry.levels(entry.proposal(1.0))
            entry.seasonal = len(monthly) > 1 and max(monthly) > SEASONAL_RATIO * max(
                min(monthly), 1)
            items.append(entry)
    return items


def _changes(items: list[_Item], proposals: dict[int, tuple[int, ...]]) -> dict[str, Any]:
    """The scenario changes that put each item's proposal in force."""
    changes: dict[str, Any] = {}
    for index, entry in enumerate(items):
        levels = entry.levels(proposals[index])
        path = f"nodes.{entry.node}.stock.{entry.product}"
        kind, _, lot = _parameter(entry.item)
        changes[f"{path}.policy.{kind}"] = levels[0]
        if kind == "s":
            changes[f"{path}.policy.S"] = levels[0] + lot
        if entry.seasonal:
            periods = entry.periods()
            changes[f"{path}.schedule"] = [
                {"from_date": entry.dates[start].isoformat(), "level": level}
                for (start, _, _, _), level, previous in zip(
                    periods[1:], levels[1:], levels[:-1], strict=True) if level != previous]
        units = entry.first(proposals[index])
        if units is not None:
            changes[f"{path}.initial"] = units
    return changes


def _order_by(scenario: Scenario, changes: dict[str, Any], findings: list[str]) -> dict[
        str, dt.date]:
    """Each new node's latest date to order its first stock: its first launch less the
    lead time's 95% quantile; an order placed later is moved to that date."""
    order_by: dict[str, dt.date] = {}
    for node, spec in scenario.nodes.items():
        inbound = spec.first_inbound
        launches = [scenario.regions[r].launch_date for r in spec.serves
                    if scenario.regions[r].launch_date is not None]
        if inbound is None or not launches:
            continue
        latest = min(d for d in launches if d is not None) - dt.timedelta(
            days=first_stock_lead_days(spec))
        order_by[node] = latest
        if inbound.ordered > latest:
            changes[f"nodes.{node}.first_inbound.ordered"] = latest.isoformat()
            findings.append(
                f"{node}: the first stock, ordered on {inbound.ordered}, lands before the launch "
                f"with less than {LEAD_TIME_QUANTILE:.0%} confidence; the plan orders it by "
                f"{latest}" + (" (a date already past on the scenario's start date: order now)"
                               if latest < scenario.start_date else ""))
    return order_by


def _describe(kind: str, levels: tuple[int, ...], lot: int) -> str:
    """A parameter as a planner writes it: ``level=340``, ``r=120 (Q=60)``, and the range of a
    level per month, ``level=200..340 by month``."""
    low, high = min(levels), max(levels)
    value = f"{low}" if low == high else f"{low}..{high}"
    monthly = "" if len(levels) == 1 else " by month"
    if kind == "r":
        return f"r={value} (Q={lot}){monthly}"
    if kind == "s":
        return f"s={value} (S-s={lot}){monthly}"
    return f"{kind}={value}{monthly}"


def plan_inventory(
    scenario: Scenario,
    reps: int = 4,
    seed: int = 0,
    fill_rate: float = DEFAULT_FILL_RATE,
    max_iterations: int = DEFAULT_INVENTORY_ITERATIONS,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
) -> Plan:
    """Stock parameters that meet each product's fill-rate target at the lowest holding cost,
    a level per month where demand is seasonal, and new nodes' first shipments.

    Args:
        scenario: the scenario as it stands (its demand, lead times, policies, launches).
        reps: replications of every run (>= 2: a level holds when the lower end of its fill
            rate's 95% interval reaches the target).
        seed: root seed of the search's runs (common random numbers); the verification uses
            ``seed + 1``.
        fill_rate: the target of products without their own ``fill_rate_target``.
        max_iterations: most correcting runs after the run of the scenario as it stands.
        workers: processes for the replications when no ``executor`` is given.
        executor: where to run replications.
        progress: called with (stage, replications done, replications in all).
        log: called with a line after each step.

    Returns:
        The plan: tables ``inventory_plan`` (``INVENTORY_PLAN_COLUMNS``) and, where a level per
        month is proposed, ``inventory_schedule``; the planned scenario; findings for targets
        not met and first stock ordered too late.

    Raises:
        ValueError: the scenario keeps no stock or sells nothing, or a bad argument.
    """
    problems = inventory_problems(scenario)
    if problems:
        raise ValueError("; ".join(problems))
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise ValueError(f"reps(={reps!r}) must be a whole number >= 2: a fill rate is judged "
                         "by its confidence interval across replications")
    if isinstance(fill_rate, bool) or not 0 < float(fill_rate) < 1:
        raise ValueError(f"fill_rate(={fill_rate!r}) must be a share above 0 and below 1")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or (
            max_iterations < 1):
        raise ValueError(f"max_iterations(={max_iterations!r}) must be a whole number >= 1")
    say = log or (lambda _line: None)
    started = time.perf_counter()

    def stage(name: str) -> Callable[[int, int], None] | None:
        return stage_progress(progress, name)

    findings: list[str] = []
    with plan_executor(executor, workers) as running:
        # The search judges stock alone: it runs without the support operation (the same
        # orders and stock at a fraction of the cost); the verification runs everything.
        searched_on = commerce_only(scenario)
        base = run(searched_on, reps=reps, seed=seed, executor=running, progress=stage("stock"))
        items = _items(scenario, base, fill_rate, findings)
        say(f"stock: {len(items)} node x product(s) with demand, read from one run of {reps} "
            "replication(s)")
        factors: dict[int, float] = {}
        closed: dict[int, tuple[int, ...]] = {}
        for index, entry in enumerate(items):
            closed[index] = entry.proposal(1.0)
            factors[index] = 1.0
            # The scenario as it stands is a first measurement, where it is informative.
            _, value, _ = _parameter(entry.item)
            mean = kpi_interval(base, "inventory", entry.node, entry.product, "fill_rate")[0]
            if not entry.seasonal and entry.launch is None and 0.3 < mean < 0.9999:
                factors[index] = min(MOST_STEP, max(1 / MOST_STEP,
                                                    entry.explaining((value,), mean)))
        proposals = {i: items[i].proposal(factors[i]) for i in range(len(items))}
        iterations = 0
        while iterations < max_iterations and not all(e.done for e in items):
            iterations += 1
            changes = _changes(items, proposals)
            trial = run(apply_plan(searched_on, changes), reps=reps, seed=seed, executor=running,
                        progress=stage(f"stock, iteration {iterations}"))
            moved = 0
            for index, entry in enumerate(items):
                if entry.done:
                    continue
                levels, k = proposals[index], factors[index]
                mean, low, high = kpi_interval(trial, "inventory", entry.node, entry.product,
                                       "fill_rate")
                entry.tried[levels] = (mean, low, high, k)
                if not math.isnan(low):
                    # The next proposal aims above the target by this run's half-width, so
                    # that its interval's lower end can reach it.
                    entry.margin = max(0.0, mean - low)
                held = not math.isnan(mean) and (low if not math.isnan(low) else mean) >= (
                    entry.target)
                if held:
                    entry.k_ok = min(entry.k_ok, k)
                else:
                    entry.k_fail = max(entry.k_fail, k)
                step = entry.explaining(levels, mean) if not math.isnan(mean) else k
                if not held:
                    # Demand that changes over time (a ramp, peaks) or comes in bursts leaves
                    # more short than a scaled stationary demand explains: a fill rate far below
                    # the target moves the factor at least in proportion to the gap.
                    step = max(step, k * (1.0 + min(0.5, 2.0 * (entry.target - mean))))
                step = min(k * MOST_STEP, max(k / MOST_STEP, step))
                if math.isfinite(entry.k_ok) and entry.k_fail > 0 and not (
                        entry.k_fail < step < entry.k_ok):
                    step = math.sqrt(entry.k_fail * entry.k_ok)
                proposal = entry.proposal(step)
                if proposal in entry.tried:
                    entry.done = True
                    continue
                factors[index], proposals[index] = step, proposal
                moved += 1
            say(f"stock, iteration {iterations}: {moved} proposal(s) moved")
        # The cheapest proposal that held; where none did, the highest tried.
        final: dict[int, tuple[int, ...]] = {}
        for index, entry in enumerate(items):
            tried = sorted(entry.tried.items(), key=lambda pair: (sum(pair[0]), pair[0]))
            good = [(p, t[3]) for p, t in tried
                    if (t[1] if not math.isnan(t[1]) else t[0]) >= entry.target]
            if good:
                final[index], factors[index] = good[0]
            elif tried:
                final[index], factors[index] = tried[-1][0], tried[-1][1][3]
            else:
                final[index] = proposals[index]
        changes = _changes(items, final)
        order_by = _order_by(scenario, changes, findings)
        planned = apply_plan(scenario, changes)
        searched = time.perf_counter() - started
        verification = verify(planned, reps, seed, running, progress=stage("verification"))
    rows, schedule = _tables(base, verification, items, closed, final, factors, order_by,
                             findings)
    tables = {"inventory_plan": pd.DataFrame(rows, columns=INVENTORY_PLAN_COLUMNS)}
    if schedule:
        tables["inventory_schedule"] = pd.DataFrame(schedule, columns=INVENTORY_SCHEDULE_COLUMNS)
    meta = {"seed": seed, "verification_seed": verification_seed(seed), "reps": reps,
            "fill_rate": fill_rate, "iterations": iterations, "search_s": round(searched, 3),
            "total_s": round(time.perf_counter() - started, 3)}
    return Plan("inventory", scenario, changes, planned, tables, verification, findings, meta)


def _tables(
    base: Results, verification: Results, items: list[_Item],
    closed: dict[int, tuple[int, ...]], final: dict[int, tuple[int, ...]],
    factors: dict[int, float], order_by: dict[str, dt.date], findings: list[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    schedule: list[dict[str, Any]] = []
    for index, entry in enumerate(items):
        kind, value, lot = _parameter(entry.item)
        holding = entry.item.holding_cost_per_unit_day
        def stock(results: Results, kpi: str, entry: _Item = entry) -> tuple[float, float, float]:
            return kpi_interval(results, "inventory", entry.node, entry.product, kpi)

        now, after = stock(base, "fill_rate"), stock(verification, "fill_rate")
        on_hand_now = stock(base, "on_hand_mean")[0]
        on_hand = stock(verification, "on_hand_mean")[0]
        levels = entry.levels(final[index])
        periods = entry.periods()
        status = target_status(*after, entry.target, at_least=True)
        if entry.seasonal:
            for (start, _, _, _), level in zip(periods, levels, strict=True):
                schedule.append({"node": entry.node, "product": entry.product,
                                 "parameter": kind,
                                 "from_date": entry.dates[start], "level": level})
        weight = sum(w for _, _, w, _ in periods)
        lead_demand = sum(w * m for _, _, w, m in periods) / weight
        units = entry.first(final[index])
        rows.append({
            "node": entry.node, "product": entry.product, "policy": entry.item.policy.kind,
            "parameter": kind, "on_stockout": entry.item.on_stockout, "target": entry.target,
            "lead_time_days": entry.lead_days, "lead_time_demand": lead_demand,
            "demand_dispersion": entry.dispersion, "current": _describe(kind, (value,), lot),
            "current_fill_rate": now[0], "current_fill_rate_low": now[1],
            "current_fill_rate_high": now[2], "current_on_hand_mean": on_hand_now,
            "current_holding_cost_per_day": on_hand_now * holding,
            "closed_form": _describe(kind, entry.levels(closed[index]), lot),
            "recommended": _describe(kind, levels, lot),
            "schedule_months": len(levels) if entry.seasonal else 0,
            "demand_factor": factors[index],
            "verified_fill_rate": after[0], "verified_fill_rate_low": after[1],
            "verified_fill_rate_high": after[2], "verified_on_hand_mean": on_hand,
            "verified_holding_cost_per_day": on_hand * holding,
            "first_inbound_units": units, "first_inbound_order_by": order_by.get(entry.node)
            if units is not None else None,
            "status": status,
        })
        if status != "met":
            findings.append(
                f"{entry.node} {entry.product}: the planned {rows[-1]['recommended']} fills "
                f"{after[0]:.1%} [{after[1]:.1%}, {after[2]:.1%}] of demand with fresh seeds, "
                f"{status} against {entry.target:.0%}"
                + ("; more replications (--reps) narrow the interval"
                   if math.isfinite(entry.k_ok) else
                   f"; none of the {len(entry.tried)} level(s) tried held it with confidence: "
                   "more --iterations, or more --reps to narrow the interval (or stock-outs no "
                   "level reaches: a first shipment that lands late, a lead time as long as "
                   "the horizon)"))
    if not items and not findings:  # (none left out for want of demand after the warm-up)
        findings.append("no node has demand within the horizon: nothing to plan")
    return rows, schedule

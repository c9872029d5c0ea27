"""The promise that holds: for every region x sales channel, the shortest whole-day delivery
promise whose on-time share meets a target with confidence, and whether each marketplace's
late-shipment ceiling holds, with the node's own levers where it does not.

One simulation of the scenario as it stands answers every candidate promise: each order is
judged against every whole-day promise of 0 to 30 days under its region's rule as it ships
(``promise_curve`` of the results), so no candidate needs a run of its own. A promise is
recommended when the lower end of the 95% interval of its on-time share across replications is
at or above the target. The plan sets ``regions.<r>.promise_days_by_channel.<c>`` where the
recommendation differs from the promise in force, and is verified with fresh seeds.

Late shipments depend on the nodes, not on the promise: where a marketplace's ceiling is missed
or at risk, the planner runs the scenario once per lever of the nodes serving that region
(shipping on Saturdays, on every day, a cut-off two or four hours later) with the same seed
(common random numbers), and reports each option's late-shipment rate with its interval. The
options are reported, never applied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxsim.executors import Executor
from cxsim.model.delivery import PROMISE_DAYS_RECORDED
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
from cxsim.results.checks import target_status
from cxsim.results.summary import confidence_interval
from cxsim.run import run
from cxsim.scenario import Scenario
from cxsim.scenario.common import WEEKDAYS

__all__ = ["DEFAULT_ON_TIME", "DEFAULT_PROMISE_REPS", "PROMISE_PLAN_COLUMNS",
           "SHIP_OPTION_COLUMNS", "plan_promise", "promise_problems"]

DEFAULT_ON_TIME = 0.95
DEFAULT_PROMISE_REPS = 5

PROMISE_PLAN_COLUMNS = [
    "region", "sales_channel", "rule", "orders_judged",
    "current_promise_days", "current_on_time", "current_on_time_low", "current_on_time_high",
    "recommended_promise_days", "recommended_on_time", "recommended_on_time_low",
    "recommended_on_time_high", "verified_on_time", "verified_on_time_low",
    "verified_on_time_high", "target", "status",
    "late_shipment_rate", "late_shipment_rate_low", "late_shipment_rate_high",
    "late_shipment_ceiling", "ceiling_holds",
]

SHIP_OPTION_COLUMNS = [
    "region", "sales_channel", "node", "option", "change", "late_shipment_rate",
    "late_shipment_rate_low", "late_shipment_rate_high", "late_shipment_ceiling", "holds",
    "on_time_at_current_promise",
]


def promise_problems(scenario: Scenario) -> list[str]:
    """Why ``scenario`` cannot have a promise plan, one line each (empty: it can)."""
    if not any(region.demand is not None for region in scenario.regions.values()):
        return ["regions: no region sells anything (a promise plan needs orders: "
                "regions.<name>.demand)"]
    return []


@dataclass(frozen=True)
class _Curve:
    """One region x sales channel's on-time share per whole-day promise, with its interval."""

    judged: np.ndarray  # orders judged per promise, all replications
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def shortest(self, target: float) -> int | None:
        """The fewest days whose whole interval is at or above ``target``; None if none."""
        held = np.flatnonzero((self.judged > 0) & (self.low >= target))
        return int(held[0]) if held.size else None


def _curves(results: Results) -> dict[tuple[str, str], _Curve]:
    curves: dict[tuple[str, str], _Curve] = {}
    table = results.promise_curve
    for (region, channel), rows in table.groupby(["region", "sales_channel"], sort=False):
        judged = rows.groupby("promise_days")["judged"].sum()
        days = np.arange(PROMISE_DAYS_RECORDED + 1)
        stats = [confidence_interval(rows.loc[rows["promise_days"] == d, "on_time_rate"].tolist())
                 for d in days]
        # Shares stay shares: an interval is cut at 0 and 1, as the summary's are.
        curves[str(region), str(channel)] = _Curve(
            judged.reindex(days, fill_value=0).to_numpy(),
            *(np.clip(np.array([s[i] for s in stats]), 0.0, 1.0) for i in range(3)))
    return curves


def _kpi(results: Results, kpi: str, region: str, channel: str) -> tuple[float, float, float]:
    return kpi_interval(results, "orders", region, channel, kpi)


def _levers(scenario: Scenario, node: str) -> list[tuple[str, dict[str, Any]]]:
    """The node's own levers on late shipments: (what it is, the scenario changes)."""
    spec = scenario.nodes[node]
    options: list[tuple[str, dict[str, Any]]] = []
    days = list(spec.working_days)
    if "sat" not in days:
        with_saturday = [d for d in WEEKDAYS if d in days or d == "sat"]
        options.append(("ship on Saturdays too", {f"nodes.{node}.working_days": with_saturday}))
    if set(days) | {"sat"} != set(WEEKDAYS):
        options.append(("ship every day", {f"nodes.{node}.working_days": list(WEEKDAYS)}))
    if spec.cutoff_hour is not None:
        for later in (2, 4):
            hour = min(spec.cutoff_hour + later, 23)
            if hour > spec.cutoff_hour and all(
                    change.get(f"nodes.{node}.cutoff_hour") != hour for _, change in options):
                options.append((f"cut-off at {_clock(hour)} instead of "
                                f"{_clock(spec.cutoff_hour)}",
                                {f"nodes.{node}.cutoff_hour": hour}))
    return options


def _text(value: Any) -> str:
    """A planned value as ``--set`` takes it."""
    return f"[{', '.join(map(str, value))}]" if isinstance(value, list) else f"{value:g}"


def _clock(hour: float) -> str:
    """An hour of the day as HH:MM."""
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _serving(scenario: Scenario, region: str) -> list[str]:
    """The first node of every product the region sells: the ones its orders ship from."""
    spec = scenario.regions[region]
    assert spec.demand is not None
    nodes: list[str] = []
    for product in scenario.products:
        found = scenario.nodes_for(region, product)
        if found and found[0] not in nodes:
            nodes.append(found[0])
    return nodes


def plan_promise(
    scenario: Scenario,
    reps: int = DEFAULT_PROMISE_REPS,
    seed: int = 0,
    on_time: float = DEFAULT_ON_TIME,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
) -> Plan:
    """The shortest delivery promise that holds for every region x sales channel, the
    marketplaces' late-shipment ceilings with the nodes' levers, verified with fresh seeds.

    Args:
        scenario: the scenario as it stands (cut-offs, working days, capacity, stock, carriers).
        reps: replications of the run and of the verification (>= 2: a promise holds when the
            lower end of its 95% interval across replications reaches ``on_time``).
        seed: root seed of the run (and of every lever's run: common random numbers); the
            verification uses ``seed + 1``.
        on_time: the on-time share a promise must keep, above 0 and below 1.
        workers: processes for the replications when no ``executor`` is given.
        executor: where to run replications.
        progress: called with (stage, replications done, replications in all).
        log: called with a line after each step.

    Returns:
        The plan: tables ``promise_plan`` (``PROMISE_PLAN_COLUMNS``) and, where a ceiling is
        missed or at risk, ``ship_options`` (``SHIP_OPTION_COLUMNS``); the planned scenario;
        findings for targets no promise up to 30 days meets.

    Raises:
        ValueError: the scenario has no orders, or a bad argument.
    """
    problems = promise_problems(scenario)
    if problems:
        raise ValueError("; ".join(problems))
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise ValueError(f"reps(={reps!r}) must be a whole number >= 2: a promise is judged by "
                         "its confidence interval across replications")
    if isinstance(on_time, bool) or not 0 < float(on_time) < 1:
        raise ValueError(f"on_time(={on_time!r}) must be a share above 0 and below 1")
    say = log or (lambda _line: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def stage(name: str) -> Callable[[int, int], None] | None:
        return stage_progress(progress, name)

    with plan_executor(executor, workers) as running:
        # Promises and shipping are judged on orders alone: the run and the levers' runs leave
        # the support operation out (the same orders at a fraction of the cost); the
        # verification runs everything.
        searched_on = commerce_only(scenario)
        base = run(searched_on, reps=reps, seed=seed, executor=running,
                   progress=stage("promises"))
        timings["run_s"] = time.perf_counter() - started
        curves = _curves(base)
        rows, changes, findings = _recommend(scenario, base, curves, on_time)
        say(f"promises: {len(rows)} region x sales channel(s) judged at 0 to "
            f"{PROMISE_DAYS_RECORDED} days from one run of {reps} replication(s)")
        options_started = time.perf_counter()
        options = _ship_options(searched_on, base, reps, seed, running, stage, say)
        timings["options_s"] = time.perf_counter() - options_started
        planned = apply_plan(scenario, changes)
        verifying = time.perf_counter()
        verification = verify(planned, reps, seed, running, progress=stage("verification"))
        timings["verification_s"] = time.perf_counter() - verifying
    verified = _curves(verification)
    for row in rows:
        days = row["recommended_promise_days"]
        curve = verified.get((row["region"], row["sales_channel"]))
        if days is None or curve is None:
            row.update(verified_on_time=np.nan, verified_on_time_low=np.nan,
                       verified_on_time_high=np.nan, status="no promise holds")
            continue
        mean, low, high = (float(a[days]) for a in (curve.mean, curve.low, curve.high))
        row.update(verified_on_time=mean, verified_on_time_low=low, verified_on_time_high=high,
                   status=target_status(mean, low, high, on_time, at_least=True))
        if row["status"] != "met":
            findings.append(
                f"{row['region']} {row['sales_channel']}: the recommended {days}-day promise "
                f"keeps {mean:.1%} [{low:.1%}, {high:.1%}] of orders on time with fresh seeds, "
                f"{row['status']} against {on_time:.0%}: more replications narrow the interval")
    findings += _ceiling_findings(rows, options)
    timings["total_s"] = time.perf_counter() - started
    tables = {"promise_plan": pd.DataFrame(rows, columns=PROMISE_PLAN_COLUMNS)}
    if options:
        tables["ship_options"] = pd.DataFrame(options, columns=SHIP_OPTION_COLUMNS)
    meta = {"seed": seed, "verification_seed": verification_seed(seed), "reps": reps,
            "on_time": on_time, "promise_days_judged": PROMISE_DAYS_RECORDED,
            "lever_runs": len({(o["node"], o["option"]) for o in options}),
            **{k: round(v, 3) for k, v in timings.items()}}
    return Plan("promise", scenario, changes, planned, tables, verification, findings, meta)


def _recommend(
    scenario: Scenario, base: Results, curves: dict[tuple[str, str], _Curve], on_time: float,
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """One row per region x sales channel with orders; the changes; what no promise meets."""
    rows: list[dict[str, Any]] = []
    changes: dict[str, Any] = {}
    findings: list[str] = []
    for (region, channel), curve in curves.items():
        if not curve.judged.any():
            launch = scenario.regions[region].launch_date
            findings.append(
                f"{region} {channel}: no order of the counted days could be judged within the "
                "horizon" + (f" (the region launches on {launch})" if launch is not None else "")
                + ": nothing to plan there; a longer horizon_days")
            continue
        current = scenario.promise_days_for(region, channel)
        cur = _kpi(base, "on_time_rate", region, channel) if current is not None else (
            np.nan, np.nan, np.nan)
        days = curve.shortest(on_time)
        # The longest promise any order could be judged by within the horizon.
        last = int(np.flatnonzero(curve.judged > 0)[-1])
        if days is None:
            fill = _kpi(base, "fill_rate", region, channel)[0]
            why = (f"orders that wait for stock are what a longer promise cannot cover (fill "
                   f"rate {fill:.1%})" if last == PROMISE_DAYS_RECORDED else
                   f"no order could be judged by a longer promise within the horizon (a longer "
                   f"horizon_days judges up to {PROMISE_DAYS_RECORDED} days)")
            findings.append(
                f"{region} {channel}: no promise up to {last} days keeps {on_time:.0%} of orders "
                f"on time with confidence (at {last} days: {curve.mean[last]:.1%} "
                f"[{curve.low[last]:.1%}, {curve.high[last]:.1%}]); {why}")
        elif current is None or days != current:
            changes[f"regions.{region}.promise_days_by_channel.{channel}"] = days
        rule = scenario.regions[region].promise_rule
        late = _kpi(base, "late_shipment_rate", region, channel)
        rules = scenario.sales_channels.get(channel)
        ceiling = rules.rules.late_shipment_rate_max if rules is not None and (
            rules.rules is not None) else np.nan
        holds = "" if np.isnan(ceiling) or np.isnan(late[0]) else (
            target_status(*late, ceiling, at_least=False))
        rows.append({
            "region": region, "sales_channel": channel, "rule": rule,
            "orders_judged": int(curve.judged[days if days is not None else last]),
            "current_promise_days": current,
            "current_on_time": cur[0], "current_on_time_low": cur[1],
            "current_on_time_high": cur[2],
            "recommended_promise_days": days,
            "recommended_on_time": curve.mean[days] if days is not None else np.nan,
            "recommended_on_time_low": curve.low[days] if days is not None else np.nan,
            "recommended_on_time_high": curve.high[days] if days is not None else np.nan,
            "target": on_time,
            "late_shipment_rate": late[0], "late_shipment_rate_low": late[1],
            "late_shipment_rate_high": late[2], "late_shipment_ceiling": ceiling,
            "ceiling_holds": holds,
        })
    return rows, changes, findings


def _ship_options(
    scenario: Scenario, base: Results, reps: int, seed: int, executor: Executor,
    stage: Callable[[str], Callable[[int, int], None] | None], say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Each lever of the nodes behind a missed or at-risk ceiling, run once with the same seed."""
    missed: list[tuple[str, str, float]] = []
    for name, sales_channel in scenario.sales_channels.items():
        if sales_channel.rules is None:
            continue
        ceiling = sales_channel.rules.late_shipment_rate_max
        for region in scenario.regions:
            late = _kpi(base, "late_shipment_rate", region, name)
            if not np.isnan(late[0]) and target_status(*late, ceiling, at_least=False) != "met":
                missed.append((region, name, ceiling))
    options: list[dict[str, Any]] = []
    tried: dict[tuple[str, str], Results] = {}
    for region, channel, ceiling in missed:
        for node in _serving(scenario, region):
            for option, change in _levers(scenario, node):
                if (node, option) not in tried:
                    tried[node, option] = run(apply_plan(scenario, change), reps=reps, seed=seed,
                                              executor=executor,
                                              progress=stage(f"{node}: {option}"))
                    say(f"{node}: {option}: run")
                results = tried[node, option]
                late = _kpi(results, "late_shipment_rate", region, channel)
                options.append({
                    "region": region, "sales_channel": channel, "node": node, "option": option,
                    "change": "; ".join(f"{path}={_text(value)}"
                                        for path, value in change.items()),
                    "late_shipment_rate": late[0], "late_shipment_rate_low": late[1],
                    "late_shipment_rate_high": late[2], "late_shipment_ceiling": ceiling,
                    "holds": target_status(*late, ceiling, at_least=False),
                    "on_time_at_current_promise": _kpi(results, "on_time_rate", region,
                                                       channel)[0],
                })
    return options


def _ceiling_findings(rows: list[dict[str, Any]], options: list[dict[str, Any]]) -> list[str]:
    findings = []
    for row in rows:
        if row["ceiling_holds"] in ("", "met"):
            continue
        mine = [o for o in options if o["region"] == row["region"]
                and o["sales_channel"] == row["sales_channel"]]
        held = [o for o in mine if o["holds"] == "met"]
        said = (f"{row['region']} {row['sales_channel']}: {row['late_shipment_rate']:.1%} of "
                f"orders ship late against a ceiling of {row['late_shipment_ceiling']:.1%} "
                f"({row['ceiling_holds']}); ")
        if held:
            # The levers are listed from the smallest change: the first that holds is the one
            # to weigh first.
            first = held[0]
            said += (f"{len(held)} of {len(mine)} option(s) hold it, the smallest change "
                     f"'{first['option']}' at {first['node']} ({first['change']}) with "
                     f"{first['late_shipment_rate']:.1%} [{first['late_shipment_rate_low']:.1%}, "
                     f"{first['late_shipment_rate_high']:.1%}]; see ship_options.csv")
        elif mine:
            best = min(mine, key=lambda o: o["late_shipment_rate"])
            said += (f"none of the node's {len(mine)} option(s) holds it alone (best "
                     f"{best['late_shipment_rate']:.1%} with '{best['option']}'); capacity or "
                     "a longer ship window is beyond this planner")
        else:
            said += "the nodes serving it have no lever left (they ship every day, no cut-off)"
        findings.append(said)
    return findings

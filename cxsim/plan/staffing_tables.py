"""What a staffing plan hands back: the scenario changes, its tables and its findings.

Tables (each written as ``<name>.csv``):

- ``staffing``: per planned team and interval: the local and UTC start, agents needed on duty
  and available, agents the planned roster has on duty (mean over the interval), and the method
  that set the need.
- ``roster``: per team, week and shift pattern with agents: the agents, their hours and cost a
  week, and the solver's status, gap and time for that week.
- ``hiring_plan``: every hire: start date, agents, latest date to decide, the week it is
  needed for, status (``open`` or ``too late``).
- ``headcount``: per team and week: agents the roster names, expected headcount and expected
  agents at full speed under the hiring plan.
- ``verification``: every target of the verification run (as ``targets.csv``) with the share of
  intervals whose service level, over the replications, meets it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cxsim.plan.hiring import HiringPlan
from cxsim.plan.intervals import LocalIntervals
from cxsim.plan.requirement import MOST_LEVEL, Calibration, Group, Observed, TeamNeed
from cxsim.plan.weekly import TeamRoster
from cxsim.results import Results
from cxsim.scenario import Scenario
from cxsim.scenario.models import SyncChannel

__all__ = [
    "changes_for",
    "findings_for",
    "hiring_tables",
    "roster_table",
    "staffing_table",
    "verification_table",
]


def changes_for(
    scenario: Scenario, rosters: dict[str, TeamRoster], hires: dict[str, HiringPlan]
) -> dict[str, Any]:
    """The plan as scenario changes: each planned team's roster and hires (and no shifts)."""
    changes: dict[str, Any] = {}
    for name, roster in rosters.items():
        if scenario.teams[name].shifts is not None:
            changes[f"teams.{name}.shifts"] = None
        changes[f"teams.{name}.roster"] = roster.periods()
        changes[f"teams.{name}.hires"] = [
            {"date": hire.start, "agents": hire.agents} for hire in hires[name].hires
        ]
    return changes


STAFFING_COLUMNS = ("team", "region", "interval", "start_local", "start_utc", "counted",
                    "required_on_duty", "required_available", "rostered", "method")


def staffing_table(
    scenario: Scenario, needs: dict[str, TeamNeed], local: dict[str, LocalIntervals],
    rostered: dict[str, NDArray[np.float64]], counted: NDArray[np.bool_],
) -> pd.DataFrame:
    """Need and roster per planned team and interval."""
    origin = pd.Timestamp(scenario.start_date, tz="UTC")
    length = scenario.interval_minutes
    parts = []
    for name, need in needs.items():
        intervals = local[name]
        index = np.arange(intervals.count)
        parts.append(pd.DataFrame({
            "team": name,
            "region": scenario.teams[name].region,
            "interval": index,
            "start_local": [start.strftime("%Y-%m-%d %H:%M") for start in intervals.starts],
            "start_utc": origin + pd.to_timedelta(index * length, unit="min"),
            "counted": counted,
            "required_on_duty": need.on_duty,
            "required_available": need.available,
            "rostered": np.round(rostered[name], 3),
            "method": need.method,
        }, columns=STAFFING_COLUMNS))
    if not parts:  # no team planned (none sees a contact): the table's columns, no rows
        return pd.DataFrame(columns=STAFFING_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def roster_table(scenario: Scenario, rosters: dict[str, TeamRoster]) -> pd.DataFrame:
    """Agents per team, week and shift pattern, with the solver's report per week."""
    rows = []
    for name, roster in rosters.items():
        per_hour = scenario.teams[name].cost_per_hour
        for week, monday in enumerate(roster.weeks):
            solution = roster.solutions[week]
            if solution is None:
                continue
            for pattern, agents in zip(roster.patterns, solution.agents.tolist(), strict=True):
                if agents <= 0:
                    continue
                rows.append({
                    "team": name, "region": scenario.teams[name].region,
                    "week_start": monday, "week_end": monday + dt.timedelta(days=6),
                    "shift": pattern.label(), "agents": agents,
                    "hours_per_week": agents * pattern.hours_per_week,
                    "cost_per_week": agents * pattern.hours_per_week * per_hour,
                    "solver_status": solution.status, "gap": solution.gap,
                    "solver_seconds": round(solution.seconds, 3),
                })
    columns = ["team", "region", "week_start", "week_end", "shift", "agents", "hours_per_week",
               "cost_per_week", "solver_status", "gap", "solver_seconds"]
    return pd.DataFrame(rows, columns=columns)


def hiring_tables(scenario: Scenario, hires: dict[str, HiringPlan]) -> dict[str, pd.DataFrame]:
    """``hiring_plan`` (every hire) and ``headcount`` (need against the plan, week by week)."""
    hire_rows, week_rows = [], []
    for name, plan in hires.items():
        region = scenario.teams[name].region
        hire_rows += [{"team": name, "region": region, "start_date": h.start,
                       "agents": h.agents, "decide_by": h.decide_by,
                       "needed_for": h.needed_for, "status": h.status} for h in plan.hires]
        week_rows += [{"team": name, "region": region, "week_start": week, "need": need,
                       "headcount": round(heads, 3), "capacity": round(capacity, 3)}
                      for week, need, heads, capacity in zip(
                          plan.weeks, plan.need, plan.headcount, plan.capacity, strict=True)]
    return {
        "hiring_plan": pd.DataFrame(hire_rows, columns=[
            "team", "region", "start_date", "agents", "decide_by", "needed_for", "status"]),
        "headcount": pd.DataFrame(week_rows, columns=[
            "team", "region", "week_start", "need", "headcount", "capacity"]),
    }


def verification_table(verification: Results) -> pd.DataFrame:
    """``targets`` of the verification run, with the share of intervals meeting each."""
    targets = verification.targets.copy()
    frame = verification.contacts_by_interval
    scenario = verification.scenario
    shares: list[tuple[float, float, float]] = []
    if not frame.empty:
        counted = frame[frame["counted"]]
        excluded = counted["channel"].map({
            name: isinstance(spec, SyncChannel) and spec.target.exclude_abandons_within_target
            for name, spec in scenario.channels.items()}).astype(bool)
        counted = counted.assign(judged=counted["handled"] + counted["abandoned"]
                                 - counted["abandoned_in_target"].where(excluded, 0))
    for row in targets.itertuples():
        if row.scope != "contacts" or frame.empty:
            shares.append((np.nan, np.nan, np.nan))
            continue
        rows = counted[counted["channel"] == row.channel]
        if row.region != "*":
            rows = rows[rows["region"] == row.region]
        per = rows.groupby("interval")[["answered_in_target", "judged"]].sum()
        per = per[per["judged"] > 0]
        met = float(np.count_nonzero(per["answered_in_target"] / per["judged"] >= row.limit))
        judged = float(len(per))
        shares.append((judged, met, met / judged if judged else np.nan))
    targets["intervals"] = [s[0] for s in shares]
    targets["intervals_met"] = [s[1] for s in shares]
    targets["intervals_met_share"] = [s[2] for s in shares]
    return targets


def findings_for(
    scenario: Scenario,
    groups: dict[str, list[Group]],
    unplanned: list[tuple[str, str, str]],
    observed: Observed,
    needs: dict[str, TeamNeed],
    calibration: Calibration,
    rosters: dict[str, TeamRoster],
    hires: dict[str, HiringPlan],
    verification: Results,
) -> list[str]:
    """What a planner must know about the plan, a sentence each."""
    findings = []
    for region, channel, language in unplanned:
        offered = float(observed.queues[region, channel, language]["offered"].mean(axis=0).sum())
        if offered <= 0:
            continue
        helpers = [n for n in scenario.teams_for(region, channel, language)
                   if scenario.teams[n].region != region]
        who = f" speaking {language}" if language else ""
        helped = (f"only {', '.join(helpers)} of other regions help after their overflow wait"
                  if helpers else "nobody takes them")
        findings.append(f"{region} {channel}{who}: {offered:,.0f} contacts a replication that no "
                        f"team of {region} takes; {helped} (not planned)")
    unserved = sum(float(q["unserved"].mean(axis=0).sum()) for q in observed.queues.values())
    if unserved > 0:
        findings.append(f"{unserved:,.0f} contacts a replication found no channel open and "
                        "served, and were lost (unserved)")
    for name in scenario.teams:
        if name not in groups:
            findings.append(f"team {name}: no queue of its own region with contacts to plan; "
                            "its staffing is kept as the scenario gives it")
    for name, need in needs.items():
        for channel, cells in need.capped.items():
            if cells:
                findings.append(
                    f"team {name} {channel}: in {cells:,} interval(s) no staffing within the "
                    f"limit (load + 10 x sqrt(load) + 20 servers) reaches the target; planned at "
                    "that limit")
        if need.stranded:
            findings.append(
                f"team {name}: messages arriving in {need.stranded:,} interval(s) cannot be "
                "answered within their response target by the shifts the team may work (see "
                f"roster.csv; teams.{name}.shift_patterns widens them)")
    out_of_reach = sorted({g.scope for team in groups.values() for g in team
                           if g.sync and g.target > MOST_LEVEL})
    for region, channel in out_of_reach:
        findings.append(f"{region} {channel}: no staffing answers every contact in time (one may "
                        "always find every agent busy); planned for "
                        f"{MOST_LEVEL:.2%} in target instead")
    for (region, channel), offset in calibration.offsets.items():
        target = scenario.channels[channel].target.service_level
        findings.append(
            f"{region} {channel}: the closed forms plan for {min(target + offset, MOST_LEVEL):.2%} "
            f"in target (target {target:.0%}): at their staffing the simulation answers fewer "
            "in time than they predict")
    for name, roster in rosters.items():
        if roster.uncovered_hours > 0:
            findings.append(f"team {name}: {roster.uncovered_hours:,.0f} agent-hours of need fall "
                            "outside every allowed shift pattern and are not rostered")
        limited = [s for s in roster.solutions if s is not None and s.status != "optimal"]
        if limited:
            worst = max((s.gap for s in limited if s.gap == s.gap), default=float("nan"))
            findings.append(f"team {name}: {len(limited)} weekly roster(s) stopped at the time "
                            f"limit (largest gap {worst:.2%})")
    for name, plan in hires.items():
        late = [h for h in plan.hires if h.status == "too late"]
        if late:
            findings.append(
                f"team {name}: {len(late)} hire(s) of {sum(h.agents for h in late)} agent(s) "
                f"should have been decided by {min(h.decide_by for h in late)} (too late)")
    for row in verification.targets.itertuples():
        # Service levels and marketplace message responses are the agents' doing.
        if row.status != "met" and (row.scope == "contacts" or row.kpi == "responded_in_time"):
            findings.append(f"verification: {row.region} {row.channel} {row.kpi} "
                            f"{row.mean:.1%} (target {row.rule} {row.limit:.1%}): {row.status}")
    return findings

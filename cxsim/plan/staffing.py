"""The staffing planner: how many agents, on which shifts, hired when, so that every channel
meets its target.

1. **Need per interval, by the iterative staffing algorithm** (Feldman, Mandelbaum, Massey and
   Whitt 2008). The scenario is simulated as it is; from what the replications saw, each team's
   need per interval is set by the closed forms (``cxsim.plan.requirement``); the scenario is
   simulated again with exactly that staffing (a roster of one-interval shifts,
   ``cxsim.plan.intervals``) under the same seed (common random numbers), the closed forms are
   calibrated by the service level the simulation reached, and so on until the staffing stops
   changing: no interval changes, or no more than 5% of the intervals staffed change by more
   than the noise of their load explains (the rounding of each channel's need to whole agents,
   grossed up by shrinkage, and 1.96 standard errors of the difference of two estimates of
   Poisson counts over the replications: a 95% band lets 5% through by chance; customers who
   retry make each simulation's load depend on the staffing simulated), or ``max_iterations``
   simulations were made (the change left is reported). When it has not settled exactly, the
   larger of the last two needs is kept, interval by interval.
2. **Shifts**: each week's need becomes the cheapest roster on the team's allowed shift
   patterns (``cxsim.plan.weekly``, an integer program with a time limit).
3. **Hiring**: hires that keep the headcount at full speed at or above the rosters' agents,
   week by week, with attrition, the new-hire ramp and the hiring lead time.
4. **Verification**: the planned scenario (the input with each planned team's ``roster`` and
   ``hires`` replaced) is simulated with seeds the search never used.

Teams with no queue of their own region to plan (they only help other regions) keep their
staffing as the scenario gives it, and help in every simulation.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cxsim.executors import Executor
from cxsim.model.workforce import roster_on_duty
from cxsim.plan.common import (
    Plan,
    Progress,
    apply_plan,
    plan_executor,
    verification_seed,
    verify,
)
from cxsim.plan.intervals import LocalIntervals, local_intervals, roster_periods, with_rosters
from cxsim.plan.requirement import (
    Calibration,
    Observed,
    TeamNeed,
    observe,
    plan_groups,
    recalibrate,
    team_need,
)
from cxsim.plan.staffing_tables import (
    changes_for,
    findings_for,
    hiring_tables,
    roster_table,
    staffing_table,
    verification_table,
)
from cxsim.plan.weekly import (
    TeamRoster,
    allowed_patterns,
    hours,
    roster_team,
    rostered_per_interval,
    team_hires,
    working_intervals,
)
from cxsim.results import Results
from cxsim.run import run
from cxsim.scenario import Scenario
from cxsim.scenario.common import MINUTES_PER_DAY, QUARTER_MINUTES

__all__ = [
    "DEFAULT_ITERATIONS",
    "DEFAULT_PLAN_REPS",
    "DEFAULT_ROSTER_TIME_LIMIT_S",
    "plan_staffing",
    "staffing_problems",
]

DEFAULT_PLAN_REPS = 4
DEFAULT_ITERATIONS = 6
DEFAULT_ROSTER_TIME_LIMIT_S = 10.0
# Share of intervals whose change may exceed the 95% band of the load's noise once the search
# has settled: the share such a band lets through by chance.
NOISE_SHARE = 0.05


def staffing_problems(scenario: Scenario) -> list[str]:
    """Why ``scenario`` cannot be planned, one line each (empty when it can)."""
    problems = []
    if scenario.interval_minutes % QUARTER_MINUTES:
        problems.append(
            f"interval_minutes: {scenario.interval_minutes} is not a whole number of quarter "
            "hours (planning staffing needs intervals that shifts can start and end on: "
            "15, 30, 60, ...)")
    else:
        problems += _misaligned_intervals(scenario)
    if not scenario.teams:
        problems.append("teams: there is no team to plan (a team with channels and a region)")
    return problems


def _misaligned_intervals(scenario: Scenario) -> list[str]:
    """Where intervals do not start at a team's local midnight on every day of the horizon:
    rosters are weeks of local days, so an interval must not straddle one."""
    length = scenario.interval_minutes
    problems = []
    for region in dict.fromkeys(team.region for team in scenario.teams.values()):
        zone = scenario.regions[region].zone
        offsets = {
            round((dt.datetime.combine(scenario.start_date + dt.timedelta(days=day), dt.time(),
                                       dt.UTC).astimezone(zone).utcoffset()
                   or dt.timedelta()).total_seconds() / 60)
            for day in range(math.ceil(scenario.horizon_days) + 1)}
        if all(offset % length == 0 for offset in offsets):
            continue
        fits = [m for m in range(QUARTER_MINUTES, length, QUARTER_MINUTES)
                if MINUTES_PER_DAY % m == 0 and all(offset % m == 0 for offset in offsets)]
        problems.append(
            f"interval_minutes: {length} intervals do not start at local midnight in region "
            f"{region} ({zone.key}); a staffing plan rosters shifts on local days (there: "
            f"{', '.join(map(str, fits)) or 'none'})")
    return problems


class _Planner:
    """The state of one staffing plan while it is made."""

    def __init__(self, scenario: Scenario, reps: int, seed: int, executor: Executor,
                 progress: Progress | None, log: Callable[[str], None] | None) -> None:
        self.scenario = scenario
        self.reps = reps
        self.seed = seed
        self.executor = executor
        self.progress = progress
        self.log = log or (lambda _line: None)
        self.groups, self.unplanned = plan_groups(scenario)
        self.teams = [name for name in scenario.teams if name in self.groups]
        self.local: dict[str, LocalIntervals] = {}
        for name in self.teams:
            region = scenario.teams[name].region
            if region not in self.local:
                self.local[region] = local_intervals(scenario, scenario.regions[region].zone)
        self.patterns = {name: allowed_patterns(scenario, name) for name in self.teams}
        self.working = {name: working_intervals(self.patterns[name], self.local_of(name))
                        for name in self.teams}
        self.findings: list[str] = []
        self.iterations: list[dict[str, Any]] = []
        self.timings: dict[str, float] = {"simulation_s": 0.0, "closed_forms_s": 0.0}
        self.outcome = "one simulation"

    def local_of(self, team: str) -> LocalIntervals:
        return self.local[self.scenario.teams[team].region]

    def simulate(self, scenario: Scenario, stage: str) -> Results:
        started = time.perf_counter()

        def report(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(stage, done, total)

        results = run(scenario, reps=self.reps, seed=self.seed, executor=self.executor,
                      progress=report)
        self.timings["simulation_s"] += time.perf_counter() - started
        return results

    def needs(self, observed: Observed, calibration: Calibration) -> dict[str, TeamNeed]:
        started = time.perf_counter()
        needs = {name: team_need(self.groups[name], observed, self.working[name],
                                 self.scenario.teams[name].shrinkage, calibration)
                 for name in self.teams}
        self.timings["closed_forms_s"] += time.perf_counter() - started
        return needs

    def staffed(self, needs: dict[str, TeamNeed]) -> Scenario:
        """The scenario with each planned team on duty exactly as ``needs`` says."""
        rosters = {name: roster_periods(need.on_duty, self.local_of(name))
                   for name, need in needs.items()}
        return with_rosters(self.scenario, rosters)

    def search(self, max_iterations: int) -> tuple[dict[str, TeamNeed], Observed, Calibration]:
        """The iterative staffing algorithm: needs per interval that stop changing."""
        calibration = Calibration()
        scenario = self.scenario
        simulated: dict[str, TeamNeed] | None = None
        observed: Observed | None = None
        for iteration in range(1, max_iterations + 1):
            started = time.perf_counter()
            label = f"iteration {iteration}"
            results = self.simulate(scenario, label)
            observed = observe(results)
            if simulated is None:
                self._keep_idle_teams(observed)
            notes: list[str] = []
            if simulated is not None:
                calibration, notes = recalibrate(self.groups, observed, simulated, calibration)
            needs = self.needs(observed, calibration)
            row = self._iteration_row(iteration, needs, simulated, started)
            self.iterations.append(row)
            self.log(self._iteration_line(row) + "".join(f"\n    {n}" for n in notes))
            if simulated is not None and row["changed_intervals"] == 0:
                self.outcome = "converged"
                return needs, observed, calibration
            if simulated is not None and row["beyond_noise"] <= NOISE_SHARE * row["intervals"]:
                self.outcome = "settled within the noise"
                return _larger(needs, simulated), observed, calibration
            if iteration == max_iterations and simulated is not None:
                self.outcome = "stopped"
                self.findings.append(
                    f"staffing still changed by {row['changed_agent_hours']:,.0f} agent-hours "
                    f"(up to {row['largest_change']} agents in an interval) in the last of "
                    f"{max_iterations} iterations; the larger of the last two needs is planned "
                    "(more iterations: --iterations)")
                return _larger(needs, simulated), observed, calibration
            simulated = needs
            scenario = self.staffed(needs)
        assert observed is not None and simulated is not None
        return simulated, observed, calibration

    def _keep_idle_teams(self, observed: Observed) -> None:
        """Teams whose queues see no contact over the whole horizon are not planned: they keep
        the scenario's staffing (and help other regions, if they do)."""
        for name in list(self.teams):
            queues = tuple(q for group in self.groups[name] for q in group.queues)
            if not observed.total(queues, "offered").any():
                self.teams.remove(name)
                del self.groups[name]

    def _iteration_row(self, iteration: int, needs: dict[str, TeamNeed],
                       before: dict[str, TeamNeed] | None, started: float) -> dict[str, Any]:
        length = self.scenario.interval_minutes
        total = sum(hours(n.on_duty, length) for n in needs.values())
        changed = largest = beyond = 0
        moved = 0.0
        staffed = sum(int(np.count_nonzero(n.on_duty)) for n in needs.values())
        if before is not None:
            for name, need in needs.items():
                change = np.abs(need.on_duty - before[name].on_duty)
                changed += int(np.count_nonzero(change))
                largest = max(largest, int(change.max()) if change.size else 0)
                moved += hours(change, length)
                beyond += int(np.count_nonzero(change > _noise(need, before[name])))
        # (``before`` may be empty, with every team left out as idle: nothing changed then.)
        first = before is None
        return {"iteration": iteration, "replications": self.reps,
                "agent_hours_needed": total, "changed_intervals": None if first else changed,
                "changed_agent_hours": None if first else moved,
                "largest_change": None if first else largest,
                "beyond_noise": None if first else beyond, "intervals": staffed,
                "seconds": time.perf_counter() - started}

    @staticmethod
    def _iteration_line(row: dict[str, Any]) -> str:
        head = (f"iteration {row['iteration']}: {row['agent_hours_needed']:,.0f} agent-hours "
                "needed on duty")
        if row["changed_intervals"] is None:
            return head + " (first estimate, from the scenario's own staffing)"
        return (head + f"; {row['changed_intervals']:,} interval(s) changed by "
                f"{row['changed_agent_hours']:,.0f} agent-hours (largest change "
                f"{row['largest_change']} agent(s); {row['beyond_noise']:,} beyond the noise "
                "of the load estimates)")


def _noise(a: TeamNeed, b: TeamNeed) -> NDArray[np.float64]:
    """The change in on-duty need, interval by interval, that the sampling noise of the two
    load estimates explains: the rounding of each channel's need (one agent each, grossed up by
    shrinkage; at least one agent) and 1.96 standard errors of the difference of two
    independent estimates."""
    rounding = np.maximum(np.maximum(a.rounding, b.rounding), 1.0)
    return np.asarray(rounding + 1.96 * np.sqrt(a.noise**2 + b.noise**2))


def _larger(a: dict[str, TeamNeed], b: dict[str, TeamNeed]) -> dict[str, TeamNeed]:
    """Interval by interval the larger of two needs (the safe side of a search that has not
    settled)."""
    out = {}
    for name, need in a.items():
        other = b[name]
        out[name] = TeamNeed(
            np.maximum(need.available, other.available), np.maximum(need.on_duty, other.on_duty),
            need.method, need.servers, need.loads, need.capped, need.stranded,
            np.maximum(need.noise, other.noise), np.maximum(need.rounding, other.rounding))
    return out


def plan_staffing(
    scenario: Scenario,
    reps: int = DEFAULT_PLAN_REPS,
    seed: int = 0,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
    max_iterations: int = DEFAULT_ITERATIONS,
    roster_time_limit_s: float = DEFAULT_ROSTER_TIME_LIMIT_S,
    planning_date: dt.date | None = None,
) -> Plan:
    """Plan agents per interval, weekly rosters and hires so that every channel meets its target,
    and verify the plan with fresh seeds.

    Args:
        scenario: the scenario to plan (its teams' staffing is the starting point).
        reps: replications per iteration and for the verification (>= 1; 2 or more to
            calibrate the closed forms and judge targets by confidence intervals).
        seed: root seed of the search (every iteration uses it: common random numbers); the
            verification uses ``seed + 1``.
        workers: processes for the replications when no ``executor`` is given.
        executor: where to run replications (kept up across every iteration).
        progress: called with (stage, replications done, replications in all).
        log: called with a line after each iteration and step.
        max_iterations: most simulations the search makes (>= 1).
        roster_time_limit_s: time limit of each weekly roster's solver run, seconds.
        planning_date: the day hiring decisions are made from (default: the scenario's start
            date); a hire to decide before it is flagged ``too late``.

    Returns:
        The plan: tables ``staffing``, ``roster``, ``hiring_plan``, ``headcount``,
        ``iterations`` and ``verification``; the planned scenario; findings.

    Raises:
        ValueError: the scenario cannot be planned (``staffing_problems``), or a bad argument.
    """
    problems = staffing_problems(scenario)
    if problems:
        raise ValueError("; ".join(problems))
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or (
            max_iterations < 1):
        raise ValueError(f"max_iterations(={max_iterations!r}) must be a whole number >= 1")
    started = time.perf_counter()
    with plan_executor(executor, workers) as running:
        planner = _Planner(scenario, reps, seed, running, progress, log)
        needs, observed, calibration = planner.search(max_iterations)
        rostering = time.perf_counter()
        rosters: dict[str, TeamRoster] = {}
        for name in planner.teams:
            need = needs[name]
            rosters[name] = roster_team(need.available, planner.local_of(name),
                                        planner.patterns[name], scenario.teams[name].shrinkage,
                                        roster_time_limit_s)
        planner.timings["rosters_s"] = time.perf_counter() - rostering
        today = planning_date or scenario.start_date
        hires = {name: team_hires(scenario, name, rosters[name], today) for name in rosters}
        changes = changes_for(scenario, rosters, hires)
        planned = apply_plan(scenario, changes)
        planner.log(_roster_line(rosters, roster_time_limit_s))
        verifying = time.perf_counter()
        verification = verify(planned, planner.reps, seed, running,
                              progress=lambda d, t: progress("verification", d, t)
                              if progress is not None else None)
        planner.timings["verification_s"] = time.perf_counter() - verifying
    rostered = {
        name: rostered_per_interval(
            roster_on_duty(planned.teams[name].roster or [], scenario.start_date,
                           scenario.regions[scenario.teams[name].region].zone,
                           scenario.horizon_minutes),
            scenario.interval_minutes, planner.local_of(name).count)
        for name in rosters
    }
    findings = planner.findings + findings_for(
        scenario, planner.groups, planner.unplanned, observed, needs, calibration, rosters, hires,
        verification)
    tables = {
        "staffing": staffing_table(scenario, needs, {n: planner.local_of(n) for n in needs},
                                   rostered, observed.counted),
        "roster": roster_table(scenario, rosters),
        **hiring_tables(scenario, hires),
        "iterations": pd.DataFrame(planner.iterations),
        "verification": verification_table(verification),
    }
    planner.timings["total_s"] = time.perf_counter() - started
    meta = {
        "seed": seed, "verification_seed": verification_seed(seed), "reps": reps,
        "iterations": len(planner.iterations),
        "search": planner.outcome,
        "replications": reps * (len(planner.iterations) + 1),
        "roster_time_limit_s": roster_time_limit_s,
        "calibration": {f"{r}/{c}": offset for (r, c), offset in calibration.offsets.items()},
        "backlog_factors": dict(calibration.backlog),
        **{k: round(v, 3) for k, v in planner.timings.items()},
    }
    return Plan("staffing", scenario, changes, planned, tables, verification, findings, meta)


def _roster_line(rosters: dict[str, TeamRoster], time_limit_s: float) -> str:
    solved = [s for roster in rosters.values() for s in roster.solutions if s is not None]
    optimal = sum(1 for s in solved if s.status == "optimal")
    gaps = [s.gap for s in solved if s.status != "optimal" and s.gap == s.gap]
    worst = f"; largest gap {max(gaps):.2%}" if gaps else ""
    return (f"rosters: {len(solved)} week(s) solved, {optimal} proven optimal (time limit "
            f"{time_limit_s:g} s per week{worst})")

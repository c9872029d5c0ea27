"""Agents a team needs on duty, interval by interval, from what a simulation saw.

**Who plans what.** Each queue (region, channel, language) is planned by one team of its own
region: of the teams there that take it, the most specialised (fewest languages, then fewest
channels, then by name). Other teams that can take it (generalists of the region, or teams of
other regions after ``overflow_after_s``) still help in the simulation; the calibration below
sees that help. A team plans each of its channels as one pool: its agents speak all its
languages, so the channel's queues in those languages are summed.

**Live channels** (sync). The offered load of each interval is the mean number of contacts an
infinite-server system would hold, fed by the contacts the simulation offered in each interval
(retries, chases, follow-ups and contacts from orders included) and the channel's simulated
mean handle time (exponential service: the load lags the arrivals as a rising tide does). The
fewest servers whose stationary service level meets the target at that load are read from
Erlang A (customers who abandon, mean patience of the channel) or Erlang C (customers who never
do); ``concurrency`` chats per agent are that many servers per agent. Intervals without a
contact offered need no one for the channel.

**Backlogs** (async). A message may be answered any time within its response target, so each
interval's work (contacts x handle time) is spread evenly over the intervals of that window in
which the team can work (its allowed shifts), and agents are added for it on top of the live
channels' (an agent answering a message cannot pick up a call until the message is done, so
live agents' idle time is not counted on: agents are only taken from what the routing shares).

**Calibration by simulation.** The closed forms are stationary and ignore what the simulation
has: priorities between channels, shrinkage drawn at random, chats slowing each other, agents
shared with other channels and teams. After each simulation the service level the simulation
reached on a channel of a region (over all counted intervals and the region's languages, per
replication: as ``targets.csv`` judges it) is compared with what the closed form predicted at
the staffing simulated and the load seen; when the simulation falls short beyond the 99%
interval of the difference, the closed form's target for that channel and region is raised by
the shortfall. It is never lowered: where the simulation does better than the closed form (agents
of several channels or teams helping each other), the plan keeps the closed form's staffing, on
the safe side; lowering one team because another helps it would only move the shortfall to the
other team's own queues. A backlog that misses its target beyond its 99% interval, though every
message could be answered in time by the allowed shifts, gets half as much capacity again (up
to four times its workload).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cxsim.results import Results
from cxsim.scenario import Scenario
from cxsim.scenario.models import SyncChannel
from cxsim.theory import erlang_a_service_level_many, erlang_c_service_level_many

__all__ = [
    "MOST_LEVEL",
    "Calibration",
    "Group",
    "Observed",
    "TeamNeed",
    "fewest_servers",
    "infinite_server_load",
    "observe",
    "plan_groups",
    "recalibrate",
    "team_need",
]

Queue = tuple[str, str, str]
# Highest service level the closed forms are asked for: a target of 100% is met by no finite
# staffing (a contact may always arrive to find every agent busy).
MOST_LEVEL = 0.9999
# Confidence of the comparisons that calibrate the closed forms.
CALIBRATION_LEVEL = 0.99
BACKLOG_STEP = 1.5
MOST_BACKLOG_FACTOR = 4.0
_EPS = 1e-9


@dataclass(frozen=True)
class Group:
    """One channel a team plans: its queues and what the channel asks.

    Attributes:
        team, region, channel: who plans it, where, and for which channel.
        queues: (region, channel, language) of the queues the team plans on this channel.
        sync: a live channel (else a backlog).
        concurrency: contacts an agent carries at once.
        within_minutes: answer (live) or response (backlog) target, minutes.
        target: share of contacts to answer within it.
        patience_minutes: mean patience of the channel's customers (None: they never abandon).
        handle_minutes: mean handle time the channel gives (used until one is simulated).
    """

    team: str
    region: str
    channel: str
    queues: tuple[Queue, ...]
    sync: bool
    concurrency: int
    within_minutes: float
    target: float
    patience_minutes: float | None
    handle_minutes: float

    @property
    def scope(self) -> tuple[str, str]:
        """(region, channel): where its target is judged."""
        return (self.region, self.channel)

    @property
    def closed_form(self) -> str:
        if not self.sync:
            return "backlog"
        return "erlang_c" if self.patience_minutes is None else "erlang_a"


def _languages(scenario: Scenario, team: str) -> int:
    spec = scenario.teams[team]
    return len(spec.languages or scenario.regions[spec.region].language_shares())


def _patience(scenario: Scenario, channel: str) -> float | None:
    """Mean patience of a live channel's customers, weighted by segment share; None if none of
    them abandon (customers without patience weigh in as never abandoning)."""
    spec = scenario.channels[channel]
    assert isinstance(spec, SyncChannel)
    default = spec.patience_minutes.expected if spec.patience_minutes is not None else None
    if not scenario.segments:
        return default
    total = sum(s.share for s in scenario.segments.values())
    means = []
    for segment in scenario.segments.values():
        own = segment.patience_minutes.get(channel)
        mean = own.expected if own is not None else default
        means.append((segment.share / total, mean))
    if all(mean is None for _, mean in means):
        return None
    # A segment that never abandons counts with a patience far beyond any wait planned for.
    return sum(share * (mean if mean is not None else 1e6) for share, mean in means)


def plan_groups(scenario: Scenario) -> tuple[dict[str, list[Group]], list[Queue]]:
    """The channels each team plans, and the queues no team of their region takes."""
    queues_of: dict[tuple[str, str], list[Queue]] = {}
    unplanned: list[Queue] = []
    for queue in scenario.queues:
        region, channel, language = queue
        home = [name for name in scenario.teams_for(region, channel, language)
                if scenario.teams[name].region == region]
        if not home:
            unplanned.append(queue)
            continue
        team = min(home, key=lambda n: (_languages(scenario, n),
                                        len(scenario.teams[n].channels), n))
        queues_of.setdefault((team, channel), []).append(queue)
    groups: dict[str, list[Group]] = {}
    for (team, channel), queues in queues_of.items():
        spec = scenario.channels[channel]
        sync = isinstance(spec, SyncChannel)
        within = (spec.target.answer_within_s / 60.0 if isinstance(spec, SyncChannel)
                  else spec.target.respond_within_hours * 60.0)
        groups.setdefault(team, []).append(Group(
            team=team, region=scenario.teams[team].region, channel=channel,
            queues=tuple(queues), sync=sync,
            concurrency=spec.concurrency if isinstance(spec, SyncChannel) else 1,
            within_minutes=within, target=spec.target.service_level,
            patience_minutes=_patience(scenario, channel) if sync else None,
            handle_minutes=spec.handle_minutes.expected,
        ))
    return groups, unplanned


# -- what a simulation saw ---------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """Per queue, what each replication saw in each interval (arrays of reps x intervals).

    Attributes:
        reps: replications.
        interval_minutes: length of an interval.
        counted: intervals after the warm-up.
        queues: queue -> measure -> array; measures are ``offered``, ``handled``,
            ``handle_minutes``, ``answered_in_target``, ``judged`` (handled and abandoned, less
            short abandons where the channel leaves them out) and ``unserved``.
    """

    reps: int
    interval_minutes: int
    counted: NDArray[np.bool_]
    queues: dict[Queue, dict[str, NDArray[np.float64]]]

    def total(self, queues: tuple[Queue, ...], measure: str) -> NDArray[np.float64]:
        """A measure summed over ``queues`` (reps x intervals)."""
        return np.asarray(np.sum([self.queues[q][measure] for q in queues], axis=0))

    def arrivals_per_minute(self, queues: tuple[Queue, ...]) -> NDArray[np.float64]:
        """Mean contacts offered per minute in each interval, over the replications."""
        return np.asarray(self.total(queues, "offered").mean(axis=0) / self.interval_minutes)

    def handle_minutes(self, group: Group) -> float:
        """The group's simulated mean handle time (the channel's own before any is handled)."""
        handled = float(self.total(group.queues, "handled").sum())
        if handled <= 0:
            return group.handle_minutes
        return max(float(self.total(group.queues, "handle_minutes").sum()) / handled, 1e-6)

    def service_levels(self, queues: tuple[Queue, ...]) -> NDArray[np.float64]:
        """Each replication's service level over the counted intervals (NaN without contacts)."""
        counted = self.counted
        in_target = self.total(queues, "answered_in_target")[:, counted].sum(axis=1)
        judged = self.total(queues, "judged")[:, counted].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(judged > 0, in_target / judged, np.nan)


_MEASURES = ("offered", "handled", "handle_minutes", "answered_in_target", "abandoned",
             "abandoned_in_target", "unserved")


def observe(results: Results) -> Observed:
    """Per-queue arrays from a run's ``contacts_by_interval``."""
    scenario = results.scenario
    frame = results.contacts_by_interval
    reps = results.reps
    intervals = int(frame["interval"].max()) + 1 if len(frame) else 0
    excluded = {name for name, spec in scenario.channels.items()
                if isinstance(spec, SyncChannel) and spec.target.exclude_abandons_within_target}
    queues: dict[Queue, dict[str, NDArray[np.float64]]] = {}
    # Rows come replication by replication, each queue's intervals in order.
    for key, rows in frame.groupby(["region", "channel", "language"], sort=False):
        rows = rows.sort_values(["rep", "interval"], kind="stable")
        arrays = {m: rows[m].to_numpy(dtype=np.float64).reshape(reps, intervals)
                  for m in _MEASURES}
        short = arrays["abandoned_in_target"] if key[1] in excluded else 0.0
        arrays["judged"] = arrays["handled"] + arrays["abandoned"] - short
        queues[(str(key[0]), str(key[1]), str(key[2]))] = arrays
    counted = np.zeros(intervals, dtype=bool)
    if len(frame):
        first = frame.loc[frame["counted"], "interval"]
        counted[int(first.min()) if len(first) else intervals:] = True
    return Observed(reps, scenario.interval_minutes, counted, queues)


# -- closed forms ------------------------------------------------------------------------------


def infinite_server_load(
    arrivals_per_minute: NDArray[np.float64], handle_minutes: float, interval_minutes: float
) -> NDArray[np.float64]:
    """Mean number in service in each interval of an infinite-server system (M_t/M/inf) fed at
    a constant rate within each interval, empty at the start.

    With rate lambda and mean service h the number m(t) moves towards lambda h as
    m' = lambda - m / h: over an interval of length L it closes the gap by the factor
    exp(-L / h), and its mean over the interval is lambda h + (m0 - lambda h) (h / L)
    (1 - exp(-L / h)).
    """
    h, length = float(handle_minutes), float(interval_minutes)
    steady = np.asarray(arrivals_per_minute, dtype=np.float64) * h
    decay = math.exp(-length / h)
    before = np.zeros(steady.size)  # m at the start of each interval
    m = 0.0
    for k, level in enumerate(steady.tolist()):
        before[k] = m
        m = level + (m - level) * decay
    return np.asarray(steady + (before - steady) * (h / length) * (1.0 - decay))


LevelAt = Callable[[int, NDArray[np.float64]], NDArray[np.float64]]


def level_function(group: Group, handle_minutes: float) -> LevelAt:
    """The closed form of a live channel: service level of c servers at each of many loads."""
    within, patience = group.within_minutes, group.patience_minutes

    def level(servers: int, loads: NDArray[np.float64]) -> NDArray[np.float64]:
        if servers == 0:
            return np.where(loads > 0, 0.0, 1.0)
        if patience is None:
            return erlang_c_service_level_many(servers, loads, handle_minutes, within)
        return erlang_a_service_level_many(servers, loads / handle_minutes, handle_minutes,
                                           patience, within)

    return level


def fewest_servers(
    loads: NDArray[np.float64], level: LevelAt, target: float, abandonment: bool
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """The fewest servers meeting ``target`` at each load, and where none within the limit did.

    The search for a load a starts where the target can first be met: above a when nobody
    abandons (the queue must be stable), at ``target`` x a when customers abandon (contacts
    answered at all are at most c / a of those offered). It stops at a + 10 sqrt(a) + 20 servers
    (far beyond any target short of 100%), where the limit is returned and flagged.
    """
    servers = np.zeros(loads.shape, dtype=np.int64)
    capped = np.zeros(loads.shape, dtype=bool)
    busy = np.flatnonzero(loads > 0)
    if not busy.size:
        return servers, capped
    a = loads[busy]
    lower = (np.ceil(target * a - _EPS) if abandonment else np.floor(a) + 1).astype(np.int64)
    lower = np.maximum(lower, 1)
    most = np.ceil(a + 10.0 * np.sqrt(a) + 20.0).astype(np.int64)
    pending = np.ones(busy.size, dtype=bool)
    c = int(lower.min())
    while pending.any():
        now = np.flatnonzero(pending & (lower <= c))
        if now.size:
            met = now[level(c, a[now]) >= target]
            servers[busy[met]] = c
            pending[met] = False
        limit = np.flatnonzero(pending & (most <= c))
        servers[busy[limit]] = most[limit]
        capped[busy[limit]] = True
        pending[limit] = False
        c += 1
    return servers, capped


# -- a team's need -----------------------------------------------------------------------------


@dataclass
class Calibration:
    """How far the closed forms are moved to agree with the simulation.

    Attributes:
        offsets: (region, live channel) -> added to the channel's target in the closed form.
        backlog: team -> factor on the backlog capacity it plans.
    """

    offsets: dict[tuple[str, str], float] = field(default_factory=dict)
    backlog: dict[str, float] = field(default_factory=dict)

    def target(self, group: Group) -> float:
        return min(max(group.target + self.offsets.get(group.scope, 0.0), 0.0), MOST_LEVEL)


@dataclass(frozen=True)
class TeamNeed:
    """Agents one team needs in each interval.

    Attributes:
        available: agents needed available (after shrinkage).
        on_duty: agents needed on duty: available grossed up by shrinkage.
        method: what set each interval's need (``erlang_a``, ``erlang_c``, ``backlog``, joined
            by ``+``; `` calibrated`` when the simulation moved it; ``none``).
        servers: live channel -> servers it needs in each interval.
        loads: live channel -> its offered load (Erlangs) in each interval.
        capped: live channel -> intervals where no staffing within the limit met the target.
        stranded: intervals whose backlog work has no working interval within its target.
        noise: standard error of each interval's on-duty need from the sampling noise of the
            contacts it is set from (Poisson counts over the replications), in agents.
        rounding: how far rounding alone may move each interval's on-duty need: one agent for
            each channel (and the backlog) with a need there, grossed up by shrinkage.
    """

    available: NDArray[np.int64]
    on_duty: NDArray[np.int64]
    method: list[str]
    servers: dict[str, NDArray[np.int64]]
    loads: dict[str, NDArray[np.float64]]
    capped: dict[str, int]
    stranded: int
    noise: NDArray[np.float64]
    rounding: NDArray[np.float64]


def _spread(work: NDArray[np.float64], working: NDArray[np.bool_], window: int,
            ) -> tuple[NDArray[np.float64], int]:
    """Each interval's work spread evenly over the working intervals among it and the next
    ``window - 1`` (beyond the horizon, the last ones' pattern repeats); and how many intervals
    had work but no working interval in their window."""
    count = work.size
    extended = np.concatenate([working, working[-window:] if window <= count else
                               np.ones(window, dtype=bool)]).astype(np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(extended)])
    slots = cumulative[np.arange(count) + window] - cumulative[np.arange(count)]
    stranded = int(np.count_nonzero((work > 0) & (slots == 0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(slots > 0, work / slots, 0.0)
    summed = np.concatenate([[0.0], np.cumsum(share)])
    index = np.arange(count)
    received = summed[index + 1] - summed[np.maximum(index + 1 - window, 0)]
    return received * working, stranded


def team_need(
    groups: list[Group], observed: Observed, working: NDArray[np.bool_], shrinkage: float,
    calibration: Calibration,
) -> TeamNeed:
    """The agents one team needs in each interval, from the load a simulation saw.

    Args:
        groups: the channels the team plans.
        observed: what the simulation saw.
        working: intervals the team's allowed shifts can cover (backlog work goes there).
        shrinkage: share of rostered time not available.
        calibration: how far the closed forms are moved.
    """
    count = observed.counted.size
    length = observed.interval_minutes
    sync_agents = np.zeros(count, dtype=np.int64)
    variance = np.zeros(count)
    steps = np.zeros(count)
    backlog = np.zeros(count)
    stranded = 0
    servers_of: dict[str, NDArray[np.int64]] = {}
    loads_of: dict[str, NDArray[np.float64]] = {}
    capped_of: dict[str, int] = {}
    parts: list[tuple[str, NDArray[np.bool_]]] = []
    team = groups[0].team if groups else ""
    moved_sync = np.zeros(count, dtype=bool)
    for group in groups:
        rate = observed.arrivals_per_minute(group.queues)
        handle = observed.handle_minutes(group)
        # A mean of Poisson counts over the replications: variance = mean / replications.
        variance += (rate * length / observed.reps) * (handle / length / group.concurrency) ** 2
        if group.sync:
            load = np.where(rate > 0, infinite_server_load(rate, handle, length), 0.0)
            servers, capped = fewest_servers(
                load, level_function(group, handle), calibration.target(group),
                group.patience_minutes is not None)
            agents = -(-servers // group.concurrency)
            sync_agents += agents
            steps += agents > 0
            servers_of[group.channel], loads_of[group.channel] = servers, load
            capped_of[group.channel] = int(capped.sum())
            parts.append((group.closed_form, agents > 0))
            if calibration.offsets.get(group.scope, 0.0):
                moved_sync |= agents > 0
        else:
            window = max(1, math.ceil(group.within_minutes / length - _EPS))
            spread, lost = _spread(rate * handle, working, window)
            backlog += spread
            stranded += lost
    backlog *= calibration.backlog.get(team, 1.0)
    extra = np.ceil(backlog - _EPS).astype(np.int64)
    available = sync_agents + extra
    on_duty = np.ceil(available / (1.0 - shrinkage) - _EPS).astype(np.int64)
    parts.append(("backlog", extra > 0))
    moved = moved_sync | ((extra > 0) & (calibration.backlog.get(team, 1.0) != 1.0))
    method = []
    for k in range(count):
        names = sorted({name for name, where in parts if where[k]})
        text = "+".join(names) if names else "none"
        method.append(text + " calibrated" if moved[k] else text)
    noise = np.sqrt(variance) / (1.0 - shrinkage)
    rounding = (steps + (extra > 0)) / (1.0 - shrinkage)
    return TeamNeed(available, on_duty, method, servers_of, loads_of, capped_of, stranded, noise,
                    rounding)


# -- calibration -------------------------------------------------------------------------------


def _significant(differences: NDArray[np.float64]) -> float | None:
    """The mean of per-replication differences when its 99% t interval excludes zero."""
    values = differences[np.isfinite(differences)]
    if values.size < 2:
        return None
    from scipy import stats  # imported here: it doubles the start-up time of the command

    mean = float(values.mean())
    spread = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CALIBRATION_LEVEL / 2, values.size - 1)) * spread / math.sqrt(
        values.size)
    return mean if abs(mean) > half else None


def _predicted(group: Group, need: TeamNeed, observed: Observed) -> tuple[float, float]:
    """(contacts judged, of them answered in target) over the counted intervals, as the closed
    form predicts them at the servers ``need`` gave the group and the load simulated."""
    judged = observed.total(group.queues, "judged").mean(axis=0) * observed.counted
    servers = need.servers[group.channel]
    handle = observed.handle_minutes(group)
    rate = observed.arrivals_per_minute(group.queues)
    load = np.where(rate > 0, infinite_server_load(rate, handle, observed.interval_minutes), 0.0)
    level = level_function(group, handle)
    predicted = np.zeros(load.size)
    for c in np.unique(servers[judged > 0]).tolist():
        cells = np.flatnonzero((servers == c) & (judged > 0))
        predicted[cells] = level(int(c), load[cells])
    return float(judged.sum()), float(np.sum(predicted * judged))


def recalibrate(
    groups: dict[str, list[Group]], observed: Observed, simulated: dict[str, TeamNeed],
    calibration: Calibration,
) -> tuple[Calibration, list[str]]:
    """Raise the closed forms where the simulation of ``simulated`` staffing fell short of them.

    Returns:
        The new calibration, and one sentence for each move made.
    """
    offsets = dict(calibration.offsets)
    backlog = dict(calibration.backlog)
    notes = []
    scopes: dict[tuple[str, str], list[Group]] = {}
    for team, team_groups in groups.items():
        if team in simulated:
            for group in team_groups:
                if group.sync:
                    scopes.setdefault(group.scope, []).append(group)
    for (region, channel), members in scopes.items():
        judged = in_target = 0.0
        for group in members:
            judged_g, in_target_g = _predicted(group, simulated[group.team], observed)
            judged += judged_g
            in_target += in_target_g
        if judged <= 0:
            continue
        reached = observed.service_levels(tuple(q for g in members for q in g.queues))
        gap = _significant(reached - in_target / judged)
        if gap is None or gap > 0:
            continue
        before = calibration.target(members[0])
        # The shortfall at the staffing simulated, not added up: it is the closed form's error
        # there. Never lowered, so that the search cannot swing back and forth.
        offsets[region, channel] = max(offsets.get((region, channel), 0.0), -gap)
        after = Calibration(offsets, backlog).target(members[0])
        if after != before:
            notes.append(
                f"{region} {channel}: the simulation answered {-gap:.1%} fewer in target than "
                f"the closed form at the staffing simulated; it now plans for {after:.2%} "
                f"instead of {before:.2%}")
    for team, team_groups in groups.items():
        need = simulated.get(team)
        backlog_queues = tuple(q for g in team_groups if not g.sync for q in g.queues)
        targets = {g.target for g in team_groups if not g.sync}
        factor = backlog.get(team, 1.0)
        if (need is None or not backlog_queues or not targets or need.stranded
                or factor >= MOST_BACKLOG_FACTOR):
            continue
        short = _significant(observed.service_levels(backlog_queues) - max(targets))
        if short is not None and short < 0:
            backlog[team] = min(factor * BACKLOG_STEP, MOST_BACKLOG_FACTOR)
            notes.append(f"{team} backlog: answered {-short:.1%} short of target in time; "
                         f"backlog capacity x{backlog[team]:.3g}")
    return Calibration(offsets, backlog), notes

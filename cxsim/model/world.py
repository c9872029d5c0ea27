"""One replication of a scenario: build the simpy world, run it to the horizon, return records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from cxsim.model.agents import Team
from cxsim.model.arrivals import ContactArrivals
from cxsim.model.calendar import MINUTES_PER_DAY
from cxsim.model.commerce import Commerce
from cxsim.model.contact_centre import ContactCentre
from cxsim.model.events import Call, call_at
from cxsim.model.metrics import ReplicationRecord
from cxsim.model.queues import Queue
from cxsim.model.streams import stream
from cxsim.model.workforce import Roster
from cxsim.scenario.common import ORDER_REASONS
from cxsim.scenario.models import Scenario

__all__ = ["simulate"]


class _MergedFeed:
    """Feeds arrivals of several sources to one callback in time order: one pending event.

    Each day, every source gives its arrival times and one column per callback argument; the
    day's arrivals of all sources are merged into one time-ordered list, so that arrivals due
    before any other event are handled in one go.
    """

    __slots__ = ("_day", "_deliver", "_env", "_i", "_last_day", "_rows", "_sources", "_times")

    def __init__(
        self, env: simpy.Environment, sources: list[Callable[[int], tuple[Any, list[Any]]]],
        deliver: Callable[..., None], last_day: int,
    ) -> None:
        self._env = env
        self._sources = sources
        self._deliver = deliver
        self._day = -1
        self._last_day = last_day
        self._times: list[float] = []
        self._rows: list[tuple[Any, ...]] = []
        self._i = 0
        if self._load_next_day():
            call_at(env, self._times[0], self._fire)

    def _load_next_day(self) -> bool:
        while self._day < self._last_day:
            self._day += 1
            times: list[Any] = []
            columns: list[list[Any]] = []
            for source in self._sources:
                day_times, day_columns = source(self._day)
                if len(day_times):
                    times.append(np.asarray(day_times))
                    columns.append(day_columns)
            if not times:
                continue
            all_times = np.concatenate(times)
            order = np.argsort(all_times, kind="stable").tolist()
            merged = [
                [value for part in columns for value in part[c]] for c in range(len(columns[0]))
            ]
            rows = list(zip(*merged, strict=True))
            self._times = all_times[order].tolist()
            self._rows = [rows[i] for i in order]
            self._i = 0
            return True
        return False

    def _fire(self, _event: Any) -> None:
        # Arrivals due before any other event are handled here in one go, moving the clock
        # as simpy would, instead of each costing a trip through the event queue.
        env = self._env
        pending = env._queue
        deliver = self._deliver
        i = self._i
        times, rows = self._times, self._rows
        while True:
            deliver(*rows[i])
            i += 1
            if i == len(times):
                if not self._load_next_day():
                    return
                i = 0
                times, rows = self._times, self._rows
            when = times[i]
            if pending and pending[0][0] <= when:
                break
            env._now = when
        self._i = i
        call_at(env, when, self._fire)


def _contact_source(
    arrivals: ContactArrivals, queues: list[Queue], reason: int
) -> Callable[[int], tuple[Any, list[Any]]]:
    """A day's contacts of one forecast entry: (queue, reason, segment, handle) per contact."""

    def day(index: int) -> tuple[Any, list[Any]]:
        drawn = arrivals.day(index)
        count = len(drawn.times)
        languages = drawn.languages or [0] * count
        return drawn.times, [
            [queues[language] for language in languages],
            [reason] * count,
            drawn.segments or [0] * count,
            drawn.handle_minutes,
        ]

    return day


def _order_contacts(centre: ContactCentre, commerce: Commerce, last_day: int) -> None:
    """Contacts that orders bring, fed to the contact centre in time order: the commerce side
    runs a day ahead whenever the feed asks for that day's contacts."""
    weights = {name: dict(channel.contact_channels) or None
               for name, channel in commerce.scenario.sales_channels.items()}
    # Who writes about an order of each route: its region, and its sales channel's contact
    # channels (None: the customer's own mix).
    senders = [(route.region.name, weights.get(route.channel_name)) for route in commerce.routes]
    reasons = [centre.reason_index[reason] for reason in ORDER_REASONS]

    def day(index: int) -> tuple[Any, list[Any]]:
        times, routes, reason = commerce.contacts_due(index)
        return times, [[senders[r] for r in routes.tolist()],
                       [reasons[k] for k in reason.tolist()]]

    def deliver(sender: tuple[str, dict[str, float] | None], reason: int) -> None:
        region, channels = sender
        centre.order_contact(Call(centre.order_contact, (region, channels, reason)))

    _MergedFeed(centre.env, [day], deliver, last_day)


def _feeds(centre: ContactCentre, scenario: Scenario, seed: int, replication: int) -> None:
    horizon = scenario.horizon_minutes
    last_day = int(horizon // MINUTES_PER_DAY) + 1
    total = sum(segment.share for segment in scenario.segments.values())
    segment_shares = [s.share / total for s in scenario.segments.values()] or [1.0]
    seen: Counter[str] = Counter()
    sources: list[Callable[[int], tuple[Any, list[Any]]]] = []
    for volume in scenario.contact_volume:
        name = f"{volume.region}/{volume.channel}/{volume.reason_name}"
        seen[name] += 1
        if seen[name] > 1:
            name += f"#{seen[name]}"
        region = scenario.regions[volume.region]
        languages = region.language_shares()

        def rng(kind: str, name: str = name) -> Any:
            return stream(seed, replication, f"{kind}/{name}")

        arrivals = ContactArrivals(
            volume, scenario.start_date, region.zone, horizon,
            scenario.channels[volume.channel].handle_minutes, segment_shares,
            list(languages.values()), rng("arrivals"), rng("handle"), rng("choice"),
            rng("forecast_error"), region.launch_date,
        )
        queues = [centre.queues[volume.region, volume.channel, lang] for lang in languages]
        sources.append(_contact_source(arrivals, queues, centre.reason_index[volume.reason_name]))
    if sources:
        _MergedFeed(centre.env, sources, centre.arrive, last_day)


class _RosterFeed:
    """Applies one team's roster every ``Roster.STEP_MINUTES``: one pending event at a time."""

    __slots__ = ("_centre", "_horizon", "_roster", "_team")

    def __init__(self, centre: ContactCentre, team: Team, roster: Roster, horizon: float) -> None:
        self._centre = centre
        self._team = team
        self._roster = roster
        self._horizon = horizon

    def start(self) -> None:
        self._centre.apply_roster(self._team, self._roster.step(0.0))
        if not self._roster.static:
            self._next(float(Roster.STEP_MINUTES))

    def _next(self, minute: float) -> None:
        if minute < self._horizon:
            call_at(self._centre.env, minute, self._fire, minute)

    def _fire(self, event: Any) -> None:
        minute = event.value
        self._centre.apply_roster(self._team, self._roster.step(minute))
        self._next(minute + Roster.STEP_MINUTES)


def _rosters(centre: ContactCentre, scenario: Scenario, seed: int, replication: int) -> None:
    for name, spec in scenario.teams.items():
        roster = Roster(
            spec, scenario.start_date, scenario.regions[spec.region].zone,
            scenario.horizon_minutes,
            stream(seed, replication, f"attrition/{name}"),
            stream(seed, replication, f"shrinkage/{name}"),
        )
        _RosterFeed(centre, centre.teams[name], roster, scenario.horizon_minutes).start()


def simulate(scenario: Scenario, seed: int, replication: int) -> ReplicationRecord:
    """Run replication ``replication`` of ``scenario`` with root seed ``seed``.

    Every source of randomness draws from its own named stream (``cxsim.model.streams``), so the
    same scenario, seed and replication give identical records.
    """
    env = simpy.Environment()

    def rng(name: str) -> np.random.Generator:
        return stream(seed, replication, name)

    centre = ContactCentre(env, scenario, rng)
    horizon = scenario.horizon_minutes
    _rosters(centre, scenario, seed, replication)
    _feeds(centre, scenario, seed, replication)
    commerce = Commerce(scenario, rng)
    if commerce.contacts is not None:
        _order_contacts(centre, commerce, int(horizon // MINUTES_PER_DAY) + 1)

    def close(event: Any) -> None:
        k = event.value
        centre.close_interval(k, env.now)
        if (k + 2) * centre.interval < horizon:
            call_at(env, (k + 2) * centre.interval, close, k + 1)

    if centre.intervals > 1:
        call_at(env, centre.interval, close, 0)
    env.run(until=horizon)
    centre.close_run(horizon)
    commerce.finish()
    orders, delivery_histograms = commerce.book.record()
    hiring = [
        (name, start, agents, decide_by)
        for name, spec in scenario.teams.items()
        for start, agents, decide_by in spec.decision_dates()
    ]
    return ReplicationRecord(
        replication=replication,
        interval_minutes=scenario.interval_minutes,
        interval_count=centre.intervals,
        horizon_minutes=horizon,
        first_counted_interval=centre.first_counted,
        queues={key: queue.series() for key, queue in centre.queues.items()},
        teams={name: team.series() for name, team in centre.teams.items()},
        wait_histograms={key: queue.histogram for key, queue in centre.queues.items()},
        reasons={(*key, centre.reasons[index]): days
                 for key, queue in centre.queues.items()
                 for index, days in enumerate(queue.reason_days) if any(days)},
        first_inbound=dict(commerce.first_inbound),
        hiring=hiring,
        orders=orders,
        order_dates={region.name: region.dates.first_date for region in commerce.regions},
        delivery_histograms=delivery_histograms,
        inventory=commerce.inventory(),
        inventory_dates={name: node.dates.first_date for name, node in commerce.nodes.items()},
    )

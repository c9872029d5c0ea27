"""One replication of a scenario: build the simpy world, run it to the horizon, return records."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import simpy

from cxsim.model.agents import Team
from cxsim.model.arrivals import ContactArrivals
from cxsim.model.calendar import MINUTES_PER_DAY
from cxsim.model.commerce import Commerce, RegionSales
from cxsim.model.contact_centre import ContactCentre
from cxsim.model.events import call_at
from cxsim.model.metrics import ReplicationRecord
from cxsim.model.queues import Queue
from cxsim.model.streams import stream
from cxsim.model.workforce import Roster
from cxsim.scenario.distributions import Constant
from cxsim.scenario.models import Scenario

__all__ = ["simulate"]

# Orders draw their units per product; the arrival generator's per-contact draw is unused.
ONE_UNIT = Constant(dist="constant", value=1.0)


class _ArrivalFeed:
    """Feeds every forecast contact to the centre in time order: one pending event at a time.

    Each day, the contacts of all forecast entries are drawn (each entry from its own streams)
    and merged into one time-ordered list, so that arrivals due before any other event are
    handled in one go.
    """

    __slots__ = (
        "_centre", "_day", "_entries", "_env", "_handle", "_i", "_last_day", "_queues",
        "_reasons", "_segments", "_times",
    )

    def __init__(
        self, centre: ContactCentre, entries: list[tuple[ContactArrivals, list[Queue], int]]
    ) -> None:
        self._env = centre.env
        self._centre = centre
        self._entries = entries
        self._day = -1
        self._last_day = 0
        self._times: list[float] = []
        self._handle: list[float] = []
        self._queues: list[Queue] = []
        self._reasons: list[int] = []
        self._segments: list[int] = []
        self._i = 0

    def start(self, last_day: int) -> None:
        self._last_day = last_day
        if self._load_next_day():
            call_at(self._env, self._times[0], self._fire)

    def _load_next_day(self) -> bool:
        while self._day < self._last_day:
            self._day += 1
            times, handle, reasons, segments = [], [], [], []
            queues: list[Queue] = []
            for arrivals, entry_queues, reason in self._entries:
                day = arrivals.day(self._day)
                count = len(day.times)
                if not count:
                    continue
                times.append(np.asarray(day.times))
                handle.append(np.asarray(day.handle_minutes))
                languages = day.languages if day.languages is not None else [0] * count
                queues.extend(entry_queues[language] for language in languages)
                reasons.append(np.full(count, reason))
                segments.append(
                    np.asarray(day.segments) if day.segments is not None
                    else np.zeros(count, dtype=int)
                )
            if not times:
                continue
            all_times = np.concatenate(times)
            order = np.argsort(all_times, kind="stable")
            self._times = all_times[order].tolist()
            self._handle = np.concatenate(handle)[order].tolist()
            self._queues = [queues[i] for i in order.tolist()]
            self._reasons = np.concatenate(reasons)[order].tolist()
            self._segments = np.concatenate(segments)[order].tolist()
            self._i = 0
            return True
        return False

    def _fire(self, _event: Any) -> None:
        # Arrivals due before any other event are handled here in one go, moving the clock
        # as simpy would, instead of each costing a trip through the event queue.
        env = self._env
        pending = env._queue
        arrive = self._centre.arrive
        i = self._i
        times, queues, reasons = self._times, self._queues, self._reasons
        segments, handle = self._segments, self._handle
        while True:
            arrive(queues[i], reasons[i], segments[i], handle[i])
            i += 1
            if i == len(times):
                if not self._load_next_day():
                    return
                i = 0
                times, queues, reasons = self._times, self._queues, self._reasons
                segments, handle = self._segments, self._handle
            when = times[i]
            if pending and pending[0][0] <= when:
                break
            env._now = when
        self._i = i
        call_at(env, when, self._fire)


class _OrderFeed:
    """Feeds every region's orders to commerce in time order: one pending event at a time."""

    __slots__ = ("_channels", "_commerce", "_day", "_entries", "_env", "_i", "_last_day",
                 "_products", "_regions", "_times")

    def __init__(
        self, commerce: Commerce, entries: list[tuple[ContactArrivals, RegionSales]]
    ) -> None:
        self._env = commerce.env
        self._commerce = commerce
        self._entries = entries
        self._day = -1
        self._last_day = 0
        self._times: list[float] = []
        self._regions: list[RegionSales] = []
        self._channels: list[int] = []
        self._products: list[int] = []
        self._i = 0

    def start(self, last_day: int) -> None:
        self._last_day = last_day
        if self._load_next_day():
            call_at(self._env, self._times[0], self._fire)

    def _load_next_day(self) -> bool:
        while self._day < self._last_day:
            self._day += 1
            times, channels, products = [], [], []
            regions: list[RegionSales] = []
            for arrivals, region in self._entries:
                day = arrivals.day(self._day)
                count = len(day.times)
                if not count:
                    continue
                times.append(np.asarray(day.times))
                regions.extend([region] * count)
                channels.append(np.asarray(day.languages) if day.languages is not None
                                else np.zeros(count, dtype=int))
                products.append(np.asarray(day.segments) if day.segments is not None
                                else np.zeros(count, dtype=int))
            if not times:
                continue
            all_times = np.concatenate(times)
            order = np.argsort(all_times, kind="stable")
            self._times = all_times[order].tolist()
            self._regions = [regions[i] for i in order.tolist()]
            self._channels = np.concatenate(channels)[order].tolist()
            self._products = np.concatenate(products)[order].tolist()
            self._i = 0
            return True
        return False

    def _fire(self, _event: Any) -> None:
        env = self._env
        pending = env._queue
        order = self._commerce.order
        i = self._i
        while True:
            order(self._regions[i], self._channels[i], self._products[i])
            i += 1
            if i == len(self._times):
                if not self._load_next_day():
                    return
                i = 0
            when = self._times[i]
            if pending and pending[0][0] <= when:
                break
            env._now = when
        self._i = i
        call_at(env, when, self._fire)


def _orders(commerce: Commerce, scenario: Scenario, seed: int, replication: int) -> None:
    horizon = scenario.horizon_minutes
    products = list(scenario.products.values())
    total = sum(p.demand_share for p in products) or 1.0
    product_shares = [p.demand_share / total for p in products]
    entries: list[tuple[ContactArrivals, RegionSales]] = []
    for name, region in commerce.regions.items():
        spec = scenario.regions[name]
        assert spec.demand is not None

        def rng(kind: str, name: str = name) -> Any:
            return stream(seed, replication, f"{kind}/orders/{name}")

        arrivals = ContactArrivals(
            spec.demand, scenario.start_date, spec.zone, horizon, ONE_UNIT, product_shares,
            list(spec.demand.sales_channel_shares().values()), rng("arrivals"), rng("units"),
            rng("choice"), rng("forecast_error"),
        )
        entries.append((arrivals, region))
    if entries:
        _OrderFeed(commerce, entries).start(int(horizon // MINUTES_PER_DAY) + 1)


def _feeds(centre: ContactCentre, scenario: Scenario, seed: int, replication: int) -> None:
    horizon = scenario.horizon_minutes
    last_day = int(horizon // MINUTES_PER_DAY) + 1
    total = sum(segment.share for segment in scenario.segments.values())
    segment_shares = [s.share / total for s in scenario.segments.values()] or [1.0]
    seen: Counter[str] = Counter()
    entries: list[tuple[ContactArrivals, list[Queue], int]] = []
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
            rng("forecast_error"),
        )
        queues = [centre.queues[volume.region, volume.channel, lang] for lang in languages]
        entries.append((arrivals, queues, centre.reason_index[volume.reason_name]))
    _ArrivalFeed(centre, entries).start(last_day)


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
    centre = ContactCentre(env, scenario, lambda name: stream(seed, replication, name))
    horizon = scenario.horizon_minutes
    _rosters(centre, scenario, seed, replication)
    _feeds(centre, scenario, seed, replication)
    commerce = Commerce(env, scenario, lambda name: stream(seed, replication, name))
    _orders(commerce, scenario, seed, replication)

    def close_day(event: Any) -> None:
        day = event.value
        commerce.close_day(day, env.now)
        if (day + 2) * MINUTES_PER_DAY < horizon:
            call_at(env, (day + 2) * MINUTES_PER_DAY, close_day, day + 1)

    if commerce.pools and commerce.days > 1:
        call_at(env, MINUTES_PER_DAY, close_day, 0)

    def close(event: Any) -> None:
        k = event.value
        centre.close_interval(k, env.now)
        if (k + 2) * centre.interval < horizon:
            call_at(env, (k + 2) * centre.interval, close, k + 1)

    if centre.intervals > 1:
        call_at(env, centre.interval, close, 0)
    env.run(until=horizon)
    centre.close_run(horizon)
    commerce.close_run(horizon)
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
        hiring=hiring,
        orders={(region.name, channel, product): series
                for region in commerce.regions.values()
                for (channel, product), series in region.series.items()},
        delivery_histograms={(region.name, channel, product): histogram
                             for region in commerce.regions.values()
                             for (channel, product), histogram in region.histograms.items()},
        inventory={(pool.node, pool.product, pool.channel): pool.series
                   for pool in commerce.pools},
    )

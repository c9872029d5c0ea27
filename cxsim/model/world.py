"""One replication of a scenario: build the simpy world, run it to the horizon, return records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import simpy

from cxsim.model.arrivals import ContactArrivals
from cxsim.model.commerce import Commerce, RegionSales
from cxsim.model.contacts import ContactCentre
from cxsim.model.contacts.agents import Team
from cxsim.model.contacts.queue import Queue
from cxsim.model.events import Arrival, Call, call_at, run
from cxsim.model.metrics import ReplicationRecord
from cxsim.model.order_contacts import OrderContactSource
from cxsim.model.streams import stream
from cxsim.model.workforce import Roster
from cxsim.scenario.common import MINUTES_PER_DAY
from cxsim.scenario.distributions import Constant
from cxsim.scenario.models import Scenario

__all__ = ["simulate"]

# Orders draw their units per product; the arrival generator's per-contact draw is unused.
ONE_UNIT = Constant(dist="constant", value=1.0)


# A day's arrivals of one source: (times, what arrives).
DaySource = Callable[[int], tuple[Sequence[float], list[Arrival]]]


class _DayFeed:
    """The arrivals of several sources, a day at a time, merged in time order (``events.Feed``).

    Each source gives a day's arrival times and, for each, ``(deliver, args)``: the arrival is
    ``deliver(*args)``.
    """

    __slots__ = ("_day", "_last_day", "_sources")

    def __init__(self, sources: list[DaySource], last_day: int) -> None:
        self._sources = sources
        self._day = -1
        self._last_day = last_day

    def next_day(self) -> tuple[Sequence[float], list[Arrival]] | None:
        while self._day < self._last_day:
            self._day += 1
            days = [day for day in (source(self._day) for source in self._sources) if len(day[0])]
            if len(days) == 1:
                return days[0]
            if days:
                times = np.concatenate([np.asarray(day_times) for day_times, _ in days])
                order = np.argsort(times, kind="stable")
                rows = np.fromiter(chain.from_iterable(day_rows for _, day_rows in days),
                                   dtype=object, count=len(order))
                return times[order].tolist(), rows[order].tolist()
        return None


def _contact_source(
    arrivals: ContactArrivals, centre: ContactCentre, queues: list[Queue], reason: int
) -> DaySource:
    """A day's contacts of one forecast entry, made by the contact centre."""

    def day(index: int) -> tuple[Sequence[float], list[Arrival]]:
        drawn = arrivals.day(index)
        rows = centre.forecast_day(drawn.times, drawn.languages, queues, reason, drawn.segments,
                                   drawn.handle_minutes)
        return drawn.times[:len(rows)], rows

    return day


def _order_source(arrivals: ContactArrivals, region: RegionSales,
                  deliver: Callable[..., None]) -> DaySource:
    """A day's orders of one region: ``deliver(region, sales channel, product)`` per order."""

    def day(index: int) -> tuple[Sequence[float], list[Arrival]]:
        drawn = arrivals.day(index)
        count = len(drawn.times)
        args = zip(repeat(region, count), drawn.languages or [0] * count,
                   drawn.segments or [0] * count, strict=True)
        return drawn.times, list(zip(repeat(deliver), args))

    return day


def _orders(
    commerce: Commerce, scenario: Scenario, seed: int, replication: int
) -> list[DaySource]:
    horizon = scenario.horizon_minutes
    products = list(scenario.products.values())
    total = sum(p.demand_share for p in products) or 1.0
    product_shares = [p.demand_share / total for p in products]
    sources: list[DaySource] = []
    for name, region in commerce.regions.items():
        spec = scenario.regions[name]
        assert spec.demand is not None

        def rng(kind: str, name: str = name) -> Any:
            return stream(seed, replication, f"{kind}/orders/{name}")

        arrivals = ContactArrivals(
            spec.demand, scenario.start_date, spec.zone, horizon, ONE_UNIT, product_shares,
            list(spec.demand.sales_channel_shares().values()), rng("arrivals"), rng("units"),
            rng("choice"), rng("forecast_error"), spec.launch_date,
        )
        sources.append(_order_source(arrivals, region, commerce.order))
    return sources


def _contacts(
    centre: ContactCentre, scenario: Scenario, seed: int, replication: int
) -> list[DaySource]:
    """The forecast contacts, one source per entry of ``contact_volume``."""
    horizon = scenario.horizon_minutes
    total = sum(segment.share for segment in scenario.segments.values())
    segment_shares = [s.share / total for s in scenario.segments.values()] or [1.0]
    seen: Counter[str] = Counter()
    sources: list[DaySource] = []
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
        sources.append(_contact_source(arrivals, centre, queues,
                                       centre.reason_index[volume.reason_name]))
    return sources


class _RosterFeed:
    """Applies one team's roster every ``Roster.STEP_MINUTES``: one pending event at a time."""

    __slots__ = ("_centre", "_horizon", "_roster", "_team")

    def __init__(self, centre: ContactCentre, team: Team, roster: Roster, horizon: float) -> None:
        self._centre = centre
        self._team = team
        self._roster = roster
        self._horizon = horizon

    def start(self) -> None:
        self._centre.apply_roster(self._team, self._roster.step(0.0), 0.0)
        if not self._roster.static:
            self._next(float(Roster.STEP_MINUTES))

    def _next(self, minute: float) -> None:
        if minute < self._horizon:
            call_at(self._centre.env, minute, self._fire)

    def _fire(self, call: Call) -> None:
        minute = call.when
        self._centre.apply_roster(self._team, self._roster.step(minute), minute)
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
    sources = _contacts(centre, scenario, seed, replication)
    commerce = Commerce(env, scenario, rng)
    if scenario.order_contacts is not None:

        def order_contact(call: Call) -> None:
            region, weights, reason = call.value
            centre.order_contact(region, weights, reason, call.when)

        commerce.contacts = OrderContactSource(
            env, scenario, rng, order_contact, centre.reason_index)
    sources += _orders(commerce, scenario, seed, replication)

    def close_day(event: Any) -> None:
        day = event.value
        commerce.close_day(day, env.now)
        if (day + 2) * MINUTES_PER_DAY < horizon:
            call_at(env, (day + 2) * MINUTES_PER_DAY, close_day, day + 1)

    if commerce.pools and commerce.days > 1:
        call_at(env, MINUTES_PER_DAY, close_day, 0)

    def close(call: Call) -> None:
        k = call.value
        centre.close_interval(k, call.when)
        if (k + 2) * centre.interval < horizon:
            call_at(env, (k + 2) * centre.interval, close, k + 1)

    if centre.intervals > 1:
        call_at(env, centre.interval, close, 0)
    run(env, horizon, _DayFeed(sources, int(horizon // MINUTES_PER_DAY) + 1))
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
        wait_histograms={key: queue.histogram() for key, queue in centre.queues.items()},
        reasons={(*key, centre.reasons[index]): days
                 for key, queue in centre.queues.items()
                 for index, days in enumerate(queue.reason_days) if any(days)},
        first_inbound=dict(commerce.first_inbound),
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

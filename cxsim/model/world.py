"""One replication of a scenario: build the simpy world, run it to the horizon, return records."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import simpy

from cxsim.model.arrivals import ContactArrivals
from cxsim.model.commerce import Commerce
from cxsim.model.contacts import ContactCentre
from cxsim.model.contacts.agents import Team
from cxsim.model.contacts.queue import Queue
from cxsim.model.contacts.rosters import RosterUpdate
from cxsim.model.events import Arrival, Call, call_at, run
from cxsim.model.metrics import ReplicationRecord
from cxsim.model.streams import stream
from cxsim.model.workforce import Roster
from cxsim.scenario.common import MINUTES_PER_DAY, ORDER_REASONS
from cxsim.scenario.models import Scenario

__all__ = ["simulate"]

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


def _order_contacts(centre: ContactCentre, commerce: Commerce) -> DaySource:
    """Contacts that orders bring, a day at a time in time order: the commerce side runs a day
    ahead whenever the feed asks for that day's contacts."""
    weights = {name: dict(channel.contact_channels) or None
               for name, channel in commerce.scenario.sales_channels.items()}
    # Who writes about an order of each route: its region, and its sales channel's contact
    # channels (None: the customer's own mix); routes alike share one sender.
    senders: list[tuple[str, dict[str, float] | None]] = []
    sender_of: list[int] = []
    for route in commerce.routes:
        sender = (route.region.name, weights.get(route.channel_name))
        if sender not in senders:
            senders.append(sender)
        sender_of.append(senders.index(sender))
    route_sender = np.asarray(sender_of, dtype=np.int64)
    reasons = np.asarray([centre.reason_index[reason] for reason in ORDER_REASONS],
                         dtype=np.int64)

    def day(index: int) -> tuple[Sequence[float], list[Arrival]]:
        times, routes, reason = commerce.contacts_due(index)
        order = np.argsort(times, kind="stable")
        return centre.orders_day(times[order], senders, route_sender[routes[order]],
                                 reasons[reason[order]])

    return day


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


class _Rosters:
    """Applies every team's roster at the steps where it may change (``Roster.next_step``), the
    teams in the scenario's order when several change at once: one pending event for all."""

    __slots__ = ("_applied", "_centre", "_due", "_horizon", "_teams")

    def __init__(
        self, centre: ContactCentre, teams: list[tuple[Team, Roster]], horizon: float
    ) -> None:
        self._centre = centre
        self._teams = teams
        self._horizon = horizon
        self._applied: list[RosterUpdate] = []
        self._due: list[float] = []

    def start(self) -> None:
        for team, roster in self._teams:
            update = roster.step(0.0)
            self._applied.append(update)
            self._centre.apply_roster(team, update, 0.0)
            self._due.append(math.inf if roster.static else roster.next_step(0.0))
        self._schedule()

    def _schedule(self) -> None:
        minute = min(self._due, default=math.inf)
        if minute < self._horizon:
            call_at(self._centre.env, minute, self._fire)

    def _fire(self, call: Call) -> None:
        minute = call.when
        for i, (team, roster) in enumerate(self._teams):
            if self._due[i] != minute:
                continue
            update = roster.step(minute)
            # The roster hands back the same state while nobody comes or goes: nothing to apply
            # (time on duty is accounted when the interval closes).
            if update is not self._applied[i]:
                self._applied[i] = update
                self._centre.apply_roster(team, update, minute)
            self._due[i] = roster.next_step(minute)
        self._schedule()


def _rosters(centre: ContactCentre, scenario: Scenario, seed: int, replication: int) -> None:
    teams = [
        (centre.teams[name], Roster(
            spec, scenario.start_date, scenario.regions[spec.region].zone,
            scenario.horizon_minutes,
            stream(seed, replication, f"attrition/{name}"),
            stream(seed, replication, f"shrinkage/{name}"),
        ))
        for name, spec in scenario.teams.items()
    ]
    _Rosters(centre, teams, scenario.horizon_minutes).start()


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
    commerce = Commerce(scenario, rng)
    if commerce.contacts is not None:
        sources.append(_order_contacts(centre, commerce))

    # An interval closes before anything else that happens at its end (a roster change then
    # belongs to the next interval).
    def close(call: Call) -> None:
        k = call.value
        centre.close_interval(k, call.when)
        if (k + 2) * centre.interval < horizon:
            call_at(env, (k + 2) * centre.interval, close, k + 1, urgent=True)

    if centre.intervals > 1:
        call_at(env, centre.interval, close, 0, urgent=True)
    run(env, horizon, _DayFeed(sources, int(horizon // MINUTES_PER_DAY) + 1))
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
        wait_histograms={key: queue.histogram() for key, queue in centre.queues.items()},
        reasons={(*key, centre.reasons[index]): days
                 for key, queue in centre.queues.items()
                 for index, days in enumerate(queue.reason_counts) if days.any()},
        first_inbound=dict(commerce.first_inbound),
        hiring=hiring,
        orders=orders,
        order_dates={region.name: region.dates.first_date for region in commerce.regions},
        delivery_histograms=delivery_histograms,
        promises=commerce.book.promise_record(),
        inventory=commerce.inventory(),
        inventory_dates={name: node.dates.first_date for name, node in commerce.nodes.items()},
    )

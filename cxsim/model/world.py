"""One replication of a scenario: build the simpy world, run it to the horizon, return records."""

from __future__ import annotations

from typing import Any

import simpy

from cxsim.model.arrivals import ContactArrivals
from cxsim.model.contact_centre import ContactCentre, Queue
from cxsim.model.events import call_at
from cxsim.model.metrics import ReplicationRecord
from cxsim.model.streams import stream
from cxsim.scenario.models import Scenario, SyncChannel

__all__ = ["simulate"]


class _ArrivalFeed:
    """Feeds one queue's contacts to the centre: one pending simpy event at a time."""

    __slots__ = (
        "_arrivals", "_centre", "_day", "_env", "_handle", "_i", "_last_day", "_patience",
        "_queue", "_times",
    )

    def __init__(self, centre: ContactCentre, queue: Queue, arrivals: ContactArrivals) -> None:
        self._env = centre.env
        self._centre = centre
        self._queue = queue
        self._arrivals = arrivals
        self._day = -1
        self._times: list[float] = []
        self._handle: list[float] = []
        self._patience: list[float] | None = None
        self._i = 0
        self._last_day = 0

    def start(self, last_day: int) -> None:
        self._last_day = last_day
        if self._load_next_day():
            self._schedule()

    def _load_next_day(self) -> bool:
        while self._day < self._last_day:
            self._day += 1
            day = self._arrivals.day(self._day)
            if day.times:
                self._times, self._handle, self._patience = day
                self._i = 0
                return True
        return False

    def _schedule(self) -> None:
        call_at(self._env, self._times[self._i], self._fire)

    def _fire(self, _event: Any) -> None:
        # Arrivals due before any other event are handled here in one go, moving the clock
        # as simpy would, instead of each costing a trip through the event queue.
        env = self._env
        pending = env._queue
        arrive = self._centre.arrive
        queue = self._queue
        i = self._i
        while True:
            patience = self._patience
            arrive(queue, self._handle[i], None if patience is None else patience[i])
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


def simulate(scenario: Scenario, seed: int, replication: int) -> ReplicationRecord:
    """Run replication ``replication`` of ``scenario`` with root seed ``seed``.

    Every source of randomness draws from its own named stream (``cxsim.model.streams``), so the
    same scenario, seed and replication give identical records.
    """
    env = simpy.Environment()
    centre = ContactCentre(env, scenario)
    horizon = scenario.horizon_minutes
    last_day = int(horizon // 1440) + 1
    for (region, channel), queue in centre.queues.items():
        volumes = [
            v for v in scenario.contact_volume if (v.region, v.channel) == (region, channel)
        ]
        if not volumes:
            continue
        spec = scenario.channels[channel]
        name = f"{region}/{channel}"
        arrivals = ContactArrivals(
            volumes,
            scenario.start_date,
            scenario.regions[region].zone,
            horizon,
            spec.handle_minutes,
            spec.patience_minutes if isinstance(spec, SyncChannel) else None,
            stream(seed, replication, f"arrivals/{name}"),
            stream(seed, replication, f"handle/{name}"),
            stream(seed, replication, f"patience/{name}"),
        )
        _ArrivalFeed(centre, queue, arrivals).start(last_day)

    def close(event: Any) -> None:
        k = event.value
        centre.close_interval(k, env.now)
        if (k + 2) * centre.interval < horizon:
            call_at(env, (k + 2) * centre.interval, close, k + 1)

    if centre.intervals > 1:
        call_at(env, centre.interval, close, 0)
    env.run(until=horizon)
    centre.close_run(horizon)
    return ReplicationRecord(
        replication=replication,
        interval_minutes=scenario.interval_minutes,
        interval_count=centre.intervals,
        horizon_minutes=horizon,
        first_counted_interval=centre.first_counted,
        queues={key: queue.series() for key, queue in centre.queues.items()},
        teams={name: team.series() for name, team in centre.teams.items()},
        wait_histograms={key: queue.histogram for key, queue in centre.queues.items()},
    )

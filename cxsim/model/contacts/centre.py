"""The contact centre of one replication: its queues, teams, customers and router, put together.

Contacts come in through two doors: ``forecast_day`` (a day of the forecast, made into arrivals
for the event loop) and ``orders_day`` (a day of contacts from customers who bought, likewise).
Rosters come in through ``apply_roster``. Time-weighted measures are closed at the end of every
reporting interval (``close_interval``) and of the run (``close_run``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import simpy

from cxsim.model.contacts.agents import Team
from cxsim.model.contacts.contact import WAITING
from cxsim.model.contacts.customers import Customers
from cxsim.model.contacts.intake import Intake
from cxsim.model.contacts.layout import build_queues, link_teams
from cxsim.model.contacts.queue import Queue
from cxsim.model.contacts.rosters import RosterUpdate, apply_roster
from cxsim.model.contacts.routing import Router
from cxsim.model.draws import uniforms
from cxsim.model.events import Arrival
from cxsim.scenario.common import GENERAL_REASON, MINUTES_PER_DAY, ORDER_REASONS
from cxsim.scenario.models import Scenario, Segment

__all__ = ["ContactCentre"]


class ContactCentre:
    """Routes contacts to agents and records what happens, interval by interval.

    Args:
        env: the simpy environment.
        scenario: the validated scenario.
        rng: the generator of a named stream of this replication (``cxsim.model.streams``).

    Attributes:
        interval: reporting interval, minutes; ``intervals`` of them cover the horizon and the
            first after the warm-up is ``first_counted``.
        reasons: reason names by index (``reason_index`` the other way round): the general
            reason, the order reasons, then the scenario's own.
        queues: by (region, channel, language); ``teams`` by name.
        forecast_day: a day of contacts of one forecast entry, as arrivals for
            ``cxsim.model.events.run`` (``Intake.forecast_day``).
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        rng: Callable[[str], np.random.Generator],
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.interval = float(scenario.interval_minutes)
        self.intervals = math.ceil(scenario.horizon_minutes / self.interval)
        self.first_counted = math.ceil(scenario.warmup_minutes / self.interval - 1e-9)
        builtin = (GENERAL_REASON, *ORDER_REASONS)
        self.reasons = [*builtin, *(r for r in scenario.reasons if r not in builtin)]
        self.reason_index = {name: i for i, name in enumerate(self.reasons)}
        segments: Mapping[str, Segment | None] = dict(scenario.segments) or {"all": None}
        self.queues: dict[tuple[str, str, str], Queue] = build_queues(
            scenario, rng, self.reasons, segments, self.intervals, self.first_counted,
            math.ceil(scenario.horizon_minutes / MINUTES_PER_DAY),
        )
        customers = Customers(scenario, self.queues, self.reasons, list(segments.values()),
                              self.interval, rng)
        self.teams: dict[str, Team] = link_teams(scenario, self.queues, self.intervals,
                                                 customers.retries)
        self.router = Router(env, self.queues, customers, self.interval, uniforms(rng("bot")))
        self.intake = Intake(self.router, customers, self.interval, scenario.horizon_minutes)
        self.forecast_day = self.intake.forecast_day

    def orders_day(
        self, times: np.ndarray, senders: Sequence[tuple[str, Mapping[str, float] | None]],
        sender: np.ndarray, reasons: np.ndarray,
    ) -> tuple[list[float], list[Arrival]]:
        """A day of contacts from customers who bought, as (times, arrivals) for the event loop.

        Args:
            times: clock minutes at which each customer gets in touch, in order.
            senders: (region, the contact channels of an order's sales channel, or None for
                the customer's segment mix and then the scenario's
                ``order_contacts.channel_mix``) by index.
            sender: each contact's index in ``senders``.
            reasons: each contact's reason index in ``reasons`` (``reason_index``).
        """
        return self.intake.orders_day(times, senders, sender, reasons)

    def apply_roster(self, team: Team, update: RosterUpdate, now: float) -> None:
        """Set who of ``team`` is on duty from ``now``: (scheduled, available agents, headcount).

        Agents leaving while busy finish the contacts in hand first.
        """
        apply_roster(team, update, now, self.router.take_work)

    def close_interval(self, k: int, now: float) -> None:
        """Store the time-weighted measures of interval ``k``, which ends now."""
        for queue in self.queues.values():
            queue.close_interval(k, now)
        for team in self.teams.values():
            team.close_interval(k, now)

    def close_run(self, now: float) -> None:
        """Close the last interval and count the contacts still waiting."""
        self.router.close_run(now)
        self.close_interval(self.intervals - 1, now)
        for queue in self.queues.values():
            for contact in queue.waiting:
                if contact.state == WAITING:
                    queue.waiting_at_end[contact.interval] += 1

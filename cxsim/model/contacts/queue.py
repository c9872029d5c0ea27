"""A queue of one region, channel and language: contacts waiting for an agent, and its measures.

All accounting of the number waiting lives here: a contact joins (``join``) and leaves
(``leave``), and each change first adds the time-weighted queue length since the last one to the
interval's area, then updates the count that the queue's teams see, so that a free agent skips
teams with nothing waiting. Measures are counted per reporting interval (``QUEUE_MEASURES``),
by the interval a contact arrived in, but for the queue length, which is time-weighted on the
clock. Waits of answered contacts are binned for percentiles in bulk, not one by one.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from cxsim.model.contacts.contact import WAITING, Contact
from cxsim.model.draws import Draws
from cxsim.model.metrics import QUEUE_MEASURES, WAIT_BINS, wait_bins

if TYPE_CHECKING:
    from cxsim.model.contacts.agents import Team

__all__ = ["Queue"]

# Waits are binned once this many have gathered (at the end of an interval), so that memory stays
# flat and numpy's cost per call is spread over many waits.
_WAITS_PER_BINNING = 2048


class Queue:
    """Contacts of one region, channel and language waiting for an agent.

    Args:
        region, channel, language: the queue's key (language '' in a region without languages).
        sync: a live channel (customers wait on the line) rather than a backlog.
        target_minutes: the answer (live) or response (backlog) target.
        concurrency: contacts an agent carries at once on this channel.
        slowdown: how much each extra contact in hand slows all of them (a fraction).
        intervals: reporting intervals of the run.
        counted_from: clock minute from which answered contacts' waits are counted.
        first_counted: index of the first interval after the warm-up.
        handle: handle times of its contacts, minutes.
        patience: per segment, the callers' patience in minutes (None: they never abandon).
        bot_shares: per reason index, the share a bot resolves (None: no bot).
        bot_escalate: share of the bot's contacts that still ask for an agent.
        has_hours: opening hours apply (a live channel with hours in its region).
        reasons, days: reason indices and days of the per-reason daily counts.

    Attributes set when the centre links teams: ``teams`` (home teams, in routing order),
    ``overflow`` ((team, minutes waited before it may help) of other regions' teams),
    ``watchers`` (every team that takes its contacts) and ``lazy`` (callers' patience kept as a
    deadline, found out when they reach the head).
    """

    __slots__ = (
        "abandoned",
        "abandoned_in_target",
        "answered_at_once",
        "answered_in_target",
        "area",
        "arrivals",
        "bot_escalate",
        "bot_shares",
        "channel",
        "chases",
        "concurrency",
        "counted_from",
        "deflected",
        "escalated",
        "first_counted",
        "follow_ups",
        "forecast",
        "from_orders",
        "handle",
        "handle_minutes",
        "handled",
        "has_hours",
        "language",
        "last",
        "lazy",
        "merged",
        "n_waiting",
        "offered",
        "overflow",
        "patience",
        "queue_minutes",
        "reason_days",
        "region",
        "retries",
        "slowdown",
        "switched",
        "sync",
        "target_minutes",
        "teams",
        "unserved",
        "wait_counts",
        "wait_minutes_abandoned",
        "wait_minutes_handled",
        "waiting",
        "waiting_at_end",
        "waits",
        "watchers",
    )

    def __init__(
        self,
        region: str,
        channel: str,
        language: str,
        *,
        sync: bool,
        target_minutes: float,
        concurrency: int,
        slowdown: float,
        intervals: int,
        counted_from: float,
        first_counted: int,
        handle: Draws,
        patience: list[Draws | None],
        bot_shares: list[float] | None = None,
        bot_escalate: float = 0.0,
        has_hours: bool = False,
        reasons: int = 1,
        days: int = 1,
    ) -> None:
        self.region = region
        self.channel = channel
        self.language = language
        self.sync = sync
        self.target_minutes = target_minutes
        self.concurrency = concurrency
        self.slowdown = slowdown
        self.counted_from = counted_from
        self.first_counted = first_counted
        self.handle = handle
        self.patience = patience
        self.bot_shares = bot_shares
        self.bot_escalate = bot_escalate
        self.has_hours = has_hours
        self.teams: list[Team] = []
        self.overflow: list[tuple[Team, float]] = []
        self.watchers: list[Team] = []
        self.lazy = False
        self.waiting: deque[Contact] = deque()
        self.n_waiting = 0
        self.last = 0.0
        self.area = 0.0
        # Waits (minutes) of counted contacts answered after a wait, not yet binned.
        self.waits: list[float] = []
        self.wait_counts = np.zeros(WAIT_BINS, dtype=np.int64)
        # One value per interval for each of QUEUE_MEASURES.
        self.forecast = [0.0] * intervals
        self.from_orders = [0.0] * intervals
        self.retries = [0.0] * intervals
        self.chases = [0.0] * intervals
        self.follow_ups = [0.0] * intervals
        # The counts of contacts arriving, by what brought them (``contact.SOURCES`` order).
        self.arrivals = (self.forecast, self.from_orders, self.retries, self.chases,
                         self.follow_ups)
        self.switched = [0.0] * intervals
        self.deflected = [0.0] * intervals
        self.escalated = [0.0] * intervals
        self.merged = [0.0] * intervals
        self.unserved = [0.0] * intervals
        self.offered = [0.0] * intervals
        self.handled = [0.0] * intervals
        self.answered_at_once = [0.0] * intervals
        self.answered_in_target = [0.0] * intervals
        self.abandoned = [0.0] * intervals
        self.abandoned_in_target = [0.0] * intervals
        self.waiting_at_end = [0.0] * intervals
        self.wait_minutes_handled = [0.0] * intervals
        self.wait_minutes_abandoned = [0.0] * intervals
        self.handle_minutes = [0.0] * intervals
        self.queue_minutes = [0.0] * intervals
        # Contacts that arrived (offered or deflected) per reason index and day.
        self.reason_days = [[0.0] * days for _ in range(reasons)]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.region, self.channel, self.language)

    # The number waiting: one place for its accounting.

    def join(self, contact: Contact, now: float) -> None:
        """``contact`` starts waiting now, at the back."""
        self.area += self.n_waiting * (now - self.last)
        self.last = now
        self.n_waiting += 1
        for team in self.watchers:
            team.waiting += 1
        self.waiting.append(contact)

    def leave(self, now: float) -> None:
        """A waiting contact leaves now (answered or given up); its state says which."""
        self.area += self.n_waiting * (now - self.last)
        self.last = now
        self.n_waiting -= 1
        for team in self.watchers:
            team.waiting -= 1

    def head(self) -> Contact | None:
        """The longest-waiting contact still waiting, dropping dead entries on the way."""
        waiting = self.waiting
        while waiting and waiting[0].state != WAITING:
            waiting.popleft()
        return waiting[0] if waiting else None

    # Measures.

    def close_interval(self, k: int, now: float) -> None:
        """Store the time-weighted queue length of interval ``k``, which ends now."""
        self.area += self.n_waiting * (now - self.last)
        self.last = now
        self.queue_minutes[k] = self.area
        self.area = 0.0
        if len(self.waits) >= _WAITS_PER_BINNING:
            self._bin_waits()

    def _bin_waits(self) -> None:
        self.wait_counts += np.bincount(wait_bins(self.waits), minlength=WAIT_BINS)
        self.waits.clear()

    def histogram(self) -> list[int]:
        """Counts per ``wait_bin`` of the waits of answered contacts that arrived after the
        warm-up; those answered at once are bin 0."""
        self._bin_waits()
        counts: list[int] = self.wait_counts.tolist()
        counts[0] += round(sum(self.answered_at_once[self.first_counted:]))
        return counts

    def series(self) -> dict[str, list[float]]:
        return {measure: getattr(self, measure) for measure in QUEUE_MEASURES}

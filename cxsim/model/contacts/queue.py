"""A queue of one region, channel and language: contacts waiting for an agent, and its measures.

All accounting of the number waiting lives in one method, ``set_state``: a contact joins the
line or leaves it, and the change first adds the time-weighted queue length since the last one
to the interval's area; when the queue becomes busy or empty, its teams' count of queues with
work follows, so that a free agent skips a team with nothing waiting.

Measures are kept per reporting interval (``QUEUE_MEASURES``), by the interval a contact arrived
in, but for the queue length, which is time-weighted on the clock. Only what cannot be worked out
is counted as contacts go, for every contact ends in exactly one state: ``offered`` is what
arrived less what a bot deflected, what merged and what found no channel; those answered at once
are what was offered less those answered after a wait, abandoned or still waiting at the end.
Contacts answered after a wait are noted (interval and wait) and counted in bulk: how many, how
many within the target, the sum of their waits (added in the order they were answered, as one by
one) and the histogram of waits for percentiles.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cxsim.model.contacts.contact import SOURCES, WAITING, Contact
from cxsim.model.draws import Draws
from cxsim.model.metrics import QUEUE_MEASURES, WAIT_BINS, interval_counter, wait_bins

if TYPE_CHECKING:
    from cxsim.model.contacts.agents import Team

__all__ = ["Queue"]

# The row of each measure in a queue's rows of the run's ``interval_block``.
_ROW = {measure: row for row, measure in enumerate(QUEUE_MEASURES)}
_ARRIVED = [_ROW[source] for source in SOURCES]

# Answers after a wait are counted once this many have gathered (at the end of an interval), so
# that memory stays flat and numpy's cost per call is spread over many contacts.
_ANSWERS_PER_COUNT = 2048


class Queue:
    """Contacts of one region, channel and language waiting for an agent.

    Args:
        region, channel, language: the queue's key (language '' in a region without languages).
        sync: a live channel (customers wait on the line) rather than a backlog.
        target_minutes: the answer (live) or response (backlog) target.
        concurrency: contacts an agent carries at once on this channel.
        slowdown: how much each extra contact in hand slows all of them (a fraction).
        rows: its rows of the run's ``interval_block``, one per measure of
            ``QUEUE_MEASURES`` (in that order), one value per reporting interval.
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
        "answered_after_wait",
        "answered_after_wait_in_target",
        "answers_after_wait",
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
        "has_hours",
        "language",
        "last",
        "lazy",
        "merged",
        "n_waiting",
        "overflow",
        "patience",
        "queue_minutes",
        "reason_counts",
        "reason_days",
        "region",
        "retries",
        "rows",
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
        rows: NDArray[np.float64],
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
        # Contacts answered after a wait and not yet counted: the interval each arrived in and
        # its wait in minutes, one after the other.
        self.answers_after_wait: list[float] = []
        self.wait_counts = np.zeros(WAIT_BINS, dtype=np.int64)
        # One value per interval for each of QUEUE_MEASURES, in rows of the run's block, which
        # the hot path adds to through ``interval_counter`` views.
        # Contacts arriving, by what brought them: indexed by FORECAST, FROM_ORDERS, RETRY,
        # CHASE and FOLLOW_UP (``contact.SOURCES`` names them in that order).
        self.rows = rows
        self.arrivals = tuple(interval_counter(rows[_ROW[source]]) for source in SOURCES)
        self.forecast, self.from_orders, self.retries, self.chases, self.follow_ups = (
            self.arrivals)
        self.switched = interval_counter(rows[_ROW["switched"]])
        self.deflected = interval_counter(rows[_ROW["deflected"]])
        self.escalated = interval_counter(rows[_ROW["escalated"]])
        self.merged = interval_counter(rows[_ROW["merged"]])
        self.unserved = interval_counter(rows[_ROW["unserved"]])
        intervals = rows.shape[1]
        self.answered_after_wait = np.zeros(intervals)
        self.answered_after_wait_in_target = np.zeros(intervals)
        self.abandoned = interval_counter(rows[_ROW["abandoned"]])
        self.abandoned_in_target = interval_counter(rows[_ROW["abandoned_in_target"]])
        self.waiting_at_end = interval_counter(rows[_ROW["waiting_at_end"]])
        self.wait_minutes_handled = rows[_ROW["wait_minutes_handled"]]
        self.wait_minutes_abandoned = interval_counter(rows[_ROW["wait_minutes_abandoned"]])
        self.handle_minutes = interval_counter(rows[_ROW["handle_minutes"]])
        self.queue_minutes = interval_counter(rows[_ROW["queue_minutes"]])
        # Contacts that arrived (offered or deflected) per reason index and day.
        self.reason_counts = np.zeros((reasons, days))
        self.reason_days = [interval_counter(row) for row in self.reason_counts]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.region, self.channel, self.language)

    # The number waiting: the one place for its accounting.

    def set_state(self, contact: Contact, state: int, now: float) -> None:
        """``contact`` is in ``state`` from now: ``WAITING`` joins the back of the line;
        ``ANSWERED`` or ``ABANDONED`` leaves it (from the middle: left as a dead entry)."""
        self.area += self.n_waiting * (now - self.last)
        self.last = now
        if state == WAITING:  # a contact is made waiting: it joins once
            self.waiting.append(contact)
            self.n_waiting += 1
            change = 1 if self.n_waiting == 1 else 0
        else:
            contact.state = state
            waiting = self.waiting
            if waiting and waiting[0] is contact:
                waiting.popleft()
            self.n_waiting -= 1
            change = 0 if self.n_waiting else -1
        if change:  # the queue became busy, or empty: its teams count queues with work
            for team in self.watchers:
                team.queues_waiting += change

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
        if len(self.answers_after_wait) >= 2 * _ANSWERS_PER_COUNT:
            self._count_answers()

    def _count_answers(self) -> None:
        """Count the contacts answered after a wait noted since the last time."""
        noted = np.asarray(self.answers_after_wait, dtype=np.float64).reshape(-1, 2)
        self.answers_after_wait.clear()
        intervals, waits = noted[:, 0].astype(np.int64), noted[:, 1]
        size = len(self.answered_after_wait)
        self.answered_after_wait += np.bincount(intervals, minlength=size)
        self.answered_after_wait_in_target += np.bincount(
            intervals[waits <= self.target_minutes], minlength=size)
        np.add.at(self.wait_minutes_handled, intervals, waits)  # in order, as one by one
        counted = waits[intervals >= self.first_counted]
        self.wait_counts += np.bincount(wait_bins(counted), minlength=WAIT_BINS)

    def series(self) -> dict[str, NDArray[np.float64]]:
        """Every measure of ``QUEUE_MEASURES``, one value per interval (at the end of a run):
        its rows of the block, those worked out from the others filled in place."""
        self._count_answers()
        rows = self.rows
        after_wait = self.answered_after_wait
        offered = rows[_ROW["offered"]]
        np.copyto(offered, rows[_ARRIVED[0]])
        for row in _ARRIVED[1:]:  # in the order of SOURCES
            offered += rows[row]
        offered -= rows[_ROW["deflected"]]
        offered -= rows[_ROW["merged"]]
        offered -= rows[_ROW["unserved"]]
        at_once = rows[_ROW["answered_at_once"]]
        np.subtract(offered, after_wait, out=at_once)
        at_once -= rows[_ROW["abandoned"]]
        at_once -= rows[_ROW["waiting_at_end"]]
        np.add(at_once, after_wait, out=rows[_ROW["handled"]])
        np.add(at_once, self.answered_after_wait_in_target, out=rows[_ROW["answered_in_target"]])
        return dict(zip(QUEUE_MEASURES, rows, strict=True))

    def histogram(self) -> list[int]:
        """Counts per ``wait_bin`` of the waits of answered contacts that arrived after the
        warm-up (at the end of a run); those answered at once are bin 0."""
        self._count_answers()
        counts: list[int] = self.wait_counts.tolist()
        at_once = self.series()["answered_at_once"]
        counts[0] += round(sum(at_once[self.first_counted:].tolist()))
        return counts

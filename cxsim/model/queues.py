"""A queue of one region, channel and language: contacts waiting for an agent, and its statistics.

A contact is a small list, indexed by the constants below: when it arrived, its handle time, its
state, its queue, the customer's segment and reason (indices), whether it repeats an earlier
contact, and the agent serving it. An abandoned contact stays in its queue as a dead entry and is
dropped when it reaches the head.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from cxsim.model.draws import Draws
from cxsim.model.metrics import QUEUE_MEASURES, WAIT_BINS

if TYPE_CHECKING:
    from cxsim.model.agents import Team

__all__ = [
    "ABANDONED",
    "AGENT",
    "ANSWERED",
    "ARRIVED",
    "HANDLE",
    "MERGED",
    "QUEUE",
    "REASON",
    "REMAINING",
    "REPEAT",
    "SEGMENT",
    "STATE",
    "WAITING",
    "Queue",
]

# Fields of a contact; a chat on a channel with slowdown also carries the point of its agent's
# virtual clock at which it ends, and a caller waiting in a queue without abandon timers the
# time at which they give up (the two never meet: such queues carry one contact per agent).
ARRIVED, HANDLE, STATE, QUEUE, SEGMENT, REASON, REPEAT, AGENT, REMAINING = range(9)
DEADLINE = REMAINING
# States of a contact.
WAITING, ANSWERED, ABANDONED, MERGED = 0, 1, 2, 3


class Queue:
    """Contacts of one region, channel and language waiting for an agent.

    Attributes set by the contact centre after construction: ``teams`` (home teams, in routing
    order), ``overflow`` ((team, minutes waited before it may help) of other regions' teams),
    ``handle`` and ``patience`` (draws per segment; None where customers never abandon),
    ``bot_shares`` (deflection share per reason index, or None without a bot).
    """

    __slots__ = (
        "abandoned",
        "abandoned_in_target",
        "answered_at_once",
        "answered_in_target",
        "area",
        "bot_escalate",
        "bot_shares",
        "channel",
        "chases",
        "concurrency",
        "counted_from",
        "deflected",
        "escalated",
        "follow_ups",
        "forecast",
        "from_orders",
        "handle",
        "handle_minutes",
        "handled",
        "has_hours",
        "histogram",
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
        intervals: int,
        counted_from: float,
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
        self.teams: list[Team] = []
        self.overflow: list[tuple[Team, float]] = []
        # Every team that takes this queue's contacts, at home or as overflow.
        self.watchers: list[Team] = []
        self.handle: Draws | None = None
        self.patience: list[Draws | None] = []
        self.bot_shares: list[float] | None = None
        self.bot_escalate = 0.0
        # Opening hours apply (a live channel with hours in its region).
        self.has_hours = False
        # Callers' patience is kept as a deadline, found out when they reach the head.
        self.lazy = False
        self.waiting: deque[list[Any]] = deque()
        self.n_waiting = 0
        self.last = 0.0
        self.area = 0.0
        self.histogram = [0] * WAIT_BINS
        # One value per interval for each of QUEUE_MEASURES (by the interval of arrival, but
        # queue_minutes, which is time-weighted on the clock).
        self.forecast = [0.0] * intervals
        self.from_orders = [0.0] * intervals
        self.retries = [0.0] * intervals
        self.chases = [0.0] * intervals
        self.follow_ups = [0.0] * intervals
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

    def series(self) -> dict[str, list[float]]:
        return {measure: getattr(self, measure) for measure in QUEUE_MEASURES}

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.region, self.channel, self.language)

    def head(self) -> list[Any] | None:
        """The longest-waiting contact still waiting, dropping dead entries on the way."""
        waiting = self.waiting
        while waiting and waiting[0][STATE] != WAITING:
            waiting.popleft()
        return waiting[0] if waiting else None

    def count_change(self, now: float, change: int) -> None:
        """Account the time-weighted queue length up to now, then change it."""
        self.area += self.n_waiting * (now - self.last)
        self.last = now
        self.n_waiting += change
        for team in self.watchers:
            team.waiting += change

"""Replenishment policies on the inventory position, for one event or a stretch of them at once.

Every policy reorders on the inventory position (on hand + on order - backordered units), never
on-hand stock alone. Continuous review looks at the position after each event that moves it (an
order, a return) and orders when it is at or below the reorder point: up to the target (base
stock, (s, S)), or whole lots of Q that lift it above r ((r, Q)). Periodic review orders up to
the target at each review, and never between.

Over a stretch of events the positions before reordering are a cumulative sum; the reorders sit
where it crosses the reorder point. For base stock (and any policy whose target is one unit
above its reorder point) the position after each event is max(target, position before + change),
Lindley's recursion, solved in one pass with a running minimum. Otherwise each reorder is found by
a binary search on the running minimum of the cumulative sum: one step per reorder, not per
event.
"""

from __future__ import annotations

import math

import numpy as np

from cxsim.scenario.commerce import RQ, SS, BaseStock, PeriodicReview, StockPolicy
from cxsim.scenario.common import MINUTES_PER_DAY

__all__ = ["Policy"]


def _scaled(value: int, share: float) -> int:
    """A policy level for a share of the stock, rounded half up."""
    return math.floor(value * share + 0.5)


class Policy:
    """A stock item's policy, scaled to one pool's share of the stock.

    Attributes:
        spec, share: the policy as specified, and the pool's share of the stock.
        periodic: reorders only at reviews, every ``review_minutes``.
        reorder: order when the position is at or below this (-1 for periodic review).
        target: order up to this (base stock, (s, S), periodic review).
        batch: the lot size Q of (r, Q); 0 otherwise.
    """

    def __init__(self, spec: StockPolicy, share: float) -> None:
        self.spec = spec
        self.share = share
        self.periodic = isinstance(spec, PeriodicReview)
        self.review_minutes = (spec.review_days * MINUTES_PER_DAY
                               if isinstance(spec, PeriodicReview) else 0.0)
        self.relevel(spec.planned)

    def relevel(self, level: int) -> None:
        """Plan ``level`` (``LevelFrom.level``: base stock's level, s, r or the periodic
        order-up-to level; S keeps its distance above s, Q stays), scaled to the share."""
        spec, share = self.spec, self.share
        self.batch = 0
        if isinstance(spec, BaseStock):
            self.target = _scaled(level, share)
            self.reorder = self.target - 1
        elif isinstance(spec, SS):
            self.reorder, self.target = _scaled(level, share), _scaled(spec.target_at(level), share)
        elif isinstance(spec, RQ):
            self.reorder, self.batch = _scaled(level, share), max(1, _scaled(spec.Q, share))
            self.target = self.reorder + self.batch
        else:
            self.reorder, self.target = -1, _scaled(level, share)
        # Lindley's recursion holds when ordering lifts the position to exactly max(target, it).
        self._lindley = self.batch <= 1 and self.target - self.reorder <= 1

    def quantity(self, position: int) -> int:
        """Units to order under continuous review at ``position`` (0 for periodic review)."""
        if self.periodic or position > self.reorder:
            return 0
        if self.batch:
            return self.batch * -((position - self.reorder - 1) // self.batch)
        return self.target - position

    def review(self, position: int) -> int:
        """Units to order at a periodic review: up to the target."""
        return max(0, self.target - position)

    def quantities(self, position: int, changes: np.ndarray) -> np.ndarray:
        """Units ordered after each of a stretch of events under continuous review, all of them
        checked: ``changes`` moves the position (an order's units negative, a return's
        positive) from ``position`` before the first."""
        count = changes.size
        if count == 0 or self.periodic:
            return np.zeros(count, dtype=np.int64)
        if self._lindley:
            before = position - self.target + np.cumsum(changes)
            after = before - np.minimum(np.minimum.accumulate(before), 0)
            previous = np.concatenate(([position - self.target], after[:-1]))
            lindley: np.ndarray = np.maximum(0, -(previous + changes))
            return lindley
        quantities = np.zeros(count, dtype=np.int64)
        positions = position + np.cumsum(changes)
        # The lowest position so far falls (weakly) event by event: the first event at or below
        # the reorder point, however much was ordered before it, is a binary search away.
        falling = -np.minimum.accumulate(positions)
        added = 0
        while True:
            at = int(np.searchsorted(falling, added - self.reorder, side="left"))
            if at >= count:
                return quantities
            quantity = self.quantity(int(positions[at]) + added)
            quantities[at] = quantity
            added += quantity

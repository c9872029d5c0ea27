"""Delivery to a region: its carrier's transit and customs, its promises, and what comes back.

A parcel reaches the customer its region's transit time after it leaves its node, plus customs
when the node is in another region. Each order is promised by a deadline: N days after it is
placed (promise rule ``hours``), the end of the N-th local day after (``end_of_day``), or the end
of the N-th business day after (``business_days``, Monday to Friday); no promise at all where
neither the region nor the sales channel gives one. A marketplace may also hold its sellers to
ship within a span of the order. A share of the parcels delivered by the horizon comes back
after the return transit. Everything is worked out for arrays of parcels and orders.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cxsim.model.draws import DrawBuffer, sample_buffer
from cxsim.model.local_dates import LocalDates
from cxsim.scenario.common import MINUTES_PER_DAY
from cxsim.scenario.models import Scenario

__all__ = ["PROMISE_DAYS_RECORDED", "RegionDelivery"]

# Promises of 0 to this many whole days are judged on every order, so that one run answers
# which promise holds (longer ones are not promises a shop makes).
PROMISE_DAYS_RECORDED = 30
_CANDIDATES = np.arange(PROMISE_DAYS_RECORDED + 1, dtype=np.float64)
_WHOLE_CANDIDATES = _CANDIDATES.astype(np.int64)


def _promises_where(guess: np.ndarray, holds: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """For each order, how many of the promises of 0 to ``PROMISE_DAYS_RECORDED`` days a
    condition holds for, when it holds for the shortest ones only: ``guess`` is a close
    estimate (off by at most a rounding step), which is moved until ``holds(count - 1)`` and
    not ``holds(count)``."""
    count: np.ndarray = np.clip(guess, 0, PROMISE_DAYS_RECORDED + 1).astype(np.int64)
    while True:
        up = (count <= PROMISE_DAYS_RECORDED) & holds(np.minimum(count, PROMISE_DAYS_RECORDED))
        down = (count > 0) & ~holds(np.maximum(count - 1, 0))
        if not (up.any() or down.any()):
            return count
        count += up.astype(np.int64) - down.astype(np.int64)


class RegionDelivery:
    """A region's carrier and promises, for the orders of its sales channels.

    Args:
        name: the region.
        scenario: the validated scenario.
        rng: the generator of a named stream of this replication.
        dates: the region's local days.
    """

    def __init__(
        self, name: str, scenario: Scenario, rng: Callable[[str], np.random.Generator],
        dates: LocalDates,
    ) -> None:
        spec = scenario.regions[name]
        assert spec.carrier is not None and spec.demand is not None
        carrier = spec.carrier
        self.name = name
        self.dates = dates
        self.transit = sample_buffer(carrier.transit_days, rng(f"transit/{name}"),
                                     MINUTES_PER_DAY)
        self.customs: DrawBuffer | None = None if carrier.customs_days is None else (
            sample_buffer(carrier.customs_days, rng(f"customs/{name}"), MINUTES_PER_DAY))
        self.return_transit: DrawBuffer | None = None if carrier.return_transit_days is None \
            else sample_buffer(carrier.return_transit_days, rng(f"return_transit/{name}"),
                               MINUTES_PER_DAY)
        self.shipping_cost = carrier.cost_per_order
        # Local day -> the deadlines of promises of 0 to PROMISE_DAYS_RECORDED whole days.
        self._by_day_kept: dict[int, np.ndarray] = {}
        self.rule = spec.promise_rule
        self.channels = list(spec.demand.sales_channel_shares())
        self.promise = [scenario.promise_days_for(name, c) for c in self.channels]
        # A marketplace's ship-by span, minutes (inf where no rule sets one).
        self.ship_within = np.array([
            scenario.sales_channels[c].rules.ship_within_days * MINUTES_PER_DAY  # type: ignore[union-attr]
            if c in scenario.sales_channels and scenario.sales_channels[c].rules is not None
            else np.inf
            for c in self.channels
        ])

    def deadlines(self, channels: np.ndarray, placed: np.ndarray) -> np.ndarray:
        """The promised delivery minute of orders placed at ``placed`` on sales channels
        ``channels`` (indices); inf without a promise."""
        deadlines = np.full(placed.size, np.inf)
        for channel, days in enumerate(self.promise):
            if days is None:
                continue
            mine = channels == channel
            if mine.any():
                deadlines[mine] = self.due(placed[mine], np.array([days]))[:, 0]
        return deadlines

    def due(self, placed: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The delivery minute that a promise of ``days`` (each of several, whole days under
        the ``end_of_day`` and ``business_days`` rules) gives orders placed at ``placed``: one
        row per order, one column per promise."""
        when = placed[:, None]
        if self.rule == "hours":
            hours: np.ndarray = when + days[None, :] * MINUTES_PER_DAY
            return hours
        order_days = self.dates.day(placed)
        if not order_days.size:
            return np.empty((0, days.size))
        first, by_day = self._by_day(order_days, days)
        each_order: np.ndarray = by_day[order_days - first]
        return each_order

    def _by_day(self, order_days: np.ndarray, days: np.ndarray) -> tuple[int, np.ndarray]:
        """Under a whole-day rule the deadline depends on the day of order alone: worked out
        for each day from the first to the last of ``order_days`` (a batch of orders spans a
        day or two). The first day, and one row per day, one column per promise of ``days``.
        A day's candidate promises are worked out once and kept: every sales channel's
        deadlines and the promise curve ask for the same days in turn."""
        first, last = int(order_days.min()), int(order_days.max())
        whole = days.astype(np.int64)
        if whole.size and whole.min() >= 0 and whole.max() <= PROMISE_DAYS_RECORDED:
            kept = self._by_day_kept
            for day in range(first, last + 1):
                if day not in kept:
                    kept[day] = self._deadlines(np.array([day]), _WHOLE_CANDIDATES)[0]
            table = np.array([kept[day] for day in range(first, last + 1)])
            return first, table[:, whole]
        return first, self._deadlines(np.arange(first, last + 1), whole)

    def _deadlines(self, days: np.ndarray, whole: np.ndarray) -> np.ndarray:
        """The deadline of orders placed on local ``days`` under promises of ``whole`` days:
        one row per day, one column per promise."""
        day, promise = days.astype(np.int64)[:, None], whole[None, :]
        if self.rule == "end_of_day":
            due = day + promise
        else:
            # The N-th business day after the day of order: from a weekend day, counted on
            # from the Friday before; no days is the day of order itself.
            dates = np.datetime64(self.dates.first_date) + (day - self.dates.first)
            shifted = (np.busday_offset(dates, promise, roll="backward") - dates).astype(
                np.int64)
            due = day + np.where(promise > 0, shifted, 0)
        by_day: np.ndarray = np.asarray(self.dates.clock((due + 1) * MINUTES_PER_DAY),
                                        dtype=np.float64)
        return by_day

    def promises_kept(self, placed: np.ndarray, arrivals: np.ndarray,
                      horizon: float) -> tuple[np.ndarray, np.ndarray]:
        """How orders placed at ``placed`` and delivered at ``arrivals`` fare under each
        whole-day promise of 0 to ``PROMISE_DAYS_RECORDED`` days: a promise judges an order
        once its deadline has passed by the horizon, and finds it on time if it arrived by the
        deadline.

        A longer promise never has an earlier deadline, so the promises that judge an order are
        the shortest few, and those that find it on time the longest few. Returns, per order,
        how many promises judge it (0 to ``PROMISE_DAYS_RECORDED + 1``: it is judged under
        promises of fewer days than that) and the fewest days that find it on time (more than
        ``PROMISE_DAYS_RECORDED`` if none does), worked out without a row per promise."""
        if self.rule == "hours":
            # Deadline ``placed + days * MINUTES_PER_DAY`` (as ``due`` computes it): counted
            # from a first guess by division, then settled against that exact sum.
            def deadline(at: np.ndarray, day: np.ndarray) -> np.ndarray:
                sums: np.ndarray = at + day.astype(np.float64) * MINUTES_PER_DAY
                return sums

            # Most orders are placed long enough before the horizon for every promise.
            judged = np.full(placed.size, PROMISE_DAYS_RECORDED + 1, dtype=np.int64)
            near = np.flatnonzero(deadline(placed, _CANDIDATES[-1:]) > horizon)
            if near.size:
                close = placed[near]
                judged[near] = _promises_where(
                    np.floor((horizon - close) / MINUTES_PER_DAY) + 1,
                    lambda day: deadline(close, day) <= horizon)
            late = _promises_where(
                np.ceil((arrivals - placed) / MINUTES_PER_DAY),
                lambda day: deadline(placed, day) < arrivals)
            return judged, late
        judged = np.zeros(placed.size, dtype=np.int64)
        late = np.zeros(placed.size, dtype=np.int64)
        if not placed.size:
            return judged, late
        order_days = self.dates.day(placed)
        first, by_day = self._by_day(order_days, _CANDIDATES)
        judged_by_day = (by_day <= horizon).sum(axis=1)
        rows = order_days - first
        for row in np.unique(rows).tolist():
            mine = rows == row
            judged[mine] = judged_by_day[row]
            # Each day's deadlines rise with the promise: the ones before an arrival count
            # the promises that find the order late.
            late[mine] = np.searchsorted(by_day[row], arrivals[mine], side="left")
        return judged, late

    def arrivals(self, shipped: np.ndarray, abroad: np.ndarray) -> np.ndarray:
        """When parcels that left their nodes at ``shipped`` reach the customer; ``abroad``
        marks parcels from a node in another region, which go through customs."""
        arrival: np.ndarray = shipped + self.transit.take(shipped.size)
        if self.customs is not None and abroad.any():
            arrival[abroad] += self.customs.take(int(abroad.sum()))
        return arrival

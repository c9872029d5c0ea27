"""Stock of one product at one node, with all of its state, moved a stretch of time at a time.

A pool holds what is on hand, what is on order (each replenishment with its arrival minute), the
orders waiting for its stock (first come, first served) and the returns on their way back. Its
orders are served in bulk, a stretch at a time (a UTC day, or up to an order another node must
help with), with the same meaning as one at a time:

- The inventory position (on hand + on order - backordered units) falls by each order's units and
  rises with each return; the policy reorders where it reaches the reorder point
  (``cxsim.model.replenishment``), and each replenishment arrives a lead time later, within the
  stretch or after it. Receipts never move the position, so the reorders of a stretch follow from
  its orders and returns alone.
- Orders and stock-ins (receipts, returns) merged in time order give cumulative supply (on hand
  at the start, plus what comes in) and cumulative demand (units already waiting, then the
  stretch's orders). An order takes at once what supply exceeds the demand before it; what it
  lacks waits, and is filled at the first stock-in that brings supply up to the demand through
  it: first come, first served. The same two sums give the levels between events, which are
  time-weighted per local day of the node.

A stock item's ``schedule`` changes its policy's level from the node's local midnight of each
entry's date (one before the run's first local day holds from the start, one after the horizon
never): the change takes effect at the first stretch that starts at or after that midnight, and
the position is looked at then, so that a raised level orders at once under continuous review
(periodic review orders at its next review, as always). Every pool is moved at least at every UTC
midnight, so a change takes effect within the day: at the local midnight itself in a zone whose
midnights fall on UTC midnights (UTC), at the next stretch's start (at the latest the next UTC
midnight) elsewhere. Nothing is reordered before a new node's first stock comes in, whatever
the level.

A stock-in at a moment when an order also happens comes first; one at local midnight counts in the
day it ends (the stock at that day's end holds it). Per-day counts (units demanded, filled,
received, returned, shipped; replenishments placed) are by local day of the node, so that start +
receipts + returns - shipments = on hand at the end, day by day.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from cxsim.model.draws import DrawBuffer
from cxsim.model.local_dates import LocalDates
from cxsim.model.replenishment import Policy
from cxsim.scenario.commerce import StockItem
from cxsim.scenario.common import MINUTES_PER_DAY

__all__ = ["INVENTORY_MEASURES", "PoolStep", "StockPool"]

# Per-day measures of a stock pool, by local day of its node: unit-minutes on hand, on order and
# backordered, and minutes with nothing on hand once the pool has had stock (time-weighted on the
# clock); units demanded here first and filled at once, received, returned and shipped;
# replenishment orders placed; units on hand at the day's end; product-issue contacts about
# orders shipped from here (by day of order; order_contacts); and the clock minutes of the day
# within the run (1440, less on the first and last days and when the clocks change).
INVENTORY_MEASURES = (
    "on_hand_minutes",
    "on_order_minutes",
    "backorder_minutes",
    "stockout_minutes",
    "units_demanded",
    "units_filled",
    "receipts",
    "returned",
    "shipments",
    "replenishments",
    "on_hand_end",
    "product_issue_contacts",
    "day_minutes",
)
_MEASURE = {name: index for index, name in enumerate(INVENTORY_MEASURES)}

# Order of events at one moment: stock comes in, then a day ends, then orders (and reviews); a
# replenishment that arrives the moment it is placed comes in after the event that placed it.
_STOCK_IN, _MIDNIGHT, _DEMAND, _AFTER = 0, 1, 2, 3
_EMPTY_F = np.empty(0)
_EMPTY_I = np.empty(0, dtype=np.int64)


def _in_time_order(time: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """The order of events by time, then kind, then as given (``np.lexsort``). Moments are
    seldom shared, so one stable sort by time usually settles it (several times faster); only
    a stretch where two events share a moment is sorted on all three keys."""
    order = np.argsort(time, kind="stable")
    ordered = time[order]
    if time.size > 1 and bool((ordered[1:] == ordered[:-1]).any()):
        order = np.lexsort((np.arange(time.size), kind, time))
    return order


class PoolStep(NamedTuple):
    """What a stretch of a pool's own orders got (one value per order, in the order given).

    Attributes:
        at_once: units taken from stock the moment the order was placed.
        filled_at: when the rest of the order came in (the order's own time when it got every
            unit at once; inf while it still waits).
        waited_ids, waited_filled_at: orders that were already waiting and were filled in the
            stretch, and when.
        shortage: index of the first order that did not get every unit at once (the number of
            orders when all did).
    """

    at_once: np.ndarray
    filled_at: np.ndarray
    waited_ids: np.ndarray
    waited_filled_at: np.ndarray
    shortage: int


class _Plan(NamedTuple):
    """A stretch worked out and not yet applied (see ``StockPool._plan``)."""

    step: PoolStep
    time: np.ndarray
    kind: np.ndarray
    supply: np.ndarray
    reorder: np.ndarray
    shipped: np.ndarray
    on_hand: np.ndarray
    backordered: np.ndarray
    on_order: np.ndarray
    receipts: np.ndarray
    returned: np.ndarray
    due: int
    new_times: np.ndarray
    new_units: np.ndarray
    returns_due: int
    reviews: int
    opened: bool
    waiting_ids: np.ndarray
    waiting_units: np.ndarray
    order_rows: np.ndarray
    units: np.ndarray


class StockPool:
    """One product at one node, for all sales channels or for one channel's allocation.

    Args:
        node, product, channel: what the pool is (channel '*' when stock is pooled).
        item: the scenario's stock item.
        share: the channel's allocation share (1 when pooled); scales levels and initial stock.
        lead_time: lead-time draws, minutes.
        dates: local days of the node.
        horizon: the run's horizon, minutes.
        created: the clock minute the pool comes into use (0, or the first order of a sales
            channel the node keeps no allocation for).
    """

    def __init__(
        self, node: str, product: str, channel: str, item: StockItem, share: float,
        lead_time: DrawBuffer, dates: LocalDates, horizon: float, created: float = 0.0,
    ) -> None:
        self.node = node
        self.product = product
        self.channel = channel
        self.on_stockout = item.on_stockout
        self.policy = Policy(item.policy, share)
        self.lead_time = lead_time
        self.dates = dates
        self.horizon = horizon
        # Level changes: clock minutes (the node's local midnights) and levels, in time order.
        self._changes = self._schedule(item, dates, horizon)
        # The default initial stock is the order-up-to level in force when the run starts.
        start = item.initial if item.initial is not None else item.target_on(dates.first_date)
        self.on_hand = math.floor(start * share + 0.5)
        self.on_order = 0
        self.backordered = 0
        # Replenishments on their way: arrival minutes (sorted) and units.
        self._arriving = _EMPTY_F
        self._arriving_units = _EMPTY_I
        # Returns on their way back: arrival minutes (sorted) and units.
        self._returning = _EMPTY_F
        self._returning_units = _EMPTY_I
        # Orders waiting for this pool's stock, first come first served: ids and units lacking.
        self._waiting_ids = _EMPTY_I
        self._waiting_units = _EMPTY_I
        # A new node is out of stock only once its first stock has come (arrives_later).
        self.opens = 0.0
        # When the pool first looks at its position (at the start, or when a new node's first
        # stock comes in); None once done or when it never does.
        self._first_check: float | None = created if created == 0.0 else None
        review = self.policy.review_minutes
        self._next_review = (math.floor(created / review) + 1) * review if review else math.inf
        self.last = created  # levels are time-weighted up to this minute
        self.series = np.zeros((len(INVENTORY_MEASURES), dates.count))
        self.series[_MEASURE["day_minutes"]] = dates.day_minutes(horizon)
        self.start_on_hand = self.on_hand
        # The levels in force when the pool comes into use: its first look (if any) sees them.
        self._relevel(look=False)

    @staticmethod
    def _schedule(item: StockItem, dates: LocalDates, horizon: float) -> list[tuple[float, int]]:
        """(clock minute, level) of each of the item's level changes within the run."""
        changes = []
        for entry in item.schedule:
            day = (entry.from_date - dates.first_date).days
            if day > dates.count:
                break
            minute = float(dates.midnights[day]) if day > 0 else -math.inf
            if minute < horizon:
                changes.append((minute, entry.level))
        return changes

    def _relevel(self, look: bool = True) -> None:
        """Plan the levels whose changes are due by ``last`` (the start of the next stretch);
        if they move the policy, look at the position then (once a new node's first stock has
        come)."""
        changes, policy = self._changes, self.policy
        if not changes or changes[0][0] > self.last:
            return
        before = (policy.reorder, policy.target)
        while changes and changes[0][0] <= self.last:
            policy.relevel(changes.pop(0)[1])
        first = self._first_check
        if (look and (policy.reorder, policy.target) != before and self.last >= self.opens
                and (first is None or first > self.last)):
            self._first_check = self.last

    def arrives_later(self, arrival: float) -> None:
        """The pool's initial stock is a first shipment arriving at clock minute ``arrival``
        (a new node): nothing on hand until then, and that shipment on order. One that arrived
        before the clock starts is on hand from the start."""
        if arrival <= 0:
            return
        self.on_order += self.on_hand
        self._arriving = np.array([arrival])
        self._arriving_units = np.array([self.on_hand], dtype=np.int64)
        self.on_hand = self.start_on_hand = 0
        self.opens = arrival
        self._first_check = arrival

    def opens_at(self, arrival: float, now: float) -> None:
        """A pool kept for a sales channel without allocation at a new node: out of stock only
        from ``arrival`` (when the node's first stock comes), and looking at its position then."""
        if arrival > now:
            self.opens = self._first_check = arrival

    @property
    def position(self) -> int:
        """Inventory position: on hand + on order - backordered units."""
        return self.on_hand + self.on_order - self.backordered

    # Stretches in bulk.

    def shortage(self, times: np.ndarray, units: np.ndarray, until: float) -> int:
        """Index of the first of these orders (placed from now until ``until``, in time order)
        that would not get every unit at once, if nothing else touched the pool; their number
        if none. Nothing changes but the levels due by now (as ``advance`` would first)."""
        self._relevel()
        return self._plan(times, units, _EMPTY_I, until).step.shortage

    def advance(
        self, times: np.ndarray, units: np.ndarray, ids: np.ndarray, until: float
    ) -> PoolStep:
        """Serve these orders (placed from now until ``until``, in time order; ``ids`` name the
        ones that may wait), take in the stock due by ``until`` and place the reorders; levels
        are counted up to ``until``."""
        self._relevel()
        if not times.size and self._quiet(until):
            self._idle(until)
            return PoolStep(_EMPTY_I, _EMPTY_F, _EMPTY_I, _EMPTY_F, 0)
        plan = self._plan(times, units, ids, until)
        self._apply(plan, until)
        return plan.step

    def _quiet(self, until: float) -> bool:
        """Whether nothing happens to the pool up to ``until`` but time passing."""
        first = self._first_check
        return ((not self._arriving.size or self._arriving[0] > until)
                and (not self._returning.size or self._returning[0] > until)
                and self._next_review >= min(until, self.horizon)
                and (first is None or first >= until))

    def _idle(self, until: float) -> None:
        """Levels held from ``last`` to ``until``: counted by local day, and at the days' ends."""
        midnights = self.dates.midnights
        low, high = np.searchsorted(midnights, (self.last, until), side="right")
        ends = midnights[low:high]
        if until >= self.horizon and (not ends.size or ends[-1] < until):
            ends = np.append(ends, until)
        starts = np.concatenate(([self.last], ends))
        lengths = np.diff(np.concatenate((starts, [until])))
        local = self.dates.local(starts)
        days = self.dates.index(np.floor(local / MINUTES_PER_DAY).astype(np.int64))
        series = self.series
        np.add.at(series[_MEASURE["on_hand_minutes"]], days, lengths * self.on_hand)
        np.add.at(series[_MEASURE["on_order_minutes"]], days, lengths * self.on_order)
        np.add.at(series[_MEASURE["backorder_minutes"]], days, lengths * self.backordered)
        if self.on_hand <= 0:
            np.add.at(series[_MEASURE["stockout_minutes"]], days,
                      lengths * (starts >= self.opens))
        ending = self.dates.index((np.ceil(local[1:] / MINUTES_PER_DAY) - 1).astype(np.int64))
        series[_MEASURE["on_hand_end"], ending] = self.on_hand
        self.last = until

    def _plan(
        self, times: np.ndarray, units: np.ndarray, ids: np.ndarray, until: float
    ) -> _Plan:
        last, opens, policy = self.last, self.opens, self.policy
        # Moments that move the position or look at it: the first check, reviews, returns
        # and orders, in time order.
        first = self._first_check
        opened = first is not None and first < until
        reviews = 0
        review_times: np.ndarray = _EMPTY_F
        if self._next_review < until and self._next_review < self.horizon:
            end = min(until, self.horizon)
            reviews = math.ceil((end - self._next_review) / policy.review_minutes)
            review_times = self._next_review + policy.review_minutes * np.arange(reviews)
        returns_due = int(np.searchsorted(self._returning, until, side="right"))
        return_times = np.maximum(self._returning[:returns_due], last)
        return_units = self._returning_units[:returns_due]
        # A return that should have come before ``last`` (within the stretch that sent it out)
        # comes in now.
        return_kinds = np.where(self._returning[:returns_due] > last, _STOCK_IN, _DEMAND)
        firsts = np.array([first]) if first is not None and opened else _EMPTY_F
        check_time = np.concatenate((firsts, review_times, return_times, times))
        check_kind = np.concatenate((np.full(int(opened) + reviews, _DEMAND), return_kinds,
                                     np.full(times.size, _DEMAND)))
        change = np.concatenate((np.zeros(int(opened) + reviews, dtype=np.int64), return_units,
                                 -units))
        if int(opened) + reviews + returns_due:
            check_order = _in_time_order(check_time, check_kind)
            check_time, change = check_time[check_order], change[check_order]
        else:
            check_order = np.arange(times.size)  # orders alone, already in time order
        quantity = np.zeros(check_time.size, dtype=np.int64)
        position = self.position
        if policy.periodic:
            # Each review orders up to the target, on the position then.
            positions = position + np.cumsum(change)
            added = 0
            for at in np.flatnonzero(check_order < int(opened) + reviews).tolist():
                if check_time[at] >= opens and check_order[at] >= int(opened):
                    quantity[at] = policy.review(int(positions[at]) + added)
                    added += int(quantity[at])
        else:
            # Nothing is reordered before a new node's first stock comes in.
            before = int(np.searchsorted(check_time, opens, side="left"))
            position += int(change[:before].sum())
            quantity[before:] = policy.quantities(position, change[before:])
        placed = np.flatnonzero(quantity)
        lead = self.lead_time.peek(placed.size)
        new_times = check_time[placed] + lead
        new_units = quantity[placed]
        new_due = new_times <= until
        due = int(np.searchsorted(self._arriving, until, side="right"))
        # Every event of the stretch, in time order.
        midnights = self.dates.midnights
        low, high = np.searchsorted(midnights, (last, until), side="right")
        midnight_times = midnights[low:high]
        if until >= self.horizon and (not midnight_times.size or midnight_times[-1] < until):
            midnight_times = np.append(midnight_times, until)
        receipt_times = np.concatenate((self._arriving[:due], new_times[new_due]))
        receipt_units = np.concatenate((self._arriving_units[:due], new_units[new_due]))
        receipt_kinds = np.concatenate((
            np.where(self._arriving[:due] > last, _STOCK_IN, _DEMAND),
            np.where(lead[new_due] > 0, _STOCK_IN, _AFTER)))
        receipt_times = np.maximum(receipt_times, last)
        n_checks, n_receipts, n_midnights = check_time.size, receipt_times.size, midnight_times.size
        returns_sorted = check_order - int(opened) - reviews  # index among returns, or orders
        is_return = (returns_sorted >= 0) & (returns_sorted < returns_due)
        time = np.concatenate((check_time, receipt_times, midnight_times))
        kind = np.concatenate((check_kind[check_order], receipt_kinds,
                               np.full(n_midnights, _MIDNIGHT)))
        order = _in_time_order(time, kind)
        supply = np.concatenate((np.where(is_return, change, 0), receipt_units,
                                 np.zeros(n_midnights, dtype=np.int64)))
        demand_at = np.concatenate((np.where(is_return, 0, -change),
                                    np.zeros(n_receipts + n_midnights, dtype=np.int64)))
        on_order = np.concatenate((quantity, -receipt_units,
                                   np.zeros(n_midnights, dtype=np.int64)))
        time, kind = time[order], kind[order]
        supply, demand_at, on_order = supply[order], demand_at[order], on_order[order]
        reorder = np.concatenate((quantity, np.zeros(n_receipts + n_midnights,
                                                     dtype=np.int64)))[order]
        receipts = np.concatenate((np.zeros(n_checks, dtype=np.int64), receipt_units,
                                   np.zeros(n_midnights, dtype=np.int64)))[order]
        returned = np.concatenate((np.where(is_return, change, 0),
                                   np.zeros(n_receipts + n_midnights, dtype=np.int64)))[order]
        # Cumulative supply against cumulative demand (units already waiting first).
        waited = self._waiting_units
        supplied = self.on_hand + np.cumsum(supply)
        demanded = self.backordered + np.cumsum(demand_at)
        served = np.minimum(supplied, demanded)
        shipped = np.diff(served, prepend=0)
        net = supplied - demanded
        # Where each order sits among the events, and the demand through it.
        rows = np.empty(time.size, dtype=np.int64)
        rows[order] = np.arange(time.size)
        checks = np.empty(n_checks, dtype=np.int64)
        checks[check_order] = np.arange(n_checks)
        order_rows = rows[checks[n_checks - times.size:]]
        through = demanded[order_rows]
        at_once = shipped[order_rows]
        # Supply only grows: an order lacks stock at once exactly where supply at its own row
        # falls short of the demand through it, and only those are looked for further on.
        short = supplied[order_rows] < through
        lacking = np.flatnonzero(short)
        filled_row = np.searchsorted(supplied, through[lacking], side="left")
        filled_at = np.where(short, np.inf, times)
        within = filled_row < time.size
        filled_at[lacking[within]] = time[filled_row[within]]
        shortage = int(lacking[0]) if lacking.size else times.size
        waited_through = np.cumsum(waited)
        waited_row = np.searchsorted(supplied, waited_through, side="left")
        done = waited_row < time.size
        waited_ids = self._waiting_ids[done]
        waited_filled_at = time[waited_row[done]]
        # What still waits at the end: the orders that were waiting, then the new ones.
        end_supply = int(supplied[-1]) if time.size else self.on_hand
        still = ~done
        new_still = np.zeros(times.size, dtype=bool)
        new_still[lacking[~within]] = True
        block_ends = np.concatenate((waited_through[still], through[new_still]))
        block_units = np.concatenate((waited[still], units[new_still]))
        waiting_units = block_ends - np.maximum(end_supply, block_ends - block_units)
        waiting_ids = np.concatenate((self._waiting_ids[still],
                                      ids[new_still] if ids.size else _EMPTY_I))
        step = PoolStep(at_once, filled_at, waited_ids, waited_filled_at, shortage)
        return _Plan(step, time, kind, supply, reorder, shipped, np.maximum(net, 0),
                     np.maximum(-net, 0), self.on_order + np.cumsum(on_order), receipts,
                     returned, due, new_times[~new_due], new_units[~new_due], returns_due,
                     reviews, opened, waiting_ids, waiting_units, order_rows, units)

    def _apply(self, plan: _Plan, until: float) -> None:
        time, dates = plan.time, self.dates
        series = self.series
        # Levels between events, time-weighted by local day.
        starts = np.concatenate(([self.last], time))
        lengths = np.diff(np.concatenate((starts, [until])))
        on_hand = np.concatenate(([self.on_hand], plan.on_hand))
        on_order = np.concatenate(([self.on_order], plan.on_order))
        backordered = np.concatenate(([self.backordered], plan.backordered))
        starts_local = dates.local(starts)
        floors = np.floor(starts_local / MINUTES_PER_DAY).astype(np.int64)
        index = dates.index(floors)
        count = dates.count

        def add(measure: str, days: np.ndarray, values: np.ndarray | None) -> None:
            if values is None or values.any():  # (zeros would add nothing)
                series[_MEASURE[measure]] += np.bincount(days, values, minlength=count)

        add("on_hand_minutes", index, lengths * on_hand)
        add("on_order_minutes", index, lengths * on_order)
        add("backorder_minutes", index, lengths * backordered)
        add("stockout_minutes", index, lengths * ((on_hand <= 0) & (starts >= self.opens)))
        if time.size:
            floor_days = floors[1:]
            ending = (np.ceil(starts_local[1:] / MINUTES_PER_DAY) - 1).astype(np.int64)
            # Stock-ins and midnights count in the day they end; orders in the day they begin.
            event_days = dates.index(np.where(plan.kind != _DEMAND, ending, floor_days))
            order_days = event_days[plan.order_rows]
            add("units_demanded", order_days, plan.units.astype(np.float64))
            add("units_filled", order_days, plan.step.at_once.astype(np.float64))
            add("shipments", event_days, plan.shipped.astype(np.float64))
            add("receipts", event_days, plan.receipts.astype(np.float64))
            add("returned", event_days, plan.returned.astype(np.float64))
            placed = plan.reorder > 0
            add("replenishments", dates.index(floor_days[placed]), None)
            midnight = plan.kind == _MIDNIGHT
            series[_MEASURE["on_hand_end"], event_days[midnight]] = plan.on_hand[midnight]
            self.on_hand = int(plan.on_hand[-1])
            self.backordered = int(plan.backordered[-1])
            self.on_order = int(plan.on_order[-1])
        self.lead_time.consume(int((plan.reorder > 0).sum()))
        # Replenishments still on their way, in arrival order.
        arriving, units = self._arriving[plan.due:], self._arriving_units[plan.due:]
        if plan.new_times.size:
            new = np.argsort(plan.new_times, kind="stable")
            new_times, new_units = plan.new_times[new], plan.new_units[new]
            if not arriving.size or new_times[0] >= arriving[-1]:
                # All after those already on their way (a constant lead time, most often).
                arriving = np.concatenate((arriving, new_times))
                units = np.concatenate((units, new_units))
            else:
                at = np.searchsorted(arriving, new_times, side="right")
                arriving = np.insert(arriving, at, new_times)
                units = np.insert(units, at, new_units)
        self._arriving, self._arriving_units = arriving, units
        self._returning = self._returning[plan.returns_due:]
        self._returning_units = self._returning_units[plan.returns_due:]
        self._waiting_ids, self._waiting_units = plan.waiting_ids, plan.waiting_units
        if plan.opened:
            self._first_check = None
        if plan.reviews:
            self._next_review += plan.reviews * self.policy.review_minutes
        self.last = until

    # One order at a time, where another node is involved (at the moment the pool has reached).

    def take(self, units: int, now: float) -> int:
        """Take up to ``units`` from stock now; returns how many were there."""
        taken = min(units, self.on_hand)
        if taken:
            self.on_hand -= taken
            self._count("shipments", now, taken)
        return taken

    def sell(self, units: int, now: float) -> int:
        """An order that asks this pool first takes what it has of ``units``; returns how many."""
        taken = self.take(units, now)
        self._count("units_demanded", now, units)
        self._count("units_filled", now, taken)
        return taken

    def backorder(self, order_id: int, units: int) -> None:
        """``units`` of order ``order_id`` wait for this pool's stock."""
        self.backordered += units
        self._waiting_ids = np.append(self._waiting_ids, order_id)
        self._waiting_units = np.append(self._waiting_units, units)

    def check(self, now: float) -> None:
        """Continuous review looks at the position now (nothing before the first stock)."""
        if now < self.opens:
            return
        quantity = self.policy.quantity(self.position)
        if quantity:
            self.on_order += quantity
            self._count("replenishments", now, 1)
            arrival = now + float(self.lead_time.take(1)[0])
            at = int(np.searchsorted(self._arriving, arrival, side="right"))
            self._arriving = np.insert(self._arriving, at, arrival)
            self._arriving_units = np.insert(self._arriving_units, at, quantity)

    def next_stock_in(self) -> float:
        """When stock next comes in (or the position is next looked at by a review or the first
        check): until then nothing on hand changes but by orders."""
        moments = [self._next_review, math.inf if self._first_check is None
                   else self._first_check]
        if self._arriving.size:
            moments.append(float(self._arriving[0]))
        if self._returning.size:
            moments.append(float(self._returning[0]))
        return min(moments)

    def lose(self, times: np.ndarray, units: np.ndarray) -> None:
        """Orders that find nothing on hand, sales lost: counted as demanded."""
        days = self.dates.index(self.dates.day(times))
        self.series[_MEASURE["units_demanded"]] += np.bincount(
            days, units.astype(np.float64), minlength=self.dates.count)

    def returns(self, times: np.ndarray, units: np.ndarray) -> None:
        """Returned units come back into stock at ``times``."""
        order = np.argsort(times, kind="stable")
        at = np.searchsorted(self._returning, times[order], side="right")
        self._returning = np.insert(self._returning, at, times[order])
        self._returning_units = np.insert(self._returning_units, at, units[order])

    def count(self, measure: str, days: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` to a per-day measure on local ``days`` of the node."""
        self.series[_MEASURE[measure]] += np.bincount(
            self.dates.index(days), values, minlength=self.dates.count)

    def _count(self, measure: str, now: float, value: float) -> None:
        day = self.dates.index(self.dates.day(np.array([now])))[0]
        self.series[_MEASURE[measure], day] += value

    def record(self) -> dict[str, np.ndarray]:
        """The pool's per-day measures (``INVENTORY_MEASURES``)."""
        return dict(zip(INVENTORY_MEASURES, self.series, strict=True))

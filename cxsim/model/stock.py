"""Stock of one product at one node: on hand, on order, backorders, and the reorder policy.

Replenishment decisions use the inventory position (on hand + on order - backordered units),
never on-hand stock alone. Levels are time-weighted per day on the clock; counts (units received,
shipped, returned) are per day too, so that start + receipts + returns - shipments = end.
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappop, heappush
from typing import Any

from cxsim.model.calendar import MINUTES_PER_DAY
from cxsim.model.draws import Draws
from cxsim.scenario.commerce import RQ, SS, BaseStock, PeriodicReview, StockItem

__all__ = ["INVENTORY_MEASURES", "StockPool"]

# Per-day measures of a stock pool: unit-minutes on hand, on order and backordered, and minutes
# with nothing on hand once the pool has had stock (time-weighted on the clock); units demanded
# here first and filled at once, received, returned and shipped; replenishment orders placed;
# units on hand at the day's end; product-issue contacts about orders shipped from here (by day
# of order; order_contacts).
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
)


def _scaled(value: int, share: float) -> int:
    """A policy level for a share of the stock, rounded half up."""
    return math.floor(value * share + 0.5)


class StockPool:
    """One product at one node, for all sales channels or for one channel's allocation.

    Args:
        node, product, channel: what the pool is (channel '*' when stock is pooled).
        item: the scenario's stock item.
        share: the channel's allocation share (1 when pooled); scales levels and initial stock.
        lead_time: lead-time draws in minutes.
        days: number of days measured.
    """

    def __init__(
        self, node: str, product: str, channel: str, item: StockItem, share: float,
        lead_time: Draws, days: int,
    ) -> None:
        self.node = node
        self.product = product
        self.channel = channel
        self.on_stockout = item.on_stockout
        self.holding_cost = item.holding_cost_per_unit_day
        policy = item.policy
        self.kind = policy.kind
        self.review_minutes = (
            policy.review_days * MINUTES_PER_DAY if isinstance(policy, PeriodicReview)
            else 0.0
        )
        # Order up to `target` when the position is at or below `reorder` (r_Q: order Q at a time).
        if isinstance(policy, BaseStock):
            self.reorder, self.target, self.batch = _scaled(policy.level, share) - 1, _scaled(
                policy.level, share), 0
        elif isinstance(policy, SS):
            self.reorder, self.target, self.batch = _scaled(policy.s, share), _scaled(
                policy.S, share), 0
        elif isinstance(policy, RQ):
            self.reorder, self.batch = _scaled(policy.r, share), max(1, _scaled(policy.Q, share))
            self.target = self.reorder + self.batch
        else:
            self.reorder, self.target, self.batch = -1, _scaled(policy.order_up_to, share), 0
        start = item.initial if item.initial is not None else policy.target
        self.on_hand = _scaled(start, share)
        self.on_order = 0
        self.backordered = 0
        # Waiting order parts, first come first served: [units still needed, order record].
        self.backorders: deque[list[Any]] = deque()
        # Replenishments on their way, (arrival minute, sequence, units), received in that order.
        # Most arrive in the order they were placed (all of them with a constant lead time):
        # those queue in `arriving` at O(1) a receipt; one that overtakes an earlier one waits in
        # the heap `overtaking`, so that a long pipeline costs no heap sift per receipt. `due` is
        # the minute of the next receipt (inf with none). Then the time of the receipt event
        # armed while orders wait, and its version.
        self.arriving: deque[tuple[float, int, int]] = deque()
        self.overtaking: list[tuple[float, int, int]] = []
        self.due = math.inf
        self.sequence = 0
        self.armed = math.inf
        self.version = 0
        self.lead_time = lead_time
        self.days = days
        self.last = 0.0
        # A new node is out of stock only once its first stock has come (arrives_later).
        self.opens = 0.0
        # The last day closed (close_day): a receipt exactly at midnight that comes in before
        # that day's close is counted in that day, with the stock it adds to.
        self.closed = -1
        # Unit-minutes on hand, on order and backordered, and minutes with nothing on hand, of
        # the day so far.
        self.on_hand_minutes = self.on_order_minutes = self.backorder_minutes = 0.0
        self.stockout_minutes = 0.0
        self.series = {measure: [0.0] * days for measure in INVENTORY_MEASURES}
        # The lists that orders write, bound once.
        self.replenishments = self.series["replenishments"]
        self.units_demanded = self.series["units_demanded"]
        self.units_filled = self.series["units_filled"]
        self.shipments = self.series["shipments"]
        # Units of orders filled whole (sell_whole) since the last count_sold: demanded, filled
        # and shipped, counted a day at a time rather than one order at a time.
        self.sold_whole = 0
        self.start_on_hand = self.on_hand

    def arrives_later(self, arrival: float) -> None:
        """The pool's initial stock is a first shipment arriving at clock minute ``arrival``
        (a new node): nothing on hand until then, and that shipment on order. One that arrived
        before the clock starts is on hand from the start."""
        if arrival <= 0:
            return
        self.on_order += self.on_hand
        self.sequence += 1
        self.arriving.append((arrival, self.sequence, self.on_hand))
        self.due = min(self.due, arrival)
        self.on_hand = self.start_on_hand = 0
        self.opens = arrival

    @property
    def position(self) -> int:
        """Inventory position: on hand + on order - backordered units."""
        return self.on_hand + self.on_order - self.backordered

    def account(self, now: float) -> None:
        """Time-weighted levels up to now."""
        elapsed = now - self.last
        if elapsed:
            # float * int, not int * float: the same product, without first asking int.
            self.on_hand_minutes += elapsed * self.on_hand
            self.on_order_minutes += elapsed * self.on_order
            if self.backordered:  # adding nothing would change nothing
                self.backorder_minutes += elapsed * self.backordered
            if self.on_hand <= 0 and self.last >= self.opens:
                self.stockout_minutes += elapsed
            self.last = now

    def next_receipt(self) -> tuple[float, int, int]:
        """Remove the next receipt from the pipeline: (arrival minute, sequence, units)."""
        arriving, overtaking = self.arriving, self.overtaking
        if overtaking and (not arriving or overtaking[0] < arriving[0]):
            entry = heappop(overtaking)
        else:
            entry = arriving.popleft()
        if arriving:
            self.due = arriving[0][0]
            if overtaking and overtaking[0][0] < self.due:
                self.due = overtaking[0][0]
        else:
            self.due = overtaking[0][0] if overtaking else math.inf
        return entry

    def sell_whole(self, units: int, now: float, day: int) -> None:
        """An order that asks this pool first takes all its ``units`` now (there are that many,
        and receipts due by now are applied); continuous review reorders at once."""
        self.account(now)
        self.on_hand -= units
        self.sold_whole += units
        quantity = self.order_quantity()
        if quantity:
            self._order(quantity, now, day)

    def sell(self, units: int, now: float, day: int) -> int:
        """An order that asks this pool first for more ``units`` than it has takes what there
        is; returns how many. The caller reorders once the shortfall is lost or backordered,
        so that the position counts it."""
        self.units_demanded[day] += units
        taken = self.take(units, now, day)
        self.units_filled[day] += taken
        return taken

    def place(self, quantity: int, now: float) -> None:
        """Order ``quantity`` units now (receipts due by now applied): they arrive after a lead
        time."""
        self.account(now)
        self._order(quantity, now, min(int(now // MINUTES_PER_DAY), self.days - 1))

    def _order(self, quantity: int, now: float, day: int) -> None:
        """Place a replenishment on ``day`` (levels accounted up to now): it arrives after a
        lead time, in order of placement unless it overtakes an earlier one."""
        self.on_order += quantity
        self.replenishments[day] += 1
        when = now + self.lead_time.next()
        self.sequence += 1
        entry = (when, self.sequence, quantity)
        arriving = self.arriving
        if not arriving or when >= arriving[-1][0]:
            arriving.append(entry)
        else:
            heappush(self.overtaking, entry)
        if when < self.due:
            self.due = when

    def receive_due(self, now: float) -> None:
        """Apply every receipt due by ``now``, each at its own time, while no order waits for
        stock (waiting orders ship as each receipt comes in: see Commerce._receive_due)."""
        receipts, arriving = self.series["receipts"], self.arriving
        while self.due <= now:
            if self.overtaking:
                when, _, quantity = self.next_receipt()
            else:
                # Nothing overtakes: the first to arrive is next (next_receipt, without a call
                # for the receipt of nearly every order).
                when, _, quantity = arriving.popleft()
                self.due = arriving[0][0] if arriving else math.inf
            self.account(when)
            self.on_order -= quantity
            self.on_hand += quantity
            receipts[self.day_of(when)] += quantity

    def day_of(self, when: float) -> int:
        """The day a receipt at ``when`` counts in: its own, unless it comes in at midnight before
        the previous day has closed (then the stock at that day's end holds it)."""
        return min(int(when // MINUTES_PER_DAY), self.closed + 1, self.days - 1)

    def take(self, units: int, now: float, day: int) -> int:
        """Take up to ``units`` from stock now; returns how many were there."""
        taken = units if units <= self.on_hand else self.on_hand
        if taken:
            self.account(now)
            self.on_hand -= taken
            self.shipments[day] += taken
        return taken

    def order_quantity(self) -> int:
        """Units to order now under a continuous-review policy (0 for periodic review)."""
        position = self.on_hand + self.on_order - self.backordered
        if self.kind == "periodic" or position > self.reorder:
            return 0
        if self.batch:
            return self.batch * math.ceil((self.reorder + 1 - position) / self.batch)
        return self.target - position

    def review_quantity(self) -> int:
        """Units to order at a periodic review: up to the target."""
        return max(0, self.target - self.position)

    def close_day(self, day: int, now: float) -> None:
        """Store the time-weighted levels of ``day``, which ends now."""
        self.account(now)
        series = self.series
        series["on_hand_minutes"][day] = self.on_hand_minutes
        series["on_order_minutes"][day] = self.on_order_minutes
        series["backorder_minutes"][day] = self.backorder_minutes
        series["stockout_minutes"][day] = self.stockout_minutes
        self.on_hand_minutes = self.on_order_minutes = self.backorder_minutes = 0.0
        self.stockout_minutes = 0.0
        series["on_hand_end"][day] = self.on_hand
        self.closed = day

    def count_sold(self, day: int) -> None:
        """Count the units of orders filled whole since the last call, all sold on ``day``."""
        if self.sold_whole:
            self.units_demanded[day] += self.sold_whole
            self.units_filled[day] += self.sold_whole
            self.shipments[day] += self.sold_whole
            self.sold_whole = 0

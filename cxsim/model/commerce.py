"""Orders, stock, fulfillment and delivery on simpy's event loop.

An order (one product, some units, on a sales channel, in a region) takes stock from the first
node that serves its region: units on hand ship at once; the rest are backordered, lost, or taken
from the next node, as the stock item says. Replenishment orders follow the policy on the
inventory position and arrive after a lead time (one event each); receipts fill backorders first
come, first served. A node ships at its cut-off on working days within its daily capacity (or at
once when it has neither); the carrier's transit (and customs, from a node in another region)
gives the delivery time, judged against the promise of the region and sales channel.

Per-order work needs no event unless the order waits for stock: delivery times are computed when
an order ships. Statistics are counted per day of order (orders) or per day of the clock (stock);
what every order adds to them (counts, and the judging of shipped orders against their promise)
is gathered in the day and added up at its close, a day at a time, to the same totals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy

from cxsim.model.calendar import MINUTES_PER_DAY, LocalClock
from cxsim.model.draws import samples, uniforms
from cxsim.model.events import call_at
from cxsim.model.metrics import WAIT_BINS, wait_bins
from cxsim.model.order_contacts import ORDER_CONTACT_MEASURES, OrderContactSource
from cxsim.model.stock import StockPool
from cxsim.scenario.commerce import Node
from cxsim.scenario.common import WEEKDAYS
from cxsim.scenario.models import Scenario

__all__ = ["ORDER_MEASURES", "Commerce", "RegionSales"]

# Per-day measures of a region, sales channel and product, by the day an order was placed:
# orders and units; units shipped from the first node's stock at once, from another node, or
# backordered or lost; orders lost entirely; orders shipped and delivered by the horizon; shipped
# orders whose promise fell due by the horizon, and of those on time and late (judged even if
# still on their way); orders still in transit or waiting for stock at the horizon;
# order-to-door minutes of delivered orders; returns; shipping cost; on sales channels with
# marketplace rules, orders whose ship-by time fell due by the horizon and of those the ones
# shipped later (or not at all); and the contacts the orders brought, by reason.
ORDER_MEASURES = (
    "orders",
    "units",
    "units_from_stock",
    "units_next_node",
    "units_backordered",
    "units_lost",
    "orders_lost",
    "shipped",
    "delivered",
    "promised",
    "on_time",
    "late",
    "in_transit_at_end",
    "backordered_at_end",
    "delivery_minutes",
    "returns",
    "shipping_cost",
    "ship_due",
    "shipped_late",
    *ORDER_CONTACT_MEASURES.values(),
)


class _NodeState:
    """A node at run time: its clock, shipping rules and stock pools."""

    def __init__(self, name: str, spec: Node, clock: LocalClock) -> None:
        self.name = name
        self.spec = spec
        self.location = spec.location
        self.clock = clock
        self.cutoff = None if spec.cutoff_hour is None else spec.cutoff_hour * 60.0
        self.capacity = spec.capacity_per_day
        self.working = {WEEKDAYS.index(d)
                        for d in spec.working_days}
        self.immediate = self.cutoff is None and self.capacity is None and len(self.working) == 7
        self.shipped: dict[int, int] = {}
        self._at_cutoff: dict[int, float] = {}  # local day -> when its orders ship
        self.pools: dict[tuple[str, str], StockPool] = {}

    def ship_time(self, ready: float) -> float:
        """When an order ready at clock minute ``ready`` leaves the node."""
        if self.immediate:
            return ready
        clock = self.clock
        local = clock.local(ready)
        day = int(local // MINUTES_PER_DAY)
        if self.cutoff is not None and local - day * MINUTES_PER_DAY >= self.cutoff:
            day += 1
        if self.cutoff is not None and self.capacity is None:
            # Without a daily capacity an order ships at the cut-off of the first working day
            # from ``day``: the same moment for every order of that day, looked up once.
            shipped = self._at_cutoff.get(day)
            if shipped is None:
                first = day
                while clock.weekday(first * MINUTES_PER_DAY) not in self.working:
                    first += 1
                shipped = self._at_cutoff[day] = clock.clock(
                    first * MINUTES_PER_DAY + self.cutoff)
            return shipped
        capacity = self.capacity
        while clock.weekday(day * MINUTES_PER_DAY) not in self.working or (
            capacity is not None and self.shipped.get(day, 0) >= capacity
        ):
            day += 1
        if capacity is not None:
            self.shipped[day] = self.shipped.get(day, 0) + 1
        if self.cutoff is not None:
            ship_local = day * MINUTES_PER_DAY + self.cutoff
        else:
            ship_local = max(local, day * MINUTES_PER_DAY)
        return clock.clock(ship_local)


class _Route:
    """Orders of one region, sales channel and product: what each of them touches, looked up
    once, and what they add to the day's statistics until it is counted."""

    __slots__ = ("chain", "channel", "channel_name", "customs", "delivered", "delivery_minutes",
                 "first", "histogram", "in_transit_at_end", "late", "on_time", "orders", "pool",
                 "product", "product_name", "promise_minutes", "promised", "region",
                 "return_share", "sent", "series", "ship_due", "ship_within", "shipped",
                 "shipped_late", "shipping_cost", "units", "units_from_stock", "whole_orders",
                 "whole_units")

    def __init__(
        self, region: RegionSales, channel: int, product: int, product_name: str,
        chain: list[_NodeState], pool: StockPool, return_share: float,
    ) -> None:
        self.region = region
        self.channel = channel
        self.channel_name = region.channels[channel]
        self.product = product
        self.product_name = product_name
        self.chain = chain
        self.first = chain[0]
        self.pool = pool
        self.return_share = return_share
        # Customs draws of parcels from the first node, None when it is in the region.
        self.customs = region.customs if self.first.location != region.name else None
        series = self.series = region.series[self.channel_name, product_name]
        self.histogram = region.histograms[self.channel_name, product_name]
        self.orders = series["orders"]
        self.units = series["units"]
        self.units_from_stock = series["units_from_stock"]
        self.shipped = series["shipped"]
        self.shipping_cost = series["shipping_cost"]
        self.promised = series["promised"]
        self.on_time = series["on_time"]
        self.late = series["late"]
        self.in_transit_at_end = series["in_transit_at_end"]
        self.delivered = series["delivered"]
        self.delivery_minutes = series["delivery_minutes"]
        self.ship_due = series["ship_due"]
        self.shipped_late = series["shipped_late"]
        # A marketplace's ship-by span (minutes), None where no rule sets one.
        self.ship_within = region.ship_within[channel]
        # Orders filled whole from the first node's stock since the last count_whole, and their
        # units: counted a day at a time (Commerce._count_whole) rather than one at a time.
        self.whole_orders = self.whole_units = 0
        # Orders shipped since the last count_sent (each day's close), four numbers each: the day
        # of order, when placed, the deadline and the arrival. Counted with numpy rather than
        # one by one; memory holds about a day of them.
        self.sent: list[float] = []
        # A promise in hours is a fixed span after the order (inf without a promise); None
        # when the deadline depends on the local calendar (RegionSales.deadline).
        days = region.promise[channel]
        self.promise_minutes: float | None = (
            math.inf if days is None
            else float(days * MINUTES_PER_DAY) if region.rule == "hours" else None
        )

    def count_whole(self, day: int) -> None:
        """Count the orders filled whole from the first node's stock since the last call, all
        placed on ``day``: all their units came from it."""
        if self.whole_orders:
            self.orders[day] += self.whole_orders
            self.units[day] += self.whole_units
            self.units_from_stock[day] += self.whole_units
            self.whole_orders = self.whole_units = 0

    def count_sent(self, horizon: float, counted_from: float) -> None:
        """Count the orders shipped since the last call, by day of order: shipped, shipping
        cost, judged against the promise, delivered by the horizon or still on their way, and
        order-to-door times. Sums run in the order the orders shipped, as one at a time would,
        so that they come out the same to the last bit."""
        if not self.sent:
            return
        # fromiter: np.array would find the type of every number first, at twice the cost.
        table = np.fromiter(self.sent, np.float64, len(self.sent)).reshape(-1, 4)
        self.sent.clear()
        for day in np.unique(table[:, 0]).astype(int).tolist():
            placed, deadline, arrival = table[table[:, 0] == day, 1:].T
            count = len(placed)
            self.shipped[day] += count
            self.shipping_cost[day] = _running_sum(
                self.shipping_cost[day], np.full(count, self.region.shipping_cost))
            # An order is judged once its deadline has passed within the horizon, delivered or
            # not: judging only delivered orders would leave out slow parcels still on their way.
            promised = deadline <= horizon
            on_time = int(np.count_nonzero(promised & (arrival <= deadline)))
            self.promised[day] += int(np.count_nonzero(promised))
            self.on_time[day] += on_time
            self.late[day] += int(np.count_nonzero(promised)) - on_time
            delivered = arrival <= horizon
            self.delivered[day] += int(np.count_nonzero(delivered))
            self.in_transit_at_end[day] += count - int(np.count_nonzero(delivered))
            minutes = arrival[delivered] - placed[delivered]
            self.delivery_minutes[day] = _running_sum(self.delivery_minutes[day], minutes)
            counted = minutes[placed[delivered] >= counted_from]
            if counted.size:
                histogram = self.histogram
                bins = np.bincount(wait_bins(counted), minlength=WAIT_BINS)
                for index in np.flatnonzero(bins).tolist():
                    histogram[index] += int(bins[index])


def _running_sum(start: float, values: np.ndarray) -> float:
    """``start`` plus each of ``values`` in turn, as repeated += gives it (np.sum adds pairwise,
    np.cumsum in turn)."""
    return float(np.cumsum(np.concatenate(([start], values)))[-1])


class _Order:
    """An order that does not ship whole at once: it waits for stock, or ships in parts."""

    __slots__ = ("deadline", "first", "last_shipped", "latest", "parts", "placed", "route",
                 "units", "waited")

    def __init__(
        self, route: _Route, placed: float, deadline: float, parts: int, units: int,
        waited: bool,
    ) -> None:
        self.route = route
        self.placed = placed
        self.deadline = deadline
        self.parts = parts  # parts not yet shipped
        self.latest = 0.0  # arrival of the last part shipped so far
        self.last_shipped = 0.0  # when the last part shipped so far left its node
        self.first = route.first  # the node it is judged from (returns go back there)
        self.units = units
        self.waited = waited  # some of it waits for stock

    def arrival(self) -> float:
        """When the order reaches the customer; inf while a part has not shipped."""
        return self.latest if self.parts == 0 else math.inf


class RegionSales:
    """A region's carrier, promises and order statistics."""

    def __init__(
        self, name: str, scenario: Scenario, rng: Callable[[str], np.random.Generator],
        days: int, clock: LocalClock,
    ) -> None:
        spec = scenario.regions[name]
        assert spec.carrier is not None
        self.name = name
        self.clock = clock
        self.transit = samples(spec.carrier.transit_days, rng(f"transit/{name}"), MINUTES_PER_DAY)
        customs = spec.carrier.customs_days
        self.customs = None if customs is None else samples(
            customs, rng(f"customs/{name}"), MINUTES_PER_DAY)
        back = spec.carrier.return_transit_days
        self.return_transit = None if back is None else samples(
            back, rng(f"return_transit/{name}"), MINUTES_PER_DAY)
        self.shipping_cost = spec.carrier.cost_per_order
        # Units per order, drawn per region and product (a region's orders do not shift the
        # random numbers of another's).
        self.units = [
            None if p.units_per_order is None
            else samples(p.units_per_order, rng(f"units/{name}/{product}"))
            for product, p in scenario.products.items()
        ]
        self.rule = spec.promise_rule
        assert spec.demand is not None
        self.channels = list(spec.demand.sales_channel_shares())
        self.promise = [scenario.promise_days_for(name, c) for c in self.channels]
        self.ship_within = [
            scenario.sales_channels[c].rules.ship_within_days * MINUTES_PER_DAY  # type: ignore[union-attr]
            if c in scenario.sales_channels and scenario.sales_channels[c].rules is not None
            else None
            for c in self.channels
        ]
        # (sales channel index, local day of order) -> deadline, for calendar promise rules.
        self._deadlines: dict[tuple[int, int], float] = {}
        self.series: dict[tuple[str, str], dict[str, list[float]]] = {}
        # [sales channel index][product index] -> what its orders touch, looked up once.
        self.routes: list[list[_Route | None]] = [
            [None] * len(scenario.products) for _ in self.channels]
        self.histograms: dict[tuple[str, str], list[int]] = {}
        for channel in self.channels:
            for product in scenario.products:
                self.series[channel, product] = {m: [0.0] * days for m in ORDER_MEASURES}
                self.histograms[channel, product] = [0] * WAIT_BINS

    def deadline(self, channel: int, now: float) -> float:
        """The promised delivery time of an order placed now; inf without a promise."""
        days = self.promise[channel]
        if days is None:
            return math.inf
        if self.rule == "hours":
            return now + days * MINUTES_PER_DAY
        clock = self.clock
        ordered = int(clock.local(now) // MINUTES_PER_DAY)
        # The same for every order of a local day and sales channel: looked up once.
        deadline = self._deadlines.get((channel, ordered))
        if deadline is None:
            day = ordered
            if self.rule == "end_of_day":
                day += int(days)
            else:
                counted = 0
                while counted < days:
                    day += 1
                    if clock.weekday(day * MINUTES_PER_DAY) < 5:
                        counted += 1
            deadline = self._deadlines[channel, ordered] = clock.clock(
                (day + 1) * MINUTES_PER_DAY)
        return deadline


class Commerce:
    """Takes orders, moves stock and ships parcels; records what happens, day by day.

    Args:
        env: the simpy environment.
        scenario: the validated scenario.
        rng: the generator of a named stream of this replication.
    """

    def __init__(
        self, env: simpy.Environment, scenario: Scenario,
        rng: Callable[[str], np.random.Generator],
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.horizon = scenario.horizon_minutes
        self.days = math.ceil(self.horizon / MINUTES_PER_DAY)
        self.counted_from = scenario.warmup_minutes
        self.products = list(scenario.products)
        self.return_share = [p.return_share for p in scenario.products.values()]
        self._return_draw = uniforms(rng("returns"))
        clocks = {name: LocalClock(scenario.start_date, spec.zone)
                  for name, spec in scenario.regions.items()}
        self.nodes = {name: _NodeState(name, spec, clocks[spec.location])
                      for name, spec in scenario.nodes.items()}
        self.pools: list[StockPool] = []
        # The clock minute each new node's first stock arrives (nodes with first_inbound).
        self.first_inbound: dict[str, float] = {}
        for name, node in self.nodes.items():
            inbound = node.spec.first_inbound
            if inbound is not None:
                lead_days = inbound.lead_time_days or next(
                    iter(node.spec.stock.values())).lead_time_days
                ordered = (inbound.ordered - scenario.start_date).days * MINUTES_PER_DAY
                self.first_inbound[name] = ordered + samples(
                    lead_days, rng(f"first_inbound/{name}"), MINUTES_PER_DAY).next()
            for product, item in node.spec.stock.items():
                lead = samples(item.lead_time_days, rng(f"lead_time/{name}/{product}"),
                               MINUTES_PER_DAY)
                channels = item.allocation or {"*": 1.0}
                for channel, share in channels.items():
                    pool = StockPool(name, product, channel, item, share, lead, self.days)
                    if name in self.first_inbound:
                        pool.arrives_later(self.first_inbound[name])
                        # Replenishment starts once the node has its first stock.
                        call_at(env, max(pool.opens, 0.0), self._open, pool)
                    node.pools[product, channel] = pool
                    self.pools.append(pool)
                    if pool.kind == "periodic":
                        call_at(env, pool.review_minutes, self._review, pool)
        self.regions = {
            name: RegionSales(name, scenario, rng, self.days, clocks[name])
            for name, spec in scenario.regions.items()
            if spec.demand is not None and spec.demand.orders_per_day > 0
        }
        self.chains = {
            (region, product): [self.nodes[n] for n in scenario.nodes_for(region, product)]
            for region in self.regions for product in self.products
        }
        self.routes: list[_Route] = []
        # Contacts the orders bring (set by the world when the scenario has order_contacts).
        self.contacts: OrderContactSource | None = None
        self._whole_day = 0  # the day of the orders counted by _count_whole
        self._receive_callback = self._receive
        for pool in self.pools:
            self._replenish(pool, 0.0)

    def _route(self, region: RegionSales, channel: int, product: int) -> _Route:
        """What orders of a region, sales channel and product need, looked up once."""
        product_name = self.products[product]
        chain = self.chains[region.name, product_name]
        pool = self._pool(chain[0], product_name, region.channels[channel])
        route = _Route(region, channel, product, product_name, chain, pool,
                       self.return_share[product])
        region.routes[channel][product] = route
        self.routes.append(route)
        return route

    def _pool(self, node: _NodeState, product: str, channel: str) -> StockPool:
        pool = node.pools.get((product, "*")) or node.pools.get((product, channel))
        if pool is None:
            # A sales channel without an allocation at this node has a share of 0: no stock is
            # kept for it, and what it sells is ordered with the item's lead time and reviews.
            item = node.spec.stock[product]
            lead = next(p.lead_time for (name, _), p in node.pools.items() if name == product)
            pool = StockPool(node.name, product, channel, item, 0.0, lead, self.days)
            if node.name in self.first_inbound and self.first_inbound[node.name] > self.env._now:
                pool.opens = self.first_inbound[node.name]
                call_at(self.env, pool.opens, self._open, pool)
            node.pools[product, channel] = pool
            self.pools.append(pool)
            if pool.kind == "periodic":
                review = pool.review_minutes
                call_at(self.env, (self.env._now // review + 1) * review, self._review, pool)
        return pool

    # Orders.

    def order(self, region: RegionSales, channel: int, product: int) -> None:
        """An order is placed now."""
        now = self.env._now
        day = int(now // MINUTES_PER_DAY)
        units_draw = region.units[product]
        units = 1 if units_draw is None else max(1, math.ceil(units_draw.next()))
        route = region.routes[channel][product] or self._route(region, channel, product)
        promise = route.promise_minutes
        deadline = now + promise if promise is not None else region.deadline(channel, now)
        contacts = self.contacts
        if contacts is not None:
            contacts.placed(region.name, route.channel_name, route.series, day, now)
        pool = route.pool
        if pool.due <= now:
            self._receive_due(pool, now)
        if units <= pool.on_hand:
            # The common case: the first node has every unit and ships the order now or at its
            # next cut-off; no record is kept. Such orders are counted a day at a time.
            if day != self._whole_day:
                self._count_whole()
                self._whole_day = day
            pool.sell_whole(units, now, day)
            route.whole_orders += 1
            route.whole_units += units
            first = route.first
            shipped = now if first.immediate else first.ship_time(now)
            arrival = shipped + region.transit.next()
            if route.customs is not None:
                arrival += route.customs.next()
            route.sent.extend((day, now, deadline, arrival))  # counted at the day's close
            if route.ship_within is not None:
                self._judge_shipping(route, day, now, shipped)
            returned = bool(route.return_share) and self._may_return(
                route, day, arrival, first, units)
            if contacts is not None:
                contacts.shipped(region.name, route.channel_name, route.product_name, units,
                                 pool, route.series, day, now, deadline, arrival, returned,
                                 waited=False)
            return
        route.orders[day] += 1
        route.units[day] += units
        taken = pool.sell(units, now, day)
        route.units_from_stock[day] += taken
        series, chain, first = route.series, route.chain, route.first
        product_name, channel_name = route.product_name, route.channel_name
        short = units - taken
        parts: list[tuple[_NodeState, int]] = [(first, taken)] if taken else []
        if pool.on_stockout == "next_node":
            for node in chain[1:]:
                other = self._pool(node, product_name, channel_name)
                self._receive_due(other, now)
                extra = other.take(short, now, day)
                self._replenish(other, now)
                if extra:
                    parts.append((node, extra))
                    series["units_next_node"][day] += extra
                    short -= extra
                if not short:
                    break
        if short and contacts is not None:
            contacts.short(region.name, channel_name, series, day, now)
        if short and pool.on_stockout == "lost":
            series["units_lost"][day] += short
            short = 0
            if not parts:
                series["orders_lost"][day] += 1
                self._replenish(pool, now)
                return
        record = _Order(route, now, deadline, len(parts) + (1 if short else 0), units,
                        waited=bool(short))
        if short and contacts is not None:
            contacts.waiting(record.arrival, region.name, channel_name, series, day, deadline)
        for node, _ in parts:
            shipped = node.ship_time(now)
            self._part_shipped(record, self._arrival(region, node, shipped), shipped)
        if short:
            series["units_backordered"][day] += short
            pool.account(now)
            pool.backordered += short
            pool.backorders.append([short, record])
            self._arm(pool)
        # After the backorder: the inventory position counts it.
        self._replenish(pool, now)

    def _arrival(self, region: RegionSales, node: _NodeState, shipped: float) -> float:
        """When a parcel shipped from ``node`` at ``shipped`` reaches the customer."""
        arrival = shipped + region.transit.next()
        if region.customs is not None and node.location != region.name:
            arrival += region.customs.next()
        return arrival

    def _part_shipped(self, record: _Order, arrival: float, shipped: float) -> None:
        record.parts -= 1
        record.latest = max(record.latest, arrival)
        record.last_shipped = max(record.last_shipped, shipped)
        if record.parts == 0:
            # The order has shipped: it is counted at the day's close (_Route.count_sent).
            route, day = record.route, int(record.placed // MINUTES_PER_DAY)
            route.sent.extend((day, record.placed, record.deadline, record.latest))
            if route.ship_within is not None:
                self._judge_shipping(route, day, record.placed, record.last_shipped)
            returned = bool(route.return_share) and self._may_return(
                route, day, record.latest, record.first, record.units)
            if self.contacts is not None:
                pool = self._pool(record.first, route.product_name, route.channel_name)
                self.contacts.shipped(
                    route.region.name, route.channel_name, route.product_name, record.units,
                    pool, route.series, day, record.placed, record.deadline, record.latest,
                    returned, waited=record.waited)

    def _judge_shipping(self, route: _Route, day: int, placed: float, shipped: float) -> None:
        """Against a marketplace's ship-by time: an order counts once that time falls due within
        the horizon, late if it left its node after it."""
        assert route.ship_within is not None
        ship_by = placed + route.ship_within
        if ship_by <= self.horizon:
            route.ship_due[day] += 1
            if shipped > ship_by:
                route.shipped_late[day] += 1

    def _may_return(
        self, route: _Route, day: int, arrival: float, node: _NodeState, units: int
    ) -> bool:
        """A shipped order of ``day`` that arrives by the horizon comes back with the product's
        return share, all its units to ``node``'s stock; True if it does."""
        if arrival <= self.horizon and self._return_draw.next() < route.return_share:
            route.series["returns"][day] += 1
            region = route.region
            if region.return_transit is not None:
                back = arrival + region.return_transit.next()
                pool = self._pool(node, route.product_name, route.channel_name)
                if back < self.horizon:
                    call_at(self.env, back, self._return, (pool, units))
            return True
        return False

    # Stock.

    def _replenish(self, pool: StockPool, now: float) -> None:
        if now < pool.opens:
            return  # a new node orders nothing before its first stock comes
        quantity = pool.order_quantity()
        if quantity:
            self._place(pool, quantity, now)

    def _open(self, event: Any) -> None:
        """A new node's first stock comes in: orders waiting ship, and replenishment starts
        for what was sold since."""
        pool: StockPool = event.value
        now = self.env._now
        self._receive_due(pool, now)
        self._replenish(pool, now)

    def _place(self, pool: StockPool, quantity: int, now: float) -> None:
        if pool.due <= now:
            self._receive_due(pool, now)  # levels are accounted in time order
        pool.place(quantity, now)
        if pool.backorders:
            self._arm(pool)

    # A receipt needs no event of its own: the pool applies the receipts that are due whenever
    # it is next used (an order, the end of a day). Only while orders wait for stock does the
    # next receipt get an event, so that they ship the moment it arrives.

    def _arm(self, pool: StockPool) -> None:
        """Make sure the next receipt of a pool with waiting orders has an event."""
        if pool.due < pool.armed:
            pool.armed = pool.due
            pool.version += 1
            call_at(self.env, pool.armed, self._receive_callback, (pool, pool.version))

    def _receive_due(self, pool: StockPool, now: float) -> None:
        """Apply every receipt of ``pool`` due by ``now``, each at its own time."""
        while pool.due <= now:
            if not pool.backorders:
                pool.receive_due(now)  # no order waits: nothing ships
                return
            when, _, quantity = pool.next_receipt()
            pool.account(when)
            pool.on_order -= quantity
            self._stock_in(pool, quantity, when, "receipts")

    def _stock_in(self, pool: StockPool, quantity: int, when: float, measure: str) -> None:
        """Units arrive at ``when``: they serve waiting orders first come, first served."""
        day = pool.day_of(when)
        pool.on_hand += quantity
        pool.series[measure][day] += quantity
        backorders = pool.backorders
        while backorders and pool.on_hand > 0:
            entry = backorders[0]
            give = min(entry[0], pool.on_hand)
            pool.on_hand -= give
            pool.backordered -= give
            pool.series["shipments"][day] += give
            entry[0] -= give
            if entry[0] == 0:
                backorders.popleft()
                record: _Order = entry[1]
                node = self.nodes[pool.node]
                shipped = node.ship_time(when)
                self._part_shipped(record, self._arrival(record.route.region, node, shipped),
                                   shipped)

    def _review(self, event: Any) -> None:
        pool: StockPool = event.value
        now = self.env._now
        quantity = pool.review_quantity() if now >= pool.opens else 0
        if quantity:
            self._place(pool, quantity, now)
        if now + pool.review_minutes < self.horizon:
            call_at(self.env, now + pool.review_minutes, self._review, pool)

    def _receive(self, event: Any) -> None:
        pool, version = event.value
        if version != pool.version:
            return  # a receipt earlier than this one was armed since
        pool.armed = math.inf
        self._receive_due(pool, self.env._now)
        if pool.backorders:
            self._arm(pool)

    def _return(self, event: Any) -> None:
        pool, units = event.value
        now = self.env._now
        self._receive_due(pool, now)
        pool.account(now)
        self._stock_in(pool, units, now, "returned")
        self._replenish(pool, now)

    # Days.

    def _count_whole(self) -> None:
        """Count the orders filled whole from their first node's stock, all placed on
        ``_whole_day``: at its close, or when an order of a later day comes first."""
        for route in self.routes:
            route.count_whole(self._whole_day)
        for pool in self.pools:
            pool.count_sold(self._whole_day)

    def close_day(self, day: int, now: float) -> None:
        for pool in self.pools:
            self._receive_due(pool, now)
            pool.close_day(day, now)
        self._count_whole()
        for route in self.routes:
            route.count_sent(self.horizon, self.counted_from)

    def close_run(self, now: float) -> None:
        """Close the last day and count the orders still waiting for stock."""
        self.close_day(self.days - 1, now)
        waiting: dict[int, _Order] = {}
        for pool in self.pools:
            for _, record in pool.backorders:
                waiting[id(record)] = record
        for record in waiting.values():
            route, day = record.route, int(record.placed // MINUTES_PER_DAY)
            route.series["backordered_at_end"][day] += 1
            if route.ship_within is not None:
                # Still waiting: late once its ship-by time has passed.
                self._judge_shipping(route, day, record.placed, math.inf)

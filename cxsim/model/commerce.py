"""Orders, stock, fulfilment and delivery, a UTC day at a time, in bulk.

Nothing in the rest of the world changes the commerce side: it only sends contacts to the
contact centre. So it runs ahead of the clock, one UTC day at a time, whenever the contact feed
asks for a day's contacts (``contacts_due``) or the run ends (``finish``), and every step works on
the day's arrays:

1. The day's orders of every region (``cxsim.model.ordering``), in time order.
2. Stock: each pool serves its own orders in one step (``StockPool.advance``). Pools are coupled
   only where a node ships what another lacks (``on_stockout: next_node``): such a group of pools
   moves in stretches up to its next order short of stock, found without changing anything
   (``StockPool.shortage``), which is then served one order at a time across the nodes. Lost
   sales stop a pool's stretch the same way, and an empty pool loses every order until its next
   stock comes in.
3. Fulfilment and delivery: every parcel of the day (shipped at once, from another node, or when
   the stock an order waited for came in) gets its node's ship time and its carrier's arrival.
4. Orders whose last parcel left are judged against their promise and their marketplace's ship-by
   time; some come back as returns (a stock-in of their first node, later); their contacts are
   drawn (``cxsim.model.order_contacts``). An order still waiting at the day's end is kept as an
   ``OpenOrder`` until its stock comes.

Every order ends in exactly one state: shipped (delivered or in transit at the horizon), lost
entirely, or waiting for stock at the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from cxsim.model.calendar import LocalClock
from cxsim.model.draws import sample_buffer, uniform_buffer
from cxsim.model.fulfilment import NodeShipping
from cxsim.model.local_dates import LocalDates
from cxsim.model.order_contacts import OrderContactSource
from cxsim.model.ordering import OpenOrder, OrderBatch, OrderBook, RegionOrders, Route
from cxsim.model.stock import StockPool
from cxsim.scenario.common import MINUTES_PER_DAY
from cxsim.scenario.models import Scenario

__all__ = ["Commerce"]


class _Group:
    """Pools that must move together: a pool whose shortfalls go to other nodes, and theirs."""

    __slots__ = ("exceptional", "pools")

    def __init__(self, pools: list[StockPool]) -> None:
        self.pools = pools
        # Pools whose stretch stops at an order short of stock (lost sales, or other nodes).
        self.exceptional = [p for p in pools if p.on_stockout != "backorder"]


class _Day:
    """What the orders of one day got, one array element per order (``OrderBatch`` order)."""

    __slots__ = ("at_once", "extra", "extra_parts", "filled", "filled_at", "lost", "residual")

    def __init__(self, size: int) -> None:
        self.at_once = np.zeros(size, dtype=np.int64)  # from the first pool, at once
        self.extra = np.zeros(size, dtype=np.int64)  # from other nodes, at once
        self.lost = np.zeros(size, dtype=np.int64)
        self.residual = np.zeros(size, dtype=np.int64)  # waiting for the first pool's stock
        self.filled_at = np.full(size, np.inf)  # when the last unit came (inf: still waits)
        self.extra_parts: list[tuple[int, NodeShipping]] = []
        # Orders whose rest came in today after they waited: (ids, minutes, pool) per step.
        self.filled: list[tuple[np.ndarray, np.ndarray, StockPool]] = []


class Commerce:
    """Takes orders, moves stock and ships parcels; records what happens, day by day.

    Args:
        scenario: the validated scenario.
        rng: the generator of a named stream of this replication.
    """

    def __init__(
        self, scenario: Scenario, rng: Callable[[str], np.random.Generator],
    ) -> None:
        self.scenario = scenario
        self.horizon = horizon = scenario.horizon_minutes
        self.days = math.ceil(horizon / MINUTES_PER_DAY)
        self.products = list(scenario.products)
        start = scenario.start_date
        self.dates = {name: LocalDates(LocalClock(start, spec.zone), start, horizon)
                      for name, spec in scenario.regions.items()}
        self.nodes = {name: NodeShipping(name, spec, self.dates[spec.location])
                      for name, spec in scenario.nodes.items()}
        self._rng = rng
        self.pools: list[StockPool] = []
        # The clock minute each new node's first stock arrives (nodes with first_inbound).
        self.first_inbound: dict[str, float] = {}
        for name, node in self.nodes.items():
            inbound, lead = node.spec.first_inbound, node.spec.first_inbound_lead_days
            if inbound is not None and lead is not None:
                ordered = (inbound.ordered - start).days * MINUTES_PER_DAY
                self.first_inbound[name] = ordered + float(sample_buffer(
                    lead, rng(f"first_inbound/{name}"), MINUTES_PER_DAY).take(1)[0])
            for product, item in node.spec.stock.items():
                for channel, share in (item.allocation or {"*": 1.0}).items():
                    pool = self._new_pool(node, product, channel, share, 0.0)
                    if name in self.first_inbound:
                        pool.arrives_later(self.first_inbound[name])
        self.regions: list[RegionOrders] = []
        self.routes: list[Route] = []
        products = list(scenario.products.items())
        for name, spec in scenario.regions.items():
            if spec.demand is None or spec.demand.orders_per_day <= 0:
                continue
            region = RegionOrders(name, scenario, rng, self.dates[name], len(self.routes))
            self.regions.append(region)
            for sales_channel in range(len(region.delivery.channels)):
                for index, (product, product_spec) in enumerate(products):
                    self.routes.append(Route(len(self.routes), region, sales_channel, index,
                                             product, product_spec.return_share))
        self.book = OrderBook(self.routes, max([d.count for d in self.dates.values()] or [1]))
        self.contacts = None if scenario.order_contacts is None else OrderContactSource(
            scenario, rng, self.book.add)
        self._return_draw = uniform_buffer(rng("returns"))
        self._groups: list[_Group] = []
        self._next_day = 0
        self._next_id = 0
        self.open_orders: dict[int, OpenOrder] = {}
        # Customers of waiting orders who will ask where it is: UTC day -> (order id, minute,
        # route, day of order), and the arrival of each such order once known (inf until then).
        self._asks: dict[int, list[tuple[int, float, int, int]]] = {}
        self._asking: dict[int, float] = {}
        # Per route and node, looked up once.
        self._node_index = {name: index for index, name in enumerate(self.nodes)}
        self._first_node = np.full(len(self.routes), -1, dtype=np.int64)
        self._first_pool = np.full(len(self.routes), -1, dtype=np.int64)
        self._issue_share = np.zeros(len(self.routes))
        regions = {id(region): index for index, region in enumerate(self.regions)}
        self._region_of_route = np.array([regions[id(r.region)] for r in self.routes],
                                         dtype=np.int64)
        self._abroad = np.array([[node.location != region.name for region in self.regions]
                                 for node in self.nodes.values()], dtype=bool).reshape(
                                     len(self.nodes), len(self.regions))
        self._shipping_cost = np.array([r.region.delivery.shipping_cost for r in self.routes])
        self._ship_within = np.array([r.region.delivery.ship_within[r.channel]
                                      for r in self.routes])
        self._return_share = np.array([r.return_share for r in self.routes])
        # Orders count in the statistics from the first whole day after the warm-up (local).
        counted = math.ceil(scenario.warmup_minutes / MINUTES_PER_DAY - 1e-9)
        self._counted_index = np.array([counted - r.region.dates.first for r in self.routes],
                                       dtype=np.int64)
        self._group_pools()

    # Set-up.

    def _new_pool(self, node: NodeShipping, product: str, channel: str, share: float,
                  created: float) -> StockPool:
        item = node.spec.stock[product]
        # Each pool draws its own lead times, so that pools can move in any order.
        suffix = "" if channel == "*" else f"/{channel}"
        lead = sample_buffer(item.lead_time_days,
                             self._rng(f"lead_time/{node.name}/{product}{suffix}"),
                             MINUTES_PER_DAY)
        pool = StockPool(node.name, product, channel, item, share, lead, node.dates,
                         self.horizon, created)
        node.pools[product, channel] = pool
        self.pools.append(pool)
        return pool

    def _pool(self, node: NodeShipping, product: str, channel: str, now: float) -> StockPool:
        pool = node.pools.get((product, "*")) or node.pools.get((product, channel))
        if pool is None:
            # A sales channel without an allocation at this node has a share of 0: no stock is
            # kept for it, and what it sells is ordered with the item's lead time and reviews.
            pool = self._new_pool(node, product, channel, 0.0, now)
            if node.name in self.first_inbound:
                pool.opens_at(self.first_inbound[node.name], now)
        return pool

    def _resolve(self, route: Route, now: float) -> None:
        """What orders of a route touch, found at its first order (``now``)."""
        region = route.region
        route.chain = [self.nodes[n] for n in self.scenario.nodes_for(region.name,
                                                                       route.product_name)]
        first = route.chain[0]
        route.pool = self._pool(first, route.product_name, route.channel_name, now)
        self._first_node[route.index] = self._node_index[first.name]
        self._first_pool[route.index] = next(i for i, p in enumerate(self.pools)
                                             if p is route.pool)
        if self.contacts is not None:
            self._issue_share[route.index] = self.contacts.issue_share.get(
                (first.name, route.product_name), 0.0)
        if route.pool.on_stockout == "next_node":
            for node in route.chain[1:]:
                self._pool(node, route.product_name, route.channel_name, now)
        self._group_pools()

    def _group_pools(self) -> None:
        """Pools joined by shortfalls sent to other nodes move together (union of routes)."""
        parent = {id(p): p for p in self.pools}

        def root(pool: StockPool) -> StockPool:
            while parent[id(pool)] is not pool:
                pool = parent[id(pool)]
            return pool

        for route in self.routes:
            if route.pool is not None and route.pool.on_stockout == "next_node":
                for node in route.chain[1:]:
                    other = self._pool(node, route.product_name, route.channel_name, 0.0)
                    parent[id(root(other))] = root(route.pool)
        members: dict[int, list[StockPool]] = {}
        for pool in self.pools:
            members.setdefault(id(root(pool)), []).append(pool)
        self._groups = [_Group(pools) for pools in members.values()]

    # Days.

    def advance(self, day: int) -> None:
        """Run every UTC day up to and including ``day``."""
        while self._next_day <= min(day, self.days - 1):
            self._run_day(self._next_day)
            self._next_day += 1

    def contacts_due(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The contacts orders bring on UTC day ``day``: (minutes, ``Route.index``, index in
        ``ORDER_REASONS``), in no particular order."""
        self.advance(day)
        assert self.contacts is not None
        return self.contacts.due(day)

    def _orders(self, day: int) -> OrderBatch:
        parts = [region.day(day) for region in self.regions]
        if not parts:
            empty = np.empty(0, dtype=np.int64)
            return OrderBatch(empty, np.empty(0), empty, empty, np.empty(0), empty)
        times, routes, units, deadlines, days = (np.concatenate(c) for c in zip(*parts,
                                                                                 strict=True))
        order = np.argsort(times, kind="stable")
        ids = self._next_id + np.arange(times.size, dtype=np.int64)
        self._next_id += times.size
        return OrderBatch(ids, times[order], routes[order], units[order], deadlines[order],
                          days[order])

    def _run_day(self, day: int) -> None:
        end = min((day + 1) * MINUTES_PER_DAY, self.horizon)
        batch = self._orders(day)
        routes = self.routes
        new = [r for r in np.unique(batch.routes).tolist() if routes[r].pool is None]
        for r in new:
            self._resolve(routes[r], float(batch.times[np.argmax(batch.routes == r)]))
        of_order = self._first_pool[batch.routes]
        by_pool = np.argsort(of_order, kind="stable")
        bounds = np.searchsorted(of_order[by_pool], np.arange(len(self.pools) + 1))
        mine = {id(pool): by_pool[bounds[i]:bounds[i + 1]] for i, pool in enumerate(self.pools)}
        outcome = _Day(batch.size)
        for group in self._groups:
            self._run_group(group, batch, mine, outcome, end)
        self._ship(batch, outcome)
        self._ask(day)

    def _run_group(self, group: _Group, batch: OrderBatch, mine: dict[int, np.ndarray],
                   outcome: _Day, end: float) -> None:
        times, units, ids = batch.times, batch.units, batch.ids
        cursor = {id(pool): 0 for pool in group.pools}
        while True:
            # The first order short of stock at a pool that cannot simply backorder it.
            cut, short_pool, short_at = end, None, 0
            for pool in group.exceptional:
                left = mine[id(pool)][cursor[id(pool)]:]
                if not left.size:
                    continue
                at = pool.shortage(times[left], units[left], end)
                if at < left.size and (times[left[at]] < cut or short_pool is None):
                    cut, short_pool, short_at = float(times[left[at]]), pool, at
            for pool in group.pools:
                left = mine[id(pool)][cursor[id(pool)]:]
                count = short_at if pool is short_pool else int(
                    np.searchsorted(times[left], cut, side="left"))
                served = left[:count]
                step = pool.advance(times[served], units[served], ids[served], cut)
                outcome.at_once[served] = step.at_once
                outcome.residual[served] = units[served] - step.at_once
                outcome.filled_at[served] = step.filled_at
                if step.waited_ids.size:
                    outcome.filled.append((step.waited_ids, step.waited_filled_at, pool))
                # Orders short of stock whose rest came in later in the same stretch.
                later = (step.at_once < units[served]) & np.isfinite(step.filled_at)
                if later.any():
                    outcome.filled.append((ids[served[later]], step.filled_at[later], pool))
                cursor[id(pool)] += count
            if short_pool is None:
                return
            index = int(mine[id(short_pool)][cursor[id(short_pool)]])
            cursor[id(short_pool)] += 1
            self._short(short_pool, batch, index, cut, outcome)
            if short_pool.on_stockout == "lost" and short_pool.on_hand == 0:
                # Nothing on hand until stock comes in: every order until then is lost whole.
                left = mine[id(short_pool)][cursor[id(short_pool)]:]
                lost = left[:int(np.searchsorted(times[left],
                                                 min(short_pool.next_stock_in(), end),
                                                 side="left"))]
                short_pool.lose(times[lost], units[lost])
                outcome.lost[lost] = units[lost]
                outcome.filled_at[lost] = times[lost]  # settled: nothing will ship
                cursor[id(short_pool)] += lost.size

    def _short(self, pool: StockPool, batch: OrderBatch, index: int, now: float,
               outcome: _Day) -> None:
        """An order short of stock at ``pool`` (its first), which loses or sends on what it
        lacks: served one order at a time, every pool involved having reached ``now``."""
        units = int(batch.units[index])
        taken = pool.sell(units, now)
        outcome.at_once[index] = taken
        short = units - taken
        route = self.routes[int(batch.routes[index])]
        if pool.on_stockout == "next_node":
            for node in route.chain[1:]:
                other = self._pool(node, route.product_name, route.channel_name, now)
                extra = other.take(short, now)
                other.check(now)
                if extra:
                    outcome.extra_parts.append((index, node))
                    outcome.extra[index] += extra
                    short -= extra
                if not short:
                    break
        if pool.on_stockout == "lost":
            outcome.lost[index] = short
            outcome.filled_at[index] = now
        elif short:
            outcome.residual[index] = short
            pool.backorder(int(batch.ids[index]), short)
        else:
            outcome.filled_at[index] = now
        pool.check(now)

    # Parcels, arrivals and judging.

    def _ship(self, batch: OrderBatch, outcome: _Day) -> None:
        """Ship the day's parcels and judge the orders whose last parcel left."""
        size, base = batch.size, self._next_id - batch.size
        # Earlier orders filled today join the day's orders, after them.
        reopened: list[tuple[int, OpenOrder]] = []
        owners, nodes, ready = [], [], []
        node_index = self._node_index
        for ids, when, pool in outcome.filled:
            index = ids - base
            for k in np.flatnonzero(ids < base).tolist():
                order_id = int(ids[k])
                reopened.append((order_id, self.open_orders.pop(order_id)))
                index[k] = size + len(reopened) - 1
            today = index < size
            outcome.filled_at[index[today]] = when[today]
            owners.append(index)
            nodes.append(np.full(ids.size, node_index[pool.node], dtype=np.int64))
            ready.append(when)
        earlier = [order for _, order in reopened]
        routes = np.concatenate((batch.routes, [o.route.index for o in earlier])).astype(np.int64)
        ids = np.concatenate((batch.ids, [i for i, _ in reopened])).astype(np.int64)
        # Parcels shipped at once from the first node, and from other nodes.
        at_once = np.flatnonzero(outcome.at_once > 0)
        extra = np.array([i for i, _ in outcome.extra_parts], dtype=np.int64)
        owners += [at_once, extra]
        nodes += [self._first_node[routes[at_once]],
                  np.array([node_index[n.name] for _, n in outcome.extra_parts], dtype=np.int64)]
        ready += [batch.times[at_once], batch.times[extra]]
        owner, node, ready_at = np.concatenate(owners), np.concatenate(nodes), np.concatenate(ready)
        shipped = np.empty(owner.size)
        for n, spec in enumerate(self.nodes.values()):
            here = node == n
            if owner.size and here.all():  # (every parcel from one node: no picking out)
                shipped[:] = spec.ship_times(ready_at)
            elif here.any():
                shipped[here] = spec.ship_times(ready_at[here])
        arrival = np.empty(owner.size)
        region = self._region_of_route[routes[owner]]
        for k, orders in enumerate(self.regions):
            here = region == k
            if owner.size and here.all():
                arrival[:] = orders.delivery.arrivals(shipped, self._abroad[node, k])
            elif here.any():
                arrival[here] = orders.delivery.arrivals(shipped[here],
                                                         self._abroad[node[here], k])
        # Per order: its latest parcel, and when its last parcel left.
        latest = np.concatenate((np.zeros(size), [o.latest for o in earlier]))
        last_shipped = np.concatenate((np.zeros(size), [o.last_shipped for o in earlier]))
        np.maximum.at(latest, owner, arrival)
        np.maximum.at(last_shipped, owner, shipped)
        self._count_placed(batch, outcome)
        # Orders still waiting at the day's end are kept until their stock comes.
        for i in np.flatnonzero((outcome.residual > 0) & np.isinf(outcome.filled_at)).tolist():
            self.open_orders[int(batch.ids[i])] = OpenOrder(
                self.routes[int(batch.routes[i])], float(batch.times[i]),
                float(batch.deadlines[i]), int(batch.days[i]), int(batch.units[i]),
                float(latest[i]), float(last_shipped[i]))
        # Orders whose last parcel left (an order lost whole has none).
        lost_whole = (outcome.at_once == 0) & (outcome.extra == 0) & (outcome.residual == 0)
        done = np.concatenate((np.flatnonzero(np.isfinite(outcome.filled_at) & ~lost_whole),
                               size + np.arange(len(earlier))))
        placed = np.concatenate((batch.times, [o.placed for o in earlier]))
        self._judge(
            ids[done], routes[done],
            np.concatenate((batch.days, [o.day for o in earlier])).astype(np.int64)[done],
            placed[done],
            np.concatenate((batch.deadlines, [o.deadline for o in earlier]))[done],
            latest[done], last_shipped[done],
            np.concatenate((batch.units, [o.units for o in earlier])).astype(np.int64)[done],
            np.concatenate((outcome.residual > 0, np.ones(len(earlier), dtype=bool)))[done],
        )

    def _judge_promises(self, routes: np.ndarray, days: np.ndarray, placed: np.ndarray,
                        arrivals: np.ndarray) -> None:
        """Orders of counted days judged against every whole-day promise at once, so that one
        run says which promise would hold (``OrderBook.promises``)."""
        counted = days >= self._counted_index[routes]
        region = self._region_of_route[routes]
        for k, orders in enumerate(self.regions):
            mine = counted & (region == k)
            if mine.any():
                judged, late = orders.delivery.promises_kept(placed[mine], arrivals[mine],
                                                             self.horizon)
                self.book.promises_kept(routes[mine], judged, late)

    def _count_placed(self, batch: OrderBatch, outcome: _Day) -> None:
        """What the day's orders got, on their day of order; and what their customers ask."""
        routes, days = batch.routes, batch.days
        tally = self.book.tally(routes, days)
        tally.add("orders")
        tally.add("units", values=batch.units)
        tally.add("units_from_stock", values=outcome.at_once)
        tally.add("units_next_node", values=outcome.extra)
        tally.add("units_backordered", values=outcome.residual)
        tally.add("units_lost", values=outcome.lost)
        tally.add("orders_lost", (outcome.lost > 0) & (outcome.at_once == 0) & (outcome.extra == 0))
        contacts = self.contacts
        if contacts is None:
            return
        contacts.placed(batch.times, routes, days)
        short = (outcome.residual > 0) | (outcome.lost > 0)
        contacts.short(batch.times[short], routes[short], days[short])
        waiting = np.flatnonzero(outcome.residual > 0)
        asking, when = contacts.waiting(batch.deadlines[waiting])
        for i, minute in zip(waiting[asking].tolist(), when.tolist(), strict=True):
            order_id = int(batch.ids[i])
            self._asking[order_id] = math.inf
            self._asks.setdefault(int(minute // MINUTES_PER_DAY), []).append(
                (order_id, minute, int(routes[i]), int(days[i])))

    def _judge(
        self, ids: np.ndarray, routes: np.ndarray, days: np.ndarray, placed: np.ndarray,
        deadlines: np.ndarray, arrivals: np.ndarray, last_shipped: np.ndarray,
        units: np.ndarray, waited: np.ndarray,
    ) -> None:
        """Orders whose last parcel has left, arriving at ``arrivals``: counted by day of order,
        judged against their promise and ship-by time, returned or not."""
        book, horizon = self.book, self.horizon
        tally = book.tally(routes, days)
        tally.add("shipped")
        tally.add("shipping_cost", values=self._shipping_cost[routes])
        # An order is judged once its deadline has passed within the horizon, delivered or
        # not: judging only delivered orders would leave out slow parcels still on their way.
        promised = deadlines <= horizon
        on_time = promised & (arrivals <= deadlines)
        tally.add("promised", promised)
        tally.add("on_time", on_time)
        tally.add("late", promised & ~on_time)
        delivered = arrivals <= horizon
        tally.add("delivered", delivered)
        tally.add("in_transit_at_end", ~delivered)
        minutes = arrivals - placed
        tally.add("delivery_minutes", delivered, minutes)
        counted = delivered & (days >= self._counted_index[routes])
        book.delivered(routes[counted], minutes[counted])
        self._judge_promises(routes, days, placed, arrivals)
        ship_by = placed + self._ship_within[routes]
        due = ship_by <= horizon
        tally.add("ship_due", due)
        tally.add("shipped_late", due & (last_shipped > ship_by))
        # Returns: delivered orders come back with their product's share, to their first pool.
        candidates = np.flatnonzero(delivered)
        returned = np.zeros(ids.size, dtype=bool)
        shares = self._return_share[routes[candidates]]
        chance = candidates[shares > 0]
        returned[chance] = self._return_draw.take(chance.size) < shares[shares > 0]
        tally.add("returns", returned)
        coming: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for k, orders in enumerate(self.regions):
            back = orders.delivery.return_transit
            mine = np.flatnonzero(returned & (self._region_of_route[routes] == k))
            if back is None or not mine.size:
                continue
            when = arrivals[mine] + back.take(mine.size)
            comes = when < horizon
            pools = self._first_pool[routes[mine]]
            for pool in np.unique(pools[comes]).tolist():
                these = comes & (pools == pool)
                coming.setdefault(pool, []).append((when[these], units[mine[these]]))
        for pool, parts in coming.items():
            self.pools[pool].returns(np.concatenate([t for t, _ in parts]),
                                     np.concatenate([u for _, u in parts]))
        for order_id, arrival in zip(ids[waited].tolist(), arrivals[waited].tolist(),
                                     strict=True):
            if order_id in self._asking:
                self._asking[order_id] = arrival
        if self.contacts is not None:
            issues = self.contacts.shipped(placed, deadlines, arrivals, waited,
                                           self._issue_share[routes], units, returned, routes,
                                           days)
            for r in np.unique(routes[issues]).tolist():
                route = self.routes[r]
                assert route.pool is not None
                these = issues & (routes == r)
                node_days = route.pool.dates.day(placed[these])
                route.pool.count("product_issue_contacts", node_days, np.ones(node_days.size))

    def _ask(self, day: int) -> None:
        """Customers of waiting orders ask where it is on ``day``, if it has not arrived."""
        asks = self._asks.pop(day, [])
        if not asks or self.contacts is None:
            return
        ids, when, routes, days = (np.array(column) for column in zip(*asks, strict=True))
        arrival = np.array([self._asking.pop(order_id) for order_id in ids.tolist()])
        asked = arrival > when
        self.contacts.send("wismo", when[asked], routes[asked].astype(np.int64),
                           days[asked].astype(np.int64))

    # The end of the run.

    def finish(self) -> None:
        """Run the remaining days and count the orders still waiting for stock."""
        self.advance(self.days - 1)
        if not self.open_orders:
            return
        orders = list(self.open_orders.values())
        routes = np.array([o.route.index for o in orders], dtype=np.int64)
        days = np.array([o.day for o in orders], dtype=np.int64)
        self.book.add("backordered_at_end", routes, days)
        # Still waiting: late once their ship-by time has passed.
        ship_by = np.array([o.placed for o in orders]) + self._ship_within[routes]
        due = ship_by <= self.horizon
        self.book.add("ship_due", routes[due], days[due])
        self.book.add("shipped_late", routes[due], days[due])

    def inventory(self) -> dict[tuple[str, str, str], dict[str, np.ndarray]]:
        """(node, product, sales channel or '*') -> measure -> value per local day of the node."""
        return {(pool.node, pool.product, pool.channel): pool.record() for pool in self.pools}

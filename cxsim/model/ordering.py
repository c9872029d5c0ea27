"""Ordering: the orders of a day as arrays with named fields, their routes, and their measures.

A region's orders arrive from its own source (``cxsim.model.arrivals.OrderArrivals``: when, on
which sales channel, for which product), each with its units (drawn per region and product) and
its promised deadline. An order's route (region x sales channel x product) says what it touches:
the nodes that can ship it, in order of preference, and the stock pool it asks first. What
happens to orders is counted per route and local day of the order in the region
(``ORDER_MEASURES``), with their order-to-door times in a histogram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cxsim.model.arrivals import OrderArrivals
from cxsim.model.delivery import PROMISE_DAYS_RECORDED, RegionDelivery
from cxsim.model.draws import DrawBuffer, sample_buffer
from cxsim.model.fulfilment import NodeShipping
from cxsim.model.local_dates import LocalDates
from cxsim.model.metrics import WAIT_BINS, wait_bins
from cxsim.model.order_contacts import ORDER_CONTACT_MEASURES
from cxsim.model.stock import StockPool
from cxsim.scenario.models import Scenario

__all__ = ["ORDER_MEASURES", "DayTally", "OpenOrder", "OrderBatch", "OrderBook", "RegionOrders",
           "Route"]

# Per-day measures of a region, sales channel and product, by the local day an order was placed:
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
_MEASURE = {name: index for index, name in enumerate(ORDER_MEASURES)}
# Orders of at most this many days are counted per route and day by one bincount; those of
# more days (a few that waited long) one at a time.
_FEW_DAYS = 4


class Route:
    """Orders of one region, sales channel and product: what they touch.

    ``chain`` (the nodes that can ship the product to the region, in order of preference) and
    ``pool`` (the stock the first of them keeps for the sales channel) are found at the first
    order (``Commerce``).
    """

    __slots__ = ("chain", "channel", "channel_name", "index", "pool", "product", "product_name",
                 "region", "return_share")

    def __init__(self, index: int, region: RegionOrders, channel: int, product: int,
                 product_name: str, return_share: float) -> None:
        self.index = index
        self.region = region
        self.channel = channel
        self.channel_name = region.delivery.channels[channel]
        self.product = product
        self.product_name = product_name
        self.return_share = return_share
        self.chain: list[NodeShipping] = []
        self.pool: StockPool | None = None


@dataclass
class OrderBatch:
    """Orders placed in a stretch of time, in time order, one array element per order.

    Attributes:
        ids: run-wide order numbers (consecutive).
        times: clock minute placed.
        routes: ``Route.index``.
        units: units ordered.
        deadlines: promised delivery minute (inf without a promise).
        days: local day of the region, as an index of its per-day series.
    """

    ids: np.ndarray
    times: np.ndarray
    routes: np.ndarray
    units: np.ndarray
    deadlines: np.ndarray
    days: np.ndarray

    @property
    def size(self) -> int:
        return int(self.times.size)


class OpenOrder:
    """An order that has not shipped whole by the end of the day it was placed: it waits for
    the stock of its first node."""

    __slots__ = ("day", "deadline", "last_shipped", "latest", "placed", "route", "units")

    def __init__(self, route: Route, placed: float, deadline: float, day: int, units: int,
                 latest: float, last_shipped: float) -> None:
        self.route = route
        self.placed = placed
        self.deadline = deadline
        self.day = day
        self.units = units
        self.latest = latest  # arrival of the parcels shipped so far (0 if none)
        self.last_shipped = last_shipped  # when the last of them left its node (0 if none)


class RegionOrders:
    """A region's orders: their source, units and promises.

    Args:
        name: the region.
        scenario: the validated scenario.
        rng: the generator of a named stream of this replication.
        dates: the region's local days.
        first_route: ``Route.index`` of the region's first route; its routes are numbered
            sales channel by sales channel, product by product.
    """

    def __init__(
        self, name: str, scenario: Scenario, rng: Callable[[str], np.random.Generator],
        dates: LocalDates, first_route: int,
    ) -> None:
        spec = scenario.regions[name]
        assert spec.demand is not None
        self.name = name
        self.dates = dates
        self.delivery = RegionDelivery(name, scenario, rng, dates)
        products = list(scenario.products.values())
        total = sum(p.demand_share for p in products) or 1.0
        self._arrivals = OrderArrivals(
            spec.demand, scenario.start_date, spec.zone, scenario.horizon_minutes,
            list(spec.demand.sales_channel_shares().values()),
            [p.demand_share / total for p in products],
            rng(f"order_arrivals/{name}"), rng(f"order_choice/{name}"),
            rng(f"order_forecast_error/{name}"), spec.launch_date,
        )
        # Units per order, drawn per region and product (a region's orders do not shift the
        # random numbers of another's).
        self._units: list[DrawBuffer | None] = [
            None if p.units_per_order is None
            else sample_buffer(p.units_per_order, rng(f"units/{name}/{product}"))
            for product, p in scenario.products.items()
        ]
        self._products = len(products)
        self.first_route = first_route

    def day(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                      np.ndarray]:
        """The orders placed on UTC day ``day``: minutes, routes, units, deadlines, and local
        days as series indices."""
        drawn = self._arrivals.day(day)
        units = np.ones(drawn.times.size, dtype=np.int64)
        for product, draws in enumerate(self._units):
            if draws is not None:
                mine = drawn.products == product
                count = int(mine.sum())
                if count:
                    units[mine] = np.maximum(1, np.ceil(draws.take(count))).astype(np.int64)
        routes = self.first_route + drawn.sales_channels * self._products + drawn.products
        deadlines = self.delivery.deadlines(drawn.sales_channels, drawn.times)
        days = self.dates.index(self.dates.day(drawn.times))
        return drawn.times, routes, units, deadlines, days


class DayTally:
    """Several measures of one set of orders, added to an ``OrderBook`` by route and day of
    order: where the orders sit in the book is worked out once, not once per measure.
    ``add`` gives the same sums as ``OrderBook.add`` on the orders chosen, bit for bit (an
    order left out adds zero)."""

    __slots__ = ("_book", "_days", "_first", "_key", "_routes", "_span")

    def __init__(self, book: OrderBook, routes: np.ndarray, days: np.ndarray) -> None:
        self._book, self._routes, self._days = book, routes, days
        self._key: np.ndarray | None = None
        self._first = self._span = 0
        if routes.size:
            first = int(days.min())
            span = int(days.max()) - first + 1
            if span <= _FEW_DAYS:
                self._key = routes * span + (days - first)
                self._first, self._span = first, span

    def add(self, measure: str, where: np.ndarray | None = None,
            values: np.ndarray | None = None) -> None:
        """Add ``values`` (one per order; 1 each if None) of the orders ``where`` marks (all if
        None) to ``measure``."""
        routes, days, key = self._routes, self._days, self._key
        if not routes.size or any(w is not None and not w.any() for w in (where, values)):
            return  # nothing to add (many measures are zero on most days)
        if key is None:
            # Orders of many days (an order that waited long): each chosen one in turn.
            if where is not None:
                routes, days = routes[where], days[where]
                values = None if values is None else values[where]
            self._book.add(measure, routes, days, 1.0 if values is None else values)
            return
        weights = (values if where is None else where if values is None
                   else np.where(where, values, 0.0))
        self._book._add_days(measure, key, self._first, self._span, weights)


class OrderBook:
    """The per-day measures and order-to-door histograms of every route.

    Args:
        routes: the routes.
        days: the most local days of any region.
    """

    def __init__(self, routes: list[Route], days: int) -> None:
        self.routes = routes
        self.values = np.zeros((len(routes), len(ORDER_MEASURES), days))
        self._flat = self.values.reshape(-1)
        self._days = days
        self.histograms = np.zeros((len(routes), WAIT_BINS), dtype=np.int64)
        # Per route and whole-day promise of 0 to PROMISE_DAYS_RECORDED days: the orders it
        # judges (its deadline passed within the run) and those it finds on time, counted days.
        self.promises = np.zeros((len(routes), 2, PROMISE_DAYS_RECORDED + 1), dtype=np.int64)

    def add(self, measure: str, routes: np.ndarray, days: np.ndarray,
            values: np.ndarray | float = 1.0) -> None:
        """Add ``values`` (one per order, or one for all) to a measure of each order's route
        and day."""
        if not routes.size:
            return
        first, last = int(days.min()), int(days.max())
        span = last - first + 1
        if span > _FEW_DAYS:
            at = (routes * len(ORDER_MEASURES) + _MEASURE[measure]) * self._days + days
            np.add.at(self._flat, at, values)
            return
        # Orders of a few days (most calls): one count per route and day, added at once.
        weights = values if isinstance(values, np.ndarray) else np.full(routes.size, values)
        self._add_days(measure, routes * span + (days - first), first, span, weights)

    def _add_days(self, measure: str, key: np.ndarray, first: int, span: int,
                  weights: np.ndarray | None) -> None:
        """Add ``weights`` (ones if None) at ``key`` (route x ``span`` + day - ``first``)."""
        sums = np.bincount(key, weights, minlength=len(self.routes) * span)
        self.values[:, _MEASURE[measure], first:first + span] += sums.reshape(-1, span)

    def tally(self, routes: np.ndarray, days: np.ndarray) -> DayTally:
        """The measures of a set of orders (their routes and days of order), to be added to
        this book measure by measure."""
        return DayTally(self, routes, days)

    def delivered(self, routes: np.ndarray, minutes: np.ndarray) -> None:
        """Order-to-door ``minutes`` of delivered orders, into their routes' histograms."""
        if routes.size:
            counts = np.bincount(routes * WAIT_BINS + wait_bins(minutes),
                                 minlength=len(self.routes) * WAIT_BINS)
            self.histograms += counts.reshape(-1, WAIT_BINS)

    def promises_kept(self, routes: np.ndarray, judged: np.ndarray, late: np.ndarray) -> None:
        """Add orders of ``routes`` to the counts of every candidate promise: each order is
        judged by the promises of fewer than ``judged`` days and found on time by those of at
        least ``late`` days (``RegionDelivery.promises_kept``)."""
        if not routes.size:
            return
        # A promise of c days judges the orders whose ``judged`` exceeds c, and finds on time
        # those of them whose ``late`` is at most c: both are differences of running counts.
        promises = self.promises.shape[2]

        def at_most(counts: np.ndarray) -> np.ndarray:
            """Per route and promise of c days, the orders whose count is at most c."""
            per_route = np.bincount(routes * (promises + 1) + counts,
                                    minlength=len(self.routes) * (promises + 1))
            summed: np.ndarray = np.cumsum(per_route.reshape(-1, promises + 1), axis=1)
            return summed

        not_judged = at_most(judged)
        self.promises[:, 0] += not_judged[:, -1:] - not_judged[:, :promises]
        self.promises[:, 1] += (at_most(np.minimum(late, judged)) - not_judged)[:, :promises]

    def promise_record(self) -> dict[tuple[str, str, str], np.ndarray]:
        """Route key -> (orders judged, orders on time) per whole-day promise of 0 to
        ``PROMISE_DAYS_RECORDED`` days: a 2 x (PROMISE_DAYS_RECORDED + 1) array."""
        return {(route.region.name, route.channel_name, route.product_name):
                self.promises[route.index].copy() for route in self.routes}

    def record(self) -> tuple[dict[tuple[str, str, str], dict[str, np.ndarray]],
                              dict[tuple[str, str, str], np.ndarray]]:
        """(route key -> measure -> value per local day, route key -> histogram)."""
        series, histograms = {}, {}
        for route in self.routes:
            key = (route.region.name, route.channel_name, route.product_name)
            count = route.region.dates.count
            series[key] = {measure: self.values[route.index, index, :count].copy()
                           for index, measure in enumerate(ORDER_MEASURES)}
            histograms[key] = self.histograms[route.index].copy()
        return series, histograms


"""Contacts that orders bring: which orders make their customer get in touch, why and when.

The commerce model tells this source what happened to a stretch of orders at once (placed, short
of stock, waiting for stock, shipped with a known arrival, returned); the source draws, for all
of them together, whether each customer gets in touch and when, counts each contact on its order's
day (``ORDER_CONTACT_MEASURES``) and keeps it, by UTC day, until the contact centre's feed takes
that day's contacts in time order. A contact due at or after the horizon is neither counted nor
kept, so the contacts counted on orders are exactly the contacts that reach the contact centre
from orders.

Where-is-my-order contacts come only from customers whose parcel has not arrived when they ask:
on its way before the promise (``before_promise``), or late after it (``when_late``). A customer
whose order waits for stock asks when it is late if it has not arrived by then: the commerce
model settles that question (``waiting`` gives when they would ask) once the order has shipped or
the moment has come.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cxsim.model.draws import sample_buffer, uniform_buffer
from cxsim.model.local_dates import whole_steps
from cxsim.scenario.common import MINUTES_PER_DAY, ORDER_REASONS
from cxsim.scenario.models import Scenario

__all__ = ["ORDER_CONTACT_MEASURES", "OrderContactSource"]

# Per-day measures of a region, sales channel and product (by day of order): the contacts its
# orders brought, by reason, counted when the contact is due within the horizon.
ORDER_CONTACT_MEASURES = {
    "product_issue": "product_issue_contacts",
    "wismo": "wismo_contacts",
    "stockout": "stockout_contacts",
    "returns": "return_contacts",
    "pre_sales": "pre_sales_contacts",
}
assert tuple(ORDER_CONTACT_MEASURES) == ORDER_REASONS

# count(measure, routes, days): add one to a measure of each order's route and day.
Counter = Callable[[str, np.ndarray, np.ndarray], None]


class OrderContactSource:
    """Draws the contacts of orders and keeps them for the contact centre, by UTC day.

    Args:
        scenario: the validated scenario (with ``order_contacts``).
        rng: the generator of a named stream of this replication.
        count: adds the contacts to the order measures of their routes and days.
    """

    def __init__(
        self, scenario: Scenario, rng: Callable[[str], np.random.Generator], count: Counter,
    ) -> None:
        spec = scenario.order_contacts
        assert spec is not None
        self.horizon = scenario.horizon_minutes
        self._count = count
        self._draw = uniform_buffer(rng("order_contacts"))
        self._issue_delay = sample_buffer(spec.product_issue.delay_days,
                                          rng("order_contacts/issue"), MINUTES_PER_DAY)
        self._wismo_delay = sample_buffer(spec.wismo.delay_hours, rng("order_contacts/wismo"),
                                          60.0)
        self._stockout_delay = sample_buffer(spec.stockout.delay_hours,
                                             rng("order_contacts/stockout"), 60.0)
        self._return_delay = sample_buffer(spec.returns.delay_days,
                                           rng("order_contacts/returns"), MINUTES_PER_DAY)
        self.pre_sales = spec.pre_sales.per_order
        self.stockout = spec.stockout.per_order
        self.before_promise = spec.wismo.before_promise
        self.when_late = spec.wismo.when_late
        self.per_return = spec.returns.per_return
        issue = spec.product_issue
        self.per_unit = issue.per_unit is not None
        # Product-issue share of an order by (node, product): a supplier's share first, then the
        # product's, then the default; per unit when per_unit is given.
        default = issue.per_unit if issue.per_unit is not None else issue.per_order
        self.issue_share: dict[tuple[str, str], float] = {}
        for node_name, node in scenario.nodes.items():
            for product, item in node.stock.items():
                share = issue.by_product.get(product, default)
                if item.supplier is not None:
                    share = issue.by_supplier.get(item.supplier, share)
                self.issue_share[node_name, product] = share
        self._reason = {reason: index for index, reason in enumerate(ORDER_REASONS)}
        # UTC day -> contacts due that day: (minutes, routes, reason indices) in parts.
        self._due: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}

    def _chance(self, share: float, count: int) -> np.ndarray:
        """Which of ``count`` orders a share ``share`` applies to."""
        if not share or not count:
            return np.zeros(count, dtype=bool)
        return self._draw.take(count) < share

    def send(self, reason: str, times: np.ndarray, routes: np.ndarray,
             days: np.ndarray) -> np.ndarray:
        """Contacts due at ``times`` about orders of ``routes`` placed on ``days``: counted and
        kept for the contact centre; returns which were (the others fall past the horizon)."""
        sent = times < self.horizon
        if not sent.any():
            return sent
        times, routes = times[sent], routes[sent]
        self._count(ORDER_CONTACT_MEASURES[reason], routes, days[sent])
        reasons = np.full(times.size, self._reason[reason], dtype=np.int64)
        utc_days = whole_steps(times, MINUTES_PER_DAY)
        order = np.argsort(utc_days, kind="stable")
        utc_days = utc_days[order]
        starts = np.flatnonzero(np.diff(utc_days, prepend=-1))
        for first, end in zip(starts.tolist(), [*starts[1:].tolist(), utc_days.size],
                              strict=True):
            part = order[first:end]
            self._due.setdefault(int(utc_days[first]), []).append(
                (times[part], routes[part], reasons[part]))
        return sent

    def due(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every contact due on UTC day ``day`` (minutes, routes, reason indices), taken away."""
        parts = self._due.pop(day, [])
        if not parts:
            empty = np.empty(0, dtype=np.int64)
            return np.empty(0), empty, empty
        times, routes, reasons = (np.concatenate(column) for column in zip(*parts, strict=True))
        return times, routes, reasons

    def placed(self, times: np.ndarray, routes: np.ndarray, days: np.ndarray) -> None:
        """Orders are placed: a share of them came with a question before buying."""
        asked = self._chance(self.pre_sales, times.size)
        self.send("pre_sales", times[asked], routes[asked], days[asked])

    def short(self, times: np.ndarray, routes: np.ndarray, days: np.ndarray) -> None:
        """Orders could not ship in full from stock at once (backordered or partly lost)."""
        asked = self._chance(self.stockout, times.size)
        self.send("stockout", times[asked] + self._stockout_delay.take(int(asked.sum())),
                  routes[asked], days[asked])

    def waiting(self, deadlines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Orders wait for stock: which customers would ask where the order is once it is late,
        and when (they ask only if it has not arrived by then, and only before the horizon)."""
        asking = np.isfinite(deadlines) & self._chance(self.when_late, deadlines.size)
        when = deadlines[asking] + self._wismo_delay.take(int(asking.sum()))
        asking[asking] = when < self.horizon
        return asking, when[when < self.horizon]

    def shipped(
        self, placed: np.ndarray, deadlines: np.ndarray, arrivals: np.ndarray,
        waited: np.ndarray, issue_shares: np.ndarray, units: np.ndarray, returned: np.ndarray,
        routes: np.ndarray, days: np.ndarray,
    ) -> np.ndarray:
        """Orders' last parcels have shipped and arrive at ``arrivals``. Orders that ``waited``
        for stock have had their late-order question settled by ``waiting``. Returns which
        orders brought a product-issue contact (to count on the stock they came from)."""
        judged = np.flatnonzero(~waited & np.isfinite(deadlines))
        if self.before_promise:
            asks = judged[self._chance(self.before_promise, judged.size)]
            share = self._draw.take(asks.size)
            when = placed[asks] + share * (deadlines[asks] - placed[asks])
            still = arrivals[asks] > when
            self.send("wismo", when[still], routes[asks[still]], days[asks[still]])
        if self.when_late:
            late = judged[arrivals[judged] > deadlines[judged]]
            asks = late[self._chance(self.when_late, late.size)]
            when = deadlines[asks] + self._wismo_delay.take(asks.size)
            still = arrivals[asks] > when
            self.send("wismo", when[still], routes[asks[still]], days[asks[still]])
        issues = np.zeros(placed.size, dtype=bool)
        if self.per_unit:
            issue_shares = np.where(units > 1, 1.0 - (1.0 - issue_shares) ** units, issue_shares)
        candidates = np.flatnonzero(issue_shares > 0)
        if candidates.size:
            hit = candidates[self._draw.take(candidates.size) < issue_shares[candidates]]
            when = arrivals[hit] + self._issue_delay.take(hit.size)
            issues[hit] = self.send("product_issue", when, routes[hit], days[hit])
        if self.per_return:
            back = np.flatnonzero(returned)
            back = back[self._chance(self.per_return, back.size)]
            self.send("returns", arrivals[back] + self._return_delay.take(back.size),
                      routes[back], days[back])
        return issues

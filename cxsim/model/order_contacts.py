"""Contacts that orders bring: which orders make their customer get in touch, why and when.

The commerce model tells this source what happens to an order (placed, short of stock, waiting
for stock, shipped with a known arrival, returned); the source draws whether the customer gets
in touch and when, counts the contact on the order's day (``ORDER_CONTACT_MEASURES``) and
schedules it for the contact centre, which picks the customer's language, segment and channel.
A contact due at or after the horizon is neither counted nor scheduled, so the contacts counted
on orders are exactly the contacts that reach the contact centre from orders.

Where-is-my-order contacts come only from customers whose parcel has not arrived when they ask:
on its way before the promise (``before_promise``), or late after it (``when_late``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import simpy

from cxsim.model.calendar import MINUTES_PER_DAY
from cxsim.model.draws import samples, uniforms
from cxsim.model.events import call_at
from cxsim.model.stock import StockPool
from cxsim.scenario.common import ORDER_REASONS
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

Series = dict[str, list[float]]


class OrderContactSource:
    """Draws the contacts of orders and schedules them for the contact centre.

    Args:
        env: the simpy environment.
        scenario: the validated scenario (with ``order_contacts``).
        rng: the generator of a named stream of this replication.
        deliver: the contact centre's callback; it receives an event whose value is (region,
            contact channel weights of the sales channel or None, reason index).
        reason_index: reason name -> index in the contact centre.
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        rng: Callable[[str], np.random.Generator],
        deliver: Callable[[Any], None],
        reason_index: Mapping[str, int],
    ) -> None:
        spec = scenario.order_contacts
        assert spec is not None
        self.env = env
        self.horizon = scenario.horizon_minutes
        self._deliver = deliver
        self._reason = {name: reason_index[name] for name in ORDER_REASONS}
        self._draw = uniforms(rng("order_contacts"))
        self._issue_delay = samples(spec.product_issue.delay_days, rng("order_contacts/issue"),
                                    MINUTES_PER_DAY)
        self._wismo_delay = samples(spec.wismo.delay_hours, rng("order_contacts/wismo"), 60.0)
        self._stockout_delay = samples(spec.stockout.delay_hours,
                                       rng("order_contacts/stockout"), 60.0)
        self._return_delay = samples(spec.returns.delay_days, rng("order_contacts/returns"),
                                     MINUTES_PER_DAY)
        self.pre_sales = spec.pre_sales.per_order
        self.stockout = spec.stockout.per_order
        self.before_promise = spec.wismo.before_promise
        self.when_late = spec.wismo.when_late
        self.per_return = spec.returns.per_return
        issue = spec.product_issue
        # Product-issue share of an order by (node, product): a supplier's share first, then the
        # product's, then the default; per unit when per_unit is given.
        self._per_unit = issue.per_unit is not None
        self._issue: dict[tuple[str, str], float] = {}
        default = issue.per_unit if issue.per_unit is not None else issue.per_order
        for node_name, node in scenario.nodes.items():
            for product, item in node.stock.items():
                share = issue.by_product.get(product, default)
                if item.supplier is not None:
                    share = issue.by_supplier.get(item.supplier, share)
                self._issue[node_name, product] = share
        # Contacts about a sales channel's orders go to its own contact channels, if it has any.
        self._weights = {
            name: dict(channel.contact_channels) or None
            for name, channel in scenario.sales_channels.items()
        }

    def _send(self, when: float, region: str, channel: str, reason: str, series: Series,
              day: int) -> bool:
        """Schedule a contact due at ``when``; False (nothing counted) past the horizon."""
        if when >= self.horizon:
            return False
        series[ORDER_CONTACT_MEASURES[reason]][day] += 1
        call_at(self.env, when, self._deliver,
                (region, self._weights.get(channel), self._reason[reason]))
        return True

    def placed(self, region: str, channel: str, series: Series, day: int, now: float) -> None:
        """An order is placed now: a share of them came with a question before buying."""
        if self.pre_sales and self._draw.next() < self.pre_sales:
            self._send(now, region, channel, "pre_sales", series, day)

    def short(self, region: str, channel: str, series: Series, day: int, now: float) -> None:
        """An order could not ship in full from stock at once (backordered or partly lost)."""
        if self.stockout and self._draw.next() < self.stockout:
            self._send(now + self._stockout_delay.next(), region, channel, "stockout", series,
                       day)

    def waiting(self, arrival: Callable[[], float], region: str, channel: str, series: Series,
                day: int, deadline: float) -> None:
        """An order waits for stock: if the customer asks when it is late, look at the order
        then; ``arrival()`` is its arrival time, or inf while it has not shipped."""
        if not self.when_late or math.isinf(deadline) or self._draw.next() >= self.when_late:
            return
        when = deadline + self._wismo_delay.next()
        if when >= self.horizon:
            return

        def ask(_event: Any) -> None:
            if arrival() > when:
                self._send(when, region, channel, "wismo", series, day)

        call_at(self.env, when, ask)

    def shipped(
        self, region: str, channel: str, product: str, units: int, pool: StockPool,
        series: Series, day: int, placed: float, deadline: float, arrival: float,
        returned: bool, waited: bool,
    ) -> None:
        """An order's last part has shipped from ``pool`` (its supplier's stock) and arrives at
        ``arrival``. Orders that ``waited`` for stock have had their late-order question
        settled by ``waiting``."""
        draw = self._draw
        if not waited and not math.isinf(deadline):
            if self.before_promise and draw.next() < self.before_promise:
                when = placed + draw.next() * (deadline - placed)
                if arrival > when:
                    self._send(when, region, channel, "wismo", series, day)
            if arrival > deadline and self.when_late and draw.next() < self.when_late:
                when = deadline + self._wismo_delay.next()
                if arrival > when:
                    self._send(when, region, channel, "wismo", series, day)
        share = self._issue.get((pool.node, product), 0.0)
        if share:
            if self._per_unit and units > 1:
                share = 1.0 - (1.0 - share) ** units
            if draw.next() < share and self._send(
                arrival + self._issue_delay.next(), region, channel, "product_issue", series, day
            ):
                pool.series["product_issue_contacts"][min(day, pool.days - 1)] += 1
        if returned and self.per_return and draw.next() < self.per_return:
            self._send(arrival + self._return_delay.next(), region, channel, "returns", series,
                       day)

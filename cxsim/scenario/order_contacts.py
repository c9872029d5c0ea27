"""Scenario models of the contacts that orders bring: why customers who bought get in touch.

Each reason has a probability per order (and, for product issues, per unit) and a delay from the
moment that triggers it. Without an ``order_contacts`` section orders bring no contacts; with one,
every reason it does not switch off takes the defaults below, which reproduce the mix seen across
online retailers: about half of the contacts report a product problem, about a third ask about
shipping or delivery (where is my order, backorders), the rest are pre-sales questions and
returns (with a 3-day promise kept for about nine orders in ten and a few percent of units
backordered).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from cxsim.scenario.base import Ref, Spec
from cxsim.scenario.common import ChannelWeights, Label, Probability
from cxsim.scenario.distributions import DelayDays, DelayHours, Exponential

__all__ = [
    "OrderContacts",
    "PreSales",
    "ProductIssue",
    "ReturnContacts",
    "StockoutContacts",
    "Wismo",
]

ProductName = Annotated[str, Ref("products")]


def _days(mean: float) -> Exponential:
    return Exponential(dist="exponential", mean=mean)


class ProductIssue(Spec):
    """Customers reporting a problem with what was delivered.

    ``per_order`` is the share of delivered orders with a problem; ``per_unit``, if given instead,
    the share of units (an order of n units has a problem with probability 1 - (1 - p)^n).
    ``by_product`` and ``by_supplier`` override the share (per order, or per unit when
    ``per_unit`` is given) for a product or for stock from a supplier (``nodes.<n>.stock.<p>
    .supplier``); a supplier's share comes first. The contact comes ``delay_days`` after delivery.
    """

    per_order: Probability = 0.12
    per_unit: Probability | None = None
    by_product: dict[ProductName, Probability] = Field(default_factory=dict)
    by_supplier: dict[Label, Probability] = Field(
        default_factory=dict
    )
    delay_days: DelayDays = _days(3.0)

    @model_validator(mode="after")
    def _per_order_or_per_unit(self) -> ProductIssue:
        if self.per_unit is not None and "per_order" in self.model_fields_set:
            raise ValueError("give per_order or per_unit, not both (a share of orders, or of "
                             "units)")
        return self


class Wismo(Spec):
    """Customers asking where their order is.

    ``when_late``: share of late orders whose customer asks once the promise has passed (after
    ``delay_hours``, if the parcel has still not arrived by then). ``before_promise``: share of
    orders asked about on their way, at a moment drawn uniformly between the order and the
    promise, if the parcel has not arrived by then.
    """

    before_promise: Probability = 0.05
    when_late: Probability = 0.50
    delay_hours: DelayHours = _days(6.0)


class StockoutContacts(Spec):
    """Customers whose order could not ship in full at once (backordered or partly lost) asking
    about it ``delay_hours`` after ordering."""

    per_order: Probability = 0.50
    delay_hours: DelayHours = _days(24.0)


class ReturnContacts(Spec):
    """Customers returning an order who get in touch about it, ``delay_days`` after delivery."""

    per_return: Probability = 0.50
    delay_days: DelayDays = _days(2.0)


class PreSales(Spec):
    """Questions before buying: a share of orders, asked at the moment the order is placed."""

    per_order: Probability = 0.03


class OrderContacts(Spec):
    """The contacts that orders bring, by reason.

    The customer's segment picks the channel (``segments.<s>.channel_mix_by_reason``, then its
    ``channel_mix``); ``channel_mix`` here serves customers whose segment gives none, and a sales
    channel's ``contact_channels`` (a marketplace's messages) takes precedence for its orders.
    """

    product_issue: ProductIssue = ProductIssue()
    wismo: Wismo = Wismo()
    stockout: StockoutContacts = StockoutContacts()
    returns: ReturnContacts = ReturnContacts()
    pre_sales: PreSales = PreSales()
    channel_mix: ChannelWeights = Field(default_factory=dict)

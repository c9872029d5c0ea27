"""Scenario models of the commerce side: demand, sales channels, products, stock and delivery."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from cxsim.scenario.base import Ref, Spec
from cxsim.scenario.common import (
    MAX_DELAY_DAYS,
    MAX_PER_DAY,
    MAX_UNITS,
    WEEKDAYS,
    ChannelWeights,
    Date,
    HourOfDay,
    Label,
    Money,
    Probability,
    PromiseDays,
    RegionName,
    Units,
    Weekday,
    Weight,
)
from cxsim.scenario.contacts import (
    ForecastErrorCv,
    GrowthPct,
    IntradayProfile,
    Peaks,
    PerDay,
    WeekdayFactors,
    calendar_factor,
    calendar_volumes,
    hourly_shares,
)
from cxsim.scenario.distributions import DelayDays, Distribution, LeadTimeDays, UnitsPerOrder

__all__ = [
    "RQ",
    "SS",
    "BaseStock",
    "Carrier",
    "Demand",
    "DemandRamp",
    "FirstInbound",
    "LevelFrom",
    "MarketplaceRules",
    "Node",
    "PeriodicReview",
    "Product",
    "SalesChannel",
    "SalesChannelName",
    "StockItem",
    "StockPolicy",
]

ProductName = Annotated[str, Ref("products")]
# Orders without a sales channel are web shop orders.
WEB_SHOP = "web"
SalesChannelName = Annotated[str, Ref("sales_channels", builtin=(WEB_SHOP,))]
# A reorder point: -1 reorders only once something is backordered.
ReorderPoint = Annotated[int, Field(ge=-1, le=MAX_UNITS)]


class DemandRamp(Spec):
    """How demand builds up after launch: from zero to steady state in ``days``."""

    kind: Literal["linear", "logistic"] = "linear"
    days: Annotated[float, Field(gt=0, le=MAX_DELAY_DAYS)]

    def share(self, days_since_launch: float) -> float:
        """Share of steady-state demand ``days_since_launch`` days after launch."""
        if days_since_launch >= self.days:
            return 1.0
        if days_since_launch <= 0:
            return 0.0
        x = days_since_launch / self.days
        if self.kind == "linear":
            return x
        # Logistic from about 1% to 99% of steady state over the ramp.
        low, high = 1 / (1 + math.exp(4.6)), 1 / (1 + math.exp(-4.6))
        return (1 / (1 + math.exp(-9.2 * (x - 0.5))) - low) / (high - low)


class Demand(Spec):
    """Orders of a region at steady state, shaped as contact forecasts are.

    Nothing is ordered before the region's ``launch_date``; ``ramp`` builds demand up after it.
    """

    orders_per_day: PerDay
    ramp: DemandRamp | None = None
    growth_pct_per_year: GrowthPct = 0.0
    weekday_factors: WeekdayFactors | None = None
    intraday_profile: IntradayProfile | None = None
    peaks: Peaks = Field(default_factory=list)
    forecast_error_cv: ForecastErrorCv = 0.0
    # Share of the region's orders per sales channel (default: all on the web shop).
    channel_shares: dict[SalesChannelName, Weight] = Field(default_factory=dict)

    @field_validator("intraday_profile")
    @classmethod
    def _some_hour(cls, profile: list[float] | None) -> list[float] | None:
        if profile is not None and sum(profile) <= 0:
            raise ValueError("every weight is zero (24 weights with a positive sum)")
        return profile

    @field_validator("channel_shares")
    @classmethod
    def _some_channel(cls, shares: dict[str, float]) -> dict[str, float]:
        if shares and sum(shares.values()) <= 0:
            raise ValueError(
                "every share is zero (shares of orders per sales channel with a positive sum)"
            )
        return shares

    def hourly_shares(self) -> tuple[float, ...]:
        return hourly_shares(self.intraday_profile)

    def weekday_volumes(self) -> tuple[float, ...]:
        factors = self.weekday_factors or [1.0] * 7
        return tuple(self.orders_per_day * f for f in factors)

    def day_factor(
        self, day: dt.date, start_date: dt.date, launch_date: dt.date | None = None
    ) -> float:
        """Ramp (from the launch, or the start), growth and peak multiplier of a local date."""
        factor = calendar_factor(day, start_date, self.growth_pct_per_year, self.peaks)
        if self.ramp is not None:
            factor *= self.ramp.share((day - (launch_date or start_date)).days + 0.5)
        return factor

    def daily_volumes(
        self, start_date: dt.date, days: int, launch_date: dt.date | None = None
    ) -> np.ndarray:
        """Expected orders of each local date from ``start_date`` (see ``calendar_volumes``)."""
        return calendar_volumes(self.weekday_volumes(), start_date, days,
                                self.growth_pct_per_year, self.peaks, launch_date,
                                None if self.ramp is None else self.ramp.share)

    def sales_channel_shares(self) -> dict[str, float]:
        shares = self.channel_shares or {WEB_SHOP: 1.0}
        total = sum(shares.values())
        return {name: share / total for name, share in shares.items() if share > 0}


class Carrier(Spec):
    """Delivery to a region: transit time from shipping, and customs for cross-border parcels."""

    transit_days: DelayDays
    # Added to parcels from a node located in another region.
    customs_days: DelayDays | None = None
    cost_per_order: Money = 0.0
    # Days for a returned parcel to come back to the node.
    return_transit_days: DelayDays | None = None


class MarketplaceRules(Spec):
    """Thresholds a marketplace enforces on its sellers, each reported as met or missed.

    Messages: at least ``responded_in_time_min`` of the messages on the sales channel's
    ``contact_channels`` get a first response within ``respond_within_hours`` (clock hours,
    weekends included). Shipping: at most ``late_shipment_rate_max`` of its orders ship later
    than ``ship_within_days`` after they were placed.
    """

    respond_within_hours: Annotated[float, Field(gt=0, le=8760)] = 24.0
    responded_in_time_min: Probability = 0.9
    ship_within_days: Annotated[float, Field(gt=0, le=365)] = 2.0
    late_shipment_rate_max: Probability = 0.04


class SalesChannel(Spec):
    """Where customers buy: the web shop, a marketplace, social commerce, click and collect.

    ``contact_channels`` (weights) sends every contact about an order of this sales channel to
    those contact channels (a marketplace's buyer messages) instead of the customer's own mix.
    """

    kind: Literal["web_shop", "marketplace", "social", "click_and_collect"] = "web_shop"
    # Overrides the region's promise for orders on this channel.
    promise_days: PromiseDays | None = None
    contact_channels: ChannelWeights = Field(default_factory=dict)
    rules: MarketplaceRules | None = None


class Product(Spec):
    """A product sold; shares split each region's orders between products."""

    demand_share: Weight = 1.0
    # Units per order (rounded up to whole units, at least 1); default one unit.
    units_per_order: UnitsPerOrder | None = None
    unit_cost: Money = 0.0
    price: Money = 0.0
    return_share: Probability = 0.0
    # The fill rate ``cxsim plan inventory`` plans this product's stock for (default: the
    # planner's --fill-rate).
    fill_rate_target: Annotated[float, Field(gt=0, lt=1)] | None = None


class BaseStock(Spec):
    """Order what was sold: keep the inventory position at ``level``."""

    kind: Literal["base_stock"]
    level: Units

    @property
    def target(self) -> int:
        return self.level

    @property
    def planned(self) -> int:
        """The level a schedule plans (``level``)."""
        return self.level

    def target_at(self, level: int) -> int:
        """The order-up-to level with ``level`` planned."""
        return level


class SS(Spec):
    """When the inventory position falls to ``s`` or below, order up to ``S``."""

    kind: Literal["s_S"]
    s: ReorderPoint
    S: Annotated[int, Field(ge=1, le=MAX_UNITS)]

    @field_validator("S")
    @classmethod
    def _above_s(cls, order_up_to: int, info: ValidationInfo) -> int:
        reorder = info.data.get("s")
        if reorder is not None and order_up_to <= reorder:
            raise ValueError(f"{order_up_to} is not above s {reorder} (S > s)")
        return order_up_to

    @property
    def target(self) -> int:
        return self.S

    @property
    def planned(self) -> int:
        """The level a schedule plans (``s``; S moves with it)."""
        return self.s

    def target_at(self, level: int) -> int:
        """The order-up-to level with ``level`` planned: S keeps its distance above s."""
        return level + self.S - self.s


class RQ(Spec):
    """When the inventory position falls to ``r`` or below, order ``Q`` (repeatedly if need be)."""

    kind: Literal["r_Q"]
    r: ReorderPoint
    Q: Annotated[int, Field(ge=1, le=MAX_UNITS)]

    @property
    def target(self) -> int:
        return self.r + self.Q

    @property
    def planned(self) -> int:
        """The level a schedule plans (``r``; Q stays)."""
        return self.r

    def target_at(self, level: int) -> int:
        """The order-up-to level with ``level`` planned: r + Q."""
        return level + self.Q


class PeriodicReview(Spec):
    """Every ``review_days``, order up to ``order_up_to``."""

    kind: Literal["periodic"]
    review_days: Annotated[float, Field(gt=0, le=365)]
    order_up_to: Units

    @field_validator("review_days")
    @classmethod
    def _at_least_an_hour(cls, days: float) -> float:
        if days < 1 / 24:
            raise ValueError(f"{days:g} is too short (at least an hour: 0.0417 days or more)")
        return days

    @property
    def target(self) -> int:
        return self.order_up_to

    @property
    def planned(self) -> int:
        """The level a schedule plans (``order_up_to``)."""
        return self.order_up_to

    def target_at(self, level: int) -> int:
        """The order-up-to level with ``level`` planned."""
        return level


StockPolicy = Annotated[BaseStock | SS | RQ | PeriodicReview, Field(discriminator="kind")]


class LevelFrom(Spec):
    """From the node's local midnight starting ``from_date``, the policy's level is ``level``.

    The level is the parameter a planner plans: base stock's ``level``, (s, S)'s ``s`` (S moves
    with it, keeping S - s), (r, Q)'s ``r`` (Q stays), periodic review's ``order_up_to``.
    """

    from_date: Date
    level: ReorderPoint


def _schedule_problems(schedule: list[LevelFrom], policy: StockPolicy) -> list[InitErrorDetails]:
    """What is wrong with a schedule of ``policy``'s levels, each at its entry's field."""
    problems: list[InitErrorDetails] = []

    def problem(index: int, field: str, value: object, message: str) -> None:
        problems.append(InitErrorDetails(type=PydanticCustomError("value_error", message),
                                         loc=(index, field), input=value))

    for index, entry in enumerate(schedule):
        if index and entry.from_date <= schedule[index - 1].from_date:
            problem(index, "from_date", entry.from_date,
                    f"{entry.from_date} is not after {schedule[index - 1].from_date} "
                    "(dates in increasing order)")
        level = entry.level
        if isinstance(policy, BaseStock | PeriodicReview) and level < 0:
            problem(index, "level", level,
                    f"{level} is too small (a whole number from 0 to {MAX_UNITS:,} for "
                    f"{policy.kind})")
        elif isinstance(policy, SS) and not 1 <= policy.target_at(level) <= MAX_UNITS:
            problem(index, "level", level,
                    f"{level} puts S at {policy.target_at(level):,} (a level whose S = level + "
                    f"{policy.S - policy.s:,} is from 1 to {MAX_UNITS:,})")
    return problems


class StockItem(Spec):
    """One product at one node: its replenishment policy and what happens when it runs out.

    With ``allocation`` the stock is split between sales channels (each share gets that share of
    the policy's levels and of the initial stock); without it, all channels share one pool.
    """

    policy: StockPolicy
    lead_time_days: LeadTimeDays
    on_stockout: Literal["backorder", "lost", "next_node"] = "backorder"
    # Units on hand at the start; default: the order-up-to level in force when the run starts
    # (on the node's local date at the clock's start: the start date, or the day before it in
    # a zone behind UTC).
    initial: Units | None = None
    holding_cost_per_unit_day: Money = 0.0
    allocation: dict[SalesChannelName, Probability] | None = None
    # Who supplies this stock: product issues can be set per supplier (order_contacts).
    supplier: Label | None = None
    # Levels planned by date (pre-building stock before a peak); the policy's own before them.
    schedule: Annotated[list[LevelFrom], Field(max_length=10_000)] = Field(
        default_factory=list)

    @field_validator("schedule")
    @classmethod
    def _schedule_fits(cls, schedule: list[LevelFrom], info: ValidationInfo) -> list[LevelFrom]:
        policy = info.data.get("policy")
        problems = _schedule_problems(schedule, policy) if policy is not None else []
        if problems:
            # Raised with each entry's location, so that the planner sees which field is wrong.
            raise ValidationError.from_exception_data("schedule", problems)
        return schedule

    def level_on(self, day: dt.date) -> int:
        """The planned level in force on local date ``day`` (see ``LevelFrom``)."""
        level = self.policy.planned
        for entry in self.schedule:
            if entry.from_date > day:
                break
            level = entry.level
        return level

    def target_on(self, day: dt.date) -> int:
        """The order-up-to level in force on local date ``day``: base stock's level, S, r + Q,
        or periodic review's order-up-to level."""
        return self.policy.target_at(self.level_on(day))

    @field_validator("allocation")
    @classmethod
    def _shares_add_up(cls, shares: dict[str, float] | None) -> dict[str, float] | None:
        if shares is not None and abs(sum(shares.values()) - 1.0) > 1e-6:
            raise ValueError(
                f"shares add up to {sum(shares.values()):g} (shares of stock adding up to 1)"
            )
        return shares


class FirstInbound(Spec):
    """The first stock of a new node: ordered on a date, it arrives after a (long) lead time.

    Until it arrives the node has nothing on hand; each product's first shipment is its
    ``initial`` stock (default: the order-up-to level in force when the run starts, see
    ``StockItem.initial``), all in one consignment whose lead time is ``lead_time_days``
    (default: the first product's lead time).
    """

    ordered: Date
    lead_time_days: LeadTimeDays | None = None


class Node(Spec):
    """A fulfillment node (own warehouse, third-party logistics, a marketplace's network).

    It serves ``serves`` in that order of preference among nodes; without ``cutoff_hour`` and
    ``capacity_per_day`` an order ships the moment it is placed (or its stock arrives).
    """

    serves: Annotated[list[RegionName], Field(min_length=1)]
    kind: Literal["own", "3pl", "marketplace"] = "own"
    # Where the node is, for customs; default: the first region it serves.
    located_in: RegionName | None = None
    capacity_per_day: Annotated[int, Field(ge=1, le=10 * MAX_PER_DAY)] | None = None
    working_days: Annotated[list[Weekday], Field(min_length=1)] = Field(
        default_factory=lambda: list(WEEKDAYS)
    )
    cutoff_hour: HourOfDay | None = None
    stock: Annotated[dict[ProductName, StockItem], Field(min_length=1)]
    first_inbound: FirstInbound | None = None

    @property
    def location(self) -> str:
        return self.located_in or self.serves[0]

    @property
    def first_inbound_lead_days(self) -> Distribution | None:
        """Lead time of the first inbound, days: its own, or the first product's (None without
        a first inbound)."""
        if self.first_inbound is None:
            return None
        return self.first_inbound.lead_time_days or next(iter(self.stock.values())).lead_time_days

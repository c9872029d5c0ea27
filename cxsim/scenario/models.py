"""The scenario: a frozen, typed description of what is simulated.

Field names carry their units (``_s``, ``_minutes``, ``_hours``, ``_days``, ``_pct``). Every
model rejects unknown keys; the loader (``cxsim.scenario.loading``) turns validation failures
into one line per problem: ``path.to.field: what is wrong (what is allowed)``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import zoneinfo
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cxsim.scenario.base import Spec
from cxsim.scenario.commerce import (
    Carrier,
    Demand,
    FirstInbound,
    MarketplaceRules,
    Node,
    Product,
    SalesChannel,
    SalesChannelName,
)
from cxsim.scenario.common import (
    LAST_DATE,
    MAX_BUSIEST_DAY,
    MAX_HORIZON_DAYS,
    MINUTES_PER_DAY,
    WEEKDAYS,
    ChannelName,
    Date,
    HourOfDay,
    LanguageName,
    LeadDays,
    Name,
    NameText,
    Percent,
    PromiseDays,
    Weekday,
    Weight,
)
from cxsim.scenario.contacts import (
    AsyncChannel,
    AsyncTarget,
    Bot,
    Channel,
    Chase,
    ContactVolume,
    Peak,
    Reason,
    Retry,
    Segment,
    SyncChannel,
    SyncTarget,
)
from cxsim.scenario.order_contacts import (
    OrderContacts,
    PreSales,
    ProductIssue,
    ReturnContacts,
    StockoutContacts,
    Wismo,
)
from cxsim.scenario.problems import cut, number_text
from cxsim.scenario.teams import Hire, Ramp, Shift, Team

__all__ = [
    "AsyncChannel",
    "AsyncTarget",
    "Bot",
    "Carrier",
    "Channel",
    "Chase",
    "ContactVolume",
    "Demand",
    "FirstInbound",
    "Hire",
    "MarketplaceRules",
    "Node",
    "OpeningHours",
    "OrderContacts",
    "Peak",
    "PreSales",
    "Preparation",
    "Product",
    "ProductIssue",
    "Ramp",
    "Reason",
    "Region",
    "Retry",
    "ReturnContacts",
    "SalesChannel",
    "Scenario",
    "Segment",
    "Shift",
    "StockoutContacts",
    "SyncChannel",
    "SyncTarget",
    "Team",
    "Wismo",
]

@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class OpeningHours(Spec):
    """Hours a channel is open on some weekdays, in the region's local time."""

    days: Annotated[list[Weekday], Field(min_length=1)]
    start_hour: HourOfDay
    end_hour: HourOfDay

    @model_validator(mode="after")
    def _ends_after_start(self) -> OpeningHours:
        if self.end_hour <= self.start_hour:
            raise ValueError(
                f"end_hour {self.end_hour:g} is not after start_hour {self.start_hour:g} "
                "(0 <= start_hour < end_hour <= 24)"
            )
        return self

    def weekday_numbers(self) -> list[int]:
        return [WEEKDAYS.index(day) for day in self.days]


class Preparation(Spec):
    """Something a launch needs done first (entity and tax registration, a marketplace account):
    it takes ``lead_days`` from the day it is ``started`` (None: not started yet)."""

    lead_days: LeadDays
    started: Date | None = None


class Region(Spec):
    """A market the business sells to and supports, with its own clock and languages.

    ``languages`` gives the share of customers per language (default: one language); a channel
    missing from ``opening_hours`` is open around the clock. A region with a ``launch_date``
    has no orders and no forecast contacts before that local date; ``preparation`` lists what
    must be done before it (stock and agents are checked from the nodes and teams).
    """

    timezone: Annotated[str, Field(max_length=64)]
    languages: dict[LanguageName, Weight] | None = None
    launch_date: Date | None = None
    preparation: dict[Name, Preparation] = Field(default_factory=dict)
    # Commerce: orders, the delivery promise (days) and the carrier that delivers here.
    demand: Demand | None = None
    promise_days: PromiseDays | None = None
    # A sales channel's promise in this region, over the sales channel's and the region's.
    promise_days_by_channel: dict[SalesChannelName, PromiseDays] = Field(default_factory=dict)
    promise_rule: Literal["hours", "end_of_day", "business_days"] = "hours"
    carrier: Carrier | None = None
    opening_hours: dict[ChannelName, Annotated[list[OpeningHours], Field(min_length=1)]] = (
        Field(default_factory=dict)
    )

    @field_validator("languages")
    @classmethod
    def _some_language(cls, languages: dict[str, float] | None) -> dict[str, float] | None:
        if languages is not None and sum(languages.values()) <= 0:
            raise ValueError("no language has a positive share (shares of customers by language)")
        return languages

    def language_shares(self) -> dict[str, float]:
        """Share of customers per language; one unnamed language when none are given."""
        if not self.languages:
            return {"": 1.0}
        total = sum(self.languages.values())
        return {name: share / total for name, share in self.languages.items() if share > 0}

    @field_validator("timezone")
    @classmethod
    def _is_iana_zone(cls, name: str) -> str:
        if name not in _known_time_zones():
            close = difflib.get_close_matches(name[:100], sorted(_known_time_zones()), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(
                f"'{cut(name)}' is not an IANA time zone ({hint}a zone name such as "
                "Europe/Berlin)"
            )
        return name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Scenario(Spec):
    """Everything one simulation needs; times are minutes since 00:00 UTC of ``start_date``."""

    name: NameText
    start_date: Date
    horizon_days: Annotated[float, Field(gt=0, le=MAX_HORIZON_DAYS)]
    warmup_days: Annotated[float, Field(ge=0, lt=MAX_HORIZON_DAYS)] = 0.0
    interval_minutes: Annotated[int, Field(gt=0, le=MINUTES_PER_DAY)] = 60
    regions: Annotated[dict[Name, Region], Field(min_length=1)]
    channels: dict[Name, Channel] = Field(default_factory=dict)
    contact_volume: list[ContactVolume] = Field(default_factory=list)
    teams: dict[Name, Team] = Field(default_factory=dict)
    reasons: dict[Name, Reason] = Field(default_factory=dict)
    segments: dict[Name, Segment] = Field(default_factory=dict)
    # Unified customer context: a chase joins the open contact, and switched and repeat
    # contacts are handled faster by omnichannel_handle_saving_pct; siloed channels do neither.
    omnichannel: bool = False
    omnichannel_handle_saving_pct: Percent = 25.0
    products: dict[Name, Product] = Field(default_factory=dict)
    sales_channels: dict[Name, SalesChannel] = Field(default_factory=dict)
    nodes: dict[Name, Node] = Field(default_factory=dict)
    # Contacts that orders bring; without this section orders bring none.
    order_contacts: OrderContacts | None = None

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_not_datetime(cls, value: object) -> object:
        if isinstance(value, dt.datetime):
            raise ValueError(f"'{value}' has a time of day (a date such as 2027-01-04)")
        return value

    @field_validator("horizon_days")
    @classmethod
    def _horizon_ends_in_the_calendar(cls, horizon: float, info: ValidationInfo) -> float:
        start = info.data.get("start_date")
        last = (LAST_DATE - start).days + 1 if start is not None else None
        if last is not None and horizon > last:
            raise ValueError(f"{horizon:g} days from {start} end after {LAST_DATE} (at most "
                             f"{last:g} days from this start_date)")
        return horizon

    @field_validator("warmup_days")
    @classmethod
    def _warmup_shorter_than_horizon(cls, warmup: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon_days")
        if horizon is not None and warmup >= horizon:
            raise ValueError(
                f"{warmup:g} is not shorter than horizon_days {horizon:g} "
                f"(0 <= warmup_days < horizon_days)"
            )
        return warmup

    @field_validator("interval_minutes")
    @classmethod
    def _interval_divides_day(cls, minutes: int) -> int:
        if MINUTES_PER_DAY % minutes:
            raise ValueError(
                f"{minutes} does not divide a day into whole intervals "
                "(a divisor of 1440 such as 15, 30 or 60)"
            )
        return minutes

    def consistency_problems(self) -> list[tuple[str, str]]:
        """Problems that involve several fields, as (field path, message) pairs."""
        problems = []
        # Statistics start with the first reporting interval after the warm-up: it must begin
        # before the horizon ends, or nothing is counted.
        first_counted = math.ceil(self.warmup_minutes / self.interval_minutes - 1e-9)
        if first_counted * self.interval_minutes >= self.horizon_minutes:
            longest = (math.ceil(self.horizon_minutes / self.interval_minutes - 1e-9) - 1) * (
                self.interval_minutes / MINUTES_PER_DAY)
            problems.append((
                "warmup_days",
                f"{self.warmup_days:g} leaves no reporting interval to count (with horizon_days "
                f"{self.horizon_days:g} and interval_minutes {self.interval_minutes}: at most "
                f"{longest:.4g})",
            ))
        for index, volume in enumerate(self.contact_volume):
            for language in self.regions[volume.region].language_shares():
                if not self.teams_for(volume.region, volume.channel, language):
                    who = f" speaking {language}" if language else ""
                    problems.append((
                        f"contact_volume.{index}",
                        f"no team{who} serves channel {volume.channel} in region {volume.region} "
                        f"(add {volume.channel} to the channels of a team in {volume.region}"
                        f"{' that speaks ' + language if language else ''}, or let a team of "
                        "another region help with overflow_after_s)",
                    ))
        problems += self._volume_problems()
        problems += self._commerce_problems()
        if self.segments:
            total = sum(segment.share for segment in self.segments.values())
            if abs(total - 1.0) > 1e-6:
                problems.append((
                    "segments", f"shares add up to {total:g} (shares of customers adding up to 1)"
                ))
        spoken = {
            language for region in self.regions.values() for language in region.language_shares()
        }
        for name, team in self.teams.items():
            home = self.regions[team.region].language_shares()
            reachable = (spoken if team.overflow_after_s is not None else set(home)) - {""}
            for language in team.languages or []:
                # Regions without named languages take any team; named ones must match.
                if reachable and language not in reachable:
                    where = "any region" if team.overflow_after_s is not None else (
                        f"region {team.region}")
                    known = ", ".join(sorted(reachable))
                    problems.append((
                        f"teams.{name}.languages",
                        f"no customer of {where} speaks '{language}' (languages of the "
                        f"region: {known})",
                    ))
            overlap = team.shift_overlap_problem()
            if overlap is not None:
                problems.append((f"teams.{name}.shifts", overlap))
            roster = team.roster_problem()
            if roster is not None:
                problems.append((f"teams.{name}.{roster[0]}", roster[1]))
            for channel in team.priorities:
                if channel not in team.channels:
                    problems.append((
                        f"teams.{name}.priorities.{channel}",
                        f"{channel} is not among the team's channels "
                        f"(one of: {', '.join(team.channels)})",
                    ))
        return problems

    def _volume_problems(self) -> list[tuple[str, str]]:
        """Forecasts and demand whose busiest day, with weekday factors, growth and peaks
        together, is more than a run can take."""
        days = math.ceil(self.horizon_days)
        entries = [(f"contact_volume.{i}", "contacts", v.daily_volumes(self.start_date, days))
                   for i, v in enumerate(self.contact_volume)]
        entries += [(f"regions.{name}.demand", "orders",
                     region.demand.daily_volumes(self.start_date, days))
                    for name, region in self.regions.items() if region.demand is not None]
        problems = []
        for where, noun, volumes in entries:
            busiest = float(volumes.max()) if volumes.size else 0.0
            if busiest > MAX_BUSIEST_DAY:
                problems.append((where, (
                    f"its busiest day brings about {number_text(round(busiest))} {noun} (at most "
                    f"{MAX_BUSIEST_DAY:,} a day with weekday factors, growth and peaks together)"
                )))
        return problems

    def _commerce_problems(self) -> list[tuple[str, str]]:
        problems = []
        for name, region in self.regions.items():
            if region.demand is None or region.demand.orders_per_day == 0:
                continue
            if not self.products:
                problems.append((f"regions.{name}.demand", "orders need products (a products "
                                 "mapping such as {widget: {}})"))
            elif not any(product.demand_share > 0 for product in self.products.values()):
                problems.append(("products", "every demand_share is zero (shares of orders per "
                                 "product with a positive sum)"))
            if region.carrier is None:
                problems.append((f"regions.{name}.carrier", "is missing: orders need a carrier "
                                 "(carrier: {transit_days: {dist: ..., ...}})"))
            for product, spec in self.products.items():
                if spec.demand_share > 0 and not self.nodes_for(name, product):
                    problems.append((
                        f"regions.{name}.demand",
                        f"no node serves {name} with {product} (a node with {name} in serves "
                        f"and {product} in its stock)",
                    ))
            if region.promise_rule != "hours":
                selling = region.demand.sales_channel_shares()
                for days, where in [(region.promise_days, f"regions.{name}.promise_days"),
                                    *((c.promise_days, f"sales_channels.{c_name}.promise_days")
                                      for c_name, c in self.sales_channels.items()
                                      if c_name in selling),
                                    *((d, f"regions.{name}.promise_days_by_channel.{c_name}")
                                      for c_name, d in region.promise_days_by_channel.items()
                                      if c_name in selling)]:
                    if days is not None and days != int(days):
                        problems.append((where, f"{days:g} is not a whole number of days "
                                         f"(whole days with promise_rule {region.promise_rule})"))
        for name, channel in self.sales_channels.items():
            if channel.rules is not None and not channel.contact_channels:
                problems.append((
                    f"sales_channels.{name}.rules",
                    "the message rule is measured on the sales channel's own messages (give "
                    "contact_channels, such as {marketplace_messages: 1})",
                ))
        return problems + self._order_contact_problems()

    def _order_contact_problems(self) -> list[tuple[str, str]]:
        contacts = self.order_contacts
        if contacts is None:
            return []
        selling = [name for name, region in self.regions.items()
                   if region.demand is not None and region.demand.orders_per_day > 0]
        if not selling:
            return [("order_contacts", "no region has orders (give a region demand, or leave "
                     "order_contacts out)")]
        problems = []
        suppliers = {item.supplier for node in self.nodes.values()
                     for item in node.stock.values() if item.supplier is not None}
        for supplier in contacts.product_issue.by_supplier:
            if supplier not in suppliers:
                known = ", ".join(sorted(suppliers)) or "none named"
                problems.append((
                    f"order_contacts.product_issue.by_supplier.{supplier}",
                    f"no stock comes from supplier '{supplier}' (suppliers of "
                    f"nodes.<n>.stock.<p>.supplier: {known})",
                ))
        own_mix = bool(contacts.channel_mix) or (bool(self.segments) and all(
            segment.channel_mix or segment.channel_mix_by_reason
            for segment in self.segments.values()
        ))
        routed = all(
            self.sales_channels[c].contact_channels if c in self.sales_channels else False
            for name in selling
            for c in self.regions[name].demand.sales_channel_shares()  # type: ignore[union-attr]
        )
        if not own_mix and not routed:
            problems.append((
                "order_contacts.channel_mix",
                "is missing: customers who bought need channels to get in touch on (give "
                "weights such as {email: 0.5, chat: 0.3, phone: 0.2}, or a channel_mix for "
                "every segment)",
            ))
        return problems

    def promise_days_for(self, region: str, sales_channel: str) -> float | None:
        """The delivery promise, in days, of orders placed in ``region`` on ``sales_channel``.

        The region's own promise for that sales channel (``promise_days_by_channel``) comes
        first, then the sales channel's ``promise_days``, then the region's; None: no promise.
        """
        spec = self.regions[region]
        if sales_channel in spec.promise_days_by_channel:
            return spec.promise_days_by_channel[sales_channel]
        channel = self.sales_channels.get(sales_channel)
        if channel is not None and channel.promise_days is not None:
            return channel.promise_days
        return spec.promise_days

    def nodes_for(self, region: str, product: str) -> list[str]:
        """Nodes that can ship ``product`` to ``region``, in order of preference."""
        return [name for name, node in self.nodes.items()
                if region in node.serves and product in node.stock]

    def speaks(self, team: Team, language: str) -> bool:
        """Whether ``team`` can take contacts in ``language`` ('' when the region has none)."""
        if team.languages is None:
            return language in self.regions[team.region].language_shares()
        return language in team.languages or language == ""

    def teams_for(self, region: str, channel: str, language: str) -> list[str]:
        """Teams that take contacts of a queue: its region's first, then overflow teams."""
        home = [
            name for name, team in self.teams.items()
            if team.region == region and channel in team.channels and self.speaks(team, language)
        ]
        overflow = [
            name for name, team in self.teams.items()
            if team.region != region and team.overflow_after_s is not None
            and channel in team.channels and self.speaks(team, language)
        ]
        return home + overflow

    @property
    def queues(self) -> list[tuple[str, str, str]]:
        """(region, channel, language) of every queue: each channel in each region and language.

        Channels nobody in a region serves still have a queue, so that every contact that ends
        up there is counted; customers choosing a channel only pick channels that are served.
        """
        return [
            (region, channel, language)
            for region, spec in self.regions.items()
            for language in spec.language_shares()
            for channel in self.channels
        ]

    @property
    def horizon_minutes(self) -> float:
        return self.horizon_days * MINUTES_PER_DAY

    @property
    def warmup_minutes(self) -> float:
        return self.warmup_days * MINUTES_PER_DAY

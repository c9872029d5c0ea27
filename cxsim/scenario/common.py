"""Field types shared by the scenario models: names, text, dates, numbers with bounds, weekdays.

Every number a scenario holds has a range a planner could mean, checked on loading: the bounds
below are where they live (the README's field tables give them too). They also keep every run
finite: no volume, headcount or stock so large that a run cannot end, no delay so long that it
leaves the calendar, no date outside 2000 to 2100.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from cxsim.scenario.base import Ref
from cxsim.scenario.problems import cut

__all__ = [
    "FIRST_DATE",
    "GENERAL_REASON",
    "LAST_DATE",
    "MAX_BUSIEST_DAY",
    "MAX_DELAY_DAYS",
    "MAX_FACTOR",
    "MAX_HEADCOUNT",
    "MAX_HORIZON_DAYS",
    "MAX_MONEY",
    "MAX_PER_DAY",
    "MAX_PROMISE_DAYS",
    "MAX_UNITS",
    "MAX_WEIGHT",
    "MINUTES_PER_DAY",
    "ORDER_REASONS",
    "QUARTER_MINUTES",
    "WEEKDAYS",
    "ChannelName",
    "ChannelWeights",
    "Count",
    "Date",
    "Factor",
    "Headcount",
    "HourOfDay",
    "Label",
    "LanguageName",
    "LeadDays",
    "Money",
    "Name",
    "NameText",
    "NonNegative",
    "Percent",
    "Positive",
    "Probability",
    "PromiseDays",
    "ReasonName",
    "RegionName",
    "Seconds",
    "TeamName",
    "Text",
    "Units",
    "Weekday",
    "Weight",
]

# The clock's units, one home for every layer: minutes in a day, and the quarter-hour step that
# local-time profiles, opening hours and shifts are resolved in (it covers every real UTC offset).
MINUTES_PER_DAY = 1440
QUARTER_MINUTES = 15

# The calendar a scenario may use: its dates, and the end of its horizon.
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
# The simulated span: ten years.
MAX_HORIZON_DAYS = 3660
# Lead times and delays: ten years.
MAX_DELAY_DAYS = 3650
# A delivery promise: a year.
MAX_PROMISE_DAYS = 365
# Contacts or orders a day of one forecast entry or region (its busiest day may reach ten times
# this with weekday factors, growth and peaks).
MAX_PER_DAY = 1_000_000
MAX_BUSIEST_DAY = 10 * MAX_PER_DAY
# Agents of a team, or of one hire.
MAX_HEADCOUNT = 100_000
# Units of stock: levels, order quantities, initial stock.
MAX_UNITS = 1_000_000_000
# Costs and prices, per unit, order or hour.
MAX_MONEY = 1_000_000_000
# Weights and shares that are normalised where they are used (channel mixes, languages).
MAX_WEIGHT = 1_000_000
# Multipliers of a volume (weekday factors, calendar peaks).
MAX_FACTOR = 100


def _printable(text: str) -> str:
    if not text.isprintable():
        raise ValueError(f"'{cut(text, 40)}' holds characters that cannot be printed "
                         "(printable text: no line breaks, tabs or control characters)")
    return text


Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=64)]
# Free text shown in outputs (a scenario's name, a peak's): printable characters only, so that
# nothing from a file reaches a terminal as a control sequence.
Text = Annotated[str, Field(max_length=200), AfterValidator(_printable)]
NameText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
# A name written freely, such as a supplier's: printable, up to 64 characters.
Label = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_printable)]
Date = Annotated[dt.date, Field(strict=False, ge=FIRST_DATE, le=LAST_DATE)]
Probability = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT)]
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR)]
Headcount = Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)]
Units = Annotated[int, Field(ge=0, le=MAX_UNITS)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]
LeadDays = Annotated[int, Field(ge=0, le=MAX_DELAY_DAYS)]
PromiseDays = Annotated[float, Field(ge=0, le=MAX_PROMISE_DAYS)]
# Seconds a contact may wait (targets, overflow): up to a day.
Seconds = Annotated[float, Field(ge=0, le=86_400)]
# Any other number: bounded too, if only loosely.
Positive = Annotated[float, Field(gt=0, le=1e9)]
NonNegative = Annotated[float, Field(ge=0, le=1e9)]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
# Hours of the local day, in quarter hours: 8 is 08:00, 17.5 is 17:30, 24 is midnight at the end.
HourOfDay = Annotated[float, Field(ge=0, le=24, multiple_of=0.25)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

RegionName = Annotated[str, Ref("regions")]
ChannelName = Annotated[str, Ref("channels")]
# Contacts without a reason have the reason 'general': first-contact resolution 1.
GENERAL_REASON = "general"
# Contact reasons that orders bring (``order_contacts``).
ORDER_REASONS = ("product_issue", "wismo", "stockout", "returns", "pre_sales")
ReasonName = Annotated[str, Ref("reasons", builtin=(GENERAL_REASON, *ORDER_REASONS))]
TeamName = Annotated[str, Ref("teams")]
LanguageName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=32)]


def _some_weight(weights: dict[str, float]) -> dict[str, float]:
    if weights and sum(weights.values()) <= 0:
        raise ValueError("every weight is zero (channel weights with a positive sum)")
    return weights


# Weights of the channels a customer picks from, such as {chat: 0.6, email: 0.4}.
ChannelWeights = Annotated[dict[ChannelName, Weight], AfterValidator(_some_weight)]

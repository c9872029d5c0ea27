"""Field types shared by the scenario models: names, numbers with bounds, weekdays, hours."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from cxsim.scenario.base import Ref

__all__ = [
    "GENERAL_REASON",
    "MINUTES_PER_DAY",
    "ORDER_REASONS",
    "QUARTER_MINUTES",
    "WEEKDAYS",
    "ChannelName",
    "ChannelWeights",
    "Count",
    "HourOfDay",
    "LanguageName",
    "Name",
    "NonNegative",
    "Percent",
    "Positive",
    "Probability",
    "ReasonName",
    "RegionName",
    "TeamName",
    "Weekday",
]

# The clock's units, one home for every layer: minutes in a day, and the quarter-hour step that
# local-time profiles, opening hours and shifts are resolved in (it covers every real UTC offset).
MINUTES_PER_DAY = 1440
QUARTER_MINUTES = 15

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=64)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0)]
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
ChannelWeights = Annotated[dict[ChannelName, NonNegative], AfterValidator(_some_weight)]

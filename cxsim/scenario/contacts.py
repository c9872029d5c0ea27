"""Scenario models of the customer side: channels, bots, reasons, segments and contact forecasts."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from cxsim.scenario.base import Spec
from cxsim.scenario.common import (
    GENERAL_REASON,
    MAX_FACTOR,
    MAX_PER_DAY,
    ChannelName,
    ChannelWeights,
    Date,
    Factor,
    Percent,
    Probability,
    ReasonName,
    RegionName,
    Seconds,
    Text,
    Weight,
)
from cxsim.scenario.distributions import (
    MIN_CV,
    Exponential,
    FollowUpHours,
    HandleMinutes,
    RetryMinutes,
)

__all__ = [
    "AsyncChannel",
    "AsyncTarget",
    "Bot",
    "Channel",
    "Chase",
    "ContactVolume",
    "ForecastErrorCv",
    "GrowthPct",
    "IntradayProfile",
    "Peak",
    "Peaks",
    "PerDay",
    "Reason",
    "Retry",
    "Segment",
    "SyncChannel",
    "SyncTarget",
    "WeekdayFactors",
]

# Customers who retry or chase: some give up for good, or a contact nobody answers would come
# back without end.
RepeatProbability = Annotated[float, Field(ge=0, le=0.99)]
# A response target: within a year.
ResponseHours = Annotated[float, Field(gt=0, le=8760)]
# Volumes of a forecast entry (and of a region's orders).
PerDay = Annotated[float, Field(ge=0, le=MAX_PER_DAY)]
PerHour = Annotated[float, Field(ge=0, le=40_000)]  # under MAX_PER_DAY over a day
WeekdayFactors = Annotated[list[Factor], Field(min_length=7, max_length=7)]
IntradayProfile = Annotated[list[Weight], Field(min_length=24, max_length=24)]
GrowthPct = Annotated[float, Field(gt=-100, le=1000)]


def _no_or_some_error(cv: float) -> float:
    if 0 < cv < MIN_CV:
        raise ValueError(f"{cv:g} is too small to matter (0 for none, or from {MIN_CV:g} to 2)")
    return cv


# A day-level forecast error: none (0), or a coefficient of variation from 0.01 to 2.
ForecastErrorCv = Annotated[float, Field(ge=0, le=2), AfterValidator(_no_or_some_error)]


class SyncTarget(Spec):
    """Service-level target of a live channel: a share answered within a number of seconds."""

    answer_within_s: Seconds = 20.0
    service_level: Probability = 0.8
    # Some centres leave out callers who hang up before the target; the default counts them.
    exclude_abandons_within_target: bool = False


class AsyncTarget(Spec):
    """Response target of a backlog channel: a share first answered within a number of hours."""

    # 64% of customers who value fast response expect an answer within one day.
    respond_within_hours: ResponseHours = 24.0
    service_level: Probability = 0.9


class Bot(Spec):
    """A bot or self-service that resolves a share of contacts before they reach an agent.

    ``deflect_share`` applies to every reason unless ``by_reason`` names it; a share
    ``escalate_share`` of deflected contacts still asks for an agent afterwards.
    """

    deflect_share: Probability = 0.0
    by_reason: dict[ReasonName, Probability] = Field(default_factory=dict)
    escalate_share: Probability = 0.0

    def share_for(self, reason: str) -> float:
        return self.by_reason.get(reason, self.deflect_share)


class SyncChannel(Spec):
    """A live channel (phone, chat): customers wait in a queue and may give up."""

    kind: Literal["sync"]
    handle_minutes: HandleMinutes
    # None: customers never abandon (unless their segment gives a patience for this channel).
    patience_minutes: HandleMinutes | None = None
    target: SyncTarget = SyncTarget()
    # Contacts one agent carries at once (chat). Each extra one slows all of them down: with n in
    # hand, each runs at 1 / (1 + slowdown (n - 1)) of full speed.
    concurrency: Annotated[int, Field(ge=1, le=20)] = 1
    slowdown_per_extra_contact_pct: Percent = 0.0
    bot: Bot | None = None


class AsyncChannel(Spec):
    """A backlog channel (email, social, marketplace messages): work waits for an agent."""

    kind: Literal["async"]
    handle_minutes: HandleMinutes
    target: AsyncTarget = AsyncTarget()
    bot: Bot | None = None


Channel = Annotated[SyncChannel | AsyncChannel, Field(discriminator="kind")]


# A customer comes back about one matter (by retries, chases and follow-ups together) only while
# they have come back fewer times than this: a bound on loops that depend on input (retries at
# once with no patience, chases after a moment, contacts that never settle anything).
MaxRepeats = Annotated[int, Field(ge=0, le=10)]


class Reason(Spec):
    """Why customers get in touch, and how often one contact settles it."""

    # At least one contact in ten settles it: each follow-up can bring another, so a share near
    # zero would bring contacts without end.
    first_contact_resolution: Annotated[float, Field(ge=0.1, le=1)] = 1.0
    # An unresolved contact brings the customer back after this delay, while they have come
    # back fewer than max_follow_ups times about the matter.
    follow_up_delay_hours: FollowUpHours = Exponential(dist="exponential", mean=24.0)
    max_follow_ups: MaxRepeats = 10


class Retry(Spec):
    """What a customer who abandons a live channel does next.

    With ``probability`` the customer comes back after ``delay_minutes`` on a channel drawn from
    ``switch[channel they left]`` (weights); a channel missing from ``switch`` is retried as is.
    A customer retries only while they have come back fewer than ``max_retries`` times about
    the matter (retries, chases and follow-ups together).
    """

    probability: RepeatProbability
    delay_minutes: RetryMinutes = Exponential(dist="exponential", mean=15.0)
    switch: dict[ChannelName, dict[ChannelName, Weight]] = Field(default_factory=dict)
    max_retries: MaxRepeats = 10


class Chase(Spec):
    """What a customer whose message is not answered in time does: chase it on another channel.

    A customer chases only while they have come back fewer than ``max_chases`` times about the
    matter (retries, chases and follow-ups together).
    """

    # At least a minute: a chase is a new message, which can be chased in turn.
    after_hours: Annotated[float, Field(ge=1 / 60, le=8760)]
    probability: RepeatProbability
    channels: Annotated[dict[ChannelName, Weight], Field(min_length=1)]
    max_chases: MaxRepeats = 10


class Segment(Spec):
    """A group of customers with the same channel habits and patience.

    ``channel_mix`` (weights) picks the channel of contacts that have none yet and the next
    channel when one is closed; ``channel_mix_by_reason`` overrides it per reason.
    """

    share: Probability
    channel_mix: ChannelWeights = Field(default_factory=dict)
    channel_mix_by_reason: dict[ReasonName, dict[ChannelName, Weight]] = Field(
        default_factory=dict
    )
    patience_minutes: dict[ChannelName, HandleMinutes] = Field(default_factory=dict)
    retry: Retry | None = None
    chase: Chase | None = None

    def mix_for(self, reason: str) -> dict[str, float]:
        return self.channel_mix_by_reason.get(reason, self.channel_mix)


class Peak(Spec):
    """A calendar event (Black Friday, a sale) that multiplies volume on local dates."""

    start: Date
    end: Date
    factor: Annotated[float, Field(gt=0, le=MAX_FACTOR)]
    name: Text = ""

    @field_validator("end")
    @classmethod
    def _end_not_before_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"{end} is before start {start} (end >= start)")
        return end

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


# Calendar events of a forecast: a hundred a year for ten years at most.
Peaks = Annotated[list[Peak], Field(max_length=1000)]


def hourly_shares(profile: list[float] | None) -> tuple[float, ...]:
    """Share of a day's volume in each local hour 00-23 (sums to 1); flat without a profile."""
    weights = profile or [1.0] * 24
    total = sum(weights)
    return tuple(w / total for w in weights)


def calendar_factor(
    day: dt.date, start_date: dt.date, growth_pct_per_year: float, peaks: list[Peak]
) -> float:
    """Growth (compounding from the start date) and calendar-peak multiplier of a local date."""
    factor: float = (1.0 + growth_pct_per_year / 100.0) ** ((day - start_date).days / 365.0)
    for peak in peaks:
        if peak.covers(day):
            factor *= peak.factor
    return factor


def calendar_volumes(
    per_weekday: Sequence[float], start_date: dt.date, days: int, growth_pct_per_year: float,
    peaks: Sequence[Peak], launch_date: dt.date | None = None,
    ramp: Callable[[float], float] | None = None,
) -> np.ndarray:
    """Expected volume of each local date ``start_date + i``, ``i < days``.

    The weekday's volume x growth x the peaks that cover the date (as ``calendar_factor``) x
    the ramp's share ``ramp(days since launch + 0.5)``; nothing before the launch date. The
    day-level forecast error is left out: its mean is 1.
    """
    index = np.arange(days)
    volumes = np.asarray(per_weekday, dtype=np.float64)[(start_date.weekday() + index) % 7]
    volumes *= (1.0 + growth_pct_per_year / 100.0) ** (index / 365.0)
    # Each peak adds its log factor from its first day and takes it off after its last.
    log_factors = np.zeros(days + 1)
    for peak in peaks:
        first, last = (peak.start - start_date).days, (peak.end - start_date).days
        if last >= 0 and first < days:
            log_factors[max(first, 0)] += math.log(peak.factor)
            log_factors[min(last + 1, days)] -= math.log(peak.factor)
    volumes *= np.exp(np.cumsum(log_factors)[:days])
    if launch_date is not None:
        launch = (launch_date - start_date).days
        volumes[index < launch] = 0.0
        if ramp is not None:
            volumes *= [ramp(i - launch + 0.5) for i in range(days)]
    elif ramp is not None:
        volumes *= [ramp(i + 0.5) for i in range(days)]
    return volumes


class ContactVolume(Spec):
    """Forecast contacts of one region, channel and reason.

    Either ``per_hour`` (constant around the clock) or ``per_day`` with optional
    ``weekday_factors`` (Monday first, multipliers of ``per_day``) and ``intraday_profile``
    (24 weights for the local hours 00-23, normalised to shares of the day). Growth compounds
    from the start date; peaks multiply the days they cover; ``forecast_error_cv`` draws one
    gamma multiplier (mean 1) per local day, the error of a real forecast.
    """

    region: RegionName
    channel: ChannelName
    reason: ReasonName | None = None
    per_hour: PerHour | None = None
    per_day: PerDay | None = None
    weekday_factors: WeekdayFactors | None = None
    intraday_profile: IntradayProfile | None = None
    growth_pct_per_year: GrowthPct = 0.0
    peaks: Peaks = Field(default_factory=list)
    forecast_error_cv: ForecastErrorCv = 0.0

    @model_validator(mode="after")
    def _one_volume(self) -> ContactVolume:
        if (self.per_hour is None) == (self.per_day is None):
            raise ValueError(
                "give exactly one of per_hour or per_day (per_hour: constant volume; "
                "per_day: with optional weekday_factors and intraday_profile)"
            )
        if self.per_hour is not None and (
            self.weekday_factors is not None or self.intraday_profile is not None
        ):
            raise ValueError(
                "weekday_factors and intraday_profile shape a per_day volume "
                "(use per_day instead of per_hour)"
            )
        if self.intraday_profile is not None and sum(self.intraday_profile) <= 0:
            raise ValueError("intraday_profile is all zero (24 weights with a positive sum)")
        return self

    @property
    def reason_name(self) -> str:
        return self.reason or GENERAL_REASON

    def hourly_shares(self) -> tuple[float, ...]:
        """Share of a day's contacts in each local hour 00-23 (sums to 1)."""
        return hourly_shares(self.intraday_profile)

    def weekday_volumes(self) -> tuple[float, ...]:
        """Contacts per day for Monday to Sunday, before growth, peaks and forecast error."""
        if self.per_hour is not None:
            return (self.per_hour * 24,) * 7
        assert self.per_day is not None
        factors = self.weekday_factors or [1.0] * 7
        return tuple(self.per_day * f for f in factors)

    def day_factor(
        self, day: dt.date, start_date: dt.date, launch_date: dt.date | None = None
    ) -> float:
        """Growth and peak multiplier of a local date (contacts start at full volume on the
        region's launch, before which the arrivals give none)."""
        return calendar_factor(day, start_date, self.growth_pct_per_year, self.peaks)

    def daily_volumes(
        self, start_date: dt.date, days: int, launch_date: dt.date | None = None
    ) -> np.ndarray:
        """Expected contacts of each local date from ``start_date`` (see ``calendar_volumes``)."""
        return calendar_volumes(self.weekday_volumes(), start_date, days,
                                self.growth_pct_per_year, self.peaks, launch_date)

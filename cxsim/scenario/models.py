"""The scenario: a frozen, typed description of what is simulated.

Field names carry their units (``_s``, ``_minutes``, ``_hours``, ``_days``, ``_pct``). Every
model rejects unknown keys; the loader (``cxsim.scenario.loading``) turns validation failures
into one line per problem: ``path.to.field: what is wrong (what is allowed)``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import zoneinfo
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cxsim.scenario.base import Ref, Spec
from cxsim.scenario.distributions import Distribution

__all__ = [
    "AsyncChannel",
    "AsyncTarget",
    "Channel",
    "ContactVolume",
    "Region",
    "Scenario",
    "SyncChannel",
    "SyncTarget",
    "Team",
]

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=64)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
RegionName = Annotated[str, Ref("regions")]
ChannelName = Annotated[str, Ref("channels")]

MINUTES_PER_DAY = 1440


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class Region(Spec):
    """A market the business sells to and supports, with its own clock."""

    timezone: str

    @field_validator("timezone")
    @classmethod
    def _is_iana_zone(cls, name: str) -> str:
        if name not in _known_time_zones():
            close = difflib.get_close_matches(name, sorted(_known_time_zones()), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(
                f"'{name}' is not an IANA time zone ({hint}a zone name such as Europe/Berlin)"
            )
        return name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class SyncTarget(Spec):
    """Service-level target of a live channel: a share answered within a number of seconds."""

    answer_within_s: NonNegative = 20.0
    service_level: Probability = 0.8
    # Some centres leave out callers who hang up before the target; the default counts them.
    exclude_abandons_within_target: bool = False


class AsyncTarget(Spec):
    """Response target of a backlog channel: a share first answered within a number of hours."""

    # 64% of customers who value fast response expect an answer within one day.
    respond_within_hours: Positive = 24.0
    service_level: Probability = 0.9


class SyncChannel(Spec):
    """A live channel (phone, chat): customers wait in a queue and may give up."""

    kind: Literal["sync"]
    handle_minutes: Distribution
    # None: customers never abandon.
    patience_minutes: Distribution | None = None
    target: SyncTarget = SyncTarget()


class AsyncChannel(Spec):
    """A backlog channel (email, social, marketplace messages): work waits for an agent."""

    kind: Literal["async"]
    handle_minutes: Distribution
    target: AsyncTarget = AsyncTarget()


Channel = Annotated[SyncChannel | AsyncChannel, Field(discriminator="kind")]


class ContactVolume(Spec):
    """Forecast contacts of one region and channel.

    Either ``per_hour`` (constant around the clock) or ``per_day`` with optional
    ``weekday_factors`` (Monday first, multipliers of ``per_day``) and ``intraday_profile``
    (24 weights for the local hours 00-23, normalised to shares of the day).
    """

    region: RegionName
    channel: ChannelName
    per_hour: NonNegative | None = None
    per_day: NonNegative | None = None
    weekday_factors: Annotated[list[NonNegative], Field(min_length=7, max_length=7)] | None = None
    intraday_profile: Annotated[list[NonNegative], Field(min_length=24, max_length=24)] | None = (
        None
    )

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

    def hourly_shares(self) -> tuple[float, ...]:
        """Share of a day's contacts in each local hour 00-23 (sums to 1)."""
        weights = self.intraday_profile or [1.0] * 24
        total = sum(weights)
        return tuple(w / total for w in weights)

    def weekday_volumes(self) -> tuple[float, ...]:
        """Contacts per day for Monday to Sunday."""
        if self.per_hour is not None:
            return (self.per_hour * 24,) * 7
        assert self.per_day is not None
        factors = self.weekday_factors or [1.0] * 7
        return tuple(self.per_day * f for f in factors)


class Team(Spec):
    """Agents of one region with the channels they are skilled for."""

    region: RegionName
    channels: Annotated[list[ChannelName], Field(min_length=1)]
    # On duty around the clock, no shrinkage.
    agents: Count


class Scenario(Spec):
    """Everything one simulation needs; times are minutes since 00:00 UTC of ``start_date``."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    start_date: Annotated[dt.date, Field(strict=False)]
    horizon_days: Annotated[float, Field(gt=0, le=3660)]
    warmup_days: NonNegative = 0.0
    interval_minutes: Annotated[int, Field(gt=0, le=MINUTES_PER_DAY)] = 60
    regions: Annotated[dict[Name, Region], Field(min_length=1)]
    channels: dict[Name, Channel] = Field(default_factory=dict)
    contact_volume: list[ContactVolume] = Field(default_factory=list)
    teams: dict[Name, Team] = Field(default_factory=dict)

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_not_datetime(cls, value: object) -> object:
        if isinstance(value, dt.datetime):
            raise ValueError(f"'{value}' has a time of day (a date such as 2027-01-04)")
        return value

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
        served = {(t.region, c) for t in self.teams.values() for c in t.channels}
        for index, volume in enumerate(self.contact_volume):
            if (volume.region, volume.channel) not in served:
                problems.append((
                    f"contact_volume.{index}",
                    f"no team in region {volume.region} serves channel {volume.channel} "
                    f"(add {volume.channel} to the channels of a team in {volume.region})",
                ))
        return problems

    @property
    def queues(self) -> list[tuple[str, str]]:
        """The (region, channel) pairs that receive contacts, in scenario order."""
        seen: dict[tuple[str, str], None] = {}
        for volume in self.contact_volume:
            seen.setdefault((volume.region, volume.channel), None)
        for team in self.teams.values():
            for channel in team.channels:
                seen.setdefault((team.region, channel), None)
        return list(seen)

    @property
    def horizon_minutes(self) -> float:
        return self.horizon_days * MINUTES_PER_DAY

    @property
    def warmup_minutes(self) -> float:
        return self.warmup_days * MINUTES_PER_DAY

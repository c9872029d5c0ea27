"""Scenario models of the agent side: teams, shifts, rosters, hiring, attrition and ramp-up."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated

from pydantic import Field, model_validator

from cxsim.scenario.base import Spec
from cxsim.scenario.common import (
    MAX_HEADCOUNT,
    MINUTES_PER_DAY,
    QUARTER_MINUTES,
    WEEKDAYS,
    ChannelName,
    Date,
    Headcount,
    HourOfDay,
    LanguageName,
    LeadDays,
    Money,
    Percent,
    RegionName,
    Seconds,
    Weekday,
)

__all__ = ["AllowedShift", "Hire", "Ramp", "RosterPeriod", "RosterShift", "Shift", "Team"]

# Agents of a team on one shift of a roster.
MAX_ROSTERED = 100_000


def _length_hours(start_hour: float, end_hour: float) -> float:
    """Hours from start to end; an end not after the start runs past midnight."""
    length = end_hour - start_hour
    return length if length > 0 else length + 24


def _some_length(start_hour: float, end_hour: float) -> None:
    if start_hour == end_hour:
        raise ValueError(
            f"start_hour and end_hour are both {start_hour:g} "
            "(a shift of some length; end before start runs past midnight)"
        )


class Shift(Spec):
    """A shift pattern in the team's local time.

    ``share`` of the team's headcount works it on each of ``days``. A shift whose
    ``end_hour`` is not after its ``start_hour`` runs past midnight into the next day.
    """

    days: Annotated[list[Weekday], Field(min_length=1)]
    start_hour: HourOfDay
    end_hour: HourOfDay
    share: Annotated[float, Field(gt=0, le=1)] = 1.0

    @model_validator(mode="after")
    def _not_empty(self) -> Shift:
        _some_length(self.start_hour, self.end_hour)
        return self

    @property
    def length_hours(self) -> float:
        return _length_hours(self.start_hour, self.end_hour)


class RosterShift(Spec):
    """``agents`` on duty from ``start_hour`` to ``end_hour`` (local) on each of ``days`` of a
    roster period (default: every day). A shift one reporting interval long sets the agents of
    that interval."""

    days: Annotated[list[Weekday], Field(min_length=1)] | None = None
    start_hour: HourOfDay
    end_hour: HourOfDay
    agents: Annotated[int, Field(ge=0, le=MAX_ROSTERED)]

    @model_validator(mode="after")
    def _not_empty(self) -> RosterShift:
        _some_length(self.start_hour, self.end_hour)
        return self

    @property
    def length_hours(self) -> float:
        return _length_hours(self.start_hour, self.end_hour)

    def works_on(self, weekday: int) -> bool:
        """Whether the shift starts on local weekday ``weekday`` (Monday 0)."""
        return self.days is None or WEEKDAYS[weekday] in self.days


class RosterPeriod(Spec):
    """The shifts worked on every local date from ``start`` to ``end`` (both included)."""

    start: Date
    end: Date
    shifts: Annotated[list[RosterShift], Field(max_length=10_000)]

    @model_validator(mode="after")
    def _ends_after_start(self) -> RosterPeriod:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start} (end >= start)")
        return self


class AllowedShift(Spec):
    """A working week a planner may roster agents on: ``days``, from ``start_hour`` to
    ``end_hour`` (local; an end before the start runs past midnight)."""

    days: Annotated[list[Weekday], Field(min_length=1)]
    start_hour: HourOfDay
    end_hour: HourOfDay

    @model_validator(mode="after")
    def _not_empty(self) -> AllowedShift:
        _some_length(self.start_hour, self.end_hour)
        return self

    @property
    def length_hours(self) -> float:
        return _length_hours(self.start_hour, self.end_hour)


class Hire(Spec):
    """New agents starting on a date."""

    date: Date
    agents: Annotated[int, Field(ge=1, le=MAX_HEADCOUNT)]


class Ramp(Spec):
    """New hires work at ``start_pct`` of full speed, rising linearly to 100% over ``weeks``."""

    start_pct: Annotated[float, Field(gt=0, le=100)] = 50.0
    weeks: Annotated[float, Field(gt=0, le=104)] = 8.0


class Team(Spec):
    """Agents of one region with the channels and languages they are skilled for.

    Without ``shifts`` every agent is on duty around the clock. Headcount starts at ``agents``,
    grows with ``hires`` and shrinks with attrition; shifts roster shares of it, and shrinkage
    (breaks, training, absence) takes a share of the rostered agents away at random.

    A ``roster`` instead names the agents on duty, shift by shift and period by period: they are
    on duty at full speed whatever the headcount (the hiring plan is what makes them available),
    nobody is on duty outside its periods, and shrinkage still applies. ``shift_patterns`` are
    the working weeks a staffing plan may roster agents on (the simulation does not read them).
    """

    region: RegionName
    channels: Annotated[list[ChannelName], Field(min_length=1)]
    agents: Headcount
    # None: speaks every language of its region.
    languages: Annotated[list[LanguageName], Field(min_length=1)] | None = None
    shifts: list[Shift] | None = None
    shrinkage_pct: Annotated[float, Field(ge=0, lt=100)] = 0.0
    cost_per_hour: Money = 0.0
    hires: list[Hire] = Field(default_factory=list)
    hiring_lead_days: LeadDays = 0
    attrition_pct_per_month: Percent = 0.0
    ramp: Ramp | None = None
    # Takes contacts of its channels and languages waiting in other regions this long.
    overflow_after_s: Seconds | None = None
    # Lower first among live channels; channels not named come after, oldest contact first.
    priorities: dict[ChannelName, Annotated[int, Field(ge=0, le=1000)]] = Field(
        default_factory=dict)
    roster: Annotated[list[RosterPeriod], Field(max_length=10_000)] | None = None
    shift_patterns: Annotated[list[AllowedShift], Field(min_length=1)] | None = None

    @property
    def shrinkage(self) -> float:
        return self.shrinkage_pct / 100.0

    def decision_dates(self) -> list[tuple[dt.date, int, dt.date]]:
        """(start date, agents, latest date to decide the hire) of every planned hire."""
        lead = dt.timedelta(days=self.hiring_lead_days)
        return [(hire.date, hire.agents, hire.date - lead) for hire in self.hires]

    def shift_overlap_problem(self) -> str | None:
        """Why the shifts roster more than the whole headcount at once, or None if they don't.

        The shares of the shifts on duty are summed on every quarter hour of a week in local
        time (daylight saving ignored); a shift past midnight runs on into the next weekday, and
        one on Sunday night into Monday morning.
        """
        quarters = 7 * 96
        total = [0.0] * quarters
        for shift in self.shifts or []:
            first = round(shift.start_hour * 4)
            for day in shift.days:
                start = WEEKDAYS.index(day) * 96 + first
                for quarter in range(start, start + round(shift.length_hours * 4)):
                    total[quarter % quarters] += shift.share
        for quarter, share in enumerate(total):
            if share > 1 + 1e-9:
                weekday, minutes = divmod(quarter * QUARTER_MINUTES, MINUTES_PER_DAY)
                when = f"{WEEKDAYS[weekday]} at {minutes // 60:02d}:{minutes % 60:02d}"
                return (
                    f"shifts on {when} roster {share:.4g} of the headcount at once "
                    "(shares of overlapping shifts must add up to at most 1)"
                )
        return None

    def roster_problem(self) -> tuple[str, str] | None:
        """(field path below the team, why) when the roster cannot be read one way, else None:
        it comes with shifts, or two of its periods share a date."""
        periods = self.roster
        if periods is None:
            return None
        if self.shifts is not None:
            return ("roster", "the team also has shifts (either shifts, shares of the "
                    "headcount, or a roster, agents per shift; not both)")
        order = sorted(range(len(periods)), key=lambda i: periods[i].start)
        for before, after in itertools.pairwise(order):
            first, second = periods[before], periods[after]
            if second.start <= first.end:
                return (f"roster.{after}", f"{second.start} to {second.end} overlaps period "
                        f"{before} ({first.start} to {first.end}) (periods that share no date)")
        return None

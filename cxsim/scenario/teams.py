"""Scenario models of the agent side: teams, shifts, hiring, attrition and ramp-up."""

from __future__ import annotations

import datetime as dt
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

__all__ = ["Hire", "Ramp", "Shift", "Team"]


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
        if self.start_hour == self.end_hour:
            raise ValueError(
                f"start_hour and end_hour are both {self.start_hour:g} "
                "(a shift of some length; end before start runs past midnight)"
            )
        return self

    @property
    def length_hours(self) -> float:
        length = self.end_hour - self.start_hour
        return length if length > 0 else length + 24


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


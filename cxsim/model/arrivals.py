"""Contact arrivals: non-homogeneous Poisson, generated a day at a time in bulk with numpy.

The rate of a queue is piecewise constant on the clock (per local hour of its region). One day
of arrival times is drawn at once (a Poisson count per piece, uniform times within it), with the
handle time and patience of every contact drawn alongside from their own streams. Memory holds
one day per queue, whatever the horizon.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from cxsim.model.calendar import MINUTES_PER_DAY, local_pieces
from cxsim.scenario.distributions import Distribution
from cxsim.scenario.models import ContactVolume

__all__ = ["ArrivalDay", "ContactArrivals"]


class ArrivalDay(NamedTuple):
    """The contacts of one queue on one UTC day, in arrival order."""

    times: list[float]
    handle_minutes: list[float]
    patience_minutes: list[float] | None


class ContactArrivals:
    """Draws the contacts of one (region, channel) queue, day by day.

    Args:
        volumes: the forecast entries of this queue (their rates add up).
        start_date: day 0 of the clock.
        zone: the region's time zone, in which profiles are given.
        horizon_minutes: nothing arrives at or after this time.
        handle: handle-time distribution, minutes.
        patience: patience distribution, minutes, or None for customers who never abandon.
        arrival_rng, handle_rng, patience_rng: one stream each.
    """

    def __init__(
        self,
        volumes: Sequence[ContactVolume],
        start_date: dt.date,
        zone: zoneinfo.ZoneInfo,
        horizon_minutes: float,
        handle: Distribution,
        patience: Distribution | None,
        arrival_rng: np.random.Generator,
        handle_rng: np.random.Generator,
        patience_rng: np.random.Generator,
    ) -> None:
        self._shapes = [(v.weekday_volumes(), v.hourly_shares()) for v in volumes]
        self._start_date = start_date
        self._zone = zone
        self._horizon = horizon_minutes
        self._handle = handle
        self._patience = patience
        self._arrival_rng = arrival_rng
        self._handle_rng = handle_rng
        self._patience_rng = patience_rng

    def rate_pieces(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start minute, length in minutes, contacts per minute) of each piece of ``day``."""
        pieces = local_pieces(self._start_date, self._zone, day)
        starts = np.array([p.start_minute for p in pieces])
        ends = np.minimum([p.end_minute for p in pieces], self._horizon)
        rates = np.array([
            sum(per_day[p.weekday] * shares[p.hour] for per_day, shares in self._shapes) / 60.0
            for p in pieces
        ])
        lengths = np.clip(ends - starts, 0.0, None)
        return starts, lengths, rates

    def day(self, day: int) -> ArrivalDay:
        """The contacts arriving on UTC day ``day``; empty past the horizon."""
        if day * MINUTES_PER_DAY >= self._horizon:
            return ArrivalDay([], [], None if self._patience is None else [])
        starts, lengths, rates = self.rate_pieces(day)
        counts = self._arrival_rng.poisson(rates * lengths)
        total = int(counts.sum())
        offsets = self._arrival_rng.random(total)
        times = np.sort(np.repeat(starts, counts) + offsets * np.repeat(lengths, counts))
        handle = self._handle.sample(self._handle_rng, total)
        patience = None
        if self._patience is not None:
            patience = self._patience.sample(self._patience_rng, total).tolist()
        return ArrivalDay(times.tolist(), handle.tolist(), patience)

"""Forecast arrivals of contacts and orders: non-homogeneous Poisson, a day at a time with numpy.

The rate of a forecast entry (a contact forecast, or a region's demand for orders) is piecewise
constant on the clock (per local hour of its region): the weekday volume x the hour's share x
growth x calendar peaks x a day-level forecast error. One day of arrival times is drawn at once (a
Poisson count per piece, uniform times within it). Contacts get their handle time, customer
segment and language drawn alongside, orders their sales channel and product, each from its own
stream. Memory holds one day per entry, whatever the horizon.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np

from cxsim.model.calendar import local_pieces
from cxsim.scenario.common import MINUTES_PER_DAY
from cxsim.scenario.distributions import Distribution

__all__ = ["ArrivalDay", "ContactArrivals", "DailyVolume", "OrderArrivals", "OrderDay",
           "PoissonDays"]


class DailyVolume(Protocol):
    """A forecast shaped by weekday and local hour: a contact forecast, or a region's demand."""

    @property
    def forecast_error_cv(self) -> float: ...

    def weekday_volumes(self) -> tuple[float, ...]: ...

    def hourly_shares(self) -> tuple[float, ...]: ...

    def day_factor(
        self, day: dt.date, start_date: dt.date, launch_date: dt.date | None = None
    ) -> float: ...


class ArrivalDay(NamedTuple):
    """The contacts of one forecast entry on one UTC day, in arrival order.

    ``segments`` and ``languages`` are indices into the scenario's segments and the region's
    languages; None when there is only one.
    """

    times: list[float]
    handle_minutes: list[float]
    segments: list[int] | None
    languages: list[int] | None


class PoissonDays:
    """Arrival times of one forecast entry, a UTC day at a time.

    Args:
        volume: the forecast entry.
        start_date: day 0 of the clock; growth compounds from it.
        zone: the region's time zone, in which profiles and dates are given.
        horizon_minutes: nothing arrives at or after this time.
        arrival_rng, error_rng: the streams of arrival times and of the forecast error.
        launch_date: the region's launch (local date): nothing arrives before it.
    """

    def __init__(
        self,
        volume: DailyVolume,
        start_date: dt.date,
        zone: zoneinfo.ZoneInfo,
        horizon_minutes: float,
        arrival_rng: np.random.Generator,
        error_rng: np.random.Generator,
        launch_date: dt.date | None = None,
    ) -> None:
        self._volume = volume
        self._launch = launch_date
        self._per_day = volume.weekday_volumes()
        self._shares = volume.hourly_shares()
        self._start_date = start_date
        self._zone = zone
        self._horizon = horizon_minutes
        self._arrival_rng = arrival_rng
        self._error_rng = error_rng
        self._errors: dict[dt.date, float] = {}

    def _error(self, date: dt.date) -> float:
        """The forecast error multiplier (mean 1) of a local date, drawn once per date."""
        cv = self._volume.forecast_error_cv
        if cv == 0:
            return 1.0
        if date not in self._errors:
            shape = 1.0 / cv**2
            self._errors[date] = float(self._error_rng.gamma(shape, 1.0 / shape))
            for old in [d for d in self._errors if d < date - dt.timedelta(days=2)]:
                del self._errors[old]
        return self._errors[date]

    def rate_pieces(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start minute, length in minutes, arrivals per minute) of each piece of ``day``."""
        pieces = local_pieces(self._start_date, self._zone, day)
        starts = np.array([p.start_minute for p in pieces])
        ends = np.minimum([p.end_minute for p in pieces], self._horizon)
        launch = self._launch
        # Per local date (a day or two): its volume factor and forecast error, drawn in the
        # order the pieces meet the dates (none before the launch).
        factors: dict[dt.date, tuple[float, float] | None] = {}
        for date in (p.date for p in pieces):
            if date not in factors:
                factors[date] = None if launch is not None and date < launch else (
                    self._volume.day_factor(date, self._start_date, launch), self._error(date))
        rates = np.array([
            0.0 if (factor := factors[p.date]) is None else
            self._per_day[p.weekday] * self._shares[p.hour] / 60.0 * factor[0] * factor[1]
            for p in pieces
        ])
        return starts, np.clip(ends - starts, 0.0, None), rates

    def times(self, day: int) -> np.ndarray:
        """The sorted arrival minutes of UTC day ``day``; empty past the horizon."""
        if day * MINUTES_PER_DAY >= self._horizon:
            return np.empty(0)
        starts, lengths, rates = self.rate_pieces(day)
        counts = self._arrival_rng.poisson(rates * lengths)
        offsets = self._arrival_rng.random(int(counts.sum()))
        return np.sort(np.repeat(starts, counts) + offsets * np.repeat(lengths, counts))


class ContactArrivals(PoissonDays):
    """Draws the contacts of one forecast entry, day by day.

    Args:
        volume: the forecast entry.
        start_date: day 0 of the clock; growth compounds from it.
        zone: the region's time zone, in which profiles and dates are given.
        horizon_minutes: nothing arrives at or after this time.
        handle: handle-time distribution of the entry's channel, minutes.
        segment_shares, language_shares: shares of customers.
        arrival_rng, handle_rng, choice_rng, error_rng: one stream each.
        launch_date: the region's launch (local date): nothing arrives before it.
    """

    def __init__(
        self,
        volume: DailyVolume,
        start_date: dt.date,
        zone: zoneinfo.ZoneInfo,
        horizon_minutes: float,
        handle: Distribution,
        segment_shares: Sequence[float],
        language_shares: Sequence[float],
        arrival_rng: np.random.Generator,
        handle_rng: np.random.Generator,
        choice_rng: np.random.Generator,
        error_rng: np.random.Generator,
        launch_date: dt.date | None = None,
    ) -> None:
        super().__init__(volume, start_date, zone, horizon_minutes, arrival_rng, error_rng,
                         launch_date)
        self._handle = handle
        self._segment_shares = np.asarray(segment_shares, dtype=float)
        self._language_shares = np.asarray(language_shares, dtype=float)
        self._handle_rng = handle_rng
        self._choice_rng = choice_rng

    def day(self, day: int) -> ArrivalDay:
        """The contacts arriving on UTC day ``day``; empty past the horizon."""
        times = self.times(day)
        if not times.size and day * MINUTES_PER_DAY >= self._horizon:
            return ArrivalDay([], [], None, None)
        total = times.size
        handle = self._handle.sample(self._handle_rng, total)
        segments = languages = None
        if self._segment_shares.size > 1:
            segments = self._choice_rng.choice(
                self._segment_shares.size, total, p=self._segment_shares
            ).tolist()
        if self._language_shares.size > 1:
            languages = self._choice_rng.choice(
                self._language_shares.size, total, p=self._language_shares
            ).tolist()
        return ArrivalDay(times.tolist(), handle.tolist(), segments, languages)


class OrderDay(NamedTuple):
    """The orders of one region on one UTC day, in order of arrival: clock minutes, and indices
    into the region's sales channels and the scenario's products."""

    times: np.ndarray
    sales_channels: np.ndarray
    products: np.ndarray


class OrderArrivals(PoissonDays):
    """Draws the orders of one region, day by day: when, on which sales channel, for which
    product.

    Args:
        demand: the region's demand.
        start_date: day 0 of the clock; growth compounds from it.
        zone: the region's time zone.
        horizon_minutes: nothing is ordered at or after this time.
        sales_channel_shares, product_shares: shares of the region's orders.
        arrival_rng, choice_rng, error_rng: one stream each.
        launch_date: the region's launch (local date): nothing is ordered before it.
    """

    def __init__(
        self,
        demand: DailyVolume,
        start_date: dt.date,
        zone: zoneinfo.ZoneInfo,
        horizon_minutes: float,
        sales_channel_shares: Sequence[float],
        product_shares: Sequence[float],
        arrival_rng: np.random.Generator,
        choice_rng: np.random.Generator,
        error_rng: np.random.Generator,
        launch_date: dt.date | None = None,
    ) -> None:
        super().__init__(demand, start_date, zone, horizon_minutes, arrival_rng, error_rng,
                         launch_date)
        self._channel_shares = np.asarray(sales_channel_shares, dtype=float)
        self._product_shares = np.asarray(product_shares, dtype=float)
        self._choice_rng = choice_rng

    def _choose(self, shares: np.ndarray, count: int) -> np.ndarray:
        if shares.size == 1:
            return np.zeros(count, dtype=np.int64)
        return self._choice_rng.choice(shares.size, count, p=shares)

    def day(self, day: int) -> OrderDay:
        """The orders placed on UTC day ``day``; none past the horizon."""
        times = self.times(day)
        return OrderDay(times, self._choose(self._channel_shares, times.size),
                        self._choose(self._product_shares, times.size))

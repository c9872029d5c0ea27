"""Probability distributions of durations, as written in scenario files.

A distribution is a mapping with ``dist`` and its parameters, for example
``{dist: lognormal, mean: 7, cv: 0.6}``. Every distribution here describes a non-negative
duration in the unit its field names (``handle_minutes``, ``transit_days``, ...), knows its
mean and quantiles (``quantile(q)``, 0 < q < 1), and draws many values at once from a
``numpy.random.Generator``.

Parameters are bounded (values up to a million, coefficients of variation from 0.01 to 10, up
to 100,000 observed values), and each field that takes a distribution bounds its mean in its
own unit: ``HandleMinutes`` up to a day, ``LeadTimeDays`` up to ten years, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from cxsim.scenario.base import Spec
from cxsim.scenario.problems import number_text

__all__ = [
    "MAX_CV",
    "MAX_OBSERVED_VALUES",
    "MAX_VALUE",
    "MIN_CV",
    "Constant",
    "DelayDays",
    "DelayHours",
    "Distribution",
    "Empirical",
    "Exponential",
    "FollowUpHours",
    "Gamma",
    "HandleMinutes",
    "LeadTimeDays",
    "Lognormal",
    "RetryMinutes",
    "Triangular",
    "Uniform",
    "UnitsPerOrder",
]

# A value a distribution takes or is centred on, in its field's unit.
MAX_VALUE = 1_000_000
# Coefficients of variation: narrower is a constant, wider has no mean worth the name (and the
# sampling and quantiles stay exact over this range).
MIN_CV, MAX_CV = 0.01, 10.0
MAX_OBSERVED_VALUES = 100_000

Positive = Annotated[float, Field(gt=0, le=MAX_VALUE)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_VALUE)]
Cv = Annotated[float, Field(ge=MIN_CV, le=MAX_CV)]
FloatArray = np.ndarray[tuple[int], np.dtype[np.float64]]


class Exponential(Spec):
    """Exponential with the given mean (memoryless: Erlang C and A assume it)."""

    dist: Literal["exponential"]
    mean: Positive

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.exponential(self.mean, size)

    @property
    def expected(self) -> float:
        return self.mean

    def quantile(self, q: float) -> float:
        return -self.mean * math.log1p(-q)


class Constant(Spec):
    """Always the same value."""

    dist: Literal["constant"]
    value: NonNegative

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, self.value, dtype=np.float64)

    @property
    def expected(self) -> float:
        return self.value

    def quantile(self, q: float) -> float:
        return self.value


class Lognormal(Spec):
    """Lognormal given by its mean and coefficient of variation (standard deviation / mean)."""

    dist: Literal["lognormal"]
    mean: Positive
    cv: Cv

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    @property
    def expected(self) -> float:
        return self.mean

    def quantile(self, q: float) -> float:
        # scipy.special's normal quantile is the one scipy.stats.norm.ppf returns, without
        # importing scipy.stats (more than half a second and 60 MB for a command).
        from scipy.special import ndtri

        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return float(math.exp(mu + math.sqrt(sigma2) * ndtri(q)))


class Gamma(Spec):
    """Gamma given by its mean and coefficient of variation (cv 1 is exponential)."""

    dist: Literal["gamma"]
    mean: Positive
    cv: Cv

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, size)

    @property
    def expected(self) -> float:
        return self.mean

    def quantile(self, q: float) -> float:
        from scipy.special import gammaincinv  # scipy.stats.gamma.ppf's own, as for Lognormal

        shape = 1.0 / self.cv**2
        return float(gammaincinv(shape, q) * (self.mean / shape))


class Uniform(Spec):
    """Uniform between low and high."""

    dist: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @field_validator("high")
    @classmethod
    def _high_not_below_low(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("low")
        if low is not None and high < low:
            raise ValueError(f"{high:g} is below low {low:g} (high >= low)")
        return high

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.uniform(self.low, self.high, size)

    @property
    def expected(self) -> float:
        return (self.low + self.high) / 2

    def quantile(self, q: float) -> float:
        return self.low + q * (self.high - self.low)


class Triangular(Spec):
    """Triangular with a low, a most likely (mode) and a high value."""

    dist: Literal["triangular"]
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @field_validator("mode")
    @classmethod
    def _mode_not_below_low(cls, mode: float, info: ValidationInfo) -> float:
        low = info.data.get("low")
        if low is not None and mode < low:
            raise ValueError(f"{mode:g} is below low {low:g} (low <= mode <= high)")
        return mode

    @field_validator("high")
    @classmethod
    def _high_not_below_mode(cls, high: float, info: ValidationInfo) -> float:
        floor = max(info.data.get("low", 0.0), info.data.get("mode", 0.0))
        if high < floor or high == info.data.get("low"):
            raise ValueError(
                f"{high:g} is not above low and mode (low <= mode <= high, low < high)"
            )
        return high

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def expected(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def quantile(self, q: float) -> float:
        low, mode, high = self.low, self.mode, self.high
        split = (mode - low) / (high - low)
        if q <= split:
            return low + math.sqrt(q * (high - low) * (mode - low))
        return high - math.sqrt((1 - q) * (high - low) * (high - mode))


class Empirical(Spec):
    """Draws uniformly from observed values (for example handle times from last month)."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNegative], Field(min_length=1, max_length=MAX_OBSERVED_VALUES)]

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.choice(np.asarray(self.values, dtype=np.float64), size)

    @property
    def expected(self) -> float:
        return float(np.mean(self.values))

    def quantile(self, q: float) -> float:
        # The values drawn are the observed ones: the quantile is one of them.
        return float(np.quantile(np.asarray(self.values, dtype=np.float64), q,
                                 method="inverted_cdf"))


Distribution = Annotated[
    Exponential | Constant | Lognormal | Gamma | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]


def _mean_within(least: float, most: float, unit: str) -> Callable[[Distribution], Distribution]:
    """A check that a distribution's mean lies in [least, most] of the field's unit."""

    def check(distribution: Distribution) -> Distribution:
        mean = distribution.expected
        if not least <= mean <= most:
            span = (f"of at most {number_text(most)}" if least == 0 else
                    f"from {number_text(least)} to {number_text(most)}")
            raise ValueError(f"has a mean of {number_text(mean)} {unit} (a mean {span} "
                             f"{unit})")
        return distribution

    return check


# Handle times and patience: a day at most per contact.
HandleMinutes = Annotated[Distribution, AfterValidator(_mean_within(0, 1440, "minutes"))]
# A customer who gave up tries again after at least a minute on average, within a week.
RetryMinutes = Annotated[Distribution, AfterValidator(_mean_within(1, 10_080, "minutes"))]
# A follow-up comes at least a minute after the contact on average, within a year.
FollowUpHours = Annotated[Distribution, AfterValidator(_mean_within(1 / 60, 8760, "hours"))]
# Delays in hours (a question about an order) and days (transit, customs, a report of a
# problem): within a year.
DelayHours = Annotated[Distribution, AfterValidator(_mean_within(0, 8760, "hours"))]
DelayDays = Annotated[Distribution, AfterValidator(_mean_within(0, 365, "days"))]
# Replenishment lead times: ten years at most.
LeadTimeDays = Annotated[Distribution, AfterValidator(_mean_within(0, 3650, "days"))]
UnitsPerOrder = Annotated[Distribution, AfterValidator(_mean_within(0, 10_000, "units"))]

"""What one replication records: per-interval series and wait histograms, as plain data.

Statistics are aggregated while the simulation streams: counts and sums per reporting interval
(attributed to the interval in which a contact arrived), time-weighted areas per interval
(attributed to the clock), and one histogram of waits per queue for percentiles. No list of
contacts is kept, so memory does not grow with the number of contacts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "QUEUE_MEASURES",
    "TEAM_MEASURES",
    "WAIT_BINS",
    "ReplicationRecord",
    "histogram_quantile",
    "histogram_share_within",
    "interval_block",
    "interval_counter",
    "wait_bin",
    "wait_bins",
]

# Per-interval measures of a queue, counted in the interval a contact arrived in, except
# queue_minutes (contact-minutes spent waiting, time-weighted on the clock). Contacts arrive
# from the forecast, from orders (order_contacts), or as retries, chases and follow-ups
# (switched: on another channel than the contact they repeat); each ends deflected by a bot,
# merged into an open contact, unserved (no channel open or served), or offered to agents: then
# handled, abandoned or still waiting.
QUEUE_MEASURES = (
    "forecast",
    "from_orders",
    "retries",
    "chases",
    "follow_ups",
    "switched",
    "deflected",
    "escalated",
    "merged",
    "unserved",
    "offered",
    "handled",
    "answered_at_once",
    "answered_in_target",
    "abandoned",
    "abandoned_in_target",
    "waiting_at_end",
    "wait_minutes_handled",
    "wait_minutes_abandoned",
    "handle_minutes",
    "queue_minutes",
)

# Per-interval measures of a team: agent-minutes scheduled (on shift), available (on shift and
# not in shrinkage, plus agents finishing work after leaving) and busy, time-weighted on the
# clock; the most agents scheduled at any moment; headcount at the end of the interval.
TEAM_MEASURES = ("on_duty_minutes", "available_minutes", "busy_minutes", "peak_on_duty",
                 "headcount")


def interval_block(measures: int, series: int, intervals: int) -> NDArray[np.float64]:
    """Zeros for every measure of many series (the queues or the teams of a run), measure by
    measure: ``block[m, s]`` is measure ``m`` of series ``s``, one value per interval.

    Held this way, the values of one measure of every series lie one after the other, which is
    a column of the per-interval result table: a table of one replication takes them as they
    are (``cxsim.results.frames``), so that a run never holds them twice. The hot path adds to
    a row through ``interval_counter``, one value at a time, faster than through numpy.
    """
    return np.zeros((measures, series, intervals))


def interval_counter(row: NDArray[np.float64]) -> memoryview[float]:
    """A row of an ``interval_block`` as the hot path adds to it, one value at a time: a
    memoryview of its doubles (about 55 ns an addition; indexing a numpy array takes about
    twice as long)."""
    return row.data.cast("B").cast("d")


# Waits are binned on a log scale: bin 0 holds waits of zero, bin b >= 1 waits from
# _FIRST_S * _RATIO**(b-1) to _FIRST_S * _RATIO**b seconds (1% wide), up to about 60 days.
_FIRST_S = 0.01
_RATIO = 1.01
_LOG_RATIO = math.log(_RATIO)
WAIT_BINS = 2015


def wait_bin(wait_minutes: float) -> int:
    """The histogram bin of a wait given in minutes."""
    if wait_minutes <= 0.0:
        return 0
    seconds = wait_minutes * 60.0
    if seconds <= _FIRST_S:
        return 1
    return min(WAIT_BINS - 1, 1 + int(math.log(seconds / _FIRST_S) / _LOG_RATIO))


def wait_bins(waits: Sequence[float] | NDArray[np.float64]) -> np.ndarray:
    """The ``wait_bin`` of each of many waits (minutes), at numpy speed, to the same bins."""
    minutes = np.asarray(waits, dtype=np.float64)
    seconds = minutes * 60.0
    above = seconds > _FIRST_S
    with np.errstate(divide="ignore", invalid="ignore"):
        # Waits of at most _FIRST_S seconds go to bin 1 (0.5: away from any bin edge).
        scaled = np.where(above, np.log(seconds / _FIRST_S) / _LOG_RATIO, 0.5)
    bins = (1 + np.floor(scaled)).astype(np.int64)
    np.minimum(bins, WAIT_BINS - 1, out=bins)
    bins[minutes <= 0.0] = 0
    # numpy's log may differ from math.log in the last bit: where that could move a wait across
    # a bin edge, take wait_bin's own answer.
    for index in np.flatnonzero(np.abs(scaled - np.rint(scaled)) < 1e-9).tolist():
        bins[index] = wait_bin(float(minutes[index]))
    return bins


def histogram_quantile(counts: Sequence[int], q: float) -> float:
    """The q-quantile (0 < q < 1) of the waits in a histogram, in minutes; NaN if empty.

    Within a bin, waits are taken as spread evenly on the log scale; the error is below 1%.
    """
    total = sum(counts)
    if total == 0:
        return math.nan
    rank = q * total
    below = 0
    for index, count in enumerate(counts):
        if count and below + count >= rank:
            if index == 0:
                return 0.0
            share = (rank - below) / count
            low = 0.0 if index == 1 else _FIRST_S * _RATIO ** (index - 1)
            high = _FIRST_S * _RATIO**index
            if index == 1:
                return high * share / 60.0
            return float(low * (high / low) ** share / 60.0)
        below += count
    return _FIRST_S * _RATIO ** (len(counts) - 1) / 60.0


@dataclasses.dataclass
class ReplicationRecord:
    """Everything one replication measured.

    Attributes:
        replication: index of the replication (0-based).
        interval_minutes: length of a reporting interval.
        interval_count: number of intervals; the last may be cut short by the horizon.
        horizon_minutes: simulated span, warm-up included.
        first_counted_interval: the first interval after the warm-up; statistics start there.
        queues: (region, channel, language) -> measure -> one value per interval, a float
            array (``QUEUE_MEASURES``); language is '' in a region without languages. The
            arrays are rows of one ``interval_block``, in the order of the keys, which the
            per-interval table of a single replication takes as its columns.
        teams: team name -> measure -> one value per interval (``TEAM_MEASURES``), a float
            array (int64 for ``peak_on_duty`` and ``headcount``).
        wait_histograms: queue key -> counts per ``wait_bin``, contacts that arrived after the
            warm-up and were answered.
        reasons: (region, channel, language, reason) -> contacts that arrived at the queue
            (offered or deflected) per day, a float array; only reasons that occurred.
        first_inbound: node -> clock minute its first stock arrives (nodes with
            ``first_inbound``), drawn even when it falls after the horizon.
        hiring: (team, start date, agents, latest decision date) of every planned hire.
        orders: (region, sales channel, product) -> measure -> one value per local day of the
            region, by day of order (``cxsim.model.ordering.ORDER_MEASURES``); index 0 is the
            local date ``order_dates[region]``.
        order_dates: region -> the local date (in the region's time zone) of index 0 of its
            order series: the scenario's start date, or the day before in a zone behind UTC.
        delivery_histograms: the same keys -> order-to-door minutes per ``wait_bin``, orders
            placed from the first whole local day after the warm-up and delivered by the
            horizon.
        promises: the same keys -> a 2 x 31 array: for each whole-day promise of 0 to 30
            days (``cxsim.model.delivery.PROMISE_DAYS_RECORDED``) under the region's promise
            rule, the orders placed from the first whole local day after the warm-up whose
            last parcel left and whose deadline under that promise fell within the horizon
            (row 0), and of those the ones delivered by it (row 1).
        inventory: (node, product, sales channel or '*') -> measure -> one value per local day
            of the node (``cxsim.model.stock.INVENTORY_MEASURES``); index 0 is the local date
            ``inventory_dates[node]``.
        inventory_dates: node -> the local date (in the time zone of the region the node is
            in) of index 0 of its inventory series.
    """

    replication: int
    interval_minutes: int
    interval_count: int
    horizon_minutes: float
    first_counted_interval: int
    queues: dict[tuple[str, str, str], dict[str, NDArray[np.float64]]]
    teams: dict[str, dict[str, NDArray[np.float64] | NDArray[np.int64]]]
    wait_histograms: dict[tuple[str, str, str], list[int]]
    hiring: list[tuple[str, dt.date, int, dt.date]] = dataclasses.field(default_factory=list)
    orders: dict[tuple[str, str, str], dict[str, np.ndarray]] = dataclasses.field(
        default_factory=dict)
    order_dates: dict[str, dt.date] = dataclasses.field(default_factory=dict)
    delivery_histograms: dict[tuple[str, str, str], np.ndarray] = dataclasses.field(
        default_factory=dict)
    promises: dict[tuple[str, str, str], np.ndarray] = dataclasses.field(default_factory=dict)
    inventory: dict[tuple[str, str, str], dict[str, np.ndarray]] = dataclasses.field(
        default_factory=dict)
    inventory_dates: dict[str, dt.date] = dataclasses.field(default_factory=dict)
    reasons: dict[tuple[str, str, str, str], NDArray[np.float64]] = dataclasses.field(
        default_factory=dict)
    first_inbound: dict[str, float] = dataclasses.field(default_factory=dict)


def histogram_share_within(counts: Sequence[int], minutes: float) -> float:
    """Share of the waits in a histogram that are at most ``minutes``; NaN if empty.

    Within a bin, waits are taken as spread evenly on the log scale, as in
    ``histogram_quantile``.
    """
    total = sum(counts)
    if total == 0:
        return math.nan
    if minutes <= 0:
        return counts[0] / total
    seconds = minutes * 60.0
    if seconds <= _FIRST_S:
        return (counts[0] + counts[1] * seconds / _FIRST_S) / total
    # ``seconds`` falls in bin int(position): the bins before it lie wholly below, and the
    # fraction position - int(position) of it (on the log scale).
    position = 1 + math.log(seconds / _FIRST_S) / _LOG_RATIO
    whole = min(int(position), len(counts))
    below = float(sum(counts[:whole]))
    if whole < len(counts):
        below += counts[whole] * (position - whole)
    return min(1.0, below / total)

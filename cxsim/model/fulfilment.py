"""Fulfilment nodes: when a parcel ready at a node leaves it, for many parcels at once.

A node ships on its working days (local time), at its cut-off (an order ready after the cut-off
waits for the next working day's), within its daily capacity (parcels beyond it wait for the next
working day with room, first ready first shipped), or at once when it has none of these rules.
Parcels are taken in the order they became ready, so a day that is full stays full: the n-th
parcel of the run goes in the first slot free at or after its own day, where the slots of working
day k are k x capacity to k x capacity + capacity - 1. That makes the slots a running maximum.
"""

from __future__ import annotations

import numpy as np

from cxsim.model.local_dates import LocalDates, whole_steps
from cxsim.model.stock import StockPool
from cxsim.scenario.commerce import Node
from cxsim.scenario.common import MINUTES_PER_DAY, WEEKDAYS

__all__ = ["NodeShipping"]


class NodeShipping:
    """A node at run time: its shipping rules, its local days and its stock pools.

    Args:
        name: the node's name.
        spec: the scenario's node.
        dates: local days of the region the node is in.
    """

    def __init__(self, name: str, spec: Node, dates: LocalDates) -> None:
        self.name = name
        self.spec = spec
        self.location = spec.location
        self.dates = dates
        self.cutoff = None if spec.cutoff_hour is None else spec.cutoff_hour * 60.0
        self.capacity = spec.capacity_per_day
        working = {WEEKDAYS.index(day) for day in spec.working_days}
        self.immediate = self.cutoff is None and self.capacity is None and len(working) == 7
        # Working days counted through the week from local day 0: positions (0-6 from day 0's
        # weekday) of the working days, and how many fall before each position.
        weekday0 = int(dates.weekday(np.array([0]))[0])
        self._positions = np.array([p for p in range(7) if (weekday0 + p) % 7 in working])
        self._before = np.searchsorted(self._positions, np.arange(7), side="left")
        self._slot = -(1 << 40)  # the last capacity slot taken (day -1 has slots below 0)
        self.pools: dict[tuple[str, str], StockPool] = {}

    def _working_index(self, days: np.ndarray) -> np.ndarray:
        """The number of working days before each local day (from local day 0): the index of the
        first working day on or after it."""
        weeks, positions = np.divmod(days, 7)
        index: np.ndarray = weeks * self._positions.size + self._before[positions]
        return index

    def _working_day(self, index: np.ndarray) -> np.ndarray:
        """The local day of working day ``index`` (inverse of ``_working_index``)."""
        weeks, at = np.divmod(index, self._positions.size)
        days: np.ndarray = weeks * 7 + self._positions[at]
        return days

    def ship_times(self, ready: np.ndarray) -> np.ndarray:
        """When parcels ready at clock minutes ``ready`` leave the node (taking capacity, in the
        order they became ready)."""
        if self.immediate or not ready.size:
            return ready
        order = np.argsort(ready, kind="stable")
        local = self.dates.local(ready[order])
        days = whole_steps(local, MINUTES_PER_DAY)
        cutoff = self.cutoff
        if cutoff is not None:
            days += local - days * MINUTES_PER_DAY >= cutoff
        first = self._working_index(days)
        if self.capacity is not None:
            capacity = self.capacity
            offsets = first * capacity - np.arange(first.size)
            slots = np.arange(first.size) + np.maximum(np.maximum.accumulate(offsets),
                                                       self._slot + 1)
            self._slot = int(slots[-1])
            first = slots // capacity
        ship_days = self._working_day(first)
        if cutoff is not None:
            ship_local = ship_days * MINUTES_PER_DAY + cutoff
        else:
            ship_local = np.maximum(local, ship_days * MINUTES_PER_DAY)
        shipped = np.empty_like(ready)
        shipped[order] = self.dates.clock(ship_local.astype(np.float64))
        return shipped

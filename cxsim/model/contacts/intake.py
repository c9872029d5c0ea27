"""How contacts come in: the forecast, a day at a time, and customers who bought, one by one.

A day of contacts of a forecast entry is made at once, and counted (by interval and reason) with
numpy, before the event loop hands each contact to the router as it arrives. A contact for a
live channel that is closed when it arrives is handled then: the customer picks another channel,
which draws random numbers in the order of the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np

from cxsim.model.contacts.contact import FROM_ORDERS, Contact
from cxsim.model.contacts.customers import Customers
from cxsim.model.contacts.queue import Queue
from cxsim.model.contacts.routing import Router
from cxsim.model.events import Arrival
from cxsim.scenario.common import MINUTES_PER_DAY

__all__ = ["Intake"]


class Intake:
    """The doors of the contact centre.

    Args:
        router: where contacts go once they reach a queue.
        customers: what customers do.
        interval: reporting interval, minutes.
        horizon: end of the run, clock minutes: nothing arrives at or after it.
    """

    def __init__(
        self, router: Router, customers: Customers, interval: float, horizon: float
    ) -> None:
        self.router = router
        self.customers = customers
        self.interval = interval
        self.horizon = horizon

    def forecast_day(
        self, times: Sequence[float], languages: Sequence[int] | None, queues: Sequence[Queue],
        reason: int, segments: Sequence[int] | None, handles: Sequence[float],
    ) -> list[Arrival]:
        """A day of contacts of one forecast entry, as arrivals for the event loop.

        Args:
            times: arrival times, clock minutes, in order.
            languages: index in ``queues`` of each contact's queue (None: all the first).
            queues: the entry's queue per language.
            reason: the entry's reason index.
            segments: each contact's segment index (None: all the first).
            handles: each contact's handle time, minutes.

        Returns:
            ``(deliver, (contact,))`` per contact before the horizon. The contacts that find
            their queue open are counted (forecast and reason) here, in bulk; one for a live
            channel that is closed then is counted when it arrives, where the customer goes.
        """
        count = int(np.searchsorted(times, self.horizon))
        arrived = np.asarray(times[:count], dtype=np.float64)
        intervals = np.floor_divide(arrived, self.interval).astype(np.int64)
        days = np.floor_divide(arrived, MINUTES_PER_DAY).astype(np.int64)
        language = (np.zeros(count, dtype=np.int64) if languages is None
                    else np.asarray(languages[:count], dtype=np.int64))
        closed = np.zeros(count, dtype=bool)
        for index, queue in enumerate(queues):
            if queue.has_hours:
                is_open = self.customers.is_open
                for i in np.flatnonzero(language == index).tolist():
                    closed[i] = not is_open(queue.region, queue.channel, times[i])
            reaching = (language == index) & ~closed
            _add_counts(queue.forecast, intervals[reaching])
            _add_counts(queue.reason_days[reason], days[reaching])
        contacts = list(map(
            Contact, times[:count], intervals.tolist(), handles[:count],
            [queues[i] for i in language.tolist()],
            repeat(0) if segments is None else segments, repeat(reason),
        ))
        rows: list[Arrival] = list(zip(repeat(self.router.offer), zip(contacts), strict=False))
        for i in np.flatnonzero(closed).tolist():
            rows[i] = (self._closed, (contacts[i],))
        return rows

    def _closed(self, contact: Contact) -> None:
        """A forecast contact finds its live channel closed: the customer picks another open
        channel of their mix, or leaves a message."""
        now = contact.arrived
        queue = self.customers.open_queue(contact.queue, contact.segment, contact.reason, now)
        if queue is None:
            return
        contact.queue = queue
        contact.handle = queue.handle.next()
        queue.forecast[contact.interval] += 1
        self.router.arrive(contact)

    def order_contact(
        self, region: str, weights: Mapping[str, float] | None, reason: int, now: float
    ) -> None:
        """A customer who bought gets in touch now about reason index ``reason``, on a channel
        drawn by ``weights`` (the sales channel's contact channels; None: the segment's mix)."""
        found = self.customers.order_customer(region, weights, reason, now)
        if found is None:
            return
        queue, segment = found
        k = int(now // self.interval)
        queue.arrivals[FROM_ORDERS][k] += 1
        self.router.arrive(Contact(now, k, queue.handle.next(), queue, segment, reason))


def _add_counts(series: list[float], indices: np.ndarray) -> None:
    """Add to ``series`` one per entry of ``indices`` (indices into the series)."""
    if indices.size:
        counts = np.bincount(indices)
        for index in np.flatnonzero(counts).tolist():
            series[index] += int(counts[index])

"""How contacts come in: the forecast and customers who bought, a day at a time.

A day of contacts of a forecast entry is made at once, and counted (by interval and reason) with
numpy, before the event loop hands each contact to the router as it arrives. A contact for a
live channel that is closed when it arrives is handled then: the customer picks another channel,
which draws random numbers in the order of the run. A day of contacts from customers who bought
is made at once too: language, segment and channel drawn in arrays (the channels open at each
contact's quarter-hour), counted, then handed to the router one by one as they arrive.
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
from cxsim.model.local_dates import whole_steps
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
        intervals = whole_steps(arrived, self.interval)
        days = whole_steps(arrived, MINUTES_PER_DAY)
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

    def orders_day(
        self, times: np.ndarray, senders: Sequence[tuple[str, Mapping[str, float] | None]],
        sender: np.ndarray, reasons: np.ndarray,
    ) -> tuple[list[float], list[Arrival]]:
        """A day of contacts from customers who bought, as arrivals for the event loop.

        Args:
            times: when each customer gets in touch, clock minutes, in order.
            senders: (region, contact channel weights or None for the customer's own mix) by
                index.
            sender: each contact's index in ``senders``.
            reasons: each contact's reason index.

        Returns:
            The arrival times and ``(offer, (contact,))`` of the contacts a channel takes, in
            time order; each is counted (from orders and by reason) here, in bulk. Those no
            channel takes are counted unserved and left out.
        """
        queues: list[Queue | None] = [None] * times.size
        segments = [0] * times.size
        for index in np.unique(sender).tolist():
            members = np.flatnonzero(sender == index)
            region, weights = senders[index]
            chosen, chosen_segments = self.customers.order_customers(
                region, weights, reasons[members], times[members])
            for i, queue, segment in zip(members.tolist(), chosen, chosen_segments, strict=True):
                queues[i] = queue
                segments[i] = segment
        taken = [i for i, queue in enumerate(queues) if queue is not None]
        kept: list[Queue] = [queues[i] for i in taken]  # type: ignore[misc]
        when = times[taken].tolist()
        intervals = [int(t // self.interval) for t in when]
        reason_list = reasons[taken].tolist()
        for queue, k, now, reason in zip(kept, intervals, when, reason_list, strict=True):
            queue.arrivals[FROM_ORDERS][k] += 1
            queue.reason_days[reason][int(now // MINUTES_PER_DAY)] += 1
        contacts = list(map(
            Contact, when, intervals, [queue.handle.next() for queue in kept], kept,
            [segments[i] for i in taken], reason_list,
        ))
        return when, list(zip(repeat(self.router.offer), zip(contacts), strict=False))


def _add_counts(series: memoryview[float], indices: np.ndarray) -> None:
    """Add to ``series`` one per entry of ``indices`` (indices into the series)."""
    if indices.size:
        counts = np.bincount(indices)
        for index in np.flatnonzero(counts).tolist():
            series[index] += int(counts[index])

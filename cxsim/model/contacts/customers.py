"""What customers do: which channel they use, and when they come back.

A customer picks a channel by weights among the channels that are served in their region and
language and open now (live channels have opening hours; a message can always be left). Who
bought is given a language by the region's shares and a segment by the segments' shares. A
customer behaves as their segment says: one who abandons may come back after a delay on a channel
drawn from a switch matrix (a retry); one whose message waits too long chases it on another
channel; a contact not resolved the first time brings a follow-up. With unified customer context
(``omnichannel``) a chase joins the open contact and repeat contacts are handled faster; with
siloed channels each is separate work.

Every loop of coming back is bounded: a customer comes back about one matter (by retries, chases
and follow-ups together) only while they have come back fewer times than the behaviour's cap
(``retry.max_retries``, ``chase.max_chases``, ``reasons.<r>.max_follow_ups``), whatever the
probabilities and delays.

This module decides and counts; ``cxsim.model.contacts.routing`` schedules and offers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import accumulate

import numpy as np

from cxsim.model.calendar import local_quarters
from cxsim.model.contacts.contact import (
    CHASE,
    FROM_ORDERS,
    RETRY,
    WAITING,
    Contact,
)
from cxsim.model.contacts.queue import Queue
from cxsim.model.draws import Draws, samples, uniform_buffer, uniforms
from cxsim.model.local_dates import whole_steps
from cxsim.scenario.common import MINUTES_PER_DAY, QUARTER_MINUTES
from cxsim.scenario.models import Scenario, Segment, SyncChannel

__all__ = ["Customers"]


class Customers:
    """The customers' choices, drawn from their own streams.

    Args:
        scenario: the validated scenario.
        queues: every queue by (region, channel, language).
        reasons: reason names by index.
        segments: segments by index (``[None]`` without segments).
        interval: reporting interval, minutes.
        rng: the generator of a named stream of this replication.
    """

    def __init__(
        self,
        scenario: Scenario,
        queues: Mapping[tuple[str, str, str], Queue],
        reasons: list[str],
        segments: list[Segment | None],
        interval: float,
        rng: Callable[[str], np.random.Generator],
    ) -> None:
        self.scenario = scenario
        self.queues = queues
        self.reasons = reasons
        self.segments = segments
        self.interval = interval
        self.omnichannel = scenario.omnichannel
        # Handle time of a repeat contact relative to a first one: unified context saves work.
        self.repeat_factor = 1.0 - scenario.omnichannel_handle_saving_pct / 100.0
        specs = [scenario.reasons.get(name) for name in reasons]
        self.resolution = [1.0 if spec is None else spec.first_contact_resolution
                           for spec in specs]
        self.max_follow_ups = [0 if spec is None else spec.max_follow_ups for spec in specs]
        self._follow_up_delay = [
            None if spec is None
            else samples(spec.follow_up_delay_hours, rng(f"follow_up/{r}"), 60.0)
            for r, spec in zip(reasons, specs, strict=True)
        ]
        names = list(scenario.segments) or ["all"]
        self._retry_delay: list[Draws | None] = [
            None if s is None or s.retry is None
            else samples(s.retry.delay_minutes, rng(f"retry_delay/{name}"))
            for name, s in zip(names, segments, strict=True)
        ]
        # Minutes after which a waiting message is chased, per segment (None: never).
        self.chase_after: list[float | None] = [
            None if s is None or s.chase is None else s.chase.after_hours * 60.0
            for s in segments
        ]
        self.retries = any(s is not None and s.retry is not None for s in segments)
        self._behaviour_draw = uniforms(rng("behaviour"))
        self._choice_draw = uniforms(rng("channel_choice"))
        # Customers who bought: their language (by the region's shares), segment and channel.
        self._order_draw = uniform_buffer(rng("order_customers"))
        self._languages = {
            name: (list(shares), list(accumulate(shares.values())))
            for name, spec in scenario.regions.items()
            for shares in [spec.language_shares()]
        }
        self._segment_cumulative = list(accumulate(s.share for s in scenario.segments.values()))
        self._order_mix: Mapping[str, float] = (
            scenario.order_contacts.channel_mix if scenario.order_contacts is not None else {}
        )
        self._served = {
            (region, language): [
                channel for channel in scenario.channels
                if scenario.teams_for(region, channel, language)
            ]
            for region, channel, language in scenario.queues
        }
        self._opening = {
            (region, channel): rules
            for region, spec in scenario.regions.items()
            for channel, rules in spec.opening_hours.items()
            if isinstance(scenario.channels[channel], SyncChannel)
        }
        # (region, channel, UTC day) -> open per quarter-hour, as a list and as an array.
        self._open_days: dict[tuple[str, str, int], tuple[list[bool], np.ndarray]] = {}
        # Weights of the served channels by who writes about an order (``_mix_row``).
        self._mix_rows: dict[tuple[str, str, object, int], tuple[list[float], Queue | None,
                                                                 str]] = {}

    # Channels open and served.

    def is_open(self, region: str, channel: str, now: float) -> bool:
        """Whether a live channel of ``region`` takes calls at clock minute ``now``."""
        if (region, channel) not in self._opening:
            return True
        table = self._open_quarters(region, channel, int(now // MINUTES_PER_DAY))[0]
        return table[int(now % MINUTES_PER_DAY // QUARTER_MINUTES)]

    def _open_quarters(
        self, region: str, channel: str, day: int
    ) -> tuple[list[bool], np.ndarray]:
        """Whether a live channel with opening hours is open, per quarter-hour of UTC ``day``
        (as a list, to read one, and as an array, to read many)."""
        key = (region, channel, day)
        table = self._open_days.get(key)
        if table is None:
            rules = [(frozenset(rule.weekday_numbers()), rule.start_hour, rule.end_hour)
                     for rule in self._opening[region, channel]]
            zone = self.scenario.regions[region].zone
            quarters = [
                any(weekday in weekdays and start <= hour < end
                    for weekdays, start, end in rules)
                for weekday, hour in local_quarters(self.scenario.start_date, zone, day)
            ]
            table = (quarters, np.array(quarters, dtype=bool))
            self._open_days[key] = table
        return table

    def choose(
        self, region: str, language: str, weights: Mapping[str, float], now: float
    ) -> str | None:
        """A channel drawn by ``weights`` among those served and open now; else a backlog
        channel (a message can always be left); None if the region offers neither."""
        served = self._served[region, language]
        options = [(c, w) for c, w in weights.items()
                   if w > 0 and c in served and self.is_open(region, c, now)]
        if options:
            total = sum(w for _, w in options)
            point = self._choice_draw.next() * total
            for channel, weight in options:
                point -= weight
                if point < 0:
                    return channel
            return options[-1][0]
        return self._message_channel(region, language, weights)

    def _message_channel(
        self, region: str, language: str, weights: Mapping[str, float]
    ) -> str | None:
        """Where a customer with no open channel among ``weights`` goes: a backlog channel
        (a message can always be left), one of their own first; None if there is none."""
        served = self._served[region, language]
        backlog = [c for c in served if not self.queues[region, c, language].sync]
        preferred = [c for c in backlog if weights.get(c, 0) > 0]
        choices = preferred or backlog
        return choices[0] if choices else None

    def _unserved(self, queue: Queue, source: int, now: float) -> None:
        """A contact with nowhere to go, counted at ``queue`` where it would have been."""
        k = int(now // self.interval)
        queue.arrivals[source][k] += 1
        queue.unserved[k] += 1

    # Where new contacts go.

    def open_queue(self, queue: Queue, segment: int, reason: int, now: float) -> Queue | None:
        """Where a forecast contact for a closed live ``queue`` goes: another open channel of
        the customer's mix, or a message; None (counted unserved) if there is neither."""
        spec = self.segments[segment]
        mix = spec.mix_for(self.reasons[reason]) if spec is not None else {}
        channel = self.choose(queue.region, queue.language, mix, now)
        if channel is None:
            k = int(now // self.interval)
            queue.forecast[k] += 1
            queue.unserved[k] += 1
            return None
        return self.queues[queue.region, channel, queue.language]

    def order_customers(
        self, region: str, weights: Mapping[str, float] | None, reasons: np.ndarray,
        times: np.ndarray,
    ) -> tuple[list[Queue | None], list[int]]:
        """The queue and segment of each customer of ``region`` who bought and gets in touch
        at ``times`` about reason indices ``reasons``.

        A language by the region's shares, a segment by the segments' shares, then a channel
        as ``choose`` draws it: by ``weights`` (the sales channel's contact channels; None: the
        segment's mix for the reason, else the scenario's ``order_contacts.channel_mix``) among
        the channels served and open at that moment, else a message channel. A customer no
        channel takes gets None, counted unserved where they would have written first. All
        drawn at once, a day of contacts at a time, from the ``order_customers`` stream.
        """
        count = times.size
        languages, cumulative = self._languages[region]
        language = np.zeros(count, dtype=np.int64)
        if len(languages) > 1:
            points = self._order_draw.take(count) * cumulative[-1]
            language = np.minimum(np.searchsorted(cumulative, points, side="right"),
                                  len(languages) - 1)
        segment = np.zeros(count, dtype=np.int64)
        if len(self.segments) > 1:
            points = self._order_draw.take(count) * self._segment_cumulative[-1]
            segment = np.minimum(np.searchsorted(self._segment_cumulative, points,
                                                 side="right"), len(self.segments) - 1)
        draws = self._order_draw.take(count)
        # Which mix each customer draws from: the sender's, or their segment's for the reason.
        mixes = (np.zeros(count, dtype=np.int64) if weights is not None
                 else segment * len(self.reasons) + reasons)
        days = whole_steps(times, MINUTES_PER_DAY)
        quarters = (np.mod(times, MINUTES_PER_DAY) // QUARTER_MINUTES).astype(np.int64)
        queues: list[Queue | None] = [None] * count
        for index in np.unique(language).tolist():
            lang = languages[index]
            members = np.flatnonzero(language == index)
            keys, row_of = np.unique(mixes[members], return_inverse=True)
            rows = [self._mix_row(region, lang, weights, key) for key in keys.tolist()]
            served = self._served[region, lang]
            # Weight of each served channel for each customer, zero where it is closed then.
            shares = np.array([row[0] for row in rows], dtype=float).reshape(
                len(rows), len(served))[row_of]
            for j, channel in enumerate(served):
                if (region, channel) in self._opening:
                    for day in np.unique(days[members]).tolist():
                        on_day = days[members] == day
                        table = self._open_quarters(region, channel, day)[1]
                        shares[on_day, j] *= table[quarters[members[on_day]]]
            running = np.cumsum(shares, axis=1)
            total = running[:, -1] if served else np.zeros(members.size)
            # The first channel whose running total passes the draw, as ``choose`` walks them.
            picks = np.minimum((running <= (draws[members] * total)[:, None]).sum(axis=1),
                               max(len(served) - 1, 0))
            options = [self.queues[region, channel, lang] for channel in served]
            for i, pick, row, any_open in zip(members.tolist(), picks.tolist(),
                                              row_of.tolist(), (total > 0).tolist(),
                                              strict=True):
                queue = options[pick] if any_open else rows[row][1]
                if queue is None:
                    # Nowhere to go: counted where the customer would have written first.
                    self._unserved(self.queues[region, rows[row][2], lang], FROM_ORDERS,
                                   float(times[i]))
                queues[i] = queue
        return queues, segment.tolist()

    def _mix_row(
        self, region: str, language: str, weights: Mapping[str, float] | None, key: int
    ) -> tuple[list[float], Queue | None, str]:
        """For customers of ``region`` and ``language`` who bought and draw their channel from
        ``weights`` (None: the mix of segment and reason ``key``): the weight of each served
        channel, the message queue they use when none of those is open (None: nowhere), and the
        channel where they count unserved then."""
        cache_key = (region, language, None if weights is None else tuple(weights.items()), key)
        row = self._mix_rows.get(cache_key)
        if row is None:
            mix = weights
            if mix is None:
                spec = self.segments[key // len(self.reasons)]
                mix = (spec.mix_for(self.reasons[key % len(self.reasons)])
                       if spec is not None else None) or self._order_mix
            served = self._served[region, language]
            fallback = self._message_channel(region, language, mix)
            row = (
                [max(mix.get(channel, 0.0), 0.0) for channel in served],
                None if fallback is None else self.queues[region, fallback, language],
                next(iter(mix), None) or next(iter(self.scenario.channels)),
            )
            self._mix_rows[cache_key] = row
        return row

    # Coming back: retries, follow-ups and chases.

    def retry_delay(self, contact: Contact) -> float | None:
        """Minutes after which a customer who just abandoned ``contact`` tries again, or
        None if they do not (customers without a segment never come back)."""
        segment = self.segments[contact.segment]
        if segment is None or segment.retry is None:
            return None
        if contact.repeats >= segment.retry.max_retries:
            return None
        if self._behaviour_draw.next() >= segment.retry.probability:
            return None
        delay = self._retry_delay[contact.segment]
        assert delay is not None
        return delay.next()

    def follow_up_delay(self, contact: Contact) -> float | None:
        """Minutes after which a customer whose ``contact`` was just answered comes back
        because it did not settle the matter, or None if it did."""
        reason = contact.reason
        resolution = self.resolution[reason]
        if resolution >= 1.0:
            return None
        if contact.repeats >= self.max_follow_ups[reason]:
            return None
        if self._behaviour_draw.next() < resolution:
            return None
        delay = self._follow_up_delay[reason]
        assert delay is not None
        return delay.next()

    def come_back(self, contact: Contact, source: int, now: float) -> Contact | None:
        """The retry (``source`` ``RETRY``) or follow-up (``FOLLOW_UP``) of ``contact``, made
        now; None (counted unserved) if no channel takes it."""
        queue = contact.queue
        segment = self.segments[contact.segment]
        if source == RETRY:
            assert segment is not None and segment.retry is not None
            weights = segment.retry.switch.get(queue.channel, {queue.channel: 1.0})
        else:
            mix = segment.mix_for(self.reasons[contact.reason]) if segment is not None else {}
            weights = mix or {queue.channel: 1.0}
        channel = self.choose(queue.region, queue.language, weights, now)
        if channel is None:
            self._unserved(self.queues[queue.region, queue.channel, queue.language], source, now)
            return None
        return self._repeat(contact, channel, source, now)

    def chase(self, contact: Contact, now: float) -> Contact | None:
        """A customer whose message ``contact`` has waited ``chase.after_hours`` may chase it
        now on another channel: the new contact, or None (no chase, or one merged into the
        open contact)."""
        if contact.state != WAITING:
            return None
        segment = self.segments[contact.segment]
        assert segment is not None and segment.chase is not None
        if contact.repeats >= segment.chase.max_chases:
            return None
        if self._behaviour_draw.next() >= segment.chase.probability:
            return None
        queue = contact.queue
        channel = self.choose(queue.region, queue.language, segment.chase.channels, now)
        if channel is None:
            return None
        if self.omnichannel:
            # Unified context: the chase lands on the open contact instead of new work.
            target = self.queues[queue.region, channel, queue.language]
            k = int(now // self.interval)
            target.chases[k] += 1
            target.merged[k] += 1
            if channel != queue.channel:
                target.switched[k] += 1
            return None
        return self._repeat(contact, channel, CHASE, now)

    def _repeat(self, contact: Contact, channel: str, source: int, now: float) -> Contact:
        """A contact of its own that repeats ``contact`` on ``channel``, arriving now."""
        origin = contact.queue
        queue = self.queues[origin.region, channel, origin.language]
        k = int(now // self.interval)
        queue.arrivals[source][k] += 1
        if channel != origin.channel:
            queue.switched[k] += 1
        handle = queue.handle.next()
        if self.omnichannel:
            handle *= self.repeat_factor
        return Contact(now, k, handle, queue, contact.segment, contact.reason,
                       contact.repeats + 1)


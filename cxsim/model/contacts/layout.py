"""The centre's layout from the scenario: its queues, its teams, and which team serves which.

A queue is one region, channel and language. A team serves the queues of its region for its
channels and languages (live ones by its priorities, lower first), and those of other regions
with its languages after its ``overflow_after_s``, as overflow.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

import numpy as np

from cxsim.model.contacts.agents import Team
from cxsim.model.contacts.queue import Queue
from cxsim.model.draws import samples
from cxsim.model.metrics import QUEUE_MEASURES, TEAM_MEASURES, interval_block
from cxsim.scenario.models import Scenario, Segment, SyncChannel

__all__ = ["build_queues", "link_teams"]

# Live channels a team has no priority for come after those it has.
_LAST = 1_000_000


def build_queues(
    scenario: Scenario,
    rng: Callable[[str], np.random.Generator],
    reasons: list[str],
    segments: Mapping[str, Segment | None],
    intervals: int,
    first_counted: int,
    days: int,
) -> dict[tuple[str, str, str], Queue]:
    """Every queue of the scenario, with its handle and patience draws, by key.

    ``segments`` are by name (``{"all": None}`` without segments): each draws patience from a
    stream of its own.
    """
    queues = {}
    block = interval_block(len(QUEUE_MEASURES), len(scenario.queues), intervals)
    for index, (region, channel, language) in enumerate(scenario.queues):
        spec = scenario.channels[channel]
        sync = isinstance(spec, SyncChannel)
        name = f"{region}/{channel}/{language}"
        patience = []
        for segment_name, segment in segments.items():
            distribution = spec.patience_minutes if isinstance(spec, SyncChannel) else None
            if sync and segment is not None and channel in segment.patience_minutes:
                distribution = segment.patience_minutes[channel]
            patience.append(None if distribution is None
                            else samples(distribution, rng(f"patience/{name}/{segment_name}")))
        queues[region, channel, language] = Queue(
            region, channel, language,
            sync=sync,
            target_minutes=(
                spec.target.answer_within_s / 60.0 if isinstance(spec, SyncChannel)
                else spec.target.respond_within_hours * 60.0
            ),
            concurrency=spec.concurrency if isinstance(spec, SyncChannel) else 1,
            slowdown=(spec.slowdown_per_extra_contact_pct / 100.0
                      if isinstance(spec, SyncChannel) else 0.0),
            rows=block[:, index],
            counted_from=first_counted * float(scenario.interval_minutes),
            first_counted=first_counted,
            handle=samples(spec.handle_minutes, rng(f"handle/{name}")),
            patience=patience,
            bot_shares=(None if spec.bot is None
                        else [spec.bot.share_for(reason) for reason in reasons]),
            bot_escalate=0.0 if spec.bot is None else spec.bot.escalate_share,
            has_hours=sync and channel in scenario.regions[region].opening_hours,
            reasons=len(reasons),
            days=days,
        )
    return queues


def link_teams(
    scenario: Scenario, queues: Mapping[tuple[str, str, str], Queue], intervals: int,
    retries: bool,
) -> dict[str, Team]:
    """The scenario's teams, each linked to the queues it serves at home and as overflow.

    ``retries``: some customers come back after abandoning (a waiting caller then needs a
    timer to act on when they give up).
    """
    block = interval_block(len(TEAM_MEASURES), len(scenario.teams), intervals)
    teams = {name: Team(name, spec.region, block[:, index])
             for index, (name, spec) in enumerate(scenario.teams.items())}
    for (region, channel, language), queue in queues.items():
        for name in scenario.teams_for(region, channel, language):
            team, spec = teams[name], scenario.teams[name]
            if spec.region == region:
                queue.teams.append(team)
                if queue.sync:
                    team.sync_queues.append((spec.priorities.get(channel, _LAST), queue))
                else:
                    team.async_queues.append(queue)
            else:
                wait = (spec.overflow_after_s or 0.0) / 60.0
                queue.overflow.append((team, wait))
                (team.overflow_sync if queue.sync else team.overflow_async).append((queue, wait))
    for team in teams.values():
        team.sync_queues.sort(key=lambda item: item[0])
        helped = [queue for queue, _ in team.overflow_sync]
        for queue in [*(q for _, q in team.sync_queues), *helped]:
            if queue.concurrency > 1:
                team.partial.setdefault(queue.channel, deque())
    for queue in queues.values():
        queue.overflow.sort(key=lambda item: item[1])
        queue.watchers = [*queue.teams, *(team for team, _ in queue.overflow)]
        # Without anything that happens when a caller gives up (a retry, help from another
        # region), a waiting caller needs no timer: their patience is kept as a deadline, found
        # out when they reach the head (Router._expire).
        impatient = any(patience is not None for patience in queue.patience)
        queue.lazy = (impatient and queue.sync and queue.concurrency == 1
                      and not queue.overflow and not retries)
    return teams

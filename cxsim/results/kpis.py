"""KPIs of one replication, as flat rows (rep, scope, region, channel, kpi, value).

Statistics skip the warm-up; contacts are counted in the interval they arrived, orders on the
day they were placed. ``wait_prob``, ``abandoned``, ``abandon_rate``, ``asa_s`` and
``wait_p90_s`` are over synchronous (live) channels, ``response_p95_h`` over asynchronous ones;
``service_level`` judges each contact by its own channel's target.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cxsim.model.calendar import MINUTES_PER_DAY
from cxsim.model.metrics import (
    QUEUE_MEASURES,
    ReplicationRecord,
    histogram_quantile,
    histogram_share_within,
)
from cxsim.model.order_contacts import ORDER_CONTACT_MEASURES
from cxsim.results.summary import ALL, counted_index, first_counted_day, ratio, rollups
from cxsim.scenario.common import ORDER_REASONS
from cxsim.scenario.models import Scenario, SyncChannel
from cxsim.theory.erlang import agents_for_service_level_many

__all__ = ["Requirement", "overdue_intervals", "required_agents", "run_rows",
           "scenario_reasons", "target_minutes"]


def _total(values: np.ndarray) -> float:
    """The sum of a measure's values added one after the other, as Python's ``sum`` adds them
    (numpy's pairwise sum can differ in the last bits, and KPIs stay as they were)."""
    return float(sum(values.tolist()))


@dataclass(frozen=True)
class _QueueInfo:
    region: str
    channel: str
    sync: bool
    exclude_short_abandons: bool
    target_minutes: float


def target_minutes(scenario: Scenario, channel: str) -> float:
    """The answer (live) or response (backlog) target of ``channel``, minutes."""
    spec = scenario.channels[channel]
    if isinstance(spec, SyncChannel):
        return spec.target.answer_within_s / 60.0
    return spec.target.respond_within_hours * 60.0


def _queue_info(scenario: Scenario, key: tuple[str, str, str]) -> _QueueInfo:
    spec = scenario.channels[key[1]]
    sync = isinstance(spec, SyncChannel)
    exclude = sync and spec.target.exclude_abandons_within_target  # type: ignore[union-attr]
    return _QueueInfo(key[0], key[1], sync, bool(exclude), target_minutes(scenario, key[1]))


def overdue_intervals(horizon_minutes: float, interval_minutes: float, target: float) -> int:
    """How many intervals from the start ended ``target`` minutes or more before the horizon:
    a contact of theirs still waiting at the end had surely waited past ``target``. (One of a
    later interval might still have been answered in time: it is not judged.)"""
    return max(0, int((horizon_minutes - target) // interval_minutes))


def _overdue_at_end(record: ReplicationRecord, waiting: np.ndarray, target: float) -> float:
    """Contacts of the counted intervals still waiting at the end, surely past ``target``."""
    first = record.first_counted_interval
    last = overdue_intervals(record.horizon_minutes, record.interval_minutes, target)
    return _total(waiting[first:max(first, last)])


def _contact_kpis(
    infos: Sequence[_QueueInfo],
    totals: Sequence[dict[str, float]],
    histograms: Sequence[np.ndarray],
) -> dict[str, float]:
    """KPIs of a group of queues from their measures summed over the counted intervals."""

    def total(measure: str, which: Iterable[int]) -> float:
        return sum(totals[i][measure] for i in which)

    every = range(len(infos))
    sync = [i for i in every if infos[i].sync]
    backlog = [i for i in every if not infos[i].sync]
    # Judged against the target: those answered or abandoned, and those that had waited past
    # it and were still waiting at the end (a backlog nobody works must not look met).
    judged = sum(
        totals[i]["handled"] + totals[i]["abandoned"] + totals[i]["overdue_at_end"]
        - (totals[i]["abandoned_in_target"] if infos[i].exclude_short_abandons else 0.0)
        for i in every
    )
    kpis = {
        "offered": total("offered", every),
        "handled": total("handled", every),
        "service_level": ratio(total("answered_in_target", every), judged),
        "deflected": total("deflected", every),
        "escalated": total("escalated", every),
        "switched": total("switched", every),
        "retries": total("retries", every),
        "chases": total("chases", every),
        "follow_ups": total("follow_ups", every),
        "merged": total("merged", every),
        "unserved": total("unserved", every),
    }
    if sync:
        offered = total("offered", sync)
        kpis["abandoned"] = total("abandoned", sync)
        kpis["wait_prob"] = ratio(offered - total("answered_at_once", sync), offered)
        kpis["abandon_rate"] = ratio(kpis["abandoned"], offered)
        kpis["asa_s"] = 60 * ratio(total("wait_minutes_handled", sync), total("handled", sync))
        waits = np.sum([histograms[i] for i in sync], axis=0)
        kpis["wait_p90_s"] = 60 * histogram_quantile(waits.tolist(), 0.90)
    if backlog:
        waits = np.sum([histograms[i] for i in backlog], axis=0)
        kpis["response_p95_h"] = histogram_quantile(waits.tolist(), 0.95) / 60
    return kpis


def _groups(keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str], list[int]]:
    """(region, channel) scopes, with ``*`` for all, -> indices of the queues they cover."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, (region, channel, _language) in enumerate(keys):
        for scope in rollups(region, channel):
            groups.setdefault(scope, []).append(index)
    return groups


def run_rows(scenario: Scenario, record: ReplicationRecord) -> list[tuple[Any, ...]]:
    """(rep, scope, region, channel, kpi, value) rows of one replication."""
    first = record.first_counted_interval
    rep = record.replication
    rows: list[tuple[Any, ...]] = []
    keys = list(record.queues)
    infos = [_queue_info(scenario, key) for key in keys]
    totals = [
        {m: _total(record.queues[key][m][first:]) for m in QUEUE_MEASURES}
        | {"overdue_at_end": _overdue_at_end(record, record.queues[key]["waiting_at_end"],
                                             info.target_minutes)}
        for key, info in zip(keys, infos, strict=True)
    ]
    histograms = [np.asarray(record.wait_histograms[key]) for key in keys]
    for (region, channel), members in _groups(keys).items():
        kpis = _contact_kpis(
            [infos[i] for i in members], [totals[i] for i in members],
            [histograms[i] for i in members],
        )
        rows += [(rep, "contacts", region, channel, k, v) for k, v in kpis.items()]

    costs: dict[str, dict[str, float]] = {}

    def add_cost(region: str, kind: str, amount: float) -> None:
        for scope in (region, ALL):
            bucket = costs.setdefault(scope, {"agents": 0.0, "holding": 0.0, "shipping": 0.0})
            bucket[kind] += amount

    team_regions = {name: spec.region for name, spec in scenario.teams.items()}
    for region in [*dict.fromkeys(team_regions.values()), ALL] if team_regions else []:
        names = [n for n, r in team_regions.items() if region in (ALL, r)]

        def total(measure: str, names: list[str] = names) -> float:
            return sum(_total(record.teams[n][measure][first:]) for n in names)

        peaks = np.sum([record.teams[n]["peak_on_duty"][first:] for n in names], axis=0)
        busy, available = total("busy_minutes"), total("available_minutes")
        rows += [
            (rep, "contacts", region, ALL, "occupancy", ratio(busy, available)),
            (rep, "staffing", region, ALL, "agent_hours", total("on_duty_minutes") / 60),
            (rep, "staffing", region, ALL, "available_hours", available / 60),
            (rep, "staffing", region, ALL, "agents_peak", float(np.max(peaks))),
            (rep, "staffing", region, ALL, "headcount_end",
             float(sum(float(record.teams[n]["headcount"][-1]) for n in names))),
        ]
    for name, team in scenario.teams.items():
        hours = _total(record.teams[name]["on_duty_minutes"][first:]) / 60
        add_cost(team.region, "agents", hours * team.cost_per_hour)
    required = _required_staffing(scenario, record)
    for region, (hours, _cost) in required.items():
        rows.append((rep, "staffing", region, ALL, "required_agent_hours", hours))
    rows += _reason_rows(scenario, record)
    rows += _order_rows(scenario, record, add_cost)
    rows += _marketplace_rows(scenario, record)
    for region, bucket in costs.items():
        rows += [(rep, "cost", region, ALL, kind, amount) for kind, amount in bucket.items()]
        rows.append((rep, "cost", region, ALL, "total", sum(bucket.values())))
        if region in required:
            rows.append((rep, "cost", region, ALL, "agents_required", required[region][1]))
    return rows


@dataclass(frozen=True)
class Requirement:
    """What a queue needs on duty each interval to meet its channel's target.

    Attributes:
        agents: agents available (after shrinkage) per interval.
        shrinkage: the mean shrinkage of the teams that serve the queue (its own region's
            teams first), as a share of rostered time.
        cost_per_hour: their mean cost of a rostered agent-hour.
    """

    agents: np.ndarray
    shrinkage: float
    cost_per_hour: float

    @property
    def rostered(self) -> np.ndarray:
        """Agents rostered per interval: the available agents grossed up by shrinkage."""
        return self.agents / (1.0 - self.shrinkage)


def required_agents(
    scenario: Scenario, queue: tuple[str, str, str], offered: np.ndarray, handle_minutes: float,
    interval_minutes: float,
) -> Requirement:
    """Interval by interval, what one queue needs to meet its channel's target, as workforce
    tools staff: a live queue gets the fewest agents whose Erlang C service level on the
    interval's offered contacts meets the target (servers shared by ``concurrency`` chats each;
    abandonment ignored, which errs on the safe side); a backlog gets its workload (its target
    is a day, not an interval).

    Args:
        scenario: the scenario that was run.
        queue: (region, channel, language).
        offered: contacts offered per interval.
        handle_minutes: the queue's mean handle time (the simulated one, omnichannel savings
            included).
        interval_minutes: length of an interval.
    """
    region, channel, language = queue
    spec = scenario.channels[channel]
    names = scenario.teams_for(region, channel, language)
    home = [scenario.teams[n] for n in names if scenario.teams[n].region == region]
    teams = home or [scenario.teams[n] for n in names]
    shrinkage = float(np.mean([t.shrinkage for t in teams])) if teams else 0.0
    cost_per_hour = float(np.mean([t.cost_per_hour for t in teams])) if teams else 0.0
    if isinstance(spec, SyncChannel):
        level = min(max(spec.target.service_level, 1e-9), 1 - 1e-9)
        servers = agents_for_service_level_many(
            offered * 60.0 / interval_minutes, max(handle_minutes, 1e-9),
            spec.target.answer_within_s, level,
        )
        agents = np.ceil(servers / spec.concurrency)
    else:
        agents = offered * handle_minutes / interval_minutes
    return Requirement(agents, shrinkage, cost_per_hour)


def _required_staffing(
    scenario: Scenario, record: ReplicationRecord
) -> dict[str, tuple[float, float]]:
    """Region (and ``*``) -> (agent hours, their cost) needed to meet every channel's target:
    ``required_agents`` over the counted intervals of every queue, in rostered hours (available
    hours grossed up by shrinkage) at the teams' cost per hour."""
    first = record.first_counted_interval
    interval = float(record.interval_minutes)
    out: dict[str, tuple[float, float]] = {}
    for (region, channel, language), series in record.queues.items():
        offered = np.asarray(series["offered"][first:], dtype=float)
        if not offered.any():
            continue
        handled = _total(series["handled"])
        handle = (_total(series["handle_minutes"]) / handled if handled
                  else scenario.channels[channel].handle_minutes.expected)
        need = required_agents(scenario, (region, channel, language), offered, handle, interval)
        hours = float(need.agents.sum()) * interval / 60.0 / (1.0 - need.shrinkage)
        for scope in (region, ALL):
            total, cost = out.get(scope, (0.0, 0.0))
            out[scope] = (total + hours, cost + hours * need.cost_per_hour)
    return out


def _marketplace_rows(scenario: Scenario, record: ReplicationRecord) -> list[tuple[Any, ...]]:
    """``responded_in_time`` of each sales channel with rules: the share of messages on its
    contact channels first answered within the rule's deadline, per region where it sells and
    over all. Messages still waiting at the end that had waited past the deadline count as late.
    """
    rows: list[tuple[Any, ...]] = []
    for name, sales_channel in scenario.sales_channels.items():
        rules = sales_channel.rules
        if rules is None:
            continue
        deadline = rules.respond_within_hours * 60.0
        regions = [region for region, spec in scenario.regions.items() if spec.demand is not None
                   and name in spec.demand.sales_channel_shares()]
        within = {region: [0.0, 0.0] for region in [*regions, ALL]}
        for (region, channel, language), series in record.queues.items():
            if region not in regions or channel not in sales_channel.contact_channels:
                continue
            histogram = record.wait_histograms[region, channel, language]
            answered = float(sum(histogram))
            on_time = answered * (histogram_share_within(histogram, deadline) if answered else 0)
            overdue = _overdue_at_end(record, series["waiting_at_end"], deadline)
            for scope in (region, ALL):
                within[scope][0] += on_time
                within[scope][1] += answered + overdue
        rows += [(record.replication, "orders", scope, name, "responded_in_time",
                  ratio(on_time, judged)) for scope, (on_time, judged) in within.items()]
    return rows


def scenario_reasons(scenario: Scenario) -> list[str]:
    """Reasons contacts of a scenario can have: its forecasts' and, with order contacts, the
    reasons orders bring (repeats keep the reason of the contact they repeat)."""
    reasons = dict.fromkeys(volume.reason_name for volume in scenario.contact_volume)
    if scenario.order_contacts is not None:
        reasons.update(dict.fromkeys(ORDER_REASONS))
    return list(reasons)


def _reason_rows(scenario: Scenario, record: ReplicationRecord) -> list[tuple[Any, ...]]:
    """Contacts that arrived at a queue (offered or deflected) by reason: KPI contacts_<reason>,
    per region and channel, counted by day from the first whole day after the warm-up."""
    first_day = first_counted_day(scenario)
    reasons = scenario_reasons(scenario)
    totals: dict[tuple[str, str, str], float] = {}
    for region, channel, language in record.queues:
        for reason in reasons:
            days = record.reasons.get((region, channel, language, reason))
            count = 0.0 if days is None else float(sum(days[first_day:].tolist()))
            for scope in rollups(region, channel):
                key = (*scope, reason)
                totals[key] = totals.get(key, 0.0) + count
    rep = record.replication
    return [(rep, "contacts", region, channel, f"contacts_{reason}", value)
            for (region, channel, reason), value in totals.items()]


def _order_rows(
    scenario: Scenario, record: ReplicationRecord, add_cost: Any
) -> list[tuple[Any, ...]]:
    """Orders and inventory KPIs of one replication, and their costs, over the local days
    from the first whole day after the warm-up (each region's and node's own dates)."""
    rep = record.replication
    rows: list[tuple[Any, ...]] = []
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    order_from = {region: counted_index(scenario, date)
                  for region, date in record.order_dates.items()}
    for key in record.orders:
        region, channel, _product = key
        for scope in rollups(region, channel):
            groups.setdefault(scope, []).append(key)
    for (region, channel), keys in groups.items():
        def total(measure: str, keys: list[tuple[str, str, str]] = keys) -> float:
            return float(sum(np.sum(record.orders[k][measure][order_from[k[0]]:])
                             for k in keys))

        units = total("units")
        histogram = np.sum([record.delivery_histograms[k] for k in keys], axis=0).tolist()
        kpis = {
            "orders": total("orders"),
            "fill_rate": ratio(total("units_from_stock"), units),
            "on_time_rate": ratio(total("on_time"), total("promised")),
            "delivery_days_p50": histogram_quantile(histogram, 0.5) / MINUTES_PER_DAY,
            "delivery_days_p95": histogram_quantile(histogram, 0.95) / MINUTES_PER_DAY,
            "backorder_rate": ratio(total("units_backordered"), units),
            "lost_rate": ratio(total("units_lost"), units),
            "next_node_rate": ratio(total("units_next_node"), units),
            "late_orders": total("late"),
            "returns": total("returns"),
        }
        if scenario.order_contacts is not None:
            contacts = {measure: total(measure) for measure in ORDER_CONTACT_MEASURES.values()}
            kpis.update(contacts)
            kpis["contacts_per_order"] = ratio(sum(contacts.values()), kpis["orders"])
        rules = scenario.sales_channels.get(channel)
        if rules is not None and rules.rules is not None:
            kpis["late_shipment_rate"] = ratio(total("shipped_late"), total("ship_due"))
        rows += [(rep, "orders", region, channel, k, v) for k, v in kpis.items()]
    for (region, _channel, _product), series in record.orders.items():
        add_cost(region, "shipping", float(np.sum(series["shipping_cost"][order_from[region]:])))
    stock_from = {node: counted_index(scenario, date)
                  for node, date in record.inventory_dates.items()}
    by_node: dict[tuple[str, str], list[tuple[int, dict[str, np.ndarray]]]] = {}
    for (node, product, _channel), series in record.inventory.items():
        first = stock_from[node]
        for scope in ((node, product), (node, ALL)):
            by_node.setdefault(scope, []).append((first, series))
        holding = scenario.nodes[node].stock[product].holding_cost_per_unit_day
        on_hand_days = float(np.sum(series["on_hand_minutes"][first:])) / MINUTES_PER_DAY
        add_cost(scenario.nodes[node].location, "holding", on_hand_days * holding)
    for (node, product), parts in by_node.items():
        def level(measure: str, parts: list[tuple[int, dict[str, np.ndarray]]] = parts) -> float:
            return float(sum(np.sum(p[measure][first:]) for first, p in parts))

        # Every pool of a node has the same days: the time averages divide by one's minutes.
        first, series = parts[0]
        counted_minutes = float(np.sum(series["day_minutes"][first:]))
        rows += [
            (rep, "inventory", node, product, "on_hand_mean",
             ratio(level("on_hand_minutes"), counted_minutes)),
            (rep, "inventory", node, product, "on_order_mean",
             ratio(level("on_order_minutes"), counted_minutes)),
            (rep, "inventory", node, product, "stockout_days",
             level("stockout_minutes") / MINUTES_PER_DAY / (len(parts) if product == ALL else 1)),
            (rep, "inventory", node, product, "fill_rate",
             ratio(level("units_filled"), level("units_demanded"))),
        ]
        if scenario.order_contacts is not None:
            # Product issues of the stock's supplier, per unit shipped from it.
            issues = level("product_issue_contacts")
            rows += [
                (rep, "inventory", node, product, "product_issue_contacts", issues),
                (rep, "inventory", node, product, "product_issue_rate",
                 ratio(issues, level("shipments"))),
            ]
    return rows

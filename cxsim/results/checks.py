"""What a run says about the plan: targets met or missed, and whether each launch is ready.

``targets`` judges every target the scenario sets (each channel's service level, each
marketplace's message and late-shipment rules) by the confidence interval of its KPI: ``met``
when the whole interval is on the right side of the limit, ``missed`` when it is wholly on the
wrong side, ``at risk`` when it straddles the limit (with one replication, by the mean alone).

``launch_checks`` lists, for every region with a launch date, what must be in place before it:
the preparation items the scenario names, the first stock of each node that serves the region,
and agents for each channel and language. Each row gives the latest date to decide and a status:
``ready``, ``at risk`` (first stock late in some replications), ``late`` (it will not be ready
by the launch), ``too late`` (the latest decision date is before the scenario starts and the item
has not been started) or ``open`` (not started, still time to decide), ``missing`` (no agents).
An infeasible plan is reported here, not raised.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cxsim.model.calendar import MINUTES_PER_DAY, LocalClock
from cxsim.scenario.commerce import Node
from cxsim.scenario.models import Scenario

__all__ = ["LAUNCH_COLUMNS", "TARGET_COLUMNS", "launch_checks", "target_status", "targets"]

TARGET_COLUMNS = ["scope", "region", "channel", "kpi", "rule", "limit", "mean", "ci_low",
                  "ci_high", "status"]
LAUNCH_COLUMNS = ["region", "launch_date", "kind", "item", "lead_days", "started", "ready_by",
                  "decide_by", "on_time_share", "status", "detail"]
# The share of first-stock lead times a decision date covers: decide by launch minus this
# quantile of the lead time.
LEAD_TIME_QUANTILE = 0.95


def first_stock_lead_days(node: Node) -> int:
    """Whole days a new node's first stock must be ordered ahead of the launch to arrive in time
    with ``LEAD_TIME_QUANTILE`` confidence (the decide-by date's lead)."""
    lead = node.first_inbound_lead_days
    if lead is None:
        raise ValueError("the node has no first_inbound")
    return math.ceil(lead.quantile(LEAD_TIME_QUANTILE))


def target_status(mean: float, low: float, high: float, limit: float, at_least: bool) -> str:
    """``met``, ``at risk`` or ``missed``: a KPI's confidence interval against a limit it must
    reach (``at_least``) or stay under; with no interval (one replication), by the mean alone."""
    if math.isnan(low):
        low = high = mean
    good_low, good_high = (low >= limit, high >= limit) if at_least else (
        high <= limit, low <= limit)
    if good_low:
        return "met"
    return "at risk" if good_high else "missed"


def targets(scenario: Scenario, summary: pd.DataFrame) -> pd.DataFrame:
    """Every target of the scenario against the summary's KPI (``TARGET_COLUMNS``)."""
    rows = []

    def add(scope: str, kpi: str, channel: str, limit: float, at_least: bool) -> None:
        found = summary[(summary["scope"] == scope) & (summary["kpi"] == kpi)
                        & (summary["channel"] == channel)]
        for record in found.to_dict("records"):
            mean, low, high = (float(record[c]) for c in ("mean", "ci_low", "ci_high"))
            if math.isnan(mean):
                continue  # nothing to judge: no contact or order there
            rows.append((scope, record["region"], channel, kpi, ">=" if at_least else "<=",
                         limit, mean, low, high,
                         target_status(mean, low, high, limit, at_least)))

    for name, channel in scenario.channels.items():
        add("contacts", "service_level", name, channel.target.service_level, True)
    for name, sales_channel in scenario.sales_channels.items():
        if sales_channel.rules is not None:
            add("orders", "responded_in_time", name, sales_channel.rules.responded_in_time_min,
                True)
            add("orders", "late_shipment_rate", name, sales_channel.rules.late_shipment_rate_max,
                False)
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def _launch_minute(scenario: Scenario, region: str, day: dt.date) -> float:
    """The clock minute at which local date ``day`` begins in ``region``."""
    clock = LocalClock(scenario.start_date, scenario.regions[region].zone)
    return clock.clock((day - scenario.start_date).days * MINUTES_PER_DAY)


def _date(scenario: Scenario, minute: float) -> dt.date | None:
    if math.isinf(minute) or math.isnan(minute):
        return None
    return scenario.start_date + dt.timedelta(days=math.floor(minute / MINUTES_PER_DAY))


def launch_checks(
    scenario: Scenario, first_inbound: Mapping[str, Sequence[float]]
) -> pd.DataFrame:
    """Launch readiness of every region with a launch date (``LAUNCH_COLUMNS``).

    Args:
        scenario: the scenario that was run.
        first_inbound: node -> clock minute its first stock arrived, one per replication.
    """
    rows: list[tuple[object, ...]] = []
    start = scenario.start_date
    for region, spec in scenario.regions.items():
        launch = spec.launch_date
        if launch is None:
            continue

        def row(kind: str, item: str, lead: float, started: dt.date | None,
                ready: dt.date | None, decide: dt.date | None, share: float, status: str,
                detail: str = "", launch: dt.date = launch, region: str = region) -> None:
            rows.append((region, launch, kind, item, lead, started, ready, decide, share, status,
                         detail))

        for item, prep in spec.preparation.items():
            decide = launch - dt.timedelta(days=prep.lead_days)
            if prep.started is None:
                status = "too late" if decide < start else "open"
                ready = None
            else:
                ready = prep.started + dt.timedelta(days=prep.lead_days)
                status = "ready" if ready <= launch else "late"
            row("preparation", item, prep.lead_days, prep.started, ready, decide, math.nan,
                status)
        launch_minute = _launch_minute(scenario, region, launch)
        for node_name, node in scenario.nodes.items():
            if region not in node.serves:
                continue
            inbound = node.first_inbound
            if inbound is None:
                row("stock", node_name, 0.0, None, start, None, 1.0, "ready",
                    "stocked from the start")
                continue
            lead_days = first_stock_lead_days(node)
            arrivals = np.asarray(first_inbound.get(node_name, []), dtype=float)
            share = float(np.mean(arrivals <= launch_minute)) if arrivals.size else math.nan
            ready = _date(scenario, float(np.max(arrivals))) if arrivals.size else None
            status = ("ready" if share == 1.0 else "late" if share == 0.0 else "at risk"
                      if not math.isnan(share) else "no data")
            row("stock", node_name, lead_days, inbound.ordered, ready,
                launch - dt.timedelta(days=lead_days), share, status,
                f"first stock ordered {inbound.ordered}; decide by covers the "
                f"{LEAD_TIME_QUANTILE:.0%} lead time")
        rows.extend(_agent_rows(scenario, region, launch))
    return pd.DataFrame(rows, columns=LAUNCH_COLUMNS)


def _agent_rows(scenario: Scenario, region: str, launch: dt.date) -> list[tuple[object, ...]]:
    """Agents at launch: a row per team of the region (the unit a hiring plan hires for), from
    its starting agents and hires dated on or before the launch, decided by the earliest of
    those hires' decision dates; and a row per channel and language of the region that only
    other regions' teams serve (``overflow only``) or whose teams have nobody (``missing``).
    """
    rows: list[tuple[object, ...]] = []
    spec = scenario.regions[region]
    for name, team in scenario.teams.items():
        if team.region != region:
            continue
        agents = team.agents
        decisions: list[dt.date] = []
        full_speed = scenario.start_date
        for hire_date, count, decide in team.decision_dates():
            if hire_date <= launch:
                agents += count
                decisions.append(decide)
                ramp_days = round(team.ramp.weeks * 7) if team.ramp is not None else 0
                full_speed = max(full_speed, hire_date + dt.timedelta(days=ramp_days))
        decide_by = min(decisions) if decisions else None
        if agents == 0:
            status = "missing"
        elif decide_by is not None and decide_by < scenario.start_date:
            status = "too late"
        else:
            status = "ready" if decide_by is None else "open"
        languages = [lang for lang in spec.language_shares() if scenario.speaks(team, lang)]
        detail = f"{agents} agents at launch for {', '.join(team.channels)}"
        if any(languages):
            detail += f" ({', '.join(languages)})"
        if full_speed > launch:
            detail += f", all at full speed by {full_speed}"
        lead = float(team.hiring_lead_days) if decisions else 0.0
        rows.append((region, launch, "agents", name, lead, None, launch, decide_by, math.nan,
                     status, detail))
    for language in spec.language_shares():
        for channel in scenario.channels:
            names = scenario.teams_for(region, channel, language)
            if names and all(scenario.teams[n].region != region for n in names):
                item = channel + (f" in {language}" if language else "")
                rows.append((region, launch, "agents", item, 0.0, None, launch, None, math.nan,
                             "overflow only", f"served by {', '.join(names)} after a wait"))
    return rows

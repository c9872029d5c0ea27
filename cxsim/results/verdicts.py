"""A verdict per region: go, at risk or no-go, with its reasons in plain words.

The verdict reads the result tables only (targets, launch checks, hiring, the summary), by the
rules in ``RULES``; the command line and the report both show it. A region is **no-go** when a
finding makes it so, else **at risk** when one makes it so, else **go**. Notes (decisions still
open) are listed beside the verdict but do not change it.

Thresholds are judged by the 95% confidence interval, as ``targets.csv`` judges targets: a
limit is *missed* when the whole interval is on the wrong side of it, *at risk* when the
interval straddles it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from cxsim.results.catalogue import format_interval, format_value
from cxsim.results.checks import target_status
from cxsim.results.summary import ALL
from cxsim.scenario.models import AsyncChannel, Scenario

if TYPE_CHECKING:
    from cxsim.results.store import Results

__all__ = [
    "FAR_BELOW_POINTS",
    "ON_TIME_FAR_BELOW",
    "ON_TIME_TARGET",
    "RULES",
    "VERDICT_COLUMNS",
    "Finding",
    "RegionVerdict",
    "Rule",
    "promise_text",
    "region_verdicts",
    "verdict_table",
]

Verdict = Literal["go", "at risk", "no-go"]
Severity = Literal["no-go", "at risk", "note"]

# The on-time share of a sales channel's orders that backs a promise (the promise planner's
# default target), and the share below which the promise is broken outright: more than one
# order in five late.
ON_TIME_TARGET = 0.95
ON_TIME_FAR_BELOW = 0.80
# A service level this far under its target (in points of share) is a service customers cannot
# reach, not a thin plan.
FAR_BELOW_POINTS = 0.20


@dataclass(frozen=True)
class Rule:
    """A verdict rule: its name, the verdict it leads to, and what it says."""

    name: str
    severity: Severity
    statement: str


RULES: tuple[Rule, ...] = (
    Rule("launch_not_ready", "no-go",
         "A launch item (a preparation step, a new node's first stock, a team's agents) will not "
         "be ready by launch day (late), its latest decision date fell before the plan starts "
         "(too late), or a launching team has no agents (missing)."),
    Rule("marketplace_rule_missed", "no-go",
         "A marketplace's rule is missed: its late-shipment rate or its share of buyer messages "
         "answered in time is wholly on the wrong side of the limit; the marketplace may "
         "suspend the seller."),
    Rule("on_time_far_below", "no-go",
         f"A sales channel's orders arrive within the promise far less often than promised: "
         f"the whole interval of the on-time share is under {ON_TIME_FAR_BELOW:.0%}."),
    Rule("service_far_below", "no-go",
         f"A channel's service level is wholly more than {FAR_BELOW_POINTS * 100:.0f} points "
         "under its target."),
    Rule("target_missed", "at risk",
         "A channel's service-level target is missed, or a service-level target or a "
         "marketplace rule is at risk (its interval straddles the limit)."),
    Rule("on_time_below", "at risk",
         f"A sales channel's on-time share may be under {ON_TIME_TARGET:.0%}."),
    Rule("first_stock_at_risk", "at risk",
         "A new node's first stock arrives after the launch in some replications (or never "
         "within the horizon)."),
    Rule("stock_runs_out", "at risk",
         "A node that serves the region runs out of a product: stock-out days above zero."),
    Rule("hire_too_late", "at risk",
         "A hire after the launch should have been decided before the plan starts."),
    Rule("launch_after_horizon", "at risk",
         "The region launches after the simulated horizon ends: nothing after its launch was "
         "simulated."),
    Rule("not_judged", "at risk",
         "A channel's service or a sales channel's promise could not be judged after the "
         "warm-up: contacts were offered but none was answered, abandoned or past its target "
         "by the end, or no order fell due. Nothing backs a go there (a longer horizon, or a "
         "shorter warm-up)."),
    Rule("decision_open", "note",
         "Launch items not yet started, with the date to decide them by, and channels served "
         "only by other regions' teams: listed, they do not change the verdict."),
)
_SEVERITY = {rule.name: rule.severity for rule in RULES}
_RANK: dict[str, int] = {"no-go": 0, "at risk": 1, "note": 2}


@dataclass(frozen=True)
class Finding:
    """One reason behind a verdict.

    Attributes:
        rule: the name of the rule in ``RULES`` it follows.
        text: what was found, in plain words (scenario names unescaped).
        decide_by: the latest date to decide, where the finding has one.
    """

    rule: str
    text: str
    decide_by: dt.date | None = None

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self.rule]


@dataclass(frozen=True)
class RegionVerdict:
    """The verdict on one region and its findings, the most serious first."""

    region: str
    verdict: Verdict
    launch_date: dt.date | None
    findings: tuple[Finding, ...]


VERDICT_COLUMNS = ["region", "verdict", "severity", "rule", "finding", "decide_by"]


def region_verdicts(results: Results) -> list[RegionVerdict]:
    """The verdict on every region of the scenario, in the scenario's order."""
    scenario = results.scenario
    found: dict[str, list[Finding]] = {region: [] for region in scenario.regions}
    for region, finding in (*_target_findings(results.targets, scenario),
                            *_on_time_findings(results.summary, scenario),
                            *_launch_findings(results.launch),
                            *_stock_findings(results.summary, scenario),
                            *_hiring_findings(results.hiring, scenario),
                            *_horizon_findings(scenario),
                            *_unjudged_findings(results.summary, scenario)):
        if region in found:
            found[region].append(finding)
    verdicts = []
    for region, findings in found.items():
        ordered = tuple(sorted(findings, key=lambda f: _RANK[f.severity]))  # stable: by rule
        severities = {f.severity for f in ordered}
        verdict: Verdict = ("no-go" if "no-go" in severities
                            else "at risk" if "at risk" in severities else "go")
        verdicts.append(RegionVerdict(region, verdict, scenario.regions[region].launch_date,
                                      ordered))
    return verdicts


def verdict_table(verdicts: list[RegionVerdict]) -> pd.DataFrame:
    """The verdicts as a tidy table, one row per finding (``VERDICT_COLUMNS``); a region with
    none has one row with an empty finding."""
    rows = []
    for verdict in verdicts:
        for finding in verdict.findings or (None,):
            rows.append((verdict.region, verdict.verdict,
                         finding.severity if finding else "", finding.rule if finding else "",
                         finding.text if finding else "",
                         finding.decide_by if finding else None))
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def promise_text(scenario: Scenario, region: str, sales_channel: str) -> str:
    """The delivery promise of a region's sales channel in words ('2 business days'), or ''
    when it has none."""
    days = scenario.promise_days_for(region, sales_channel)
    if days is None:
        return ""
    unit = {"hours": "days", "end_of_day": "days (to the end of the day)",
            "business_days": "business days"}[scenario.regions[region].promise_rule]
    return f"{days:g} {unit}"


def _stats(row: Mapping[Hashable, Any]) -> tuple[float, float, float]:
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


def _target_findings(
    targets: pd.DataFrame, scenario: Scenario
) -> Iterator[tuple[str, Finding]]:
    for row in targets.to_dict("records"):
        status, kpi, channel = str(row["status"]), str(row["kpi"]), str(row["channel"])
        if status == "met" or row["region"] == ALL:
            continue
        mean, low, high = _stats(row)
        value = format_interval(kpi, mean, low, high)
        limit = format_value(kpi, float(row["limit"]))
        if kpi == "service_level":
            spec = scenario.channels[channel]
            within = (f"messages answered within {spec.target.respond_within_hours:g} h"
                      if isinstance(spec, AsyncChannel)
                      else f"contacts answered within {spec.target.answer_within_s:g} s")
            far = status == "missed" and high < float(row["limit"]) - FAR_BELOW_POINTS
            how = ("far below" if far else "below" if status == "missed"
                   else "may fall below")
            text = f"{channel}: {value} of {within}, {how} the {limit} target"
            rule = "service_far_below" if far else "target_missed"
        else:
            rules = scenario.sales_channels[channel].rules
            if kpi == "late_shipment_rate":
                how = "above" if status == "missed" else "may exceed"
                text = f"{channel}: {value} of orders shipped late, {how} the marketplace's " \
                       f"{limit} ceiling"
            else:
                hours = rules.respond_within_hours if rules is not None else math.nan
                how = "below" if status == "missed" else "may fall below"
                text = f"{channel}: {value} of buyer messages answered within {hours:g} h, " \
                       f"{how} the marketplace's {limit} minimum"
            rule = "marketplace_rule_missed" if status == "missed" else "target_missed"
        yield str(row["region"]), Finding(rule, text)


def _on_time_findings(
    summary: pd.DataFrame, scenario: Scenario
) -> Iterator[tuple[str, Finding]]:
    rows = summary[(summary["scope"] == "orders") & (summary["kpi"] == "on_time_rate")
                   & (summary["region"] != ALL) & (summary["channel"] != ALL)]
    for row in rows.to_dict("records"):
        mean, low, high = _stats(row)
        if math.isnan(mean):
            continue  # no order fell due
        region, channel = str(row["region"]), str(row["channel"])
        far = target_status(mean, low, high, ON_TIME_FAR_BELOW, True) == "missed"
        status = target_status(mean, low, high, ON_TIME_TARGET, True)
        if status == "met":
            continue
        limit = f"{ON_TIME_FAR_BELOW if far else ON_TIME_TARGET:.0%}"
        how = ("far below" if far else "below" if status == "missed" else "may fall below")
        promise = promise_text(scenario, region, channel)
        text = (f"{channel}: {format_interval('on_time_rate', mean, low, high)} of orders "
                f"delivered within the promise ({promise}), {how} {limit}")
        yield region, Finding("on_time_far_below" if far else "on_time_below", text)


def _launch_findings(launch: pd.DataFrame) -> Iterator[tuple[str, Finding]]:
    for row in launch.to_dict("records"):
        status, kind, item = str(row["status"]), str(row["kind"]), str(row["item"])
        decide = row["decide_by"] if isinstance(row["decide_by"], dt.date) else None
        what = {"preparation": f"preparation {item}", "stock": f"first stock at {item}",
                "agents": f"agents of {item}"}.get(kind, f"{kind} {item}")
        by = f"; decide by {decide}" if decide is not None else ""
        if status == "late":
            text = f"{what}: not ready by the launch on {row['launch_date']}" + (
                f" (ready {row['ready_by']})" if isinstance(row["ready_by"], dt.date) else "")
            rule = "launch_not_ready"
        elif status == "too late":
            text = f"{what}: should have been decided by {decide}, before the plan starts"
            rule = "launch_not_ready"
        elif status == "missing":
            text = f"agents for {item}: nobody at launch"
            rule = "launch_not_ready"
        elif status == "at risk":
            late = 1.0 - float(row["on_time_share"])
            text = f"{what}: arrives after the launch in {late:.0%} of replications{by}"
            rule = "first_stock_at_risk"
        elif status == "no data":
            text = f"{what}: no arrival within the horizon{by}"
            rule = "first_stock_at_risk"
        elif status == "open":
            text = (f"{what}: hires still to decide{by}" if kind == "agents"
                    else f"{what}: not started{by}")
            rule = "decision_open"
        elif status == "overflow only":
            text = f"{item}: only other regions' teams answer ({row['detail']})"
            rule = "decision_open"
        else:
            continue
        yield str(row["region"]), Finding(rule, text, decide)


def _stock_findings(summary: pd.DataFrame, scenario: Scenario) -> Iterator[tuple[str, Finding]]:
    rows = summary[(summary["scope"] == "inventory") & (summary["kpi"] == "stockout_days")
                   & (summary["channel"] != ALL)]
    for row in rows.to_dict("records"):
        mean, low, high = _stats(row)
        if not mean > 0:
            continue
        node, product = str(row["region"]), str(row["channel"])
        text = (f"{node} runs out of {product}: "
                f"{format_interval('stockout_days', mean, low, high)} stock-out days")
        for region in scenario.nodes[node].serves:
            yield region, Finding("stock_runs_out", text)


def _hiring_findings(hiring: pd.DataFrame, scenario: Scenario) -> Iterator[tuple[str, Finding]]:
    for row in hiring.to_dict("records"):
        region = str(row["region"])
        launch = scenario.regions[region].launch_date
        if not row["too_late"] or (launch is not None and row["start_date"] <= launch):
            continue  # hires for the launch are launch items
        text = (f"{row['team']}: {row['agents']} agents starting {row['start_date']} needed a "
                f"decision by {row['decide_by']}, before the plan starts")
        yield region, Finding("hire_too_late", text, row["decide_by"])


def _unjudged_findings(
    summary: pd.DataFrame, scenario: Scenario
) -> Iterator[tuple[str, Finding]]:
    """Service levels and on-time shares with nothing to judge them by, where the region runs
    within the horizon (one launching after it has its own finding)."""
    end = scenario.start_date + dt.timedelta(days=scenario.horizon_days)
    running = {region for region, spec in scenario.regions.items()
               if spec.launch_date is None or spec.launch_date < end}
    rows = summary[(summary["region"] != ALL) & (summary["channel"] != ALL)
                   & summary["region"].isin(running)]
    values = {(str(r["scope"]), str(r["region"]), str(r["channel"]), str(r["kpi"])):
              float(r["mean"]) for r in rows.to_dict("records")}
    for (scope, region, channel, kpi), mean in values.items():
        if not math.isnan(mean):
            continue
        if scope == "contacts" and kpi == "service_level":
            offered = values.get((scope, region, channel, "offered"), 0.0)
            if offered > 0:
                yield region, Finding("not_judged", (
                    f"{channel}: {format_value('offered', offered)} contacts offered after the "
                    "warm-up, none answered, abandoned or past its target by the end: its "
                    "service level is not judged"))
        elif scope == "orders" and kpi == "on_time_rate":
            orders = values.get((scope, region, channel, "orders"), 0.0)
            yield region, Finding("not_judged", (
                f"{channel}: no order fell due within its promise after the warm-up "
                f"({format_value('orders', orders)} orders counted): the promise is not "
                "judged"))


def _horizon_findings(scenario: Scenario) -> Iterator[tuple[str, Finding]]:
    end = scenario.start_date + dt.timedelta(days=scenario.horizon_days)
    for region, spec in scenario.regions.items():
        if spec.launch_date is not None and spec.launch_date >= end:
            text = (f"launches {spec.launch_date}, after the simulated horizon ends "
                    f"({end:%Y-%m-%d}): its operation was not simulated")
            yield region, Finding("launch_after_horizon", text)

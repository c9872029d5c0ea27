"""The sections of a run's report, from its result tables.

First the verdict per region with its reasons and the headline numbers; then targets and the
launch checklist, contacts, service level, agents, the message backlog, stock, delivery and
cost, each with its plot (``cxsim.results.plots``, the functions ``results.plot_...`` call);
then the appendix: the verdict rules, the run's facts, how to reproduce it and the scenario.
A section with nothing to show (stock in a support-only scenario) is left out.
"""

from __future__ import annotations

import datetime as dt
import math
import shlex
from collections.abc import Callable
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from cxsim.report.document import (
    Block,
    Cell,
    Items,
    Listing,
    Section,
    Table,
    Text,
    Verdicts,
)
from cxsim.report.figures import embed_plot
from cxsim.results.catalogue import describe, format_interval, format_value
from cxsim.results.plots import (
    PER_DAY_CLOCK,
    plot_backlog,
    plot_contacts,
    plot_cost,
    plot_delivery,
    plot_service_level,
    plot_staffing,
    plot_stock,
)
from cxsim.results.store import Results
from cxsim.results.summary import ALL
from cxsim.results.verdicts import RULES, promise_text, region_verdicts

__all__ = ["HEADLINES", "interval_cell", "run_sections"]

Stats = dict[tuple[str, str, str, str], tuple[float, float, float]]

# The headline numbers of the first page: (column, scope, KPI), each for every region.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("Orders", "orders", "orders"),
    ("On time", "orders", "on_time_rate"),
    ("Contacts offered", "contacts", "offered"),
    ("Service level", "contacts", "service_level"),
    ("Agents at peak", "staffing", "agents_peak"),
    ("Agent hours", "staffing", "agent_hours"),
    ("Required agent hours", "staffing", "required_agent_hours"),
    ("Cost", "cost", "total"),
)


def run_sections(results: Results) -> list[Section]:
    """Every section of a run's report, in reading order."""
    stats: Stats = {
        (str(scope), str(region), str(channel), str(kpi)): (float(mean), float(low), float(high))
        for scope, region, channel, kpi, mean, low, high in zip(
            results.summary["scope"], results.summary["region"], results.summary["channel"],
            results.summary["kpi"], results.summary["mean"], results.summary["ci_low"],
            results.summary["ci_high"], strict=True)
    }
    sections = [
        _verdict(results, stats),
        _targets(results),
        _per_region(results, "contacts", "Contacts", plot_contacts,
                    "Contacts per day that reached a queue or a bot, stacked by reason and by "
                    "channel (mean across replications).",
                    "Stacked area charts of contacts per day by reason and by channel"),
        _per_region(results, "service", "Service level", plot_service_level,
                    "Service level per day of each channel against its target; the band is "
                    "the 95% interval across replications. Days without contacts are blank.",
                    "Line charts of daily service level against the target, one per channel"),
        _agents(results),
        _per_region(results, "backlog", "Message backlog", plot_backlog,
                    "Messages waiting for a first answer: each day's highest interval mean, "
                    "with the 95% interval across replications.",
                    "Line chart of messages waiting per day"),
        _stock(results, stats),
        _delivery(results, stats),
        _cost(results, stats),
        _appendix(results),
    ]
    return [section for section in sections if section is not None]


def _cell(stats: Stats, scope: str, region: str, channel: str, kpi: str) -> Cell:
    return interval_cell(kpi, *stats.get((scope, region, channel, kpi), (math.nan,) * 3))


def interval_cell(kpi: str, mean: float, low: float, high: float) -> Cell:
    """A KPI's mean, its 95% interval in small type below it."""
    note = "" if math.isnan(low) else f"{format_value(kpi, low)} – {format_value(kpi, high)}"
    return Cell(format_value(kpi, mean), note, "number")


def _region_name(region: str) -> str:
    return "all regions" if region == ALL else region


def _verdict(results: Results, stats: Stats) -> Section:
    scenario = results.scenario
    end = scenario.start_date + dt.timedelta(days=scenario.horizon_days)
    regions = [*scenario.regions, *([ALL] if len(scenario.regions) > 1 else [])]
    shown = [(label, scope, kpi) for label, scope, kpi in HEADLINES
             if any(not math.isnan(stats.get((scope, r, ALL, kpi), (math.nan,))[0])
                    and (kpi != "total" or stats[scope, r, ALL, kpi][0] > 0) for r in regions)]
    rows = tuple((Cell(label, describe(kpi)),
                  *(_cell(stats, scope, region, ALL, kpi) for region in regions))
                 for label, scope, kpi in shown)
    costs = any(kpi == "total" for _label, _scope, kpi in shown)
    headlines = Table(("", *map(_region_name, regions)), rows,
                      "Headline numbers over the counted period: the mean across replications, "
                      "with the 95% interval beneath."
                      + (" Cost is in the scenario's currency units." if costs else ""))
    return Section("verdict", "Verdict", (
        Text(f"{results.reps} replication(s) of {scenario.start_date} to "
             f"{end - dt.timedelta(days=1)} ({scenario.horizon_days:g} days, of which the "
             f"first {scenario.warmup_days:g} a warm-up that statistics skip), seed "
             f"{results.seed}. "
             "Each region's verdict follows the rules in the appendix: no-go when any reason "
             "is, else at risk when any reason is, else go."),
        Verdicts(tuple(region_verdicts(results))),
        headlines,
    ))


def _status_cell(status: str) -> Cell:
    return Cell(status, tone=status.replace(" ", "-"))


def _date(value: object) -> Cell:
    return Cell(str(value) if isinstance(value, dt.date) else "", tone="date")


def _targets(results: Results) -> Section | None:
    blocks: list[Block] = []
    order = {region: index for index, region in enumerate(results.scenario.regions)}
    targets = results.targets[results.targets["region"] != ALL]
    targets = targets.iloc[targets["region"].map(order).argsort(kind="stable")]
    if not targets.empty:
        rows = tuple(
            (Cell(str(row["region"])), Cell(str(row["channel"])),
             Cell(f"{row['kpi']} {row['rule']} {format_value(str(row['kpi']), row['limit'])}"),
             Cell(format_interval(str(row["kpi"]), row["mean"], row["ci_low"], row["ci_high"]),
                  tone="number"),
             _status_cell(str(row["status"])))
            for row in targets.to_dict("records"))
        blocks.append(Table(("Region", "Channel", "Target", "Mean [95% interval]", "Status"),
                            rows, "Targets: met when the whole interval meets the limit, "
                            "missed when none of it does, at risk when it straddles the limit."))
    if not results.launch.empty:
        checklist: tuple[tuple[Cell, ...], ...] = tuple(
            (Cell(str(row["region"])), _date(row["launch_date"]),
             Cell(f"{row['kind']}: {row['item']}"), _date(row["decide_by"]),
             _status_cell(str(row["status"])),
             Cell("" if not isinstance(row["detail"], str) else row["detail"]))
            for row in results.launch.to_dict("records"))
        blocks.append(Table(("Region", "Launch", "Item", "Decide by", "Status", "Detail"),
                            checklist,
                            "What each launch needs in place, with the latest date to decide it."))
    if not blocks:
        return None
    return Section("targets", "Targets and launch checklist", tuple(blocks))


def _per_region(
    results: Results, anchor: str, title: str, plot: Callable[[Results, str], Figure],
    lead: str, alt: str,
) -> Section | None:
    images = [image for region in results.scenario.regions
              if (image := embed_plot(partial(plot, results, region),
                                      f"{alt} in {region}")) is not None]
    if not images:
        return None
    return Section(anchor, title, (Text(lead), *images))


def _agents(results: Results) -> Section | None:
    section = _per_region(
        results, "agents", "Agents required against rostered", plot_staffing,
        "Agent hours per local day: rostered by the teams' shifts, against the hours needed to "
        "meet every channel's target (per interval, the fewest agents whose Erlang C service "
        "level meets it, grossed up by shrinkage; pooling and abandonment are ignored, so it "
        "errs on the safe side). Dotted lines mark hires.",
        "Line chart of rostered and required agent hours per day")
    if section is None:
        return None
    hiring = results.hiring
    if hiring.empty:
        return section
    rows = tuple((Cell(str(row["team"])), Cell(str(row["region"])), _date(row["start_date"]),
                  Cell(str(row["agents"]), tone="number"), _date(row["decide_by"]),
                  _status_cell("too late" if row["too_late"] else "open"))
                 for row in hiring.to_dict("records"))
    table = Table(("Team", "Region", "Starts", "Agents", "Decide by", "Status"), rows,
                  "Planned hires, with the latest date to decide each (its hiring lead time "
                  "before the start).")
    return Section(section.id, section.title, (*section.blocks, table))


def _stock(results: Results, stats: Stats) -> Section | None:
    images = [image for node in results.scenario.nodes
              if (image := embed_plot(partial(plot_stock, results, node),
                                      f"Stock on hand per product at {node}")) is not None]
    if not images:
        return None
    rows = tuple((Cell(node), Cell(product),
                  *(_cell(stats, "inventory", node, product, kpi)
                    for kpi in ("on_hand_mean", "stockout_days", "fill_rate")))
                 for node, spec in results.scenario.nodes.items() for product in spec.stock)
    return Section("stock", "Stock", (
        Text("Units on hand at the end of each day, with the 95% interval across replications; "
             "shaded days are out of stock in some replication; below, the units received."),
        *images,
        Table(("Node", "Product", "On hand (mean units)", "Stock-out days", "Fill rate"), rows,
              notes=("", "", describe("on_hand_mean"), describe("stockout_days"),
                     describe("fill_rate"))),
    ))


def _delivery(results: Results, stats: Stats) -> Section | None:
    image = embed_plot(partial(plot_delivery, results),
                       "Order-to-door time per region and sales channel against the promise")
    if image is None:
        return None
    rows = []
    for region in results.scenario.regions:
        for channel in dict.fromkeys(["web", *results.scenario.sales_channels]):
            if ("orders", region, channel, "orders") not in stats or not stats[
                    "orders", region, channel, "orders"][0] > 0:
                continue
            rows.append((Cell(region), Cell(channel),
                         Cell(promise_text(results.scenario, region, channel) or "none"),
                         *(_cell(stats, "orders", region, channel, kpi) for kpi in
                           ("orders", "on_time_rate", "delivery_days_p50", "delivery_days_p95",
                            "late_shipment_rate"))))
    kpis = ("orders", "on_time_rate", "delivery_days_p50", "delivery_days_p95",
            "late_shipment_rate")
    return Section("delivery", "Delivery against the promise", (
        Text("Order-to-door time: the median and the 95th percentile per region and sales "
             "channel, each with its 95% interval, against the promise, and the share of "
             "orders delivered within it. The result tables keep these quantiles per run, not "
             "the whole distribution of order-to-door times, so the distribution itself is "
             "not drawn."),
        image,
        Table(("Region", "Sales channel", "Promise", "Orders", "On time", "Median days",
               "95th percentile days", "Late shipments"), tuple(rows),
              notes=("", "", "", *(describe(kpi) for kpi in kpis))),
    ))


def _cost(results: Results, stats: Stats) -> Section | None:
    image = embed_plot(partial(plot_cost, results), "Bar chart of cost by region and kind")
    if image is None:
        return None
    kinds = ("agents", "holding", "shipping", "total", "agents_required")
    rows = tuple((Cell(_region_name(region)),
                  *(_cell(stats, "cost", region, ALL, kind) for kind in kinds))
                 for region in [*results.scenario.regions, ALL]
                 if ("cost", region, ALL, "total") in stats)
    return Section("cost", "Cost", (
        Text("Cost over the counted period (after the warm-up), in the scenario's currency "
             "units. Agents at required hours prices the required agent hours; it is not part "
             "of the total."),
        image,
        Table(("Region", "Agents", "Holding", "Shipping", "Total", "Agents at required hours"),
              rows, notes=("", *(describe(kind) for kind in kinds))),
    ))


def _appendix(results: Results) -> Section:
    from cxsim import __version__

    meta = results.meta
    scenario = results.scenario
    facts = (
        ("Scenario", scenario.name),
        ("Replications", str(results.reps)),
        ("Seed", str(results.seed)),
        ("Horizon", f"{scenario.start_date}, {scenario.horizon_days:g} days "
                    f"({scenario.warmup_days:g} warm-up), {scenario.interval_minutes}-minute "
                    "intervals"),
        ("Simulated by", f"cxsim {meta.get('cxsim', __version__)}"),
        ("Report built by", f"cxsim {__version__}"),
        *((("Written", str(meta["written"])),) if "written" in meta else ()),
    )
    reproduce = shlex.join(["cxsim", "run", str(Path("DIR") / "scenario.yaml"), "--reps",
                            str(results.reps), "--seed", str(results.seed)])
    commands: list[Block] = []
    if "command" in meta:
        commands += [Text("The command that ran it, from the directory it was run in:"),
                     Listing(str(meta["command"]))]
    commands += [Text("The same tables again from the scenario as run (DIR is the directory "
                      "that holds this report's tables), with any number of workers:"),
                 Listing(reproduce)]
    rules = tuple(f"{rule.severity}: {rule.statement}" for rule in RULES)
    days = ("UTC days of the simulation clock" if PER_DAY_CLOCK == "UTC"
            else "each region's local days")
    return Section("appendix", "Appendix", (
        Text("How the verdict is decided: a region is no-go when any of its reasons is, at "
             "risk when any is and none is no-go, go otherwise. Limits are judged by the 95% "
             "interval across replications."),
        Items(rules),
        Table(("Run", ""), tuple((Cell(name), Cell(value)) for name, value in facts)),
        *commands,
        Text(f"Per-day tables count {days}; per-interval plots (agents, backlog) are drawn in "
             "each region's local time. Statistics skip the warm-up."),
        Listing(results.scenario_text(), "The scenario as run (scenario.yaml)", folded=True),
    ))


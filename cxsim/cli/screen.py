"""What a run prints: its headline KPIs with confidence intervals, then what needs attention,
then the verdict per region.

Lines fit the terminal: each region and channel gets a header, its KPIs follow wrapped to the
width. The KPIs shown are ``HEADLINE_KPIS``; every KPI is in ``summary.csv``.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping

import pandas as pd

from cxsim.cli.common import printable
from cxsim.results import Results
from cxsim.results.catalogue import HEADLINE_KPIS, format_interval, format_value
from cxsim.results.summary import ALL
from cxsim.results.verdicts import region_verdicts

__all__ = ["attention_text", "summary_text", "verdict_text"]

_INDENT = "    "


def _cell(kpi: str, row: Mapping[Hashable, object]) -> str:
    mean, low, high = (float(row[c]) for c in ("mean", "ci_low", "ci_high"))  # type: ignore[arg-type]
    return f"{kpi} {format_interval(kpi, mean, low, high)}"


def _wrap(cells: list[str], width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for cell in cells:
        candidate = f"{line}; {cell}" if line else cell
        if line and len(_INDENT) + len(candidate) > width:
            lines.append(_INDENT + line)
            line = cell
        else:
            line = candidate
    if line:
        lines.append(_INDENT + line)
    return lines


def _rows(results: Results, scope: str, kpis: tuple[str, ...]) -> pd.DataFrame:
    """The summary rows of one scope shown on screen, in the scenario's order."""
    table = results.summary
    scenario = results.scenario
    rows = table[(table["scope"] == scope) & table["kpi"].isin(kpis)]
    if scope == "cost" and not rows["mean"].abs().gt(0).any():
        return rows.iloc[0:0]  # a scenario without costs
    # Totals over one channel in every region repeat the per-region rows.
    rows = rows[(rows["region"] != ALL) | (rows["channel"] == ALL)]
    if scope == "contacts":
        # A channel a region does not use (nothing offered there) is left off.
        offered = rows[rows["kpi"] == "offered"]
        unused = set(zip(offered.loc[offered["mean"] == 0, "region"],
                         offered.loc[offered["mean"] == 0, "channel"], strict=True))
        keep = [key not in unused for key in zip(rows["region"], rows["channel"], strict=True)]
        rows = rows.loc[pd.Series(keep, index=rows.index, dtype=bool)]
    if len(set(rows["region"])) == 2:
        rows = rows[rows["region"] != ALL]  # one region: its total says it all
    regions = [*scenario.regions, *scenario.nodes, ALL]
    channels = [*scenario.channels, "web", *scenario.sales_channels, *scenario.products, ALL]
    region_rank = {name: i for i, name in reversed(list(enumerate(regions)))}
    channel_rank = {name: i for i, name in reversed(list(enumerate(channels)))}
    return rows.assign(
        r=rows["region"].map(region_rank), c=rows["channel"].map(channel_rank),
        k=rows["kpi"].map(list(kpis).index),
    ).sort_values(["r", "c", "k"])


def summary_text(
    results: Results, width: int, regions: Collection[str] = (), scopes: Collection[str] = (),
) -> str:
    """The headline KPIs per scope, region and channel, wrapped to ``width`` columns.

    With several regions and none named, each region's totals are shown; a named region shows
    each of its channels (sales channels, products of a node).

    Args:
        results: the run's results.
        width: columns available.
        regions: show only these regions (and nodes); all when empty.
        scopes: show only these scopes; all when empty.
    """
    lines = []
    for scope, kpis in HEADLINE_KPIS.items():
        if scopes and scope not in scopes:
            continue
        rows = _rows(results, scope, kpis)
        if regions:
            rows = rows[rows["region"].isin(regions)]
        elif rows["region"].nunique() > 1:
            # Several regions: their totals fit a screen; --region shows a region's channels.
            rows = rows[rows["channel"] == ALL]
        for (region, channel), group in rows.groupby(["region", "channel"], sort=False):
            lines.append(f"  {scope} {printable(region)} {printable(channel)}")
            cells = [_cell(str(row["kpi"]), row) for row in group.to_dict("records")]
            lines += _wrap(cells, width)
    return "\n".join(lines)


def attention_text(results: Results, regions: Collection[str] = ()) -> str:
    """Targets not met and launch items not ready, a line each; empty when all is well."""
    lines = []
    for row in results.targets.to_dict("records"):
        if row["status"] == "met" or (regions and row["region"] not in regions):
            continue
        kpi = str(row["kpi"])
        value = format_value(kpi, float(row["mean"]))
        limit = format_value(kpi, float(row["limit"]))
        lines.append(f"  target {printable(row['region'])} {printable(row['channel'])}: {kpi} "
                     f"{value} (target {row['rule']} {limit}): {row['status']}")
    for row in results.launch.to_dict("records"):
        if row["status"] == "ready" or (regions and row["region"] not in regions):
            continue
        decide = f"; decide by {row['decide_by']}" if row["decide_by"] is not None else ""
        detail = f" ({printable(row['detail'])})" if row["detail"] else ""
        lines.append(f"  launch {printable(row['region'])} {row['kind']} "
                     f"{printable(row['item'])}: {row['status']}{decide}{detail}")
    return "\n".join(lines)


def verdict_text(results: Results, regions: Collection[str] = ()) -> str:
    """A line per region: its verdict and the most serious reason (``cxsim.results.verdicts``)."""
    lines = []
    verdicts = [v for v in region_verdicts(results) if not regions or v.region in regions]
    width = max((len(printable(v.region)) for v in verdicts), default=0)
    for verdict in verdicts:
        line = f"  {printable(verdict.region):<{width}}  {verdict.verdict}"
        serious = [f for f in verdict.findings if f.severity != "note"]
        if serious:
            more = f" (and {len(serious) - 1} more)" if len(serious) > 1 else ""
            line += f": {printable(serious[0].text)}{more}"
        lines.append(line)
    return "\n".join(lines)

"""The sections of a sweep's report: the alternatives side by side, cost against service, and
how the sweep was made.

First each point's verdict per region (the rules of a run's report, on that point's tables) and
its headline numbers with 95% intervals, the points on the cost-service Pareto front marked;
then the front as a figure; then the grid, the seed and the command that resumes or repeats it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxsim.report.document import Block, Cell, Items, Listing, Section, Table, Text
from cxsim.report.figures import embed_plot
from cxsim.report.run_sections import interval_cell
from cxsim.results.summary import ALL
from cxsim.results.sweeps import SweepResults
from cxsim.results.verdicts import region_verdicts

__all__ = ["SWEEP_HEADLINES", "sweep_sections"]

# The numbers each alternative is shown with: (column, scope, KPI), over all regions.
SWEEP_HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("Service level", "contacts", "service_level"),
    ("On time", "orders", "on_time_rate"),
    ("Fill rate", "orders", "fill_rate"),
    ("Agent hours", "staffing", "agent_hours"),
    ("Cost", "cost", "total"),
)
_TONES = {"go": "go", "at risk": "at-risk", "no-go": "no-go"}


def _value(text: object) -> str:
    return f"{text:,.6g}" if isinstance(text, float) else str(text)


def _alternatives(sweep: SweepResults) -> Section:
    done = sweep.points[sweep.points["done"]]
    summary = sweep.summary[(sweep.summary["region"] == ALL) & (sweep.summary["channel"] == ALL)]
    stats = {(str(p), str(s), str(k)): (float(m), float(lo), float(hi)) for p, s, k, m, lo, hi in
             zip(summary["point"], summary["scope"], summary["kpi"], summary["mean"],
                 summary["ci_low"], summary["ci_high"], strict=True)}
    headlines = [h for h in SWEEP_HEADLINES
                 if any((str(p), h[1], h[2]) in stats for p in done["point"])]
    front = sweep.front().set_index("point")["pareto"] if len(done) else None
    regions: list[str] = []
    verdicts: dict[str, dict[str, str]] = {}
    for point in done["point"]:
        try:
            results = sweep.point(str(point))
        except KeyError:
            continue  # kept in memory without its full tables
        found: dict[str, str] = {v.region: v.verdict for v in region_verdicts(results)}
        verdicts[str(point)] = found
        regions += [region for region in found if region not in regions]
    rows = []
    for record in done.to_dict("records"):
        point = str(record["point"])
        cells = [Cell(point + (" *" if front is not None and bool(front.get(point)) else ""))]
        cells += [Cell(_value(record[param])) for param in sweep.params]
        for _, scope, kpi in headlines:
            mean, low, high = stats.get((point, scope, kpi), (float("nan"),) * 3)
            cells.append(interval_cell(kpi, mean, low, high))
        for region in regions:
            verdict = verdicts.get(point, {}).get(region, "")
            cells.append(Cell(verdict, tone=_TONES.get(verdict, "")))
        rows.append(tuple(cells))
    columns = ("Point", *sweep.params, *(h[0] for h in headlines),
               *(f"Verdict {region}" for region in regions))
    blocks: list[Block] = [
        Text(f"{len(done)} of {len(sweep.points)} points, each run with the same seed "
             f"({sweep.seed}) and {sweep.reps} replications: every point sees the same "
             "customers and orders (common random numbers), so their differences show with "
             "few replications. Numbers are over all regions with their 95% interval; * marks "
             "the points on the cost-service Pareto front (no other point is as cheap and at "
             "least as good on every service KPI). The verdict per region follows the rules of "
             "a run's report, on each point's own tables."),
        Table(columns, tuple(rows)),
    ]
    if len(done) < len(sweep.points):
        missing = sweep.points[~sweep.points["done"]]["point"]
        blocks.append(Text(f"Not run yet: {', '.join(map(str, missing))} (cxsim sweep ... "
                           "--resume finishes the sweep)."))
    return Section("alternatives", "Alternatives side by side", tuple(blocks))


def _front(sweep: SweepResults) -> Section | None:
    figure = embed_plot(sweep.plot_front, "Total cost against service level and on-time "
                        "delivery for each point of the sweep, the Pareto front joined")
    if figure is None:
        return None
    return Section("front", "Cost against service", (
        figure,
        Text("Lower and further right is better: a point off the front costs more for no "
             "better service than some point on it."),
    ))


def _appendix(sweep: SweepResults, scenario_name: str, grid_text: str) -> Section:
    from cxsim import __version__

    meta = sweep.meta
    facts = (
        ("Scenario", scenario_name),
        ("Parameters", ", ".join(sweep.params)),
        ("Points", f"{int(sweep.points['done'].sum())} of {len(sweep.points)} run"),
        ("Replications per point", str(sweep.reps)),
        ("Seed", str(sweep.seed)),
        ("Report built by", f"cxsim {__version__}"),
    )
    blocks: list[Block] = [Table(("Sweep", ""), tuple((Cell(a), Cell(b)) for a, b in facts))]
    if "command" in meta:
        blocks += [Text("The command that ran it; adding --resume finishes an interrupted "
                        "sweep, and each point's directory under points/ is a run's result "
                        "with its own report data:"),
                   Listing(str(meta["command"]))]
    if grid_text:
        blocks.append(Listing(grid_text, "The grid (grid.yaml)", folded=True))
    points = [f"{row['point']}: " + ", ".join(f"{p}={_value(row[p])}" for p in sweep.params)
              for row in sweep.points.to_dict("records")]
    blocks.append(Items(tuple(points)))
    return Section("appendix", "Appendix", tuple(blocks))


def sweep_sections(
    sweep: SweepResults, scenario_name: str, grid_text: str = ""
) -> Sequence[Section]:
    """The report's sections for ``sweep`` (``grid_text``: the grid file, for the appendix)."""
    sections = [_alternatives(sweep), _front(sweep), _appendix(sweep, scenario_name, grid_text)]
    return [section for section in sections if section is not None]

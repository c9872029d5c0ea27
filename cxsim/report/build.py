"""One self-contained HTML file from a result: render the sections, write the file atomically.

The page makes no request of any kind: styles are inline, figures are data URIs, there is no
script, and a Content-Security-Policy forbids loading anything else. Every string reaches the
page through Jinja2 with autoescaping on, so a scenario's names show as text whatever they hold.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2
import pandas as pd

from cxsim.report import REPORT_NAME
from cxsim.report.document import Section
from cxsim.report.plan_sections import plan_section, plan_tables
from cxsim.report.run_sections import run_sections
from cxsim.report.sweep_sections import sweep_sections
from cxsim.results.output import MARKER
from cxsim.results.store import Results
from cxsim.results.sweeps import SweepResults
from cxsim.scenario.loading import read_yaml

__all__ = ["GENERATOR", "REPORT_NAME", "build_report", "build_sweep_report", "is_report",
           "render", "report_of", "write_report"]

# How the page names its maker: a file whose head says so is a report cxsim wrote.
GENERATOR = '<meta name="generator" content="cxsim'


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cxsim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(title: str, kind: str, sections: Sequence[Section]) -> str:
    """The HTML page of ``sections`` under ``title``; ``kind`` names the result (run, plan,
    sweep)."""
    from cxsim import __version__

    template = _environment().get_template("report.html.j2")
    return template.render(title=title, kind=kind, sections=list(sections), version=__version__)


def build_report(results: Results, plan: Mapping[str, pd.DataFrame] | None = None) -> str:
    """The HTML report of a run's results; of a plan's when ``results.meta`` says it is one
    (``"kind": "plan"``, as a plan directory's ``run.json`` does), with ``plan`` its tables."""
    sections = run_sections(results)
    if results.meta.get("kind") == "plan":
        # The verdict first, on the plan's verification; then the plan itself.
        sections.insert(1, plan_section(results, plan or {}))
        kind = str(results.meta.get("plan", ""))
        title = f"{results.scenario.name}: {kind} plan" if kind else results.scenario.name
        return render(title, "plan", sections)
    return render(results.scenario.name, "run", sections)


def build_sweep_report(sweep: SweepResults, scenario_name: str, grid_text: str = "") -> str:
    """The HTML report of a sweep: its alternatives side by side, cost against service."""
    return render(f"{scenario_name}: sweep", "sweep",
                  sweep_sections(sweep, scenario_name, grid_text))


def report_of(directory: str | Path) -> str:
    """The HTML report of a result directory (a run's, a plan's or a sweep's), from its files
    alone."""
    folder = Path(directory)
    meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    if meta.get("kind") == "sweep":
        scenario = read_yaml(folder / "scenario.yaml")
        grid = folder / "grid.yaml"
        return build_sweep_report(SweepResults.load(folder), str(scenario.get("name", "")),
                                  grid.read_text(encoding="utf-8") if grid.exists() else "")
    results = Results.load(directory)
    tables = plan_tables(directory) if results.meta.get("kind") == "plan" else None
    return build_report(results, tables)


def write_report(html: str, path: str | Path) -> Path:
    """Write ``html`` to ``path`` in one step: a reader sees the old file or the new one."""
    target = Path(path)
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                       dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(html)
        os.chmod(staging, 0o644)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return target


def is_report(path: str | Path) -> bool:
    """Whether ``path`` is an HTML report cxsim wrote (its head names cxsim as generator)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return GENERATOR in head

"""One self-contained HTML file from a result: render the sections, write the file atomically.

The page makes no request of any kind: styles are inline, figures are data URIs, there is no
script, and a Content-Security-Policy forbids loading anything else. Every string reaches the
page through Jinja2 with autoescaping on, so a scenario's names show as text whatever they hold.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import jinja2

from cxsim.report.document import Section
from cxsim.report.run_sections import run_sections
from cxsim.results.store import Results

__all__ = ["GENERATOR", "REPORT_NAME", "build_report", "is_report", "render", "write_report"]

REPORT_NAME = "report.html"
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


def build_report(results: Results) -> str:
    """The HTML report of a run's results."""
    return render(results.scenario.name, "run", run_sections(results))


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

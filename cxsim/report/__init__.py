"""The HTML report: one self-contained file that backs an expansion decision.

``build_report(results)`` renders a run's report from its result tables alone (never the
simulation): the verdict per region with its reasons and the headline numbers first, then a
section per subject with its plot, then the appendix (the verdict rules, the scenario as run and
the command that reproduces it). A plan's report adds what the plan changes and its tables, and
reports its verification as a run. ``report_of(directory)`` builds it from a result directory;
``write_report`` writes it atomically; ``cxsim report DIR`` and ``cxsim run`` use them. Another
kind of result (a sweep) adds its sections (a list of ``document.Section``) and calls
``render``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["REPORT_NAME", "build_report", "build_sweep_report", "is_report", "render",
           "report_of", "write_report"]

# The report's file name in a result directory. The rest loads on first use: drawing needs
# matplotlib, which a command that writes no report (``cxsim run --no-report``, ``validate``,
# the workers of a run) should not pay to import.
REPORT_NAME = "report.html"

if TYPE_CHECKING:
    from cxsim.report.build import (
        build_report,
        build_sweep_report,
        is_report,
        render,
        report_of,
        write_report,
    )


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("cxsim.report.build"), name)
    globals()[name] = value
    return value

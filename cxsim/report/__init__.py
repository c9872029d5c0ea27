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

from cxsim.report.build import (
    REPORT_NAME,
    build_report,
    build_sweep_report,
    is_report,
    render,
    report_of,
    write_report,
)

__all__ = ["REPORT_NAME", "build_report", "build_sweep_report", "is_report", "render",
           "report_of", "write_report"]

"""The HTML report: one self-contained file that backs an expansion decision.

``build_report(results)`` renders a run's report from its result tables alone (never the
simulation): the verdict per region with its reasons and the headline numbers first, then a
section per subject with its plot, then the appendix (the verdict rules, the scenario as run and
the command that reproduces it). ``write_report`` writes it atomically; ``cxsim report DIR``
and ``cxsim run`` use both.
"""

from cxsim.report.build import REPORT_NAME, build_report, is_report, render, write_report

__all__ = ["REPORT_NAME", "build_report", "is_report", "render", "write_report"]

"""Result tables: per interval, per day, per run, and a summary with confidence intervals.

``cxsim.run`` returns a ``Results``; its tables are built from the replications' records
(``kpis`` for the per-run KPIs, ``frames`` for the per-interval and per-day tables,
``summary`` for the confidence intervals) and saved or loaded by ``Results.save`` and
``Results.load``.
"""

from cxsim.results.store import Results
from cxsim.results.summary import SUMMARY_COLUMNS, confidence_interval, summarise

__all__ = ["SUMMARY_COLUMNS", "Results", "confidence_interval", "summarise"]

"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cxsim
from cxsim.executors import DaskExecutor
from tests.support import EXAMPLES, short_horizon

TABLES = ("runs", "summary", "contacts_by_interval", "contacts_by_day", "teams_by_interval",
          "teams_by_day", "orders_by_day", "inventory_by_day", "contacts_by_reason",
          "promise_curve", "hiring", "targets", "launch")


@pytest.fixture(scope="session")
def tables_equal() -> Any:
    def check(a: cxsim.Results, b: cxsim.Results) -> None:
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))

    return check


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[DaskExecutor]:
    """A Dask LocalCluster of two worker processes, started once for the tests that use it and
    closed after them."""
    with DaskExecutor("local", workers=2) as executor:
        yield executor.start()
@dataclass(frozen=True)
class ExampleReport:
    """The report of an example scenario run on a short horizon."""

    name: str
    results: cxsim.Results
    path: Path


@pytest.fixture(scope="session")
def example_reports(tmp_path_factory: pytest.TempPathFactory) -> list[ExampleReport]:
    """The report of every example scenario (two replications of a short horizon), built once
    for the report's tests."""
    from cxsim.report import build_report, write_report

    folder = tmp_path_factory.mktemp("reports")
    reports = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        results = cxsim.run(cxsim.load_scenario(path, short_horizon(path)), reps=2, seed=1)
        target = write_report(build_report(results), folder / f"{path.stem}.html")
        reports.append(ExampleReport(path.stem, results, target))
    return reports

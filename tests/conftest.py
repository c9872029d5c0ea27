"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import cxsim
from cxsim.executors import DaskExecutor

TABLES = ("runs", "summary", "contacts_by_interval", "contacts_by_day", "teams_by_interval",
          "teams_by_day", "orders_by_day", "inventory_by_day", "contacts_by_reason", "hiring",
          "targets", "launch")


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

"""Same scenario + same seed = identical tables, with any executor (this process, local
processes, a Dask cluster) and any number of workers; common random numbers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.executors import DaskExecutor
from cxsim.model import simulate
from cxsim.model.metrics import ReplicationRecord
from cxsim.model.streams import stream
from cxsim.results import Results

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def short_two_regions() -> cxsim.Scenario:
    return cxsim.load_scenario(EXAMPLES / "two_regions.yaml", ["horizon_days=2",
                                                              "warmup_days=0.5"])


def test_same_seed_same_tables(
    short_two_regions: cxsim.Scenario, tables_equal: Callable[..., None]
) -> None:
    tables_equal(cxsim.run(short_two_regions, reps=2, seed=7),
                 cxsim.run(short_two_regions, reps=2, seed=7))


def test_worker_processes_and_a_dask_cluster_give_identical_tables(
    short_two_regions: cxsim.Scenario, tables_equal: Callable[..., None],
    dask_cluster: DaskExecutor,
) -> None:
    serial = cxsim.run(short_two_regions, reps=3, seed=7, workers=1)
    parallel = cxsim.run(short_two_regions, reps=3, seed=7, workers=2)
    clustered = cxsim.run(short_two_regions, reps=3, seed=7, executor=dask_cluster)
    tables_equal(serial, parallel)
    tables_equal(serial, clustered)


Keys = list[tuple[str, str, str]]


def _copied(record: ReplicationRecord, order: Callable[[Keys], Keys] = list) -> ReplicationRecord:
    """``record`` with every queue measure in an array of its own, queues in ``order``."""
    return dataclasses.replace(record, queues={
        key: {measure: values.copy() for measure, values in record.queues[key].items()}
        for key in order(list(record.queues))})


def test_a_replications_contact_table_is_its_record_not_a_copy_of_it(
    short_two_regions: cxsim.Scenario,
) -> None:
    """A replication's queue (and team) measures lie in one block, measure by measure, which
    the table of a run of one replication takes as its columns, so that memory does not hold
    them twice; the table is the one a copy of the measures gives, value for value."""
    record = simulate(short_two_regions, seed=7, replication=0)
    first = next(iter(record.queues))
    results = Results.from_records(short_two_regions, 7, [record])
    shared = results.contacts_by_interval
    for measure in ("forecast", "offered", "queue_minutes"):
        assert np.shares_memory(shared[measure].to_numpy(), record.queues[first][measure])
    team = next(iter(record.teams))
    assert np.shares_memory(results.teams_by_interval["busy_minutes"].to_numpy(),
                            record.teams[team]["busy_minutes"])
    copied = _copied(record)
    table = Results.from_records(short_two_regions, 7, [copied]).contacts_by_interval
    assert not np.shares_memory(table["offered"].to_numpy(), copied.queues[first]["offered"])
    pd.testing.assert_frame_equal(shared, table, check_exact=True)
    assert shared["offered"].sum() > 0
    # Queues taken in another order than they lie in the block: the table is copied, in that
    # order.
    backwards = dataclasses.replace(record, queues=dict(reversed(record.queues.items())))
    table = Results.from_records(short_two_regions, 7, [backwards]).contacts_by_interval
    assert not np.shares_memory(table["offered"].to_numpy(), record.queues[first]["offered"])
    pd.testing.assert_frame_equal(table, Results.from_records(
        short_two_regions, 7, [_copied(record, lambda keys: keys[::-1])]).contacts_by_interval,
        check_exact=True)
    assert table["region"].iloc[0] != shared["region"].iloc[0]


def test_other_seeds_give_other_numbers(short_two_regions: cxsim.Scenario) -> None:
    a = simulate(short_two_regions, seed=1, replication=0).queues["us", "phone", ""]["offered"]
    b = simulate(short_two_regions, seed=2, replication=0).queues["us", "phone", ""]["offered"]
    c = simulate(short_two_regions, seed=1, replication=1).queues["us", "phone", ""]["offered"]
    assert not np.array_equal(a, b) and not np.array_equal(a, c)


def test_streams_depend_only_on_seed_replication_and_name() -> None:
    assert stream(5, 0, "arrivals/us/phone").random() == stream(5, 0, "arrivals/us/phone").random()
    assert stream(5, 0, "arrivals/us/phone").random() != stream(5, 0, "arrivals/us/chat").random()
    with pytest.raises(ValueError, match=r"seed\(=-1\) must be >= 0"):
        stream(-1, 0, "x")


def test_adding_a_region_leaves_the_others_random_numbers_alone(
    short_two_regions: cxsim.Scenario,
) -> None:
    # Common random numbers: the US sees exactly the same contacts and outcomes whether or not
    # Germany is in the scenario, since its streams are named by region and channel.
    data = short_two_regions.model_dump()
    data["regions"].pop("de")
    data["contact_volume"] = [v for v in data["contact_volume"] if v["region"] == "us"]
    data["teams"] = {k: v for k, v in data["teams"].items() if v["region"] == "us"}
    us_only = cxsim.parse_scenario(data)
    both = simulate(short_two_regions, seed=3, replication=1)
    alone = simulate(us_only, seed=3, replication=1)
    for channel in ("phone", "chat", "email"):
        mine, theirs = both.queues["us", channel, ""], alone.queues["us", channel, ""]
        assert mine.keys() == theirs.keys()
        for measure, values in mine.items():
            assert np.array_equal(values, theirs[measure]), (channel, measure)

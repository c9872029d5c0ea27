"""Same scenario + same seed = identical tables, with any executor (this process, local
processes, a Dask cluster) and any number of workers; common random numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import cxsim
from cxsim.executors import DaskExecutor
from cxsim.model import simulate
from cxsim.model.streams import stream

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

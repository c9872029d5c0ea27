"""Every contact ends in exactly one state, and the tables add up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cxsim
from cxsim.model import simulate
from tests.support import queue_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def two_regions() -> cxsim.Results:
    scenario = cxsim.load_scenario(EXAMPLES / "two_regions.yaml",
                                   ["horizon_days=4", "warmup_days=1"])
    return cxsim.run(scenario, reps=3, seed=3)


def test_every_contact_ends_in_one_state_per_queue_and_replication(
    two_regions: cxsim.Results,
) -> None:
    totals = two_regions.contacts_by_interval.groupby(["rep", "region", "channel"]).sum(
        numeric_only=True
    )
    ends = totals["handled"] + totals["abandoned"] + totals["waiting_at_end"]
    pd.testing.assert_series_equal(totals["offered"], ends, check_names=False)
    assert (totals["offered"] > 0).all()


def test_every_contact_ends_in_one_state_per_interval(two_regions: cxsim.Results) -> None:
    table = two_regions.contacts_by_interval
    ends = table["handled"] + table["abandoned"] + table["waiting_at_end"]
    assert (table["offered"] == ends).all()


def test_parts_never_exceed_wholes(two_regions: cxsim.Results) -> None:
    table = two_regions.contacts_by_interval
    assert (table["answered_at_once"] <= table["handled"]).all()
    assert (table["answered_in_target"] <= table["handled"]).all()
    assert (table["abandoned_in_target"] <= table["abandoned"]).all()
    assert (table["queue_minutes"] >= 0).all()
    teams = two_regions.teams_by_interval
    assert (teams["busy_minutes"] <= teams["available_minutes"] + 1e-6).all()
    assert (teams["available_minutes"] <= teams["on_duty_minutes"] + 1e-6).all()


def test_daily_tables_add_up_to_interval_tables(two_regions: cxsim.Results) -> None:
    by_interval = two_regions.contacts_by_interval.groupby(["rep", "region", "channel"])[
        ["offered", "handled", "abandoned"]].sum()
    by_day = two_regions.contacts_by_day.groupby(["rep", "region", "channel"])[
        ["offered", "handled", "abandoned"]].sum()
    pd.testing.assert_frame_equal(by_interval, by_day)


def test_summary_offered_is_handled_abandoned_and_still_waiting(
    two_regions: cxsim.Results,
) -> None:
    table = two_regions.contacts_by_interval
    counted = table[table["counted"]]
    for (rep, region, channel), group in counted.groupby(["rep", "region", "channel"]):
        runs = two_regions.runs
        row = runs[(runs["rep"] == rep) & (runs["region"] == region)
                   & (runs["channel"] == channel) & (runs["kpi"] == "offered")]
        assert float(row["value"].iloc[0]) == group["offered"].sum()


def test_region_totals_are_sums_of_their_channels(two_regions: cxsim.Results) -> None:
    runs = two_regions.runs
    offered = runs[runs["kpi"] == "offered"].set_index(["rep", "region", "channel"])["value"]
    for rep in range(two_regions.reps):
        for region in ("us", "de"):
            parts = sum(offered[rep, region, c] for c in ("phone", "chat", "email"))
            assert offered[rep, region, "*"] == parts
        assert offered[rep, "*", "*"] == offered[rep, "us", "*"] + offered[rep, "de", "*"]


def test_nobody_waits_when_agents_are_ample() -> None:
    scenario = queue_scenario(per_hour=60, agents=200, handle_minutes=5, patience_minutes=1,
                              horizon_days=2)
    record = simulate(scenario, seed=1, replication=0)
    series = record.queues["us", "q", ""]
    assert sum(series["answered_at_once"]) == sum(series["offered"]) > 0
    assert sum(series["abandoned"]) == 0


def test_with_no_agents_every_patient_caller_is_still_waiting_and_impatient_ones_leave() -> None:
    scenario = queue_scenario(per_hour=60, agents=0, handle_minutes=5, horizon_days=1,
                              warmup_days=0)
    series = simulate(scenario, seed=1, replication=0).queues["us", "q", ""]
    assert sum(series["waiting_at_end"]) == sum(series["offered"]) > 0
    impatient = queue_scenario(per_hour=60, agents=0, handle_minutes=5, patience_minutes=2,
                               horizon_days=1, warmup_days=0)
    series = simulate(impatient, seed=1, replication=0).queues["us", "q", ""]
    # Only callers who arrived in the last minutes can still be waiting when the run ends.
    assert sum(series["abandoned"]) + sum(series["waiting_at_end"]) == sum(series["offered"])
    assert sum(series["waiting_at_end"]) < 0.02 * sum(series["offered"])

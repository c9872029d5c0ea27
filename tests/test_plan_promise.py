"""``cxsim plan promise``: the shortest promise that holds, held to numbers with reasons of their
own (the transit distribution's quantiles, a calendar counted by hand), its direction of change,
and the command line on every example that sells.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxsim
from cxsim.cli import main
from cxsim.model.delivery import PROMISE_DAYS_RECORDED
from cxsim.plan.promise import PROMISE_PLAN_COLUMNS, plan_promise
from cxsim.results.summary import counted_index
from tests.support import EXAMPLES, assert_matches_theory, cxsim_command, short_horizon

ONE_STOCK_POINT = EXAMPLES / "one_stock_point.yaml"
SELLING = ["one_stock_point.yaml", "two_nodes.yaml", "expansion_eu.yaml"]


def _ample(*changes: str) -> cxsim.Scenario:
    """One stock point with stock to spare and no processing: an order ships as it is placed."""
    return cxsim.load_scenario(ONE_STOCK_POINT, [
        "horizon_days=70", "warmup_days=7", "regions.us.demand.orders_per_day=400",
        "nodes.us_fc.stock.widget.policy.level=1000000", *changes])


def _curve(results: cxsim.Results) -> pd.DataFrame:
    """On-time share per replication (rows) and whole-day promise (columns)."""
    table = results.promise_curve
    return table.pivot_table(index="rep", columns="promise_days", values="on_time_rate")


def test_with_ample_stock_and_no_processing_the_promise_is_the_transit_quantile() -> None:
    # Hours rule, shipped as placed: an order is on time under a k-day promise exactly when its
    # transit is at most k days, so the on-time share is the lognormal's CDF at k.
    mean, cv = 2.0, 0.4
    sigma = math.sqrt(math.log(1 + cv**2))
    transit = stats.lognorm(s=sigma, scale=mean / math.sqrt(1 + cv**2))
    scenario = _ample("regions.us.promise_rule=hours",
                      f"regions.us.carrier.transit_days={{dist: lognormal, mean: {mean}, "
                      f"cv: {cv}}}")
    for target in (0.95, 0.99):
        expected = next(k for k in range(PROMISE_DAYS_RECORDED + 1) if transit.cdf(k) >= target)
        # The target is far enough from the CDF at k - 1 and k for four replications to tell.
        assert transit.cdf(expected) - target > 0.004 and target - transit.cdf(expected - 1) > 0.01
        plan = plan_promise(scenario, reps=4, seed=5, on_time=target)
        row = plan.tables["promise_plan"].iloc[0]
        assert row["recommended_promise_days"] == expected, (target, row.to_dict())
        assert row["status"] == "met"
    curve = _curve(plan.verification)
    for k in range(1, 7):
        assert_matches_theory(curve[k].to_numpy(), float(transit.cdf(k)),
                              max_relative_half_width=0.1)


def _calendar_share(first_day: int, last_day: int, start: dt.date, k: int) -> float:
    """The share of orders on time under a k-day end-of-day promise when the node ships Monday
    to Friday at a 14:00 cut-off and parcels take exactly a day, counted by hand: orders flat
    over the clock, placed on days ``first_day`` to ``last_day`` (UTC)."""
    before, after = 14 / 24, 10 / 24
    # Days from the day of order to the day of delivery, with each one's share of the day:
    # before the cut-off on a working day it ships that day and arrives the next; after it, the
    # next working day's cut-off, arriving the day after.
    by_weekday = {
        0: [(1, before), (2, after)], 1: [(1, before), (2, after)],
        2: [(1, before), (2, after)], 3: [(1, before), (2, after)],
        4: [(1, before), (4, after)],  # Friday evening ships on Monday, arrives Tuesday
        5: [(3, 1.0)],  # Saturday: ships Monday, arrives Tuesday
        6: [(2, 1.0)],  # Sunday
    }
    days = [start + dt.timedelta(days=d) for d in range(first_day, last_day + 1)]
    kept = sum(share for day in days for took, share in by_weekday[day.weekday()] if took <= k)
    return kept / len(days)


def test_a_cut_off_and_weekday_shipping_give_the_calendar_counted_by_hand() -> None:
    horizon, warmup = 77, 7
    scenario = _ample(
        f"horizon_days={horizon}", f"warmup_days={warmup}", "regions.us.timezone=UTC",
        "regions.us.promise_rule=end_of_day", "regions.us.promise_days=2",
        "regions.us.carrier.transit_days={dist: constant, value: 1}",
        "nodes.us_fc.working_days=[mon, tue, wed, thu, fri]", "nodes.us_fc.cutoff_hour=14")
    plan = plan_promise(scenario, reps=8, seed=3, on_time=0.9)
    curve = _curve(plan.verification)
    start = scenario.start_date
    # Under a k-day promise an order is judged once the end of its day + k is within the run.
    for k in range(8):
        expected = _calendar_share(warmup, horizon - k - 1, start, k)
        values = curve[k].to_numpy()
        if expected in (0.0, 1.0):
            assert (values == expected).all(), (k, values)
        else:
            assert_matches_theory(values, expected, max_relative_half_width=0.05)
    # Three days keep 94% of orders, two days 80%: the 90% target takes three.
    row = plan.tables["promise_plan"].iloc[0]
    assert row["current_promise_days"] == 2 and row["recommended_promise_days"] == 3
    assert plan.changes == {"regions.us.promise_days_by_channel.web": 3}
    assert plan.planned.promise_days_for("us", "web") == 3


def test_the_promise_in_force_is_judged_as_the_on_time_kpi_is() -> None:
    # One run answers every promise: the row of the promise in force counts the very orders the
    # on-time KPI counts, on every route of an example with a marketplace and two nodes.
    scenario = cxsim.load_scenario(EXAMPLES / "two_nodes.yaml", ["horizon_days=60"])
    results = cxsim.run(scenario, reps=2, seed=1)
    orders = results.orders_by_day
    curve = results.promise_curve
    for (rep, region, channel), rows in orders[orders["counted"]].groupby(
            ["rep", "region", "sales_channel"]):
        promise = scenario.promise_days_for(region, channel)
        assert promise is not None
        row = curve[(curve["rep"] == rep) & (curve["region"] == region)
                    & (curve["sales_channel"] == channel)
                    & (curve["promise_days"] == int(promise))]
        assert int(row["judged"].iloc[0]) == int(rows["promised"].sum()) > 0
        assert int(row["on_time"].iloc[0]) == int(rows["on_time"].sum())
    assert counted_index(scenario, scenario.start_date) == scenario.warmup_days


def test_a_higher_target_or_a_slower_carrier_never_gives_a_shorter_promise() -> None:
    def recommended(target: float, mean: float) -> int:
        scenario = _ample("horizon_days=40", f"regions.us.carrier.transit_days={{dist: gamma, "
                          f"mean: {mean}, cv: 0.5}}")
        row = plan_promise(scenario, reps=3, seed=2, on_time=target).tables["promise_plan"]
        return int(row["recommended_promise_days"].iloc[0])

    by_target = [recommended(t, 2.0) for t in (0.8, 0.9, 0.95, 0.99)]
    assert by_target == sorted(by_target) and by_target[0] < by_target[-1]
    by_carrier = [recommended(0.95, m) for m in (1.5, 2.0, 3.0)]
    assert by_carrier == sorted(by_carrier) and by_carrier[0] < by_carrier[-1]


@pytest.mark.parametrize("example", SELLING)
def test_plan_promise_through_the_command_line(example: str, tmp_path: Path) -> None:
    path = EXAMPLES / example
    out = tmp_path / "plan"
    done = cxsim_command("plan", "promise", path, "--reps", "2", "--quiet", "--out", out,
                         *(a for change in short_horizon(path) for a in ("--set", change)))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "promise_plan.csv")
    assert list(table.columns) == PROMISE_PLAN_COLUMNS
    assert len(table) >= 1
    assert (out / "report.html").exists()
    checked = cxsim_command("validate", out / "planned.yaml")
    assert checked.returncode == 0, checked.stderr


def test_plan_promise_prints_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan"
    status = main(["plan", "promise", str(ONE_STOCK_POINT), "--reps", "2", "--no-report",
                   "--set", "horizon_days=40", "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "Promise per region and sales channel, on time for at least 95%" in printed
    assert "us      web" in printed
    assert f"plan: {out}" in printed


@pytest.mark.parametrize(("args", "line"), [
    (["--on-time", "1.5"], "argument --on-time: 1.5 is not a share above 0 and below 1"),
    (["--on-time", "most"], "argument --on-time: 'most' is not a number"),
    (["--reps", "1"], "--reps: 1 is too few to judge a promise"),
])
def test_bad_options_exit_2_and_write_nothing(args: list[str], line: str, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "promise", ONE_STOCK_POINT, "--set", "horizon_days=20",
                         "--set", "warmup_days=2", "--out", out, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert line in done.stderr
    assert not any(tmp_path.iterdir())


def test_a_scenario_that_sells_nothing_has_no_promise_to_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "plan"
    assert main(["plan", "promise", str(EXAMPLES / "one_queue.yaml"), "--out", str(out)]) == 2
    assert "regions: no region sells anything" in capsys.readouterr().err
    assert not out.exists()


def test_nothing_up_to_thirty_days_is_a_finding_with_the_reason() -> None:
    # Stock that never comes back in time: a promise cannot cover orders that wait for it.
    scenario = _ample("horizon_days=60", "nodes.us_fc.stock.widget.policy.level=3",
                      "nodes.us_fc.stock.widget.lead_time_days={dist: constant, value: 40}")
    plan = plan_promise(scenario, reps=2, seed=1, on_time=0.95)
    row = plan.tables["promise_plan"].iloc[0]
    assert pd.isna(row["recommended_promise_days"]) and row["status"] == "no promise holds"
    assert any("no promise up to 30 days keeps 95% of orders on time" in f and "fill rate" in f
               for f in plan.findings), plan.findings
    assert plan.changes == {}
    assert np.isfinite(row["current_on_time"])


def test_a_horizon_too_short_to_judge_longer_promises_is_the_reason_given() -> None:
    # Ample stock, a ten-day carrier, and a horizon that judges promises of a few days at
    # most: what stops the plan is the horizon, and the finding says so (not the stock, once).
    scenario = _ample("horizon_days=8", "warmup_days=1",
                      "regions.us.carrier.transit_days={dist: constant, value: 10}")
    plan = plan_promise(scenario, reps=2, seed=1, on_time=0.95)
    row = plan.tables["promise_plan"].iloc[0]
    assert pd.isna(row["recommended_promise_days"])
    last = 6  # an order of the first counted day is judged by the last whole day of the run
    assert any(f"no promise up to {last} days keeps 95%" in f and "a longer horizon_days" in f
               and "fill rate" not in f for f in plan.findings), plan.findings
    assert row["orders_judged"] > 0


def test_a_missed_late_shipment_ceiling_gets_the_node_s_levers_counted_by_hand() -> None:
    # A marketplace that wants orders shipped within a day, from a node that ships Monday to
    # Friday at a 14:00 cut-off (UTC, orders flat over the week). Shipped more than a day after
    # the order, by hand: Friday after 14:00, all of Saturday, Sunday before 14:00: 2/7 of
    # orders. Shipping on Saturdays too leaves Saturday after 14:00 and Sunday before: 1/7.
    # Every day: none. A later cut-off moves the late hours but not their number: 2/7.
    scenario = _ample(
        "horizon_days=63", "regions.us.timezone=UTC",
        "regions.us.demand.channel_shares={market: 1}",
        "channels={messages: {kind: async, handle_minutes: {dist: exponential, mean: 5}}}",
        "sales_channels={market: {kind: marketplace, contact_channels: {messages: 1}, "
        "rules: {ship_within_days: 1, late_shipment_rate_max: 0.1}}}",
        "nodes.us_fc.working_days=[mon, tue, wed, thu, fri]", "nodes.us_fc.cutoff_hour=14")
    plan = plan_promise(scenario, reps=4, seed=8)
    row = plan.tables["promise_plan"].iloc[0]
    assert row["ceiling_holds"] == "missed"
    assert abs(row["late_shipment_rate"] - 2 / 7) < 0.01
    options = plan.tables["ship_options"].set_index("option")
    assert list(options.index) == ["ship on Saturdays too", "ship every day",
                                   "cut-off at 16:00 instead of 14:00",
                                   "cut-off at 18:00 instead of 14:00"]
    expected = {"ship on Saturdays too": 1 / 7, "ship every day": 0.0,
                "cut-off at 16:00 instead of 14:00": 2 / 7,
                "cut-off at 18:00 instead of 14:00": 2 / 7}
    for option, share in expected.items():
        assert abs(options.loc[option, "late_shipment_rate"] - share) < 0.01, option
    assert options["holds"].tolist() == ["missed", "met", "missed", "missed"]
    assert any("the smallest change 'ship every day'" in f for f in plan.findings)
    # Options are reported, never applied: the plan changes promises only.
    assert all(path.startswith("regions.us.promise_days_by_channel.") for path in plan.changes)

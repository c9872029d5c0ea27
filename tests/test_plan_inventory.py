"""``cxsim plan inventory``: stock levels held to the closed forms (Poisson lead-time demand with
backorders, Erlang B with lost sales, the (r, Q) formula), a new node's first shipment and its
order-by date counted by hand, the direction of change, and the command line on every example
that keeps stock.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from stockpyl.rq import r_q_poisson_exact

import cxsim
from cxsim.plan.inventory import INVENTORY_PLAN_COLUMNS, plan_inventory
from cxsim.theory import erlang_b, reorder_point_for, rq_fill_rate
from tests.support import EXAMPLES, cxsim_command, short_horizon

ONE_STOCK_POINT = EXAMPLES / "one_stock_point.yaml"
KEEPING_STOCK = ["one_stock_point.yaml", "two_nodes.yaml", "expansion_eu.yaml"]
# 100 orders of one unit a day, a fixed lead time of one day: lead-time demand Poisson(100).
RATE, LEAD = 100, 1.0


def _poisson_point(*changes: str) -> cxsim.Scenario:
    return cxsim.load_scenario(ONE_STOCK_POINT, [
        f"regions.us.demand.orders_per_day={RATE}",
        f"nodes.us_fc.stock.widget.lead_time_days={{dist: constant, value: {LEAD}}}",
        "horizon_days=240", "warmup_days=10", *changes])


def _smallest(fill: object, target: float) -> int:
    """The smallest level whose closed-form fill rate reaches ``target``."""
    assert callable(fill)
    level = 0
    while fill(level) < target:
        level += 1
    return level


def _row(plan: object) -> dict[str, object]:
    table = plan.tables["inventory_plan"]  # type: ignore[attr-defined]
    assert list(table.columns) == INVENTORY_PLAN_COLUMNS
    assert len(table) == 1
    return dict(table.iloc[0])


def _level(row: dict[str, object]) -> int:
    return int(str(row["recommended"]).split("=")[1].split()[0])


@pytest.fixture(scope="module")
def backorder_plan() -> cxsim.plan.common.Plan:  # type: ignore[name-defined]
    return plan_inventory(_poisson_point(), reps=6, seed=3, fill_rate=0.93, max_iterations=4)


def test_base_stock_with_backorders_is_the_poisson_quantile(backorder_plan: object) -> None:
    """The smallest S with P(Poisson(lambda L) <= S - 1) >= target, within what the verified
    interval's width lets the search tell apart."""
    row = _row(backorder_plan)

    def fill(level: int) -> float:
        return 0.0 if level == 0 else float(stats.poisson.cdf(level - 1, RATE * LEAD))

    assert _smallest(fill, 0.93) == 116  # P(D <= 115) = 0.9368, P(D <= 114) = 0.9241
    width = float(row["verified_fill_rate_high"]) - float(row["verified_fill_rate_low"])
    assert width < 0.05
    level = _level(row)
    assert _smallest(fill, 0.93) <= level <= _smallest(fill, min(0.999, 0.93 + width))
    # The simulation agrees with the closed form at the recommended level.
    assert float(row["verified_fill_rate_low"]) - 0.005 <= fill(level) <= float(
        row["verified_fill_rate_high"]) + 0.005
    assert backorder_plan.planned.nodes["us_fc"].stock["widget"].policy.level == level  # type: ignore[attr-defined]


def test_lost_sales_is_erlang_b() -> None:
    """Lost sales: the smallest S with 1 - B(S, lambda E[L]) >= target (Palm's theorem)."""
    plan = plan_inventory(_poisson_point("nodes.us_fc.stock.widget.on_stockout=lost"), reps=6,
                          seed=5, fill_rate=0.985, max_iterations=4)
    row = _row(plan)

    def fill(level: int) -> float:
        return 1.0 - erlang_b(level, RATE * LEAD)

    assert _smallest(fill, 0.985) == 115  # 1 - B(115, 100) = 0.9864, 1 - B(114, 100) = 0.9842
    width = float(row["verified_fill_rate_high"]) - float(row["verified_fill_rate_low"])
    level = _level(row)
    assert _smallest(fill, 0.985) <= level <= _smallest(fill, min(0.999, 0.985 + width))


def test_rq_fill_rate_is_the_model_s() -> None:
    """(r, Q) with backorders: the simulated fill rate against the formula (position uniform on
    r + 1 .. r + Q), and with Q = 1 the base-stock formula."""
    assert rq_fill_rate(115, 1, 100.0) == pytest.approx(stats.poisson.cdf(115, 100.0))
    scenario = _poisson_point("nodes.us_fc.stock.widget.policy={kind: r_Q, r: 95, Q: 30}",
                              "horizon_days=400")
    results = cxsim.run(scenario, reps=6, seed=2)
    summary = results.summary
    row = summary[(summary["scope"] == "inventory") & (summary["kpi"] == "fill_rate")
                  & (summary["region"] == "us_fc") & (summary["channel"] == "widget")].iloc[0]
    expected = sum(stats.poisson.cdf(y - 1, 100.0) for y in range(96, 126)) / 30
    assert float(row["ci_low"]) - 0.005 <= expected <= float(row["ci_high"]) + 0.005
    assert float(row["ci_high"]) - float(row["ci_low"]) < 0.06


def test_r_q_reorder_point_is_stockpyl_s_optimum() -> None:
    """stockpyl's exact cost optimum (Federgruen and Zheng) of the same system (Poisson unit
    demand, a fixed lead time, backorders) is (r*, Q*); with Q* kept and a target between the
    fill rates of r* - 1 and r*, the smallest reorder point that meets it is r*: exactly in
    closed form, and in the plan within what the verified interval lets the search tell apart."""
    optimum_r, optimum_q, _ = r_q_poisson_exact(0.1, 1.0, 20.0, float(RATE), LEAD)
    r_star, q_star = int(optimum_r), int(optimum_q)

    def fill(r: int) -> float:
        return rq_fill_rate(r, q_star, RATE * LEAD)

    target = (fill(r_star - 1) + fill(r_star)) / 2
    assert reorder_point_for(target, q_star, RATE * LEAD) == r_star
    plan = plan_inventory(_poisson_point(
        f"nodes.us_fc.stock.widget.policy={{kind: r_Q, r: 50, Q: {q_star}}}"), reps=6, seed=8,
        fill_rate=round(target, 4), max_iterations=4)
    row = _row(plan)
    width = float(row["verified_fill_rate_high"]) - float(row["verified_fill_rate_low"])
    planned = plan.planned.nodes["us_fc"].stock["widget"].policy
    recommended, lot = planned.r, planned.Q
    assert lot == q_star
    highest = r_star
    while fill(highest) < min(0.999, target + width):
        highest += 1
    assert r_star <= recommended <= highest


def test_first_shipment_and_order_by_counted_by_hand() -> None:
    """A node that opens with the launch: its first shipment covers the first lead time's
    demand as a one-off stock, and the order-by date is the launch less the lead time's
    95% quantile (a fixed 20 days here)."""
    launch = dt.date(2027, 2, 1)
    scenario = _poisson_point(
        f"regions.us.launch_date={launch}",
        "nodes.us_fc.first_inbound={ordered: 2027-01-25, lead_time_days: "
        "{dist: constant, value: 20}}", "horizon_days=120")
    plan = plan_inventory(scenario, reps=4, seed=1, fill_rate=0.95, max_iterations=2)
    row = _row(plan)
    assert row["first_inbound_order_by"] == launch - dt.timedelta(days=20)
    assert plan.planned.nodes["us_fc"].first_inbound.ordered == launch - dt.timedelta(days=20)
    assert any("2027-01-25" in finding for finding in plan.findings)
    # E[min(D, q)] / E[D] >= 0.95 for D ~ Poisson(100), by the sum over its values.
    values = range(0, 400)

    def newsvendor(q: int) -> float:
        return sum(min(d, q) * stats.poisson.pmf(d, 100.0) for d in values) / 100.0

    by_hand = _smallest(newsvendor, 0.95)
    units = int(row["first_inbound_units"])
    # The demand read from the run and corrected by the search moves it by a few sqrt(100).
    assert abs(units - by_hand) <= 3 * math.sqrt(100)
    assert plan.planned.nodes["us_fc"].stock["widget"].initial == units


def test_a_peak_season_gets_a_level_per_month_raised_a_lead_time_ahead() -> None:
    """Demand that doubles through November: the plan is a level per month, November's (and
    October's, whose last lead times reach into it) above the quiet months' by about the
    doubled lead-time demand, and the plan keeps the target through the peak."""
    scenario = _poisson_point(
        "nodes.us_fc.stock.widget.lead_time_days={dist: constant, value: 7}",
        "regions.us.demand.peaks=[{start: 2027-11-01, end: 2027-11-30, factor: 2}]",
        "start_date=2027-09-01", "horizon_days=120")
    plan = plan_inventory(scenario, reps=4, seed=6, fill_rate=0.95, max_iterations=2)
    assert len(plan.tables["inventory_schedule"]) >= 4
    planned = plan.planned.nodes["us_fc"].stock["widget"]
    levels = {month: planned.level_on(dt.date(2027, month, 15)) for month in (9, 10, 11, 12)}
    # 700 units over a quiet lead time, 1,400 over one in November: the level rises by about
    # the difference (at least half of it), and already in October, whose last lead times reach
    # into the peak.
    assert levels[11] - levels[9] >= 700 / 2
    assert levels[10] > levels[9]
    assert levels[12] < levels[11]
    row = _row(plan)
    assert float(row["verified_fill_rate"]) >= 0.95 - (
        float(row["verified_fill_rate_high"]) - float(row["verified_fill_rate_low"]))


def test_a_higher_target_never_plans_less_stock() -> None:
    short = _poisson_point("horizon_days=120")
    lower = _level(_row(plan_inventory(short, reps=3, seed=7, fill_rate=0.9, max_iterations=2)))
    higher = _level(_row(plan_inventory(short, reps=3, seed=7, fill_rate=0.97,
                                        max_iterations=2)))
    assert higher >= lower


def test_pooling_never_needs_more_stock_than_allocation() -> None:
    """Two sales channels on one stock: pooled, the level is at most the allocated one."""
    base = ["regions.us.demand.channel_shares={web: 0.5, marketplace: 0.5}",
            "sales_channels={marketplace: {kind: marketplace}}"]
    split = plan_inventory(_poisson_point(
        *base, "nodes.us_fc.stock.widget.allocation={web: 0.5, marketplace: 0.5}",
        "horizon_days=120"), reps=3, seed=4, fill_rate=0.95, max_iterations=2)
    pooled = plan_inventory(_poisson_point(*base, "horizon_days=120"), reps=3, seed=4,
                            fill_rate=0.95, max_iterations=2)
    assert _level(_row(pooled)) <= _level(_row(split))


@pytest.mark.parametrize("example", KEEPING_STOCK)
def test_plan_inventory_through_the_command_line(example: str, tmp_path: Path) -> None:
    path = EXAMPLES / example
    out = tmp_path / "plan"
    done = cxsim_command("plan", "inventory", path, "--reps", "2", "--iterations", "1",
                         "--out", out,
                         *(a for change in short_horizon(path) for a in ("--set", change)))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "inventory_plan.csv")
    assert list(table.columns) == INVENTORY_PLAN_COLUMNS
    assert "Stock per node and product" in done.stdout
    checked = cxsim_command("validate", out / "planned.yaml")
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(("args", "line"), [
    (["--fill-rate", "1.5"], "--fill-rate"),
    (["--fill-rate", "x"], "--fill-rate"),
    (["--reps", "1"], "--reps"),
    (["--iterations", "0"], "--iterations"),
])
def test_bad_options_exit_2_and_write_nothing(args: list[str], line: str, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "inventory", ONE_STOCK_POINT, "--set", "horizon_days=20",
                         "--set", "warmup_days=5",
                         "--out", out, *args)
    assert done.returncode == 2
    assert line in done.stderr
    assert not out.exists()


def test_a_scenario_without_stock_has_no_inventory_to_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    done = cxsim_command("plan", "inventory", EXAMPLES / "one_queue.yaml", "--out", out)
    assert done.returncode == 2
    assert "nodes: the scenario keeps no stock" in done.stderr
    assert not out.exists()


def test_stock_whose_demand_all_falls_in_the_warm_up_is_left_as_it_is(tmp_path: Path) -> None:
    # No order is counted, so there is no fill rate to judge a level by (it once read the
    # missing fill rate as missed and raised the level at every iteration); nor would the
    # orders counted meet restocked stock within the run.
    out = tmp_path / "plan"
    done = cxsim_command("plan", "inventory", ONE_STOCK_POINT, "--reps", "2", "--set",
                         "horizon_days=7", "--set", "warmup_days=6.9", "--out", out)
    assert done.returncode == 0, done.stderr
    assert ("us_fc widget: the run ends too soon after its 5-day lead time to judge a stock "
            "level by (a horizon_days of at least 12)" in done.stdout)
    assert "nan" not in done.stdout
    planned = cxsim.load_scenario(out / "planned.yaml")
    assert planned.nodes == cxsim.load_scenario(ONE_STOCK_POINT).nodes


def test_a_run_shorter_than_the_lead_times_plans_no_stock_down(tmp_path: Path) -> None:
    # Three days against lead times of 7 to 12: the opening stock fills every order, so the
    # fill rate says nothing of the level (a plan once cut stock below lead-time demand).
    out = tmp_path / "plan"
    done = cxsim_command("plan", "inventory", EXAMPLES / "two_nodes.yaml", "--reps", "2",
                         "--iterations", "2", "--set", "horizon_days=3", "--set",
                         "warmup_days=1", "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("the run ends too soon after its") == 4
    planned = cxsim.load_scenario(out / "planned.yaml")
    assert planned.nodes == cxsim.load_scenario(EXAMPLES / "two_nodes.yaml").nodes

"""What every planner shares: the planned scenario is the input with the planned fields changed
and nothing else, planned.yaml validates and runs as it is, verification uses fresh seeds, and a
plan directory is a result directory like a run's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import cxsim
from cxsim.plan.common import (
    Plan,
    apply_plan,
    commerce_only,
    planned_yaml,
    verification_seed,
    verify,
)
from tests.support import EXAMPLES, cxsim_command

SHORT = ["horizon_days=1", "warmup_days=0.25"]


def test_a_planned_scenario_changes_only_the_planned_fields() -> None:
    scenario = cxsim.load_scenario(EXAMPLES / "retail_week.yaml", SHORT)
    planned = apply_plan(scenario, {"teams.voice.agents": 41,
                                    "channels.chat.target.service_level": 0.85})
    assert planned.teams["voice"].agents == 41
    assert planned.channels["chat"].target.service_level == 0.85
    before = scenario.model_dump(mode="json")
    after = planned.model_dump(mode="json")
    before["teams"]["voice"]["agents"] = 41
    before["channels"]["chat"]["target"]["service_level"] = 0.85
    assert after == before


def test_planned_yaml_reads_back_as_the_planned_scenario(tmp_path: Path) -> None:
    scenario = cxsim.load_scenario(EXAMPLES / "expansion_eu.yaml")
    planned = apply_plan(scenario, {"sales_channels.amazon.promise_days": 3})
    path = tmp_path / "planned.yaml"
    path.write_text(planned_yaml(planned))
    assert cxsim.load_scenario(path) == planned
    # Only what the author wrote is carried: defaults stay implicit, as in the input.
    assert "omnichannel_handle_saving_pct" not in path.read_text()


def test_verification_runs_on_seeds_the_search_never_used() -> None:
    scenario = cxsim.load_scenario(EXAMPLES / "one_queue.yaml", SHORT)
    verified = verify(scenario, reps=2, seed=4)
    assert verified.seed == verification_seed(4) == 5
    again = cxsim.run(scenario, reps=2, seed=5)
    pd.testing.assert_frame_equal(verified.runs, again.runs)
    searched = cxsim.run(scenario, reps=2, seed=4)
    assert not verified.runs["value"].equals(searched.runs["value"])


def test_a_plan_directory_holds_the_verification_the_tables_and_planned_yaml(
    tmp_path: Path,
) -> None:
    scenario = cxsim.load_scenario(EXAMPLES / "one_queue.yaml", SHORT)
    changes = {"teams.us_agents.agents": 33}
    planned = apply_plan(scenario, changes)
    table = pd.DataFrame({"team": ["us_agents"], "agents": [33]})
    plan = Plan("staffing", scenario, changes, planned, {"staffing": table},
                verify(planned, reps=2, seed=0), findings=["a finding"])
    out = plan.save(tmp_path / "plan")
    meta = json.loads((out / "run.json").read_text())
    assert meta["kind"] == "plan" and meta["plan"] == "staffing"
    assert sorted(p.name for p in out.iterdir()) == sorted(meta["files"])
    assert {"staffing.csv", "planned.yaml", "summary.csv"} <= set(meta["files"])
    loaded = cxsim.Results.load(out)
    assert loaded.scenario == planned and loaded.seed == 1
    done = cxsim_command("run", out / "planned.yaml", "--reps", "2", "--seed", "1", "--out",
                         tmp_path / "again", "--quiet")
    assert done.returncode == 0, done.stderr
    rerun = pd.read_csv(tmp_path / "again" / "summary.csv")
    pd.testing.assert_frame_equal(rerun, pd.read_csv(out / "summary.csv"))
    # A second plan may replace the first: it is a cxsim result.
    assert plan.save(tmp_path / "plan") == out


def test_commerce_alone_has_the_orders_stock_and_delivery_of_the_whole_scenario() -> None:
    """Contacts follow orders and never the reverse: without the support operation a run has
    the same commerce tables, through a launch, a first shipment and marketplace rules."""
    whole = cxsim.load_scenario(EXAMPLES / "expansion_eu.yaml",
                                ["horizon_days=100", "warmup_days=7"])
    alone = commerce_only(whole)
    assert not alone.teams and not alone.contact_volume and alone.order_contacts is None
    assert alone.nodes == whole.nodes and alone.regions == whole.regions
    assert alone.sales_channels == whole.sales_channels
    full = cxsim.run(whole, reps=1, seed=4)
    lean = cxsim.run(alone, reps=1, seed=4)
    assert full.contacts_by_day["offered"].sum() > 0
    assert lean.contacts_by_day.empty or lean.contacts_by_day["offered"].sum() == 0
    for table in ("orders_by_day", "inventory_by_day", "promise_curve"):
        mine, theirs = getattr(lean, table), getattr(full, table)
        # The contacts orders bring are counted beside them: none without support.
        support = [c for c in theirs.columns if c.endswith("_contacts")]
        assert mine[support].to_numpy().sum() == 0
        mine, theirs = mine.drop(columns=support), theirs.drop(columns=support)
        pd.testing.assert_frame_equal(mine, theirs)
    assert commerce_only(alone) is alone

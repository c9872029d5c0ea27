"""Regions that launch: nothing before the launch date, and the launch checklist (launch.csv)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

import cxsim
from cxsim.plan import erlang_c_service_level, offered_load


def _scenario(**changes: Any) -> cxsim.Scenario:
    data: dict[str, Any] = {
        "name": "launch",
        "start_date": "2027-01-04",
        "horizon_days": 20,
        "warmup_days": 0,
        "regions": {
            "us": {"timezone": "America/New_York"},
            "de": {"timezone": "Europe/Berlin", "languages": {"de": 0.8, "en": 0.2},
                   "launch_date": "2027-01-14"},
        },
        "channels": {"email": {"kind": "async",
                               "handle_minutes": {"dist": "exponential", "mean": 4}}},
        "contact_volume": [{"region": "us", "channel": "email", "per_hour": 10},
                           {"region": "de", "channel": "email", "per_hour": 10}],
        "teams": {
            "us_team": {"region": "us", "channels": ["email"], "agents": 3,
                        "overflow_after_s": 600, "languages": ["en"]},
            "de_team": {"region": "de", "channels": ["email"], "languages": ["de"],
                        "agents": 0, "hires": [{"date": "2027-01-11", "agents": 2}],
                        "hiring_lead_days": 30},
        },
    }
    for key, value in changes.items():
        data[key] = value
    return cxsim.parse_scenario(data)


def test_no_contact_arrives_in_a_region_before_its_launch() -> None:
    results = cxsim.run(_scenario(), reps=2, seed=3)
    table = results.contacts_by_interval
    arrived = table.groupby(["region", "start"])["forecast"].sum()
    # 2027-01-14 00:00 in Berlin (UTC+1 in winter) is 2027-01-13 23:00 UTC.
    launch = pd.Timestamp("2027-01-13 23:00", tz="UTC")
    de = arrived["de"]
    assert de[de.index < launch].sum() == 0
    # Ten contacts an hour from the launch to the end of 2027-01-23 UTC (ten days and an hour),
    # in two replications.
    after = de[de.index >= launch].sum()
    expected = 2 * 10 * (10 * 24 + 1)
    assert abs(after - expected) < 4 * np.sqrt(expected)
    assert arrived["us"].sum() > 0


def test_launch_checks_list_preparation_with_decision_dates() -> None:
    regions = _scenario().model_dump(mode="json")["regions"]
    regions["de"]["preparation"] = {
        "entity_and_tax": {"lead_days": 90, "started": "2026-10-01"},   # ready 2026-12-30
        "marketplace_account": {"lead_days": 30, "started": "2026-12-20"},  # ready 2027-01-19
        "vat_number": {"lead_days": 5},      # decide by 2027-01-09: still open at the start
        "bank_account": {"lead_days": 20},   # decide by 2026-12-25: before the start
    }
    launch = cxsim.run(_scenario(regions=regions), reps=1, seed=1).launch
    prep = launch[launch["kind"] == "preparation"].set_index("item")
    assert prep.loc["entity_and_tax", "status"] == "ready"
    assert prep.loc["entity_and_tax", "ready_by"] == dt.date(2026, 12, 30)
    assert prep.loc["marketplace_account", "status"] == "late"
    assert prep.loc["vat_number", "status"] == "open"
    assert prep.loc["vat_number", "decide_by"] == dt.date(2027, 1, 9)
    assert prep.loc["bank_account", "status"] == "too late"
    assert (launch["region"] == "de").all()


def test_launch_checks_agents_per_team_and_queues_only_overflow_serves() -> None:
    launch = cxsim.run(_scenario(), reps=1, seed=1).launch
    agents = launch[launch["kind"] == "agents"].set_index("item")
    # Two German speakers start on 2027-01-11 after 30 days of hiring: decided by 2026-12-12,
    # before the scenario starts. A team is the unit hired for: one row, whatever its skills.
    assert agents.loc["de_team", "status"] == "too late"
    assert len(agents) == 2
    assert agents.loc["de_team", "decide_by"] == dt.date(2026, 12, 12)
    assert agents.loc["de_team", "detail"] == "2 agents at launch for email (de)"
    # English customers in Germany are served only by the US team's overflow.
    assert agents.loc["email in en", "status"] == "overflow only"


def test_a_team_with_several_languages_and_channels_has_one_launch_row() -> None:
    teams = _scenario().model_dump(mode="json")["teams"]
    teams["de_team"]["languages"] = ["de", "en"]
    launch = cxsim.run(_scenario(teams=teams), reps=1, seed=1).launch
    agents = launch[launch["kind"] == "agents"]
    assert list(agents["item"]) == ["de_team"]
    assert agents["detail"].iloc[0] == "2 agents at launch for email (de, en)"


def test_a_region_without_launch_date_needs_no_checks() -> None:
    regions = _scenario().model_dump(mode="json")["regions"]
    regions["de"]["launch_date"] = None
    assert cxsim.run(_scenario(regions=regions), reps=1, seed=1).launch.empty


def test_targets_are_met_missed_or_at_risk_by_their_confidence_interval() -> None:
    def run(agents: int) -> pd.DataFrame:
        scenario = cxsim.parse_scenario({
            "name": "target", "start_date": "2027-01-04", "horizon_days": 3, "warmup_days": 0.5,
            "regions": {"us": {"timezone": "UTC"}},
            "channels": {"phone": {"kind": "sync",
                                   "handle_minutes": {"dist": "exponential", "mean": 5},
                                   "target": {"answer_within_s": 20, "service_level": 0.8}}},
            "contact_volume": [{"region": "us", "channel": "phone", "per_hour": 300}],
            "teams": {"t": {"region": "us", "channels": ["phone"], "agents": agents}},
        })
        return cxsim.run(scenario, reps=4, seed=8).targets.set_index(["region", "channel"])

    load = offered_load(300, 5)
    # Erlang C: 33 agents answer 95% within 20 s, 28 agents 63%; the target is 80%.
    assert erlang_c_service_level(33, load, 5, 20 / 60) > 0.94
    assert erlang_c_service_level(28, load, 5, 20 / 60) < 0.65
    assert run(33).loc[("us", "phone"), "status"] == "met"
    missed = run(28).loc[("us", "phone")]
    assert missed["status"] == "missed" and missed["ci_high"] < 0.8
    assert missed["rule"] == ">=" and missed["limit"] == 0.8


def test_a_target_whose_interval_straddles_the_limit_is_at_risk() -> None:
    from cxsim.results.checks import targets
    from cxsim.results.summary import SUMMARY_COLUMNS

    scenario = _scenario()  # email: respond within 24 h for 90% of messages
    summary = pd.DataFrame([
        ("contacts", "us", "email", "service_level", 0.91, 0.88, 0.94, 5),
        ("contacts", "de", "email", "service_level", 0.95, 0.92, 0.97, 5),
        ("contacts", "*", "email", "service_level", 0.85, 0.80, 0.89, 5),
        ("contacts", "*", "*", "service_level", 0.85, float("nan"), float("nan"), 1),
    ], columns=SUMMARY_COLUMNS)
    status = targets(scenario, summary).set_index("region")["status"]
    assert status.to_dict() == {"us": "at risk", "de": "met", "*": "missed"}

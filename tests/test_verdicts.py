"""The verdict per region follows its rules, on scenarios built to hit each rule.

Queues are sized with Erlang A (60 calls an hour, 5-minute calls, 3-minute patience, a 20 s
answer target) so that the service level lands well clear of the verdict's limits; deliveries
with constant or known transit times, so that the on-time share is known in closed form.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import cxsim
from cxsim.results.verdicts import (
    FAR_BELOW_POINTS,
    ON_TIME_FAR_BELOW,
    ON_TIME_TARGET,
    RULES,
    VERDICT_COLUMNS,
    RegionVerdict,
    region_verdicts,
)
from cxsim.theory.erlang import erlang_a_service_level


def _contacts(agents: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "verdicts",
        "start_date": "2027-01-04",
        "horizon_days": 5,
        "warmup_days": 1,
        "regions": {"us": {"timezone": "UTC"}},
        "channels": {"phone": {"kind": "sync",
                               "handle_minutes": {"dist": "exponential", "mean": 5},
                               "patience_minutes": {"dist": "exponential", "mean": 3},
                               "target": {"answer_within_s": 20, "service_level": 0.8}}},
        "contact_volume": [{"region": "us", "channel": "phone", "per_hour": 60}],
        "teams": {"us_team": {"region": "us", "channels": ["phone"], "agents": agents}},
    }
    data.update(changes)
    return data


def _shop(*, transit: dict[str, Any], promise_days: float, level: int = 10_000,
          node: dict[str, Any] | None = None, rules: dict[str, Any] | None = None,
          region: dict[str, Any] | None = None) -> dict[str, Any]:
    market: dict[str, Any] = {"kind": "marketplace"}
    channels: dict[str, Any] = {}
    if rules is not None:
        # The message rule is measured on the marketplace's messages: none come here.
        market.update(rules=rules, contact_channels={"messages": 1})
        channels["messages"] = {"kind": "async",
                                "handle_minutes": {"dist": "exponential", "mean": 5}}
    return {
        "channels": channels,
        "name": "shop",
        "start_date": "2027-01-04",
        "horizon_days": 12,
        "warmup_days": 1,
        "regions": {"us": {"timezone": "UTC",
                           "demand": {"orders_per_day": 200, "channel_shares": {"market": 1}},
                           "promise_days": promise_days,
                           "carrier": {"transit_days": transit}, **(region or {})}},
        "sales_channels": {"market": market},
        "products": {"widget": {}},
        "nodes": {"fc": {"serves": ["us"], **(node or {}),
                         "stock": {"widget": {"policy": {"kind": "base_stock", "level": level},
                                              "lead_time_days": {"dist": "constant",
                                                                 "value": 2}}}}},
    }


def _verdicts(data: dict[str, Any], reps: int = 3, seed: int = 1) -> dict[str, RegionVerdict]:
    results = cxsim.run(cxsim.parse_scenario(data), reps=reps, seed=seed)
    return {verdict.region: verdict for verdict in region_verdicts(results)}


def _rules(verdict: RegionVerdict) -> set[str]:
    return {finding.rule for finding in verdict.findings}


def test_every_rule_leads_to_a_verdict_and_says_what_it_checks() -> None:
    assert {rule.severity for rule in RULES} == {"no-go", "at risk", "note"}
    assert len({rule.name for rule in RULES}) == len(RULES)
    assert all(rule.statement.endswith(".") for rule in RULES)


def test_a_queue_that_meets_its_target_is_a_go() -> None:
    assert erlang_a_service_level(9, 1.0, 5, 3, 20 / 60) > 0.95
    verdict = _verdicts(_contacts(agents=9))["us"]
    assert verdict.verdict == "go"
    assert verdict.findings == ()


def test_a_missed_service_target_makes_a_region_at_risk() -> None:
    # Erlang A: 71% answered within 20 s against a target of 80%, not far below it.
    expected = erlang_a_service_level(6, 1.0, 5, 3, 20 / 60)
    assert 0.8 - FAR_BELOW_POINTS + 0.05 < expected < 0.8 - 0.05
    verdict = _verdicts(_contacts(agents=6))["us"]
    assert verdict.verdict == "at risk"
    assert _rules(verdict) == {"target_missed"}
    assert "phone" in verdict.findings[0].text and "below the 80.0% target" in (
        verdict.findings[0].text)


def test_a_service_level_far_below_its_target_is_a_no_go() -> None:
    assert erlang_a_service_level(3, 1.0, 5, 3, 20 / 60) < 0.8 - FAR_BELOW_POINTS - 0.2
    verdict = _verdicts(_contacts(agents=3))["us"]
    assert verdict.verdict == "no-go"
    assert _rules(verdict) == {"service_far_below"}


def test_a_backlog_nobody_works_is_judged_by_the_messages_left_waiting() -> None:
    # Phone answered well; email has a team with no agents: not one message is answered, and
    # every one that arrived a day or more before the end has waited past its 24 hours. The
    # share answered in time is then exactly 0, not "met" for want of answers.
    data = _contacts(agents=9)
    data["channels"]["email"] = {"kind": "async",
                                 "handle_minutes": {"dist": "exponential", "mean": 5},
                                 "target": {"respond_within_hours": 24, "service_level": 0.9}}
    data["contact_volume"].append({"region": "us", "channel": "email", "per_hour": 10})
    data["teams"]["us_mail"] = {"region": "us", "channels": ["email"], "agents": 0}
    results = cxsim.run(cxsim.parse_scenario(data), reps=2, seed=1)
    kpis = results.summary.set_index(["scope", "region", "channel", "kpi"])["mean"]
    assert kpis["contacts", "us", "email", "service_level"] == 0.0
    assert kpis["contacts", "us", "email", "handled"] == 0.0
    # Phone's share is judged as before: waits at the end there are minutes, not past 20 s
    # over a whole interval.
    assert kpis["contacts", "us", "phone", "service_level"] > 0.9
    verdict = {v.region: v for v in region_verdicts(results)}["us"]
    assert verdict.verdict == "no-go"
    assert _rules(verdict) == {"service_far_below"}


def test_what_nothing_judged_backs_is_at_risk_not_a_go() -> None:
    # A 20-day promise on a 12-day horizon: no order falls due, so the promise is not judged.
    verdict = _verdicts(_shop(transit={"dist": "constant", "value": 1}, promise_days=20))["us"]
    assert verdict.verdict == "at risk"
    assert _rules(verdict) == {"not_judged"}
    assert verdict.findings[0].text.startswith("market: no order fell due within its promise")
    # The same promise on a horizon long enough to judge it is a go.
    judged = _shop(transit={"dist": "constant", "value": 1}, promise_days=20)
    assert _verdicts(judged | {"horizon_days": 30})["us"].verdict == "go"
    # Calls offered after the warm-up to nobody, callers who never hang up, and the run ends
    # within the hour they came in: none answered, abandoned or surely past 20 s.
    calls = _contacts(agents=0) | {"horizon_days": 1.01, "warmup_days": 1}
    del calls["channels"]["phone"]["patience_minutes"]
    verdict = _verdicts(calls)["us"]
    assert _rules(verdict) == {"not_judged"}
    assert "contacts offered after the warm-up, none answered" in verdict.findings[0].text


def test_a_hire_decided_too_late_makes_a_region_at_risk() -> None:
    hires = {"hires": [{"date": "2027-01-07", "agents": 1}], "hiring_lead_days": 30}
    data = _contacts(agents=9)
    data["teams"]["us_team"].update(hires)
    verdict = _verdicts(data)["us"]
    assert verdict.verdict == "at risk"
    assert _rules(verdict) == {"hire_too_late"}
    assert verdict.findings[0].decide_by == dt.date(2026, 12, 8)


def _launching(**de: Any) -> dict[str, Any]:
    """The well-staffed queue in the US and a German launch on 2027-01-06 with its own team."""
    data = _contacts(agents=9)
    data["regions"]["de"] = {"timezone": "UTC", "launch_date": "2027-01-06", **de}
    data["contact_volume"].append({"region": "de", "channel": "phone", "per_hour": 60})
    data["teams"]["de_team"] = {"region": "de", "channels": ["phone"], "agents": 9}
    return data


def test_launch_items_that_are_not_ready_make_a_no_go() -> None:
    data = _launching(preparation={
        "bank_account": {"lead_days": 20},                            # decide by 2026-12-17
        "entity": {"lead_days": 30, "started": "2026-12-20"},        # ready 2027-01-19
        "vat_number": {"lead_days": 1},                               # open until 2027-01-05
    })
    verdicts = _verdicts(data)
    assert verdicts["us"].verdict == "go"
    german = verdicts["de"]
    assert german.verdict == "no-go"
    by_text = {finding.text.split(":")[0]: finding for finding in german.findings}
    assert by_text["preparation bank_account"].rule == "launch_not_ready"
    assert "before the plan starts" in by_text["preparation bank_account"].text
    assert by_text["preparation entity"].rule == "launch_not_ready"
    assert "2027-01-19" in by_text["preparation entity"].text
    open_item = by_text["preparation vat_number"]
    assert (open_item.rule, open_item.severity) == ("decision_open", "note")
    assert open_item.decide_by == dt.date(2027, 1, 5)
    # The most serious reasons come first.
    assert [f.severity for f in german.findings] == sorted(
        (f.severity for f in german.findings), key=["no-go", "at risk", "note"].index)


def test_an_open_decision_alone_leaves_a_go() -> None:
    verdict = _verdicts(_launching(preparation={"vat_number": {"lead_days": 1}}))["de"]
    assert verdict.verdict == "go"
    assert {f.severity for f in verdict.findings} == {"note"}


def test_a_launching_team_without_agents_is_a_no_go() -> None:
    data = _launching()
    data["teams"]["de_team"]["agents"] = 0
    verdict = _verdicts(data)["de"]
    assert verdict.verdict == "no-go"
    assert "launch_not_ready" in _rules(verdict)
    assert any("nobody at launch" in f.text for f in verdict.findings)


def test_a_launch_after_the_horizon_is_at_risk_for_want_of_evidence() -> None:
    data = _launching()
    data["regions"]["de"]["launch_date"] = "2027-02-01"
    verdict = _verdicts(data)["de"]
    assert verdict.verdict == "at risk"
    assert _rules(verdict) == {"launch_after_horizon"}


def test_orders_on_time_far_below_the_promise_are_a_no_go() -> None:
    # Every parcel takes two days against a one-day promise: none is on time.
    verdict = _verdicts(_shop(transit={"dist": "constant", "value": 2}, promise_days=1))["us"]
    assert verdict.verdict == "no-go"
    assert _rules(verdict) == {"on_time_far_below"}
    assert "market: 0.0%" in verdict.findings[0].text


def test_orders_on_time_below_the_target_share_make_a_region_at_risk() -> None:
    # Lognormal transit, mean 2 days, cv 0.3, against 3 days: P(T <= 3) = 0.937.
    sigma = math.sqrt(math.log(1 + 0.3**2))
    mu = math.log(2) - sigma**2 / 2
    on_time = 0.5 * (1 + math.erf((math.log(3) - mu) / (sigma * math.sqrt(2))))
    assert ON_TIME_FAR_BELOW + 0.05 < on_time < ON_TIME_TARGET - 0.005
    verdict = _verdicts(_shop(transit={"dist": "lognormal", "mean": 2, "cv": 0.3},
                              promise_days=3))["us"]
    assert verdict.verdict == "at risk"
    assert _rules(verdict) == {"on_time_below"}


def test_orders_well_within_the_promise_are_a_go() -> None:
    verdict = _verdicts(_shop(transit={"dist": "constant", "value": 1}, promise_days=3))["us"]
    assert (verdict.verdict, verdict.findings) == ("go", ())


def test_a_missed_marketplace_rule_is_a_no_go() -> None:
    # The node ships on Mondays only: orders of the other six days wait past the two-day window.
    rules = {"ship_within_days": 2, "late_shipment_rate_max": 0.04}
    verdict = _verdicts(_shop(transit={"dist": "constant", "value": 1}, promise_days=10,
                              node={"working_days": ["mon"]}, rules=rules))["us"]
    assert verdict.verdict == "no-go"
    assert _rules(verdict) == {"marketplace_rule_missed"}
    assert "shipped late, above the marketplace's 4.0% ceiling" in verdict.findings[0].text


def test_stock_that_runs_out_makes_a_region_at_risk() -> None:
    # 200 orders a day for two days of lead time against a base stock of 300: the node runs
    # dry most days; backordered parcels still arrive within the long promise.
    # (30 days, so that orders fall due within the 20-day promise and it is judged.)
    verdict = _verdicts(_shop(transit={"dist": "constant", "value": 1}, promise_days=20,
                              level=300) | {"horizon_days": 30})["us"]
    assert verdict.verdict == "at risk"
    assert _rules(verdict) == {"stock_runs_out"}
    assert verdict.findings[0].text.startswith("fc runs out of widget: ")


def _first_stock(lead: dict[str, Any]) -> dict[str, Any]:
    data = _shop(transit={"dist": "constant", "value": 1}, promise_days=20,
                 region={"launch_date": "2027-01-10"}) | {"horizon_days": 35}
    data["nodes"]["fc"]["first_inbound"] = {"ordered": "2027-01-04", "lead_time_days": lead}
    return data


def test_first_stock_that_may_come_after_the_launch_makes_it_at_risk() -> None:
    # Arrives between 2027-01-07 and 2027-01-13, around the launch on 2027-01-10: in some of
    # ten replications before it and in some after (all on one side: odds 2 in 1,024).
    verdict = _verdicts(_first_stock({"dist": "uniform", "low": 3, "high": 9}), reps=10)["us"]
    assert verdict.verdict == "at risk"
    assert "first_stock_at_risk" in _rules(verdict)
    assert _rules(verdict) <= {"first_stock_at_risk", "stock_runs_out"}


def test_first_stock_that_comes_after_the_launch_is_a_no_go() -> None:
    verdict = _verdicts(_first_stock({"dist": "constant", "value": 10}))["us"]
    assert verdict.verdict == "no-go"
    assert "launch_not_ready" in _rules(verdict)


def test_results_give_the_verdicts_as_a_tidy_table() -> None:
    results = cxsim.run(cxsim.parse_scenario(_contacts(agents=6)), reps=2, seed=1)
    table = results.verdicts()
    assert list(table.columns) == VERDICT_COLUMNS
    assert table.to_dict("records")[0]["verdict"] == "at risk"
    assert set(table["region"]) == {"us"}


def test_a_region_without_reasons_has_one_row_in_the_table() -> None:
    table = cxsim.run(cxsim.parse_scenario(_contacts(agents=9)), reps=2, seed=1).verdicts()
    assert table.to_dict("records") == [{"region": "us", "verdict": "go", "severity": "",
                                         "rule": "", "finding": "", "decide_by": None}]

"""Contact-centre behaviours: concurrency, customers' journeys, bots, languages, routing, staff.

Statistical tolerances are either confidence half-widths across replications (tests.support,
99.9% two-sided), or binomial / Poisson standard errors derived in each test for counts that,
given the model's rules, are binomial or Poisson. Scenarios compared with the same seed share
their random numbers (common random numbers), so paired differences are tight.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxsim
from cxsim.model import simulate
from cxsim.model.metrics import wait_bin
from cxsim.plan import erlang_c, erlang_c_service_level
from cxsim.scenario.distributions import Constant
from tests.support import CHECK_LEVEL, assert_matches_theory, half_width, per_rep

RETAIL_WEEK = Path(__file__).resolve().parent.parent / "scenarios" / "retail_week.yaml"
MONDAY = "2027-01-04"
# Two-sided normal quantile of the check level, for binomial and Poisson bounds.
Z = float(stats.norm.ppf(0.5 + CHECK_LEVEL / 2))
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def exponential(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


def constant(value: float) -> dict[str, Any]:
    return {"dist": "constant", "value": value}


def build(
    *,
    channels: dict[str, Any],
    volume: list[dict[str, Any]],
    teams: dict[str, Any],
    regions: dict[str, Any] | None = None,
    horizon_days: float = 3,
    warmup_days: float = 0,
    **extra: Any,
) -> cxsim.Scenario:
    """A scenario from its parts; one region 'us' on UTC unless ``regions`` says otherwise."""
    return cxsim.parse_scenario({
        "name": "customers",
        "start_date": MONDAY,
        "horizon_days": horizon_days,
        "warmup_days": warmup_days,
        "regions": regions or {"us": {"timezone": "UTC"}},
        "channels": channels,
        "contact_volume": volume,
        "teams": teams,
        **extra,
    })


def totals(results: cxsim.Results, by: list[str], counted_only: bool = False) -> pd.DataFrame:
    """Queue measures summed over intervals, grouped by ``by``."""
    table = results.contacts_by_interval
    if counted_only:
        table = table[table["counted"]]
    return table.groupby(by).sum(numeric_only=True)


def binomial_bound(n: float, p: float) -> float:
    """Half-width of a count that is binomial(n, p), at the check level."""
    return Z * math.sqrt(n * p * (1 - p))


def poisson_bound(mean: float) -> float:
    """Half-width of a count that is Poisson(mean), at the check level."""
    return Z * math.sqrt(mean)


def assert_below_zero(difference: np.ndarray, what: str) -> None:
    """The paired difference is negative with confidence (its upper limit is below zero)."""
    upper = difference.mean() + half_width(difference)
    assert upper < 0, f"{what}: mean difference {difference.mean():.4g}, upper limit {upper:.4g}"


# -- 1. chat concurrency ---------------------------------------------------------------------------

# 8 agents carrying up to 3 chats: 24 servers for 240 chats an hour of 5 minutes (20 Erlangs).
CHAT_AGENTS, CHAT_CONCURRENCY, CHAT_RATE, CHAT_HANDLE = 8, 3, 240.0, 5.0
CHAT_LOAD = CHAT_RATE * CHAT_HANDLE / 60


def chat_scenario(slowdown_pct: float) -> cxsim.Scenario:
    return build(
        channels={"chat": {
            "kind": "sync", "handle_minutes": exponential(CHAT_HANDLE),
            "target": {"answer_within_s": 20},
            "concurrency": CHAT_CONCURRENCY, "slowdown_per_extra_contact_pct": slowdown_pct,
        }},
        volume=[{"region": "us", "channel": "chat", "per_hour": CHAT_RATE}],
        teams={"t": {"region": "us", "channels": ["chat"], "agents": CHAT_AGENTS}},
        horizon_days=6, warmup_days=1,
    )


@pytest.fixture(scope="module")
def chat_runs() -> tuple[cxsim.Results, cxsim.Results]:
    # Replication r of the same seed sees the same customers in both: the second run pairs
    # with the first six replications of the first. A slowdown of 5% per extra chat keeps the
    # queue stable (at most 1.1 x 20 Erlangs on 24 servers).
    return (cxsim.run(chat_scenario(0), reps=12, seed=31),
            cxsim.run(chat_scenario(5), reps=6, seed=31))


def test_chat_agents_with_concurrency_k_and_no_slowdown_are_k_times_as_many_servers(
    chat_runs: tuple[cxsim.Results, cxsim.Results],
) -> None:
    plain, _ = chat_runs
    servers = CHAT_AGENTS * CHAT_CONCURRENCY
    assert erlang_c(CHAT_AGENTS, CHAT_LOAD) == 1.0  # without concurrency the queue would explode
    assert_matches_theory(per_rep(plain, "wait_prob"), erlang_c(servers, CHAT_LOAD),
                          max_relative_half_width=0.1)
    expected_sl = erlang_c_service_level(servers, CHAT_LOAD, CHAT_HANDLE, 20 / 60)
    assert_matches_theory(per_rep(plain, "service_level"), expected_sl,
                          max_relative_half_width=0.04)
    # Busy time counts 1/k of an agent per chat: occupancy is the load over k c.
    assert_matches_theory(per_rep(plain, "occupancy"), CHAT_LOAD / servers,
                          max_relative_half_width=0.015)


def test_chat_slowdown_per_extra_contact_makes_waits_longer(
    chat_runs: tuple[cxsim.Results, cxsim.Results],
) -> None:
    plain, slowed = chat_runs

    def paired(kpi: str) -> np.ndarray:
        return per_rep(plain, kpi)[: slowed.reps] - per_rep(slowed, kpi)

    # Same customers, same handle times: only the slowdown differs.
    assert (paired("offered") == 0).all()
    for kpi in ("asa_s", "wait_prob", "occupancy"):
        assert_below_zero(paired(kpi), kpi)


def test_chat_slowdown_slows_every_chat_in_hand_as_documented() -> None:
    # "Each extra one slows all of them down": with n chats in hand each runs at speed
    # 1 / (1 + s (n - 1)). One agent, at most 2 chats, s = 100%: two chats at half speed end at
    # the same total rate mu as one chat at full speed, so the number of chats in the system is
    # exactly M/M/1. A chat waits when 2 are in hand: P(wait) = rho^2; the queue holds N - 2,
    # so the mean wait is rho^3 / ((1 - rho) lambda).
    rate, handle = 6.0, 5.0
    scenario = build(
        channels={"chat": {"kind": "sync", "handle_minutes": exponential(handle),
                           "concurrency": 2, "slowdown_per_extra_contact_pct": 100}},
        volume=[{"region": "us", "channel": "chat", "per_hour": rate}],
        teams={"t": {"region": "us", "channels": ["chat"], "agents": 1}},
        horizon_days=81, warmup_days=1,
    )
    results = cxsim.run(scenario, reps=12, seed=61)
    lam = rate / 60
    rho = lam * handle
    assert_matches_theory(per_rep(results, "asa_s"), 60 * rho**3 / ((1 - rho) * lam),
                          max_relative_half_width=0.1)
    assert_matches_theory(per_rep(results, "wait_prob"), rho**2, max_relative_half_width=0.06)


# -- 2, 13, 14. the retail week example ------------------------------------------------------------

SHORT = ["horizon_days=3", "warmup_days=1"]
# The example's chases come after 24 hours; a shorter wait makes some happen in three days.
QUICK_CHASE = ("segments.classic.chase.after_hours=2",)


def retail(omnichannel: bool, extra: tuple[str, ...] = ()) -> cxsim.Scenario:
    return cxsim.load_scenario(
        RETAIL_WEEK, [*SHORT, f"omnichannel={str(omnichannel).lower()}", *extra]
    )


@pytest.fixture(scope="module")
def retail_as_is() -> dict[bool, cxsim.Results]:
    return {omni: cxsim.run(retail(omni), reps=2, seed=14) for omni in (True, False)}


@pytest.fixture(scope="module")
def retail_quick_chase() -> dict[bool, cxsim.Results]:
    return {omni: cxsim.run(retail(omni, QUICK_CHASE), reps=2, seed=2) for omni in (True, False)}


@pytest.mark.parametrize("omnichannel", [True, False], ids=["omnichannel", "siloed"])
def test_every_contact_is_accounted_for_with_retries_chases_follow_ups_and_bots(
    retail_quick_chase: dict[bool, cxsim.Results], omnichannel: bool
) -> None:
    results = retail_quick_chase[omnichannel]
    table = results.contacts_by_interval
    # Per queue, replication and interval (of arrival): what came in went somewhere.
    came = table["forecast"] + table["retries"] + table["chases"] + table["follow_ups"]
    went = table["deflected"] + table["merged"] + table["unserved"] + table["offered"]
    bad = table[came != went]
    assert bad.empty, bad[["rep", "interval", "region", "channel", "language"]].head()
    ends = table["handled"] + table["abandoned"] + table["waiting_at_end"]
    assert (table["offered"] == ends).all()
    assert (table["escalated"] <= table["offered"]).all()
    assert (table["switched"] <= table["retries"] + table["chases"] + table["follow_ups"]).all()
    # Only the chat channel has a bot.
    assert (table.loc[table["channel"] != "chat", ["deflected", "escalated"]] == 0).all().all()

    async_channels = ["email", "social"]
    for rep, group in table.groupby("rep"):
        whole = group.sum(numeric_only=True)
        # Every retry follows an abandon, every follow-up a handled contact, every chase an
        # unanswered message (counted over the whole run: the causes may precede the warm-up).
        assert 0 < whole["retries"] <= whole["abandoned"], rep
        assert 0 < whole["follow_ups"] <= whole["handled"], rep
        async_offered = group.loc[group["channel"].isin(async_channels), "offered"].sum()
        assert 0 < whole["chases"] <= async_offered, rep
        assert whole["deflected"] > 0 and whole["escalated"] > 0, rep
        if omnichannel:
            assert whole["merged"] == whole["chases"], rep  # a chase joins the open contact
        else:
            assert whole["merged"] == 0, rep


def test_same_seed_gives_identical_tables_with_one_or_two_workers(
    retail_as_is: dict[bool, cxsim.Results], tables_equal: Callable[..., None]
) -> None:
    parallel = cxsim.run(retail(True), reps=2, seed=14, workers=2)
    tables_equal(retail_as_is[True], parallel)


def test_retail_week_example_shows_what_its_header_claims(
    retail_as_is: dict[bool, cxsim.Results],
) -> None:
    for omnichannel, results in retail_as_is.items():
        for kpi in ("deflected", "escalated", "switched", "retries", "follow_ups"):
            assert results.kpi(kpi) > 0, (omnichannel, kpi)
        # Spanish contacts exist and are answered; the Madrid team helps with them.
        spanish = totals(results, ["language"], counted_only=True).loc["es"]
        assert spanish["offered"] > 0 and spanish["handled"] > 0, omnichannel
        teams = results.teams_by_interval.groupby("team")[["busy_minutes", "headcount"]]
        assert teams.sum().loc["madrid", "busy_minutes"] > 0, omnichannel
        # Five new chat agents start on Wednesday.
        assert teams.last().loc["chat", "headcount"] == 34 + 5, omnichannel
    # "classic customers ... chase an unanswered email by phone after a day": siloed, each
    # chase is a new contact; with unified context it is merged into the open one.
    assert retail_as_is[False].kpi("chases") > 0, "no customer chases an email"
    assert retail_as_is[True].kpi("merged") > 0, "no chase is merged"


# -- 3. direction of change ------------------------------------------------------------------------


def journey(*, retry: float = 0.6, live_agents: int = 13, omnichannel: bool = False
            ) -> cxsim.Scenario:
    """Phone, chat and email customers who retry, switch, chase and come back unresolved."""
    return build(
        channels={
            "phone": {"kind": "sync", "handle_minutes": exponential(5),
                      "patience_minutes": exponential(2), "target": {"answer_within_s": 30}},
            "chat": {"kind": "sync", "handle_minutes": exponential(6),
                     "patience_minutes": exponential(2), "concurrency": 2,
                     "target": {"answer_within_s": 30}},
            "email": {"kind": "async", "handle_minutes": exponential(8),
                      "target": {"respond_within_hours": 1}},
        },
        volume=[{"region": "us", "channel": channel, "reason": "issue", "per_hour": rate}
                for channel, rate in (("phone", 60), ("chat", 60), ("email", 20))],
        teams={"live": {"region": "us", "channels": ["phone", "chat"], "agents": live_agents},
               "back": {"region": "us", "channels": ["email"], "agents": 7}},
        reasons={"issue": {"first_contact_resolution": 0.7,
                           "follow_up_delay_hours": exponential(1)}},
        segments={"all": {
            "share": 1.0,
            "channel_mix": {"phone": 1, "chat": 1, "email": 0.5},
            "retry": {"probability": retry, "delay_minutes": exponential(10),
                      "switch": {"phone": {"chat": 1, "email": 1},
                                 "chat": {"chat": 1, "phone": 1}}},
            "chase": {"after_hours": 0.05, "probability": 0.5, "channels": {"phone": 1}},
        }},
        omnichannel=omnichannel,
        horizon_days=2, warmup_days=0.5,
    )


def test_more_switching_never_lowers_offered_volume() -> None:
    stay_away = cxsim.run(journey(retry=0.0), reps=8, seed=41)
    come_back = cxsim.run(journey(retry=0.6), reps=8, seed=41)
    assert (per_rep(stay_away, "retries") == 0).all()
    assert (per_rep(come_back, "retries") > 0).all()
    assert_below_zero(per_rep(stay_away, "offered") - per_rep(come_back, "offered"), "offered")


def test_omnichannel_never_needs_more_busy_hours_than_siloed_channels() -> None:
    def busy(results: cxsim.Results) -> np.ndarray:
        teams = results.teams_by_interval
        return teams[teams["counted"]].groupby("rep")["busy_minutes"].sum().to_numpy()

    siloed = cxsim.run(journey(omnichannel=False), reps=8, seed=42)
    unified = cxsim.run(journey(omnichannel=True), reps=8, seed=42)
    assert (per_rep(unified, "merged") > 0).all()
    assert_below_zero(busy(unified) - busy(siloed), "busy minutes")


def test_more_agents_never_raise_abandonment_even_when_customers_retry() -> None:
    fewer = cxsim.run(journey(live_agents=12), reps=8, seed=43)
    more = cxsim.run(journey(live_agents=14), reps=8, seed=43)
    assert_below_zero(per_rep(more, "abandon_rate") - per_rep(fewer, "abandon_rate"),
                      "abandon_rate")
    assert_below_zero(per_rep(more, "abandoned") - per_rep(fewer, "abandoned"), "abandoned")


# -- 4. bots ---------------------------------------------------------------------------------------

BOT = {"deflect_share": 0.3, "by_reason": {"order_status": 0.6}, "escalate_share": 0.2}


def test_bot_deflects_its_share_and_by_reason_overrides_only_that_reason() -> None:
    # The bot is per channel; order-status chats come from 'us' and product chats from 'eu',
    # so that the tables (per region) separate the two reasons.
    regions = {"us": {"timezone": "UTC"}, "eu": {"timezone": "UTC"}}
    scenario = build(
        regions=regions,
        channels={
            "chat": {"kind": "sync", "handle_minutes": exponential(5), "bot": BOT},
            "phone": {"kind": "sync", "handle_minutes": exponential(5)},
        },
        volume=[
            {"region": "us", "channel": "chat", "reason": "order_status", "per_hour": 200},
            {"region": "eu", "channel": "chat", "reason": "product_issue", "per_hour": 200},
            {"region": "us", "channel": "phone", "reason": "order_status", "per_hour": 50},
        ],
        teams={name: {"region": name, "channels": ["chat", "phone"], "agents": 40}
               for name in regions},
        reasons={"order_status": {}, "product_issue": {}},
        horizon_days=2,
    )
    results = cxsim.run(scenario, reps=3, seed=44)
    chats = totals(results, ["region", "channel"]).xs("chat", level="channel")
    for region, share in (("us", 0.6), ("eu", 0.3)):
        row = chats.loc[region]
        arrivals = row["forecast"]  # no segments: no retries, chases or follow-ups
        assert row["retries"] + row["chases"] + row["follow_ups"] == 0
        p_deflect = share * (1 - BOT["escalate_share"])
        p_escalate = share * BOT["escalate_share"]
        assert abs(row["deflected"] - arrivals * p_deflect) <= binomial_bound(
            arrivals, p_deflect), (region, row["deflected"] / arrivals, p_deflect)
        assert abs(row["escalated"] - arrivals * p_escalate) <= binomial_bound(
            arrivals, p_escalate), (region, row["escalated"] / arrivals, p_escalate)
        assert row["offered"] == arrivals - row["deflected"]
    phone = totals(results, ["region", "channel"]).loc[("us", "phone")]
    assert phone["offered"] > 0 and phone["deflected"] == phone["escalated"] == 0


# -- 5. first-contact resolution -------------------------------------------------------------------


def test_share_of_handled_contacts_that_come_back_is_one_minus_first_contact_resolution() -> None:
    # Handle time 5 minutes, nobody waits, follow-up 55 minutes after the end: a follow-up of
    # a contact that arrived in hour k arrives in hour k + 1, and is handled there in turn.
    fcr = 0.7
    regions = {"us": {"timezone": "UTC"}, "eu": {"timezone": "UTC"}}
    scenario = build(
        regions=regions,
        channels={"phone": {"kind": "sync", "handle_minutes": constant(5)}},
        volume=[
            {"region": "us", "channel": "phone", "reason": "issue", "per_hour": 300},
            {"region": "eu", "channel": "phone", "reason": "pre_sales", "per_hour": 300},
        ],
        teams={name: {"region": name, "channels": ["phone"], "agents": 120} for name in regions},
        reasons={"issue": {"first_contact_resolution": fcr,
                           "follow_up_delay_hours": constant(55 / 60)},
                 "pre_sales": {}},
        horizon_days=2,
    )
    results = cxsim.run(scenario, reps=2, seed=45)
    table = results.contacts_by_interval
    assert (table["answered_at_once"] == table["handled"]).all()
    assert (table["handled"] == table["offered"]).all()
    us = table[table["region"] == "us"].groupby("interval")[["handled", "follow_ups"]].sum()
    handled = us["handled"].to_numpy()[:-1].sum()  # the last hour's follow-ups fall past the end
    follow_ups = us["follow_ups"].to_numpy()[1:].sum()
    assert handled > 10_000
    assert abs(follow_ups - handled * (1 - fcr)) <= binomial_bound(handled, 1 - fcr), (
        follow_ups / handled, 1 - fcr)
    assert table.loc[table["region"] == "eu", "follow_ups"].sum() == 0  # resolved first time


# -- 6. opening hours ------------------------------------------------------------------------------


def test_closed_live_channel_sends_customers_to_the_next_open_channel_or_a_message() -> None:
    zone = "America/New_York"
    rate = 60.0
    scenario = build(
        regions={"us": {"timezone": zone, "opening_hours": {
            "phone": [{"days": EVERY_DAY[:5], "start_hour": 9, "end_hour": 17}],
            "chat": [{"days": EVERY_DAY, "start_hour": 8, "end_hour": 20}],
        }}},
        channels={
            "phone": {"kind": "sync", "handle_minutes": exponential(5)},
            "chat": {"kind": "sync", "handle_minutes": exponential(5)},
            "email": {"kind": "async", "handle_minutes": exponential(5)},
        },
        volume=[{"region": "us", "channel": "phone", "per_hour": rate}],
        teams={"t": {"region": "us", "channels": ["phone", "chat", "email"], "agents": 20}},
        segments={"all": {"share": 1.0, "channel_mix": {"phone": 3, "chat": 1}}},
        horizon_days=4,
    )
    results = cxsim.run(scenario, reps=2, seed=46)
    table = results.contacts_by_interval.copy()
    local = table["start"].dt.tz_convert(zone)
    hour, weekday = local.dt.hour, local.dt.day_of_week
    phone_open = (weekday < 5) & (hour >= 9) & (hour < 17)
    chat_open = (hour >= 8) & (hour < 20)
    expected_channel = np.where(phone_open, "phone", np.where(chat_open, "chat", "email"))
    receives = table["channel"] == expected_channel
    # Every forecast contact lands in exactly the channel open for it, in its interval.
    assert (table.loc[~receives, ["forecast", "offered"]] == 0).all().all()
    assert (table.loc[receives, "forecast"] > 0).all()
    assert table["unserved"].sum() == 0
    # Each channel receives the phone forecast of the hours it stands in for (Poisson counts).
    for channel in ("phone", "chat", "email"):
        hours = (receives & (table["channel"] == channel)).sum()  # interval-hours over reps
        got = table.loc[table["channel"] == channel, "forecast"].sum()
        assert hours > 0
        assert abs(got - rate * hours) <= poisson_bound(rate * hours), (channel, got, rate * hours)


# -- 7. languages ----------------------------------------------------------------------------------


def test_languages_split_as_the_region_says_and_only_speakers_answer_them() -> None:
    scenario = build(
        regions={"us": {"timezone": "UTC", "languages": {"a": 0.7, "b": 0.3}}},
        channels={"phone": {"kind": "sync", "handle_minutes": exponential(5)}},
        volume=[{"region": "us", "channel": "phone", "per_hour": 240}],
        teams={
            "speaks_a": {"region": "us", "channels": ["phone"], "languages": ["a"], "agents": 30},
            "speaks_b": {"region": "us", "channels": ["phone"], "languages": ["b"], "agents": 7},
        },
        horizon_days=3, warmup_days=0.5,
    )
    results = cxsim.run(scenario, reps=6, seed=47)
    by_language = totals(results, ["language"])
    total = by_language["offered"].sum()
    assert abs(by_language.loc["b", "offered"] - 0.3 * total) <= binomial_bound(total, 0.3)
    # A team's busy time can only come from contacts it answered: each team's busy minutes are
    # at most the handle minutes of its own language (less what is still in hand at the end).
    busy = results.teams_by_interval.groupby("team")["busy_minutes"].sum()
    assert busy["speaks_a"] <= by_language.loc["a", "handle_minutes"] * (1 + 1e-9)
    assert busy["speaks_b"] <= by_language.loc["b", "handle_minutes"] * (1 + 1e-9)
    # The small b team makes b customers wait; the ample a team does not help them.
    waits = totals(results, ["rep", "language"], counted_only=True)
    asa = (waits["wait_minutes_handled"] / waits["handled"]).unstack("language")
    assert_below_zero((asa["a"] - asa["b"]).to_numpy(), "mean wait a - b")


# -- 8. overflow -----------------------------------------------------------------------------------


def test_overflow_team_answers_another_regions_queue_only_after_its_wait() -> None:
    regions = {"us": {"timezone": "UTC"}, "eu": {"timezone": "Europe/Berlin"}}
    scenario = build(
        regions=regions,
        channels={"phone": {"kind": "sync", "handle_minutes": exponential(5),
                            "target": {"answer_within_s": 20}}},
        volume=[{"region": "us", "channel": "phone", "per_hour": 60},
                {"region": "eu", "channel": "phone", "per_hour": 30}],
        teams={
            "us_team": {"region": "us", "channels": ["phone"], "agents": 0},
            "eu_team": {"region": "eu", "channels": ["phone"], "agents": 10,
                        "overflow_after_s": 30},
        },
        horizon_days=2,
    )
    results = cxsim.run(scenario, reps=2, seed=48)
    us = totals(results, ["region"]).loc["us"]
    assert us["handled"] > 0.9 * us["offered"] > 0
    assert us["answered_at_once"] == 0 and us["answered_in_target"] == 0
    assert us["wait_minutes_handled"] >= 0.5 * us["handled"]
    assert totals(results, ["region"]).loc["eu", "answered_at_once"] > 0
    # Every single answered wait in the US is at least 30 seconds.
    for rep in range(2):
        histogram = simulate(scenario, seed=48, replication=rep).wait_histograms["us", "phone", ""]
        assert sum(histogram[: wait_bin(0.5)]) == 0
        assert sum(histogram) > 0


# -- 9. priorities ---------------------------------------------------------------------------------

PRIORITY_AGENTS, PRIORITY_RATE, PRIORITY_HANDLE = 20, 100.0, 5.0


def priority_run(phone: int, chat: int) -> cxsim.Results:
    return cxsim.run(build(
        channels={c: {"kind": "sync", "handle_minutes": exponential(PRIORITY_HANDLE)}
                  for c in ("phone", "chat")},
        volume=[{"region": "us", "channel": c, "per_hour": PRIORITY_RATE}
                for c in ("phone", "chat")],
        teams={"t": {"region": "us", "channels": ["phone", "chat"], "agents": PRIORITY_AGENTS,
                     "priorities": {"phone": phone, "chat": chat}}},
        horizon_days=6, warmup_days=1,
    ), reps=10, seed=49)


def test_priority_channel_waits_less_than_the_other_with_equal_loads() -> None:
    phone_first = priority_run(phone=0, chat=1)
    chat_first = priority_run(phone=1, chat=0)
    for results, first, second in ((phone_first, "phone", "chat"), (chat_first, "chat", "phone")):
        faster, slower = (per_rep(results, "asa_s", "us", c) for c in (first, second))
        assert_below_zero(faster - slower, f"asa_s {first} - {second}")
    # Non-preemptive priority, M/M/c with one handle time (Cobham): the class-k mean wait is
    # C / (c mu (1 - sigma_{k-1}) (1 - sigma_k)), sigma_k the load of classes 1..k over c.
    load = 2 * PRIORITY_RATE * PRIORITY_HANDLE / 60
    c_mu = PRIORITY_AGENTS / PRIORITY_HANDLE  # per minute
    sigma_1 = PRIORITY_RATE / 60 / c_mu
    sigma_2 = 2 * sigma_1
    wait = erlang_c(PRIORITY_AGENTS, load) / c_mu
    assert_matches_theory(per_rep(phone_first, "asa_s", "us", "phone"),
                          60 * wait / (1 - sigma_1), max_relative_half_width=0.15)
    assert_matches_theory(per_rep(phone_first, "asa_s", "us", "chat"),
                          60 * wait / ((1 - sigma_1) * (1 - sigma_2)),
                          max_relative_half_width=0.3)


# -- 10. shifts, shrinkage and cost ----------------------------------------------------------------

SHIFTS = [
    {"days": EVERY_DAY[:5], "start_hour": 8, "end_hour": 16, "share": 0.5},
    {"days": EVERY_DAY[:5], "start_hour": 14, "end_hour": 22, "share": 0.5},
    {"days": ["sat", "sun"], "start_hour": 22, "end_hour": 6, "share": 0.3},  # past midnight
]


def rostered_minutes(zone_name: str, first_day: str, headcount: int, start: float,
                     end: float) -> float:
    """Agent-minutes the SHIFTS roster in clock minutes [start, end), worked out by hand.

    A shift runs from its start to its end on the local wall clock: a night shift over the
    change to daylight saving time is an hour shorter.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    day_zero = dt.date.fromisoformat(first_day)
    origin = dt.datetime(day_zero.year, day_zero.month, day_zero.day, tzinfo=dt.UTC)
    total = 0.0
    for offset in range(-2, math.ceil(end / 1440) + 2):
        day = day_zero + dt.timedelta(days=offset)
        for shift in SHIFTS:
            if EVERY_DAY[day.weekday()] not in shift["days"]:
                continue
            length = (shift["end_hour"] - shift["start_hour"]) % 24
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
            # Aware datetimes of one zone add on the wall clock; subtraction gives real time.
            on = (midnight + dt.timedelta(hours=shift["start_hour"]) - origin)
            off = (midnight + dt.timedelta(hours=shift["start_hour"] + length) - origin)
            on_minutes, off_minutes = on.total_seconds() / 60, off.total_seconds() / 60
            agents = math.floor(shift["share"] * headcount + 0.5)
            total += agents * max(0.0, min(off_minutes, end) - max(on_minutes, start))
    return total


def test_agent_hours_available_hours_and_cost_follow_the_roster() -> None:
    # New York, the week of 2027-03-08: clocks go forward on Sunday 14 March at 02:00, in the
    # middle of the Saturday night shift.
    zone, first_day, headcount, shrinkage, cost = "America/New_York", "2027-03-08", 10, 0.3, 27.5
    horizon_days = 8
    scenario = build(
        regions={"us": {"timezone": zone}},
        channels={"phone": {"kind": "sync", "handle_minutes": exponential(5)}},
        # No customers: agents never stay on to finish a contact after their shift.
        volume=[{"region": "us", "channel": "phone", "per_hour": 0}],
        teams={"t": {"region": "us", "channels": ["phone"], "agents": headcount,
                     "shifts": SHIFTS, "shrinkage_pct": 100 * shrinkage,
                     "cost_per_hour": cost}},
        start_date=first_day, horizon_days=horizon_days, warmup_days=1, interval_minutes=30,
    )
    results = cxsim.run(scenario, reps=4, seed=50)
    expected_hours = rostered_minutes(zone, first_day, headcount, 1440, horizon_days * 1440) / 60
    agent_hours = per_rep(results, "agent_hours")
    # Counted from Monday 8th 19:00 to Monday 15th 20:00 local: 3 late hours of 5 agents on
    # Monday 8th, 4 weekdays of 5 x 8 + 5 x 8, 3 agents x 7 hours on the short Saturday night
    # and x 8 on Sunday night, then 5 x 8 early and 5 x 6 late hours on Monday 15th.
    assert expected_hours == 5 * 3 + 4 * 80 + 3 * 7 + 3 * 8 + (5 * 8 + 5 * 6)
    np.testing.assert_allclose(agent_hours, expected_hours, rtol=1e-9)
    np.testing.assert_allclose(per_rep(results, "agents"), agent_hours * cost, rtol=1e-9)
    assert (per_rep(results, "agents_peak") == headcount).all()  # the two weekday shifts overlap
    assert (per_rep(results, "headcount_end") == headcount).all()
    # Each rostered agent is away with probability s, drawn anew at least every hour: the
    # available minutes are a sum of d_j x Binomial(n_j, 1 - s) over draws of length
    # d_j <= 60, so their variance is at most s (1 - s) x 60 x the rostered minutes.
    on_duty = 60 * agent_hours.sum()
    available = 60 * per_rep(results, "available_hours").sum()
    bound = Z * math.sqrt(shrinkage * (1 - shrinkage) * 60 * on_duty)
    assert abs(available - (1 - shrinkage) * on_duty) <= bound, (available / on_duty)


# -- 11. ramp-up -----------------------------------------------------------------------------------


def test_new_hires_at_half_speed_are_busy_twice_as_long_for_the_same_customers() -> None:
    agents, start_pct, weeks = 40, 50.0, 8.0
    # No contact arrives in the last hour of a UTC day, and none lasts an hour even at half
    # speed: every contact is over before midnight, when efficiencies change.
    profile = [1.0] * 23 + [0.0]

    def run(team: dict[str, Any]) -> cxsim.Results:
        return cxsim.run(build(
            channels={"phone": {"kind": "sync",
                                "handle_minutes": {"dist": "uniform", "low": 2, "high": 8}}},
            volume=[{"region": "us", "channel": "phone", "per_day": 2300,
                     "intraday_profile": profile}],
            teams={"t": {"region": "us", "channels": ["phone"], **team}},
            horizon_days=4,
        ), reps=3, seed=51)

    trained = run({"agents": agents})
    hires = run({"agents": 0, "hires": [{"date": MONDAY, "agents": agents}],
                 "ramp": {"start_pct": start_pct, "weeks": weeks}})
    for results in (trained, hires):
        table = results.contacts_by_interval
        assert (table["answered_at_once"] == table["offered"]).all()  # nobody waits
    # Busy time of a contact = handle time / efficiency; efficiency on day d after the hire
    # is start + (1 - start) d / (7 weeks).
    busy = {
        name: results.teams_by_day.set_index(["rep", "date"])["busy_minutes"]
        for name, results in (("trained", trained), ("hires", hires))
    }
    days = (busy["trained"].index.get_level_values("date")
            - pd.Timestamp(MONDAY, tz="UTC")).days.to_numpy()
    efficiency = start_pct / 100 + (1 - start_pct / 100) * days / (7 * weeks)
    np.testing.assert_allclose(busy["hires"].to_numpy(), busy["trained"].to_numpy() / efficiency,
                               rtol=1e-9)
    ratio = per_rep(hires, "occupancy") / per_rep(trained, "occupancy")
    assert ((1 / efficiency.max() <= ratio) & (ratio <= 1 / efficiency.min())).all(), ratio


# -- 12. forecast ----------------------------------------------------------------------------------


def forecast_run(volumes: list[dict[str, Any]], horizon_days: int, reps: int) -> pd.DataFrame:
    """Forecast contacts per rep, channel and UTC day; nobody answers (the counts are all)."""
    channels = {v["channel"] for v in volumes}
    results = cxsim.run(build(
        channels={c: {"kind": "async", "handle_minutes": exponential(5)} for c in channels},
        volume=[{"region": "us", **v} for v in volumes],
        teams={"t": {"region": "us", "channels": sorted(channels), "agents": 0}},
        horizon_days=horizon_days,
    ), reps=reps, seed=52)
    return results.contacts_by_day.groupby(["channel", "date", "rep"])["forecast"].sum()


def test_growth_and_peaks_multiply_daily_volume() -> None:
    per_day, growth, peak_factor, reps, horizon = 10_000, 1000.0, 1.5, 4, 6
    peak = {"start": "2027-01-06", "end": "2027-01-07", "factor": peak_factor}
    daily = forecast_run([{"channel": "email", "per_day": per_day,
                           "growth_pct_per_year": growth, "peaks": [peak]}], horizon, reps)
    per_date = daily.loc["email"].groupby("date").sum()
    assert len(per_date) == horizon
    for date, got in per_date.items():
        d = (date.date() - dt.date.fromisoformat(MONDAY)).days
        in_peak = dt.date(2027, 1, 6) <= date.date() <= dt.date(2027, 1, 7)
        grown = per_day * (1 + growth / 100) ** (d / 365)
        expected = reps * grown * (peak_factor if in_peak else 1.0)
        assert abs(got - expected) <= poisson_bound(expected), (date, got, expected)
    # The check can tell growth from none: by the last day growth adds more than the bound.
    last = reps * per_day * ((1 + growth / 100) ** ((horizon - 1) / 365) - 1)
    assert last > 2 * poisson_bound(reps * per_day)


def test_forecast_error_makes_days_vary_more_than_poisson() -> None:
    # Days of one entry are Poisson(mean x G) with G gamma (mean 1, cv): the dispersion index
    # sum (N - mean)^2 / mean over n days is chi-square(n - 1) only when cv = 0.
    reps, horizon = 6, 10
    daily = forecast_run([{"channel": "noisy", "per_day": 2000, "forecast_error_cv": 0.3},
                          {"channel": "steady", "per_day": 2000}], horizon, reps)
    n = reps * horizon
    upper = stats.chi2.ppf(0.5 + CHECK_LEVEL / 2, n - 1)
    lower = stats.chi2.ppf(0.5 - CHECK_LEVEL / 2, n - 1)

    def dispersion(channel: str) -> float:
        counts = daily.loc[channel].to_numpy(dtype=float)
        assert counts.size == n
        return float(((counts - counts.mean()) ** 2).sum() / counts.mean())

    assert dispersion("noisy") > upper, (dispersion("noisy"), upper)
    assert lower < dispersion("steady") < upper, (dispersion("steady"), lower, upper)


# -- 9. bounded loops: customers who would come back forever --------------------------------------


def _record_totals(scenario: cxsim.Scenario) -> dict[str, float]:
    series = simulate(scenario, seed=3, replication=0).queues
    return {measure: sum(sum(values[measure]) for values in series.values())
            for measure in next(iter(series.values()))}


def _past_the_schema(
    scenario: cxsim.Scenario, where: str, name: str, **fields: Any
) -> cxsim.Scenario:
    """``scenario`` with ``fields`` of ``segments[name].<where>`` (or ``reasons[name]`` when
    ``where`` is empty) set past the schema's bounds (a probability of 1, a delay of nothing),
    as no scenario file can: the caps are the model's own guarantee that nobody comes back
    forever, whatever the schema lets through."""
    if not where:
        reason = scenario.reasons[name].model_copy(update=fields)
        return scenario.model_copy(update={"reasons": {**scenario.reasons, name: reason}})
    segment = scenario.segments[name]
    part = getattr(segment, where).model_copy(update=fields)
    segment = segment.model_copy(update={where: part})
    return scenario.model_copy(update={"segments": {**scenario.segments, name: segment}})


def _assert_conserved(total: dict[str, float]) -> None:
    arrived = sum(total[m] for m in ("forecast", "from_orders", "retries", "chases", "follow_ups"))
    assert arrived == (total["deflected"] + total["merged"] + total["unserved"]
                       + total["offered"])
    assert total["offered"] == total["handled"] + total["abandoned"] + total["waiting_at_end"]


@pytest.mark.parametrize("max_retries", [None, 3])
def test_callers_who_retry_at_once_with_no_patience_stop_after_max_retries(
    max_retries: int | None,
) -> None:
    # No agent and no patience: every call is abandoned the moment it arrives and retried at
    # once, so without a bound the clock would never move. Each caller makes one first call and
    # exactly max_retries retries (default 10), all abandoned.
    retry: dict[str, Any] = {"probability": 0.5}
    if max_retries is not None:
        retry["max_retries"] = max_retries
    scenario = build(
        channels={"phone": {"kind": "sync", "handle_minutes": exponential(5),
                            "patience_minutes": constant(0)}},
        volume=[{"region": "us", "channel": "phone", "per_hour": 30}],
        teams={"t": {"region": "us", "channels": ["phone"], "agents": 0}},
        segments={"all": {"share": 1, "retry": retry}},
        horizon_days=1,
    )
    scenario = _past_the_schema(scenario, "retry", "all", probability=1.0,
                                delay_minutes=Constant(dist="constant", value=0.0))
    total = _record_totals(scenario)
    expected = 10 if max_retries is None else max_retries
    assert total["forecast"] > 0
    assert total["retries"] == expected * total["forecast"]
    assert total["abandoned"] == (expected + 1) * total["forecast"]
    _assert_conserved(total)


def test_a_message_chased_after_a_moment_is_chased_at_most_max_chases_times() -> None:
    # Nobody answers email, and an unanswered message is chased by another message after
    # 1e-9 hours, every time: each customer chases max_chases (default 10) times, and every
    # message is still waiting at the end (siloed channels: each chase is work of its own).
    scenario = build(
        channels={"email": {"kind": "async", "handle_minutes": exponential(5)}},
        volume=[{"region": "us", "channel": "email", "per_hour": 30}],
        teams={"t": {"region": "us", "channels": ["email"], "agents": 0}},
        segments={"all": {"share": 1, "chase": {"after_hours": 1, "probability": 0.5,
                                                "channels": {"email": 1}}}},
        horizon_days=1,
    )
    scenario = _past_the_schema(scenario, "chase", "all", after_hours=1e-9, probability=1.0)
    total = _record_totals(scenario)
    assert total["forecast"] > 0
    assert total["chases"] == 10 * total["forecast"]
    assert total["waiting_at_end"] == 11 * total["forecast"]
    _assert_conserved(total)


def test_contacts_that_never_settle_anything_bring_at_most_max_follow_ups() -> None:
    # First-contact resolution 0 and follow-ups at once, with agents to spare: every contact
    # is answered at once and brings the next, up to max_follow_ups follow-ups per customer.
    scenario = build(
        channels={"phone": {"kind": "sync", "handle_minutes": constant(0.001)}},
        volume=[{"region": "us", "channel": "phone", "reason": "broken", "per_hour": 30}],
        teams={"t": {"region": "us", "channels": ["phone"], "agents": 50}},
        reasons={"broken": {"first_contact_resolution": 0.5, "max_follow_ups": 4}},
        horizon_days=1,
    )
    scenario = _past_the_schema(scenario, "", "broken", first_contact_resolution=0.0,
                                follow_up_delay_hours=Constant(dist="constant", value=0.0))
    total = _record_totals(scenario)
    assert total["forecast"] > 0
    assert total["follow_ups"] == 4 * total["forecast"]
    assert total["handled"] == 5 * total["forecast"]
    _assert_conserved(total)


@pytest.mark.parametrize("field", ["segments.all.retry.max_retries",
                                   "segments.all.chase.max_chases",
                                   "reasons.broken.max_follow_ups"])
def test_caps_on_coming_back_are_whole_numbers_up_to_10(field: str) -> None:
    spec: dict[str, Any] = {
        "name": "caps", "start_date": MONDAY, "horizon_days": 1,
        "regions": {"us": {"timezone": "UTC"}},
        "channels": {"phone": {"kind": "sync", "handle_minutes": exponential(5)},
                     "email": {"kind": "async", "handle_minutes": exponential(5)}},
        "contact_volume": [{"region": "us", "channel": "phone", "per_hour": 1}],
        "teams": {"t": {"region": "us", "channels": ["phone", "email"], "agents": 1}},
        "reasons": {"broken": {"first_contact_resolution": 0.5}},
        "segments": {"all": {"share": 1, "retry": {"probability": 0.5},
                             "chase": {"after_hours": 1, "probability": 0.5,
                                       "channels": {"phone": 1}}}},
    }
    target = spec
    *parents, name = field.split(".")
    for part in parents:
        target = target[part]
    target[name] = 11
    with pytest.raises(cxsim.ScenarioError) as caught:
        cxsim.parse_scenario(spec)
    assert [str(p) for p in caught.value.problems] == [
        f"{field}: 11 is too large (a whole number from 0 to 10)"]

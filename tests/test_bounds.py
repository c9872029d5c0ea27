"""Every number a scenario holds has a range a planner could mean, checked on loading.

``test_every_numeric_field_has_an_upper_bound_and_refuses_nan`` walks the whole scenario schema
and fails when a number (an int or a float, alone, in a list or as a mapping's value) has no
upper bound, or lets NaN or an infinity through: a field added later cannot skip this. The
cases below pin the exact problem line of representative bounds (the values the issue found
crashing or hanging a run), on the expansion example, which uses nearly every field.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import annotated_types
import numpy as np
import pytest
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

import cxsim
from cxsim.scenario import Scenario, ScenarioError, parse_scenario, read_yaml
from cxsim.scenario.base import Spec
from cxsim.scenario.distributions import MAX_CV, MIN_CV, Gamma, Lognormal

ROOT = Path(__file__).resolve().parent.parent
EXPANSION = read_yaml(ROOT / "scenarios" / "expansion_eu.yaml")
DATES = "a date from 2000-01-01 to 2100-12-31"


# --- The schema walk -------------------------------------------------------------------------

def _bare(annotation: Any, metadata: tuple[Any, ...] = ()) -> list[tuple[Any, tuple[Any, ...]]]:
    """(bare type, constraints) of every type a value of ``annotation`` can take: through
    Annotated, unions (None left out), lists and mapping values."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        extra: tuple[Any, ...] = ()
        for item in annotation.__metadata__:
            extra += (*item.metadata, item) if isinstance(item, FieldInfo) else (item,)
        return _bare(annotation.__origin__, metadata + extra)
    if origin in (typing.Union, types.UnionType):
        return [found for member in typing.get_args(annotation) if member is not type(None)
                for found in _bare(member, metadata)]
    if origin in (list, tuple):
        return _bare(typing.get_args(annotation)[0])
    if origin is dict:
        return _bare(typing.get_args(annotation)[1])
    return [(annotation, metadata)]


def unbounded_numbers(root: type[BaseModel]) -> list[str]:
    """'Model.field' for every number reachable from ``root`` with no upper bound or that may
    be NaN or infinite; every model reached must refuse NaN and infinities."""
    found: list[str] = []
    seen: set[type[BaseModel]] = set()
    todo = [root]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        if model.model_config.get("allow_inf_nan", True):
            found.append(f"{model.__name__} (allows NaN and infinities)")
        for name, field in model.model_fields.items():
            for tp, metadata in _bare(field.annotation, tuple(field.metadata)):
                if isinstance(tp, type) and issubclass(tp, BaseModel):
                    todo.append(tp)
                elif tp in (int, float) and not isinstance(tp, bool):
                    upper = any(isinstance(m, annotated_types.Le | annotated_types.Lt)
                                for m in metadata)
                    nan = any(getattr(m, "allow_inf_nan", False) for m in metadata)
                    if not upper or nan:
                        found.append(f"{model.__name__}.{name}")
    return found


def count_numbers(root: type[BaseModel]) -> int:
    seen: set[type[BaseModel]] = set()
    todo, count = [root], 0
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for field in model.model_fields.values():
            for tp, _ in _bare(field.annotation, tuple(field.metadata)):
                if isinstance(tp, type) and issubclass(tp, BaseModel):
                    todo.append(tp)
                elif tp in (int, float):
                    count += 1
    return count


def test_every_numeric_field_has_an_upper_bound_and_refuses_nan() -> None:
    assert unbounded_numbers(Scenario) == []
    # The walk reaches the whole schema (distributions, policies, order contacts included).
    assert count_numbers(Scenario) >= 100


def test_the_walk_finds_a_number_without_a_bound() -> None:
    class Loose(Spec):
        share: Annotated[float, Field(ge=0)]
        counts: dict[str, list[int]]
        capped: Annotated[float, Field(le=1)]

    class Lax(BaseModel):
        value: Annotated[float, Field(le=1)]

    class Holder(Spec):
        loose: Loose | None = None
        lax: list[Lax] | None = None
        nan: Annotated[float, Field(le=1, allow_inf_nan=True)] = 0.0

    assert sorted(unbounded_numbers(Holder)) == [
        "Holder.nan", "Lax (allows NaN and infinities)", "Loose.counts", "Loose.share"]


# --- Exact problem lines of representative bounds ---------------------------------------------

US_FC = "nodes.us_fc.stock.kettle"
CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    # Dates: the calendar from 2000 to 2100, and a horizon that ends in it.
    ("start in the year 1", {"start_date": dt.date(1, 1, 1)},
     [f"start_date: 0001-01-01 is too early ({DATES})"]),
    ("start in 9999", {"start_date": dt.date(9999, 12, 31)},
     [f"start_date: 9999-12-31 is too late ({DATES})"]),
    ("horizon past 2100", {"start_date": dt.date(2100, 6, 1)},
     ["horizon_days: 365 days from 2100-06-01 end after 2100-12-31 (at most 214 days from this "
      "start_date)"]),
    ("launch in 9999", {"regions.de.launch_date": dt.date(9999, 12, 31)},
     [f"regions.de.launch_date: 9999-12-31 is too late ({DATES})"]),
    ("hire in 1900", {"teams.de_support.hires.0.date": dt.date(1900, 1, 1)},
     [f"teams.de_support.hires.0.date: 1900-01-01 is too early ({DATES})"]),
    ("peak in 2200", {"regions.us.demand.peaks.0.end": dt.date(2200, 1, 1)},
     [f"regions.us.demand.peaks.0.end: 2200-01-01 is too late ({DATES})"]),
    ("first stock ordered in 1999", {"nodes.eu_3pl.first_inbound.ordered": dt.date(1999, 12, 31)},
     [f"nodes.eu_3pl.first_inbound.ordered: 1999-12-31 is too early ({DATES})"]),
    ("preparation started in 1000",
     {"regions.de.preparation.entity_and_tax.started": dt.date(1000, 1, 1)},
     [f"regions.de.preparation.entity_and_tax.started: 1000-01-01 is too early ({DATES})"]),
    # The horizon and the warm-up.
    ("horizon over ten years", {"horizon_days": 3661},
     ["horizon_days: 3661 is too large (a number > 0 and <= 3660)"]),
    ("warm-up leaving no interval", {"horizon_days": 1, "warmup_days": 0.99},
     ["warmup_days: 0.99 leaves no reporting interval to count (with horizon_days 1 and "
      "interval_minutes 60: at most 0.9583)"]),
    # Lead times and delays.
    ("lead time of a billion days", {f"{US_FC}.lead_time_days": {"dist": "constant",
                                                                "value": 1e9}},
     [f"{US_FC}.lead_time_days.value: 1000000000.0 is too large (a number from 0 to "
      "1,000,000)"]),
    ("lead time of twenty years", {f"{US_FC}.lead_time_days": {"dist": "constant",
                                                              "value": 7300}},
     [f"{US_FC}.lead_time_days: has a mean of 7300 days (a mean of at most 3650 days)"]),
    ("transit of two years", {"regions.us.carrier.transit_days.mean": 730},
     ["regions.us.carrier.transit_days: has a mean of 730 days (a mean of at most 365 days)"]),
    ("preparation of a century", {"regions.de.preparation.entity_and_tax.lead_days": 36500},
     ["regions.de.preparation.entity_and_tax.lead_days: 36500 is too large (a whole number "
      "from 0 to 3650)"]),
    # Coefficients of variation.
    ("cv 1e200", {"channels.phone.handle_minutes.cv": 1e200},
     [f"channels.phone.handle_minutes.cv: 1e+200 is too large (a number from {MIN_CV:g} to "
      f"{MAX_CV:g})"]),
    ("cv 1e-200", {f"{US_FC}.lead_time_days.cv": 1e-200},
     [f"{US_FC}.lead_time_days.cv: 1e-200 is too small (a number from 0.01 to 10)"]),
    ("forecast error cv 1e-200", {"regions.us.demand.forecast_error_cv": 1e-200},
     ["regions.us.demand.forecast_error_cv: 1e-200 is too small to matter (0 for none, or "
      "from 0.01 to 2)"]),
    # Volumes.
    ("1e19 contacts a day", {"contact_volume.0.per_day": 1e19},
     ["contact_volume.0.per_day: 1e+19 is too large (a number from 0 to 1,000,000)"]),
    ("a million calls an hour", {"contact_volume.1": {"region": "de", "channel": "email",
                                                      "per_hour": 1e6}},
     ["contact_volume.1.per_hour: 1000000.0 is too large (a number from 0 to 40,000)"]),
    ("peak factor 1e300", {"regions.us.demand.peaks.0.factor": 1e300},
     ["regions.us.demand.peaks.0.factor: 1e+300 is too large (a number > 0 and <= 100)"]),
    ("weekday factor 1000", {"regions.us.demand.weekday_factors.0": 1000},
     ["regions.us.demand.weekday_factors.0: 1000 is too large (a number from 0 to 100)"]),
    # Black Friday x 50 ends on Monday 29 November (weekday factor 1.1), 329 days into 12%
    # growth a year.
    ("busiest day over the cap", {"regions.us.demand.orders_per_day": 1e6,
                                  "regions.us.demand.peaks.0.factor": 50},
     [f"regions.us.demand: its busiest day brings about "
      f"{round(1e6 * 1.1 * 1.12 ** (329 / 365) * 50):,} orders (at most 10,000,000 a day with "
      "weekday factors, growth and peaks together)"]),
    ("growth of 2000%", {"regions.us.demand.growth_pct_per_year": 2000},
     ["regions.us.demand.growth_pct_per_year: 2000 is too large (a number > -100 and <= "
      "1000)"]),
    # Headcounts, stock and money.
    ("2**63 agents", {"teams.us_support.agents": 2**63},
     ["teams.us_support.agents: 9223372036854775808 is too large (a whole number from 0 to "
      "100,000)"]),
    ("a hire of a million", {"teams.de_support.hires.0.agents": 10**6},
     ["teams.de_support.hires.0.agents: 1000000 is too large (a whole number from 1 to "
      "100,000)"]),
    ("2**63 units of stock", {f"{US_FC}.policy.level": 2**63},
     [f"{US_FC}.policy.level: 9223372036854775808 is too large (a whole number from 0 to "
      "1,000,000,000)"]),
    ("capacity 2**63", {"nodes.us_fc.capacity_per_day": 2**63},
     ["nodes.us_fc.capacity_per_day: 9223372036854775808 is too large (a whole number from 1 "
      "to 10,000,000)"]),
    ("holding cost 1.7e308", {f"{US_FC}.holding_cost_per_unit_day": 1.7e308},
     [f"{US_FC}.holding_cost_per_unit_day: 1.7e+308 is too large (a number from 0 to "
      "1,000,000,000)"]),
    ("price of 1e12", {"products.kettle.price": 1e12},
     ["products.kettle.price: 1000000000000.0 is too large (a number from 0 to "
      "1,000,000,000)"]),
    # Handle times, patience, repeats.
    ("handle time of 1e6 minutes", {"channels.email.handle_minutes": {"dist": "exponential",
                                                                      "mean": 1e6}},
     ["channels.email.handle_minutes: has a mean of 1,000,000 minutes (a mean of at most 1440 "
      "minutes)"]),
    ("patience of a month", {"channels.phone.patience_minutes.mean": 43200},
     ["channels.phone.patience_minutes: has a mean of 43,200 minutes (a mean of at most 1440 "
      "minutes)"]),
    ("retry always", {"segments.classic.retry.probability": 1},
     ["segments.classic.retry.probability: 1 is too large (a number from 0 to 0.99)"]),
    ("retry at once", {"segments.classic.retry.delay_minutes": {"dist": "constant",
                                                                 "value": 0}},
     ["segments.classic.retry.delay_minutes: has a mean of 0 minutes (a mean from 1 to 10,080 "
      "minutes)"]),
    ("chase after 1e-9 hours", {"segments.digital.chase.after_hours": 1e-9},
     ["segments.digital.chase.after_hours: 1e-09 is too small (a number from 0.01667 to "
      "8760)"]),
    ("nothing ever resolved", {"reasons.account.first_contact_resolution": 0},
     ["reasons.account.first_contact_resolution: 0 is too small (a number from 0.1 to 1)"]),
    ("follow-up at once", {"reasons.account.follow_up_delay_hours": {"dist": "constant",
                                                                     "value": 0}},
     ["reasons.account.follow_up_delay_hours: has a mean of 0 hours (a mean from 0.01667 to "
      "8760 hours)"]),
    ("promise of a thousand days", {"sales_channels.amazon.promise_days": 1000},
     ["sales_channels.amazon.promise_days: 1000 is too large (a number from 0 to 365)"]),
    ("response target of two years", {"channels.email.target.respond_within_hours": 17520},
     ["channels.email.target.respond_within_hours: 17520 is too large (a number > 0 and <= "
      "8760)"]),
    ("answer within a week", {"channels.phone.target.answer_within_s": 604800},
     ["channels.phone.target.answer_within_s: 604800 is too large (a number from 0 to "
      "86,400)"]),
    # Distributions: parameters and observed values.
    ("empirical value of 1e9", {"products.filters.units_per_order.values.0": 1e9},
     ["products.filters.units_per_order.values.0: 1000000000.0 is too large (a number from 0 "
      "to 1,000,000)"]),
    ("empirical list too long", {"products.filters.units_per_order.values": [1] * 100_001},
     ["products.filters.units_per_order.values: has 100001 values (a list of 1 to 100,000 "
      "values, each a number from 0 to 1,000,000)"]),
    ("a thousand and one peaks", {"regions.de.demand.peaks": [
        {"start": "2027-12-24", "end": "2027-12-24", "factor": 1.01}] * 1001},
     ["regions.de.demand.peaks: has 1001 values (a list of up to 1000 values, each a "
      "mapping with start, end, factor, ...)"]),
    # Infinities and NaN, wherever they are written.
    ("infinite agents' cost", {"teams.us_support.cost_per_hour": math.inf},
     ["teams.us_support.cost_per_hour: inf is not a finite number (a number from 0 to "
      "1,000,000,000)"]),
    ("nan transit", {"regions.us.carrier.transit_days.mean": math.nan},
     ["regions.us.carrier.transit_days.mean: nan is not a finite number (a number > 0 and <= "
      "1,000,000)"]),
    ("minus infinity growth", {"regions.us.demand.growth_pct_per_year": -math.inf},
     ["regions.us.demand.growth_pct_per_year: -inf is not a finite number (a number > -100 and "
      "<= 1000)"]),
]


def edited(edits: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(EXPANSION)
    for path, value in edits.items():
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            index = int(last)
            node.extend([None] * (index + 1 - len(node)))
            node[index] = value
        else:
            node[last] = value
    return data


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_value_out_of_range_gives_its_exact_problem_line(edits: dict[str, Any],
                                                           expected: list[str]) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(edited(edits))
    assert [str(p) for p in caught.value.problems] == expected


def test_the_expansion_example_is_within_every_bound() -> None:
    parse_scenario(EXPANSION)


def test_the_highest_costs_and_stock_keep_the_summary_finite() -> None:
    scenario = cxsim.load_scenario(ROOT / "scenarios" / "one_stock_point.yaml", [
        "horizon_days=2", "warmup_days=0", "nodes.us_fc.stock.widget.policy.level=1000000000",
        "nodes.us_fc.stock.widget.holding_cost_per_unit_day=1000000000",
        "regions.us.carrier.cost_per_order=1000000000",
    ])
    summary = cxsim.run(scenario, reps=2, seed=3).summary
    holding = summary[(summary["scope"] == "cost") & (summary["kpi"] == "holding")]
    # 1e9 units held at 1e9 a unit-day (orders take a few dozen of them), counted by the node's
    # local days from its start date: New York is 5 hours behind UTC in January, so the two UTC
    # days hold 24 + 19 counted hours (the 5 before local midnight are the day before).
    assert float(holding["mean"].max()) == pytest.approx(1e18 * 43 / 24, rel=1e-6)
    costs = summary.loc[summary["scope"] == "cost", ["mean", "ci_low", "ci_high"]]
    assert np.isfinite(costs.to_numpy(dtype=float)).all()
    # Elsewhere a KPI may be undefined (no promise falls due in two days), never infinite.
    assert not np.isinf(summary[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)).any()


# --- Distributions at the edges of their ranges -----------------------------------------------

@pytest.mark.parametrize("kind", [Lognormal, Gamma])
@pytest.mark.parametrize("cv", [MIN_CV, 1.0, MAX_CV])
@pytest.mark.parametrize("mean", [1e-6, 1.0, 1e6])
def test_sampling_at_the_edges_of_the_coefficient_of_variation(
    kind: type[Lognormal] | type[Gamma], cv: float, mean: float
) -> None:
    name = "lognormal" if kind is Lognormal else "gamma"
    distribution = kind(dist=name, mean=mean, cv=cv)  # type: ignore[arg-type]
    draws = distribution.sample(np.random.default_rng(11), 200_000)
    assert np.isfinite(draws).all() and (draws >= 0).all()
    # The median of the draws against the distribution's own median: a sample median's
    # quantile level is within 3.3 standard errors (sqrt(q (1 - q) / n)) of 0.5 at 99.9%.
    level = float(np.mean(draws <= distribution.quantile(0.5)))
    assert abs(level - 0.5) <= 3.3 * math.sqrt(0.25 / draws.size)
    for q in (0.05, 0.95):
        assert math.isfinite(distribution.quantile(q)) and distribution.quantile(q) >= 0
    if cv <= 1.0:
        # Light enough tails for the t interval: the mean lies in the 99.9% interval.
        half = 3.3 * float(draws.std(ddof=1)) / math.sqrt(draws.size)
        assert abs(float(draws.mean()) - mean) <= half

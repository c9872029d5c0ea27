"""The plots the report and ``results.plot_...`` share: labelled with units and local time, and
showing the same quantities as the summary (what a plot adds up to is the KPI it draws)."""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import cxsim
from cxsim.results.plots import NothingToPlotError
from cxsim.results.summary import confidence_band, confidence_interval
from tests.support import EXAMPLES

matplotlib.use("Agg")


def _scenario(**changes: Any) -> cxsim.Scenario:
    """Two regions on whole UTC days (Berlin for its clock), phone and email, shifts and a
    hire: four days, the first a warm-up."""
    data: dict[str, Any] = {
        "name": "plots",
        "start_date": "2027-01-04", "horizon_days": 4, "warmup_days": 1,
        "regions": {"us": {"timezone": "UTC"}, "de": {"timezone": "Europe/Berlin"}},
        "channels": {
            "phone": {"kind": "sync", "handle_minutes": {"dist": "exponential", "mean": 5},
                      "target": {"answer_within_s": 20, "service_level": 0.8}},
            "email": {"kind": "async", "handle_minutes": {"dist": "exponential", "mean": 6}},
        },
        "reasons": {"account": {}},
        "contact_volume": [
            {"region": "us", "channel": "phone", "per_hour": 40},
            {"region": "us", "channel": "email", "reason": "account", "per_hour": 10},
            {"region": "de", "channel": "phone", "per_hour": 20},
        ],
        "teams": {
            "us_team": {"region": "us", "channels": ["phone", "email"], "agents": 6,
                        "shrinkage_pct": 20, "cost_per_hour": 30,
                        "shifts": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                    "start_hour": 6, "end_hour": 22, "share": 1}],
                        "hires": [{"date": "2027-01-06", "agents": 2}]},
            "de_team": {"region": "de", "channels": ["phone"], "agents": 4},
        },
        **changes,
    }
    return cxsim.parse_scenario(data)


@pytest.fixture(scope="module")
def results() -> cxsim.Results:
    return cxsim.run(_scenario(), reps=3, seed=2)


def _mean(results: cxsim.Results, scope: str, region: str, channel: str, kpi: str) -> float:
    return results.kpi(kpi, region, channel, scope=scope)


def _line(figure: Figure, label: str) -> np.ndarray:
    lines = [line for ax in figure.axes for line in ax.get_lines()
             if line.get_label() == label]
    assert len(lines) == 1, [line.get_label() for ax in figure.axes for line in ax.get_lines()]
    return np.asarray(lines[0].get_ydata(), dtype=float)


def test_confidence_band_is_the_confidence_interval_of_each_group() -> None:
    rng = np.random.default_rng(4)
    table = pd.DataFrame({"day": np.repeat([1, 2, 3], 5), "value": rng.normal(10, 2, 15)})
    table.loc[3, "value"] = np.nan
    band = confidence_band(table, ["day"], "value").set_index("day")
    for day, group in table.groupby("day"):
        mean, low, high = confidence_interval(group["value"].tolist())
        assert band.loc[day, ["mean", "ci_low", "ci_high"]].tolist() == pytest.approx(
            [mean, low, high])
    single = confidence_band(table.iloc[:1], ["day"], "value")
    assert np.isnan(single.loc[0, "ci_low"]) and np.isnan(single.loc[0, "ci_high"])


def test_staffing_adds_up_to_the_agent_hours_kpis(results: cxsim.Results) -> None:
    # UTC days after a whole-day warm-up: the days drawn are every counted interval.
    figure = results.plot_staffing("us")
    rostered = _line(figure, "rostered (shifts)")
    required = _line(figure, "required (Erlang C per interval, after shrinkage)")
    assert len(rostered) == len(required) == 3
    assert rostered.sum() == pytest.approx(_mean(results, "staffing", "us", "*", "agent_hours"))
    assert required.sum() == pytest.approx(
        _mean(results, "staffing", "us", "*", "required_agent_hours"))
    ax = figure.axes[0]
    assert ax.get_ylabel() == "agent hours per day" and ax.get_xlabel() == "day (UTC)"
    assert any(text.get_text() == "+2 us_team" for text in ax.texts)


def test_staffing_counts_whole_local_days_in_the_regions_time(results: cxsim.Results) -> None:
    # Berlin is an hour ahead of UTC: the counted intervals (from 2027-01-05 00:00 UTC) hold
    # two whole Berlin days, 01-06 and 01-07; the 5th starts at 01:00 and the 8th is cut off.
    figure = results.plot_staffing("de")
    assert figure.axes[0].get_xlabel() == "day (Europe/Berlin)"
    line = next(line for line in figure.axes[0].get_lines()
                if line.get_label() == "rostered (shifts)")
    days = pd.to_datetime(line.get_xdata())
    assert list(days) == [pd.Timestamp("2027-01-06"), pd.Timestamp("2027-01-07")]
    # Four agents around the clock.
    assert line.get_ydata() == pytest.approx([96.0, 96.0])


def test_contacts_add_up_to_the_contacts_by_reason(results: cxsim.Results) -> None:
    figure = results.plot_contacts("us")
    by_reason, by_channel = figure.axes
    heights = [sum(patch.get_height() for patch in ax.patches) for ax in (by_reason,
                                                                          by_channel)]
    expected = sum(_mean(results, "contacts", "us", "*", f"contacts_{reason}")
                   for reason in ("general", "account"))
    assert heights == pytest.approx([expected, expected])
    assert {text.get_text() for text in by_reason.get_legend().get_texts()} == {
        "general", "account"}
    assert by_reason.get_ylabel() == "contacts per day"


def test_service_level_of_a_single_day_is_the_runs() -> None:
    one_day = cxsim.run(_scenario(horizon_days=2), reps=2, seed=5)
    figure = one_day.plot_service_level("us")
    phone = figure.axes[0]
    assert phone.get_title(loc="left") == "phone: answered within 20 s"
    point = phone.containers[0].lines[0].get_ydata()
    assert point == pytest.approx([_mean(one_day, "contacts", "us", "phone", "service_level")])
    assert any(line.get_label() == "target 80%" for line in phone.get_lines())


def test_backlog_shows_each_message_channel(results: cxsim.Results) -> None:
    figure = results.plot_backlog("us")
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert labels == ["email (target: answered within 24 h)"]
    with pytest.raises(NothingToPlotError, match="no messages in region 'de'"):
        results.plot_backlog("de")


def test_cost_bars_are_the_summarys_costs(results: cxsim.Results) -> None:
    figure = results.plot_cost()
    ax = figure.axes[0]
    agents = next(c for c in ax.containers if c.get_label() == "agents")
    widths = [patch.get_width() for patch in agents.patches]
    assert widths == pytest.approx([_mean(results, "cost", region, "*", "agents")
                                    for region in ("us", "de")])
    assert "currency" in ax.get_xlabel()


def test_plots_ask_for_a_region_or_node_they_know(results: cxsim.Results) -> None:
    with pytest.raises(ValueError, match=r"name a region \(one of: us, de\)"):
        results.plot_contacts()
    with pytest.raises(ValueError, match="unknown region 'fr'"):
        results.plot_service_level("fr")
    with pytest.raises(ValueError, match=r"unknown node 'fc' \(one of: \)"):
        results.plot_stock("fc")
    with pytest.raises(NothingToPlotError, match="no orders delivered"):
        results.plot_delivery()


@pytest.fixture(scope="module")
def shop() -> cxsim.Results:
    return cxsim.run(cxsim.load_scenario(EXAMPLES / "two_nodes.yaml",
                                         ["horizon_days=12", "warmup_days=1"]), reps=2, seed=1)


def test_stock_has_a_panel_per_product_with_its_stockout_days(shop: cxsim.Results) -> None:
    for node, spec in shop.scenario.nodes.items():
        figure = shop.plot_stock(node)
        titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_title(loc="left")]
        assert [title.split(":")[0] for title in titles] == list(spec.stock)
        assert all(title.endswith("stock-out days") for title in titles)
        assert {ax.get_ylabel() for ax in figure.axes} == {"units", "received\n(units)"}


def test_delivery_has_a_row_per_region_and_sales_channel_with_orders(shop: cxsim.Results
                                                                     ) -> None:
    summary = shop.summary
    sold = summary[(summary["scope"] == "orders") & (summary["kpi"] == "orders")
                   & (summary["region"] != "*") & (summary["channel"] != "*")
                   & (summary["mean"] > 0)]
    figure = shop.plot_delivery()
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert len(labels) == len(sold)
    assert {label.split(":")[0] for label in labels} == {
        f"{region} {channel}" for region, channel in zip(sold["region"], sold["channel"],
                                                         strict=True)}
    assert figure.axes[0].get_xlabel() == "order-to-door time, days"

"""Tests for cxsim.scenario loading: the smallest scenario, bad-input messages, YAML safety and
``--set`` overrides.

The contract: every problem in a file is reported at once, one line each, as
``path.to.field: what is wrong (what is allowed)``; the command line exits with status 2, prints
no traceback and writes nothing. The exact problem lines are pinned here because they are the
interface a planner reads.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsim.cli import main
from cxsim.scenario import (
    Problem,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_scenario,
    read_yaml,
)
from cxsim.scenario.distributions import Exponential
from cxsim.scenario.models import SyncChannel
from tests.support import traced_peak

# Copied verbatim from DESIGN.md section 4: the smallest scenario is a contract.
SMALLEST = """\
name: one queue
start_date: 2027-01-04
horizon_days: 28
warmup_days: 1
regions:
  us: {timezone: America/New_York}
channels:
  phone:
    kind: sync
    handle_minutes: {dist: exponential, mean: 5}
    patience_minutes: {dist: exponential, mean: 3}   # omit for customers who never abandon
    target: {answer_within_s: 20, service_level: 0.8}
contact_volume:
  - {region: us, channel: phone, per_hour: 300}      # constant, around the clock
teams:
  us_agents: {region: us, channels: [phone], agents: 30}   # on duty around the clock, no shrinkage
"""

TOP_FIELDS = {"regions", "channels", "teams", "contact_volume", "name", "start_date",
              "horizon_days", "warmup_days", "interval_minutes", "reasons", "segments",
              "omnichannel", "omnichannel_handle_saving_pct", "products", "sales_channels",
              "nodes", "order_contacts"}
FIELDS_LIST = ("name, start_date, horizon_days, warmup_days, interval_minutes, regions, channels, "
               "contact_volume, teams, reasons, segments, omnichannel, "
               "omnichannel_handle_saving_pct, products, sales_channels, nodes, order_contacts")
TEAM_FIELDS = ("region, channels, agents, languages, shifts, shrinkage_pct, cost_per_hour, hires, "
               "hiring_lead_days, attrition_pct_per_month, ramp, overflow_after_s, priorities, "
               "roster, shift_patterns")
# Reasons a scenario may use without declaring them.
BUILTIN_REASONS = "general, product_issue, wismo, stockout, returns, pre_sales"
DISTS = "exponential, constant, lognormal, gamma, uniform, triangular, empirical"


def variant(old: str, new: str) -> str:
    """The smallest scenario with one piece of text replaced (which must occur exactly once)."""
    assert SMALLEST.count(old) == 1, old
    return SMALLEST.replace(old, new)


def check_form(problem: Problem) -> None:
    """One line, ``<path>: <message>``, under a top-level field, the file, a line or --set."""
    assert str(problem) == f"{problem.path}: {problem.message}"
    assert problem.path and problem.message.strip() and "\n" not in str(problem)
    first = problem.path.split(".")[0]
    assert (problem.path == "file" or re.fullmatch(r"line \d+, column \d+", problem.path)
            or problem.path.startswith("--set ") or first in TOP_FIELDS
            or problem.message.startswith("unknown field (")), str(problem)


def problem_lines(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    for problem in caught.value.problems:
        check_form(problem)
    return [str(p) for p in caught.value.problems]


Write = Callable[[str | bytes], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Writes a scenario file (text or raw bytes) and returns its path."""

    def write(text: str | bytes) -> Path:
        path = tmp_path / "scenario.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


# --- 1. The smallest scenario validates as written ---------------------------------------------

def test_smallest_scenario_validates_with_the_values_it_states(write: Write) -> None:
    scenario = load_scenario(write(SMALLEST))
    assert scenario.name == "one queue"
    assert scenario.start_date == dt.date(2027, 1, 4)
    assert (scenario.horizon_days, scenario.warmup_days) == (28, 1)
    assert scenario.regions["us"].timezone == "America/New_York"
    phone = scenario.channels["phone"]
    assert phone.kind == "sync" and phone.handle_minutes == Exponential(dist="exponential", mean=5)
    assert phone.patience_minutes == Exponential(dist="exponential", mean=3)
    assert (phone.target.answer_within_s, phone.target.service_level) == (20, 0.8)
    [volume] = scenario.contact_volume
    assert (volume.region, volume.channel, volume.per_hour) == ("us", "phone", 300)
    team = scenario.teams["us_agents"]
    assert (team.region, team.channels, team.agents) == ("us", ["phone"], 30)
    # The example shipped in scenarios/ is the same scenario.
    shipped = Path(__file__).parents[1] / "scenarios" / "one_queue.yaml"
    assert load_scenario(shipped) == scenario


# --- 2. Each kind of bad input, with its exact problem line(s) ---------------------------------

CASES = [
    # YAML syntax errors, with the line and column where PyYAML noticed them.
    ("indent", variant("warmup_days: 1", "  warmup_days: 1"),
     ["line 4, column 14: not valid YAML: mapping values are not allowed here "
      "(check indentation, colons and quotes)"]),
    ("tab", variant("  us: {", "\tus: {"),
     ["line 6, column 1: not valid YAML: found character '\\t' that cannot start any token "
      "(check indentation, colons and quotes)"]),
    # Empty or not a mapping of fields.
    ("empty", "", ["file: is empty (a mapping with name, start_date, horizon_days, regions, ...)"]),
    ("comment", "# nothing yet\n",
     ["file: is empty (a mapping with name, start_date, horizon_days, regions, ...)"]),
    ("list", "- name: one queue\n",
     ["file: is not a mapping of fields (a mapping with name, start_date, horizon_days, ...)"]),
    # Wrong types: strict, so text or true where a number belongs is an error.
    ("text count", variant("agents: 30", "agents: thirty"),
     ["teams.us_agents.agents: 'thirty' is not a whole number (a whole number from 0 to 100,000)"]),
    ("quoted count", variant("agents: 30", "agents: '30'"),
     ["teams.us_agents.agents: '30' is not a whole number (a whole number from 0 to 100,000)"]),
    ("bool count", variant("agents: 30", "agents: true"),
     ["teams.us_agents.agents: true is not a whole number (a whole number from 0 to 100,000)"]),
    ("text number", variant("horizon_days: 28", "horizon_days: 28 days"),
     ["horizon_days: '28 days' is not a number (a number > 0 and <= 3660)"]),
    ("null name", variant("name: one queue", "name:"),
     ["name: nothing (null) is not text (non-empty text, up to 200 characters)"]),
    ("empty name", variant("name: one queue", "name: ''"),
     ["name: '' is not allowed (non-empty text, up to 200 characters)"]),
    ("list for mapping", variant("  us_agents: {region: us, channels: [phone], agents: 30}",
                                 "  - us_agents"),
     ["teams: a list is not a mapping (a mapping of names to a mapping with region, channels, "
      "agents, ...)"]),
    ("text for list", variant("channels: [phone]", "channels: phone"),
     ["teams.us_agents.channels: 'phone' is not a list (a list of at least 1, each the name of "
      "one of the scenario's channels)"]),
    ("number for distribution", variant("{dist: exponential, mean: 5}", "5"),
     ["channels.phone.handle_minutes: 5 is not a mapping (a distribution such as "
      "{dist: exponential, mean: 5})"]),
    ("bad name",
     variant("  us: {timezone", "  u s: {timezone").replace("region: us", "region: u s"),
     ["regions.u s: 'u s' is not allowed (a name of ASCII letters, digits, _ and -, up to 64 "
      "characters)"]),
    ("no regions",
     variant("regions:\n  us: {timezone: America/New_York}", "regions: {}"),
     ["regions: has 0 entries (at least 1 entry: a mapping of names to a mapping with timezone, "
      "...)",
      "contact_volume.0.region: unknown region 'us' (the scenario has no regions)",
      "teams.us_agents.region: unknown region 'us' (the scenario has no regions)"]),
    ("short list", variant("per_hour: 300}", "per_day: 7200, weekday_factors: [1, 1, 1]}"),
     ["contact_volume.0.weekday_factors: has 3 values (a list of exactly 7 values, each a number "
      "from 0 to 100)"]),
    # Negative or non-finite numbers.
    ("negative count", variant("agents: 30", "agents: -3"),
     ["teams.us_agents.agents: -3 is too small (a whole number from 0 to 100,000)"]),
    ("negative rate", variant("per_hour: 300", "per_hour: -300"),
     ["contact_volume.0.per_hour: -300 is too small (a number from 0 to 40,000)"]),
    ("zero horizon", variant("horizon_days: 28", "horizon_days: 0"),
     ["horizon_days: 0 is too small (a number > 0 and <= 3660)"]),
    ("nan", variant("per_hour: 300", "per_hour: .nan"),
     ["contact_volume.0.per_hour: nan is not a finite number (a number from 0 to 40,000)"]),
    ("inf", variant("per_hour: 300", "per_hour: .inf"),
     ["contact_volume.0.per_hour: inf is not a finite number (a number from 0 to 40,000)"]),
    ("percent", variant("service_level: 0.8", "service_level: 80"),
     ["channels.phone.target.service_level: 80 is too large (a number from 0 to 1)"]),
    ("above one", variant("service_level: 0.8", "service_level: 1.5"),
     ["channels.phone.target.service_level: 1.5 is too large (a number from 0 to 1)"]),
    ("misspelt top", variant("warmup_days: 1", "warmup_dys: 1"),
     [f"warmup_dys: unknown field (did you mean 'warmup_days'? allowed: {FIELDS_LIST})"]),
    ("unknown top", variant("warmup_days: 1", "warmup_days: 1\ncolour: blue"),
     [f"colour: unknown field (allowed: {FIELDS_LIST})"]),
    ("misspelt nested", variant("agents: 30", "agnets: 30"),
     ["teams.us_agents.agents: is missing (required: a whole number from 0 to 100,000)",
      f"teams.us_agents.agnets: unknown field (did you mean 'agents'? allowed: {TEAM_FIELDS})"]),
    ("unknown kind", variant("kind: sync", "kind: live"),
     ["channels.phone.kind: 'live' is not known (one of: sync, async)"]),
    # Distributions: unknown, missing dist, missing or extra parameters, inconsistent ones.
    ("misspelt dist", variant("dist: exponential, mean: 5", "dist: exponental, mean: 5"),
     [f"channels.phone.handle_minutes.dist: 'exponental' is not known (did you mean "
      f"'exponential'? one of: {DISTS})"]),
    ("unknown dist", variant("dist: exponential, mean: 5", "dist: weibull, mean: 5"),
     [f"channels.phone.handle_minutes.dist: 'weibull' is not known (one of: {DISTS})"]),
    ("list dist", variant("dist: exponential, mean: 5", "dist: [exponential], mean: 5"),
     [f"channels.phone.handle_minutes.dist: a list is not allowed (one of: {DISTS})"]),
    ("no dist", variant("dist: exponential, mean: 5", "mean: 5"),
     [f"channels.phone.handle_minutes.dist: is missing (one of: {DISTS})"]),
    ("missing parameter", variant("dist: exponential, mean: 5", "dist: lognormal, mean: 5"),
     ["channels.phone.handle_minutes.cv: is missing (required: a number from 0.01 to 10)"]),
    ("extra parameter", variant("dist: exponential, mean: 5", "dist: exponential, mean: 5, cv: 1"),
     ["channels.phone.handle_minutes.cv: unknown field (allowed: dist, mean)"]),
    ("high below low", variant("dist: exponential, mean: 5", "dist: uniform, low: 5, high: 1"),
     ["channels.phone.handle_minutes.high: 1 is below low 5 (high >= low)"]),
    # Dates and time zones.
    ("no such day", variant("2027-01-04", "2027-02-30"),
     ["start_date: '2027-02-30' is not a valid date (a date such as 2027-01-04)"]),
    ("words for date", variant("2027-01-04", "next monday"),
     ["start_date: 'next monday' is not a valid date (a date such as 2027-01-04)"]),
    ("time of day", variant("2027-01-04", "2027-01-04 09:00:00"),
     ["start_date: '2027-01-04 09:00:00' has a time of day (a date such as 2027-01-04)"]),
    ("misspelt zone", variant("America/New_York", "America/NewYork"),
     ["regions.us.timezone: 'America/NewYork' is not an IANA time zone (did you mean "
      "'America/New_York'? a zone name such as Europe/Berlin)"]),
    ("unknown zone", variant("America/New_York", "Mars/Olympus"),
     ["regions.us.timezone: 'Mars/Olympus' is not an IANA time zone (a zone name such as "
      "Europe/Berlin)"]),
    # Warm-up not shorter than the horizon; an interval that does not divide the day.
    ("warmup equal", variant("warmup_days: 1", "warmup_days: 28"),
     ["warmup_days: 28 is not shorter than horizon_days 28 (0 <= warmup_days < horizon_days)"]),
    ("warmup longer", variant("warmup_days: 1", "warmup_days: 30"),
     ["warmup_days: 30 is not shorter than horizon_days 28 (0 <= warmup_days < horizon_days)"]),
    ("interval", variant("warmup_days: 1", "warmup_days: 1\ninterval_minutes: 7"),
     ["interval_minutes: 7 does not divide a day into whole intervals (a divisor of 1440 such "
      "as 15, 30 or 60)"]),
    # References to regions and channels that do not exist (one line each, no follow-on line).
    ("unknown region", variant("{region: us, channel:", "{region: uk, channel:"),
     ["contact_volume.0.region: unknown region 'uk' (one of: us)"]),
    ("misspelt region", variant("{region: us, channel:", "{region: usa, channel:"),
     ["contact_volume.0.region: unknown region 'usa' (did you mean 'us'? one of: us)"]),
    ("misspelt channel", variant("channels: [phone]", "channels: [phnoe]"),
     ["teams.us_agents.channels.0: unknown channel 'phnoe' (did you mean 'phone'? one of: "
      "phone)"]),
    # Fields that disagree with each other.
    ("unserved queue", variant("contact_volume:\n", (
        "  email: {kind: async, handle_minutes: {dist: constant, value: 4}}\n"
        "contact_volume:\n  - {region: us, channel: email, per_day: 50}\n")),
     ["contact_volume.0: no team serves channel email in region us (add email to the channels of "
      "a team in us, or let a team of another region help with overflow_after_s)"]),
    ("two volumes", variant("per_hour: 300}", "per_hour: 300, per_day: 7200}"),
     ["contact_volume.0: give exactly one of per_hour or per_day (per_hour: constant volume; "
      "per_day: with optional weekday_factors and intraday_profile)"]),
    ("missing field", variant("name: one queue\n", ""),
     ["name: is missing (required: non-empty text, up to 200 characters)"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_gives_exact_problem_lines(write: Write, text: str, expected: list[str]) -> None:
    assert problem_lines(write(text)) == expected


@pytest.mark.parametrize(("content", "expected"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file: is not UTF-8 text (a YAML text file)"),
    (b"name: one queue\x00\n", "file: is not text (a YAML text file)"),
], ids=["binary", "nul"])
def test_non_text_file(write: Write, content: bytes, expected: str) -> None:
    assert problem_lines(write(content)) == [expected]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert problem_lines(tmp_path / "nope.yaml") == ["file: not found (a path to a .yaml file)"]
    assert problem_lines(tmp_path) == ["file: is a directory (a .yaml file)"]


# --- 3. Every problem at once -------------------------------------------------------------------

def test_all_problems_in_a_file_are_reported_together(write: Write) -> None:
    text = (variant("agents: 30", "agents: thirty")
            .replace("{region: us, channel:", "{region: uk, channel:")
            .replace("per_hour: 300", "per_hour: -1")
            .replace("America/New_York", "America/NewYork")
            .replace("warmup_days: 1", "warmup_dys: 1"))
    path = write(text)
    assert problem_lines(path) == [
        "regions.us.timezone: 'America/NewYork' is not an IANA time zone (did you mean "
        "'America/New_York'? a zone name such as Europe/Berlin)",
        "contact_volume.0.per_hour: -1 is too small (a number from 0 to 40,000)",
        "teams.us_agents.agents: 'thirty' is not a whole number (a whole number from 0 to "
        "100,000)",
        f"warmup_dys: unknown field (did you mean 'warmup_days'? allowed: {FIELDS_LIST})",
        "contact_volume.0.region: unknown region 'uk' (one of: us)",
    ]
    with pytest.raises(ScenarioError, match=r"^.*scenario\.yaml: 5 problems\n"):
        load_scenario(path)


def test_cli_bad_file_exits_2_without_traceback_and_writes_nothing(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(variant("agents: 30", "agents: -3").replace("{region: us, channel:",
                                                             "{region: uk, channel:"))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--reps", "1"]) == 2
    captured = capsys.readouterr()
    assert not out.exists() and captured.out == ""
    assert captured.err.splitlines() == [
        f"cxsim: {path}: 2 problems",
        "teams.us_agents.agents: -3 is too small (a whole number from 0 to 100,000)",
        "contact_volume.0.region: unknown region 'uk' (one of: us)",
    ]
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert main(["validate", str(write(SMALLEST))]) == 0


# --- 4. YAML safety -----------------------------------------------------------------------------

@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system",
                                 "!!python/name:os.system", "!!python/object:os.system"])
def test_python_tags_never_construct_objects(write: Write, tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    path = write(variant("name: one queue", f'name: {tag} ["touch {marker}"]'))
    assert problem_lines(path) == [
        f"line 1, column 7: the tag '{tag}' is not plain data (mappings, lists, text, numbers, "
        "dates; no tags)"
    ]
    assert not marker.exists()


def test_billion_laughs_is_refused_quickly_and_small(write: Write) -> None:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 9)}]" for i in range(1, 10)]
    # The anchors come first (an alias must follow its anchor); the name refers to 9**10 "lol"s.
    path = write("\n".join(lines) + "\n" + variant("name: one queue", "name: *lol9"))
    started = time.perf_counter()
    found, peak = traced_peak(lambda: problem_lines(path))
    assert found == ["file: aliases expand to more than 1,000,000 values (write the scenario "
                     "without alias chains)"]
    assert time.perf_counter() - started < 5
    assert peak < 20_000_000


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x {b: *x}\n"], ids=["list", "mapping"])
def test_self_referencing_alias_is_refused(write: Write, text: str) -> None:
    assert problem_lines(write(text)) == [
        "file: an alias refers to itself (aliases must not nest inside their own anchor)"
    ]


def test_duplicate_key_is_refused_with_its_line(write: Write) -> None:
    assert problem_lines(write(variant("warmup_days: 1", "warmup_days: 1\nhorizon_days: 3"))) == [
        "line 5, column 1: key 'horizon_days' appears twice in one mapping (write each key once)"
    ]
    assert problem_lines(write(variant("kind: sync", "kind: sync\n    kind: async"))) == [
        "line 10, column 5: key 'kind' appears twice in one mapping (write each key once)"
    ]


def test_merge_keys_and_deep_nesting_are_refused(write: Write) -> None:
    merge = "base: &base {region: us}\nteams:\n  a: {<<: *base, agents: 1}\n"
    assert problem_lines(write(merge)) == [
        "line 3, column 7: merge keys (<<) are not supported (write the fields out, or alias a "
        "whole value)"
    ]
    deep = "name: " + "[" * 2000 + "]" * 2000 + "\n"
    assert problem_lines(write(deep)) == [
        "file: mappings and lists nest too deeply (a scenario needs only a few levels)"
    ]


# --- 5. Overrides (--set path=value) ------------------------------------------------------------

def test_overrides_apply_and_validate(write: Write) -> None:
    path = write(SMALLEST)
    scenario = load_scenario(path, ["teams.us_agents.agents=34", "horizon_days=3",
                                    "contact_volume.0.per_hour=1e3", "start_date=2027-02-01"])
    assert scenario.teams["us_agents"].agents == 34
    assert scenario.horizon_days == 3
    assert scenario.contact_volume[0].per_hour == 1000
    assert scenario.start_date == dt.date(2027, 2, 1)
    assert load_scenario(path, ["contact_volume.0.per_hour=10"]).contact_volume[0].per_hour == 10


def test_overrides_do_not_mutate_the_callers_data(write: Write) -> None:
    data = read_yaml(write(SMALLEST))
    before = copy.deepcopy(data)
    changed = apply_overrides(data, ["teams.us_agents.agents=34", "contact_volume.0.per_hour=10",
                                     "channels.phone.handle_minutes.mean=6"])
    assert data == before
    assert changed["teams"]["us_agents"]["agents"] == 34
    assert changed["contact_volume"][0]["per_hour"] == 10


@pytest.mark.parametrize(("override", "expected"), [
    ("teams.us_agent.agents=34",
     "--set teams.us_agent.agents=34: teams has no 'us_agent' (did you mean 'us_agents'? one of: "
     "us_agents)"),
    ("contact_volume.1.per_hour=10",
     "--set contact_volume.1.per_hour=10: contact_volume has no item 1 (0 to 0)"),
    ("name.first=x", "--set name.first=x: name is a single value, it has no field 'first'"),
    ("agents", "--set agents: is not path=value (for example teams.us_agents.agents=34)"),
    ("teams.us_agents.agents=[1",
     "--set teams.us_agents.agents=[1: value: not valid YAML: expected ',' or ']', but got "
     "'<stream end>' (check indentation, colons and quotes)"),
    ("name=!!python/object/apply:os.system [ls]",
     "--set name=!!python/object/apply:os.system [ls]: value: the tag "
     "'!!python/object/apply:os.system' is not plain data (mappings, lists, text, numbers, "
     "dates; no tags)"),
    # A misspelt leaf reaches validation, which names it and suggests the field.
    ("horizon_dys=3",
     f"horizon_dys: unknown field (did you mean 'horizon_days'? allowed: {FIELDS_LIST})"),
    # An override that makes the scenario invalid reports the field it set.
    ("teams.us_agents.agents=-1", "teams.us_agents.agents: -1 is too small (a whole number from "
                                  "0 to 100,000)"),
    ("warmup_days=28",
     "warmup_days: 28 is not shorter than horizon_days 28 (0 <= warmup_days < horizon_days)"),
])
def test_bad_override_names_the_problem(write: Write, override: str, expected: str) -> None:
    assert problem_lines(write(SMALLEST), (override,)) == [expected]


def test_override_errors_are_all_reported_and_name_the_file(write: Write) -> None:
    path = write(SMALLEST)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["teams.us_agent.agents=34", "foo.bar=1"])
    assert caught.value.source == str(path)
    assert [p.path for p in caught.value.problems] == ["--set teams.us_agent.agents=34",
                                                       "--set foo.bar=1"]


# --- 6. Properties ------------------------------------------------------------------------------

# Plain data as read from YAML (safe_load gives the same mappings, lists, numbers and date).
SMALLEST_DATA: dict[str, Any] = yaml.safe_load(SMALLEST)


def leaf_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaf_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, (*path, i))]
    return [path]


LEAVES = leaf_paths(SMALLEST_DATA)
JUNK = st.recursive(
    st.none() | st.booleans() | st.text(max_size=12) | st.integers(max_value=-1)
    | st.integers() | st.floats() | st.sampled_from([math.nan, math.inf, -math.inf])
    | st.sampled_from(["us", "phone", "exponential", "sync", "async", ""]) | st.dates(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None)
@given(agents=st.integers(min_value=0, max_value=100_000),
       per_hour=st.floats(min_value=0, max_value=40_000),
       patience=st.floats(min_value=0, max_value=1440, exclude_min=True))
def test_valid_values_validate_and_round_trip(agents: int, per_hour: float,
                                              patience: float) -> None:
    # Through --set, so the values also survive being written as text (1e-05, 1.5e+300, ...).
    data = apply_overrides(SMALLEST_DATA, [f"teams.us_agents.agents={agents}",
                                           f"contact_volume.0.per_hour={per_hour!r}",
                                           f"channels.phone.patience_minutes.mean={patience!r}"])
    scenario = parse_scenario(data)
    assert scenario.teams["us_agents"].agents == agents
    assert scenario.contact_volume[0].per_hour == per_hour
    phone = scenario.channels["phone"]
    assert isinstance(phone, SyncChannel) and isinstance(phone.patience_minutes, Exponential)
    assert phone.patience_minutes.mean == patience


@settings(max_examples=300, deadline=None)
@given(leaf=st.sampled_from(LEAVES), junk=JUNK)
def test_any_junk_leaf_validates_or_gives_problem_lines(leaf: tuple[str | int, ...],
                                                        junk: Any) -> None:
    data = copy.deepcopy(SMALLEST_DATA)
    parent: Any = data
    for key in leaf[:-1]:
        parent = parent[key]
    parent[leaf[-1]] = junk
    try:
        parse_scenario(data)
    except ScenarioError as error:
        assert error.problems
        for problem in error.problems:
            check_form(problem)
            assert problem.path.split(".")[0] in TOP_FIELDS, str(problem)


# --- 7. Field paths start with a top-level field ------------------------------------------------

def test_field_paths_start_with_a_top_level_field(write: Write) -> None:
    # Every problem of every bad file above names a field under a top-level field, or the file, or
    # a line; only a key the schema does not know may stand alone at the top (warmup_dys).
    for _, text, _ in CASES:
        with pytest.raises(ScenarioError) as caught:
            load_scenario(write(text))
        for problem in caught.value.problems:
            first = problem.path.split(".")[0]
            assert (first in TOP_FIELDS or problem.path == "file"
                    or re.fullmatch(r"line \d+, column \d+", problem.path)
                    or ("." not in problem.path and problem.message.startswith("unknown field"))
                    ), str(problem)


# --- 8. Every field of the richer scenario: languages, segments, bots, shifts, hiring ---------

# A small scenario that uses every field past the smallest one, valid as written. The cases below
# break one field each and pin the exact line a planner reads.
RICH = """\
name: rich
start_date: 2027-01-04
horizon_days: 7
warmup_days: 1
omnichannel: true
omnichannel_handle_saving_pct: 20
regions:
  us:
    timezone: America/New_York
    languages: {en: 0.8, es: 0.2}
    opening_hours:
      phone:
        - {days: [mon, tue, wed, thu, fri], start_hour: 8, end_hour: 20}
channels:
  phone:
    kind: sync
    handle_minutes: {dist: exponential, mean: 5}
    patience_minutes: {dist: exponential, mean: 3}
  chat:
    kind: sync
    handle_minutes: {dist: exponential, mean: 8}
    concurrency: 3
    slowdown_per_extra_contact_pct: 10
    bot: {deflect_share: 0.1, by_reason: {orders: 0.4}, escalate_share: 0.2}
  email:
    kind: async
    handle_minutes: {dist: exponential, mean: 6}
reasons:
  orders: {first_contact_resolution: 0.9, follow_up_delay_hours: {dist: exponential, mean: 24}}
segments:
  web:
    share: 0.6
    channel_mix: {chat: 0.7, email: 0.3}
    channel_mix_by_reason: {orders: {chat: 1}}
    patience_minutes: {chat: {dist: exponential, mean: 4}}
    retry:
      probability: 0.5
      delay_minutes: {dist: exponential, mean: 10}
      switch: {chat: {phone: 1}}
  classic:
    share: 0.4
    channel_mix: {phone: 1}
    chase: {after_hours: 24, probability: 0.5, channels: {phone: 1}}
contact_volume:
  - region: us
    channel: phone
    reason: orders
    per_hour: 20
    growth_pct_per_year: 10
    peaks: [{start: 2027-01-06, end: 2027-01-07, factor: 1.5, name: sale}]
    forecast_error_cv: 0.1
  - {region: us, channel: chat, per_hour: 30}
  - {region: us, channel: email, per_hour: 10}
teams:
  english:
    region: us
    channels: [phone, chat, email]
    languages: [en]
    agents: 10
    shifts:
      - {days: [mon, tue, wed, thu, fri], start_hour: 8, end_hour: 16, share: 0.5}
      - {days: [mon, tue, wed, thu, fri], start_hour: 12, end_hour: 20, share: 0.5}
    shrinkage_pct: 30
    cost_per_hour: 30
    hires: [{date: 2027-01-06, agents: 2}]
    hiring_lead_days: 30
    attrition_pct_per_month: 2
    ramp: {start_pct: 50, weeks: 4}
    priorities: {phone: 0, chat: 1}
  bilingual:
    region: us
    channels: [phone, chat, email]
    languages: [en, es]
    agents: 4
    overflow_after_s: 60
"""

RICH_DATA: dict[str, Any] = yaml.safe_load(RICH)
SEGMENT_FIELDS = "share, channel_mix, channel_mix_by_reason, patience_minutes, retry, chase"
DAYS = "mon, tue, wed, thu, fri, sat, sun"
HOUR = "a number from 0 to 24, in steps of 0.25"
CHANNELS = "phone, chat, email"


BILINGUAL = "    agents: 4\n    overflow_after_s: 60"


def roster_text(*periods: str) -> str:
    """The bilingual team's headcount and overflow, with a roster of these periods."""
    lines = "".join(f"\n      - {period}" for period in periods)
    return f"{BILINGUAL}\n    roster:{lines}"


def rich_variant(old: str, new: str) -> str:
    """The richer scenario with one piece of text replaced (which must occur exactly once)."""
    assert RICH.count(old) == 1, old
    return RICH.replace(old, new)


def test_rich_scenario_validates_with_the_values_it_states(write: Write) -> None:
    scenario = load_scenario(write(RICH))
    us = scenario.regions["us"]
    assert us.language_shares() == {"en": 0.8, "es": 0.2}
    assert [(h.days, h.start_hour, h.end_hour) for h in us.opening_hours["phone"]] == [
        (["mon", "tue", "wed", "thu", "fri"], 8, 20)]
    chat = scenario.channels["chat"]
    assert isinstance(chat, SyncChannel) and chat.bot is not None
    assert (chat.concurrency, chat.slowdown_per_extra_contact_pct) == (3, 10)
    assert (chat.bot.share_for("orders"), chat.bot.share_for("general")) == (0.4, 0.1)
    assert scenario.reasons["orders"].first_contact_resolution == 0.9
    web, classic = scenario.segments["web"], scenario.segments["classic"]
    assert web.mix_for("orders") == {"chat": 1} and web.mix_for("general") == {"chat": 0.7,
                                                                              "email": 0.3}
    assert web.retry is not None and web.retry.switch == {"chat": {"phone": 1}}
    assert classic.chase is not None and classic.chase.channels == {"phone": 1}
    assert scenario.omnichannel and scenario.omnichannel_handle_saving_pct == 20
    volume = scenario.contact_volume[0]
    assert (volume.reason, volume.growth_pct_per_year, volume.forecast_error_cv) == ("orders", 10,
                                                                                     0.1)
    assert [(p.start, p.end, p.factor, p.name) for p in volume.peaks] == [
        (dt.date(2027, 1, 6), dt.date(2027, 1, 7), 1.5, "sale")]
    english = scenario.teams["english"]
    assert english.languages == ["en"] and len(english.shifts or []) == 2
    assert (english.shrinkage_pct, english.cost_per_hour, english.hiring_lead_days) == (30, 30, 30)
    assert english.decision_dates() == [(dt.date(2027, 1, 6), 2, dt.date(2026, 12, 7))]
    assert english.ramp is not None and (english.ramp.start_pct, english.ramp.weeks) == (50, 4)
    assert english.priorities == {"phone": 0, "chat": 1}
    assert scenario.teams["bilingual"].overflow_after_s == 60


RICH_CASES = [
    # Regions: languages and opening hours.
    ("language share negative", rich_variant("es: 0.2}", "es: -0.2}"),
     ["regions.us.languages.es: -0.2 is too small (a number from 0 to 1,000,000)"]),
    ("language shares all zero", rich_variant("{en: 0.8, es: 0.2}", "{en: 0, es: 0}"),
     ["regions.us.languages: no language has a positive share (shares of customers by "
      "language)"]),
    ("languages as a list", rich_variant("{en: 0.8, es: 0.2}", "[en, es]"),
     ["regions.us.languages: a list is not a mapping (a mapping of names to a number from 0 to "
      "1,000,000)"]),
    ("language name with a space", rich_variant("es: 0.2}", "es mx: 0.2}"),
     ["regions.us.languages.es mx: 'es mx' is not allowed (a name of ASCII letters, digits, "
      "_ and -, up to 32 characters)"]),
    ("opening hours of an unknown channel", rich_variant("      phone:\n        -",
                                                         "      phnoe:\n        -"),
     [f"regions.us.opening_hours.phnoe: unknown channel 'phnoe' (did you mean 'phone'? one of: "
      f"{CHANNELS})"]),
    ("opening day misspelt", rich_variant("[mon, tue, wed, thu, fri], start_hour: 8, end_hour: 2",
                                          "[mon, tues, wed, thu, fri], start_hour: 8, end_hour: 2"),
     [f"regions.us.opening_hours.phone.0.days.1: 'tues' is not allowed (did you mean 'tue'? one "
      f"of {DAYS})"]),
    ("opening days empty", rich_variant("[mon, tue, wed, thu, fri], start_hour: 8, end_hour: 20",
                                        "[], start_hour: 8, end_hour: 20"),
     [f"regions.us.opening_hours.phone.0.days: has 0 values (a list of at least 1, each one of "
      f"{DAYS})"]),
    ("no opening hours", rich_variant(
        "      phone:\n        - {days: [mon, tue, wed, thu, fri], start_hour: 8, end_hour: 20}",
        "      phone: []"),
     ["regions.us.opening_hours.phone: has 0 values (a list of at least 1, each a mapping with "
      "days, start_hour, end_hour)"]),
    ("closing before opening", rich_variant("start_hour: 8, end_hour: 20}",
                                            "start_hour: 20, end_hour: 8}"),
     ["regions.us.opening_hours.phone.0: end_hour 8 is not after start_hour 20 (0 <= start_hour "
      "< end_hour <= 24)"]),
    ("closing after midnight", rich_variant("start_hour: 8, end_hour: 20}",
                                            "start_hour: 8, end_hour: 25}"),
     [f"regions.us.opening_hours.phone.0.end_hour: 25 is too large ({HOUR})"]),
    ("opening off the quarter hour", rich_variant("start_hour: 8, end_hour: 20}",
                                                  "start_hour: 8.1, end_hour: 20}"),
     [f"regions.us.opening_hours.phone.0.start_hour: 8.1 is not a multiple of 0.25 ({HOUR})"]),
    # Channels: concurrency, slowdown, bot.
    ("concurrency zero", rich_variant("concurrency: 3", "concurrency: 0"),
     ["channels.chat.concurrency: 0 is too small (a whole number from 1 to 20)"]),
    ("concurrency too high", rich_variant("concurrency: 3", "concurrency: 21"),
     ["channels.chat.concurrency: 21 is too large (a whole number from 1 to 20)"]),
    ("concurrency fraction", rich_variant("concurrency: 3", "concurrency: 2.5"),
     ["channels.chat.concurrency: 2.5 is not a whole number (a whole number from 1 to 20)"]),
    ("concurrency on email", rich_variant("kind: async\n", "kind: async\n    concurrency: 2\n"),
     ["channels.email.concurrency: unknown field (allowed: kind, handle_minutes, target, bot)"]),
    ("slowdown over 100", rich_variant("contact_pct: 10", "contact_pct: 150"),
     ["channels.chat.slowdown_per_extra_contact_pct: 150 is too large (a number from 0 to 100)"]),
    ("slowdown with a percent sign", rich_variant("contact_pct: 10", "contact_pct: 10%"),
     ["channels.chat.slowdown_per_extra_contact_pct: '10%' is not a number (a number from 0 to "
      "100)"]),
    ("deflect share as percent", rich_variant("deflect_share: 0.1", "deflect_share: 10"),
     ["channels.chat.bot.deflect_share: 10 is too large (a number from 0 to 1)"]),
    ("bot unknown reason", rich_variant("by_reason: {orders: 0.4}", "by_reason: {order: 0.4}"),
     ["channels.chat.bot.by_reason.order: unknown reason 'order' (did you mean 'orders'? one "
      f"of: orders, {BUILTIN_REASONS})"]),
    ("bot reason share above one", rich_variant("{orders: 0.4}", "{orders: 1.4}"),
     ["channels.chat.bot.by_reason.orders: 1.4 is too large (a number from 0 to 1)"]),
    ("escalate share negative", rich_variant("escalate_share: 0.2", "escalate_share: -0.2"),
     ["channels.chat.bot.escalate_share: -0.2 is too small (a number from 0 to 1)"]),
    ("bot field misspelt", rich_variant("escalate_share: 0.2", "escalation_share: 0.2"),
     ["channels.chat.bot.escalation_share: unknown field (did you mean 'escalate_share'? "
      "allowed: deflect_share, by_reason, escalate_share)"]),
    # Reasons.
    ("resolution as percent", rich_variant("resolution: 0.9", "resolution: 90"),
     ["reasons.orders.first_contact_resolution: 90 is too large (a number from 0.1 to 1)"]),
    ("follow-up delay as a number", rich_variant(
        "follow_up_delay_hours: {dist: exponential, mean: 24}", "follow_up_delay_hours: 24"),
     ["reasons.orders.follow_up_delay_hours: 24 is not a mapping (a distribution such as "
      "{dist: exponential, mean: 5})"]),
    ("follow-up delay negative", rich_variant("mean: 24}", "mean: -24}"),
     ["reasons.orders.follow_up_delay_hours.mean: -24 is too small (a number > 0 and <= "
      "1,000,000)"]),
    # Segments: share, mixes, patience, retry (with its switch matrix) and chase.
    ("segment share as percent", rich_variant("share: 0.6\n", "share: 60\n"),
     ["segments.web.share: 60 is too large (a number from 0 to 1)"]),
    ("segment share missing", rich_variant("    share: 0.6\n", ""),
     ["segments.web.share: is missing (required: a number from 0 to 1)"]),
    ("segment field unknown", rich_variant("share: 0.6\n", "share: 0.6\n    colour: red\n"),
     [f"segments.web.colour: unknown field (allowed: {SEGMENT_FIELDS})"]),
    ("mix unknown channel", rich_variant("email: 0.3}", "mail: 0.3}"),
     [f"segments.web.channel_mix.mail: unknown channel 'mail' (did you mean 'email'? one of: "
      f"{CHANNELS})"]),
    ("mix weight negative", rich_variant("email: 0.3}", "email: -0.3}"),
     ["segments.web.channel_mix.email: -0.3 is too small (a number from 0 to 1,000,000)"]),
    ("mix by unknown reason", rich_variant("{orders: {chat: 1}}", "{refunds: {chat: 1}}"),
     ["segments.web.channel_mix_by_reason.refunds: unknown reason 'refunds' (did you mean "
      f"'returns'? one of: orders, {BUILTIN_REASONS})"]),
    ("mix by reason unknown channel", rich_variant("{orders: {chat: 1}}", "{orders: {sms: 1}}"),
     [f"segments.web.channel_mix_by_reason.orders.sms: unknown channel 'sms' (one of: "
      f"{CHANNELS})"]),
    ("patience of unknown channel", rich_variant("patience_minutes: {chat:",
                                                 "patience_minutes: {chta:"),
     [f"segments.web.patience_minutes.chta: unknown channel 'chta' (did you mean 'chat'? one "
      f"of: {CHANNELS})"]),
    ("patience as a number", rich_variant("{chat: {dist: exponential, mean: 4}}", "{chat: 4}"),
     ["segments.web.patience_minutes.chat: 4 is not a mapping (a distribution such as "
      "{dist: exponential, mean: 5})"]),
    ("retry probability above one", rich_variant("      probability: 0.5\n",
                                                 "      probability: 1.5\n"),
     ["segments.web.retry.probability: 1.5 is too large (a number from 0 to 0.99)"]),
    ("retry probability missing", rich_variant("      probability: 0.5\n", ""),
     ["segments.web.retry.probability: is missing (required: a number from 0 to 0.99)"]),
    ("retry delay as a number", rich_variant("delay_minutes: {dist: exponential, mean: 10}",
                                             "delay_minutes: 10"),
     ["segments.web.retry.delay_minutes: 10 is not a mapping (a distribution such as "
      "{dist: exponential, mean: 5})"]),
    ("switch from unknown channel", rich_variant("switch: {chat:", "switch: {chatt:"),
     [f"segments.web.retry.switch.chatt: unknown channel 'chatt' (did you mean 'chat'? one of: "
      f"{CHANNELS})"]),
    ("switch to unknown channel", rich_variant("{chat: {phone: 1}}", "{chat: {fone: 1}}"),
     [f"segments.web.retry.switch.chat.fone: unknown channel 'fone' (did you mean 'phone'? one "
      f"of: {CHANNELS})"]),
    ("switch weight negative", rich_variant("{chat: {phone: 1}}", "{chat: {phone: -1}}"),
     ["segments.web.retry.switch.chat.phone: -1 is too small (a number from 0 to 1,000,000)"]),
    ("switch without weights", rich_variant("{chat: {phone: 1}}", "{chat: phone}"),
     ["segments.web.retry.switch.chat: 'phone' is not a mapping (a mapping of channel names to a "
      "number from 0 to 1,000,000)"]),
    ("chase after zero hours", rich_variant("after_hours: 24", "after_hours: 0"),
     ["segments.classic.chase.after_hours: 0 is too small (a number from 0.01667 to 8760)"]),
    ("chase probability above one", rich_variant("after_hours: 24, probability: 0.5",
                                                 "after_hours: 24, probability: 2"),
     ["segments.classic.chase.probability: 2 is too large (a number from 0 to 0.99)"]),
    ("chase unknown channel", rich_variant("channels: {phone: 1}}", "channels: {fone: 1}}"),
     [f"segments.classic.chase.channels.fone: unknown channel 'fone' (did you mean 'phone'? one "
      f"of: {CHANNELS})"]),
    ("chase no channels", rich_variant("channels: {phone: 1}}", "channels: {}}"),
     ["segments.classic.chase.channels: has 0 entries (at least 1 entry: a mapping of channel "
      "names to a number from 0 to 1,000,000)"]),
    ("chase channels as a list", rich_variant("channels: {phone: 1}}", "channels: [phone]}"),
     ["segments.classic.chase.channels: a list is not a mapping (at least 1 entry: a mapping of "
      "channel names to a number from 0 to 1,000,000)"]),
    # Omnichannel.
    ("omnichannel words", rich_variant("omnichannel: true", "omnichannel: yes please"),
     ["omnichannel: 'yes please' is not true or false (true or false)"]),
    ("omnichannel number", rich_variant("omnichannel: true", "omnichannel: 1"),
     ["omnichannel: 1 is not true or false (true or false)"]),
    ("handle saving over 100", rich_variant("saving_pct: 20", "saving_pct: 120"),
     ["omnichannel_handle_saving_pct: 120 is too large (a number from 0 to 100)"]),
    # Contact volume: reason, growth, peaks, forecast error.
    ("volume unknown reason", rich_variant("reason: orders\n", "reason: order\n"),
     ["contact_volume.0.reason: unknown reason 'order' (did you mean 'orders'? one of: orders, "
      f"{BUILTIN_REASONS})"]),
    ("growth of -100%", rich_variant("growth_pct_per_year: 10", "growth_pct_per_year: -100"),
     ["contact_volume.0.growth_pct_per_year: -100 is too small (a number > -100 and <= 1000)"]),
    ("growth too high", rich_variant("growth_pct_per_year: 10", "growth_pct_per_year: 2000"),
     ["contact_volume.0.growth_pct_per_year: 2000 is too large (a number > -100 and <= 1000)"]),
    ("peak ends before it starts", rich_variant("end: 2027-01-07", "end: 2027-01-05"),
     ["contact_volume.0.peaks.0.end: 2027-01-05 is before start 2027-01-06 (end >= start)"]),
    ("peak end no such day", rich_variant("end: 2027-01-07", "end: 2027-01-32"),
     ["contact_volume.0.peaks.0.end: '2027-01-32' is not a valid date (a date such as "
      "2027-01-04)"]),
    ("peak start missing", rich_variant("{start: 2027-01-06, ", "{"),
     ["contact_volume.0.peaks.0.start: is missing (required: a date such as 2027-01-04)"]),
    ("peak factor zero", rich_variant("factor: 1.5", "factor: 0"),
     ["contact_volume.0.peaks.0.factor: 0 is too small (a number > 0 and <= 100)"]),
    ("peak name a number", rich_variant("name: sale}", "name: 3}"),
     ["contact_volume.0.peaks.0.name: 3 is not text (text, up to 200 characters)"]),
    ("peaks not a list", rich_variant("[{start: 2027-01-06, end: 2027-01-07, factor: 1.5, "
                                      "name: sale}]",
                                      "{start: 2027-01-06, end: 2027-01-07, factor: 1.5}"),
     ["contact_volume.0.peaks: a mapping is not a list (a list of up to 1000 values, each a "
      "mapping with start, end, factor, ...)"]),
    ("forecast error too high", rich_variant("forecast_error_cv: 0.1", "forecast_error_cv: 3"),
     ["contact_volume.0.forecast_error_cv: 3 is too large (a number from 0 to 2)"]),
    ("forecast error negative", rich_variant("forecast_error_cv: 0.1", "forecast_error_cv: -0.1"),
     ["contact_volume.0.forecast_error_cv: -0.1 is too small (a number from 0 to 2)"]),
    # Teams: languages, shifts, shrinkage, cost, hires, attrition, ramp, overflow, priorities.
    ("team languages as text", rich_variant("languages: [en]\n", "languages: en\n"),
     ["teams.english.languages: 'en' is not a list (a list of at least 1, each a name of "
      "ASCII letters, digits, _ and -, up to 32 characters)"]),
    ("team languages empty", rich_variant("languages: [en]\n", "languages: []\n"),
     ["teams.english.languages: has 0 values (a list of at least 1, each a name of ASCII "
      "letters, digits, _ and -, up to 32 characters)"]),
    ("team language nobody speaks", rich_variant("languages: [en]\n", "languages: [eng]\n"),
     ["teams.english.languages: no customer of region us speaks 'eng' (languages of the "
      "region: en, es)"]),
    ("mix all zero", rich_variant("channel_mix: {chat: 0.7, email: 0.3}",
                                  "channel_mix: {chat: 0, email: 0}"),
     ["segments.web.channel_mix: every weight is zero (channel weights with a positive sum)"]),
    ("shift day misspelt", rich_variant("[mon, tue, wed, thu, fri], start_hour: 8, end_hour: 16",
                                        "[monday], start_hour: 8, end_hour: 16"),
     [f"teams.english.shifts.0.days.0: 'monday' is not allowed (did you mean 'mon'? one of "
      f"{DAYS})"]),
    ("shift days as text", rich_variant("[mon, tue, wed, thu, fri], start_hour: 8, end_hour: 16",
                                        "mon, start_hour: 8, end_hour: 16"),
     [f"teams.english.shifts.0.days: 'mon' is not a list (a list of at least 1, each one of "
      f"{DAYS})"]),
    ("shift start negative", rich_variant("start_hour: 8, end_hour: 16", "start_hour: -1, "
                                          "end_hour: 16"),
     [f"teams.english.shifts.0.start_hour: -1 is too small ({HOUR})"]),
    ("shift start as a clock time", rich_variant("start_hour: 8, end_hour: 16",
                                                 "start_hour: '08:00', end_hour: 16"),
     [f"teams.english.shifts.0.start_hour: '08:00' is not a number ({HOUR})"]),
    ("shift end off the quarter hour", rich_variant("end_hour: 16,", "end_hour: 16.2,"),
     [f"teams.english.shifts.0.end_hour: 16.2 is not a multiple of 0.25 ({HOUR})"]),
    ("shift of no length", rich_variant("start_hour: 8, end_hour: 16", "start_hour: 8, "
                                        "end_hour: 8"),
     ["teams.english.shifts.0: start_hour and end_hour are both 8 (a shift of some length; end "
      "before start runs past midnight)"]),
    ("shift share zero", rich_variant("end_hour: 16, share: 0.5", "end_hour: 16, share: 0"),
     ["teams.english.shifts.0.share: 0 is too small (a number > 0 and <= 1)"]),
    ("shift share as percent", rich_variant("end_hour: 16, share: 0.5", "end_hour: 16, "
                                            "share: 50"),
     ["teams.english.shifts.0.share: 50 is too large (a number > 0 and <= 1)"]),
    ("shrinkage 100", rich_variant("shrinkage_pct: 30", "shrinkage_pct: 100"),
     ["teams.english.shrinkage_pct: 100 is too large (a number >= 0 and < 100)"]),
    ("cost with a currency sign", rich_variant("cost_per_hour: 30", "cost_per_hour: $30"),
     ["teams.english.cost_per_hour: '$30' is not a number (a number from 0 to 1,000,000,000)"]),
    ("cost negative", rich_variant("cost_per_hour: 30", "cost_per_hour: -30"),
     ["teams.english.cost_per_hour: -30 is too small (a number from 0 to 1,000,000,000)"]),
    ("hire on no such day", rich_variant("date: 2027-01-06", "date: 2027-13-06"),
     ["teams.english.hires.0.date: '2027-13-06' is not a valid date (a date such as "
      "2027-01-04)"]),
    ("hire without date", rich_variant("{date: 2027-01-06, agents: 2}", "{agents: 2}"),
     ["teams.english.hires.0.date: is missing (required: a date such as 2027-01-04)"]),
    ("hire of no agents", rich_variant("agents: 2}", "agents: 0}"),
     ["teams.english.hires.0.agents: 0 is too small (a whole number from 1 to 100,000)"]),
    ("hire of half an agent", rich_variant("agents: 2}", "agents: 2.5}"),
     ["teams.english.hires.0.agents: 2.5 is not a whole number (a whole number from 1 to "
      "100,000)"]),
    ("hiring lead negative", rich_variant("hiring_lead_days: 30", "hiring_lead_days: -30"),
     ["teams.english.hiring_lead_days: -30 is too small (a whole number from 0 to 3650)"]),
    ("hiring lead fraction", rich_variant("hiring_lead_days: 30", "hiring_lead_days: 4.5"),
     ["teams.english.hiring_lead_days: 4.5 is not a whole number (a whole number from 0 to 3650)"]),
    ("attrition over 100", rich_variant("per_month: 2", "per_month: 200"),
     ["teams.english.attrition_pct_per_month: 200 is too large (a number from 0 to 100)"]),
    ("ramp from zero", rich_variant("start_pct: 50", "start_pct: 0"),
     ["teams.english.ramp.start_pct: 0 is too small (a number > 0 and <= 100)"]),
    ("ramp of no weeks", rich_variant("weeks: 4}", "weeks: 0}"),
     ["teams.english.ramp.weeks: 0 is too small (a number > 0 and <= 104)"]),
    ("ramp in days", rich_variant("weeks: 4}", "days: 28}"),
     ["teams.english.ramp.days: unknown field (allowed: start_pct, weeks)"]),
    ("overflow negative", rich_variant("overflow_after_s: 60", "overflow_after_s: -60"),
     ["teams.bilingual.overflow_after_s: -60 is too small (a number from 0 to 86,400)"]),
    ("overflow in words", rich_variant("overflow_after_s: 60", "overflow_after_s: 1 minute"),
     ["teams.bilingual.overflow_after_s: '1 minute' is not a number (a number from 0 to 86,400)"]),
    ("priority of unknown channel", rich_variant("0, chat: 1}", "0, chatt: 1}"),
     [f"teams.english.priorities.chatt: unknown channel 'chatt' (did you mean 'chat'? one of: "
      f"{CHANNELS})"]),
    ("priority negative", rich_variant("{phone: 0, chat: 1}", "{phone: -1, chat: 1}"),
     ["teams.english.priorities.phone: -1 is too small (a whole number from 0 to 1000)"]),
    ("priorities as a list", rich_variant("{phone: 0, chat: 1}", "[phone, chat]"),
     ["teams.english.priorities: a list is not a mapping (a mapping of channel names to a whole "
      "number from 0 to 1000)"]),
    # Checks across fields (they run once every field is sound on its own).
    ("segment shares short of 1", rich_variant("share: 0.6\n", "share: 0.5\n"),
     ["segments: shares add up to 0.9 (shares of customers adding up to 1)"]),
    ("segment shares over 1", rich_variant("share: 0.4\n", "share: 0.5\n"),
     ["segments: shares add up to 1.1 (shares of customers adding up to 1)"]),
    ("shifts overlap", rich_variant("end_hour: 16, share: 0.5", "end_hour: 16, share: 0.6"),
     ["teams.english.shifts: shifts on mon at 12:00 roster 1.1 of the headcount at once (shares "
      "of overlapping shifts must add up to at most 1)"]),
    ("shifts overlap past midnight", rich_variant(
        "[mon, tue, wed, thu, fri], start_hour: 12, end_hour: 20, share: 0.5",
        "[sun], start_hour: 22, end_hour: 9, share: 0.6"),
     ["teams.english.shifts: shifts on mon at 08:00 roster 1.1 of the headcount at once (shares "
      "of overlapping shifts must add up to at most 1)"]),
    ("priority of a channel the team lacks", rich_variant(
        "channels: [phone, chat, email]\n    languages: [en]\n",
        "channels: [phone, email]\n    languages: [en]\n"),
     ["teams.english.priorities.chat: chat is not among the team's channels (one of: phone, "
      "email)"]),
    ("no team speaks a language", rich_variant("languages: [en, es]", "languages: [en]"),
     [f"contact_volume.{i}: no team speaking es serves channel {c} in region us (add {c} to the "
      f"channels of a team in us that speaks es, or let a team of another region help with "
      f"overflow_after_s)" for i, c in enumerate(["phone", "chat", "email"])]),
    # A roster: agents per shift and period, instead of shares of the headcount.
    ("roster period ends before it starts", rich_variant(BILINGUAL, roster_text(
        "{start: 2027-01-08, end: 2027-01-04, shifts: []}")),
     ["teams.bilingual.roster.0: end 2027-01-04 is before start 2027-01-08 (end >= start)"]),
    ("roster periods overlap", rich_variant(BILINGUAL, roster_text(
        "{start: 2027-01-04, end: 2027-01-10, shifts: []}",
        "{start: 2027-01-11, end: 2027-01-17, shifts: []}",
        "{start: 2027-01-08, end: 2027-01-09, shifts: []}")),
     ["teams.bilingual.roster.2: 2027-01-08 to 2027-01-09 overlaps period 0 (2027-01-04 to "
      "2027-01-10) (periods that share no date)"]),
    ("roster with shifts", rich_variant(
        "    ramp: {start_pct: 50, weeks: 4}\n",
        "    ramp: {start_pct: 50, weeks: 4}\n"
        "    roster: [{start: 2027-01-04, end: 2027-01-10, shifts: []}]\n"),
     ["teams.english.roster: the team also has shifts (either shifts, shares of the headcount, "
      "or a roster, agents per shift; not both)"]),
    ("roster shift of negative agents", rich_variant(BILINGUAL, roster_text(
        "{start: 2027-01-04, end: 2027-01-10, shifts: [{start_hour: 8, end_hour: 9, agents: -1}]}"
    )), ["teams.bilingual.roster.0.shifts.0.agents: -1 is too small (a whole number from 0 to "
         "100,000)"]),
    ("roster shift of no length", rich_variant(BILINGUAL, roster_text(
        "{start: 2027-01-04, end: 2027-01-10, shifts: [{start_hour: 8, end_hour: 8, agents: 1}]}"
    )), ["teams.bilingual.roster.0.shifts.0: start_hour and end_hour are both 8 (a shift of some "
         "length; end before start runs past midnight)"]),
    ("allowed shift on no days", rich_variant(BILINGUAL, BILINGUAL + "\n    shift_patterns: "
                                              "[{days: [], start_hour: 8, end_hour: 16}]"),
     ["teams.bilingual.shift_patterns.0.days: has 0 values (a list of at least 1, each one of "
      f"{DAYS})"]),
    # A line break in a value (a block scalar, a quoted "\n") is escaped: one line per problem.
    ("date with a line break", rich_variant("start_date: 2027-01-04",
                                            "start_date: |\n  2027-01-04"),
     ["start_date: '2027-01-04\\n' is not a valid date (a date such as 2027-01-04)"]),
    ("reason with a line break", rich_variant("reason: orders\n", 'reason: "orders\\n"\n'),
     ["contact_volume.0.reason: unknown reason 'orders\\n' (did you mean 'orders'? one of: "
      f"orders, {BUILTIN_REASONS})"]),
    # A misspelt name gives one line, not a second one from a check across fields.
    ("misspelling and bad shares", rich_variant("share: 0.6\n", "share: 0.5\n")
     .replace("email: 0.3}", "mail: 0.3}"),
     [f"segments.web.channel_mix.mail: unknown channel 'mail' (did you mean 'email'? one of: "
      f"{CHANNELS})"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in RICH_CASES],
                         ids=[c[0] for c in RICH_CASES])
def test_bad_rich_file_gives_exact_problem_lines(write: Write, text: str,
                                                 expected: list[str]) -> None:
    assert problem_lines(write(text)) == expected


def test_retail_week_example_validates() -> None:
    shipped = Path(__file__).parents[1] / "scenarios" / "retail_week.yaml"
    scenario = load_scenario(shipped)
    assert set(scenario.channels) == {"phone", "chat", "email", "social"}
    assert set(scenario.segments) == {"digital", "classic"}
    assert scenario.regions["us"].language_shares() == {"en": 0.85, "es": 0.15}
    assert scenario.teams["madrid"].overflow_after_s == 120


RICH_LEAVES = leaf_paths(RICH_DATA)
RICH_JUNK = JUNK | st.sampled_from(["chat", "email", "orders", "general", "en", "es", "mon",
                                    "tues", 8, 8.1, 24, 25, 0.5, 1.5, {}, [], {"phone": 1}])


@settings(max_examples=400, deadline=None)
@given(leaf=st.sampled_from(RICH_LEAVES), junk=RICH_JUNK)
def test_any_junk_leaf_of_the_rich_scenario_validates_or_gives_problem_lines(
    leaf: tuple[str | int, ...], junk: Any
) -> None:
    data = copy.deepcopy(RICH_DATA)
    parent: Any = data
    for key in leaf[:-1]:
        parent = parent[key]
    parent[leaf[-1]] = junk
    try:
        parse_scenario(data)
    except ScenarioError as error:
        assert error.problems
        for problem in error.problems:
            check_form(problem)
            assert problem.path.split(".")[0] in TOP_FIELDS, str(problem)

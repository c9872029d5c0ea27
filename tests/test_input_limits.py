"""What the loader does with files and text a planner did not mean, or an attacker did.

YAML is read by the 1.2 core rules (``4:30``, ``0x1E``, ``yes`` are text; ``1e3`` is a number);
every tag whose value does not fit it is one problem line, in a file and through ``--set``; the
file is checked to be a regular file of a bounded size before anything is read; aliases count
by the bytes they expand to; names and values in messages are cut and escaped, so that nothing
from a file reaches the terminal raw; and a file with thousands of problems prints a screenful.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsim.cli import main
from cxsim.scenario import ScenarioError, load_scenario, parse_scenario, read_yaml
from cxsim.scenario.loading import MAX_FILE_BYTES
from cxsim.scenario.plain_yaml import dump_yaml, parse_yaml
from cxsim.scenario.problems import MAX_LINE_CHARS, MAX_SHOWN_PROBLEMS
from tests.support import cxsim_command, traced_peak

ROOT = Path(__file__).resolve().parent.parent

SMALLEST = (ROOT / "scenarios" / "one_queue.yaml").read_text(encoding="utf-8")
NOT_PLAIN = "(mappings, lists, text, numbers, dates; no tags)"
AGENTS = "a whole number from 0 to 100,000"
PER_HOUR = "a number from 0 to 40,000"


def variant(old: str, new: str) -> str:
    assert SMALLEST.count(old) == 1, old
    return SMALLEST.replace(old, new)


def at(text: str, needle: str) -> str:
    """'line L, column C' of the first character after ``needle`` in ``text``."""
    index = text.index(needle) + len(needle)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def problem_lines(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return [str(p) for p in caught.value.problems]


Write = Callable[[str], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def write(text: str) -> Path:
        path = tmp_path / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- YAML 1.2 scalars ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("1:30", f"teams.us_agents.agents: '1:30' is not a whole number ({AGENTS})"),
    ("0x1E", f"teams.us_agents.agents: '0x1E' is not a whole number ({AGENTS})"),
    ("0o17", f"teams.us_agents.agents: '0o17' is not a whole number ({AGENTS})"),
    ("0b1", f"teams.us_agents.agents: '0b1' is not a whole number ({AGENTS})"),
    ("1_000", f"teams.us_agents.agents: '1_000' is not a whole number ({AGENTS})"),
])
def test_numbers_in_other_bases_are_text_that_the_field_names(write: Write, value: str,
                                                             expected: str) -> None:
    assert problem_lines(write(variant("agents: 30", f"agents: {value}"))) == [expected]


def test_base_60_is_text_not_minutes(write: Write) -> None:
    text = variant("per_hour: 300", "per_hour: 4:30")
    assert problem_lines(write(text)) == [
        f"contact_volume.0.per_hour: '4:30' is not a number ({PER_HOUR})"]


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "OFF"])
def test_only_true_and_false_are_booleans(write: Write, word: str) -> None:
    text = SMALLEST + f"omnichannel: {word}\n"
    assert problem_lines(write(text)) == [
        f"omnichannel: '{word}' is not true or false (true or false)"]


@pytest.mark.parametrize(("word", "value"), [("true", True), ("True", True), ("FALSE", False)])
def test_true_and_false_in_any_case_are_booleans(write: Write, word: str,
                                                 value: bool) -> None:
    assert load_scenario(write(SMALLEST + f"omnichannel: {word}\n")).omnichannel is value


def test_a_region_may_be_called_no_or_on(write: Write) -> None:
    # Norway's code: in YAML 1.1 the key would have been the boolean false.
    text = (variant("us: {timezone: America/New_York}", "no: {timezone: Europe/Oslo}")
            .replace("region: us", "region: no"))
    scenario = load_scenario(write(text))
    assert list(scenario.regions) == ["no"]


@pytest.mark.parametrize(("written", "value"), [
    ("1e3", 1000.0), ("1e-05", 1e-05), ("2.5E+2", 250.0), (".5", 0.5), ("010", 10), ("+7", 7),
])
def test_decimal_and_exponent_numbers_are_numbers(write: Write, written: str,
                                                  value: float) -> None:
    scenario = load_scenario(write(variant("per_hour: 300", f"per_hour: {written}")))
    assert scenario.contact_volume[0].per_hour == value


# --- Tags ----------------------------------------------------------------------------------------

TAG_CASES = [
    ("!!timestamp hello", "!!timestamp 'hello' is not a date (a date such as 2027-01-04)"),
    ("!!int abc", "!!int 'abc' is not a whole number (decimal digits, such as 42)"),
    ("!!int 0x1E", "!!int '0x1E' is not a whole number (decimal digits, such as 42)"),
    ("!!float ''", "!!float '' is not a number (such as 2.5, 1e3, .inf or .nan)"),
    ("!!bool maybe", "!!bool 'maybe' is not true or false (true or false)"),
    ("!!null zero", "!!null 'zero' is not null (null, ~ or nothing)"),
    ("!!map [a]", "!!map tags a list or a single value, not a mapping (write the mapping alone)"),
    ("!!seq {a: 1}", "!!seq tags a mapping or a single value, not a list (write the list alone)"),
    ("!!str [a]", "!!str tags a list, not a single value (write the value alone)"),
    ("!!set [a]", f"the tag '!!set' is not plain data {NOT_PLAIN}"),
    ("!!set {a}", f"the tag '!!set' is not plain data {NOT_PLAIN}"),
    ("!!binary aGVsbG8=", f"the tag '!!binary' is not plain data {NOT_PLAIN}"),
    ("!!omap [a: 1]", f"the tag '!!omap' is not plain data {NOT_PLAIN}"),
    ("!mine 3", f"the tag '!mine' is not plain data {NOT_PLAIN}"),
]


@pytest.mark.parametrize(("value", "expected"), TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_a_tag_whose_value_does_not_fit_is_one_problem_line(write: Write, value: str,
                                                            expected: str) -> None:
    text = variant("agents: 30", f"agents: {value}")
    assert problem_lines(write(text)) == [f"{at(text, ', agents: ')}: {expected}"]


@pytest.mark.parametrize(("value", "expected"), TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_a_tag_through_set_is_one_problem_line(write: Write, value: str,
                                               expected: str) -> None:
    assignment = f"teams.us_agents.agents={value}"
    assert problem_lines(write(SMALLEST), (assignment,)) == [
        f"--set {assignment}: value: {expected}"]


def test_tags_that_fit_their_value_are_read(write: Write) -> None:
    text = variant("agents: 30", "agents: !!int 30").replace(
        "per_hour: 300", "per_hour: !!float 300").replace("name: one queue", "name: !!str 12")
    scenario = load_scenario(write(text))
    assert (scenario.teams["us_agents"].agents, scenario.contact_volume[0].per_hour,
            scenario.name) == (30, 300.0, "12")


def test_a_date_that_does_not_exist_is_reported_by_its_field(write: Write) -> None:
    text = variant("start_date: 2027-01-04", "start_date: !!timestamp 2027-02-30")
    assert problem_lines(write(text)) == [
        "start_date: '2027-02-30' is not a valid date (a date such as 2027-01-04)"]


def test_a_whole_number_past_pythons_limit_is_a_problem_line(write: Write) -> None:
    digits = "9" * 5000
    text = variant("agents: 30", f"agents: {digits}")
    expected = "a whole number of 5,000 digits is too long (at most 4,300 digits)"
    assert problem_lines(write(text)) == [f"{at(text, ', agents: ')}: {expected}"]
    assignment = f"teams.us_agents.agents={digits}"
    [line] = problem_lines(write(SMALLEST), (assignment,))
    assert line.endswith(f": value: {expected}") and len(line) <= MAX_LINE_CHARS
    # Up to the limit it is a number, which the field judges.
    assert problem_lines(write(variant("agents: 30", f"agents: {'9' * 4300}"))) == [
        f"teams.us_agents.agents: a whole number of about 4,300 digits is too large ({AGENTS})"]


# --- The file itself ----------------------------------------------------------------------------

NOT_REGULAR = "file: is not a regular file (a .yaml file, not a pipe or a device)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "scenario.yaml"
    os.mkfifo(pipe)
    done = cxsim_command("validate", pipe, timeout=60)  # a hang raises TimeoutExpired
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"cxsim: {pipe}: 1 problem", NOT_REGULAR]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_or_a_link_to_one_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "scenario.yaml"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/zero"), link):
        assert problem_lines(path) == [NOT_REGULAR]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: no memory or disk spent on it
    assert problem_lines(path) == ["file: is 5,000,001 bytes or more (at most 5,000,000)"]
    path.write_bytes(b"#" * MAX_FILE_BYTES)
    assert problem_lines(path) == [
        "file: is empty (a mapping with name, start_date, horizon_days, regions, ...)"]


def test_aliases_count_by_the_bytes_they_expand_to(write: Write) -> None:
    # A megabyte of text and 300 aliases of it: 300 MB once expanded, from a 1 MB file.
    text = "long: &a " + "x" * 1_000_000 + "\nname: [" + ", ".join(["*a"] * 300) + "]\n"
    path = write(text)
    found, peak = traced_peak(lambda: problem_lines(path))
    assert found == ["file: aliases expand to more than 10,000,000 bytes of text (write the "
                     "scenario without aliases of long values)"]
    # The refusal costs about what reading the file does (a few times its size), never the
    # 300 MB the aliases stand for.
    assert peak < 20_000_000
    # A few aliases of a short value are fine.
    few = variant("name: one queue", "name: &n one queue") + "reasons: {x: {}}\n"
    assert load_scenario(write(few)).name == "one queue"


# --- Problem lines: cut, escaped, counted -------------------------------------------------------

def test_a_very_long_key_is_cut_in_the_problem_line(write: Write) -> None:
    # A key longer than 1024 characters must be written as an explicit key (?) in YAML.
    key = "k" * 100_000
    text = variant("  us_agents: {region", f"  ? {key}\n  : {{region")
    lines = problem_lines(write(text))
    assert lines == [f"teams.{'k' * 57}...: '{'k' * 37}...' is not allowed (a name of ASCII "
                     "letters, digits, _ and -, up to 64 characters)"]
    unknown = variant("warmup_days: 1", f"? {key}\n: 1")
    [line] = problem_lines(write(unknown))
    assert line.startswith(f"{'k' * 57}...: unknown field (allowed: name, start_date")
    assert len(line) <= MAX_LINE_CHARS


def test_a_long_misspelt_reference_is_cut(write: Write) -> None:
    name = "u" * 10_000
    text = variant("{region: us, channel: phone", f"{{region: {name}, channel: phone")
    assert problem_lines(write(text)) == [
        f"contact_volume.0.region: unknown region '{'u' * 57}...' (one of: us)"]


def test_an_empty_key_names_its_place(write: Write) -> None:
    assert problem_lines(write(variant("warmup_days: 1", '"": 1'))) == [
        "'': unknown field (allowed: name, start_date, horizon_days, warmup_days, "
        "interval_minutes, regions, channels, contact_volume, teams, reasons, segments, "
        "omnichannel, omnichannel_handle_saving_pct, products, sales_channels, nodes, "
        "order_contacts)"]
    assert problem_lines(write(variant("  us_agents: {region", '  "": {region'))) == [
        "teams.'': '' is not allowed (a name of ASCII letters, digits, _ and -, up to 64 "
        "characters)"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("name: one queue", 'name: "\\e[2J\\e[31mgotcha"',
     "name: '\\x1b[2J\\x1b[31mgotcha' holds characters that cannot be printed (printable text: "
     "no line breaks, tabs or control characters)"),
    ("name: one queue", 'name: "two\\nlines"',
     "name: 'two\\nlines' holds characters that cannot be printed (printable text: no line "
     "breaks, tabs or control characters)"),
    ("  us: {timezone", '  "u\\e[2Js": {timezone',
     "regions.u\\x1b[2Js: 'u\\x1b[2Js' is not allowed (a name of ASCII letters, digits, _ and "
     "-, up to 64 characters)"),
    ("America/New_York", '"\\e]0;title\\a"',
     "regions.us.timezone: '\\x1b]0;title\\x07' is not an IANA time zone (a zone name such as "
     "Europe/Berlin)"),
])
def test_control_characters_never_reach_the_terminal(
    write: Write, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    text = variant(old, new)
    if old.startswith("  us:"):
        text = text.replace("region: us", 'region: "u\\e[2Js"')
    path = write(text)
    assert expected in problem_lines(path)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err.splitlines()
    assert all(c.isprintable() for line in captured.err.splitlines() for c in line)
    assert captured.out == ""


def test_thousands_of_problems_print_a_screenful(write: Write) -> None:
    volume = "contact_volume:\n  - {region: us, channel: phone, per_hour: 300}"
    many = "contact_volume:\n" + "".join(
        f"  - {{region: us, channel: phone, per_hour: -{i + 1}}}\n" for i in range(2000)) + "#"
    path = write(SMALLEST.replace(volume, many))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert len(caught.value.problems) == 2000
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: 2000 problems"
    assert lines[1] == f"contact_volume.0.per_hour: -1 is too small ({PER_HOUR})"
    assert len(lines) == 1 + MAX_SHOWN_PROBLEMS + 1
    assert lines[-1] == "... and 1,950 more problems (fix these first)"


def test_supplier_names_and_peak_names_are_printable_text() -> None:
    expansion = ROOT / "scenarios" / "expansion_eu.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(expansion, ['nodes.us_fc.stock.kettle.supplier="br\\e[2Jew"',
                                  'order_contacts.product_issue.by_supplier={"a\\tb": 0.1}',
                                  'regions.us.demand.peaks.0.name="black\\rfriday"'])
    unprintable = ("holds characters that cannot be printed (printable text: no line breaks, "
                   "tabs or control characters)")
    assert [str(p) for p in caught.value.problems] == [
        f"regions.us.demand.peaks.0.name: 'black\\rfriday' {unprintable}",
        f"nodes.us_fc.stock.kettle.supplier: 'br\\x1b[2Jew' {unprintable}",
        f"order_contacts.product_issue.by_supplier.a\\tb: 'a\\tb' {unprintable}",
    ]


def test_a_huge_whole_number_in_data_built_in_code_is_a_problem_line() -> None:
    # Python data can hold what YAML text cannot reach: a number of 5,000 digits, as a value
    # where a name, a weekday or a number belongs, and as a key.
    huge = 10**5000
    data = read_yaml(ROOT / "scenarios" / "retail_week.yaml")
    data["regions"]["us"]["opening_hours"]["phone"][0]["days"][0] = huge
    data["teams"]["voice"]["agents"] = huge
    data["segments"]["digital"]["channel_mix"][huge] = 1
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    lines = [str(p) for p in caught.value.problems]
    about = "a whole number of about 5,000 digits"
    assert f"teams.voice.agents: {about} is too large ({AGENTS})" in lines
    assert any(line.startswith("regions.us.opening_hours.phone.0.days.0: a whole number of "
                               "about 5,000 d") for line in lines), lines
    # (pydantic reports the key itself as an unprintable int object)
    assert any(line.startswith("segments.digital.channel_mix.") and line.endswith(
        f"{about} is not text (the name of one of the scenario's channels)") for line in lines)
    assert all(len(line) <= MAX_LINE_CHARS and line.isprintable() for line in lines)


# --- Writing YAML that reads back the same -------------------------------------------------------

PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["1e3", "1e-05", "yes", "no", "on", "4:30", "0x1E", "0o17", "010", "+1",
                       ".5", "~", "null", "True", "=", "<<", "2027-02-30", "", " ", "- a"])
    | st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=8) | st.sampled_from(["no", "1e3", "yes", ""]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(data=PLAIN)
def test_written_yaml_reads_back_the_same(data: object) -> None:
    text = dump_yaml(data)
    assert parse_yaml(text) == data
    # Readers of YAML 1.1 (PyYAML's own) read it the same, too.
    assert yaml.load(text, Loader=yaml.SafeLoader) == data


@pytest.mark.parametrize("example", sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")))
def test_every_example_written_out_reads_back_the_same(example: str) -> None:
    scenario = load_scenario(ROOT / "scenarios" / f"{example}.yaml")
    text = dump_yaml(scenario.model_dump(mode="json", exclude_unset=True))
    assert parse_scenario(parse_yaml(text)) == scenario

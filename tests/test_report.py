"""The HTML report: well-formed, self-contained, escaped, reproducible, and written by
``cxsim run`` (inside its atomic result) and ``cxsim report`` (never over a planner's file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import html5lib
import pytest

import cxsim
from cxsim.cli import main
from cxsim.report import REPORT_NAME, build_report, is_report
from tests.conftest import ExampleReport
from tests.support import EXAMPLES

ONE_QUEUE = EXAMPLES / "one_queue.yaml"
SHORT = ["--set", "horizon_days=2", "--set", "warmup_days=1", "--reps", "2", "--seed", "3"]


def _parse(html: str) -> Any:
    """The document tree, or html5lib's ParseError at the first thing that is not valid HTML."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def test_every_example_report_is_well_formed_html(example_reports: list[ExampleReport]) -> None:
    for report in example_reports:
        _parse(report.path.read_text(encoding="utf-8"))


def test_a_report_loads_nothing_from_anywhere(example_reports: list[ExampleReport]) -> None:
    for report in example_reports:
        tree = _parse(report.path.read_text(encoding="utf-8"))
        assert tree.findall(".//script") == []
        links = [value for element in tree.iter() for name, value in element.attrib.items()
                 if name in ("src", "href", "srcset", "action", "poster", "data")]
        assert links, "figures are embedded"
        assert all(link.startswith(("data:", "#")) for link in links), report.name
        policy = tree.find(".//meta[@http-equiv='Content-Security-Policy']")
        assert policy is not None and "default-src 'none'" in policy.get("content")


def test_the_same_tables_give_the_same_report(example_reports: list[ExampleReport]) -> None:
    report = next(r for r in example_reports if r.name == "two_nodes")
    assert build_report(report.results) == report.path.read_text(encoding="utf-8")


HOSTILE = '<script>alert("x")</script> & <b>co</b>'


def test_names_holding_markup_show_as_text() -> None:
    data = {
        "name": HOSTILE,
        "start_date": "2027-01-04", "horizon_days": 3, "warmup_days": 1,
        "regions": {"us": {"timezone": "UTC", "launch_date": "2027-01-05"}},
        "channels": {"email": {"kind": "async",
                               "handle_minutes": {"dist": "exponential", "mean": 5}}},
        "contact_volume": [{"region": "us", "channel": "email", "per_hour": 20}],
        "teams": {"agents": {"region": "us", "channels": ["email"], "agents": 2,
                             "hires": [{"date": "2027-01-05", "agents": 1}]}},
    }
    results = cxsim.run(cxsim.parse_scenario(data), reps=2, seed=1)
    # Team names are plain identifiers in a scenario file; a table edited by hand (or a future
    # naming rule) could still carry markup, so the report must escape them as any text.
    team = "<script>team()</script>"
    scenario = results.scenario
    results.scenario = scenario.model_copy(update={"teams": {team: scenario.teams["agents"]}})
    for table in (results.teams_by_interval, results.teams_by_day, results.hiring):
        table["team"] = table["team"].replace("agents", team)
    results.launch["item"] = results.launch["item"].replace("agents", team)
    html = build_report(results)
    assert "<script" not in html.lower()
    tree = _parse(html)
    text = "".join(tree.itertext())
    assert HOSTILE in text and team in text
    assert tree.findtext(".//title") == HOSTILE
    assert tree.findall(".//script") == [] and tree.findall(".//b") == []


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result directory written by ``cxsim run`` (with its report)."""
    out = tmp_path_factory.mktemp("run") / "one_queue"
    assert main(["run", str(ONE_QUEUE), *SHORT, "--out", str(out), "--quiet"]) == 0
    return out


def _files(folder: Path) -> list[str]:
    return list(json.loads((folder / "run.json").read_text())["files"])


def test_run_writes_its_report_inside_the_result(result: Path) -> None:
    report = result / REPORT_NAME
    assert is_report(report)
    assert REPORT_NAME in _files(result)
    meta = json.loads((result / "run.json").read_text())
    assert meta["command"] == (f"cxsim run {ONE_QUEUE} {' '.join(SHORT)} --out {result} "
                               "--quiet")
    html = report.read_text(encoding="utf-8")
    # The appendix: the command as run, a command that reproduces the tables from the scenario
    # as run, the seed, the replications and the version.
    assert meta["command"] in html
    assert "cxsim run DIR/scenario.yaml --reps 2 --seed 3" in html
    assert f"cxsim {cxsim.__version__}" in html
    assert "name: one queue" in html


def test_a_run_without_report_writes_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    out = tmp_path / "plain"
    assert main(["run", str(ONE_QUEUE), *SHORT, "--out", str(out), "--no-report"]) == 0
    assert not (out / REPORT_NAME).exists() and REPORT_NAME not in _files(out)
    printed = capsys.readouterr().out
    assert "Verdict per region (the report gives every reason and the rules):\n  us  " in printed
    assert "report:" not in printed
    # `cxsim report` builds it afterwards, beside the tables, listed as cxsim's.
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out == f"report: {out / REPORT_NAME}\n"
    assert is_report(out / REPORT_NAME) and REPORT_NAME in _files(out)
    # ... so that a later run may replace the directory whole.
    assert main(["run", str(ONE_QUEUE), *SHORT, "--out", str(out), "--quiet"]) == 0


def test_report_replaces_its_own_file_and_never_a_planners(
    result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(result)]) == 0          # its own report.html, listed in run.json
    elsewhere = tmp_path / "mailed.html"
    assert main(["report", str(result), "--out", str(elsewhere)]) == 0
    assert main(["report", str(result), "--out", str(elsewhere)]) == 0   # a cxsim report
    assert REPORT_NAME in _files(result) and "mailed.html" not in _files(result)
    mine = tmp_path / "notes.html"
    mine.write_text("<p>my notes</p>")
    capsys.readouterr()
    assert main(["report", str(result), "--out", str(mine)]) == 2
    assert capsys.readouterr().err == (f"cxsim: --out: '{mine}' exists and is not a report "
                                       "cxsim wrote (another file name, or move it)\n")
    assert mine.read_text() == "<p>my notes</p>"


def test_report_refuses_a_report_html_it_did_not_write(
    result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(result, copy)
    meta = json.loads((copy / "run.json").read_text())
    meta["files"].remove(REPORT_NAME)
    (copy / "run.json").write_text(json.dumps(meta))
    (copy / REPORT_NAME).write_text("<html>a planner's page</html>")
    assert main(["report", str(copy)]) == 2
    assert "exists and is not a report cxsim wrote" in capsys.readouterr().err
    assert (copy / REPORT_NAME).read_text() == "<html>a planner's page</html>"


@pytest.mark.parametrize("name", ["run.json", "summary.csv", "scenario.yaml"])
def test_report_never_writes_over_the_result_s_own_files(
    result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(result, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    assert main(["report", str(copy), "--out", str(copy / name)]) == 2
    assert "exists and is not a report cxsim wrote" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    assert main(["report", str(copy)]) == 0  # still a result


def test_report_to_a_name_the_system_refuses_says_so_in_one_line(
    result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / ("y" * 254 + ".html")  # longer than a file name may be
    assert main(["report", str(result), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("cxsim: --out: cannot write") and error.count("\n") == 1


@pytest.mark.parametrize(("make", "message"), [
    (lambda base: base / "missing", "missing: not a directory (a result directory cxsim run "
                                    "wrote)"),
    (lambda base: base, ": not a cxsim result (no run.json; a result directory cxsim run "
                        "wrote)"),
    (lambda base: (base / "run.json").write_text('{"seed": 1}') and base,
     ": not a cxsim result (its run.json is not one cxsim wrote; a result directory cxsim run "
     "wrote)"),
])
def test_report_of_something_that_is_no_result_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, message: str
) -> None:
    (tmp_path / "notes.txt").write_text("notes")
    kept = {"notes.txt", *(["run.json"] if "its run.json" in message else [])}
    assert main(["report", str(make(tmp_path))]) == 2
    error = capsys.readouterr().err
    assert error.startswith("cxsim: ") and message in error and error.count("\n") == 1
    assert {p.name for p in tmp_path.iterdir()} == kept


def test_report_of_a_damaged_result_says_so_in_one_line(
    result: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "damaged"
    shutil.copytree(result, copy)
    (copy / "teams_by_day.parquet").unlink()
    before = (copy / REPORT_NAME).read_bytes()
    assert main(["report", str(copy)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"cxsim: {copy}: cannot read the result (") and error.count("\n") == 1
    assert (copy / REPORT_NAME).read_bytes() == before


def test_a_plan_directory_reports_the_plan_after_the_verdict_on_its_verification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    from cxsim.plan.common import Plan, apply_plan, verify

    scenario = cxsim.load_scenario(ONE_QUEUE, ["horizon_days=2", "warmup_days=1"])
    changes = {"teams.us_agents.agents": 33}
    planned = apply_plan(scenario, changes)
    staffing = pd.DataFrame({"team": ["us_agents"], "required": [32.5], "rostered": [33]})
    plan = Plan("staffing", scenario, changes, planned, {"staffing": staffing},
                verify(planned, reps=2, seed=0), findings=["chat has no team <in> the region"])
    out = plan.save(tmp_path / "plan")
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out == f"report: {out / REPORT_NAME}\n"
    tree = _parse((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert tree.findtext(".//title") == "one queue: staffing plan"
    sections = [section.get("id") for section in tree.iter("section")]
    assert sections[:2] == ["verdict", "plan"]
    plan_text = "".join(next(s for s in tree.iter("section") if s.get("id") == "plan").itertext())
    assert "teams.us_agents.agents" in plan_text and "33" in plan_text
    assert "chat has no team <in> the region" in plan_text
    assert "staffing.csv: 1 row(s)" in plan_text and "32.5" in plan_text
    # The verification's seed is the plan's: the appendix reproduces it.
    assert "cxsim run DIR/scenario.yaml --reps 2 --seed 1" in "".join(tree.itertext())
    assert REPORT_NAME in _files(out)


def test_a_sweep_reports_its_alternatives_side_by_side_and_the_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("params:\n  - {path: teams.us_agents.agents, values: [22, 34], "
                    "name: agents}\n")
    out = tmp_path / "sweep"
    assert main(["sweep", str(ONE_QUEUE), "--grid", str(grid), *SHORT, "--out", str(out),
                 "--set", "teams.us_agents.cost_per_hour=30", "--quiet"]) == 0
    assert capsys.readouterr().out == f"results: {out}\n"
    assert REPORT_NAME in _files(out)
    tree = _parse((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert tree.findtext(".//title") == "one queue: sweep"
    assert [s.get("id") for s in tree.iter("section")] == ["alternatives", "front", "appendix"]
    table = next(s for s in tree.iter("section") if s.get("id") == "alternatives").find(
        ".//table")
    header = ["".join(cell.itertext()).strip() for cell in table.iter("th")]
    assert header[:3] == ["Point", "agents", "Service level"] and header[-1] == "Verdict us"
    rows = [["".join(cell.itertext()).strip() for cell in row.iter("td")]
            for row in table.iter("tr") if row.find("td") is not None]
    assert [row[1] for row in rows] == ["22", "34"]
    # 300 calls an hour of 5 minutes (25 Erlangs), customers waiting 3 minutes on average: by
    # Erlang A, 22 agents answer 46% within 20 s, more than 20 points under the 80% target
    # (no-go), and 34 agents 98% (go).
    assert [row[-1] for row in rows] == ["no-go", "go"]
    assert next(s for s in tree.iter("section") if s.get("id") == "front").find(".//img") \
        is not None
    assert "cxsim sweep" in "".join(tree.itertext())
    # cxsim report rebuilds it from the sweep's tables alone.
    before = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert main(["report", str(out)]) == 0
    assert (out / REPORT_NAME).read_text(encoding="utf-8") == before

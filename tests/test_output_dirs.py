"""``--out`` never loses a planner's data: cxsim writes only into a new or empty directory or an
earlier cxsim result holding nothing else, refuses anything else before the simulation starts
(exit 2, nothing written, nothing removed), and replaces an earlier result in one step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cxsim.cli import main
from cxsim.results.output import OutputError, ResultDir, check_output_dir
from tests.support import EXAMPLES

ONE_QUEUE = EXAMPLES / "one_queue.yaml"
SHORT = ["--set", "horizon_days=1", "--set", "warmup_days=0.25", "--reps", "2", "--quiet"]


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its contents."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _run(out: str | Path, *extra: str) -> int:
    return main(["run", str(ONE_QUEUE), *SHORT, *extra, "--out", str(out)])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A planner's project folder, the working directory, with files of their own."""
    folder = tmp_path / "project"
    (folder / "scenarios").mkdir(parents=True)
    (folder / "scenarios" / "mine.yaml").write_text(ONE_QUEUE.read_text())
    (folder / "notes.txt").write_text("my notes")
    (folder / "report.docx").write_text("a report")
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize(("out", "message"), [
    (".", "'.' holds the working directory"),
    ("..", "'..' holds the working directory"),
    ("", "the directory name is empty"),
    ("scenarios", "'scenarios' holds files that are not a cxsim result (mine.yaml;"),
    ("report.docx", "'report.docx' is a file, not a directory"),
    ("scenarios/mine.yaml", "'scenarios/mine.yaml' is a file, not a directory"),
    ("report.docx/inside", "is a file, so 'report.docx/inside' cannot be made"),
    ("a" * 250, "is too long to stage a result beside it (a name of at most 235 bytes)"),
    ("b" * 256, "is a name longer than 255 bytes (a shorter name)"),
    ("/proc/cxsim_result", "cannot write '/proc/cxsim_result'"),
])
def test_a_place_cxsim_must_not_or_cannot_write_is_refused_before_running(
    project: Path, capsys: pytest.CaptureFixture[str], out: str, message: str
) -> None:
    before = _tree(project.parent)
    assert _run(out) == 2
    error = capsys.readouterr().err
    assert error.startswith("cxsim: --out: ") and message in error
    assert "running" not in error  # refused before the simulation started
    assert _tree(project.parent) == before
    assert sorted(p.name for p in project.iterdir()) == ["notes.txt", "report.docx",
                                                          "scenarios"]


def test_a_link_is_refused_as_a_link(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "empty").mkdir()
    (project / "linked").symlink_to(project / "empty")  # followed, it would lead elsewhere
    assert _run("linked") == 2
    assert "'linked' is a link, not a directory" in capsys.readouterr().err
    assert list((project / "empty").iterdir()) == []


def test_a_folder_holding_the_scenario_is_refused_even_when_it_is_an_earlier_result(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("earlier") == 0
    scenario = project / "earlier" / "scenario.yaml"
    before = _tree(project)
    assert main(["run", str(scenario), *SHORT, "--out", "earlier"]) == 2
    assert "holds scenario.yaml (a directory that holds no input)" in capsys.readouterr().err
    assert _tree(project) == before


def test_a_name_that_is_not_utf8_is_refused(project: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    assert _run(os.fsdecode(b"\xff\xfe")) == 2
    assert "'\\xff\\xfe' is not a valid UTF-8 name" in capsys.readouterr().err


def test_an_earlier_result_with_files_of_the_planner_is_left_alone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("results/first") == 0
    (project / "results" / "first" / "my_chart.png").write_bytes(b"chart")
    before = _tree(project)
    assert _run("results/first") == 2
    assert ("an earlier result that also holds files cxsim did not write (my_chart.png;"
            in capsys.readouterr().err)
    assert _tree(project) == before


@pytest.mark.parametrize("marker", [
    '{"seed": 1, "reps": 3}',  # another tool's run record, with names cxsim also uses
    '{"cxsim": "0.1", "seed": 1, "reps": 3}',  # cxsim's mark, but no list of its files
    "not json",
])
def test_a_run_json_cxsim_did_not_write_marks_nothing_as_cxsim_s(
    project: Path, capsys: pytest.CaptureFixture[str], marker: str
) -> None:
    other = project / "other_tool"
    other.mkdir()
    (other / "run.json").write_text(marker)
    (other / "summary.csv").write_text("my,data\n")
    before = _tree(project)
    assert _run("other_tool") == 2
    assert "'other_tool' holds files that are not a cxsim result" in capsys.readouterr().err
    assert _tree(project) == before


def test_a_run_never_replaces_a_sweep_holding_a_file_of_the_planner_among_its_points(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grid = project / "grid.yaml"
    grid.write_text("params:\n  - {path: teams.us_agents.agents, values: [30, 31]}\n")
    assert main(["sweep", str(ONE_QUEUE), "--grid", str(grid), "--reps", "2", "--quiet",
                 "--set", "horizon_days=1", "--set", "warmup_days=0.25", "--out", "swept"]) == 0
    (project / "swept" / "points" / "p001" / "my_chart.png").write_bytes(b"chart")
    before = _tree(project)
    assert _run("swept") == 2
    assert ("'swept' is an earlier result that also holds files cxsim did not write "
            "(points/p001/my_chart.png;" in capsys.readouterr().err)
    assert _tree(project) == before
    (project / "swept" / "points" / "p001" / "my_chart.png").unlink()
    assert _run("swept") == 0  # a sweep of cxsim's own files alone is an earlier result


def test_an_earlier_result_is_replaced_whole_and_nothing_is_left_beside_it(
    project: Path,
) -> None:
    assert _run("results/r") == 0
    first = _tree(project / "results" / "r")
    assert _run("results/r", "--set", "teams.us_agents.agents=31") == 0
    second = _tree(project / "results" / "r")
    assert sorted(first) == sorted(second)
    assert first["summary.csv"] != second["summary.csv"]
    assert sorted(p.name for p in (project / "results").iterdir()) == ["r"]


def test_a_run_into_an_empty_directory_and_into_new_parents_works(project: Path) -> None:
    (project / "empty").mkdir()
    assert _run("empty") == 0
    assert (project / "empty" / "summary.csv").exists()
    assert _run("deep/new/place") == 0
    assert (project / "deep" / "new" / "place" / "run.json").exists()


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_result_folder_gets_the_mode_the_umask_gives_any_new_folder(
    project: Path, umask: int
) -> None:
    previous = os.umask(umask)
    try:
        (project / "plain").mkdir()
        assert _run("result") == 0
    finally:
        os.umask(previous)
    mode = (project / "result").stat().st_mode & 0o777
    assert mode == (project / "plain").stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_failed_save_removes_what_it_made_and_nothing_else(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = ResultDir("new/parents/result")
    out.stage()
    assert (project / "new" / "parents").is_dir()
    out.discard()
    assert not (project / "new").exists()
    assert sorted(p.name for p in project.iterdir()) == ["notes.txt", "report.docx",
                                                          "scenarios"]


def test_a_place_that_changed_during_the_run_keeps_the_new_result_aside(project: Path) -> None:
    out = ResultDir("result")
    staging = out.stage()
    (staging / "summary.csv").write_text("new")
    (project / "result").mkdir()
    (project / "result" / "theirs.txt").write_text("written meanwhile")
    with pytest.raises(OutputError, match="the new result is kept in"):
        out.commit()
    assert (staging / "summary.csv").read_text() == "new"
    assert (project / "result" / "theirs.txt").read_text() == "written meanwhile"


def test_check_output_dir_gives_the_absolute_path(project: Path) -> None:
    assert check_output_dir("results/x") == project / "results" / "x"

"""Progress: a bar with the time left on a terminal, a line per finished item elsewhere, nothing
when quiet; the command line shows it on standard error only."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from cxsim.cli import main
from cxsim.progress import Progress, progress_for
from tests.support import EXAMPLES


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_per_item_with_the_time_left() -> None:
    log = io.StringIO()
    progress = Progress("replication", 3, stream=log)
    for done in (1, 2, 3):
        progress(done, 3)
    lines = log.getvalue().splitlines()
    assert progress.mode == "lines"
    assert [line.split(" (")[0] for line in lines] == [
        "  replication 1/3", "  replication 2/3", "  replication 3/3"]
    assert all(re.search(r"\(\d+:\d\d elapsed, about \d+:\d\d left\)$", line)
               for line in lines[:2])
    assert lines[2].endswith("elapsed)")  # nothing left to wait for


def test_a_terminal_gets_a_bar_with_items_done_and_time_left() -> None:
    screen = Terminal()
    with Progress("replication", 4, stream=screen) as progress:
        assert progress.mode == "bar"
        for done in range(1, 5):
            progress(done, 4)
    shown = screen.getvalue()
    assert "4/4" in shown and "replications" in shown
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", shown)  # elapsed<left, as tqdm shows them


def test_quiet_shows_nothing_anywhere() -> None:
    for stream in (io.StringIO(), Terminal()):
        with Progress("point", 2, quiet=True, stream=stream) as progress:
            progress(1, 2)
            progress.note("point p000 written")
            progress(2, 2)
        assert stream.getvalue() == ""


def test_notes_are_lines_in_a_log_and_items_are_not_when_asked() -> None:
    log = io.StringIO()
    progress = Progress("replication", 4, stream=log, lines=False)
    progress(1, 4)
    progress(2, 4)
    progress.note("point p000 written (1/2)")
    assert len(log.getvalue().splitlines()) == 1
    assert log.getvalue().startswith("  point p000 written (1/2) (")


def test_a_resumed_count_starts_where_it_was() -> None:
    log = io.StringIO()
    progress = Progress("replication", 10, stream=log, initial=6)
    assert progress.left_s() is None  # nothing timed yet
    progress(7, 10)
    left = progress.left_s()
    assert left is not None and left >= 0
    assert log.getvalue().startswith("  replication 7/10 (")


def test_the_python_api_takes_true_a_callable_or_nothing() -> None:
    assert progress_for(None, "replication", 3) is None
    assert progress_for(False, "replication", 3) is None
    calls: list[tuple[int, int]] = []

    def record(done: int, total: int) -> None:
        calls.append((done, total))

    assert progress_for(record, "replication", 3) is record
    bar = progress_for(True, "replication", 3)
    assert isinstance(bar, Progress) and bar.total == 3
    bar.close()


def test_run_reports_progress_on_standard_error_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    status = main(["run", str(EXAMPLES / "one_queue.yaml"), "--set", "horizon_days=1",
                   "--set", "warmup_days=0.25", "--reps", "2", "--out", str(tmp_path / "r")])
    assert status == 0
    out, err = capsys.readouterr()
    assert "/2" not in out
    assert [line.split(" (")[0] for line in err.splitlines() if "/2" in line] == [
        "  replication 1/2", "  replication 2/2"]
    quiet = main(["run", str(EXAMPLES / "one_queue.yaml"), "--set", "horizon_days=1",
                  "--set", "warmup_days=0.25", "--reps", "2", "--out", str(tmp_path / "r"),
                  "--quiet"])
    assert quiet == 0
    assert capsys.readouterr().err == ""

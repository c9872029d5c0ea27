"""Comparisons: every KPI's difference with a 95% interval, paired by replication when the seeds
match (common random numbers), Welch's otherwise; comparison.csv never overwrites a file cxsim
did not write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxsim
from cxsim.cli import main
from cxsim.results.compare import COMPARISON_COLUMNS, Compared, biggest_changes, compare
from tests.support import CHECK_LEVEL, EXAMPLES

ONE_QUEUE = EXAMPLES / "one_queue.yaml"
SHORT = ["horizon_days=1", "warmup_days=0.25"]


def _side(label: str, seed: int, values: dict[str, list[float]]) -> Compared:
    """Per-replication values of some KPIs, as a run's table holds them."""
    rows = [{"rep": rep, "scope": "contacts", "region": "us", "channel": "phone", "kpi": kpi,
             "value": value} for kpi, series in values.items()
            for rep, value in enumerate(series)]
    return Compared(label, pd.DataFrame(rows), seed)


def test_the_paired_interval_is_the_t_interval_of_the_differences() -> None:
    a = [0.81, 0.84, 0.79, 0.88, 0.83]
    b = [0.86, 0.87, 0.85, 0.91, 0.85]
    row = compare(_side("a", 1, {"service_level": a}), _side("b", 1, {"service_level": b}))
    row = row.iloc[0]
    expected = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert row["method"] == "paired"
    assert row["difference"] == pytest.approx(np.mean(np.subtract(b, a)))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert row["significant"]
    assert row["relative"] == pytest.approx(row["difference"] / np.mean(a))


def test_the_unpaired_interval_is_welchs() -> None:
    a = [10.0, 12.0, 9.0, 14.0, 11.0, 13.0]
    b = [12.0, 19.0, 8.0, 16.0]
    row = compare(_side("a", 1, {"asa_s": a}), _side("b", 2, {"asa_s": b})).iloc[0]
    expected = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert row["method"] == "unpaired"
    assert (row["reps_a"], row["reps_b"]) == (6, 4)
    assert row["difference"] == pytest.approx(np.mean(b) - np.mean(a))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert not row["significant"]


def test_welch_intervals_cover_a_zero_difference_as_often_as_they_claim() -> None:
    # 4,000 comparisons of two samples of one normal law (unequal sizes): a 95% interval must
    # hold the true difference, zero, in 95% of them, within binomial sampling error.
    rng = np.random.default_rng(11)
    trials = 4000
    a = {f"k{i}": list(rng.normal(5, 2, 6)) for i in range(trials)}
    b = {f"k{i}": list(rng.normal(5, 2, 9)) for i in range(trials)}
    table = compare(_side("a", 1, a), _side("b", 2, b))
    covered = int(((table["ci_low"] <= 0) & (table["ci_high"] >= 0)).sum())
    low, high = stats.binom.interval(CHECK_LEVEL, trials, 0.95)
    assert low <= covered <= high, covered
    assert int(table["significant"].sum()) == trials - covered


def test_pairing_needs_the_same_seed_and_replications() -> None:
    with pytest.raises(ValueError, match=r"cannot pair 'a' \(seed 1, 3 replications\) with 'b' "
                                         r"\(seed 2, 3\)"):
        compare(_side("a", 1, {"x": [1, 2, 3]}), _side("b", 2, {"x": [1, 2, 3]}), paired=True)


@pytest.fixture(scope="module")
def what_if() -> tuple[cxsim.Results, cxsim.Results]:
    """One more agent on the one queue, both run with the same seed."""
    base = cxsim.load_scenario(ONE_QUEUE, SHORT)
    more = cxsim.load_scenario(ONE_QUEUE, [*SHORT, "teams.us_agents.agents=31"])
    return cxsim.run(base, reps=8, seed=3), cxsim.run(more, reps=8, seed=3)


def test_paired_differences_are_tighter_than_unpaired_under_common_random_numbers(
    what_if: tuple[cxsim.Results, cxsim.Results],
) -> None:
    # The same callers meet 30 and 31 agents: their waits move together across replications,
    # so the differences vary far less than either run does.
    base, more = what_if
    paired = compare(base, more).set_index(["region", "channel", "kpi"])
    unpaired = compare(base, more, paired=False).set_index(["region", "channel", "kpi"])
    assert (paired["method"] == "paired").all() and (unpaired["method"] == "unpaired").all()
    for kpi in ("service_level", "asa_s", "wait_prob", "abandon_rate", "occupancy"):
        key = ("us", "phone", kpi) if kpi != "occupancy" else ("us", "*", kpi)
        p, u = paired.loc[key], unpaired.loc[key]
        assert p["difference"] == pytest.approx(u["difference"])  # the same estimate
        assert p["ci_high"] - p["ci_low"] < 0.5 * (u["ci_high"] - u["ci_low"]), kpi
    # More agents: better service, seen with eight replications only when paired.
    assert paired.loc[("us", "phone", "service_level"), "ci_low"] > 0


def test_two_identical_runs_differ_by_exactly_zero(
    what_if: tuple[cxsim.Results, cxsim.Results],
) -> None:
    base, _ = what_if
    again = cxsim.run(base.scenario, reps=8, seed=3)
    table = compare(base, again)
    assert (table["difference"].fillna(0) == 0).all()
    measured = table.dropna(subset=["ci_low"])
    assert ((measured["ci_low"] <= 0) & (measured["ci_high"] >= 0)).all()
    assert not table["significant"].any()
    assert biggest_changes(table).empty


def test_identical_scenarios_with_other_seeds_differ_only_by_chance(
    what_if: tuple[cxsim.Results, cxsim.Results],
) -> None:
    base, _ = what_if
    other = cxsim.run(base.scenario, reps=8, seed=4)
    table = compare(base, other).set_index(["region", "channel", "kpi"])
    assert (table["method"] == "unpaired").all()
    for kpi in ("offered", "service_level", "asa_s"):
        row = table.loc[("us", "phone", kpi)]
        assert row["ci_low"] <= 0 <= row["ci_high"], kpi


def test_the_clearest_changes_come_first_each_shown_once(
    what_if: tuple[cxsim.Results, cxsim.Results],
) -> None:
    base, more = what_if
    top = biggest_changes(compare(base, more), top=50)
    assert top["significant"].all()
    half = (top["ci_high"] - top["ci_low"]) / 2
    score = (top["difference"].abs() / half).where(half > 0, np.inf).to_numpy()
    assert all(score[i] >= score[i + 1] for i in range(len(score) - 1))
    # One queue in one region: us/phone, us/* and */* are the same figures, shown once.
    assert not top.duplicated(["scope", "kpi", "difference"]).any()
    assert ("staffing", "agents_peak") in set(zip(top["scope"], top["kpi"], strict=True))


# -- the command ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result_dirs(
    tmp_path_factory: pytest.TempPathFactory, what_if: tuple[cxsim.Results, cxsim.Results],
) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("results")
    base, more = what_if
    return base.save(folder / "base"), more.save(folder / "more")


def test_compare_prints_what_changed_and_writes_comparison_csv_here(
    result_dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    base, more = result_dirs
    assert main(["compare", str(base), str(more), "--top", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{more} vs {base}: paired by replication (same seed and "
                             "replications); ")
    assert len([line for line in out if line.startswith("  ")]) == 3
    assert out[-1] == "comparison: comparison.csv"
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert list(table.columns) == COMPARISON_COLUMNS
    pd.testing.assert_frame_equal(
        table.drop(columns=["a", "b"]),
        compare(base, more).drop(columns=["a", "b"]).reset_index(drop=True),
        check_dtype=False)
    # A second comparison replaces the first one cxsim wrote.
    assert main(["compare", str(more), str(base), "--quiet"]) == 0
    assert pd.read_csv(tmp_path / "comparison.csv")["a"].iloc[0] == str(more)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparison.csv"]


def test_compare_never_overwrites_a_file_cxsim_did_not_write(
    result_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    base, more = result_dirs
    mine = tmp_path / "comparison.csv"
    mine.write_text("my own notes\n")
    assert main(["compare", str(base), str(more), "--out", str(mine)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cxsim: --out: '{mine}' is a file cxsim did not write (a new file name, or an "
        "earlier comparison)"]
    assert mine.read_text() == "my own notes\n"
    assert main(["compare", str(base), str(more), "--out", str(base / "c.csv")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cxsim: --out: '{base / 'c.csv'}' is inside the cxsim result '{base}' (a file "
        "outside result directories)"]
    assert not (base / "c.csv").exists()


def test_compare_reads_sweep_points_and_refuses_what_is_not_a_result(
    result_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    queue = cxsim.load_scenario(ONE_QUEUE, SHORT)
    swept = tmp_path / "sweep"
    cxsim.sweep(queue, {"params": [{"path": "teams.us_agents.agents", "values": [30, 31, 32]}]},
                reps=2, out=swept)
    out = tmp_path / "c.csv"
    assert main(["compare", str(swept), "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out)
    assert sorted(set(table["b"])) == [str(swept / "points" / "p001"),
                                       str(swept / "points" / "p002")]
    assert set(table["a"]) == {str(swept / "points" / "p000")}
    assert main(["compare", str(tmp_path / "nowhere"), str(result_dirs[0]),
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cxsim: '{tmp_path / 'nowhere'}' is not a cxsim result (a directory written by cxsim "
        "run, plan or sweep)"]
    assert main(["compare", str(result_dirs[0]), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "cxsim: compare: needs two results or more (a baseline, then the alternatives)"]
    # A damaged point: named, in one line, like any damaged result.
    (swept / "points" / "p001" / "runs.parquet").write_text("not a table")
    assert main(["compare", str(swept), "--out", str(out)]) == 2
    error = capsys.readouterr().err.splitlines()
    assert len(error) == 1 and str(swept / "points" / "p001") in error[0]


def test_one_replication_on_a_side_gives_no_interval_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    queue = cxsim.load_scenario(ONE_QUEUE, SHORT)
    one = cxsim.run(queue, reps=1, seed=1).save(tmp_path / "one")
    other = cxsim.run(queue, reps=1, seed=2).save(tmp_path / "other")
    assert main(["compare", str(one), str(other), "--out", str(tmp_path / "c.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("no KPI has an interval to judge a difference by (a side has one "
                           "replication: --reps 2 or more)")
    assert not pd.read_csv(tmp_path / "c.csv")["significant"].any()


def test_compare_to_a_name_too_long_or_a_place_it_cannot_write_says_so(
    result_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    base, more = result_dirs
    long = tmp_path / ("x" * 250 + ".csv")  # fits, but its temporary name would not
    assert main(["compare", str(base), str(more), "--out", str(long)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cxsim: --out: '{long}' is a name too long to write (a file name of at most 241 bytes)"]
    assert main(["compare", str(base), str(more), "--out", "/proc/comparison.csv"]) == 2
    error = capsys.readouterr().err.splitlines()
    assert error[0].startswith("cxsim: --out: cannot write") and len(error) == 1
    assert list(tmp_path.iterdir()) == []

"""The report of every example scenario, opened in headless Chromium as its readers will see it.

One browser (Debian's ``chromium``, driven by Playwright with no browser download) opens each
report at a laptop width (1366 px) and a phone width (390 px) and checks that nothing is
logged as an error, that no request leaves the page, that the verdict table holds a row per
region, that each section the scenario calls for is there, that every figure has loaded and
shows something (its screenshot is not blank), and that the page never scrolls sideways.

Without Chromium the test FAILS rather than skips: the report is only checked when a browser
opens it. ``.ci/run`` installs Chromium; locally, ``apt-get install chromium``, or point
``CXSIM_CHROMIUM`` at a Chromium binary.

``CXSIM_README_SCREENSHOT=results/expansion_eu`` (a result directory) makes the screenshot
test also write the first page of that result's report to ``docs/report_first_page.png``, the
image the README shows.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

import cxsim
from cxsim.report import build_report, write_report
from tests.conftest import ExampleReport
from tests.support import ROOT

CHROMIUM = os.environ.get("CXSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright adds --headless; the rest keep a headless browser on this machine quiet and
# offline: no sandbox (root), no GPU, no QUIC, no first-run or background traffic.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"laptop": 1366, "phone": 390}
README_IMAGE = ROOT / "docs" / "report_first_page.png"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium, with a fresh profile, for every page of this module."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: the report must be checked in a "
                    "browser (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=FLAGS, viewport={"width": WIDTHS["laptop"], "height": 900},
            device_scale_factor=1,
        )
        try:
            yield context
        finally:
            context.close()


class Page:
    """A report open in the browser, with what it logged and requested."""

    def __init__(self, browser: Any, path: Path, width: int, height: int = 900) -> None:
        self.url = path.resolve().as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page()
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.on("console", lambda message: self.errors.append(message.text)
                     if message.type in ("error", "assert") else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(self.url, wait_until="load")

    def close(self) -> None:
        self.page.close()


def _blank(png: bytes) -> bool:
    """Whether a screenshot shows (next to) nothing: one flat colour."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return ImageStat.Stat(image).stddev[0] < 8


def _expected_sections(results: cxsim.Results) -> set[str]:
    """The sections a scenario calls for, from what it models."""
    scenario = results.scenario
    sections = {"verdict", "appendix"}
    if scenario.contact_volume or scenario.order_contacts:
        sections |= {"contacts", "service", "agents"}
    if any(region.demand for region in scenario.regions.values()):
        sections |= {"stock", "delivery"}
    return sections


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_example_report_renders_offline_at_laptop_and_phone_width(
    browser: Any, example_reports: list[ExampleReport], width: int
) -> None:
    for report in example_reports:
        page = Page(browser, report.path, width)
        try:
            where = f"{report.name} at {width} px"
            assert page.errors == [], where
            assert page.requests == [page.url], f"{where}: requests left the page"
            assert page.page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"), (
                f"{where}: the page scrolls sideways")
            sections = set(page.page.eval_on_selector_all("main > section",
                                                          "all => all.map(s => s.id)"))
            assert _expected_sections(report.results) <= sections, where
            verdicts = page.page.locator("#verdicts")
            assert verdicts.is_visible(), where
            rows = page.page.locator("#verdicts tbody tr")
            assert rows.count() == len(report.results.scenario.regions), where
            assert not _blank(verdicts.screenshot()), where
            figures = page.page.locator("figure img")
            assert figures.count() >= 1, where
            for index in range(figures.count()):
                figure = figures.nth(index)
                figure.scroll_into_view_if_needed()
                assert figure.evaluate("img => img.complete && img.naturalWidth > 0"), where
                box = figure.bounding_box()
                assert box is not None and box["width"] >= min(300, width - 40), where
                assert box["height"] >= 40, where
                assert not _blank(figure.screenshot()), f"{where}: figure {index} is blank"
            assert page.errors == [], where
        finally:
            page.close()


def test_the_first_page_shows_the_verdict_and_makes_the_readme_screenshot(
    browser: Any, example_reports: list[ExampleReport], tmp_path: Path
) -> None:
    source = os.environ.get("CXSIM_README_SCREENSHOT")
    if source:
        path = write_report(build_report(cxsim.Results.load(source)), tmp_path / "report.html")
    else:
        path = next(r.path for r in example_reports if r.name == "expansion_eu")
    page = Page(browser, path, 1000, 740)
    try:
        top = page.page.locator("#verdicts").bounding_box()
        assert top is not None and top["y"] < 400, "the verdict table opens the report"
        shot = page.page.screenshot()
    finally:
        page.close()
    assert not _blank(shot)
    # 64 colours keep text sharp and the file a few tens of kB.
    image = Image.open(io.BytesIO(shot)).convert("RGB").quantize(64)
    target = README_IMAGE if source else tmp_path / README_IMAGE.name
    image.save(target, optimize=True)
    assert target.stat().st_size < 120_000


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_a_sweep_report_renders_offline_at_laptop_and_phone_width(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, width: int
) -> None:
    from cxsim.cli import main

    folder = tmp_path_factory.mktemp("sweep")
    grid = folder / "grid.yaml"
    grid.write_text("params:\n  - {path: teams.us_agents.agents, values: [22, 28, 34]}\n"
                    "  - {path: channels.phone.target.service_level, values: [0.8, 0.9]}\n")
    out = folder / "sweep"
    assert main(["sweep", str(ROOT / "scenarios" / "one_queue.yaml"), "--grid", str(grid),
                 "--set", "horizon_days=2", "--set", "warmup_days=1", "--set",
                 "teams.us_agents.cost_per_hour=30", "--reps", "2", "--out", str(out),
                 "--quiet"]) == 0
    page = Page(browser, out / "report.html", width)
    try:
        assert page.errors == []
        assert page.requests == [page.url]
        assert page.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        rows = page.page.locator("#alternatives tbody tr")
        assert rows.count() == 6
        figure = page.page.locator("#front figure img")
        figure.scroll_into_view_if_needed()
        assert figure.evaluate("img => img.complete && img.naturalWidth > 0")
        assert not _blank(figure.screenshot())
    finally:
        page.close()

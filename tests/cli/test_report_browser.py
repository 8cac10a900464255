"""report.html in a real browser: Debian's chromium driven by playwright (no downloads).

Skipped, with the reason, where chromium or playwright is missing (`make system-deps`
installs chromium; playwright comes with the dev extra).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emer_cli.report import write_outputs
from emer_common.contracts import ClipResult, JobState, JobStatus
from tests.cli.synthetic import WORDS, make_result, make_results

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CLIPS = 1000
INTERACTIVE_BUDGET_MS = 2000.0

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="chromium is not installed: `make system-deps` (or apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install 'emer[dev]'"
)


def rows_of(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "#clips tbody tr:not(.detail)", "rows => rows.map(r => r.dataset.id)"
    )
    return ids


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ClipResult]]:
    out = tmp_path_factory.mktemp("report")
    media = out.parent / "media" / "talk.mp4"
    media.parent.mkdir(exist_ok=True)
    media.write_bytes(b"not really a video")
    results = make_results(CLIPS)
    results[1] = make_result(1, source=str(media))
    status = JobStatus(job_id="job-1", state=JobState.DONE, total_clips=CLIPS, done_clips=CLIPS)
    write_outputs(out, status, results, [], {"ingest_s": 1.2, "total_s": 321.0})
    return out / "report.html", results


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, report: tuple[Path, list[ClipResult]]) -> Iterator[Any]:
    """The report, loaded and interactive; fails the test on any console error or any
    request that is not the report file itself."""
    path = report[0]
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.on(
        "request",
        lambda r: problems.append(f"request {r.url}") if r.url != path.as_uri() else None,
    )
    opened.goto(path.as_uri())
    opened.wait_for_selector("body[data-ready=true]", timeout=10_000)
    yield opened
    assert problems == []
    context.close()


def test_a_1000_clip_report_loads_offline_and_is_interactive_within_2s(page: Any) -> None:
    interactive_ms = page.evaluate("performance.getEntriesByName('emer-interactive')[0].startTime")
    assert interactive_ms < INTERACTIVE_BUDGET_MS
    assert len(rows_of(page)) == CLIPS
    assert page.inner_text("#count") == f"{CLIPS} of {CLIPS} clips"
    assert page.locator("svg.chart").count() == 4
    assert page.locator("#scores").is_visible()


def test_filters_narrow_the_table(page: Any, report: tuple[Path, list[ClipResult]]) -> None:
    results = report[1]
    page.select_option("#f-label", "happy")
    expected = [r.clip_id for r in results if "happy" in r.labels]
    assert rows_of(page) == expected
    page.select_option("#f-error", "no_face")
    assert rows_of(page) == [
        r.clip_id
        for r in results
        if "happy" in r.labels and r.errors and r.errors[0].code == "no_face"
    ]
    page.select_option("#f-label", "")
    page.select_option("#f-error", "-")
    assert len(rows_of(page)) == sum(1 for r in results if not r.errors)
    page.select_option("#f-error", "")
    page.select_option("#f-status", "audio:not_run")
    assert rows_of(page) == [r.clip_id for r in results if not r.clues]
    page.select_option("#f-status", "")
    page.fill("#f-source", "v0003")
    assert rows_of(page) == [f"clip_{i:05d}" for i in range(15, 20)]
    page.fill("#f-source", "")
    page.fill("#f-q", "clip_00042 quoted")
    assert rows_of(page) == ["clip_00042"]
    page.fill("#f-q", "no such words anywhere")
    assert rows_of(page) == [] and page.inner_text("#count") == f"0 of {CLIPS} clips"


def test_headers_sort_both_ways(page: Any, report: tuple[Path, list[ClipResult]]) -> None:
    page.click("th[data-key=nerr] button")
    ids = rows_of(page)
    errors = {r.clip_id: len(r.errors) for r in report[1]}
    assert [errors[i] for i in ids] == sorted(errors.values())
    assert page.get_attribute("th[data-key=nerr]", "aria-sort") == "ascending"
    page.click("th[data-key=nerr] button")
    assert [errors[i] for i in rows_of(page)] == sorted(errors.values(), reverse=True)
    page.click("th[data-key=id] button")
    assert rows_of(page) == sorted(errors)
    page.click("th[data-key=id] button")
    assert rows_of(page) == sorted(errors, reverse=True)


def test_clip_details_show_labels_clues_timeline_and_a_play_link(page: Any) -> None:
    page.click("tr[data-id=clip_00001] td.id button")
    detail = page.locator("tr.detail")
    lanes = detail.locator(".tl .ln").all_inner_texts()
    assert "audio · words" in lanes and "visual · expression_segment" in lanes
    timed_per_modality = 3  # synthetic: segment, facial action, loudness
    assert detail.locator(".tl .track i").count() == 3 * timed_per_modality + len(WORDS)
    link = detail.locator("a").first
    assert link.get_attribute("href") == "../media/talk.mp4#t=8,16"
    text = detail.inner_text()
    assert "<b>quoted</b> & escaped" in text  # shown as text, not markup
    assert "Transcript: I really can't believe" in text
    for modality in ("visual", "audio", "text"):
        assert modality in text
    page.click("tr[data-id=clip_00001] td.id button")
    assert page.locator("tr.detail").count() == 0


def test_readable_at_400_px(browser: Any, report: tuple[Path, list[ClipResult]]) -> None:
    context = browser.new_context(viewport={"width": 400, "height": 800})
    narrow = context.new_page()
    narrow.goto(report[0].as_uri())
    narrow.wait_for_selector("body[data-ready=true]")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 400
    table = narrow.evaluate("document.getElementById('clips').getBoundingClientRect().width")
    assert table <= 400
    narrow.click("tr[data-id=clip_00001] td.id button")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 400
    context.close()

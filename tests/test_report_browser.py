"""The HTML report opened in real Chromium: its charts and tree are drawn (checked by the geometry and colours
of the drawn elements, not by counting tags), and at 390 px the page does not scroll sideways."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from egov_audit.reports import write_report
from egov_audit.reports.content import LEVEL_COLOURS

CHROMIUM = os.environ.get("EGOV_AUDIT_CHROMIUM", "/usr/bin/chromium")
LEVELS = [None, "I", "I", "II", "II", "II", "III", "IV", None, "I", "III", "II"]
STATUSES = ["pass", "partial", "fail", "unknown"]


def _rgb(colour: str) -> str:
    value = colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i:i + 2], 16) for i in (0, 2, 4)))


def _scores() -> dict[str, Any]:
    units = []
    for i, level in enumerate(LEVELS):
        indicators = [{"id": f"ind.{k}", "title_vi": f"Chỉ tiêu {k}", "title_en": f"Indicator {k}", "level": "I",
                       "required": k == 0, "points": 2, "earned": 0, "status": STATUSES[(i + k) % 4] if k else "pass",
                       "source": "observed", "unverified": False, "checks": [], "field": None, "met": k == 0}
                      for k in range(4)]
        units.append({"unit_code": f"{i + 1:05d}", "unit_name": f"Xã Thử Nghiệm Số {i + 1}", "level": "commune",
                      "province_code": "24", "parent_code": "24" if i < 6 else "25", "achieved_level": level,
                      "readiness_level": 1, "readiness_points": 30, "readiness_max": 30,
                      "points": {"I": 10 - i % 5, "II": 0, "III": 0, "IV": 0}, "total": 10 - i % 5,
                      "max_points": {"I": 40, "II": 25, "III": 20, "IV": 15}, "rank": i + 1, "ranked": True,
                      "not_ranked_reason": None, "crawl_status": "ok", "indicators": indicators, "crosschecks": []})
    return {"framework": {"id": "nd224-commune", "name": "Nghị định 224", "version": "1", "digest": "sha256:ab"},
            "year": 2026, "units": units}


async def _boxes(page: Any, selector: str) -> list[dict[str, Any]]:
    return await page.eval_on_selector_all(selector, """els => els.map(e => {
        const r = e.getBoundingClientRect();
        const label = (e.closest('g') && e.closest('g').querySelector('title')) ? e.closest('g').querySelector('title').textContent : '';
        return {x: r.x, y: r.y, w: r.width, h: r.height, fill: getComputedStyle(e).fill, label: label};
    })""")


@pytest.fixture
async def page(tmp_path: Path):
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}")  # CI=true: a missing part fails, never skips
    out = write_report("html", _scores(), None, tmp_path / "report.html")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = await browser.new_page(viewport={"width": 1280, "height": 900})
            await tab.goto(out.as_uri())
            yield tab
        finally:
            await browser.close()


async def test_level_bars_are_as_tall_as_their_counts_and_coloured_by_level(page: Any) -> None:
    bars = await _boxes(page, 'svg[data-chart="levels"] rect.reactive')
    counts = [LEVELS.count(level) for level in (None, "I", "II", "III", "IV")]
    assert len(bars) == 5
    tallest = max(b["h"] for b in bars)
    for bar, count in zip(bars, counts, strict=True):
        assert bar["h"] == pytest.approx(tallest * count / max(counts), abs=1.5)
    assert [b["fill"] for b in bars] == [_rgb(LEVEL_COLOURS[lv]) for lv in (None, "I", "II", "III", "IV")]
    bottoms = {round(b["y"] + b["h"]) for b in bars}
    assert len(bottoms) == 1  # all bars stand on the same axis


async def test_tree_draws_one_tile_per_unit_without_overlap_in_the_level_colour(page: Any) -> None:
    chart = (await _boxes(page, 'svg[data-chart="tree"]'))[0]
    tiles = await _boxes(page, 'svg[data-chart="tree"] rect.reactive')
    assert len(tiles) == len(LEVELS)
    for tile in tiles:
        assert tile["w"] > 5 and tile["h"] > 5
        assert chart["x"] - 1 <= tile["x"] and tile["x"] + tile["w"] <= chart["x"] + chart["w"] + 1
        assert chart["y"] - 1 <= tile["y"] and tile["y"] + tile["h"] <= chart["y"] + chart["h"] + 1
    for i, a in enumerate(tiles):
        for b in tiles[i + 1:]:
            overlap_w = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            overlap_h = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            assert overlap_w <= 0.5 or overlap_h <= 0.5
    by_name = {t["label"].split(" — ")[0]: t["fill"] for t in tiles}
    for i, level in enumerate(LEVELS):
        assert by_name[f"Xã Thử Nghiệm Số {i + 1}"] == _rgb(LEVEL_COLOURS[level])
    # Each parent's tiles form one block: the two parents' tiles do not interleave.
    first = [t for t in tiles if int(t["label"].split("Số ")[1].split(" ")[0]) <= 6]
    second = [t for t in tiles if t not in first]
    assert max(t["x"] + t["w"] for t in first) <= min(t["x"] for t in second) + 0.5 or \
        max(t["y"] + t["h"] for t in first) <= min(t["y"] for t in second) + 0.5


async def test_pass_rate_bars_are_as_long_as_the_shares_of_units(page: Any) -> None:
    bars = await _boxes(page, 'svg[data-chart="pass-rates"] g.bar rect')
    series = {name: [b for b in bars if b["fill"] == _rgb(colour)] for name, colour in
              (("pass", "#3f9b5a"), ("partial", "#e0b43c"), ("fail", "#c94a4a"), ("unknown", "#aab2bd"))}
    assert all(len(drawn) == 4 for drawn in series.values())  # one bar per indicator in each series, in order
    full = series["pass"][0]["w"]  # ind.0 passes everywhere: the whole width
    assert full > 100
    for k in range(4):
        statuses = [STATUSES[(i + k) % 4] if k else "pass" for i in range(len(LEVELS))]
        for status, drawn in series.items():
            assert drawn[k]["w"] == pytest.approx(full * statuses.count(status) / len(LEVELS), abs=1.5)
        lefts = sorted((drawn[k]["x"], drawn[k]["x"] + drawn[k]["w"]) for drawn in series.values() if drawn[k]["w"] > 0.5)
        for (_, end), (start, _) in zip(lefts, lefts[1:], strict=False):
            assert start == pytest.approx(end, abs=1.0)  # stacked end to end on one line


async def test_the_report_fits_a_390_px_phone_and_links_the_tree_to_the_details(page: Any) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    tree = await page.eval_on_selector('svg[data-chart="tree"]', "e => e.getBoundingClientRect().width")
    assert 300 <= tree <= 390
    href = await page.eval_on_selector('svg[data-chart="tree"] a', "a => a.getAttribute('xlink:href') || a.getAttribute('href')")
    assert href.startswith("#u0-") and await page.query_selector(href) is not None

"""The reports pages' charts (registry.api.console.charts): SVG from the payload, safe to inline
under the console's Content-Security-Policy, whatever the names in the data say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from registry.api.console import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script><text x="0">&amp; "$\\frac{1}{2}$" onload=alert(2)'


def targets(names: list[str]) -> dict[str, Any]:
    return {
        "report": "targets",
        "year": 2026,
        "day": "2026-05-01",
        "target_percent": 70.0,
        "area": {"prefix": "6531", "name": HOSTILE},
        "whole": {"share_percent": 66.67, "deduction_points": 0.0},
        "progress": [{"month": f"2026-{m:02d}", "share_percent": 50.0 + m} for m in range(1, 5)],
        "ranking": [
            {"rank": i + 1, "prefix": f"65310{i}", "name": n, "share_percent": 100.0 - 40 * i}
            for i, n in enumerate(names)
        ],
    }


def parsed(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def test_names_from_the_data_stay_text() -> None:
    chart = charts.division_shares(targets(["喀什市", HOSTILE, "疏勒县"]))
    assert chart is not None
    root = parsed(chart)
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert f"2. {HOSTILE}" in texts  # the whole name, one text node: nothing of it became markup
    assert HOSTILE in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    tags = {el.tag for el in root.iter()}
    assert f"{SVG}script" not in tags
    assert not [el for el in root.iter() for a in el.attrib if a.lower().startswith("on")]


def test_inline_svg_needs_nothing_the_policy_forbids() -> None:
    payload = {
        "month": "2026-03",
        "area": {"name": "新疆维吾尔自治区喀什地区"},
        "series": [{"month": f"2026-{m:02d}", "completed": m, "cumulative": 3 + m, "in_review": 1} for m in (1, 2, 3)],
    }
    drawn = [
        charts.monthly_series(payload),
        charts.target_progress(targets(["喀什市"])),
        charts.division_shares(targets(["喀什市", "疏附县"])),
    ]
    ids: list[str] = []
    for chart in drawn:
        assert chart is not None
        root = parsed(chart)
        assert root.get("role") == "img"
        assert [root[0].tag, root[1].tag] == [f"{SVG}title", f"{SVG}desc"]
        assert root[0].text == chart.title
        assert root.get("aria-labelledby") == f"{chart.id}-title {chart.id}-desc"
        for el in root.iter():
            assert el.tag.split("}")[1] not in ("style", "script", "metadata", "foreignObject")
            assert "style" not in el.attrib
            ref = el.get("href")
            assert ref is None or ref.startswith(f"#{chart.id}-")
            assert "{http://www.w3.org/1999/xlink}href" not in el.attrib
        ids += [el.get("id", "") for el in root.iter() if el.get("id")]
        # colours survive as attributes: the chart is not drawn all black
        assert {el.get("fill") for el in root.iter()} - {None, "none", "#000000"}
    assert len(ids) == len(set(ids))  # three charts on one page repeat no id


def test_the_same_figures_draw_the_same_bytes_and_no_ranking_no_chart() -> None:
    assert charts.target_progress(targets([])).svg == charts.target_progress(targets([])).svg
    assert charts.division_shares(targets([])) is None

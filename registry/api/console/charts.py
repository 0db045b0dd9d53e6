"""The charts of the reports pages: SVG drawn on the server by matplotlib's SVG backend, inlined in
the page (no script, no JavaScript build step).

Drawn from the signed payload only (the same figures the tables beside them show), then made safe
to inline under the console's Content-Security-Policy (``style-src 'self'``, no script):

- matplotlib writes ``style="fill: ...; stroke: ..."`` attributes and a ``<style>`` element, which
  that policy blocks inline; every declaration becomes the SVG presentation attribute of the same
  name (not subject to ``style-src``), and properties not on the allow-list are dropped;
- no ``<script>``, ``<metadata>`` or ``<style>`` stays; ``xlink:href`` becomes SVG 2's ``href``;
- the ids matplotlib writes (``patch_1``, clip paths) would repeat between two charts of one page,
  so they are prefixed with the chart's own id, and ids nothing refers to are dropped;
- text from the data (division names) is drawn as ``<text>`` with mathtext off (a ``$`` in a name
  stays a dollar sign), and the element tree is written by ``xml.etree``, which escapes every text
  and attribute: nothing of the data can close an element or open a new one;
- ``role="img"`` with ``<title>`` and ``<desc>`` (``aria-labelledby``), and the table of the same
  figures beside each chart is its text equivalent.

A chart takes 0.1 to 0.4 s of CPU (more on the first, which imports matplotlib): the page draws
its charts in a worker thread (``anyio.to_thread``), so the event loop keeps answering meanwhile.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: the page's own fonts (site.css): the browser draws the chart's text as it draws the page's
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
#: CSS properties matplotlib writes that are SVG presentation attributes of the same name
PRESENTATION = frozenset(
    {
        "clip-path",
        "fill",
        "fill-opacity",
        "fill-rule",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
    }
)
DROPPED = frozenset({"metadata", "style", "script", "title", "desc"})
BAND = "#0b3d6e"  # --band of site.css
ACCENT = "#b35900"
GREEN = "#1d5c2c"
TARGET = "#8a1c12"  # --alert-ink
GRID = "#c8ccd2"
INK = "#1a1a1a"
MONTHS = [f"{m}月" for m in range(1, 13)]
_REF = re.compile(r"url\(#([^)]+)\)")
#: matplotlib's settings are process-wide (``rc_context``): one chart is drawn at a time
_DRAWING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart to inline: its id (the figure's), its title and description, the SVG markup."""

    id: str
    title: str
    desc: str
    svg: Markup


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib as mpl  # noqa: PLC0415 (imported on first use: the service starts without it)

    with (
        _DRAWING,
        mpl.rc_context(
            {
                "svg.fonttype": "none",  # text as <text>, drawn in the page's fonts
                "svg.hashsalt": "registry",  # the same figures draw the same bytes
                "text.parse_math": False,  # a "$" in a division name is a dollar sign
                "font.family": ["Noto Sans CJK SC", "DejaVu Sans"],
                "font.size": 12,
                "axes.edgecolor": GRID,
                "axes.labelcolor": INK,
                "xtick.color": INK,
                "ytick.color": INK,
                "axes.spines.top": False,
                "axes.spines.right": False,
                "axes.grid": True,
                "grid.color": GRID,
                "grid.linewidth": 0.6,
                "axes.axisbelow": True,
                "legend.frameon": False,
            }
        ),
    ):
        yield


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # noqa: PLC0415

    return Figure(figsize=(width, height), dpi=72)


def _svg(figure: Any, chart_id: str, title: str, desc: str) -> Markup:
    out = io.StringIO()
    with warnings.catch_warnings():
        # without a CJK font installed, matplotlib measures CJK with a fallback (and says so for
        # each glyph); the browser draws the text in the page's fonts either way
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return inline(out.getvalue(), chart_id, title, desc)


def inline(svg: str, chart_id: str, title: str, desc: str) -> Markup:
    """matplotlib's SVG document as an element to inline in the page (see the module's docstring)."""
    # our own drawing: no entity, no external reference is resolved by ElementTree
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg, count=1, flags=re.S))  # noqa: S314
    referenced = set(_REF.findall(svg)) | set(re.findall(r'href="#([^"]+)"', svg))
    _clean(root, chart_id, referenced)
    for name in ("width", "height"):
        root.attrib.pop(name, None)  # the viewBox keeps the proportions; the page's CSS sets the width
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("stroke-linejoin", "round")  # matplotlib's one <style> rule: * {stroke-linejoin: round; ...}
    root.set("stroke-linecap", "butt")
    root.set("font-family", FONT)
    heading = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    heading.text = title
    described = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    described.text = desc
    root.insert(0, described)
    root.insert(0, heading)
    ET.register_namespace("", SVG_NS)
    text = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return Markup(text)  # noqa: S704 (written by ElementTree: every text and attribute escaped)


def _clean(element: ET.Element, prefix: str, referenced: set[str]) -> None:
    for child in list(element):
        if child.tag.split("}")[-1] in DROPPED:
            element.remove(child)
        else:
            _clean(child, prefix, referenced)
    _attributes(element.attrib, prefix, referenced)


def _attributes(attrs: dict[str, str], prefix: str, referenced: set[str]) -> None:
    """Style declarations as presentation attributes; ids and references with the chart's prefix."""
    for declaration in attrs.pop("style", "").split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name in PRESENTATION and value and name != "font-family":  # the root's, inherited
            attrs[name] = value
    if "id" in attrs:
        if attrs["id"] in referenced:
            attrs["id"] = f"{prefix}-{attrs['id']}"
        else:
            del attrs["id"]
    href = attrs.pop(f"{{{XLINK_NS}}}href", None) or attrs.pop("href", None)
    if href is not None:
        attrs["href"] = f"#{prefix}-{href[1:]}" if href.startswith("#") else ""
    for name in ("clip-path", "mask", "filter", "fill", "stroke"):
        if name in attrs and "url(#" in attrs[name]:
            attrs[name] = _REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", attrs[name])
    for name in [n for n in attrs if n.lower().startswith("on")]:
        del attrs[name]  # never an event handler (matplotlib writes none; kept out regardless)


def _months(values: dict[int, float | int | None]) -> list[float]:
    """Twelve values (NaN where the month is not in the report: a gap, not a zero)."""
    return [float("nan") if values.get(m) is None else float(values[m] or 0) for m in range(1, 13)]


def _month_no(text: str) -> int:
    return int(text.split("-")[1])


def monthly_series(payload: dict[str, Any], chart_id: str = "chart-series") -> Chart:
    """The twelve months of the report's year: 当月完成 as bars, 累计完成 and 正在评审 as lines (合计)."""
    series = {_month_no(m["month"]): m for m in payload["series"]}
    year = payload["month"].split("-")[0]
    title = f"{year} 年各月标准化达标企业（合计）"
    known = [series[m] for m in sorted(series)]
    last = known[-1] if known else None
    desc = (
        f"{payload['area']['name']} {year} 年 1 月至 {len(known)} 月："
        "每月当月完成（柱）、月末累计完成与正在评审（折线）。"
        + (
            f"{last['month']} 当月完成 {last['completed']} 家，累计完成 {last['cumulative']} 家，"
            f"正在评审 {last['in_review']} 家。"
            if last
            else ""
        )
        + "各月数字见下表。"
    )
    with _style():
        fig = _figure(8.4, 3.6)
        ax = fig.add_axes((0.08, 0.16, 0.9, 0.72))
        x = list(range(12))
        completed = _months({m: v["completed"] for m, v in series.items()})
        ax.bar(x, completed, width=0.6, color="#7fa7d1")
        ax.plot(x, _months({m: v["cumulative"] for m, v in series.items()}), color=BAND, marker="o", lw=2)
        ax.plot(x, _months({m: v["in_review"] for m, v in series.items()}), color=ACCENT, marker="s", lw=2, ls="--")
        ax.set_xticks(x, MONTHS)
        ax.set_xlim(-0.6, 11.6)
        _integer_axis(ax)
        ax.grid(axis="x", visible=False)
        bars, cumulative, in_review = ax.containers[0], ax.lines[0], ax.lines[1]
        ax.legend(
            [bars, cumulative, in_review],
            ["当月完成（家）", "累计完成（家）", "正在评审（家）"],
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=3,
            fontsize=11,
            borderaxespad=0.2,
        )
        return Chart(chart_id, title, desc, _svg(fig, chart_id, title, desc))


def _integer_axis(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5, min_n_ticks=2))
    ax.set_ylim(0, max(ax.get_ylim()[1], 1))


def target_progress(payload: dict[str, Any], chart_id: str = "chart-progress") -> Chart:
    """The share of the year's months (达标率 at each month's end) against the year's target."""
    year, target = payload["year"], payload["target_percent"]
    shares = {_month_no(m["month"]): m["share_percent"] for m in payload["progress"]}
    title = f"{year} 年达标率月度进度" + (f"与目标（{_pct(target)}）" if target is not None else "")
    whole = payload["whole"]
    desc = (
        f"{payload['area']['name']}：规模以上企业中安全生产标准化三级及以上等级有效的比例，{year} 年各月末。"
        f"截至 {payload['day']} 为 {_pct(whole['share_percent'])}"
        + (f"，目标 {_pct(target)}，扣 {_num(whole['deduction_points'])} 分。" if target is not None else "。")
        + "各月数字见下表。"
    )
    with _style():
        fig = _figure(8.4, 3.4)
        ax = fig.add_axes((0.08, 0.14, 0.9, 0.74))
        x = list(range(12))
        ax.plot(x, _months(shares), color=BAND, marker="o", lw=2, label="达标率（%）")
        if target is not None:
            ax.axhline(target, color=TARGET, lw=1.5, ls="--", label=f"目标 {_pct(target)}")
        ax.set_xticks(x, MONTHS)
        ax.set_xlim(-0.6, 11.6)
        ax.set_ylim(0, 105)
        ax.set_yticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
        ax.grid(axis="x", visible=False)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=11, borderaxespad=0.2)
        return Chart(chart_id, title, desc, _svg(fig, chart_id, title, desc))


def division_shares(payload: dict[str, Any], chart_id: str = "chart-ranking") -> Chart | None:
    """Each subordinate division's share against the target, in the ranking's order (None: none)."""
    ranking: Sequence[dict[str, Any]] = payload["ranking"]
    if not ranking:
        return None
    year, target = payload["year"], payload["target_percent"]
    title = f"{year} 年各下级区划达标率" + (f"与目标（{_pct(target)}）" if target is not None else "")
    best, worst = ranking[0], ranking[-1]
    desc = (
        f"{payload['area']['name']}所辖 {len(ranking)} 个区划的达标率（横条）"
        + (f"与目标 {_pct(target)}（竖线）" if target is not None else "")
        + f"，按排名自上而下。第 1 名{best['name']} {_pct(best['share_percent'])}，"
        f"第 {worst['rank']} 名{worst['name']} {_pct(worst['share_percent'])}。各区划数字见下表。"
    )
    rows = len(ranking)
    with _style():
        height = 1.1 + 0.36 * rows
        fig = _figure(8.4, height)
        ax = fig.add_axes((0.2, 0.55 / height, 0.74, 1 - 1.0 / height))
        y = list(range(rows))
        shares = [float(s["share_percent"] or 0) for s in ranking]
        met = [target is None or (s["share_percent"] or 0) >= target for s in ranking]
        ax.barh(y, shares, height=0.62, color=[BAND if ok else "#7fa7d1" for ok in met])
        for i, s in enumerate(ranking):
            inside = shares[i] >= 85  # a long bar carries its figure inside, in white
            at = shares[i] - 1 if inside else shares[i] + 1
            colour = "#ffffff" if inside and met[i] else INK
            ax.text(
                at,
                i,
                _pct(s["share_percent"]),
                va="center",
                ha="right" if inside else "left",
                fontsize=11,
                color=colour,
            )
        ax.set_yticks(y, [f"{s['rank']}. {s['name']}" for s in ranking])
        ax.invert_yaxis()
        ax.set_xlim(0, 105)
        ax.set_xticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
        if target is not None:
            ax.axvline(target, color=TARGET, lw=1.5, ls="--")
            ax.text(target, -0.75, f"目标 {_pct(target)}", color=TARGET, fontsize=11, ha="right", va="bottom")
        ax.grid(axis="y", visible=False)
        return Chart(chart_id, title, desc, _svg(fig, chart_id, title, desc))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{_num(value)}%"


def _num(value: float | int) -> str:
    return f"{value:g}"

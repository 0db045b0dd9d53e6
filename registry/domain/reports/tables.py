"""The reports as tables (header and rows), the shape the CSV and XLSX files are written in.

Built from the signed payloads only, so a file says exactly what the signed JSON says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.domain.reports.wire import COLUMNS, EVENT_NAMES, LEVEL_NAMES

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    header: list[str]
    rows: list[list[Cell]]
    #: columns (0-based) summed in a 合计 row after the rows (empty: no 合计 row)
    summed: list[int] = field(default_factory=list)


def period_text(payload: dict[str, Any]) -> str:
    if "month" in payload:
        year, month = payload["month"].split("-")
        return f"{year} 年 {int(month)} 月"
    return f"{payload['year']} 年"


def monthly_header() -> list[str]:
    return [f"{LEVEL_NAMES[lv]}{zh}" for lv in (1, 2, 3) for _, zh in COLUMNS]


def _cells(levels: list[dict[str, int]]) -> list[Cell]:
    return [lv[key] for lv in levels for key, _ in COLUMNS]


def monthly_tables(p: dict[str, Any]) -> list[Table]:
    form = Table(
        "月度报表",
        ["行业", *monthly_header()],
        [[row["name"], *_cells(row["levels"])] for row in p["rows"]],
        summed=list(range(1, 10)),
    )
    series = Table(
        "月度趋势",
        ["月份", "当月完成（家）", "累计完成（家）", "正在评审（家）"],
        [[m["month"], m["completed"], m["cumulative"], m["in_review"]] for m in p["series"]],
    )
    return [form, series]


def targets_tables(p: dict[str, Any]) -> list[Table]:
    target = p["target_percent"]
    ranking = Table(
        "排名",
        [
            "排名",
            "区划代码",
            "区划",
            "规模以上企业（家）",
            "三级及以上有效（家）",
            "达标率（%）",
            "目标（%）",
            "差距（百分点）",
            "扣分",
        ],
        [
            [
                s["rank"],
                s["prefix"],
                s["name"],
                s["above_scale"],
                s["graded"],
                s["share_percent"],
                target,
                s["shortfall_points"],
                s["deduction_points"],
            ]
            for s in p["ranking"]
        ],
        summed=[3, 4],
    )
    progress = Table(
        "月度进度",
        ["月份", "达标率（%）", "目标（%）"],
        [[m["month"], m["share_percent"], target] for m in p["progress"]],
    )
    return [ranking, progress]


def _event_row(label: list[Cell], month: dict[str, Any], keys: list[str]) -> list[Cell]:
    return [*label, *(month[k] for k in keys)]


def credit_tables(p: dict[str, Any]) -> list[Table]:
    keys = [e["key"] for e in p["events"]]
    names = [EVENT_NAMES[k] for k in keys]
    median = {m["month"]: m["days"] for m in p["median_days_to_decision"]["months"]}
    total = Table(
        "按月汇总",
        ["月份", *names, "提议至决定天数（中位数）"],
        [[*_event_row([m["month"]], m, keys), median.get(m["month"])] for m in p["total"]["months"]],
        summed=list(range(1, len(keys) + 1)),
    )
    out = [total]
    for key, title, label in (
        ("by_list_type", "按名单类型", "名单类型"),
        ("by_criterion", "按列入情形", "列入情形"),
        ("by_authority", "按决定机关", "决定机关"),
    ):
        rows = [
            _event_row([g["name"], m["month"]], m, keys) for g in p[key] for m in g["months"] if any(m[k] for k in keys)
        ]
        out.append(Table(title, [label, "月份", *names], rows, summed=list(range(2, len(keys) + 2))))
    out.append(
        Table(
            "部门落实措施",
            ["部门", "措施", "月份", "次数"],
            [
                [r["department_name"], r["measure"], m["month"], m["count"]]
                for r in p["measures"]
                for m in r["months"]
                if m["count"]
            ],
            summed=[3],
        )
    )
    out.append(
        Table(
            "合作部门答复",
            ["部门", "月份", "答复（次）", "涉及主体（个）"],
            [
                [r["department_name"], m["month"], m["answers"], m["subjects"]]
                for r in p["answers"]
                for m in r["months"]
                if m["answers"]
            ],
            summed=[2, 3],
        )
    )
    return out


def tables(p: dict[str, Any]) -> list[Table]:
    return {"monthly": monthly_tables, "targets": targets_tables, "credit": credit_tables}[p["report"]](p)

"""The signed payloads of the reports: plain JSON built from the figures, the one source every
export (JSON, CSV, XLSX) writes from, so the three always agree."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction
from typing import Any

from registry.domain.listings.types import LIST_TYPES
from registry.domain.reports.credit import EVENTS, Counts, CreditReport
from registry.domain.reports.industries import industry_name
from registry.domain.reports.monthly import LEVELS, Cells, MonthFigures, MonthlyReport
from registry.domain.reports.targets import Standing, TargetPolicy, TargetReport
from registry.lib.clock import utc_text

MONTHLY_TITLE = "工贸企业安全生产标准化月度报表"
TARGETS_TITLE = "规模以上工贸企业安全生产标准化达标目标完成情况"
CREDIT_TITLE = "安全生产信用管理统计"
COLUMNS = (("completed", "当月完成（家）"), ("cumulative", "累计完成（家）"), ("in_review", "正在评审（家）"))
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级"}
EVENT_NAMES = {
    "proposed": "提议列入",
    "decided": "决定列入",
    "removed": "移出",
    "removed_early": "其中提前移出（信用修复）",
    "restored": "撤销提前移出、恢复列入",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Area:
    prefix: str
    name: str

    def wire(self) -> dict[str, str]:
        return {"prefix": self.prefix, "name": self.name}


def _levels(levels: dict[int, Cells]) -> list[dict[str, int]]:
    return [{"level": lv, **dataclasses.asdict(levels[lv])} for lv in LEVELS]


def _month(figures: MonthFigures) -> dict[str, Any]:
    totals = Cells()
    for lv in LEVELS:
        totals.add(figures.total[lv])
    return {"month": str(figures.month), "day": figures.day.isoformat(), **dataclasses.asdict(totals)}


def monthly_payload(report: MonthlyReport, area: Area, as_of: Any) -> dict[str, Any]:
    f = report.figures
    notes = [
        "当月完成：当月公告的等级（含到期复评、晋级重新公告的等级）",
        "累计完成：月末有效的等级（已公告，且未过期、未撤销、未被新公告的等级取代）",
        "正在评审：月末处于申请、评审、审核环节的定级申请（评审中止的不计）",
        f"统计口径：截至 {utc_text(as_of)} 已记录的信息；企业自登记之日起计入；行业、所在地按现登记信息",
    ]
    if f.others:
        names = "、".join(industry_name(code) for code in f.others)
        notes.append(f"表外行业：{names}，列于表内八个行业之后，计入合计")
    return {
        "report": "monthly",
        "title": MONTHLY_TITLE,
        "area": area.wire(),
        "month": str(f.month),
        "day": f.day.isoformat(),
        "as_of": utc_text(as_of),
        "columns": [{"key": k, "zh": zh} for k, zh in COLUMNS],
        "rows": [
            {"industry": r.industry, "name": r.name, "on_form": r.on_form, "levels": _levels(r.levels)} for r in f.rows
        ],
        "total": {"name": "合计", "levels": _levels(f.total)},
        "others": f.others,
        "series": [_month(m) | {"levels": _levels(m.total)} for m in report.series],
        "notes": notes,
    }


def percent(value: Fraction | Decimal | None) -> float | None:
    """A percentage to two decimals, as a JSON number (exact figures stay in the counts)."""
    return None if value is None else float(round(Fraction(value), 2))


def _standing(s: Standing, names: dict[str, str]) -> dict[str, Any]:
    return {
        "prefix": s.code,
        "name": names.get(s.code, s.code),
        "above_scale": s.above_scale,
        "graded": s.graded,
        "share_percent": percent(s.share),
        "shortfall_points": percent(s.shortfall),
        "deduction_points": float(s.deduction),
        "rank": s.rank,
    }


def targets_payload(
    report: TargetReport, area: Area, names: dict[str, str], policy: TargetPolicy, as_of: Any
) -> dict[str, Any]:
    rule = "满" if policy.steps == "whole" else "不足也按"
    notes = [
        "达标率：年末（本年未结束的，截至统计日）安全生产标准化三级及以上等级有效的规模以上企业占规模以上企业的比例",
        f"扣分：比目标每少 {policy.step_points} 个百分点扣 {policy.points_per_step} 分"
        f"（{rule} {policy.step_points} 个百分点计）",
        f"统计口径：截至 {utc_text(as_of)} 已记录的信息；企业自登记之日起计入；规模、所在地按现登记信息",
    ]
    if not report.ranking:
        notes.append("县级区划以下（乡镇、街道）不在企业登记信息中，不作排名")
    return {
        "report": "targets",
        "title": TARGETS_TITLE,
        "area": area.wire(),
        "year": report.year,
        "day": report.day.isoformat(),
        "as_of": utc_text(as_of),
        "target_percent": percent(report.target),
        "policy": {
            "targets": [{"year": y, "percent": percent(v)} for y, v in policy.targets],
            "points_per_step": float(policy.points_per_step),
            "step_points": float(policy.step_points),
            "steps": policy.steps,
        },
        "whole": _standing(report.whole, {report.whole.code: area.name}),
        "ranking": [_standing(s, names) for s in report.ranking],
        "progress": [{"month": str(m), "share_percent": percent(share)} for m, share in report.progress],
        "notes": notes,
    }


def _counts(counts: Counts, months: list[str]) -> dict[str, Any]:
    cells = [{**dict.fromkeys(EVENTS, 0), **counts.by_month.get(m, {})} for m in months]
    total = {k: sum(c[k] for c in cells) for k in EVENTS}
    return {"months": [{"month": m, **c} for m, c in zip(months, cells, strict=True)], "total": total}


def credit_payload(report: CreditReport, area: Area, departments: dict[str, str], as_of: Any) -> dict[str, Any]:
    months = report.months

    def grouped(groups: dict[str, Counts], label: Any) -> list[dict[str, Any]]:
        return [{"key": k, "name": label(k), **_counts(groups[k], months)} for k in sorted(groups)]

    measures = []
    for (dept, measure), counted in sorted(report.measures.items()):
        row = [{"month": m, "count": counted.get(m, 0)} for m in months]
        measures.append(
            {
                "department": dept,
                "department_name": departments.get(dept, dept),
                "measure": measure,
                "months": row,
                "total": sum(counted.values()),
            }
        )
    answers = []
    for dept, given in sorted(report.answers.items()):
        n_answers = [given.get(m, [0, 0])[0] for m in months]
        n_subjects = [given.get(m, [0, 0])[1] for m in months]
        answers.append(
            {
                "department": dept,
                "department_name": departments.get(dept, dept),
                "months": [
                    {"month": m, "answers": a, "subjects": n}
                    for m, a, n in zip(months, n_answers, n_subjects, strict=True)
                ],
                "total_answers": sum(n_answers),
                "total_subjects": sum(n_subjects),
            }
        )
    return {
        "report": "credit",
        "title": CREDIT_TITLE,
        "area": area.wire(),
        "year": report.year,
        "day": report.day.isoformat(),
        "as_of": utc_text(as_of),
        "events": [{"key": k, "zh": EVENT_NAMES[k]} for k in EVENTS],
        "total": _counts(report.total, months),
        "by_list_type": grouped(report.by_list_type, lambda k: LIST_TYPES[k].title if k in LIST_TYPES else k),
        "by_criterion": grouped(report.by_criterion, lambda k: k),
        "by_authority": grouped(report.by_authority, lambda k: k),
        "median_days_to_decision": {
            "year": report.median_days.get("year"),
            "months": [{"month": m, "days": report.median_days.get(m)} for m in months],
        },
        "measures": measures,
        "handle_types": [
            {"department": d, "department_name": departments.get(d, d), "counts": dict(sorted(c.items()))}
            for d, c in sorted(report.handle_types.items())
        ],
        "answers": answers,
        "notes": [
            "按月统计：提议列入（提议日）、决定列入（决定日）、移出（移出日，含期满、提前移出、更正）",
            "一条名单记录有多项列入情形的，按情形统计时分别计入",
            "部门落实措施：合作部门反馈的执行日期；答复：向合作部门出具的签名答复（在本辖区的主体数）",
            f"统计口径：截至 {utc_text(as_of)} 已记录的信息",
        ],
    }

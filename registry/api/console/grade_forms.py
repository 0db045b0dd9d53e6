"""The grade forms: the fields of each grade step (the API's bodies, ``grades.schemas.ACTION_BODIES``
and ``GradeApply``), which steps a grade's state allows, and what follows each step.

Pure: the form's values are read into the API's own body type with msgspec (the same rules, the
API's wording of a refusal), and the state machine's own table (``workflow.allowed_from``) says
which steps a page offers; the service decides the rest (grading authority, area, dates).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from registry.api.console.actions import Field
from registry.domain.grades import schemas as s
from registry.domain.grades.workflow import ENDED, REVOCATION_REASONS, allowed_from
from registry.domain.wire import translate


@dataclass(frozen=True, slots=True)
class GradeStep:
    #: the API's path segment (``/api/v1/enterprises/{uscc}/grades/{id}/{path}``) and the service's action
    path: str
    action: str
    title: str
    fields: tuple[Field, ...]
    #: what will follow, as the confirmation page says it
    follows: tuple[str, ...]
    #: a step with consequences: the confirmation shows the rules' decision before and after
    previewed: bool = False


ON = Field("on", "办理日期", "date", required=True, hint="不能晚于今天，不能早于上一环节")
REASON = Field("reason", "理由", "textarea", required=True)
REFERENCE = Field("reference", "文书编号")
#: integer fields (the rest of the numbers are scores)
INTEGERS: Final = frozenset({"level", "renewal_of"})
LEVEL_OPTIONS: Final = (("1", "一级"), ("2", "二级"), ("3", "三级"))
CHECK_KINDS: Final = (("self_assessment", "年度自评"), ("inspection", "年度核查"))
EVENT_IDS_HINT: Final = "死亡事故、重大隐患逾期未整改时必填，多个用逗号分隔"

APPLY: Final = (
    Field("level", "申请等级", "choice", required=True, options=LEVEL_OPTIONS),
    Field("scheme", "评分办法", "choice", required=True),
    Field("standard", "评定标准及版本", required=True, hint="如：机械制造企业安全生产标准化评定标准 2021版"),
    Field("self_score", "自评得分", "number", required=True),
    Field("self_assessed_on", "自评日期", "date", required=True),
    Field("applied_on", "申请日期", "date", required=True),
)
APPLY_FOLLOWS: Final = (
    "申请记入企业档案（自评得分随申请保存），由该等级的定级机关评审、审核（标准程序）并公告。",
    "自评得分低于所申请等级的分数线、或不符合评分办法的申请条件的，系统不予受理。",
)
RENEWAL_FOLLOWS: Final = ("复评申请须在原等级期满前的复评期内提出；新等级公告之日，原等级被取代（不再计为现行等级）。",)

STEPS: Final[dict[str, GradeStep]] = {
    st.path: st
    for st in (
        GradeStep(
            "review",
            "review",
            "评审（审查）",
            (
                ON,
                Field("passed", "评审通过", "checkbox"),
                Field("score", "评审得分", "number", hint="通过时必填，不低于该等级分数线"),
                Field("reviewer_uscc", "评审机构统一社会信用代码", hint="本机关自行审查的留空"),
                Field("report_ref", "评审报告编号"),
                Field("remarks", "备注", "textarea"),
            ),
            ("通过：进入审核（标准程序）或公告（简化程序）。", "不通过：申请办结为“未通过”，企业可重新申请。"),
        ),
        GradeStep(
            "audit",
            "audit",
            "审核",
            (ON, Field("passed", "审核通过", "checkbox"), Field("remarks", "备注", "textarea")),
            ("通过：可公告。", "不通过：申请办结为“未通过”。"),
        ),
        GradeStep(
            "announce",
            "announce",
            "公告",
            (ON, Field("announcement_no", "公告文号", required=True)),
            (
                "等级自公告之日起生效，有效期三年；企业原有仍在有效期内的等级被新等级取代。",
                "等级信息在公示查询页面公开。",
            ),
            previewed=True,
        ),
        GradeStep(
            "certificate",
            "certificate",
            "颁发证书",
            (ON, Field("certificate_no", "证书编号", required=True)),
            ("证书编号记入等级（标准程序）。",),
        ),
        GradeStep(
            "annual-checks",
            "annual_check",
            "年度自评 / 年度核查",
            (
                ON,
                Field(
                    "kind",
                    "类别",
                    "choice",
                    required=True,
                    options=(("self_assessment", "年度自评"), ("inspection", "年度核查")),
                ),
                Field("result", "结论", "choice", required=True, options=(("pass", "合格"), ("findings", "发现问题"))),
                Field("findings", "发现的问题", "textarea", hint="结论为“发现问题”时必填"),
                Field("rectification_deadline", "整改期限", "date", hint="结论为“发现问题”时必填"),
                Field("report_ref", "报告编号"),
            ),
            ("发现问题的，须在整改期限内记录整改完成；逾期未整改的，可据此撤销等级。",),
        ),
        GradeStep(
            "rectify",
            "rectify",
            "记录整改完成",
            (ON, Field("evidence", "整改情况及证明材料", "textarea", required=True)),
            ("年度核查发现的问题记为已整改，整改期限解除。",),
        ),
        GradeStep(
            "revoke",
            "revoke",
            "撤销等级（摘牌收证）",
            (
                ON,
                Field("reason", "撤销事由", "choice", required=True, options=tuple(REVOCATION_REASONS.items())),
                Field("decision_no", "撤销决定文号", required=True),
                Field(
                    "event_ids",
                    "所依据的信用事件编号",
                    "ids",
                    hint="死亡事故、重大隐患逾期未整改时必填，多个用逗号分隔",
                ),
                Field("remarks", "备注", "textarea"),
            ),
            (
                "等级即时终止（已撤销），不再是现行等级，不能恢复；企业须重新申请定级。",
                "依等级享有的激励（如检查频次降低、工伤保险费率下浮、安全生产责任保险挂钩）随之终止，以下为规则预演。",
                "公示查询页面显示该等级已撤销。",
            ),
            previewed=True,
        ),
        GradeStep(
            "suspend",
            "suspend",
            "中止评审",
            (ON, REASON, REFERENCE),
            ("申请中止（企业被列入严重失信名单期间），恢复后回到中止前的环节。",),
        ),
        GradeStep("resume", "resume", "恢复评审", (ON, REASON, REFERENCE), ("申请回到中止前的环节，继续办理。",)),
        GradeStep(
            "withdraw",
            "withdraw",
            "撤回申请",
            (ON, REASON, REFERENCE),
            ("申请办结为“已撤回申请”，不能恢复；企业可重新申请。",),
        ),
    )
}


def allowed_steps(status: str, procedure_steps: Sequence[str], certificate: bool = True) -> list[GradeStep]:
    """The steps the state machine lets follow ``status`` under a procedure with ``procedure_steps``
    (a procedure without certificates offers none)."""
    if status in ENDED:
        return []
    return [
        st
        for st in STEPS.values()
        if status in allowed_from(st.action, procedure_steps) and (certificate or st.action != "certificate")
    ]


def _convert(name: str, kind: str, value: str) -> tuple[Any, str | None]:
    if kind == "number":
        try:
            return (int(value) if name in INTEGERS else float(value)), None
        except ValueError:
            return None, "请填写数字"
    if kind == "choice" and name in INTEGERS:
        return (int(value), None) if value.isdigit() else (None, "请选择")
    if kind == "ids":
        parts = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            return None, "应为事件编号（数字），多个用逗号分隔"
        return [int(p) for p in parts], None
    return value, None


def grade_body(
    fields: tuple[Field, ...], shown: dict[str, Any], target: type[Any], extra: dict[str, Any]
) -> tuple[Any | None, dict[str, str]]:
    """The API body (``target``) of the form's values plus ``extra`` (the version read, a renewal's
    grade), or the errors by field (in Chinese)."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = dict(extra)
    for fld in fields:
        value = shown.get(fld.name)
        if fld.kind == "checkbox":
            data[fld.name] = value == "1"
        elif value:
            converted, error = _convert(fld.name, fld.kind, str(value))
            if error:
                errors[fld.name] = f"{fld.label}：{error}"
            else:
                data[fld.name] = converted
        elif fld.required:
            errors[fld.name] = f"请填写{fld.label}"
    if errors:
        return None, errors
    try:
        return msgspec.convert(data, type=target, strict=False), {}
    except msgspec.ValidationError as exc:
        problem = translate(str(exc))  # the API's own wording of the same refusal
        return None, {re.split(r"[.\[]", problem.field)[0] or "_form": problem.message_zh}


def step_body(step: GradeStep, shown: dict[str, Any], version: int) -> tuple[Any | None, dict[str, str]]:
    return grade_body(step.fields, shown, s.ACTION_BODIES[step.action], {"version": version})


def apply_fields(schemes: Sequence[Any]) -> tuple[Field, ...]:
    """The application's fields, the scheme offered from the scoring schemes the service knows."""
    options = tuple((x.code, f"{x.title}（{x.code}）") for x in schemes)
    return tuple(
        Field(f.name, f.label, f.kind, f.required, options, f.hint) if f.name == "scheme" else f for f in APPLY
    )

"""Recording forms: one per kind of credit event, built from the kind's own details Struct.

The fields come from ``events.kinds.DETAILS`` (so a field the API adds appears here), the body is
the API's ``EventCreate``, and the record is ``EventService.record`` with the officer's ``Actor``:
the same checks and the same Chinese messages as the API, shown beside the field they name
(``details.deaths`` is both the problem's field and the input's name). Lists of documents (evidence,
statement references) are not offered here; they are added with the API or an import.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from msgspec import inspect as mi

from registry.api.console.actions import Field, beside, values
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.events.accidents import LABELS as ACCIDENT_GRADES
from registry.domain.events.kinds import DETAILS, FIVE_IN_PLACE, KINDS, SUBJECTS
from registry.domain.events.schemas import EventCreate
from registry.domain.whatif import preview
from registry.domain.wire import translate
from registry.errors import RegistryError, ValidationFailed

#: Chinese names of the details' fields (a field without one shows its wire name)
NAMES: Final = {
    "deaths": "死亡人数",
    "serious_injuries": "重伤人数",
    "direct_loss_cny": "直接经济损失（元）",
    "responsible": "责任事故",
    "summary": "事故概况",
    "investigation_report_ref": "调查报告文号",
    "declared_grade": "调查报告认定的事故等级",
    "major_responsibility": "中介机构对事故负有重大责任",
    "decision_no": "处罚决定书文号",
    "legal_basis": "违法事实和处罚依据",
    "fine_cny": "罚款金额（元）",
    "art114_multiplier": "第一百一十四条罚款倍数",
    "deciding_authority": "作出处罚的机关区划代码（留空为本机关）",
    "execution": "执行情况",
    "executed_on": "执行完毕日期",
    "published_on": "公示日期",
    "serious_circumstances": "性质恶劣、情节严重（本机关认定）",
    "credit_class": "失信信息类别",
    "licence_action": "安全生产许可证处理",
    "description": "情况描述",
    "rectification_deadline": "整改期限",
    "rectified_on": "整改完成日期",
    "five_in_place": "五到位",
    "order_no": "整改指令书文号",
    "risky_work": "逾期未整改仍组织冒险作业",
    "type": "类别",
}
OPTION_NAMES: Final = {
    **ACCIDENT_GRADES,
    **FIVE_IN_PLACE,
    "pending": "未执行",
    "executed": "已执行",
    "refused": "拒不执行",
    "suspended": "暂扣",
    "revoked": "吊销",
    "minor": "轻微",
    "general": "一般",
    "serious": "严重",
    "concealment": "瞒报",
    "false_report": "谎报",
    "late_report": "迟报",
}
COMMON: Final = (
    Field("occurred_on", "发生或决定日期", "date", required=True),
    Field("source_document", "来源文书（调查报告、决定书、指令书文号）", required=True),
    Field("division_code", "发生地区划代码", hint="留空为企业登记地"),
    Field("links", "关联事件编号", hint="如处罚所对应的事故，多个用逗号分隔"),
    Field("remarks", "内部备注（不公开）", "textarea"),
)
FOLLOWS: Final = (
    "事件记入企业档案，记录人和时间写入审计日志；内部备注不公开。",
    "规则按新事实重新评估：达到列入条件的，可在企业档案的“按规则提议列入”中查看并提议（不会自动列入）。",
)


def _options(values_: tuple[Any, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), OPTION_NAMES.get(str(v), str(v))) for v in values_)


def _field(f: mi.Field) -> Field | None:
    kind, typ, optional = "text", f.type, False
    if isinstance(typ, mi.UnionType):
        kept = [t for t in typ.types if not isinstance(t, mi.NoneType)]
        optional = len(kept) < len(typ.types)
        if len(kept) != 1:
            return None
        typ = kept[0]
    options: tuple[tuple[str, str], ...] = ()
    if isinstance(typ, mi.StrType):
        kind = "textarea" if (typ.max_length or 0) > 200 else "text"
    elif isinstance(typ, mi.IntType | mi.FloatType):
        kind = "number"
    elif isinstance(typ, mi.BoolType):
        kind = "checkbox"
    elif isinstance(typ, mi.DateType):
        kind = "date"
    elif isinstance(typ, mi.LiteralType):
        kind, options = "choice", _options(typ.values)
    elif isinstance(typ, mi.ListType) and isinstance(typ.item_type, mi.LiteralType):
        kind, options = "choices", _options(typ.item_type.values)
    else:
        return None  # nested documents: with the API or an import
    required = f.required and not optional and kind not in ("checkbox", "choices")
    return Field(f"details.{f.name}", NAMES.get(f.name, f.name), kind, required, options)


def form_fields(kind: str) -> tuple[Field, ...]:
    info = mi.type_info(DETAILS[kind])
    assert isinstance(info, mi.StructType)
    found = [_field(f) for f in info.fields]
    return (*COMMON, *(f for f in found if f is not None))


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def event_body(kind: str, subject: dict[str, Any], shown: dict[str, Any]) -> tuple[EventCreate | None, dict[str, str]]:
    """The API body about ``subject`` (type and uscc), or the errors by field name (in Chinese)."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"kind": kind, "subject": subject}
    details: dict[str, Any] = {}
    for fld in form_fields(kind):
        value = shown.get(fld.name)
        target, name = (details, fld.name[8:]) if fld.name.startswith("details.") else (data, fld.name)
        if fld.kind == "checkbox":
            target[name] = value == "1"
        elif fld.kind == "choices":
            target[name] = value or []
        elif value:
            if fld.kind == "number":
                try:
                    target[name] = _number(value)
                except ValueError:
                    errors[fld.name] = f"{fld.label}应为数字"
            elif fld.name == "links":
                parts = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
                if not all(p.isdigit() for p in parts):
                    errors[fld.name] = "关联事件编号应为数字，多个用逗号分隔"
                target[name] = [int(p) for p in parts if p.isdigit()]
            else:
                target[name] = value
        elif fld.required:
            errors[fld.name] = f"请填写{fld.label}"
    if errors:
        return None, errors
    data["details"] = details
    try:
        return msgspec.convert(data, EventCreate, strict=False), {}
    except msgspec.ValidationError as exc:
        problem = translate(str(exc))
        return None, {problem.field: problem.message_zh}


def recording_handlers(services: Services) -> list[Any]:
    kinds = {k: v for k, v in KINDS.items() if "enterprise" in SUBJECTS[k]}

    def page(officer: Officer, uscc: str, kind: str | None, status: int = 200, **extra: Any) -> Template:
        fields = form_fields(kind) if kind else ()
        context: dict[str, Any] = {
            **officer.context(),
            "nav": "enterprises",
            "uscc": uscc,
            "kinds": kinds,
            "kind": kind,
            "fields": fields,
            "shown": {f.name: ([] if f.kind == "choices" else "") for f in fields},
            "errors": {},
            "refusal": None,
            "confirming": False,
            "follows": FOLLOWS,
            "what_if": None,
        }
        context.update(extra)
        return Template(template_name="console/record.html", context=context, status_code=status)

    @get("/console/enterprises/{uscc:str}/record", include_in_schema=False)
    async def record_form(
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        kind: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        await services.enterprises.get(officer.actor, uscc)  # the read rules: outside the area, refused
        return page(officer, uscc, kind if kind in kinds else None)

    @post("/console/enterprises/{uscc:str}/record", include_in_schema=False, status_code=200)
    async def record(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]
    ) -> Response[Any]:
        form = await request.form()
        kind = form.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            return page(officer, uscc, None, 422, refusal="请选择事件类别。")
        unit = await services.enterprises.get(officer.actor, uscc)
        fields = form_fields(kind)
        shown = values(fields, form)
        data, errors = event_body(kind, {"type": "agency" if unit.is_agency else "enterprise", "uscc": uscc}, shown)
        if data is None:
            return page(officer, uscc, kind, 422, shown=shown, errors=errors)
        if form.get("confirmed") != "1":
            try:
                what_if = await preview(services.evaluation, officer.actor, uscc, data)
            except (RegistryError, ValueError, KeyError):  # the preview is a help: its absence blocks nothing
                what_if = None
            return page(officer, uscc, kind, shown=shown, confirming=True, what_if=what_if)
        try:
            recorded = await services.events.record(officer.actor, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, fields)
            return page(officer, uscc, kind, exc.status, shown=shown, errors=errors, refusal=refusal)
        except RegistryError as exc:
            return page(officer, uscc, kind, exc.status, shown=shown, refusal=exc.detail.split(" / ")[0])
        return Redirect(f"/console/enterprises/{uscc}?recorded={recorded.id}#events", status_code=303)

    return [record_form, record]

"""The listing desk's forms: which fields each step asks for, and what will follow it.

The form is read into the API's own body type (``schemas.ACTION_BODIES``) with msgspec, so a field
the API refuses is refused here with the same rule, and the step is then the service's
``ListingService.act`` with the officer's ``Actor``: the two-officer rule, the deciding authority,
the area and the state machine decide, never the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from registry.domain.listings import schemas as s
from registry.domain.listings.types import PUBLICATION_CHANNELS
from registry.domain.listings.workflow import ALLOWED_FROM
from registry.domain.wire import translate


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    #: text, textarea, date, number, checkbox, choice (one of ``options``), choices (several),
    #: documents (one a line, ``title｜reference``: the API's list of ``Document``)
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    title: str
    fields: tuple[Field, ...]
    #: what will follow, as the confirmation page says it
    follows: tuple[str, ...]


_TODAY = "留空为今天"
REMOVALS: Final = (
    ("court", "人民法院裁判撤销"),
    ("review", "行政复议决定撤销"),
    ("expiry_on_application", "期满依申请移出（历史名单）"),
)
STEPS: Final[dict[str, Step]] = {
    st.action: st
    for st in (
        Step(
            "notify",
            "告知当事人",
            (
                Field("notice_no", "告知书文号", required=True),
                Field("served_on", "送达日期", "date", hint=_TODAY),
                Field("statement_days", "陈述申辩期（天）", "number", hint="留空按系统设置"),
            ),
            ("名单进入“已告知”，陈述申辩期开始。", "期满（或答复陈述申辩）后，须由另一名工作人员作出列入决定。"),
        ),
        Step(
            "statement",
            "记录陈述申辩及答复",
            (
                Field("statement", "当事人陈述申辩", "textarea", required=True),
                Field("answer", "本机关答复", "textarea", required=True),
                Field("accepted", "采纳陈述申辩（不予列入）", "checkbox"),
                Field("received_on", "收到日期", "date", hint=_TODAY),
            ),
            ("采纳则名单“不予列入”，办结；不采纳则可由另一名工作人员作出列入决定。",),
        ),
        Step(
            "object",
            "记录当事人异议",
            (Field("grounds", "异议理由", "textarea", required=True), Field("received_on", "收到日期", "date")),
            ("名单冻结：异议处理完毕前，其他步骤都不能办理。",),
        ),
        Step(
            "resolve_objection",
            "处理异议",
            (Field("upheld", "异议成立", "checkbox"), Field("answer", "处理意见", "textarea", required=True)),
            (
                "异议成立：未列入的不予列入，已列入的作为更正移出（不计为曾被列入）。",
                "异议不成立：名单解冻，照常办理。",
            ),
        ),
        Step(
            "approve",
            "批准（第二名工作人员）",
            (
                Field("decision_no", "列入决定书文号", hint="作出列入决定时必填"),
                Field("effective_on", "生效日期", "date", hint="留空为决定当日"),
                Field("reject", "驳回（不予列入，或驳回待批准的决定）", "checkbox"),
                Field("reason", "理由", "textarea"),
            ),
            (
                "列入决定：名单生效，按期限管理；企业在办的标准化定级申请中止、持有的等级撤销；联合惩戒措施自生效日起适用于合作部门的查询答复。",
                "待批准的移出或信用修复：批准后名单移出，公示查询页面停止公示，联合惩戒措施终止。",
                "待批准的撤销信用修复：批准后恢复列入和公示，原期限不变。",
                "公示须另行办理“公示”步骤；提议人本人（包括其他账号）不能批准。",
            ),
        ),
        Step(
            "publish",
            "公示",
            (
                Field("channels", "公示渠道", "choices", required=True, options=tuple(PUBLICATION_CHANNELS.items())),
                Field("published_on", "公示日期", "date", hint=_TODAY),
            ),
            ("公众可在公示查询页面和公开接口看到该名单（在列期间）；移出后即停止公示。",),
        ),
        Step(
            "remove",
            "提出移出",
            (
                Field("type", "移出类型", "choice", required=True, options=REMOVALS),
                Field("document_no", "裁判、复议决定或申请文号", required=True),
                Field("reason", "理由", "textarea", required=True),
            ),
            ("提请另一名工作人员批准；批准后名单移出、停止公示，联合惩戒措施终止。",),
        ),
        Step(
            "decide_repair",
            "信用修复决定",
            (
                Field("granted", "准予信用修复（提前移出）", "checkbox"),
                Field("reason", "理由", "textarea", required=True),
            ),
            ("准予：提请另一名工作人员批准后提前移出、停止公示。", "不予：申请办结，名单照常在列。"),
        ),
    )
}


def available(status: str, objection_pending: bool, steps: dict[str, Step] | None = None) -> list[Step]:
    """The steps the state machine lets start from ``status`` (the service checks the rest): while an
    objection is pending, only its resolution; without one, never a resolution."""
    return [
        st
        for st in (steps or STEPS).values()
        if status in ALLOWED_FROM[st.action] and (st.action == "resolve_objection") == objection_pending
    ]


def beside(problems: list[Any], fields: tuple[Field, ...], key: Any = str) -> tuple[dict[str, str], str | None]:
    """A service's field problems: those naming a field of the form go beside it (``key`` maps the
    problem's field to the input's name), the others into one message above the form."""
    errors = {key(p.field): p.message_zh for p in problems}
    known = {f.name for f in fields}
    return errors, "；".join(m for f, m in errors.items() if f not in known) or None


def values(fields: tuple[Field, ...], form: Any) -> dict[str, Any]:
    """The form's values as the page shows them back (strings; lists for several choices)."""
    out: dict[str, Any] = {}
    for fld in fields:
        if fld.kind == "choices":
            out[fld.name] = (
                [v for v in form.getall(fld.name, []) if isinstance(v, str)] if hasattr(form, "getall") else []
            )
        else:
            raw = form.get(fld.name)
            out[fld.name] = raw.strip() if isinstance(raw, str) else ""
    return out


def body(step: Step, shown: dict[str, Any], version: int) -> tuple[Any | None, dict[str, str]]:
    """The API body of the step, or the errors by field (in Chinese)."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"version": version}
    for fld in step.fields:
        value = shown.get(fld.name)
        if fld.kind == "checkbox":
            data[fld.name] = value == "1"
        elif fld.kind == "number" and value and not str(value).isdigit():
            errors[fld.name] = "请填写整数"
            continue
        elif value:
            data[fld.name] = _typed(fld, value)
        if fld.required and not value:
            errors[fld.name] = f"请填写{fld.label}"
    if errors:
        return None, errors
    try:
        return msgspec.convert(data, type=s.ACTION_BODIES[step.action], strict=False), {}
    except msgspec.ValidationError as exc:
        problem = translate(str(exc))  # the API's own wording of the same refusal
        top = re.split(r"[.\[]", problem.field)[0]
        return None, {top if top in {f.name for f in step.fields} else "_form": problem.message_zh}


def _typed(fld: Field, value: Any) -> Any:
    """A filled-in value as the API body takes it."""
    if fld.kind == "number":
        return int(value)
    if fld.kind == "documents":
        return documents(str(value))
    return value


def documents(text: str) -> list[dict[str, str | None]]:
    """Documents entered one a line, ``title｜reference`` (the reference may be left out)."""
    out: list[dict[str, str | None]] = []
    for line in text.splitlines():
        title, _, reference = line.replace("|", "｜").partition("｜")
        if title.strip() or reference.strip():
            out.append({"title": title.strip(), "reference": reference.strip() or None})
    return out

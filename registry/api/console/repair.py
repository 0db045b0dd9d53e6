"""Credit repair (信用修复) on the listing desk: apply on the enterprise's behalf, decide, revoke.

Each is a listing step like the others (``actions.Step``: form -> confirmation -> done) over the
API's own body (``RepairApply``, ``RepairDecision``, ``RepairRevocation``) and
``ListingService.act``: the 12 months, the conditions (penalty performed, no new case ...), the
second officer who approves a grant or a revocation, are the service's checks, never the page's.
The documents are entered one a line, ``标题｜文号``.
"""

from __future__ import annotations

from typing import Final

from registry.api.console.actions import Field, Step

_DOCS_HINT = "每行一份：材料名称｜文号（文号可省略）"
#: what follows an early removal once a second officer approves it
_REMOVED_EARLY = (
    "另一名工作人员批准后：名单提前移出（移出类型“信用修复”），公示查询页面和公开接口即停止公示该名单。",
    "联合惩戒措施自移出之日起终止，合作部门的查询答复不再包含这些措施；在办的标准化定级申请恢复办理。",
)
REPAIR_STEPS: Final[dict[str, Step]] = {
    st.action: st
    for st in (
        Step(
            "apply_repair",
            "代为申请信用修复",
            (
                Field("commitment", "信用承诺及整改说明", "textarea", required=True),
                Field("evidence", "证明材料", "documents", required=True, hint=_DOCS_HINT),
                Field("applied_on", "申请日期", "date", hint="留空为今天；须在列入满12个月之后"),
            ),
            (
                "系统按修复条件逐项核查（列入满12个月、行政处罚已履行、无新的列入情形等），不符合则不予受理。",
                "受理后名单照常在列、照常公示，等待信用修复决定。",
            ),
        ),
        Step(
            "decide_repair",
            "信用修复决定",
            (
                Field("granted", "准予信用修复（提前移出）", "checkbox"),
                Field("reason", "理由", "textarea", required=True),
            ),
            (
                "准予：再次核查修复条件，提请另一名工作人员批准（决定人本人不能批准）。",
                *_REMOVED_EARLY,
                "不予：申请即办结，名单照常在列、照常公示，措施照常适用。",
            ),
        ),
        Step(
            "revoke_repair",
            "撤销信用修复",
            (
                Field("reason", "查明的情况（隐瞒真实情况、弄虚作假）", "textarea", required=True),
                Field("evidence", "证明材料", "documents", required=True, hint=_DOCS_HINT),
            ),
            (
                "提请另一名工作人员批准；批准后恢复列入，原期限不变（不重新计算）。",
                "恢复公示：公示查询页面和公开接口重新显示该名单；联合惩戒措施重新适用。",
            ),
        ),
    )
}

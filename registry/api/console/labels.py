"""Chinese names of the codes the console shows (steps, statuses); a code without one shows as is."""

from __future__ import annotations

from typing import Any, Final

from registry.domain.desk import PENDING_ACTIONS
from registry.domain.grades.workflow import STATUSES as GRADE_STATUSES
from registry.domain.listings.types import STATUSES as LISTING_STATUSES
from registry.domain.vocabulary import ENTERPRISE_STATUSES

GRADE_STEPS: Final = {
    "application": "申请",
    "review": "评审",
    "audit": "审核",
    "announce": "公告",
    "certificate": "发证",
    "annual_check": "年度核查",
    "rectify": "整改",
    "revoke": "撤销",
    "suspend": "中止",
    "resume": "恢复",
    "withdraw": "撤回申请",
    "superseded": "被新等级取代",
    "expiry": "期满",
}
LISTING_STEPS: Final = {
    "propose": "提议列入",
    "notify": "告知",
    "statement": "陈述申辩",
    "object": "提出异议",
    "resolve_objection": "处理异议",
    "approve": "批准（第二名工作人员）",
    "publish": "公示",
    "apply_repair": "申请信用修复",
    "decide_repair": "信用修复决定",
    "revoke_repair": "撤销信用修复",
    "remove": "提出移出",
    "expire": "期满移出",
}
LABELS: Final[dict[str, Any]] = {
    "grade_steps": GRADE_STEPS,
    "grade_statuses": GRADE_STATUSES,
    "listing_steps": LISTING_STEPS,
    "listing_statuses": LISTING_STATUSES,
    "enterprise_statuses": ENTERPRISE_STATUSES,
    "pending": PENDING_ACTIONS,
    "repair_statuses": {
        "pending": "待决定",
        "granted": "准予",
        "refused": "不予",
        "lapsed": "失效",
        "revoked": "已撤销",
    },
}

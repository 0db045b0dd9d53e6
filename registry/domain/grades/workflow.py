"""The grade state machine, in one place. Pure: which action may follow which status.

applied --review--> reviewed --audit--> audited --announce--> valid      (standard)
applied --review--> reviewed --announce--> valid                          (simplified)
review/audit failed -> rejected; pending -> suspended (while listed) -> resumed; -> withdrawn
valid --annual_check / rectify / certificate--> valid
valid -> revoked | expired (valid_until passed) | superseded (a newer grade announced)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

Status = Literal[
    "applied", "reviewed", "audited", "suspended", "rejected", "withdrawn", "valid", "expired", "revoked", "superseded"
]
Action = Literal[
    "review", "audit", "announce", "certificate", "annual_check", "rectify", "revoke", "suspend", "resume", "withdraw"
]

STATUSES: Final[dict[str, str]] = {
    "applied": "已申请",
    "reviewed": "已评审",
    "audited": "已审核",
    "suspended": "评审中止",
    "rejected": "未通过",
    "withdrawn": "已撤回申请",
    "valid": "有效",
    "expired": "已过期",
    "revoked": "已撤销",
    "superseded": "已被新等级取代",
}
LEVELS: Final[dict[int, str]] = {1: "一级", 2: "二级", 3: "三级"}
PENDING: Final = frozenset({"applied", "reviewed", "audited"})
ENDED: Final = frozenset({"rejected", "withdrawn", "expired", "revoked", "superseded"})

REVOCATION_REASONS: Final[dict[str, str]] = {
    "fatal_accident": "有效期内发生生产安全死亡事故",
    "major_hazard_unrectified": "存在重大事故隐患未在规定期限内完成整改",
    "system_ineffective": "未按照安全生产标准化管理体系持续、有效运行",
    "annual_check_unrectified": "年度核查发现的问题逾期未整改",
    "application_fraud": "申请定级过程中弄虚作假",
    "listed_seriously_dishonest": "被列入安全生产严重失信主体名单",
}
RevocationReason = Literal[
    "fatal_accident",
    "major_hazard_unrectified",
    "system_ineffective",
    "annual_check_unrectified",
    "application_fraud",
    "listed_seriously_dishonest",
]


class IllegalTransition(Exception):
    """A domain outcome; the service maps it to 409 with the current status."""

    def __init__(self, action: str, status: str, allowed_from: list[str]) -> None:
        super().__init__(f"{action} not allowed in status {status}")
        self.action = action
        self.status = status
        self.allowed_from = allowed_from


def allowed_from(action: str, steps: Sequence[str]) -> list[str]:
    """The statuses ``action`` may start from, under a procedure with ``steps``."""
    before_announcement = "audited" if "audit" in steps else "reviewed"
    table: dict[str, list[str]] = {
        "review": ["applied"],
        "audit": ["reviewed"] if "audit" in steps else [],
        "announce": [before_announcement],
        "certificate": ["valid"],
        "annual_check": ["valid"],
        "rectify": ["valid"],
        "revoke": ["valid"],
        "suspend": sorted(PENDING),
        "resume": ["suspended"],
        "withdraw": [*sorted(PENDING), "suspended"],
    }
    return table[action]


def next_status(
    action: str, status: str, steps: Sequence[str], *, passed: bool = True, resume_to: str | None = None
) -> str:
    """The status after ``action``; IllegalTransition when the action may not follow ``status``."""
    sources = allowed_from(action, steps)
    if status not in sources:
        raise IllegalTransition(action, status, sources)
    if action == "resume":
        if resume_to not in PENDING:  # the interrupted status is stored on suspension; anything else is corrupt
            raise IllegalTransition(action, status, sorted(PENDING))
        return resume_to
    outcomes = {
        "review": "reviewed" if passed else "rejected",
        "audit": "audited" if passed else "rejected",
        "announce": "valid",
        "revoke": "revoked",
        "suspend": "suspended",
        "withdraw": "withdrawn",
    }
    return outcomes.get(action, status)


#: Chinese names of the steps (the console and the service's refusals name a step by these)
STEP_NAMES: dict[str, str] = {
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

"""The conditions of early removal (信用修复, 11号): checked on the stored facts when a repair is
applied for and again when it is granted, and kept with the application as evidence.

11号 says only "满足规定的条件"; the conditions are reconstructed [R] from 国办发〔2020〕49号 and
local practice: the penalty's obligations performed, no new penalty since the listing, and the
harmful consequences removed (the applicant's commitment and documents: attested, not checked).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import CreditEvent, Listing
from registry.domain.evaluation.facts import heads
from registry.domain.events.query import effective
from registry.errors import FieldProblem, ValidationFailed
from registry.rules.calendar import full_months


def _check(code: str, held: bool, zh: str, en: str, evidence: list[int] | None = None, **kw: Any) -> dict[str, Any]:
    return {"code": code, "held": held, "zh": zh, "en": en, "evidence": evidence or [], "tag": "R", **kw}


async def checks(session: AsyncSession, listing: Listing, on: dt.date) -> list[dict[str, Any]]:
    assert listing.effective_on is not None
    months = full_months(listing.effective_on, on)
    found = await heads(session, {int(i) for i in listing.evidence})
    penalties = [e for e in found.values() if e is not None and e.kind == "penalty"]
    unperformed = [e.id for e in penalties if e.details.get("execution", "pending") != "executed"]
    subject = (
        CreditEvent.enterprise_id == listing.enterprise_id
        if listing.enterprise_id is not None
        else CreditEvent.person_id == listing.person_id
    )
    newer = list(
        await session.scalars(
            select(CreditEvent.id)
            .where(subject, CreditEvent.kind == "penalty", CreditEvent.occurred_on > listing.effective_on, effective())
            .order_by(CreditEvent.id)
        )
    )
    return [
        _check(
            "listed_12_months",
            months >= 12,
            f"列入已满{months}个月（须满12个月）",
            f"listed {months} full months (12 required)",
            tag="C-2",
        ),
        _check(
            "penalty_performed",
            not unperformed,
            "行政处罚决定规定的义务已履行" if not unperformed else f"处罚事件 {unperformed} 尚未履行完毕",
            "the penalty's obligations are performed"
            if not unperformed
            else f"penalty events {unperformed} not performed",
            unperformed or [e.id for e in penalties],
        ),
        _check(
            "no_new_penalty",
            not newer,
            "列入后未再受到行政处罚" if not newer else f"列入后又受到行政处罚（事件 {newer}）",
            "no new penalty since the listing" if not newer else f"new penalties since the listing: events {newer}",
            newer,
        ),
        _check(
            "consequences_removed",
            True,
            "已主动消除危害后果和不良影响（申请人承诺并提交材料，未经核验）",
            "harmful consequences removed (the applicant's commitment and documents; attested, not verified)",
            attested=True,
        ),
    ]


def require(found: list[dict[str, Any]]) -> None:
    """422 naming every condition that does not hold."""
    unmet = [c for c in found if not c["held"]]
    if unmet:
        raise ValidationFailed(
            [
                FieldProblem(
                    "conditions",
                    c["code"],
                    f"不符合提前移出条件：{c['zh']}",
                    f"early removal condition not met: {c['en']}",
                )
                for c in unmet
            ]
        )

"""What a listing decision does beyond its own row, in the same transaction (rule R12, 1001 (一)4):
a listed unit's grade applications in progress are suspended and a grade it holds is revoked;
when its last listing ends, the applications a listing suspended resume. Measures, incentives and
public disclosure need no rows of their own: they are evaluated from the listings (the facts
builder reads them), so they start and stop with the listing's status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db import report_summary
from registry.db.models import Grade, GradeStep, Listing
from registry.domain import audit, changes, history
from registry.domain.actors import Actor
from registry.domain.grades.workflow import PENDING, REVOCATION_REASONS
from registry.domain.listings.types import LIST_TYPES
from registry.rules.vocabulary import LIST_TYPES as REGIME_LIST_TYPES


def _grade_state(grade: Grade) -> dict[str, Any]:
    return {"status": grade.status, "version": grade.version}


async def _grade_step(
    session: AsyncSession,
    actor: Actor,
    now: dt.datetime,
    on: dt.date,
    grade: Grade,
    step: str,
    before: dict[str, Any],
    data: dict[str, Any],
) -> None:
    grade.version += 1
    grade.updated_at = now
    await session.flush()
    async with report_summary.track_grade(session, grade.id):
        session.add(
            GradeStep(
                grade_id=grade.id,
                step=step,
                on=on,
                data=data,
                status_after=grade.status,
                authority_id=actor.authority_id,
                actor=actor.id,
                recorded_at=now,
            )
        )
    await audit.record(
        session, actor, now, [audit.Change(f"grade.{step}", "grade", str(grade.id), before, _grade_state(grade))]
    )
    await changes.record(session, now, "grade", enterprise_ids=[grade.enterprise_id])
    await history.append(
        session,
        actor,
        now,
        f"grade.{step}",
        "grade",
        grade.id,
        {"enterprise_id": grade.enterprise_id, "level": grade.level, "status": grade.status, **data},
    )


async def on_listed(session: AsyncSession, actor: Actor, now: dt.datetime, listing: Listing, on: dt.date) -> list[int]:
    """R12: suspend the unit's grade applications in progress and revoke the grade it holds, on
    ``on``, the day of the decision (or of the restoration): the grade ends the day it is revoked,
    never before it was announced. Returns the ids of the grades changed."""
    if listing.enterprise_id is None or listing.list_type not in REGIME_LIST_TYPES:
        return []
    grades = list(
        await session.scalars(
            select(Grade)
            .where(Grade.enterprise_id == listing.enterprise_id, Grade.status.in_((*PENDING, "valid")))
            .order_by(Grade.id)
            .with_for_update()
        )
    )
    reason = {"listing_id": listing.id, "list_type": listing.list_type}
    for grade in grades:
        before = _grade_state(grade)
        if grade.status == "valid":
            grade.status = "revoked"
            grade.revocation_reason = "listed_seriously_dishonest"
            grade.ended_on = on
            await _grade_step(
                session,
                actor,
                now,
                on,
                grade,
                "revoke",
                before,
                {
                    **reason,
                    "reason": "listed_seriously_dishonest",
                    "reason_label": REVOCATION_REASONS["listed_seriously_dishonest"],
                },
            )
        else:
            grade.suspended_from = grade.status
            grade.status = "suspended"
            await _grade_step(session, actor, now, on, grade, "suspend", before, reason)
    return [g.id for g in grades]


async def on_ended(session: AsyncSession, actor: Actor, now: dt.datetime, listing: Listing, on: dt.date) -> list[int]:
    """When the unit's last listing in force ends, resume the applications a listing suspended
    (not those an officer suspended for another reason). Returns the ids of the grades resumed."""
    if listing.enterprise_id is None or listing.list_type not in REGIME_LIST_TYPES:
        return []
    still = await session.scalar(
        select(Listing.id).where(
            Listing.subject_key == listing.subject_key,
            Listing.status == "listed",
            Listing.id != listing.id,
            Listing.list_type.in_(tuple(REGIME_LIST_TYPES)),
        )
    )
    if still is not None:
        return []
    suspended = list(
        await session.scalars(
            select(Grade)
            .where(Grade.enterprise_id == listing.enterprise_id, Grade.status == "suspended")
            .order_by(Grade.id)
            .with_for_update()
        )
    )
    resumed = []
    for grade in suspended:
        last = await session.scalar(
            select(GradeStep).where(GradeStep.grade_id == grade.id).order_by(GradeStep.id.desc()).limit(1)
        )
        if last is None or last.step != "suspend" or "listing_id" not in last.data or grade.suspended_from is None:
            continue
        before = _grade_state(grade)
        grade.status = grade.suspended_from
        grade.suspended_from = None
        await _grade_step(session, actor, now, on, grade, "resume", before, {"listing_id": listing.id})
        resumed.append(grade.id)
    return resumed


async def on_corrected(
    session: AsyncSession, actor: Actor, now: dt.datetime, listing: Listing, on: dt.date
) -> list[int]:
    """A listing removed as wrong (objection upheld, court, review): the grades it revoked are
    reinstated while their validity lasts; the revocation and reinstatement both stay in the steps.
    Returns the ids of the grades reinstated."""
    if listing.enterprise_id is None:
        return []
    revoked = list(
        await session.scalars(
            select(Grade)
            .where(
                Grade.enterprise_id == listing.enterprise_id,
                Grade.status == "revoked",
                Grade.revocation_reason == "listed_seriously_dishonest",
            )
            .order_by(Grade.id)
            .with_for_update()
        )
    )
    reinstated = []
    for grade in revoked:
        last = await session.scalar(
            select(GradeStep).where(GradeStep.grade_id == grade.id).order_by(GradeStep.id.desc()).limit(1)
        )
        by_this = last is not None and last.step == "revoke" and last.data.get("listing_id") == listing.id
        current = await session.scalar(
            select(Grade.id).where(Grade.enterprise_id == grade.enterprise_id, Grade.status == "valid")
        )
        if not by_this or grade.valid_until is None or grade.valid_until < on or current is not None:
            continue
        before = _grade_state(grade)
        grade.status = "valid"
        grade.revocation_reason = None
        grade.ended_on = None
        await _grade_step(
            session,
            actor,
            now,
            on,
            grade,
            "reinstate",
            before,
            {"listing_id": listing.id, "reason": listing.removal_type},
        )
        reinstated.append(grade.id)
    return reinstated


def log_payload(listing: Listing, subject: dict[str, Any]) -> dict[str, Any]:
    """The facts of a listing decision the history log keeps (what a partner was told rests on)."""
    return {
        "listing_id": listing.id,
        "list_type": listing.list_type,
        "list_type_title": LIST_TYPES[listing.list_type].title,
        "criteria": list(listing.criteria),
        "subject": subject,
        "deciding_authority_id": listing.deciding_authority_id,
        "status": listing.status,
        "decision_no": listing.decision_no,
        "decided_on": listing.decided_on,
        "effective_on": listing.effective_on,
        "expires_on": listing.expires_on,
        "removed_on": listing.removed_on,
        "removal_type": listing.removal_type,
        "evidence": list(listing.evidence),
    }

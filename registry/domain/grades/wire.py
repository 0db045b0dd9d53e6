"""Grade rows as wire Structs: status as of today (a valid grade past valid_until reads as expired
even before the sweep has recorded it), the renewal window, and every step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Authority, Enterprise, Grade, GradeStep
from registry.domain.calendar import add_months
from registry.domain.grades import schemas as s
from registry.domain.grades.schemes import GradingRules
from registry.domain.grades.workflow import LEVELS, STATUSES


def status_on(grade: Grade, day: dt.date) -> str:
    if grade.status == "valid" and grade.valid_until is not None and day > grade.valid_until:
        return "expired"
    return grade.status


def renewal_window(valid_until: dt.date, months: int) -> s.RenewalWindow:
    return s.RenewalWindow(add_months(valid_until, -months), valid_until)


async def wire_grades(session: AsyncSession, grades: list[Grade], rules: GradingRules, today: dt.date) -> list[s.Grade]:
    if not grades:
        return []
    ids = [g.id for g in grades]
    steps: dict[int, list[GradeStep]] = {}
    for step in await session.scalars(select(GradeStep).where(GradeStep.grade_id.in_(ids)).order_by(GradeStep.id)):
        steps.setdefault(step.grade_id, []).append(step)
    authority_ids = {g.grading_authority_id for g in grades} | {
        st.authority_id for group in steps.values() for st in group if st.authority_id
    }
    authorities = {a.id: a for a in await session.scalars(select(Authority).where(Authority.id.in_(authority_ids)))}
    unit_ids = {g.enterprise_id for g in grades} | {
        g.reviewer_enterprise_id for g in grades if g.reviewer_enterprise_id
    }
    found = await session.execute(select(Enterprise.id, Enterprise.uscc).where(Enterprise.id.in_(unit_ids)))
    usccs = {i: code for i, code in found}  # noqa: C416 - dict(result) would index it (Result has .keys())
    out = []
    for g in grades:
        authority = authorities[g.grading_authority_id]
        scheme = rules.scheme(g.scheme)
        status = status_on(g, today)
        out.append(
            s.Grade(
                id=g.id,
                uscc=usccs[g.enterprise_id],
                level=g.level,
                level_label=LEVELS[g.level],
                scheme=g.scheme,
                scheme_verified=bool(scheme and scheme.verified),
                standard=g.standard,
                procedure=g.procedure,
                grading_authority=s.AuthorityRef(authority.division_code, authority.name, authority.level),
                status=status,
                status_label=STATUSES[status],
                self_score=g.self_score,
                self_assessed_on=g.self_assessed_on,
                applied_on=g.applied_on,
                review_score=g.review_score,
                reviewed_on=g.reviewed_on,
                reviewer_uscc=usccs.get(g.reviewer_enterprise_id) if g.reviewer_enterprise_id else None,
                announcement_no=g.announcement_no,
                announced_on=g.announced_on,
                valid_until=g.valid_until,
                renewal_window=renewal_window(g.valid_until, rules.renewal_window_months)
                if g.valid_until is not None
                else None,
                certificate_no=g.certificate_no,
                renewal_of=g.renewal_of_id,
                superseded_by=g.superseded_by_id,
                ended_on=g.ended_on if status == g.status else g.valid_until,
                revocation_reason=g.revocation_reason,
                findings_deadline=g.findings_deadline,
                warnings=next(
                    (list(st.data.get("warnings", [])) for st in steps.get(g.id, []) if st.step == "application"), []
                ),
                version=g.version,
                steps=[
                    s.Step(
                        st.id,
                        st.step,
                        st.on,
                        dict(st.data),
                        st.status_after,
                        authorities[st.authority_id].name if st.authority_id else None,
                        st.actor,
                        st.recorded_at,
                    )
                    for st in steps.get(g.id, [])
                ],
            )
        )
    return out

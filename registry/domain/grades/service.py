"""The grade lifecycle: application, review, audit, announcement, annual checks, renewal, revocation.

Every action is one transaction: the step row (append-only), the projection row (version + 1)
and the audit entry. The projection is updated only where its version is the one the officer
read, so two officers acting at once cannot both win; the partial unique indexes keep one
current grade and one application in progress per enterprise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db import report_summary
from registry.db.engine import Database
from registry.db.models import Agency, Authority, CreditEvent, Enterprise, Grade, GradeStep
from registry.domain import audit, changes, history, reads
from registry.domain.accounts.authorities import NATIONAL_DIVISION, ensure_authority
from registry.domain.actors import Actor, system_actor
from registry.domain.calendar import add_months, add_years, within
from registry.domain.events.query import effective
from registry.domain.grades import schemas as s
from registry.domain.grades.conditions import Accident, unmet
from registry.domain.grades.schemes import GradingRules
from registry.domain.grades.wire import status_on, wire_grades
from registry.domain.grades.workflow import (
    LEVELS,
    REVOCATION_REASONS,
    STATUSES,
    STEP_NAMES,
    IllegalTransition,
    next_status,
)
from registry.domain.identifiers import IdentifierError, parse_uscc
from registry.domain.jurisdiction import deny, locations
from registry.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from registry.lib.clock import Clock, today
from registry.rules.facts import Event, EventKind
from registry.rules.removal import revocation_ground


class NotGradingAuthority(Forbidden):
    code = "not_grading_authority"
    title = "非定级机关 / Not the grading authority"


def _current(status: str, version: int) -> dict[str, Any]:
    """The grade's state as a 409 reports it (``status`` is the problem's HTTP status member)."""
    return {"current": {"status": status, "version": version}}


def _fail(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def _authority_division(level: str, division: str) -> str:
    match level:
        case "national":
            return NATIONAL_DIVISION
        case "provincial":
            return division[:2] + "0000"
        case "prefectural":
            return division[:4] + "00"
        case _:
            return division


class GradeService:
    def __init__(self, db: Database, clock: Clock, rules: GradingRules) -> None:
        self.db = db
        self.clock = clock
        self.rules = rules

    # ---- reading -----------------------------------------------------------------------------

    async def of_enterprise(self, actor: Actor, uscc: str) -> s.EnterpriseGrades:
        """Every grade of the unit with its steps (grades in progress included): the unit's full
        file, so within the actor's area or for a unit it decided on; elsewhere 403, audited."""
        async with self.db.read() as session:
            enterprise, readable = await self._unit(session, actor, uscc)
            if readable:
                rows = list(
                    (
                        await session.scalars(
                            select(Grade).where(Grade.enterprise_id == enterprise.id).order_by(Grade.id.desc())
                        )
                    ).all()
                )
                grades = await wire_grades(session, rows, self.rules, today(self.clock))
                current = next((g for g in grades if g.status == "valid"), None)
                return s.EnterpriseGrades(uscc, current, grades)
        raise await reads.refuse_unit(self.db, self.clock, actor, "grade.read", enterprise)

    async def get(self, actor: Actor, uscc: str, grade_id: int) -> s.Grade:
        async with self.db.read() as session:
            enterprise, readable = await self._unit(session, actor, uscc)
            if readable:
                return await self._wired(session, enterprise, uscc, grade_id)
        raise await reads.refuse_unit(self.db, self.clock, actor, "grade.read", enterprise)

    async def _read(self, uscc: str, grade_id: int) -> s.Grade:
        """The grade after a step the actor was allowed to take (it passed the area test)."""
        async with self.db.read() as session:
            return await self._wired(session, await self._enterprise(session, uscc), uscc, grade_id)

    async def _wired(self, session: AsyncSession, enterprise: Enterprise, uscc: str, grade_id: int) -> s.Grade:
        grade = await session.get(Grade, grade_id)
        if grade is None or grade.enterprise_id != enterprise.id:
            raise NotFound(f"{uscc} 没有编号为 {grade_id} 的等级 / no grade {grade_id} for {uscc}")
        [wired] = await wire_grades(session, [grade], self.rules, today(self.clock))
        return wired

    @staticmethod
    async def _unit(session: AsyncSession, actor: Actor, uscc: str) -> tuple[Enterprise, bool]:
        """The unit (404 if unknown) and whether the actor may read its file, in one query."""
        found = await reads.unit_and_access(session, actor, uscc)
        if found is None:
            raise NotFound(f"{uscc} 尚未登记 / {uscc} is not registered")
        return found

    def schemes(self) -> list[s.SchemeInfo]:
        return [
            s.SchemeInfo(x.code, x.title, x.effective_from, x.effective_to, x.verified, x.source, x.thresholds)
            for x in self.rules.schemes
        ]

    # ---- application -------------------------------------------------------------------------

    async def apply(self, actor: Actor, uscc: str, data: s.GradeApply) -> s.Grade:
        on = today(self.clock)
        now = self.clock.now()
        try:
            async with self.db.write() as session:
                enterprise = await self._enterprise(session, uscc)
                places = await locations(session, enterprise)
                allowed = actor.may_act_on(places)
                if allowed:  # outside the area the answer is 403 (audited) whatever the body says
                    self._check_application(data, on)
                    if enterprise.status != "active":
                        raise _fail(
                            "uscc", "not_active", f"{uscc} 已{enterprise.status}，不能申请定级", f"{uscc} is not active"
                        )
                    if data.renewal_of is not None:
                        await self._check_renewal(session, enterprise, data)
                    warnings = await self._check_conditions(session, enterprise, data)
                    level = self.rules.authority_level(data.level, enterprise.division_code, enterprise.scale)
                    authority = await ensure_authority(
                        session,
                        system_actor("grading"),
                        now,
                        level,
                        _authority_division(level, enterprise.division_code),
                    )
                    grade = Grade(
                        enterprise_id=enterprise.id,
                        level=data.level,
                        scheme=data.scheme,
                        standard=data.standard.strip(),
                        procedure=self.rules.procedure_for(enterprise.division_code, data.level),
                        grading_authority_id=authority.id,
                        status="applied",
                        self_score=data.self_score,
                        self_assessed_on=data.self_assessed_on,
                        applied_on=data.applied_on,
                        renewal_of_id=data.renewal_of,
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(grade)
                    await session.flush()
                    data_out = msgspec.to_builtins(data)
                    if warnings:
                        data_out["warnings"] = warnings
                    await self._step(session, actor, now, grade, "application", data.applied_on, data_out)
                    grade_id = grade.id
        except IntegrityError as exc:
            raise Conflict(
                f"{uscc} 已有一个正在办理的定级申请 / {uscc} already has an application in progress"
            ) from exc
        if not allowed:
            await deny(self.db, self.clock, actor, "grade.apply", "enterprise", uscc, f"division {places[0]}")
        return await self._read(uscc, grade_id)

    def _check_application(self, data: s.GradeApply, on: dt.date) -> None:
        problems: list[FieldProblem] = []
        scheme = self.rules.scheme(data.scheme)
        if scheme is None:
            known = ", ".join(x.code for x in self.rules.schemes)
            problems.append(
                FieldProblem(
                    "scheme", "unknown_scheme", f"未知的评分办法，可选：{known}", f"unknown scheme; one of {known}"
                )
            )
        else:
            if data.applied_on < scheme.effective_from or (
                scheme.effective_to is not None and data.applied_on > scheme.effective_to
            ):
                problems.append(
                    FieldProblem(
                        "scheme",
                        "scheme_not_in_force",
                        f"申请日期 {data.applied_on} 时该评分办法不在有效期内",
                        f"scheme {scheme.code} was not in force on {data.applied_on}",
                    )
                )
            threshold = scheme.thresholds[data.level]
            if data.self_score < threshold:
                problems.append(
                    FieldProblem(
                        "self_score",
                        "below_threshold",
                        f"自评得分 {data.self_score:g} 低于{LEVELS[data.level]}要求的 {threshold:g} 分",
                        f"self_score {data.self_score:g} is below {threshold:g}, the minimum for level {data.level}",
                    )
                )
        for name, day in (("self_assessed_on", data.self_assessed_on), ("applied_on", data.applied_on)):
            if day > on:
                problems.append(
                    FieldProblem(name, "future_date", f"{name} 不能晚于今天 {on}", f"{name} is after today")
                )
        if data.self_assessed_on > data.applied_on:
            problems.append(
                FieldProblem(
                    "self_assessed_on",
                    "after_application",
                    "自评日期晚于申请日期",
                    "self_assessed_on is after applied_on",
                )
            )
        if problems:
            raise ValidationFailed(problems)

    async def _check_renewal(self, session: AsyncSession, enterprise: Enterprise, data: s.GradeApply) -> None:
        held = await session.get(Grade, data.renewal_of)
        if held is None or held.enterprise_id != enterprise.id:
            raise _fail(
                "renewal_of",
                "unknown_grade",
                f"该企业没有编号为 {data.renewal_of} 的等级",
                "no such grade of this enterprise",
            )
        await self._expire_if_due(session, held)
        if held.status != "valid" or held.valid_until is None:
            raise _fail(
                "renewal_of",
                "not_valid",
                f"等级 {held.id} 当前为{STATUSES[held.status]}，不能复评，请重新申请",
                f"grade {held.id} is {held.status}; only a valid grade can be renewed (apply anew)",
            )
        opens = add_months(held.valid_until, -self.rules.renewal_window_months)
        if not within(data.applied_on, opens, held.valid_until):
            raise _fail(
                "applied_on",
                "outside_renewal_window",
                f"复评须在期满前{self.rules.renewal_window_months}个月内申请（{opens} 至 {held.valid_until}）",
                f"a renewal is applied for between {opens} and {held.valid_until}",
            )

    async def _check_conditions(
        self, session: AsyncSession, enterprise: Enterprise, data: s.GradeApply
    ) -> list[dict[str, Any]]:
        """The scheme's conditions on the applicant's accident record: an unmet verified condition
        refuses the application (422); unmet unverified ones come back as warnings to record."""
        scheme = self.rules.scheme(data.scheme)
        assert scheme is not None  # _check_application refused unknown schemes
        conditions = scheme.conditions_for(data.level)
        if not conditions:
            return []
        rows = await session.scalars(
            select(CreditEvent)
            .where(
                CreditEvent.enterprise_id == enterprise.id,
                CreditEvent.kind == "accident",
                CreditEvent.occurred_on < data.applied_on,
                effective(),
            )
            .order_by(CreditEvent.occurred_on, CreditEvent.id)  # messages cite them in a stable order
        )
        accidents = [
            Accident(e.id, e.occurred_on, int(e.details["deaths"]), e.accident_grade or "ordinary") for e in rows
        ]
        found = unmet(conditions, accidents, data.applied_on)
        if not found:
            return []
        if scheme.conditions is not None and scheme.conditions.verified:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "level",
                        "application_condition",
                        f"不符合{LEVELS[data.level]}申请条件：{u.condition.text()[0]}（事故事件 {list(u.accidents)}）",
                        f"level {data.level} condition not met: {u.condition.text()[1]} (accident events "
                        f"{list(u.accidents)})",
                    )
                    for u in found
                ]
            )
        return [
            {
                "zh": u.condition.text()[0],
                "en": u.condition.text()[1],
                "accidents": list(u.accidents),
                "verified": False,
            }
            for u in found
        ]

    # ---- steps -------------------------------------------------------------------------------

    async def act(self, actor: Actor, uscc: str, grade_id: int, action: str, data: Any) -> s.Grade:
        now = self.clock.now()
        on = today(self.clock)
        async with self.db.write() as session:
            enterprise = await self._enterprise(session, uscc)
            grade = await session.scalar(select(Grade).where(Grade.id == grade_id).with_for_update())
            if grade is None or grade.enterprise_id != enterprise.id:
                raise NotFound(f"{uscc} 没有编号为 {grade_id} 的等级 / no grade {grade_id} for {uscc}")
            places = await locations(session, enterprise)
            allowed = actor.may_act_on(places)
            if allowed:
                await self._check_grading_authority(session, actor, grade, action)
                if grade.version != data.version:
                    raise self._stale(grade, data.version)
                if data.on > on:
                    raise _fail("on", "future_date", f"日期不能晚于今天 {on}", f"on is after today ({on})")
                if status_on(grade, on) == "expired" and grade.status == "valid":
                    # past valid_until: expired whatever the sweep has recorded yet; refused here without
                    # writing, so the answer's version is the stored one (the sweep records the expiry)
                    raise Conflict(
                        f"等级 {grade.id} 已于 {grade.valid_until} 期满，不能{_zh(action)} / grade {grade.id} expired "
                        f"after {grade.valid_until}; {action} is not allowed",
                        extra=_current("expired", grade.version),
                    )
                before = {"status": grade.status, "version": grade.version}
                payload = await getattr(self, f"_{action}")(session, grade, data)
                # after the action's own date rules, so their more specific answers come first
                await self._check_step_order(session, grade, data.on)
                await self._step(session, actor, now, grade, action, data.on, payload, before)
        if not allowed:
            await deny(self.db, self.clock, actor, f"grade.{action}", "grade", str(grade_id), f"division {places[0]}")
        return await self._read(uscc, grade_id)

    def _transition(self, grade: Grade, action: str, **kw: Any) -> str:
        steps = list(self.rules.procedures[grade.procedure].steps)
        try:
            return next_status(action, grade.status, steps, **kw)
        except IllegalTransition as exc:
            allowed = "、".join(STATUSES[x] for x in exc.allowed_from) or "（本程序无此环节）"
            allowed_en = ", ".join(exc.allowed_from) or "none (not a step of this procedure)"
            raise Conflict(
                f"等级 {grade.id} 当前为{STATUSES[grade.status]}，不能{_zh(action)}；可在以下状态进行：{allowed} / "
                f"grade {grade.id} is {grade.status}; {action} is allowed from: {allowed_en}",
                extra=_current(grade.status, grade.version),
            ) from exc

    async def _review(self, session: AsyncSession, grade: Grade, data: s.GradeReview) -> Any:
        status = self._transition(grade, "review", passed=data.passed)
        self._not_before("on", data.on, grade.applied_on, "申请日期")
        threshold = self._threshold(grade)
        if data.passed and (data.score is None or data.score < threshold):
            raise _fail(
                "score",
                "below_threshold",
                f"评审通过须给出不低于 {threshold:g} 分的评审得分",
                f"a passed review needs a score of at least {threshold:g}",
            )
        reviewer_id = None
        if data.reviewer_uscc is not None:
            reviewer_id = await self._reviewer(session, data.reviewer_uscc)
        grade.status = status
        grade.review_score = data.score
        grade.reviewed_on = data.on
        grade.reviewer_enterprise_id = reviewer_id
        if status == "rejected":
            grade.ended_on = data.on
        return msgspec.to_builtins(data)

    async def _audit(self, _session: AsyncSession, grade: Grade, data: s.GradeAudit) -> Any:
        status = self._transition(grade, "audit", passed=data.passed)
        self._not_before("on", data.on, grade.reviewed_on or grade.applied_on, "评审日期")
        grade.status = status
        if status == "rejected":
            grade.ended_on = data.on
        return msgspec.to_builtins(data)

    async def _announce(self, session: AsyncSession, grade: Grade, data: s.GradeAnnounce) -> Any:
        status = self._transition(grade, "announce")
        self._not_before("on", data.on, grade.reviewed_on or grade.applied_on, "评审日期")
        current = await session.scalar(
            select(Grade).where(
                Grade.enterprise_id == grade.enterprise_id, Grade.status == "valid", Grade.id != grade.id
            )
        )
        # judged on the announcement date, which may lie in the past when a decision is entered late:
        # a grade still valid that day is superseded by the new one, else it had expired before
        if current is not None and current.valid_until is not None and current.valid_until < data.on:
            await self._expire_if_due(session, current)
        elif current is not None:
            current.status = "superseded"
            current.superseded_by_id = grade.id
            current.ended_on = data.on
            current.version += 1
            current.updated_at = self.clock.now()
            await session.flush()
            await self._record_step(session, system_actor("grading"), current, "superseded", data.on, {"by": grade.id})
            await audit.record(
                session,
                system_actor("grading"),
                self.clock.now(),
                [
                    audit.Change(
                        "grade.supersede",
                        "grade",
                        str(current.id),
                        {"status": "valid"},
                        {"status": "superseded", "by": grade.id},
                    )
                ],
            )
        grade.status = status
        grade.announcement_no = data.announcement_no.strip()
        grade.announced_on = data.on
        grade.valid_until = add_years(data.on, self.rules.validity_years)
        return {**msgspec.to_builtins(data), "valid_until": grade.valid_until.isoformat()}

    async def _certificate(self, _session: AsyncSession, grade: Grade, data: s.GradeCertificate) -> Any:
        self._transition(grade, "certificate")
        if not self.rules.procedures[grade.procedure].certificate:
            raise Conflict(
                f"{grade.procedure} 程序不颁发证书 / the {grade.procedure} procedure issues no certificate",
                extra={"procedure": grade.procedure, **_current(grade.status, grade.version)},
            )
        self._not_before("on", data.on, grade.announced_on, "公告日期")
        grade.certificate_no = data.certificate_no.strip()
        return msgspec.to_builtins(data)

    async def _annual_check(self, _session: AsyncSession, grade: Grade, data: s.AnnualCheck) -> Any:
        self._transition(grade, "annual_check")
        assert grade.announced_on is not None
        assert grade.valid_until is not None
        if not within(data.on, grade.announced_on, grade.valid_until):
            raise _fail(
                "on",
                "outside_validity",
                f"年度核查日期须在有效期内（{grade.announced_on} 至 {grade.valid_until}）",
                f"the check date must fall within the validity ({grade.announced_on} to {grade.valid_until})",
            )
        if data.result == "findings":
            problems = []
            if not data.findings:
                problems.append(FieldProblem("findings", "required", "发现问题须写明问题", "findings are required"))
            if data.rectification_deadline is None:
                problems.append(
                    FieldProblem(
                        "rectification_deadline",
                        "required",
                        "发现问题须给出整改期限",
                        "a rectification deadline is required",
                    )
                )
            elif data.rectification_deadline < data.on:
                problems.append(
                    FieldProblem(
                        "rectification_deadline",
                        "before_finding",
                        "整改期限早于核查日期",
                        "rectification_deadline is before the check date",
                    )
                )
            if problems:
                raise ValidationFailed(problems)
            grade.findings_deadline = min(filter(None, [grade.findings_deadline, data.rectification_deadline]))
        elif data.rectification_deadline is not None:
            raise _fail(
                "rectification_deadline",
                "not_allowed",
                "核查通过时没有整改期限",
                "a passed check has no rectification deadline",
            )
        return msgspec.to_builtins(data)

    async def _rectify(self, session: AsyncSession, grade: Grade, data: s.Rectification) -> Any:
        self._transition(grade, "rectify")
        if grade.findings_deadline is None:
            raise Conflict(
                f"等级 {grade.id} 没有待整改的问题 / grade {grade.id} has no open findings",
                extra=_current(grade.status, grade.version),
            )
        last_check = await session.scalar(
            select(GradeStep.on)
            .where(GradeStep.grade_id == grade.id, GradeStep.step == "annual_check")
            .order_by(GradeStep.id.desc())
        )
        self._not_before("on", data.on, last_check, "核查日期")
        late = data.on > grade.findings_deadline
        deadline = grade.findings_deadline
        grade.findings_deadline = None
        return {**msgspec.to_builtins(data), "deadline": deadline.isoformat(), "late": late}

    async def _revoke(self, session: AsyncSession, grade: Grade, data: s.Revocation) -> Any:
        status = self._transition(grade, "revoke")
        self._not_before("on", data.on, grade.announced_on, "公告日期")
        await self._check_revocation_grounds(session, grade, data)
        grade.status = status
        grade.revocation_reason = data.reason
        grade.ended_on = data.on
        return {**msgspec.to_builtins(data), "reason_label": REVOCATION_REASONS[data.reason]}

    async def _suspend(self, _session: AsyncSession, grade: Grade, data: s.StatusChange) -> Any:
        grade.suspended_from = grade.status
        grade.status = self._transition(grade, "suspend")
        return msgspec.to_builtins(data)

    async def _resume(self, _session: AsyncSession, grade: Grade, data: s.StatusChange) -> Any:
        grade.status = self._transition(grade, "resume", resume_to=grade.suspended_from)
        grade.suspended_from = None
        return msgspec.to_builtins(data)

    async def _withdraw(self, _session: AsyncSession, grade: Grade, data: s.StatusChange) -> Any:
        grade.status = self._transition(grade, "withdraw")
        grade.suspended_from = None
        grade.ended_on = data.on
        return msgspec.to_builtins(data)

    async def _check_revocation_grounds(self, session: AsyncSession, grade: Grade, data: s.Revocation) -> None:
        """The facts a revocation rests on must be on record (DOMAIN 3.3; rule R18)."""
        assert grade.announced_on is not None
        assert grade.valid_until is not None
        if data.reason == "annual_check_unrectified":
            if grade.findings_deadline is None or grade.findings_deadline >= data.on:
                raise _fail(
                    "reason",
                    "no_grounds",
                    "没有逾期未整改的年度核查问题",
                    "there are no annual-check findings past their deadline",
                )
            return
        if data.reason not in ("fatal_accident", "major_hazard_unrectified"):
            return
        kind = "accident" if data.reason == "fatal_accident" else "major_hazard"
        events = list(
            (
                await session.scalars(
                    select(CreditEvent).where(
                        CreditEvent.id.in_(data.event_ids),
                        CreditEvent.kind == kind,
                        CreditEvent.enterprise_id == grade.enterprise_id,
                        effective(),
                    )
                )
            ).all()
        )
        grounds = [e for e in events if self._is_ground(e, grade, data.on)]
        if not grounds:
            zh = (
                "须引用本企业有效期内发生的死亡事故（事件编号）"
                if kind == "accident"
                else "须引用本企业逾期未整改的重大事故隐患（事件编号）"
            )
            raise _fail(
                "event_ids",
                "no_grounds",
                zh,
                f"cite an effective {kind} event of this enterprise that makes the revocation lawful",
            )

    @staticmethod
    def _is_ground(event: CreditEvent, grade: Grade, on: dt.date) -> bool:
        """The rules' definition (``registry.rules.removal.revocation_ground``, read by R18), so a
        revocation the workflow accepts is one ``POST /api/v1/rules/evaluate`` advises."""
        assert grade.announced_on is not None
        assert grade.valid_until is not None
        d = event.details
        fact = Event(
            id=event.id,
            kind=cast(EventKind, event.kind),
            occurred_on=event.occurred_on,
            deaths=int(d.get("deaths") or 0),
            deadline=dt.date.fromisoformat(d["rectification_deadline"]) if d.get("rectification_deadline") else None,
            rectified_on=dt.date.fromisoformat(d["rectified_on"]) if d.get("rectified_on") else None,
        )
        reason = "fatal_accident" if event.kind == "accident" else "major_hazard_unrectified"
        return revocation_ground(reason, fact, grade.announced_on, grade.valid_until, on)

    # ---- expiry ------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Record the expiry of every valid grade past valid_until. Idempotent."""
        on = today(self.clock)
        async with self.db.write() as session:
            due = list(
                (
                    await session.scalars(
                        select(Grade).where(Grade.status == "valid", Grade.valid_until < on).with_for_update()
                    )
                ).all()
            )
            for grade in due:
                await self._expire_if_due(session, grade)
        return len(due)

    async def _expire_if_due(self, session: AsyncSession, grade: Grade) -> None:
        if grade.status != "valid" or grade.valid_until is None or today(self.clock) <= grade.valid_until:
            return
        grade.status = "expired"
        grade.ended_on = grade.valid_until
        grade.version += 1
        grade.updated_at = self.clock.now()
        await self._record_step(session, system_actor("sweep"), grade, "expiry", grade.valid_until, {})
        await audit.record(
            session,
            system_actor("sweep"),
            self.clock.now(),
            [audit.Change("grade.expire", "grade", str(grade.id), {"status": "valid"}, {"status": "expired"})],
        )

    # ---- helpers -----------------------------------------------------------------------------

    async def _check_grading_authority(self, session: AsyncSession, actor: Actor, grade: Grade, action: str) -> None:
        """Steps after the application belong to the grading authority (admins may act for it)."""
        if actor.role == "admin" or actor.authority_id == grade.grading_authority_id:
            return
        authority = await session.get_one(Authority, grade.grading_authority_id)
        raise NotGradingAuthority(
            f"{LEVELS[grade.level]}等级由{authority.name}（{authority.level}）办理，本机关不能{_zh(action)} / "
            f"level {grade.level} grades of this enterprise are handled by {authority.name} "
            f"({authority.level}, {authority.division_code}); your authority may not {action}",
        )

    @staticmethod
    async def _check_step_order(session: AsyncSession, grade: Grade, on: dt.date) -> None:
        """Steps happen in date order: none may be dated before the one recorded before it."""
        last = await session.scalar(
            select(GradeStep.on).where(GradeStep.grade_id == grade.id).order_by(GradeStep.on.desc()).limit(1)
        )
        if last is not None and on < last:
            raise _fail(
                "on",
                "before_previous_step",
                f"日期 {on} 早于该等级上一环节的日期 {last}",
                f"on ({on}) is before the date of the grade's previous step ({last})",
            )

    def _threshold(self, grade: Grade) -> float:
        scheme = self.rules.scheme(grade.scheme)
        assert scheme is not None, "schemes are never removed from grading.yaml once used"
        return scheme.thresholds[grade.level]

    @staticmethod
    def _not_before(field: str, day: dt.date, start: dt.date | None, what: str) -> None:
        if start is not None and day < start:
            raise _fail(field, "before_previous_step", f"日期早于{what} {start}", f"{field} is before {start}")

    @staticmethod
    def _stale(grade: Grade, sent: int) -> Conflict:
        return Conflict(
            f"等级 {grade.id} 已被修改（当前版本 {grade.version}，请求版本 {sent}），请重新读取 / grade {grade.id} "
            f"changed (version {grade.version}, you sent {sent}); read it again",
            extra=_current(grade.status, grade.version),
        )

    async def _reviewer(self, session: AsyncSession, uscc: str) -> int:
        try:
            code = parse_uscc(uscc).value
        except IdentifierError as err:
            raise _fail("reviewer_uscc", err.code, err.message_zh, err.message_en) from err
        found = await session.scalar(
            select(Enterprise.id).join(Agency, Agency.enterprise_id == Enterprise.id).where(Enterprise.uscc == code)
        )
        if found is None:
            raise _fail(
                "reviewer_uscc", "not_an_agency", f"{code} 不是已登记的评审单位", f"{code} is not a registered agency"
            )
        return int(found)

    @staticmethod
    async def _enterprise(session: AsyncSession, uscc: str) -> Enterprise:
        enterprise = await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
        if enterprise is None:
            raise NotFound(f"{uscc} 尚未登记 / {uscc} is not registered")
        return enterprise

    async def _step(
        self,
        session: AsyncSession,
        actor: Actor,
        now: dt.datetime,
        grade: Grade,
        step: str,
        on: dt.date,
        data: Any,
        before: dict[str, Any] | None = None,
    ) -> None:
        # the row was read FOR UPDATE (PostgreSQL) or under SQLite's single writer, and its version
        # compared with the one the officer sent: no other transaction can move it in between
        before = before or {}
        if step != "application":
            grade.version += 1
            grade.updated_at = now
        await session.flush()
        await self._record_step(session, actor, grade, step, on, data)
        await audit.record(
            session,
            actor,
            now,
            [
                audit.Change(
                    f"grade.{step}", "grade", str(grade.id), before, {"status": grade.status, **_jsonable(data)}
                )
            ],
        )

    async def _record_step(
        self, session: AsyncSession, actor: Actor, grade: Grade, step: str, on: dt.date, data: dict[str, Any]
    ) -> None:
        async with report_summary.track_grade(session, grade.id):
            session.add(
                GradeStep(
                    grade_id=grade.id,
                    step=step,
                    on=on,
                    data=_jsonable(data),
                    status_after=grade.status,
                    authority_id=actor.authority_id,
                    actor=actor.id,
                    recorded_at=self.clock.now(),
                )
            )
        await changes.record(session, self.clock.now(), "grade", enterprise_ids=[grade.enterprise_id])
        # every grade change is a decision partners rely on: it goes to the history log too
        await history.append(
            session,
            actor,
            self.clock.now(),
            f"grade.{step}",
            "grade",
            grade.id,
            {"enterprise_id": grade.enterprise_id, "level": grade.level, "status": grade.status, **_jsonable(data)},
        )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items() if k != "version"}


def _zh(action: str) -> str:
    """The step's Chinese name, for the Chinese half of a refusal."""
    return STEP_NAMES.get(action, action)

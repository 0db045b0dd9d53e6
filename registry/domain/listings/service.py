"""The listing workflow: every action is one transaction holding the projection row (version + 1),
the step (append-only), the audit entry, the effects (grades, history log) and, with an
Idempotency-Key, the answer a retry gets. The row is read FOR UPDATE (PostgreSQL) or under
SQLite's single writer and its version compared with the one the officer sent, so of two officers
acting at once exactly one wins; the other gets 409 with the current state.

Who may act: a bureau whose area covers the subject (else 403, audited), and of that bureau only
the deciding authority, the one that imposed the penalty (谁处罚、谁决定、谁负责; else 403,
audited). Deciding to list, removing, granting or revoking a repair take two different officers:
two persons, not two accounts (an officer may hold several accounts; ``Actor.person``). Only officer
accounts propose and decide (``DECISIONS``; else 403, audited); recording what happened (a notice
served, an objection received, a publication, a repair application) is open to any account of
the deciding authority.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Account, Authority, Enterprise, Listing, ListingStep, RepairApplication
from registry.domain import audit, changes, history, idempotency
from registry.domain.actors import Actor, person_key, system_actor
from registry.domain.jurisdiction import deny, locations
from registry.domain.listings import proposals, repair
from registry.domain.listings import schemas as s
from registry.domain.listings import workflow as wf
from registry.domain.listings.effects import log_payload, on_corrected, on_ended, on_listed
from registry.domain.listings.query import ListingQuery
from registry.domain.listings.query import statement as listing_statement
from registry.domain.listings.types import (
    BAN_TYPES,
    CORRECTIONS,
    LIST_TYPES,
    PUBLICATION_CHANNELS,
    REMOVAL_TYPES,
    STATUSES,
)
from registry.domain.listings.wire import subject_of, wire
from registry.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from registry.lib.clock import Clock, today
from registry.rules.model import Ruleset


class NotDecidingAuthority(Forbidden):
    code = "not_deciding_authority"
    title = "非作出决定的机关 / Not the deciding authority"


class OfficerRequired(Forbidden):
    code = "officer_required"
    title = "须由工作人员办理 / An officer must act"


#: the actions that decide (propose, approve or reject, remove, grant or refuse a repair, revoke
#: one, resolve an objection, accept a statement): only officer accounts take them
DECISIONS = frozenset(
    {"propose", "approve", "remove", "decide_repair", "revoke_repair", "resolve_objection", "statement"}
)


def _officer_required(actor: Actor, action: str) -> OfficerRequired | None:
    if actor.kind == "officer" and actor.officer_id is not None:
        return None
    return OfficerRequired(
        f"名单决定（{action}）只能由工作人员（officer）账号提出或批准，系统账号 {actor.id} 不能 / only officer "
        f"accounts (each tied to one person) may propose or approve listing decisions ({action}); {actor.id} is "
        f"a {actor.kind} account",
        extra={"reason": "officer_required", "action": action},
    )


def _fail(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def _current(listing: Listing) -> dict[str, Any]:
    return {
        "current": {
            "status": listing.status,
            "version": listing.version,
            "objection_pending": listing.objection_pending,
            "pending_action": listing.pending_action,
        }
    }


def _refusal(exc: wf.Refused, listing: Listing) -> Exception:
    if exc.status == 409:
        return Conflict(f"{exc.zh} / {exc.en}", extra={"reason": exc.code, **_current(listing)})
    return _fail(exc.field or "action", exc.code, exc.zh, exc.en)


def _state(listing: Listing, repair_pending: bool, persons: dict[str, str] | None = None) -> wf.State:
    """The listing as the workflow sees it; ``persons`` (account -> person) makes proposer and
    pending proposer the persons behind the accounts, as the two-officer rule compares them."""
    who = persons or {}
    return wf.State(
        list_type=listing.list_type,
        status=listing.status,
        proposed_by=who.get(listing.proposed_by, listing.proposed_by),
        objection_pending=listing.objection_pending,
        pending_action=listing.pending_action,
        pending_by=who.get(listing.pending_by, listing.pending_by) if listing.pending_by else None,
        statement_deadline=listing.statement_deadline,
        statement_answered=listing.statement_answered,
        effective_on=listing.effective_on,
        expires_on=listing.expires_on,
        removal_type=listing.removal_type,
        repair_pending=repair_pending,
    )


async def _persons(session: AsyncSession, listing: Listing) -> dict[str, str]:
    """The person behind the proposing accounts (an account of no officer stands for itself)."""
    ids = [c for c in (listing.proposed_by, listing.pending_by) if c]
    rows = await session.execute(select(Account.client_id, Account.officer_id).where(Account.client_id.in_(ids)))
    found: dict[str, int | None] = dict(rows.all())
    return {c: person_key(c, found.get(c)) for c in ids}


def _jsonable(data: Any) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(data)
    out.pop("version", None)
    return out


def _day(field: str, day: dt.date | None, on: dt.date, not_before: dt.date | None, what: str) -> dt.date:
    """An action's own date: today when omitted, never in the future, never before ``not_before``."""
    day = day or on
    if day > on:
        raise _fail(field, "future_date", f"{field} 不能晚于今天 {on}", f"{field} is after today ({on})")
    if not_before is not None and day < not_before:
        raise _fail(
            field, "before_previous_step", f"{field} 早于{what} {not_before}", f"{field} is before {not_before}"
        )
    return day


class ListingService:
    def __init__(self, db: Database, clock: Clock, rulesets: tuple[Ruleset, ...], statement_days: int) -> None:
        self.db = db
        self.clock = clock
        self.rulesets = rulesets
        self.statement_days = statement_days

    # ---- reading -----------------------------------------------------------------------------

    async def get(self, actor: Actor, listing_id: int) -> s.Listing:
        """The full listing file (every step, notices, statements, repair applications): within the
        actor's area, or for the authority that decides it (谁处罚、谁决定), wherever the subject
        went since; elsewhere 403, audited. Published listings are public anyway."""
        async with self.db.read() as session:
            listing = await session.get(Listing, listing_id)
            if listing is None:
                raise NotFound(f"没有编号为 {listing_id} 的名单记录 / no listing {listing_id}")
            places = await self._places(session, listing)
            deciding = actor.authority_id is not None and actor.authority_id == listing.deciding_authority_id
            allowed = deciding or actor.may_act_on(places)
            answer = (
                await wire(session, listing, today(self.clock), detail=True, rulesets=self.rulesets)
                if allowed
                else None
            )
        if answer is None:
            await deny(self.db, self.clock, actor, "listing.read", "listing", str(listing_id), f"division {places[0]}")
        assert answer is not None
        return answer

    async def search(self, actor: Actor, query: ListingQuery) -> s.ListingPage:
        on = today(self.clock)
        async with self.db.read() as session:
            rows = list(await session.scalars(listing_statement(actor, query)))
            page = rows[: query.limit]
            items = [await wire(session, r, on) for r in page]
        more = len(rows) > query.limit
        return s.ListingPage(items=items, next_cursor=ListingQuery.cursor_after(page[-1].id) if more else None)

    # ---- proposing ---------------------------------------------------------------------------

    async def propose(self, actor: Actor, data: s.ListingPropose, key: idempotency.Key | None) -> idempotency.Answer:
        on = today(self.clock)
        now = self.clock.now()
        outside: list[str] | None = None
        refused: NotDecidingAuthority | None = None
        target = data.subject.uscc or str(data.subject.person_id)
        if (not_officer := _officer_required(actor, "propose")) is not None:
            await self._audit_denied(actor, "listing.propose", "subject", target, not_officer)
            raise not_officer
        try:
            async with self.db.write() as session:
                if key is not None and (answer := await idempotency.replay(session, actor.id, key)) is not None:
                    return answer
                who = await proposals.subject(session, data.subject)
                if not actor.may_act_on(who.places):
                    outside = who.places or ["-"]
                else:
                    specs = await proposals.build(session, self.rulesets, who, data, on)
                    if actor.authority_id != specs[0].deciding_authority.id:
                        refused = self._not_deciding(specs[0].deciding_authority)
                    else:
                        return await self._create_all(session, actor, now, on, specs, key)
        except IntegrityError as exc:
            raise Conflict(
                "该主体已有同类名单正在办理或在列，不能重复提议 / this subject already has an open listing of this "
                "type (proposed, notified or listed)",
                extra={"reason": "already_open"},
            ) from exc
        if outside is not None:
            await deny(self.db, self.clock, actor, "listing.propose", "subject", target, f"division {outside[0]}")
        assert refused is not None
        await self._audit_denied(actor, "listing.propose", "subject", target, refused)
        raise refused

    async def _create_all(
        self,
        session: AsyncSession,
        actor: Actor,
        now: dt.datetime,
        on: dt.date,
        specs: list[proposals.Spec],
        key: idempotency.Key | None,
    ) -> idempotency.Answer:
        rows = [await self._create(session, actor, now, on, specs[0])]
        already: list[int] = []
        for spec in specs[1:]:  # a person already proposed or listed (through another unit) keeps that listing
            open_ = await session.scalar(
                select(Listing.id).where(
                    Listing.subject_key == spec.subject.key,
                    Listing.list_type == spec.list_type,
                    Listing.status.in_(("proposed", "notified", "listed")),
                )
            )
            if open_ is not None:
                already.append(open_)
                continue
            row = await self._create(session, actor, now, on, spec)
            row.related_listing_id = rows[0].id
            rows.append(row)
        await session.flush()
        body = s.Proposed(
            listing=await wire(session, rows[0], on, detail=True, rulesets=self.rulesets),
            related=[await wire(session, r, on, detail=True, rulesets=self.rulesets) for r in rows[1:]],
            already_open=already,
        )
        answer = idempotency.Answer(201, msgspec.to_builtins(body))
        if key is not None:
            await idempotency.remember(session, actor.id, key, answer, now)
        return answer

    def _not_deciding(self, authority: Authority) -> NotDecidingAuthority:
        return NotDecidingAuthority(
            f"该名单由作出行政处罚的{authority.name}（{authority.division_code}）决定（谁处罚、谁决定、谁负责），"
            f"本机关不能办理 / decided by {authority.name} ({authority.division_code}), the authority that imposed "
            "the penalty (MEM Order 11 art. 4); your authority may not act on it",
        )

    async def _audit_denied(self, actor: Actor, action: str, target_type: str, target_id: str, exc: Exception) -> None:
        async with self.db.write() as session:
            await audit.record(
                session,
                actor,
                self.clock.now(),
                [audit.Change(action, target_type, target_id, outcome="denied", detail=str(exc))],
            )

    async def _create(
        self, session: AsyncSession, actor: Actor, now: dt.datetime, on: dt.date, spec: proposals.Spec
    ) -> Listing:
        who = spec.subject
        listing = Listing(
            list_type=spec.list_type,
            criteria=spec.criteria,
            subject_type=who.type,
            subject_key=who.key,
            enterprise_id=who.enterprise.id if who.enterprise is not None else None,
            person_id=who.person.id if who.person is not None else None,
            division_code=who.places[0] if who.places else spec.deciding_authority.division_code,
            deciding_authority_id=spec.deciding_authority.id,
            status="proposed",
            source=spec.source,
            reasons=spec.reasons,
            basis=spec.basis,
            because=spec.because,
            evidence=spec.evidence,
            term_months=spec.term_months,
            rule_start=spec.rule_start,
            proposed_by=actor.id,
            proposed_on=on,
            statement_answered=False,
            objection_pending=False,
            published_channels=[],
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(listing)
        await session.flush()
        data = {
            "source": spec.source,
            "list_type": spec.list_type,
            "criteria": spec.criteria,
            "evidence": spec.evidence,
            "reasons": spec.reasons,
            "rules": [f"{b['ruleset']}#{b['rule']}@{b['hash'][:12]}" for b in spec.because],
        }
        await self._step(session, actor, now, on, listing, "propose", data, {})
        return listing

    # ---- acting ------------------------------------------------------------------------------

    async def act(
        self, actor: Actor, listing_id: int, action: str, data: Any, key: idempotency.Key | None
    ) -> idempotency.Answer:
        on = today(self.clock)
        now = self.clock.now()
        if action in DECISIONS and (not_officer := _officer_required(actor, action)) is not None:
            await self._audit_denied(actor, f"listing.{action}", "listing", str(listing_id), not_officer)
            raise not_officer
        try:
            return await self._act(actor, listing_id, action, data, key, on, now)
        except IntegrityError as exc:  # a uniqueness rule the checks above did not foresee: nothing written
            raise Conflict(
                "该操作与其他记录冲突（同一主体同类名单只能有一条在办或在列），未作任何更改 / the action conflicts "
                "with another record (one open listing per subject and type); nothing was changed",
                extra={"reason": "conflicting_record"},
            ) from exc

    async def _act(
        self,
        actor: Actor,
        listing_id: int,
        action: str,
        data: Any,
        key: idempotency.Key | None,
        on: dt.date,
        now: dt.datetime,
    ) -> idempotency.Answer:
        outside = False
        refused: NotDecidingAuthority | None = None
        async with self.db.write() as session:
            if key is not None and (answer := await idempotency.replay(session, actor.id, key)) is not None:
                return answer
            listing = await session.scalar(select(Listing).where(Listing.id == listing_id).with_for_update())
            if listing is None:
                raise NotFound(f"没有编号为 {listing_id} 的名单记录 / no listing {listing_id}")
            places = await self._places(session, listing)
            if not actor.may_act_on(places):
                outside = True
            elif actor.authority_id != listing.deciding_authority_id:
                refused = self._not_deciding(await session.get_one(Authority, listing.deciding_authority_id))
            else:
                if listing.version != data.version:
                    raise Conflict(
                        f"名单记录 {listing.id} 已被修改（当前版本 {listing.version}，请求版本 {data.version}），"
                        f"请重新读取 / listing {listing.id} changed (version {listing.version}, you sent "
                        f"{data.version}); read it again",
                        extra={"reason": "stale_version", **_current(listing)},
                    )
                pending_repair = await self._pending_repair(session, listing)
                when = on
                if action == "apply_repair":
                    when = _day("applied_on", data.applied_on, on, listing.effective_on, "列入生效日")
                try:
                    reject = bool(getattr(data, "reject", False))
                    state = _state(listing, pending_repair is not None, await _persons(session, listing))
                    wf.check(action, state, actor.person, when, reject=reject)
                except wf.Refused as exc:
                    raise _refusal(exc, listing) from exc
                before = {"status": listing.status, "version": listing.version}
                step, payload = await getattr(self, f"_{action}")(
                    session, actor, now, on, listing, data, pending_repair
                )
                listing.version += 1
                listing.updated_at = now
                await self._step(session, actor, now, on, listing, step, payload, before)
                body = await wire(session, listing, on, detail=True, rulesets=self.rulesets)
                answer = idempotency.Answer(200, msgspec.to_builtins(body))
                if key is not None:
                    await idempotency.remember(session, actor.id, key, answer, now)
                return answer
        if outside:
            await deny(
                self.db, self.clock, actor, f"listing.{action}", "listing", str(listing_id), f"division {places[0]}"
            )
        assert refused is not None
        await self._audit_denied(actor, f"listing.{action}", "listing", str(listing_id), refused)
        raise refused

    async def _notify(
        self,
        _session: AsyncSession,
        _actor: Actor,
        _now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.Notify,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        served = _day("served_on", data.served_on, on, listing.proposed_on, "提议日期")
        days = data.statement_days or self.statement_days
        listing.notice_no = data.notice_no.strip()
        listing.notice_served_on = served
        listing.statement_deadline = served + dt.timedelta(days=days)
        listing.status = "notified"
        rights = (
            "当事人可在陈述申辩期内提出陈述、申辩；对列入有异议的，可提出异议；"
            "对列入决定不服的，可依法申请行政复议或者提起行政诉讼"
        )
        return "notify", {
            **_jsonable(data),
            "served_on": served,
            "statement_days": days,
            "statement_deadline": listing.statement_deadline,
            "reasons": listing.reasons,
            "criteria": list(listing.criteria),
            "basis": [b.get("code") for b in listing.basis],
            "rights": rights,
        }

    async def _statement(
        self,
        _session: AsyncSession,
        _actor: Actor,
        _now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.Statement,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        received = _day("received_on", data.received_on, on, listing.notice_served_on, "告知送达日")
        listing.statement_answered = True
        if data.accepted:
            listing.status = "dropped"
        return "statement", {**_jsonable(data), "received_on": received}

    async def _object(
        self,
        _session: AsyncSession,
        _actor: Actor,
        _now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.Objection,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        received = _day("received_on", data.received_on, on, listing.notice_served_on, "告知送达日")
        listing.objection_pending = True
        return "object", {**_jsonable(data), "received_on": received}

    async def _resolve_objection(
        self,
        session: AsyncSession,
        actor: Actor,
        now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.ObjectionResolution,
        pending_repair: RepairApplication | None,
    ) -> tuple[str, dict[str, Any]]:
        listing.objection_pending = False
        if data.upheld:
            if listing.status in ("proposed", "notified"):
                listing.status = "dropped"
            elif listing.status == "removed":  # ended meanwhile (expiry): the record is corrected
                listing.removal_type = "objection_upheld"
                reinstated = await on_corrected(session, actor, now, listing, on)
                await self._log(session, actor, now, listing, "listing.corrected", {"grades_reinstated": reinstated})
            else:
                listing.pending_action = listing.pending_by = None
                listing.pending_data = None
                if pending_repair is not None:
                    pending_repair.status = "lapsed"
                await self._end(session, actor, now, on, listing, "objection_upheld")
        return "resolve_objection", _jsonable(data)

    async def _approve(
        self,
        session: AsyncSession,
        actor: Actor,
        now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.Approve,
        pending_repair: RepairApplication | None,
    ) -> tuple[str, dict[str, Any]]:
        if data.reject:
            if not (data.reason or "").strip():
                raise _fail("reason", "required", "驳回须说明理由", "a rejection needs a reason")
            what = listing.pending_action or "listing"
            if listing.pending_action is None:
                listing.status = "dropped"
            listing.pending_action = listing.pending_by = None
            listing.pending_data = None
            return "reject", {"rejected": what, "reason": data.reason}
        pending = listing.pending_action
        if pending is None:
            return "decide", await self._decide(session, actor, now, on, listing, data)
        assert listing.pending_data is not None
        proposed = {"proposed_by": listing.pending_by, "approved_by": actor.id, **listing.pending_data}
        listing.pending_action = listing.pending_by = None
        listing.pending_data = None
        if pending == "remove":
            await self._end(session, actor, now, on, listing, proposed["type"])
        elif pending == "grant_repair":
            assert pending_repair is not None
            pending_repair.status = "granted"
            pending_repair.decided_on = on
            pending_repair.decided_by = proposed["proposed_by"]
            pending_repair.decision_reason = proposed.get("reason")
            await self._end(session, actor, now, on, listing, "early")
        else:  # revoke_repair: the listing comes back with its original term
            granted = await session.get_one(RepairApplication, proposed["application_id"])
            granted.status = "revoked"
            granted.revoked_on = on
            granted.revocation_reason = proposed.get("reason")
            other = await session.scalar(
                select(Listing.id).where(
                    Listing.subject_key == listing.subject_key,
                    Listing.list_type == listing.list_type,
                    Listing.status.in_(("proposed", "notified", "listed")),
                )
            )
            if other is not None:
                raise Conflict(
                    f"该主体已有同类名单记录 {other} 正在办理或在列，须先了结该记录方可恢复列入 / listing {other} of "
                    "the same type is open for this subject; close it before restoring this one",
                    extra={"reason": "other_listing_open", "listing_id": other, **_current(listing)},
                )
            listing.status = "listed"
            listing.removed_on = None
            listing.removal_type = None
            grades = await on_listed(session, actor, now, listing, on)
            await self._log(session, actor, now, listing, "listing.restored", {"grades_changed": grades})
        return f"approve_{pending}", proposed

    async def _decide(
        self, session: AsyncSession, actor: Actor, now: dt.datetime, on: dt.date, listing: Listing, data: s.Approve
    ) -> dict[str, Any]:
        if data.decision_no is None or not data.decision_no.strip():
            raise _fail(
                "decision_no", "required", "列入决定须有决定书文号", "a listing decision needs its decision number"
            )
        ban = listing.list_type in BAN_TYPES.values()
        effective = data.effective_on or (listing.rule_start if ban and listing.rule_start else on)
        if not ban and effective < on:
            raise _fail(
                "effective_on",
                "before_decision",
                f"生效日期不能早于决定日期 {on}",
                f"effective_on is before the decision ({on})",
            )
        expires = wf.expires_on(effective, listing.term_months)
        if expires is not None and expires < on:
            raise _fail(
                "effective_on",
                "term_already_over",
                f"按该生效日期，期限已于 {expires} 届满",
                f"with this effective date the term ended on {expires}",
            )
        listing.decision_no = data.decision_no.strip()
        listing.decided_on = on
        listing.approved_by = actor.id
        listing.effective_on = effective
        listing.expires_on = expires
        listing.status = "listed"
        grades = await on_listed(session, actor, now, listing, on)
        await self._log(session, actor, now, listing, "listing.listed", {"grades_changed": grades})
        return {
            "decision_no": listing.decision_no,
            "proposed_by": listing.proposed_by,
            "approved_by": actor.id,
            "effective_on": effective,
            "expires_on": expires,
            "grades_changed": grades,
        }

    async def _publish(
        self,
        _session: AsyncSession,
        _actor: Actor,
        _now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.Publish,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        unknown = [
            FieldProblem(
                f"channels[{i}]",
                "unknown_channel",
                f"未知的公示渠道，可选：{', '.join(PUBLICATION_CHANNELS)}",
                f"unknown channel; one of {', '.join(PUBLICATION_CHANNELS)}",
            )
            for i, c in enumerate(data.channels)
            if c not in PUBLICATION_CHANNELS
        ]
        if unknown:
            raise ValidationFailed(unknown)
        published = _day("published_on", data.published_on, on, listing.decided_on, "决定日期")
        listing.published_on = min(filter(None, [listing.published_on, published]))
        listing.published_channels = sorted({*listing.published_channels, *data.channels})
        return "publish", {**_jsonable(data), "published_on": published}

    async def _apply_repair(
        self,
        session: AsyncSession,
        _actor: Actor,
        now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.RepairApply,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        applied = _day("applied_on", data.applied_on, on, listing.effective_on, "列入生效日")
        checks = await repair.checks(session, self.rulesets, listing, applied)
        repair.require(checks)
        application = RepairApplication(
            listing_id=listing.id,
            applied_on=applied,
            commitment=data.commitment.strip(),
            evidence=msgspec.to_builtins(data.evidence),
            checks=checks,
            status="pending",
            created_at=now,
        )
        session.add(application)
        await session.flush()
        return "apply_repair", {
            **_jsonable(data),
            "applied_on": applied,
            "application_id": application.id,
            "checks": checks,
        }

    async def _decide_repair(
        self,
        session: AsyncSession,
        actor: Actor,
        _now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.RepairDecision,
        pending_repair: RepairApplication | None,
    ) -> tuple[str, dict[str, Any]]:
        assert pending_repair is not None
        if not data.granted:
            pending_repair.status = "refused"
            pending_repair.decided_on = on
            pending_repair.decided_by = actor.id
            pending_repair.decision_reason = data.reason
            return "refuse_repair", {**_jsonable(data), "application_id": pending_repair.id}
        checks = await repair.checks(session, self.rulesets, listing, on)  # facts may have changed since
        repair.require(checks)
        listing.pending_action = "grant_repair"
        listing.pending_by = actor.id
        listing.pending_data = {"application_id": pending_repair.id, "reason": data.reason, "checks": checks}
        return "propose_grant_repair", {**_jsonable(data), "application_id": pending_repair.id, "checks": checks}

    async def _revoke_repair(
        self,
        session: AsyncSession,
        actor: Actor,
        _now: dt.datetime,
        _on: dt.date,
        listing: Listing,
        data: s.RepairRevocation,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        granted = await session.scalar(
            select(RepairApplication)
            .where(RepairApplication.listing_id == listing.id, RepairApplication.status == "granted")
            .order_by(RepairApplication.id.desc())
        )
        assert granted is not None, "an early removal rests on a granted application"
        listing.pending_action = "revoke_repair"
        listing.pending_by = actor.id
        listing.pending_data = {"application_id": granted.id, **_jsonable(data)}
        return "propose_revoke_repair", listing.pending_data

    async def _remove(
        self,
        _session: AsyncSession,
        actor: Actor,
        _now: dt.datetime,
        on: dt.date,
        listing: Listing,
        data: s.Removal,
        _r: Any,
    ) -> tuple[str, dict[str, Any]]:
        try:
            wf.removal_allowed(_state(listing, False), data.type, on)
        except wf.Refused as exc:
            raise _refusal(exc, listing) from exc
        listing.pending_action = "remove"
        listing.pending_by = actor.id
        listing.pending_data = _jsonable(data)
        return "propose_remove", listing.pending_data

    # ---- expiry ------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Remove every listing whose term has ended, where the regime removes without an
        application (11号, bans). Idempotent: a removed listing is not due again."""
        on = today(self.clock)
        now = self.clock.now()
        actor = system_actor("sweep")
        automatic = [code for code, t in LIST_TYPES.items() if t.automatic_expiry]
        async with self.db.write() as session:
            due = list(
                await session.scalars(
                    select(Listing)
                    .where(Listing.status == "listed", Listing.expires_on < on, Listing.list_type.in_(automatic))
                    .order_by(Listing.id)
                    .with_for_update()
                )
            )
            for listing in due:
                before = {"status": listing.status, "version": listing.version}
                pending = await self._pending_repair(session, listing)
                if pending is not None:
                    pending.status = "lapsed"
                listing.pending_action = listing.pending_by = None
                listing.pending_data = None
                assert listing.expires_on is not None
                await self._end(session, actor, now, listing.expires_on + dt.timedelta(days=1), listing, "expiry")
                listing.version += 1
                listing.updated_at = now
                await self._step(session, actor, now, on, listing, "expire", {"expires_on": listing.expires_on}, before)
        return len(due)

    # ---- helpers -----------------------------------------------------------------------------

    async def _end(
        self, session: AsyncSession, actor: Actor, now: dt.datetime, on: dt.date, listing: Listing, removal_type: str
    ) -> None:
        listing.status = "removed"
        listing.removed_on = on
        listing.removal_type = removal_type
        resumed = await on_ended(session, actor, now, listing, on)
        if removal_type in CORRECTIONS:
            resumed += await on_corrected(session, actor, now, listing, on)
        await self._log(
            session,
            actor,
            now,
            listing,
            "listing.removed",
            {"removal_label": REMOVAL_TYPES[removal_type], "grades_resumed": resumed},
        )

    async def _log(
        self, session: AsyncSession, actor: Actor, now: dt.datetime, listing: Listing, kind: str, extra: dict[str, Any]
    ) -> None:
        await session.flush()
        subject = await subject_of(session, listing)
        await history.append(
            session,
            actor,
            now,
            kind,
            "listing",
            listing.id,
            {**log_payload(listing, msgspec.to_builtins(subject)), **extra},
        )

    @staticmethod
    async def _pending_repair(session: AsyncSession, listing: Listing) -> RepairApplication | None:
        return await session.scalar(
            select(RepairApplication).where(
                RepairApplication.listing_id == listing.id, RepairApplication.status == "pending"
            )
        )

    @staticmethod
    async def _places(session: AsyncSession, listing: Listing) -> list[str]:
        if listing.enterprise_id is not None:
            return await locations(session, await session.get_one(Enterprise, listing.enterprise_id))
        assert listing.person_id is not None
        return list(dict.fromkeys([listing.division_code, *await proposals.person_places(session, listing.person_id)]))

    async def _step(
        self,
        session: AsyncSession,
        actor: Actor,
        now: dt.datetime,
        on: dt.date,
        listing: Listing,
        step: str,
        data: dict[str, Any],
        before: dict[str, Any],
    ) -> None:
        plain = history.plain(data)
        session.add(
            ListingStep(
                listing_id=listing.id,
                step=step,
                on=on,
                data=plain,
                status_after=listing.status,
                authority_id=actor.authority_id,
                actor=actor.id,
                recorded_at=now,
            )
        )
        await session.flush()
        after = {
            "status": listing.status,
            "status_label": STATUSES[listing.status],
            "version": listing.version,
            **plain,
        }
        await audit.record(
            session, actor, now, [audit.Change(f"listing.{step}", "listing", str(listing.id), before, after)]
        )
        await changes.record(
            session, now, "listing", enterprise_ids=[listing.enterprise_id], person_ids=[listing.person_id]
        )

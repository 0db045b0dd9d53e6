"""A stored listing as the API answers it (``schemas.Listing``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Authority, Enterprise, Listing, ListingStep, Person, RepairApplication
from registry.domain.listings import repair
from registry.domain.listings import schemas as s
from registry.domain.listings import workflow as wf
from registry.domain.listings.types import LIST_TYPES, REMOVAL_TYPES, STATUSES
from registry.rules.model import Ruleset


async def subject_of(session: AsyncSession, listing: Listing) -> s.Subject:
    if listing.enterprise_id is not None:
        unit = await session.get_one(Enterprise, listing.enterprise_id)
        return s.Subject(type=listing.subject_type, uscc=unit.uscc, name=unit.name)
    assert listing.person_id is not None
    person = await session.get_one(Person, listing.person_id)
    return s.Subject(type="person", person_id=person.id, name=person.name, id_masked=person.id_masked)


def in_force(listing: Listing, on: dt.date) -> bool:
    return (
        listing.status == "listed"
        and listing.effective_on is not None
        and listing.effective_on <= on
        and (listing.expires_on is None or on <= listing.expires_on)
    )


async def wire(
    session: AsyncSession,
    listing: Listing,
    on: dt.date,
    *,
    detail: bool = False,
    rulesets: tuple[Ruleset, ...] = (),
) -> s.Listing:
    """The listing on ``on``; ``detail`` adds every step, the repair applications and, for a
    repairable list type once decided, the repair notice served with the decision (``rulesets``)."""
    authority = await session.get_one(Authority, listing.deciding_authority_id)
    kind = LIST_TYPES[listing.list_type]
    related = list(
        await session.scalars(select(Listing.id).where(Listing.related_listing_id == listing.id).order_by(Listing.id))
    )
    repairs: list[s.RepairInfo] = []
    steps: list[s.Step] = []
    if detail:
        repairs = [
            s.RepairInfo(
                id=r.id,
                applied_on=r.applied_on,
                status=r.status,
                commitment=r.commitment,
                evidence=list(r.evidence),
                checks=list(r.checks),
                decided_on=r.decided_on,
                decided_by=r.decided_by,
                decision_reason=r.decision_reason,
                revoked_on=r.revoked_on,
                revocation_reason=r.revocation_reason,
            )
            for r in await session.scalars(
                select(RepairApplication)
                .where(RepairApplication.listing_id == listing.id)
                .order_by(RepairApplication.id)
            )
        ]
        steps = [
            s.Step(
                step=x.step, on=x.on, status_after=x.status_after, actor=x.actor, recorded_at=x.recorded_at, data=x.data
            )
            for x in await session.scalars(
                select(ListingStep).where(ListingStep.listing_id == listing.id).order_by(ListingStep.id)
            )
        ]
    return s.Listing(
        id=listing.id,
        list_type=listing.list_type,
        list_type_title=kind.title,
        criteria=[str(c) for c in listing.criteria],
        subject=await subject_of(session, listing),
        division_code=listing.division_code,
        deciding_authority=s.AuthorityRef(
            id=authority.id, name=authority.name, level=authority.level, division_code=authority.division_code
        ),
        status=listing.status,
        status_label=STATUSES[listing.status],
        in_force=in_force(listing, on),
        source=listing.source,
        reasons=listing.reasons,
        basis=list(listing.basis),
        because=list(listing.because),
        evidence=[int(i) for i in listing.evidence],
        term_months=listing.term_months,
        lifetime=listing.term_months is None,
        proposed_by=listing.proposed_by,
        proposed_on=listing.proposed_on,
        notice=s.Notice(
            notice_no=listing.notice_no,
            served_on=listing.notice_served_on,
            statement_deadline=listing.statement_deadline,
            statement_answered=listing.statement_answered,
        ),
        objection_pending=listing.objection_pending,
        pending=None
        if listing.pending_action is None
        else s.Pending(
            action=listing.pending_action, by=listing.pending_by or "", data=dict(listing.pending_data or {})
        ),
        decision=s.DecisionInfo(
            decision_no=listing.decision_no,
            decided_on=listing.decided_on,
            approved_by=listing.approved_by,
            effective_on=listing.effective_on,
            expires_on=listing.expires_on,
        ),
        published_on=listing.published_on,
        published_channels=[str(c) for c in listing.published_channels],
        removal=None
        if listing.removal_type is None or listing.removed_on is None
        else s.RemovalInfo(
            type=listing.removal_type, label=REMOVAL_TYPES[listing.removal_type], removed_on=listing.removed_on
        ),
        repair_opens_on=wf.repair_opens(listing.effective_on)
        if kind.repairable and listing.effective_on is not None
        else None,
        repair_notice=repair.notice(rulesets, listing, authority.name) if detail and kind.repairable else None,
        related_listing_id=listing.related_listing_id,
        related=related,
        repair_applications=repairs,
        history=steps,
        version=listing.version,
    )

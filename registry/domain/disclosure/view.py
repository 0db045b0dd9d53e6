"""What the public may see of a unit (DOMAIN 7.3): the payload of the public answer and page.

Built from the same stored facts and rules as every other answer. Shown: who the unit is, its
standardization grade in force, the listings decided, **published** and in force (nothing of a
listing before its publication or after its removal, expiry or correction), the accidents,
penalties and major hazards the "four always" order disclosed (the events that are the evidence of
a disclosure outcome in force: within its publicity period; a penalty within its own term by the
regime of its decision and until its credit repair, DOMAIN 8.10, each with 公示期至 …), the notice
to the parent company, and the persons listed with the unit by name and role with their masked
id. Never shown: full ids, officer identities, internal remarks, proposals, drafts, the measures of
the departments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Authority, CreditEvent, Enterprise, Listing, Person, PersonRole
from registry.domain.evaluation.facts import enterprises_facts
from registry.domain.events.accidents import LABELS as ACCIDENT_LABELS
from registry.domain.identifiers import lookup_division
from registry.domain.listings.types import LIST_TYPES
from registry.domain.vocabulary import INDUSTRIES, PERSON_ROLES
from registry.rules.decision import Outcome
from registry.rules.evaluator import Memo
from registry.rules.model import Ruleset

#: disclosure outcome -> the section of the page its evidence is shown in
SECTIONS = {"disclose_accident": "accidents", "disclose_penalty": "penalties", "disclose_major_hazard": "major_hazards"}


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _shown(outcomes: list[Outcome]) -> dict[str, dict[int, Outcome]]:
    """Section -> event id -> the disclosure outcome publishing it on the day (a penalty has its
    own; where two outcomes name an event, the one that runs longer)."""
    out: dict[str, dict[int, Outcome]] = {}
    for o in outcomes:
        section = SECTIONS.get(o.code)
        if section is None:
            continue
        for i in o.evidence:
            kept = out.setdefault(section, {}).get(i)
            if kept is None or (o.until or dt.date.max) > (kept.until or dt.date.max):
                out[section][i] = o
    return out


def _period(outcome: Outcome) -> dict[str, Any]:
    """公示期至 …: the last day of publication (DOMAIN 8.10), with the rule's confirmation."""
    until = _day(outcome.until)
    return {
        "publicity_until": until,
        "publicity_text": f"公示期至 {until}" if until else "公示中",
        "publicity_verified": outcome.verified,
    }


def division_name(code: str) -> str:
    found = lookup_division(code)
    return found.full_name if found is not None else code


def public_listing_filter(on: dt.date) -> Any:
    """Listings the public sees on ``on``: decided, published, in force."""
    return (
        Listing.status == "listed",
        Listing.published_on.is_not(None),
        Listing.published_on <= on,
        Listing.effective_on <= on,
        or_(Listing.expires_on.is_(None), Listing.expires_on >= on),
    )


def hazard_state(details: dict[str, Any], on: dt.date) -> dict[str, Any]:
    deadline = dt.date.fromisoformat(details["rectification_deadline"])
    rectified = details.get("rectified_on")
    if rectified is not None:
        return {"code": "rectified", "text": f"已整改（{rectified}）", "rectified_on": rectified}
    if on > deadline:
        return {"code": "overdue", "text": f"逾期未整改（整改期限 {deadline.isoformat()}）", "rectified_on": None}
    return {"code": "rectifying", "text": f"整改中（整改期限 {deadline.isoformat()}）", "rectified_on": None}


def _event(row: CreditEvent, authorities: dict[int, str], deciding: dict[str, str], on: dt.date) -> dict[str, Any]:
    d = row.details
    if row.kind == "accident":
        grade = row.accident_grade or "ordinary"
        return {
            "id": row.id,
            "occurred_on": _day(row.occurred_on),
            "grade": grade,
            "grade_text": ACCIDENT_LABELS[grade],
            "deaths": int(d["deaths"]),
            "serious_injuries": int(d["serious_injuries"]),
            "summary": d.get("summary"),
        }
    if row.kind == "penalty":
        return {
            "id": row.id,
            "decided_on": _day(row.occurred_on),
            "decision_no": d.get("decision_no"),
            # 谁处罚: the deciding authority where it is not the one that recorded the penalty
            "authority": deciding.get(d.get("deciding_authority") or "", authorities.get(row.recording_authority_id)),
            "published_on": d.get("published_on"),
            "legal_basis": d.get("legal_basis"),
            "fine_cny": d.get("fine_cny"),
        }
    return {
        "id": row.id,
        "found_on": _day(row.occurred_on),
        "description": d.get("description"),
        "rectification_deadline": d.get("rectification_deadline"),
        "state": hazard_state(d, on),
    }


def criteria_texts(rulesets: Iterable[Ruleset]) -> dict[str, str]:
    """Criterion code (``11-1``) -> the conduct it names (失信行为简况): the title of the rule ordering it."""
    return {spec.criterion: rule.title for r in rulesets for rule in r.rules for spec in rule.then if spec.criterion}


async def public_body(
    session: AsyncSession, decide: Memo, criteria: dict[str, str], unit: Enterprise, on: dt.date
) -> dict[str, Any]:
    facts = (await enterprises_facts(session, [unit]))[unit.id]
    decision = decide(facts, on)
    grade = next(
        (g for g in facts.grades if g.status == "valid" and g.valid_until is not None and on <= g.valid_until), None
    )
    listed = list(
        await session.execute(
            select(Listing, Authority.name)
            .join(Authority, Authority.id == Listing.deciding_authority_id)
            .where(Listing.subject_key == f"e:{unit.id}", *public_listing_filter(on))
            .order_by(Listing.id)
        )
    )
    shown = _shown(decision.disclosures)
    ids = {i for by_event in shown.values() for i in by_event}
    rows = {r.id: r for r in await session.scalars(select(CreditEvent).where(CreditEvent.id.in_(ids)))} if ids else {}
    authority_ids = {r.recording_authority_id for r in rows.values()}
    authorities = {
        a.id: a.name for a in await session.scalars(select(Authority).where(Authority.id.in_(authority_ids)))
    }
    codes = {str(r.details["deciding_authority"]) for r in rows.values() if r.details.get("deciding_authority")}
    deciding: dict[str, str] = {}
    for a in await session.scalars(select(Authority).where(Authority.division_code.in_(codes)).order_by(Authority.id)):
        deciding.setdefault(a.division_code, a.name)
    persons = await _persons(session, unit, [row.id for row, _ in listed], on)
    parent = next((o for o in decision.notices if o.code == "notice_parent_company"), None)
    parent_name = (
        await session.scalar(select(Enterprise.name).where(Enterprise.uscc == unit.parent_uscc))
        if parent is not None and unit.parent_uscc
        else None
    )
    return {
        "subject": {
            "uscc": unit.uscc,
            "name": unit.name,
            "division_code": unit.division_code,
            "division_name": division_name(unit.division_code),
            "industry": unit.industry,
            "industry_name": INDUSTRIES.get(unit.industry, unit.industry),
        },
        "standardization": None
        if grade is None
        else {"level": grade.level, "announced_on": _day(grade.announced_on), "valid_until": _day(grade.valid_until)},
        "listings": [
            {
                "list_type": row.list_type,
                "title": LIST_TYPES[row.list_type].title,
                "criteria": [{"code": str(c), "text": criteria.get(str(c), str(c))} for c in row.criteria],
                "deciding_authority": authority,
                "decision_no": row.decision_no,
                "decided_on": _day(row.decided_on),
                "effective_on": _day(row.effective_on),
                "expires_on": _day(row.expires_on),
                "published_on": _day(row.published_on),
            }
            for row, authority in listed
        ],
        **{
            section: [
                {**_event(rows[i], authorities, deciding, on), **_period(o)}
                for i, o in sorted(shown.get(section, {}).items())
                if i in rows
            ]
            for section in SECTIONS.values()
        },
        "parent_notice": None
        if parent is None
        else {"parent_uscc": unit.parent_uscc, "parent_name": parent_name, "until": _day(parent.until)},
        "persons": persons,
    }


async def related_keys(session: AsyncSession, unit: Enterprise) -> list[str]:
    """The other subjects whose changes change this unit's public answer: the persons in roles
    there or listed with it (their listings are shown on the unit's page) and its parent company
    (named in the parent notice)."""
    unit_listings = select(Listing.id).where(Listing.subject_key == f"e:{unit.id}")
    persons = set(await session.scalars(select(PersonRole.person_id).where(PersonRole.enterprise_id == unit.id)))
    persons |= {
        p
        for p in await session.scalars(
            select(Listing.person_id).where(
                Listing.related_listing_id.in_(unit_listings), Listing.person_id.is_not(None)
            )
        )
        if p is not None
    }
    keys = [f"p:{p}" for p in sorted(persons)]
    if unit.parent_uscc:
        parent = await session.scalar(select(Enterprise.id).where(Enterprise.uscc == unit.parent_uscc))
        if parent is not None:
            keys.append(f"e:{parent}")
    return keys


async def _persons(
    session: AsyncSession, unit: Enterprise, listing_ids: list[int], on: dt.date
) -> list[dict[str, Any]]:
    """Persons listed with the unit's published listings (their own listing published and in
    force), by name, role in the unit and masked id."""
    if not listing_ids:
        return []
    found = await session.execute(
        select(Listing, Person)
        .join(Person, Person.id == Listing.person_id)
        .where(Listing.related_listing_id.in_(listing_ids), *public_listing_filter(on))
        .order_by(Listing.id)
    )
    out = []
    for row, person in found:
        roles = list(
            await session.scalars(
                select(PersonRole.role).where(PersonRole.person_id == person.id, PersonRole.enterprise_id == unit.id)
            )
        )
        out.append(
            {
                "name": person.name,
                "id_masked": person.id_masked,
                "roles": [PERSON_ROLES.get(r, r) for r in dict.fromkeys(roles)],
                "list_type": row.list_type,
                "title": LIST_TYPES[row.list_type].title,
                "effective_on": _day(row.effective_on),
                "expires_on": _day(row.expires_on),
            }
        )
    return out

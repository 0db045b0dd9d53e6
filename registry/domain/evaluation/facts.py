"""The facts builder: stored events, grades and roles -> ``registry.rules.facts.Facts``.

Reads the effective view (a corrected event counts in its latest form and for the subject it now
names, a withdrawn one not at all) and follows links through corrections: a penalty that links
accident 5 still links it after 5 was corrected into 9. Listings are the decided ones of the four
regimes (not bans, not proposals, not those removed as a correction: a listing found wrong never
counts); the work-injury insurance class is not recorded yet (what-if requests may give it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import msgspec
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.among import among
from registry.db.models import Agency, Authority, CreditEvent, Enterprise, Grade, Listing, Person, PersonRole
from registry.domain.events.articles import safety_law_articles
from registry.domain.events.query import effective as effective_view
from registry.domain.listings.types import CORRECTIONS
from registry.rules import facts as f
from registry.rules.view import ACCIDENT_RANK
from registry.rules.vocabulary import LIST_TYPES as REGIME_LIST_TYPES


def _event(row: CreditEvent, links: tuple[int, ...], authorities: dict[int, str]) -> f.Event:
    d: dict[str, Any] = row.details
    common: dict[str, Any] = {"id": row.id, "kind": row.kind, "occurred_on": row.occurred_on, "links": links}
    kind = row.kind
    if kind == "accident":
        return f.Event(
            **common,
            grade=row.accident_grade,  # type: ignore[arg-type]
            deaths=int(d["deaths"]),
            serious_injuries=int(d["serious_injuries"]),
            direct_loss_cny=int(d.get("direct_loss_cny", 0)),
            responsible=bool(d["responsible"]),
            major_responsibility=bool(d.get("major_responsibility", False)),
        )
    if kind == "penalty":
        multiplier = d.get("art114_multiplier")
        return f.Event(
            **common,
            multiplier=None if multiplier is None else float(multiplier),
            articles=safety_law_articles(str(d.get("legal_basis", ""))),
            execution=d.get("execution", "pending"),
            serious=bool(d.get("serious_circumstances", False)),
            licence_action=d.get("licence_action"),
            deciding_authority=d.get("deciding_authority") or authorities.get(row.recording_authority_id),
            credit_class=d.get("credit_class"),
        )
    if kind == "major_hazard":
        return f.Event(
            **common,
            deadline=_date(d.get("rectification_deadline")),
            rectified_on=_date(d.get("rectified_on")),
            risky_work=bool(d.get("risky_work", False)),
        )
    if kind == "criminal_liability":
        return f.Event(**common, sentence_end_on=_date(d.get("sentence_end_on")))
    return f.Event(
        **common,
        type=d.get("type"),
        serious=bool(d.get("serious", False)),
        until=_date(d.get("until")),
    )


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def worst_linked_grade(linked: list[CreditEvent]) -> str | None:
    """The highest grade among the linked accidents (a judgment's accident), or None."""
    graded = [h.accident_grade for h in linked if h.kind == "accident" and h.accident_grade]
    return max(graded, key=lambda g: ACCIDENT_RANK[g]) if graded else None


#: a person's events whose conduct is tied to an accident of a unit (the role is checked there)
PERSON_ACCIDENT_KINDS = frozenset({"criminal_liability", "dismissal", "flight"})
#: a person held responsible for an accident: a judgment or a 撤职处分 (安全生产法 art. 94 para 3)
ACCOUNTABLE_KINDS = frozenset({"criminal_liability", "dismissal"})


async def accident_context(session: AsyncSession, kind: str, linked: list[CreditEvent]) -> dict[str, Any]:
    """For a judgment, a dismissal or a flight: the grade (not for a flight), day and unit of the accident it
    names, so the rules can check the person's role in that unit on that day. The latest linked
    accident when several are named."""
    if kind not in PERSON_ACCIDENT_KINDS:
        return {}
    accidents = sorted((h for h in linked if h.kind == "accident"), key=lambda h: (h.occurred_on, h.id))
    out: dict[str, Any] = {}
    worst = worst_linked_grade(linked)
    if kind in ACCOUNTABLE_KINDS and worst is not None:
        out["accident_grade"] = worst
    if accidents:
        last = accidents[-1]
        out["accident_on"] = last.occurred_on
        if last.enterprise_id is not None:
            unit = await session.get(Enterprise, last.enterprise_id)
            out["accident_unit"] = unit.uscc if unit is not None else None
    return out


async def heads(session: AsyncSession, ids: set[int]) -> dict[int, CreditEvent | None]:
    """Each id -> the effective form of its event, wherever the corrections put it (another
    subject included); None when the chain ends in a withdrawal or the id is unknown."""
    found: dict[int, CreditEvent | None] = {}
    frontier: dict[int, set[int]] = {i: {i} for i in ids}  # id to look at -> the ids that named it
    while frontier:
        rows = list(
            await session.scalars(
                select(CreditEvent).where(or_(CreditEvent.id.in_(frontier), CreditEvent.supersedes_id.in_(frontier)))
            )
        )
        later = {r.supersedes_id: r for r in rows if r.supersedes_id in frontier}
        nxt: dict[int, set[int]] = {}
        for at, named in frontier.items():
            successor = later.get(at)
            if successor is not None:
                nxt.setdefault(successor.id, set()).update(named)
                continue
            row = next((r for r in rows if r.id == at), None)
            for i in named:
                found[i] = None if row is None or row.amendment == "withdrawal" else row
        frontier = nxt
    return found


#: the kind of the bureau's credit repair of a penalty: not a fact the rules read by itself
REPAIR = "credit_repair"


def repairs(rows: Iterable[CreditEvent], head_of: dict[int, CreditEvent | None]) -> dict[int, dt.date]:
    """Effective penalty id -> the day its publication was ended by credit repair (the earliest
    effective repair naming it, through corrections of the penalty)."""
    out: dict[int, dt.date] = {}
    for r in rows:
        if r.kind != REPAIR:
            continue
        for i in r.links:
            head = head_of.get(i)
            if head is not None and head.kind == "penalty":
                out[head.id] = min(out.get(head.id, r.occurred_on), r.occurred_on)
    return out


#: an id range ``(lo, hi)``, both included, holding every id asked for (``enterprises_facts``)
Span = tuple[int, int]


def _of(session: AsyncSession, column: Any, ids: list[int], span: Span | None) -> ColumnElement[bool]:
    """The rows of ``ids``: one index range scan over ``span`` when given (rows of other ids in
    it are the caller's to leave out), else a probe per id."""
    return column.between(*span) if span is not None else among(session, column, ids)


async def _events(
    session: AsyncSession, column: Any, subject_ids: Iterable[int], span: Span | None = None
) -> dict[int, tuple[f.Event, ...]]:
    """Each subject's effective events: the same effective view as the events API (an event
    corrected onto another subject no longer counts here), links followed to their heads. One
    query per step for any number of subjects (a batch answer builds a thousand at once)."""
    ids = list(subject_ids)
    key = column.key
    out: dict[int, list[f.Event]] = {i: [] for i in ids}
    effective = [
        r
        for r in await session.scalars(
            select(CreditEvent).where(_of(session, column, ids, span), effective_view()).order_by(CreditEvent.id)
        )
        if span is None or getattr(r, key) in out
    ]
    if not effective:
        return dict.fromkeys(ids, ())
    head_of = await heads(session, {i for r in effective for i in r.links})
    authority_ids = {r.recording_authority_id for r in effective if r.kind == "penalty"}
    authorities = {
        a.id: a.division_code for a in await session.scalars(select(Authority).where(Authority.id.in_(authority_ids)))
    }
    repaired = repairs(effective, head_of)
    for r in effective:
        if r.kind == REPAIR:
            continue  # folded into the penalty it repaired
        linked = [h for i in r.links if (h := head_of.get(i)) is not None]
        event = _event(r, tuple(sorted({h.id for h in linked})), authorities)
        # the accident of the unit a judgment or flight is about: another subject's row
        context = await accident_context(session, r.kind, linked)
        if context:
            event = msgspec.structs.replace(event, **context)
        if r.id in repaired:
            event = msgspec.structs.replace(event, repaired_on=repaired[r.id])
        out[getattr(r, key)].append(event)
    return {i: tuple(events) for i, events in out.items()}


def _unit_keys(span: Span) -> ColumnElement[bool]:
    """The listing subject keys ``e:<id>`` of the ids of ``span`` as index ranges: keys of ids of
    one number of digits sort as their ids (so one range per number of digits, of keys that long;
    a longer key sorting between them, e:1000005 between e:100000 and e:199999, is not one)."""
    lo, hi = span
    parts = []
    while lo <= hi:
        top = min(hi, 10 ** len(str(lo)) - 1)
        parts.append(
            and_(
                Listing.subject_key.between(f"e:{lo}", f"e:{top}"),
                func.length(Listing.subject_key) == len(f"e:{lo}"),
            )
        )
        lo = top + 1
    return or_(*parts)


async def listings(
    session: AsyncSession, subject_keys: Iterable[str], span: Span | None = None
) -> dict[str, tuple[f.Listing, ...]]:
    """Each subject's decided listings of the four regimes (``span``: the keys are those of units,
    ``e:<id>``, of ids in it)."""
    keys = list(subject_keys)
    out: dict[str, list[f.Listing]] = {k: [] for k in keys}
    rows = [
        r
        for r in await session.scalars(
            select(Listing)
            .where(
                _unit_keys(span) if span is not None else among(session, Listing.subject_key, keys),
                Listing.status.in_(("listed", "removed")),
                Listing.list_type.in_(tuple(REGIME_LIST_TYPES)),
            )
            .order_by(Listing.id)
        )
        if span is None or r.subject_key in out
    ]
    # a listing's evidence may name an event since corrected: the rules see its effective form
    found = await heads(session, {int(i) for r in rows for i in r.evidence})
    for r in rows:
        if r.effective_on is not None and r.removal_type not in CORRECTIONS:
            evidence = sorted({e.id for i in r.evidence if (e := found.get(int(i))) is not None})
            out[r.subject_key].append(
                f.Listing(
                    list_type=r.list_type,
                    listed_on=r.effective_on,
                    until=r.expires_on,
                    removed_on=r.removed_on if r.status == "removed" else None,
                    id=r.id,
                    criterion=r.criteria[0] if r.criteria else None,
                    evidence=tuple(evidence),
                )
            )
    return {k: tuple(v) for k, v in out.items()}


class UnitRow(Protocol):
    """What the facts builder reads of a unit: an ``Enterprise``, or a row of these columns
    (``UNIT_COLUMNS``: the partner answers read a thousand units as rows, not ORM objects)."""

    @property
    def id(self) -> int: ...
    @property
    def uscc(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def industry(self) -> str: ...
    @property
    def scale(self) -> str: ...
    @property
    def division_code(self) -> str: ...
    @property
    def parent_uscc(self) -> str | None: ...


#: the columns of a ``UnitRow``
UNIT_COLUMNS = (
    Enterprise.id,
    Enterprise.uscc,
    Enterprise.name,
    Enterprise.industry,
    Enterprise.scale,
    Enterprise.division_code,
    Enterprise.parent_uscc,
)


async def enterprise_facts(session: AsyncSession, enterprise: Enterprise) -> f.Facts:
    return (await enterprises_facts(session, [enterprise]))[enterprise.id]


async def enterprises_facts(
    session: AsyncSession, units: Sequence[UnitRow], span: Span | None = None
) -> dict[int, f.Facts]:
    """The facts of many units in six queries, whatever their number (ids of at most a batch).

    ``span``: every unit's id is in ``(lo, hi)`` and most ids of it are units (a keyset batch of
    the re-evaluation walking ids in order): each table is read by one index range scan of the
    span instead of a probe per id, and the rows of ids in it that are not among the units are
    left out, so the facts are the same."""
    ids = [u.id for u in units]
    if span is not None and not all(span[0] <= i <= span[1] for i in ids):
        raise ValueError(f"units outside the span {span}")
    grades: dict[int, list[f.Grade]] = {i: [] for i in ids}
    agencies = set(
        await session.scalars(select(Agency.enterprise_id).where(_of(session, Agency.enterprise_id, ids, span)))
    )
    for g in await session.scalars(
        select(Grade).where(_of(session, Grade.enterprise_id, ids, span)).order_by(Grade.id)
    ):
        if g.enterprise_id not in grades:
            continue  # in the span, not a unit asked for
        grades[g.enterprise_id].append(
            f.Grade(
                id=g.id,
                level=g.level,  # type: ignore[arg-type]
                status=g.status,
                applied_on=g.applied_on,
                announced_on=g.announced_on,
                valid_until=g.valid_until,
                ended_on=g.ended_on,
            )
        )
    roles: dict[int, list[f.Role]] = {i: [] for i in ids}
    for r, name in await session.execute(
        select(PersonRole, Person.name)
        .join(Person, Person.id == PersonRole.person_id)
        .where(_of(session, PersonRole.enterprise_id, ids, span))
        .order_by(PersonRole.id)
    ):
        if r.enterprise_id not in roles:
            continue
        roles[r.enterprise_id].append(
            f.Role(person_id=r.person_id, role=r.role, name=name, since=r.valid_from, until=r.valid_to)
        )
    events = await _events(session, CreditEvent.enterprise_id, ids, span)
    listed = await listings(session, [f"e:{i}" for i in ids], span)
    return {
        u.id: f.Facts(
            subject=f.Subject(
                type="agency" if u.id in agencies else "enterprise",
                id=u.uscc,
                name=u.name,
                industry=u.industry,
                scale=u.scale,
                division_code=u.division_code,
                parent_uscc=u.parent_uscc,
            ),
            events=events[u.id],
            grades=tuple(grades[u.id]),
            roles=tuple(roles[u.id]),
            listings=listed[f"e:{u.id}"],
        )
        for u in units
    }


async def person_facts(session: AsyncSession, person: Person) -> f.Facts:
    """A person's events and listings, and the roles they hold or held in units (unit, role,
    from, to): the rules that reach only a 主要负责人 check the role on the day of the conduct."""
    roles = [
        f.Role(person_id=r.person_id, role=r.role, name=person.name, unit=uscc, since=r.valid_from, until=r.valid_to)
        for r, uscc in await session.execute(
            select(PersonRole, Enterprise.uscc)
            .join(Enterprise, Enterprise.id == PersonRole.enterprise_id)
            .where(PersonRole.person_id == person.id)
            .order_by(PersonRole.id)
        )
    ]
    return f.Facts(
        subject=f.Subject(type="person", id=str(person.id), name=person.name),
        events=(await _events(session, CreditEvent.person_id, [person.id]))[person.id],
        listings=(await listings(session, [f"p:{person.id}"]))[f"p:{person.id}"],
        roles=tuple(roles),
    )

"""Intermediary agencies: an agency profile on a registered entity, so listings name one subject."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, cast, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Agency, AgencyQualification, Enterprise
from registry.domain import audit
from registry.domain.actors import Actor
from registry.domain.agencies import schemas as s
from registry.domain.enterprises.records import checked_snapshot, insert_enterprises
from registry.domain.enterprises.schemas import EnterpriseCreate
from registry.domain.enterprises.search import SearchQuery
from registry.domain.enterprises.validation import check_create, check_text
from registry.domain.identifiers import subtree_bounds
from registry.domain.jurisdiction import deny, locations
from registry.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from registry.lib.clock import Clock, today


def _check_qualifications(items: list[s.QualificationCreate], kinds: Sequence[str]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for i, q in enumerate(items):
        check_text(f"qualifications[{i}].certificate_no", q.certificate_no, 64, problems, required=True)
        check_text(f"qualifications[{i}].issued_by", q.issued_by, 200, problems, required=True)
        if q.valid_to is not None and q.valid_to < q.valid_from:
            problems.append(
                FieldProblem(
                    f"qualifications[{i}].valid_to",
                    "before_start",
                    "资质有效期结束早于开始",
                    "valid_to is before valid_from",
                )
            )
        if q.kind not in kinds:
            problems.append(
                FieldProblem(
                    f"qualifications[{i}].kind",
                    "kind_not_declared",
                    "资质类别不在该机构的业务类别中",
                    "qualification kind is not one of kinds",
                )
            )
    return problems


class AgencyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def create(self, actor: Actor, data: s.AgencyCreate) -> s.Agency:
        kinds = list(dict.fromkeys(data.kinds))
        problems = _check_qualifications(data.qualifications, kinds)
        if not kinds:
            problems.append(FieldProblem("kinds", "required", "至少需要一个机构类别", "at least one kind is required"))
        checked = check_create(
            EnterpriseCreate(
                uscc=data.uscc,
                name=data.name,
                division_code=data.division_code,
                industry=kinds[0] if kinds else "safety_assessment",
                scale=data.scale,
            ),
            today(self.clock),
        )
        if problems:
            raise ValidationFailed(problems)
        now = self.clock.now()
        try:
            async with self.db.write() as session:
                enterprise = await session.scalar(select(Enterprise).where(Enterprise.uscc == checked.uscc))
                divisions = [checked.division_code]
                if enterprise is not None:
                    divisions = await locations(session, enterprise)
                allowed = actor.may_act_on(divisions)
                if allowed:
                    changes = []
                    if enterprise is None:
                        await insert_enterprises(session, [checked], now)
                        enterprise = await session.scalar(select(Enterprise).where(Enterprise.uscc == checked.uscc))
                        changes.append(
                            audit.Change(
                                "enterprise.create", "enterprise", checked.uscc, None, checked_snapshot(checked)
                            )
                        )
                    assert enterprise is not None
                    if await session.scalar(select(Agency.id).where(Agency.enterprise_id == enterprise.id)):
                        raise Conflict(f"{checked.uscc} 已登记为中介机构 / {checked.uscc} is already an agency")
                    agency = Agency(enterprise_id=enterprise.id, kinds=kinds, created_at=now)
                    session.add(agency)
                    await session.flush()
                    await self._insert_qualifications(session, agency.id, data.qualifications, now)
                    changes.append(
                        audit.Change(
                            "agency.create",
                            "agency",
                            checked.uscc,
                            None,
                            {"kinds": kinds, "qualifications": [q.certificate_no for q in data.qualifications]},
                        )
                    )
                    await audit.record(session, actor, now, changes)
        except IntegrityError as exc:
            # a concurrent request registered this enterprise or agency after the look-up above
            raise Conflict(
                f"{checked.uscc} 刚被另一请求登记，请重新读取 / {checked.uscc} was just registered by a concurrent "
                "request; read it again"
            ) from exc
        if not allowed:
            await deny(self.db, self.clock, actor, "agency.create", "agency", checked.uscc, f"division {divisions[0]}")
        return await self.get(checked.uscc)

    async def add_qualification(self, actor: Actor, uscc: str, data: s.QualificationCreate) -> s.Agency:
        now = self.clock.now()
        async with self.db.write() as session:
            agency, enterprise = await self._load(session, uscc)
            problems = _check_qualifications([data], list(agency.kinds))
            if problems:
                raise ValidationFailed(problems)
            # the same area test as create: located or operating in the actor's area
            divisions = await locations(session, enterprise)
            allowed = actor.may_act_on(divisions)
            if allowed:
                await self._insert_qualifications(session, agency.id, [data], now)
                await audit.record(
                    session,
                    actor,
                    now,
                    [
                        audit.Change(
                            "agency.qualification.add",
                            "agency",
                            uscc,
                            None,
                            {"kind": data.kind, "certificate_no": data.certificate_no},
                        )
                    ],
                )
        if not allowed:
            await deny(
                self.db,
                self.clock,
                actor,
                "agency.qualification.add",
                "agency",
                uscc,
                f"division {enterprise.division_code}",
            )
        return await self.get(uscc)

    @staticmethod
    async def _insert_qualifications(
        session: AsyncSession, agency_id: int, items: list[s.QualificationCreate], now: object
    ) -> None:
        if items:
            await session.execute(
                insert(AgencyQualification),
                [
                    {
                        "agency_id": agency_id,
                        "kind": q.kind,
                        "certificate_no": q.certificate_no.strip(),
                        "issued_by": q.issued_by.strip(),
                        "valid_from": q.valid_from,
                        "valid_to": q.valid_to,
                        "recorded_at": now,
                    }
                    for q in items
                ],
            )

    async def _load(self, session: AsyncSession, uscc: str) -> tuple[Agency, Enterprise]:
        row = (
            await session.execute(
                select(Agency, Enterprise)
                .join(Enterprise, Enterprise.id == Agency.enterprise_id)
                .where(Enterprise.uscc == uscc)
            )
        ).first()
        if row is None:
            raise NotFound(f"{uscc} 不是已登记的中介机构 / no agency with USCC {uscc}")
        return row[0], row[1]

    async def get(self, uscc: str) -> s.Agency:
        async with self.db.read() as session:
            agency, enterprise = await self._load(session, uscc)
            [item] = await self._wire(session, [(agency, enterprise)])
            return item

    async def search(self, kind: str | None, division: str | None, limit: int, after: str | None) -> s.AgencyPage:
        stmt = select(Agency, Enterprise).join(Enterprise, Enterprise.id == Agency.enterprise_id)
        if division:
            lo, hi = subtree_bounds(division)
            stmt = stmt.where(Enterprise.division_code.between(lo, hi))
        if after:
            stmt = stmt.where(Enterprise.uscc > after)
        if kind:
            # kinds is a JSON list of wire codes (validated, no quotes in them): its text holds "kind"
            stmt = stmt.where(cast(Agency.kinds, String).contains(f'"{kind}"', autoescape=True))
        async with self.db.read() as session:
            rows = [(a, e) for a, e in (await session.execute(stmt.order_by(Enterprise.uscc).limit(limit + 1))).all()]
            page = rows[:limit]
            items = await self._wire(session, page)
        more = len(rows) > limit
        return s.AgencyPage(items, SearchQuery.cursor_after(page[-1][1].uscc) if more and page else None)

    async def _wire(self, session: AsyncSession, rows: list[tuple[Agency, Enterprise]]) -> list[s.Agency]:
        ids = [a.id for a, _ in rows]
        quals: dict[int, list[s.Qualification]] = {}
        for q in await session.scalars(
            select(AgencyQualification).where(AgencyQualification.agency_id.in_(ids)).order_by(AgencyQualification.id)
        ):
            quals.setdefault(q.agency_id, []).append(
                s.Qualification(q.id, q.kind, q.certificate_no, q.issued_by, q.valid_from, q.valid_to)
            )
        return [
            s.Agency(e.uscc, e.name, e.division_code, list(a.kinds), quals.get(a.id, []), a.created_at) for a, e in rows
        ]

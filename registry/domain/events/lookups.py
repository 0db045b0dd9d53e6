"""Where the checks of a new event read the register: the subject, its locations, authorities,
linked events and the penalty decisions already recorded.

``Lookups`` asks the database, one query each, as ``POST /api/v1/events`` does. The rules (which
answer is a refusal, with which field and message) live here once; a subclass only changes where
the answers come from: the events importer reads them for a whole batch of rows at once
(``registry.domain.imports.bulk``), so a row is checked by exactly the same code either way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Agency, Authority, CreditEvent, Enterprise, Person
from registry.domain.events.query import effective
from registry.domain.identifiers import IdentifierError, parse_uscc
from registry.domain.jurisdiction import locations
from registry.errors import Conflict, FieldProblem, ValidationFailed


def problem(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def decision_key(deciding_authority: str, decision_no: str) -> str:
    """What the advisory lock of one penalty decision is taken on (PostgreSQL)."""
    return f"penalty:{deciding_authority}:{decision_no}"


class Lookups:
    # ---- the checks ---------------------------------------------------------------------------

    async def unit(self, session: AsyncSession, uscc: str | None, subject_type: str, prefix: str) -> Enterprise:
        field = prefix + "subject.uscc"
        if not uscc:
            raise problem(field, "required", "单位须给出统一社会信用代码", "uscc is required for a unit")
        try:
            code = self.code_of(uscc)
        except IdentifierError as err:
            raise problem(field, err.code, err.message_zh, err.message_en) from err
        enterprise = await self.find_unit(session, code)
        if enterprise is None:
            raise problem(field, "unknown_enterprise", f"{code} 尚未登记", f"{code} is not registered")
        if subject_type == "agency" and not await self.is_agency(session, enterprise.id):
            raise problem(field, "not_an_agency", f"{code} 不是已登记的中介机构", f"{code} is not a registered agency")
        return enterprise

    async def authority(self, session: AsyncSession, division: str, field: str) -> Authority:
        """The registered authority of ``division``, or 422 on ``field``."""
        found = await self.find_authority(session, division)
        if found is None:
            raise problem(
                field,
                "unknown_authority",
                f"区划 {division} 没有已登记的机关",
                f"no authority is registered for division {division}",
            )
        return found

    async def links(self, session: AsyncSession, links: list[int], prefix: str) -> list[int]:
        wanted = list(dict.fromkeys(links))
        if not wanted:
            return []
        found = await self.existing_events(session, wanted)
        problems = [
            FieldProblem(
                f"{prefix}links[{i}]", "unknown_event", f"没有编号为 {link} 的事件", f"no event {link} to link"
            )
            for i, link in enumerate(links)
            if link not in found
        ]
        if problems:
            raise ValidationFailed(problems)
        return wanted

    async def unique_decision(self, session: AsyncSession, stored: dict[str, Any], replacing: int | None) -> None:
        """One effective penalty per (deciding authority, decision number); an amendment may keep
        the number of the event it replaces."""
        for clash, details in await self.decisions(session, stored["deciding_authority"], stored["decision_no"]):
            if clash != replacing and details.get("deciding_authority") == stored["deciding_authority"]:
                raise Conflict(
                    f"处罚决定书 {stored['decision_no']} 已记录为事件 {clash}；如需修改请更正该事件 / penalty "
                    f"decision {stored['decision_no']} is already event {clash}; amend that event instead",
                    extra={"event_id": clash},
                )

    # ---- where the answers come from (one query each) -----------------------------------------

    def code_of(self, uscc: str) -> str:
        """The USCC in its canonical form, or IdentifierError."""
        return parse_uscc(uscc).value

    async def find_unit(self, session: AsyncSession, uscc: str) -> Enterprise | None:
        return await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))

    async def is_agency(self, session: AsyncSession, enterprise_id: int) -> bool:
        return await session.scalar(select(Agency.id).where(Agency.enterprise_id == enterprise_id)) is not None

    async def locations(self, session: AsyncSession, enterprise: Enterprise) -> list[str]:
        return await locations(session, enterprise)

    async def person_exists(self, session: AsyncSession, person_id: int) -> bool:
        return await session.get(Person, person_id) is not None

    async def find_authority(self, session: AsyncSession, division: str) -> Authority | None:
        return await session.scalar(select(Authority).where(Authority.division_code == division))

    async def existing_events(self, session: AsyncSession, ids: list[int]) -> set[int]:
        return set(await session.scalars(select(CreditEvent.id).where(CreditEvent.id.in_(ids))))

    async def decisions(
        self, session: AsyncSession, deciding_authority: str, decision_no: str
    ) -> list[tuple[int, dict[str, Any]]]:
        """The effective penalties with this number. On PostgreSQL a transaction lock on the number
        first makes check-then-insert atomic against a concurrent request (SQLite serialises
        writers anyway)."""
        if session.get_bind().dialect.name == "postgresql":
            key = decision_key(deciding_authority, decision_no)
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
        stmt = select(CreditEvent.id, CreditEvent.details).where(
            CreditEvent.kind == "penalty", CreditEvent.reference_no == decision_no, effective()
        )
        return [(i, d) for i, d in (await session.execute(stmt)).all()]


#: the database, one query per question: the API's path
DIRECT = Lookups()

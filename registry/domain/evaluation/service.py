"""Evaluation against stored facts: the path bureau -> facts -> rules -> decision, writing nothing.

Here the decision is only computed and returned, for the bureau's what-if and for the tests of
the rules on real stored facts; the listing workflow (registry.domain.listings) evaluates the same
way when it proposes, and persists what the officers then decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import select

from registry.db.engine import Database
from registry.db.models import Authority, CreditEvent, Enterprise
from registry.domain import reads
from registry.domain.actors import Actor
from registry.domain.evaluation import schemas as s
from registry.domain.evaluation.facts import accident_context, enterprise_facts, heads, person_facts
from registry.domain.events.accidents import grade_of, rank
from registry.domain.wire import uscc_field
from registry.errors import FieldProblem, NotFound, ValidationFailed
from registry.lib.clock import Clock, today
from registry.rules import removal
from registry.rules.evaluator import applicable, evaluate
from registry.rules.export import describe
from registry.rules.facts import Event, Facts
from registry.rules.model import Ruleset
from registry.rules.view import View

#: what-if days outside this range are refused (no rules before 2011; nothing planned past 2100)
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def _no_person(person_id: int) -> NotFound:
    return NotFound(f"没有编号为 {person_id} 的人员 / no person {person_id}")


def _problem(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


class EvaluationService:
    def __init__(self, db: Database, clock: Clock, rulesets: tuple[Ruleset, ...]) -> None:
        self.db = db
        self.clock = clock
        self.rulesets = rulesets
        self.catalogue: dict[str, Any] = describe(rulesets)
        self.families = sorted({r.family for r in rulesets})

    async def stored_facts(self, subject: s.SubjectRef, actor: Actor) -> Facts:
        """The facts the rules read about a stored subject: part of its full file, so a unit
        outside the actor's area is 403 and a person it may not read 404 as if unknown, both
        audited (``registry.domain.reads``)."""
        if (subject.uscc is None) == (subject.person_id is None):
            raise _problem(
                "subject",
                "one_of",
                "subject 须且只须给出 uscc 或 person_id 之一",
                "give exactly one of uscc, person_id",
            )
        uscc = None if subject.uscc is None else uscc_field("subject.uscc", subject.uscc)
        refused: Enterprise | None = None
        async with self.db.read() as session:
            if uscc is not None:
                found = await reads.unit_and_access(session, actor, uscc)
                if found is None:
                    raise NotFound(f"没有统一社会信用代码为 {subject.uscc} 的主体 / no entity {subject.uscc}")
                unit, readable = found
                if readable:
                    return await enterprise_facts(session, unit)
                refused = unit
            else:
                assert subject.person_id is not None
                person = await reads.person_and_access(session, actor, subject.person_id)
                if person is not None and person[1]:
                    return await person_facts(session, person[0])
                if person is None:
                    raise _no_person(subject.person_id)
        if refused is not None:
            raise await reads.refuse_unit(self.db, self.clock, actor, "facts.read", refused)
        assert subject.person_id is not None
        await reads.audit_hidden(self.db, self.clock, actor, "facts.read", subject.person_id)
        raise _no_person(subject.person_id)

    @staticmethod
    def _graded(events: Iterable[Event]) -> tuple[Event, ...]:
        """Given accidents get the grade a stored one would have (``registry.domain.events.kinds.
        derived``): the one their deaths, serious injuries and direct loss imply (国务院令第493号
        art. 3), or the given grade when it is higher (a declared grade may only raise it)."""
        out = []
        for e in events:
            implied = grade_of(e.deaths, e.serious_injuries, e.direct_loss_cny) if e.kind == "accident" else None
            raise_to = implied is not None and (e.grade is None or rank(e.grade) < rank(implied))
            out.append(msgspec.structs.replace(e, grade=implied) if raise_to else e)
        return tuple(out)

    @staticmethod
    def _check_ids(base: Facts, extra: s.Hypothetical) -> None:
        taken = {e.id for e in base.events}
        ids = [e.id for e in extra.events]
        problems = [
            FieldProblem(
                f"hypothetical.events[{i}].id",
                "duplicate_id",
                f"假设事件编号 {e.id} 与已登记或其他假设事件重复（建议使用负数）",
                f"hypothetical event id {e.id} is already used (negative ids are safe)",
            )
            for i, e in enumerate(extra.events)
            if e.id in taken or ids.count(e.id) > 1
        ]
        if problems:
            raise ValidationFailed(problems)

    async def _resolve(self, extra: s.Hypothetical, actor: Actor, authority: str | None) -> tuple[Event, ...]:
        """Hypothetical events as the facts builder would have made them: links to stored events
        followed to their current form, a judgment given the grade of the stored accident it
        names, a penalty without a deciding authority decided by the calling bureau; graded.
        A stored event the actor may not read answers as one that does not exist."""
        own = {e.id for e in extra.events}
        stored = {i for e in extra.events for i in e.links if i not in own}
        found: dict[int, CreditEvent | None] = {}
        if stored:
            async with self.db.read() as session:
                found = await heads(session, stored)
                ids = {h.id for h in found.values() if h is not None}
                if ids and not reads.everywhere(actor):
                    readable = set(
                        await session.scalars(
                            select(CreditEvent.id).where(CreditEvent.id.in_(ids), reads.event_readable(actor))
                        )
                    )
                    found = {i: h if h is not None and h.id in readable else None for i, h in found.items()}
        problems = [
            FieldProblem(
                f"hypothetical.events[{n}].links",
                "unknown_event",
                f"关联的事件 {i} 不存在或已撤回",
                f"linked event {i} does not exist or was withdrawn",
            )
            for n, e in enumerate(extra.events)
            for i in e.links
            if i not in own and found.get(i) is None
        ]
        if problems:
            raise ValidationFailed(problems)
        out = []
        async with self.db.read() as session:
            for e in extra.events:
                linked = [h for i in e.links if (h := found.get(i)) is not None]
                changes: dict[str, Any] = {
                    "links": tuple(sorted({i for i in e.links if i in own} | {h.id for h in linked}))
                }
                # what the request gave wins; the stored accident it names fills the rest
                context = await accident_context(session, e.kind, linked)
                changes.update({k: v for k, v in context.items() if getattr(e, k) is None})
                if e.kind == "penalty" and e.deciding_authority is None and authority is not None:
                    changes["deciding_authority"] = authority
                out.append(msgspec.structs.replace(e, **changes))
        return self._graded(out)

    async def _authority(self, actor: Actor) -> str | None:
        if actor.authority_id is None:
            return None
        async with self.db.read() as session:
            found = await session.get(Authority, actor.authority_id)
            return found.division_code if found else None

    async def evaluate(self, data: s.EvaluateRequest, actor: Actor) -> s.EvaluateResponse:
        as_of = data.as_of or today(self.clock)
        if not EARLIEST <= as_of <= LATEST:
            raise _problem(
                "as_of",
                "range",
                f"as_of 须在 {EARLIEST} 至 {LATEST} 之间",
                f"as_of must be from {EARLIEST} to {LATEST}",
            )
        unknown = [x for x in data.families or [] if x not in self.families]
        if unknown:
            raise _problem(
                "families",
                "unknown_family",
                f"未知的规则族：{', '.join(unknown)}（可选：{', '.join(self.families)}）",
                f"unknown rule families: {', '.join(unknown)} (known: {', '.join(self.families)})",
            )
        if data.subject is not None and data.facts is not None:
            raise _problem("facts", "one_of", "subject 与 facts 只能给出其一", "give subject or facts, not both")
        if data.subject is not None:
            facts = await self.stored_facts(data.subject, actor)
        elif data.facts is not None:
            ids = [e.id for e in data.facts.events]
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise _problem(
                    "facts.events",
                    "duplicate_id",
                    f"事件编号重复：{repeated}",
                    f"event ids used more than once: {repeated}",
                )
            facts = msgspec.structs.replace(data.facts, events=self._graded(data.facts.events))
        else:
            raise _problem("subject", "required", "须给出 subject 或 facts", "give subject or facts")
        hypothetical = data.hypothetical is not None and bool(
            data.hypothetical.events
            or data.hypothetical.grades
            or data.hypothetical.listings
            or data.hypothetical.insurance
        )
        extra = data.hypothetical
        if extra is not None:
            self._check_ids(facts, extra)
            events = await self._resolve(extra, actor, await self._authority(actor))
            facts = msgspec.structs.replace(
                facts,
                events=(*facts.events, *events),
                grades=(*facts.grades, *extra.grades),
                listings=(*facts.listings, *extra.listings),
                insurance=extra.insurance or facts.insurance,
            )
        chosen = [r for r in self.rulesets if data.families is None or r.family in data.families]
        return s.EvaluateResponse(
            facts=facts,
            decision=evaluate(chosen, facts, as_of),
            hypothetical=hypothetical or data.facts is not None,
            early_removal=early_removals(chosen, facts, as_of),
        )


def early_removals(rulesets: list[Ruleset], facts: Facts, on: dt.date) -> list[s.EarlyRemoval]:
    """Each listing in force on ``on`` whose type a ruleset there lets be removed early, with every
    condition held or not (``removal.judge``: the judgement an application to the workflow gets),
    so the what-if says why removal is not advised as well as when it is."""
    view = View(facts, on)
    chosen = applicable(rulesets, on, facts.subject.division_code)
    out = []
    for listing in facts.listings:
        found = removal.judge(chosen, facts, listing, on) if view.in_force(listing) else None
        if found is None:
            continue
        ruleset, checks = found
        out.append(
            s.EarlyRemoval(
                listing_id=listing.id,
                list_type=listing.list_type,
                listed_on=listing.listed_on,
                ruleset=ruleset.id,
                eligible=all(c.held for c in checks),
                checks=[
                    s.RemovalCheck(code=c.code, held=c.held, zh=c.zh, en=c.en, evidence=list(c.evidence), tag=c.tag)
                    for c in checks
                ],
            )
        )
    return out

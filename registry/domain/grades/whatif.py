"""What a grade step would change in the rules' decision, before it is taken: the decision on
today's stored facts, and on the same facts with the grade as the step would leave it (never
stored), side by side — the ``whatif.Preview`` a credit event's form shows.

Read with ``EvaluationService`` and the officer's ``Actor`` (the read rules of
``POST /api/v1/rules/evaluate``); the grade after the step is the one the service would store
(``valid_until`` from the same validity, a renewal's old grade superseded on the day).
"""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.domain.actors import Actor
from registry.domain.calendar import add_years
from registry.domain.evaluation.schemas import EvaluateRequest, SubjectRef
from registry.domain.evaluation.service import EvaluationService
from registry.domain.whatif import Preview
from registry.rules import facts as f

#: the steps whose consequences the rules decide (incentives, grade-dependent measures)
PREVIEWED = frozenset({"revoke", "announce"})


def after_step(
    grades: tuple[f.Grade, ...],
    grade_id: int,
    action: str,
    on: dt.date,
    validity_years: int,
) -> tuple[f.Grade, ...]:
    """The grades as ``action`` dated ``on`` would leave them (pure)."""
    out = []
    for g in grades:
        after = g
        if g.id == grade_id and action == "revoke":
            after = msgspec.structs.replace(g, status="revoked", ended_on=on)
        elif g.id == grade_id and action == "announce":
            after = msgspec.structs.replace(
                g, status="valid", announced_on=on, valid_until=add_years(on, validity_years)
            )
        elif action == "announce" and g.status == "valid" and g.valid_until is not None and g.valid_until >= on:
            # the service supersedes the grade still valid on the announcement day (a renewal's old one)
            after = msgspec.structs.replace(g, status="superseded", ended_on=on)
        out.append(after)
    return tuple(out)


async def grade_preview(
    evaluation: EvaluationService,
    actor: Actor,
    uscc: str,
    grade_id: int,
    action: str,
    on: dt.date,
    validity_years: int,
) -> Preview:
    today = await evaluation.evaluate(EvaluateRequest(subject=SubjectRef(uscc=uscc)), actor)
    grades = after_step(today.facts.grades, grade_id, action, on, validity_years)
    facts = msgspec.structs.replace(today.facts, grades=grades)
    after = await evaluation.evaluate(EvaluateRequest(facts=facts), actor)
    return Preview(today.decision, after.decision)

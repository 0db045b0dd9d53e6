"""What would follow a credit event before it is recorded: the rule decision on today's stored
facts, and on those facts with the event added (never stored), side by side.

The event is turned into the rules' fact exactly as a stored one would be (the facts builder's
own mapping), then evaluated as a hypothetical by ``EvaluationService`` with the officer's
``Actor`` (the same read rules as ``POST /api/v1/rules/evaluate``).
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.db.models import CreditEvent
from registry.domain.actors import Actor
from registry.domain.evaluation.facts import _event as fact_of
from registry.domain.evaluation.schemas import EvaluateRequest, Hypothetical, SubjectRef
from registry.domain.evaluation.service import EvaluationService
from registry.domain.events.schemas import EventCreate
from registry.rules.decision import Decision, Outcome

#: the id of the event in the what-if (negative: never a stored id)
HYPOTHETICAL_ID = -1


@dataclass(frozen=True, slots=True)
class Preview:
    today: Decision
    after: Decision

    @property
    def new(self) -> list[Outcome]:
        """What the event would add: outcomes after it that are not in force today."""
        before = {(o.kind, o.code) for o in self.today.outcomes()}
        return [o for o in self.after.outcomes() if (o.kind, o.code) not in before]

    @property
    def ended(self) -> list[Outcome]:
        after = {(o.kind, o.code) for o in self.after.outcomes()}
        return [o for o in self.today.outcomes() if (o.kind, o.code) not in after]


async def preview(evaluation: EvaluationService, actor: Actor, uscc: str, data: EventCreate) -> Preview:
    row = CreditEvent(
        id=HYPOTHETICAL_ID,
        kind=data.kind,
        occurred_on=data.occurred_on,
        details=dict(data.details),
        accident_grade=None,  # graded from its numbers by the evaluation, as a stored one is
        recording_authority_id=actor.authority_id,
    )
    event = fact_of(row, tuple(data.links), {})
    subject = SubjectRef(uscc=uscc)
    today = await evaluation.evaluate(EvaluateRequest(subject=subject), actor)
    after = await evaluation.evaluate(
        EvaluateRequest(subject=subject, hypothetical=Hypothetical(events=[event])), actor
    )
    return Preview(today.decision, after.decision)

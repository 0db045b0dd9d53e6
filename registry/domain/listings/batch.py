"""Batch proposals from a rules run: every unit in an area with a recorded penalty of the acting
officer's authority is evaluated on today's stored facts, and each listing a rule orders there is
proposed through the same service as the API (so the same checks, audit and one-open-listing rule
hold). What the rules order for another authority's penalty is reported, not proposed; what
they show for the bureau's review only (``for_review``: a 49号 case completed after 2023-10-01,
部令11号 cases 8 and 9) is reported as "for review" and never proposed (DOMAIN 8.4, 8.5).

One evaluation per unit with a penalty; the national-scale batch (facts built in bulk) is step 9.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from registry.db.models import Authority, CreditEvent, Enterprise
from registry.domain.actors import Actor
from registry.domain.evaluation.facts import enterprise_facts
from registry.domain.events.query import effective
from registry.domain.identifiers.divisions import subtree_bounds
from registry.domain.listings import schemas as s
from registry.domain.listings.service import ListingService
from registry.errors import RegistryError
from registry.lib.clock import today
from registry.rules.catalogue import OUTCOMES
from registry.rules.evaluator import evaluate


@dataclass
class BatchReport:
    units: int = 0
    proposed: list[dict[str, object]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    #: outcomes for the bureau's review: shown with their criteria and deciding bureau, never proposed
    for_review: list[dict[str, object]] = field(default_factory=list)


async def propose_batch(
    service: ListingService,
    actor: Actor,
    division: str | None,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchReport:
    area = division or actor.jurisdiction or ""
    report = BatchReport()
    async with service.db.read() as session:
        authority = await session.get_one(Authority, actor.authority_id)
        stmt = select(CreditEvent.enterprise_id).where(
            CreditEvent.kind == "penalty", CreditEvent.enterprise_id.is_not(None), effective()
        )
        if area:
            lo, hi = subtree_bounds(area)
            stmt = stmt.where(CreditEvent.division_code.between(lo, hi))
        ids = sorted({i for i in await session.scalars(stmt.distinct()) if i is not None})
    on = today(service.clock)
    for enterprise_id in ids:
        async with service.db.read() as session:
            unit = await session.get_one(Enterprise, enterprise_id)
            decision = evaluate(service.rulesets, await enterprise_facts(session, unit), on)
        report.units += 1
        if progress is not None:
            progress(1)
        report.for_review.extend(
            {
                "uscc": unit.uscc,
                "name": unit.name,
                "code": outcome.code,
                "criteria": outcome.criteria,
                "deciding_authority": outcome.deciding_authority,
                "evidence": outcome.evidence,
            }
            for outcome in decision.for_review
        )
        for outcome in decision.listings:
            list_type = OUTCOMES[outcome.code].list_type
            assert list_type is not None
            row: dict[str, object] = {
                "uscc": unit.uscc,
                "name": unit.name,
                "list_type": list_type,
                "criteria": outcome.criteria,
            }
            if outcome.deciding_authority != authority.division_code:
                report.skipped.append({**row, "reason": f"decided by {outcome.deciding_authority}"})
                continue
            if dry_run:
                report.proposed.append({**row, "dry_run": True})
                continue
            try:
                answer = await service.propose(
                    actor, s.ListingPropose(subject=s.SubjectRef(uscc=unit.uscc), list_type=list_type), None
                )
            except RegistryError as exc:
                report.skipped.append({**row, "reason": exc.detail})
                continue
            report.proposed.append({**row, "listing_id": answer.body["listing"]["id"]})
    return report

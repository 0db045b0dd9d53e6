"""/api/v1/rules: the rulesets with their legal bases; /api/v1/rules/evaluate: what-if, writes nothing."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.evaluation import schemas as s


def rule_handlers(services: Services) -> list[Any]:
    @get(
        "/rules",
        tags=["rules"],
        summary="规则集、法律依据、各部门措施 / rulesets, legal bases, measures by department",
        description="Every ruleset version (family, version, effective period, hash) with its rules in their "
        "YAML shape; each legal basis with its confirmation tag; `verified: false` marks measures "
        "reconstructed and not yet checked against the official text.",
    )
    async def catalogue(actor: NamedDependency[Actor]) -> dict[str, Any]:
        return services.evaluation.catalogue

    @post(
        "/rules/evaluate",
        tags=["rules"],
        status_code=200,
        summary="假设评估 / what-if evaluation (stored facts + hypothetical ones, as of a date)",
        description="Evaluates the rules on a stored subject's facts plus hypothetical events, grades and "
        "listings, or on facts given whole; returns the facts used and the decision with every rule "
        "that fired, the fact values behind it and the legal basis. Nothing is stored.",
    )
    async def evaluate(actor: NamedDependency[Actor], data: JSONBody[s.EvaluateRequest]) -> s.EvaluateResponse:
        return await services.evaluation.evaluate(data, actor)

    return [catalogue, evaluate]

"""/api/v1/rules: the rulesets with their legal bases; /api/v1/rules/evaluate: what-if, writes nothing;
/api/v1/rules/reevaluations/{run_id}/changes: the decisions a full re-evaluation found changed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

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

    @get(
        "/rules/reevaluations/{run_id:int}/changes",
        tags=["rules"],
        summary="重新评估后决定有变化的主体 / decisions a full re-evaluation found changed",
        description="The units of the caller's area (a bureau: within its jurisdiction; `division` narrows "
        "it) whose decision differs from the one stored by the previous run, with the rules fired and "
        "the outcomes before and after, in unit order; `after` (the last `enterprise_id` of a page, "
        "`next_after`) gives the next page. A first run lists nothing: it stores every decision.",
    )
    async def reevaluation_changes(
        actor: NamedDependency[Actor],
        run_id: Annotated[int, PathParameter(ge=1, le=2**62, description="重新评估编号 / run id")],
        division: Annotated[
            str | None,
            QueryParameter(description="区划（2、4、6 位前缀或代码）；缺省为本机关辖区", max_length=6),
        ] = None,
        after: Annotated[int | None, QueryParameter(ge=0, le=2**62, description="上一页最后的 enterprise_id")] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=1000, description="每页条数（缺省 100）")] = None,
    ) -> dict[str, Any]:
        return await services.reevaluation.changes(actor, run_id, division, after, limit)

    return [catalogue, evaluate, reevaluation_changes]

"""/api/v1/enterprises/{uscc}/grades: the standardization grade lifecycle; /api/v1/grading/schemes."""

# No ``from __future__ import annotations`` here: each action handler's body type is a closure
# variable, and Litestar must see the real type when it reads the signature.

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from registry.api.enterprises import USCC_PATH, check_path_uscc
from registry.api.params import PathId
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.grades import schemas as s

#: action path segment -> (service action, summary); the body types are s.ACTION_BODIES
ACTIONS: dict[str, tuple[str, str]] = {
    "review": ("review", "评审 / 审查 (review by an agency or the bureau)"),
    "audit": ("audit", "审核 (standard procedure only)"),
    "announce": ("announce", "公告: valid for 3 years from the announcement"),
    "certificate": ("certificate", "颁发证书 (standard procedure only)"),
    "annual-checks": ("annual_check", "年度自评 / 年度核查: pass or findings with a deadline"),
    "rectify": ("rectify", "年度核查问题整改完成"),
    "revoke": ("revoke", "撤销 (摘牌收证) with a reason from the closed list"),
    "suspend": ("suspend", "中止评审 (while the enterprise is listed)"),
    "resume": ("resume", "恢复评审"),
    "withdraw": ("withdraw", "撤回申请"),
}


def _action_handler(services: Services, path: str, action: str, body: type[Any], summary: str) -> Any:
    @post(
        f"/enterprises/{{uscc:str}}/grades/{{grade_id:int}}/{path}",
        tags=["grades"],
        status_code=200,
        summary=summary,
        name=f"grade-{path}",
        description="Send the `version` you read; 409 with the current status and version if it changed "
        "or the step may not follow the current status.",
    )
    async def handler(
        actor: NamedDependency[Actor],
        uscc: Annotated[str, USCC_PATH],
        grade_id: PathId,
        data: JSONBody[body],  # type: ignore[valid-type]
    ) -> s.Grade:
        return await services.grades.act(actor, check_path_uscc(uscc), grade_id, action, data)

    return handler


def grade_handlers(services: Services) -> list[Any]:
    @get("/enterprises/{uscc:str}/grades", tags=["grades"], summary="标准化等级及历史 / current grade and history")
    async def of_enterprise(actor: NamedDependency[Actor], uscc: Annotated[str, USCC_PATH]) -> s.EnterpriseGrades:
        return await services.grades.of_enterprise(actor, check_path_uscc(uscc))

    @post(
        "/enterprises/{uscc:str}/grades",
        tags=["grades"],
        summary="自评申请 / apply for a grade (with the self-assessment), or renew one (复评)",
    )
    async def apply(
        actor: NamedDependency[Actor], uscc: Annotated[str, USCC_PATH], data: JSONBody[s.GradeApply]
    ) -> Response[s.Grade]:
        return Response(await services.grades.apply(actor, check_path_uscc(uscc), data), status_code=201)

    @get("/enterprises/{uscc:str}/grades/{grade_id:int}", tags=["grades"], summary="一个等级及其每一步 / one grade")
    async def read(actor: NamedDependency[Actor], uscc: Annotated[str, USCC_PATH], grade_id: PathId) -> s.Grade:
        return await services.grades.get(actor, check_path_uscc(uscc), grade_id)

    @get("/grading/schemes", tags=["grades"], summary="评分办法与分数线 / scoring schemes and thresholds")
    async def schemes(actor: NamedDependency[Actor]) -> list[s.SchemeInfo]:
        return services.grades.schemes()

    actions = [
        _action_handler(services, path, action, s.ACTION_BODIES[action], summary)
        for path, (action, summary) in ACTIONS.items()
    ]
    return [of_enterprise, apply, read, schemes, *actions]

"""Case 8 or 9 of 部令11号 proposed by hand (DOMAIN 8.5): never from a rule decision, always with the
bureau's written reasons and a recorded penalty of the unit.

The form is the API's own body (``ListingPropose`` with ``source="manual"``, converted by msgspec
with the same limits) and the proposal is ``ListingService.propose`` with the officer's ``Actor``:
the reasons' minimum length, the criterion, the penalty and the deciding authority are the
service's checks, shown beside the field they name.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from registry.api.console.actions import Field, beside, values
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.evaluation.schemas import EvaluateRequest
from registry.domain.evaluation.schemas import SubjectRef as StoredSubject
from registry.domain.events.query import EventQuery
from registry.domain.listings.proposals import MIN_REASONS, manual_problems
from registry.domain.listings.schemas import ListingPropose
from registry.domain.listings.types import LIST_TYPES
from registry.domain.wire import translate
from registry.errors import RegistryError, ValidationFailed
from registry.rules.catalogue import BASES

CRITERIA = {
    "11-9": "第9项：其他受到行政处罚，且性质恶劣、情节严重",
    "11-8": "第8项：有执行能力拒不执行或者逃避执行行政处罚",
}
FOLLOWS = (
    "名单进入“拟列入”，来源记为人工提议，书面理由与所引用的行政处罚一并留存，可在名单记录中查看。",
    "下一步须告知当事人，陈述申辩期满后由另一名工作人员作出列入决定；提议人本人不能批准。",
)


def manual_types() -> tuple[tuple[str, str], ...]:
    return tuple((code, t.title) for code, t in LIST_TYPES.items() if t.manual_criteria)


def basis(criterion: str) -> list[Any]:
    """The texts a manual proposal of ``criterion`` rests on (as the service records them)."""
    codes = [f"mem11_case{criterion[-1]}"] if criterion in CRITERIA else ["mem11_case9", "mem11_case8"]
    return [BASES[c] for c in (*codes, "mem11_art3", "mem11_art4")]


def manual_handlers(services: Services) -> list[Any]:
    listings = services.listings
    limit = services.settings.limits.page_size_max

    async def fields(officer: Officer, uscc: str) -> tuple[Field, ...]:
        found = await services.events.search(officer.actor, EventQuery(uscc=uscc, kind="penalty", limit=limit))
        penalties = tuple(
            (str(e.id), f"{e.occurred_on} {e.source_document}（事件 {e.id}，{e.recording_authority.name}）")
            for e in found.items
            if e.effective
        )
        return (
            Field("list_type", "名单类型", "choice", required=True, options=manual_types()),
            Field("criterion", "列入情形", "choice", required=True, options=tuple(CRITERIA.items())),
            Field(
                "penalty_event_id",
                "所依据的行政处罚",
                "choice",
                required=True,
                options=penalties,
                hint="" if penalties else "该单位尚无已记录的行政处罚：须先在“信用事件”中记录处罚",
            ),
            Field(
                "reasons",
                "书面理由",
                "textarea",
                required=True,
                hint=f"认定性质恶劣、情节严重（第9项）或有执行能力拒不执行（第8项）的事实和理由，"
                f"至少 {MIN_REASONS} 个字",
            ),
        )

    async def page(
        officer: Officer, uscc: str, shown: dict[str, Any] | None = None, status: int = 200, **extra: Any
    ) -> Template:
        answer = await services.evaluation.evaluate(EvaluateRequest(subject=StoredSubject(uscc=uscc)), officer.actor)
        form = await fields(officer, uscc)
        shown = shown or {"list_type": form[0].options[0][0] if form[0].options else "", "criterion": "11-9"}
        context = {
            **officer.context(),
            "nav": "enterprises",
            "uscc": uscc,
            "decision": answer.decision,
            "fields": form,
            "shown": {f.name: shown.get(f.name, "") for f in form},
            "basis": basis(str(shown.get("criterion", ""))),
            "follows": FOLLOWS,
            "errors": {},
            "refusal": None,
            "confirming": False,
            **extra,
        }
        if status == 200 and (context["errors"] or context["refusal"]):
            status = 422
        return Template(template_name="console/propose_manual.html", context=context, status_code=status)

    @get("/console/enterprises/{uscc:str}/propose-manual", include_in_schema=False)
    async def manual_form(officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]) -> Template:
        return await page(officer, uscc)

    @post("/console/enterprises/{uscc:str}/propose-manual", include_in_schema=False, status_code=200)
    async def manual_propose(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]
    ) -> Response[Any]:
        form = await request.form()
        asked = await fields(officer, uscc)
        shown = values(asked, form)
        raw: dict[str, Any] = {
            "subject": {"uscc": uscc},
            "source": "manual",
            "list_type": shown["list_type"] or "",
            "criterion": shown["criterion"] or None,
            "penalty_event_id": int(shown["penalty_event_id"]) if shown["penalty_event_id"].isdigit() else None,
            "reasons": shown["reasons"] or None,
        }
        try:
            data = msgspec.convert(raw, type=ListingPropose)
        except msgspec.ValidationError as exc:
            problem = translate(str(exc))  # the API's own wording of the same refusal
            return await page(officer, uscc, shown, errors={problem.field.split(".")[-1]: problem.message_zh})
        if form.get("confirmed") != "1":
            # the service's own field checks, without writing: the confirmation shows a proposal it would take
            errors = (
                beside(manual_problems(data), asked)[0]
                if data.list_type in LIST_TYPES
                else {"list_type": "请选择名单类型"}
            )
            return await page(officer, uscc, shown, errors=errors, confirming=not errors)
        try:
            answer = await listings.propose(officer.actor, data, None)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, asked)
            return await page(officer, uscc, shown, exc.status, errors=errors, refusal=refusal)
        except RegistryError as exc:
            return await page(officer, uscc, shown, exc.status, refusal=exc.detail.split(" / ")[0])
        return Redirect(f"/console/listings/{answer.body['listing']['id']}?done=propose", status_code=303)

    return [manual_form, manual_propose]

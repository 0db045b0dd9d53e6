"""The listing desk: one listing with its steps, and each step as form -> confirmation -> done.

The listing is read with ``ListingService.get`` (the API's read rules); a step is
``ListingService.act`` with the version the officer saw, so a listing someone changed in between
is refused (409) and shown again rather than overwritten.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from registry.api.console.actions import STEPS as ACTION_STEPS
from registry.api.console.actions import available, beside, body, values
from registry.api.console.labels import LABELS
from registry.api.console.officer import Officer
from registry.api.console.repair import REPAIR_STEPS
from registry.domain.container import Services
from registry.domain.evaluation.schemas import EvaluateRequest
from registry.domain.evaluation.schemas import SubjectRef as StoredSubject
from registry.domain.listings.schemas import ListingPropose, SubjectRef
from registry.domain.listings.types import BAN_TYPES, LIST_TYPES
from registry.errors import RegistryError, ValidationFailed
from registry.rules.catalogue import OUTCOMES
from registry.rules.decision import Decision, Outcome

DONE = "已办理：{title}。"
#: every step of the desk: the workflow's, with credit repair's (apply, decide, revoke)
STEPS = {**ACTION_STEPS, **REPAIR_STEPS}


def _shown_empty(step: Any) -> dict[str, Any]:
    return {f.name: ([] if f.kind == "choices" else "") for f in step.fields}


def proposable(decision: Decision) -> list[tuple[str, Outcome]]:
    """The listings and bans a rule decision orders, with the list type each proposes (the match
    ``listings.proposals`` makes when the proposal is sent)."""
    out = []
    for outcome in decision.listings:
        spec = OUTCOMES.get(outcome.code)
        if spec is not None and spec.list_type in LIST_TYPES:
            out.append((spec.list_type, outcome))
    out += [(BAN_TYPES[o.code], o) for o in decision.bans if o.code in BAN_TYPES]
    return out


def listing_desk_handlers(services: Services) -> list[Any]:
    listings = services.listings

    @get("/console/listings/{listing_id:int}", include_in_schema=False)
    async def listing(
        officer: NamedDependency[Officer],
        listing_id: Annotated[int, PathParameter()],
        done: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        found = await listings.get(officer.actor, listing_id)
        step = STEPS.get(done or "")
        message = (
            DONE.format(title=step.title)
            if step
            else ("已提议列入，下一步：告知当事人。" if done == "propose" else None)
        )
        return Template(
            template_name="console/listing.html",
            context={
                **officer.context(),
                "nav": "desk",
                "l": found,
                "labels": LABELS,
                "steps": available(found.status, found.objection_pending, STEPS),
                "done": message,
            },
        )

    def page(officer: Officer, found: Any, step: Any, status: int | None = None, **extra: Any) -> Template:
        context = {
            **officer.context(),
            "nav": "desk",
            "l": found,
            "step": step,
            "shown": _shown_empty(step),
            "errors": {},
            "refusal": None,
            "confirming": False,
        }
        context.update(extra)
        if status is None:
            status = 422 if extra.get("errors") or extra.get("refusal") else 200
        return Template(template_name="console/step.html", context=context, status_code=status)

    @get("/console/listings/{listing_id:int}/{action:str}", include_in_schema=False)
    async def step_form(
        officer: NamedDependency[Officer],
        listing_id: Annotated[int, PathParameter()],
        action: Annotated[str, PathParameter()],
    ) -> Template:
        step = STEPS.get(action)
        found = await listings.get(officer.actor, listing_id)
        if step is None:
            return Template(
                template_name="console/error.html",
                context={**officer.context(), "title": "没有这个步骤", "message": f"名单没有“{action[:40]}”这个步骤。"},
                status_code=404,
            )
        return page(officer, found, step)

    @post("/console/listings/{listing_id:int}/{action:str}", include_in_schema=False, status_code=200)
    async def step_post(
        request: Request[Any, Any, Any],
        officer: NamedDependency[Officer],
        listing_id: Annotated[int, PathParameter()],
        action: Annotated[str, PathParameter()],
    ) -> Response[Any]:
        step = STEPS.get(action)
        found = await listings.get(officer.actor, listing_id)
        if step is None:
            return Template(
                template_name="console/error.html",
                context={**officer.context(), "title": "没有这个步骤", "message": "名单没有这个步骤。"},
                status_code=404,
            )
        form = await request.form()
        shown = values(step.fields, form)
        seen = form.get("version")
        version = int(seen) if isinstance(seen, str) and seen.isdigit() else found.version
        data, errors = body(step, shown, version)
        if data is None:
            return page(officer, found, step, shown=shown, errors=errors)
        if form.get("confirmed") != "1":
            return page(officer, found, step, shown=shown, confirming=True)
        try:
            await listings.act(officer.actor, listing_id, step.action, data, None)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, step.fields, lambda name: name.split(".")[-1])
            fresh = await listings.get(officer.actor, listing_id)
            return page(officer, fresh, step, shown=shown, errors=errors, refusal=refusal, status=exc.status)
        except RegistryError as exc:
            fresh = await listings.get(officer.actor, listing_id)
            message = exc.detail.split(" / ")[0]
            return page(officer, fresh, step, shown=shown, refusal=message, status=exc.status)
        return Redirect(f"/console/listings/{listing_id}?done={step.action}", status_code=303)

    async def proposal_page(officer: Officer, uscc: str, refusal: str | None = None, status: int = 200) -> Template:
        answer = await services.evaluation.evaluate(EvaluateRequest(subject=StoredSubject(uscc=uscc)), officer.actor)
        decision = answer.decision
        return Template(
            template_name="console/propose.html",
            context={
                **officer.context(),
                "nav": "enterprises",
                "uscc": uscc,
                "decision": decision,
                "listings": proposable(decision),
                "refusal": refusal,
            },
            status_code=status,
        )

    @get("/console/enterprises/{uscc:str}/propose", include_in_schema=False)
    async def propose_form(officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]) -> Template:
        return await proposal_page(officer, uscc)

    @post("/console/enterprises/{uscc:str}/propose", include_in_schema=False, status_code=200)
    async def propose(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]
    ) -> Response[Any]:
        form = await request.form()
        chosen = form.get("list_type")
        if not isinstance(chosen, str) or chosen not in LIST_TYPES:
            return await proposal_page(officer, uscc, "请选择规则决定的名单类型。", 422)
        try:
            answer = await listings.propose(
                officer.actor, ListingPropose(subject=SubjectRef(uscc=uscc), source="rules", list_type=chosen), None
            )
        except RegistryError as exc:
            return await proposal_page(officer, uscc, exc.detail.split(" / ")[0], exc.status)
        return Redirect(f"/console/listings/{answer.body['listing']['id']}?done=propose", status_code=303)

    return [listing, step_form, step_post, propose_form, propose]

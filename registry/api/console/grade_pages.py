"""Grade pages: one grade with its steps, each step as form -> confirmation -> done, the
application (and renewal) form, and the two desk headings about grades in full.

The grade is read with ``GradeService.get`` (the API's read rules); an application is
``GradeService.apply`` and a step ``GradeService.act`` with the officer's ``Actor`` and the version
the officer saw, exactly the calls ``/api/v1/enterprises/{uscc}/grades`` makes: the grading
authority, the area, the dates and the state machine decide, never the page. Before a step with
consequences (announcement, revocation) the confirmation shows the rules' decision today and with
the grade as the step would leave it (``grades.whatif``), never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from registry.api.console.actions import Field, beside, values
from registry.api.console.grade_forms import (
    APPLY_FOLLOWS,
    RENEWAL_FOLLOWS,
    STEPS,
    GradeStep,
    allowed_steps,
    apply_fields,
    grade_body,
    step_body,
)
from registry.api.console.labels import LABELS
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.grades import schemas as s
from registry.domain.grades.queue import QUEUES, queue
from registry.domain.grades.schemes import GradingRules
from registry.domain.grades.whatif import grade_preview
from registry.domain.grades.workflow import REVOCATION_REASONS
from registry.domain.whatif import Preview
from registry.errors import RegistryError, ValidationFailed
from registry.lib.clock import today


def _empty(fields: tuple[Field, ...]) -> dict[str, Any]:
    return {f.name: "" for f in fields}


def _not_found(officer: Officer, title: str, message: str) -> Template:
    return Template(
        template_name="console/error.html",
        context={**officer.context(), "title": title, "message": message},
        status_code=404,
    )


def form_page(officer: Officer, status: int | None = None, **context: Any) -> Template:
    base: dict[str, Any] = {
        **officer.context(),
        "nav": "enterprises",
        "errors": {},
        "refusal": None,
        "confirming": False,
        "what_if": None,
        "hidden": {},
    }
    base.update(context)
    if status is None:
        status = 422 if context.get("errors") or context.get("refusal") else 200
    return Template(template_name="console/grade_step.html", context=base, status_code=status)


def grade_page_handlers(services: Services) -> list[Any]:
    return [*_step_handlers(services), *_apply_handlers(services)]


def _step_handlers(services: Services) -> list[Any]:
    grades = services.grades
    rules = grades.rules

    def links(g: s.Grade) -> list[tuple[str, str]]:
        return step_links(rules, g, today(services.clock))

    # ---- one grade ---------------------------------------------------------------------------

    @get("/console/enterprises/{uscc:str}/grades/{grade_id:int}", include_in_schema=False)
    async def grade_page(
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        grade_id: Annotated[int, PathParameter()],
        done: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        g = await grades.get(officer.actor, uscc, grade_id)
        step = STEPS.get(done or "")
        message = f"已办理：{step.title}。" if step else ("已提交定级申请。" if done == "apply" else None)
        return Template(
            template_name="console/grade.html",
            context={
                **officer.context(),
                "nav": "enterprises",
                "g": g,
                "links": links(g),
                "labels": LABELS,
                "reasons": REVOCATION_REASONS,
                "done": message,
            },
        )

    # ---- a step ------------------------------------------------------------------------------

    def step_page(officer: Officer, g: s.Grade, step: GradeStep, status: int | None = None, **extra: Any) -> Template:
        context: dict[str, Any] = {
            "title": step.title,
            "g": g,
            "uscc": g.uscc,
            "action_url": f"/console/enterprises/{g.uscc}/grades/{g.id}/{step.path}",
            "back_url": f"/console/enterprises/{g.uscc}/grades/{g.id}",
            "fields": step.fields,
            "shown": _empty(step.fields),
            "follows": step.follows,
            "hidden": {"version": g.version},
        }
        context.update(extra)
        return form_page(officer, status, **context)

    @get("/console/enterprises/{uscc:str}/grades/{grade_id:int}/{path:str}", include_in_schema=False)
    async def step_form(
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        grade_id: Annotated[int, PathParameter()],
        path: Annotated[str, PathParameter()],
    ) -> Template:
        g = await grades.get(officer.actor, uscc, grade_id)
        step = STEPS.get(path)
        if step is None:
            return _not_found(officer, "没有这个步骤", f"标准化定级没有“{path[:40]}”这个步骤。")
        return step_page(officer, g, step)

    @post("/console/enterprises/{uscc:str}/grades/{grade_id:int}/{path:str}", include_in_schema=False, status_code=200)
    async def step_post(
        request: Request[Any, Any, Any],
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        grade_id: Annotated[int, PathParameter()],
        path: Annotated[str, PathParameter()],
    ) -> Response[Any]:
        step = STEPS.get(path)
        if step is None:
            return _not_found(officer, "没有这个步骤", "标准化定级没有这个步骤。")
        form = await request.form()
        seen = form.get("version")
        shown = values(step.fields, form)
        g = await grades.get(officer.actor, uscc, grade_id)
        version = int(seen) if isinstance(seen, str) and seen.isdigit() else g.version
        data, errors = step_body(step, shown, version)
        if data is None:
            return step_page(officer, g, step, shown=shown, errors=errors, hidden={"version": version})
        if form.get("confirmed") != "1":
            what_if: Preview | None = None
            if step.previewed:
                try:
                    what_if = await grade_preview(
                        services.evaluation, officer.actor, uscc, grade_id, step.action, data.on, rules.validity_years
                    )
                except (RegistryError, ValueError, KeyError):  # the preview is a help: its absence blocks nothing
                    what_if = None
            return step_page(
                officer, g, step, shown=shown, confirming=True, what_if=what_if, hidden={"version": version}
            )
        try:
            await grades.act(officer.actor, uscc, grade_id, step.action, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, step.fields)
            fresh = await grades.get(officer.actor, uscc, grade_id)
            return step_page(officer, fresh, step, exc.status, shown=shown, errors=errors, refusal=refusal)
        except RegistryError as exc:
            if exc.status == 403:
                raise  # outside the area or not the grading authority: the console's refusal page
            fresh = await grades.get(officer.actor, uscc, grade_id)
            return step_page(officer, fresh, step, exc.status, shown=shown, refusal=exc.detail.split(" / ")[0])
        return Redirect(f"/console/enterprises/{uscc}/grades/{grade_id}?done={step.path}", status_code=303)

    return [grade_page, step_form, step_post]


def _apply_handlers(services: Services) -> list[Any]:
    grades = services.grades
    rules = grades.rules

    def apply_page(
        officer: Officer, uscc: str, renewal_of: int | None, status: int | None = None, **extra: Any
    ) -> Template:
        fields = apply_fields(grades.schemes())
        context: dict[str, Any] = {
            "title": "申请复评" if renewal_of else "申请定级（自评与申请）",
            "uscc": uscc,
            "g": None,
            "action_url": f"/console/enterprises/{uscc}/grades/new",
            "back_url": f"/console/enterprises/{uscc}#grades",
            "fields": fields,
            "shown": _empty(fields),
            "follows": APPLY_FOLLOWS + (RENEWAL_FOLLOWS if renewal_of else ()),
            "hidden": {"renewal_of": renewal_of} if renewal_of else {},
            "renewal_of": renewal_of,
        }
        context.update(extra)
        return form_page(officer, status, **context)

    @get("/console/enterprises/{uscc:str}/grades/new", include_in_schema=False)
    async def apply_form(
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        renewal_of: Annotated[int | None, QueryParameter()] = None,
    ) -> Template:
        await grades.of_enterprise(officer.actor, uscc)  # the read rules: outside the area, refused
        return apply_page(officer, uscc, renewal_of)

    @post("/console/enterprises/{uscc:str}/grades/new", include_in_schema=False, status_code=200)
    async def apply(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]
    ) -> Response[Any]:
        await grades.of_enterprise(officer.actor, uscc)
        form = await request.form()
        raw = form.get("renewal_of")
        renewal_of = int(raw) if isinstance(raw, str) and raw.isdigit() else None
        fields = apply_fields(grades.schemes())
        shown = values(fields, form)
        extra = {"renewal_of": renewal_of} if renewal_of else {}
        data, errors = grade_body(fields, shown, s.GradeApply, extra)
        if data is None:
            return apply_page(officer, uscc, renewal_of, shown=shown, errors=errors)
        if form.get("confirmed") != "1":
            return apply_page(officer, uscc, renewal_of, shown=shown, confirming=True)
        try:
            made = await grades.apply(officer.actor, uscc, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, fields)
            return apply_page(officer, uscc, renewal_of, exc.status, shown=shown, errors=errors, refusal=refusal)
        except RegistryError as exc:
            if exc.status == 403:
                raise
            return apply_page(officer, uscc, renewal_of, exc.status, shown=shown, refusal=exc.detail.split(" / ")[0])
        return Redirect(f"/console/enterprises/{uscc}/grades/{made.id}?done=apply", status_code=303)

    # ---- the desk's headings in full ---------------------------------------------------------

    @get("/console/grades/queue/{key:str}", include_in_schema=False)
    async def grade_queue(officer: NamedDependency[Officer], key: Annotated[str, PathParameter()]) -> Template:
        if key not in QUEUES:
            return _not_found(officer, "没有这个待办", "待办中没有这一项。")
        rows = await queue(services.db, services.clock, officer.actor, key)
        title, hint = QUEUES[key]
        items = []
        for q in rows:
            base = f"/console/enterprises/{q.uscc}/grades"
            steps = [
                (f"{base}/{q.grade_id}/{st.path}", st.title) for st in procedure_steps(rules, q.status, q.procedure)
            ]
            if key == "renewals":
                steps = [(f"{base}/new?renewal_of={q.grade_id}", "申请复评"), *steps]
            items.append((q, steps))
        return Template(
            template_name="console/grade_queue.html",
            context={**officer.context(), "nav": "desk", "key": key, "title": title, "hint": hint, "items": items},
        )

    return [apply_form, apply, grade_queue]


def procedure_steps(rules: GradingRules, status: str, procedure: str) -> list[GradeStep]:
    found = rules.procedures.get(procedure)
    return allowed_steps(status, found.steps, found.certificate) if found else []


def step_links(rules: GradingRules, g: s.Grade, day: dt.date) -> list[tuple[str, str]]:
    """(href, title) of each step the grade's state allows, and its renewal while the window is open."""
    base = f"/console/enterprises/{g.uscc}/grades"
    out = [(f"{base}/{g.id}/{st.path}", st.title) for st in procedure_steps(rules, g.status, g.procedure)]
    window = g.renewal_window
    if g.status == "valid" and window is not None and window.opens_on <= day <= window.closes_on:
        out.append((f"{base}/new?renewal_of={g.id}", "申请复评"))
    return out


def grade_links(services: Services) -> Callable[[s.Grade], list[tuple[str, str]]]:
    """For the enterprise file's template: the step links of a grade, as on its own page."""
    return lambda g: step_links(services.grades.rules, g, today(services.clock))

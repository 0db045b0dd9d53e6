"""Enterprises: search within the area, and the one-enterprise file (一企一档).

Every read goes through the service the API uses, with the officer's ``Actor``: outside the area
the file is refused (403, audited by the service) exactly as ``GET /api/v1/enterprises/{uscc}``
would refuse it, and the page says which public answers remain.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from registry.api.console.grade_pages import grade_links
from registry.api.console.labels import LABELS
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.dossier import department_names, trail
from registry.domain.enterprises.search import SearchQuery, validate_filters
from registry.domain.evaluation.schemas import EvaluateRequest
from registry.domain.evaluation.schemas import SubjectRef as StoredSubject
from registry.domain.events.query import EventQuery
from registry.domain.listings.query import ListingQuery
from registry.domain.persons.roster import roster
from registry.domain.vocabulary import INDUSTRIES, SCALES
from registry.errors import NotFound, OutsideJurisdiction, ValidationFailed
from registry.lib.clock import today

_USCC_LIKE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{1,18}")
PAGE = 50
#: what the file says after a register, edit or role form sent the officer back to it
DONE = {"registered": "企业已登记。", "saved": "登记信息已保存。", "appointed": "已任命。", "ended": "任职已结束。"}


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def file_handlers(services: Services) -> list[Any]:
    limits = services.settings.limits
    step_links = grade_links(services)
    departments: dict[str, str] = {}  # read once: the memorandum's departments do not change at run time

    @get("/console/enterprises", include_in_schema=False)
    async def search(
        officer: NamedDependency[Officer],
        q: Annotated[str | None, QueryParameter()] = None,
        division: Annotated[str | None, QueryParameter()] = None,
        industry: Annotated[str | None, QueryParameter()] = None,
        scale: Annotated[str | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        text = _blank(q)
        form = {"q": text or "", "division": division or "", "industry": industry or "", "scale": scale or ""}
        context: dict[str, Any] = {
            **officer.context(),
            "nav": "enterprises",
            "form": form,
            "industries": INDUSTRIES,
            "scales": SCALES,
            "page": None,
            "errors": {},
        }
        searched = any(form.values())
        if not searched:
            return Template(template_name="console/enterprises.html", context=context)
        # a whole or partial USCC is searched as a prefix, anything else as a name fragment
        by_code = text is not None and _USCC_LIKE.fullmatch(text.upper()) is not None and any(c.isdigit() for c in text)
        try:
            query = SearchQuery(
                q=None if by_code else text,
                uscc_prefix=text.upper() if by_code and text else None,
                division=_blank(division),
                industry=_blank(industry),
                scale=_blank(scale),
                limit=PAGE,
                after=SearchQuery.decode_cursor(cursor) if cursor else None,
            )
            problems = []
            if query.industry is not None and query.industry not in INDUSTRIES:
                problems.append(("industry", "行业不在代码表中"))
            if query.scale is not None and query.scale not in SCALES:
                problems.append(("scale", "规模不在代码表中"))
            if problems:
                context["errors"] = dict(problems)
                return Template(template_name="console/enterprises.html", context=context, status_code=422)
            validate_filters(query, limits.page_size_max)
            context["page"] = await services.enterprises.search(officer.actor, query)
        except ValidationFailed as exc:
            context["errors"] = {("q" if p.field == "uscc_prefix" else p.field): p.message_zh for p in exc.problems}
            return Template(template_name="console/enterprises.html", context=context, status_code=422)
        return Template(template_name="console/enterprises.html", context=context)

    @get("/console/enterprises/{uscc:str}", include_in_schema=False)
    async def enterprise_file(
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        recorded: Annotated[int | None, QueryParameter()] = None,
        done: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        actor = officer.actor
        base = {**officer.context(), "nav": "enterprises", "uscc": uscc}
        try:
            unit = await services.enterprises.get(actor, uscc)
        except OutsideJurisdiction as exc:
            return Template(
                template_name="console/outside.html",
                context={**base, "message": exc.detail.split(" / ")[0]},
                status_code=403,
            )
        except (NotFound, ValidationFailed):
            return Template(
                template_name="console/error.html",
                context={
                    **base,
                    "title": "未找到该企业",
                    "message": f"本系统没有登记统一社会信用代码 {uscc[:40]} 的企业。",
                },
                status_code=404,
            )
        grades = await services.grades.of_enterprise(actor, uscc)
        events = await services.events.search(actor, EventQuery(uscc=uscc, history=True, limit=limits.page_size_max))
        found = await services.listings.search(actor, ListingQuery(uscc=uscc, limit=100))
        listings = [await services.listings.get(actor, item.id) for item in found.items]
        if not departments:
            departments.update(await department_names(services.db))
        decision = (
            await services.evaluation.evaluate(EvaluateRequest(subject=StoredSubject(uscc=uscc)), actor)
        ).decision
        targets = [("enterprise", uscc)]
        targets += [("listing", str(x.id)) for x in listings]
        targets += [("event", str(e.id)) for e in events.items]
        targets += [("grade", str(g.id)) for g in grades.grades]
        return Template(
            template_name="console/file.html",
            context={
                **base,
                "unit": unit,
                "grades": grades,
                "events": events.items,
                "listings": listings,
                "trail": await trail(services.db, targets),
                "labels": LABELS,
                "recorded": recorded,
                "done": DONE.get(done or ""),
                "roster": await roster(services.db, actor, uscc),
                "today": today(services.clock),
                "decision": decision,
                "departments": departments,
                "grade_links": step_links,
            },
        )

    return [search, enterprise_file]

"""Credit events of the area: the list ``GET /api/v1/events`` gives, as a page (walkthrough step 8:
the accidents of 郑州 with their corrections).

The query is the API's ``EventQuery``, checked by the same ``validate_query`` and answered by
``EventService.search`` with the officer's ``Actor``, so the page lists exactly what the API would
(the area's events only) and refuses what it would refuse, the message beside the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.events.kinds import KINDS
from registry.domain.events.query import EventQuery, query_date, validate_query
from registry.errors import FieldProblem, ValidationFailed

PAGE = 50


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def event_list_handlers(services: Services) -> list[Any]:
    limits = services.settings.limits

    @get("/console/events", include_in_schema=False)
    async def event_list(
        officer: NamedDependency[Officer],
        division: Annotated[str | None, QueryParameter()] = None,
        kind: Annotated[str | None, QueryParameter()] = None,
        date_from: Annotated[str | None, QueryParameter(name="from")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to")] = None,
        history: Annotated[str | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        form = {
            "division": division or "",
            "kind": kind or "",
            "from": date_from or "",
            "to": date_to or "",
            "history": history == "1",
        }
        context: dict[str, Any] = {**officer.context(), "nav": "events", "form": form, "kinds": KINDS, "errors": {}}
        try:
            query = EventQuery(
                kind=_kind(kind),
                date_from=query_date("from", _blank(date_from)),
                date_to=query_date("to", _blank(date_to)),
                division=_blank(division),
                history=history == "1",
                limit=PAGE,
                after=EventQuery.decode_cursor(cursor) if cursor else None,
            )
            validate_query(query, limits.page_size_max)
            context["page"] = await services.events.search(officer.actor, query)
        except ValidationFailed as exc:
            context["page"] = None
            context["errors"] = {p.field: p.message_zh for p in exc.problems}
            return Template(template_name="console/events.html", context=context, status_code=422)
        return Template(template_name="console/events.html", context=context)

    return [event_list]


def _kind(value: str | None) -> Any:
    """The kind asked for (None: all), refused as the API's enum would refuse it."""
    kind = _blank(value)
    if kind is not None and kind not in KINDS:
        raise ValidationFailed([FieldProblem("kind", "enum", "事件类别不在代码表中", "kind is not an event kind")])
    return kind

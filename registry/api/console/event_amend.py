"""An event and its chain, and the form that amends it: a correction, a follow-up, or the
withdrawal of an event recorded in error (``POST /api/v1/events/{id}/amendments``).

Nothing is overwritten: the amendment is a new event superseding the one amended, and the page of
an event shows its whole chain (``EventService.get``). The form is the recording form of the
event's kind (``recording.form_fields``), filled with the values in force, read into the API's
``AmendmentCreate`` and sent to ``EventService.amend`` with the officer's ``Actor``: the same
checks, the service's messages beside the field they name (``event.details.deaths`` is shown
beside ``details.deaths``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from registry.api.console.actions import Field, beside, values
from registry.api.console.officer import Officer
from registry.api.console.recording import NAMES, OPTION_NAMES, event_body, form_fields
from registry.domain.container import Services
from registry.domain.events.kinds import DETAILS
from registry.domain.events.schemas import AmendmentCreate, Event
from registry.domain.wire import translate
from registry.errors import RegistryError, ValidationFailed

CODES: Final = {
    "correction": "更正（原记录有误）",
    "follow_up": "后续进展（已整改、已执行、已判决等）",
    "withdrawal": "撤回（误录，不附新内容）",
}
FOLLOWS: Final = {
    "correction": ("新记录取代原记录（原记录保留在更正链中，不再计入现行事实），记录人、理由写入审计日志。",),
    "follow_up": ("新记录取代原记录，载明后续进展；原记录保留在更正链中。",),
    "withdrawal": ("原记录不再计入现行事实（保留在更正链中），规则按撤回后的事实重新评估。",),
}
REASON: Final = Field("reason", "更正、进展或撤回的理由", "textarea", required=True)


def fields_of(code: str, kind: str) -> tuple[Field, ...]:
    """The amendment's fields: the reason, and the whole event of ``kind`` unless it is a withdrawal."""
    return (REASON,) if code == "withdrawal" else (REASON, *form_fields(kind))


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def prefilled(event: Event, fields: tuple[Field, ...]) -> dict[str, Any]:
    """The form filled with the event as it stands (what a correction starts from)."""
    own = {
        "occurred_on": event.occurred_on.isoformat(),
        "source_document": event.source_document,
        "division_code": event.division_code,
        "links": ",".join(str(i) for i in event.links),
        "remarks": event.remarks or "",
    }
    out: dict[str, Any] = {}
    for fld in fields:
        if fld.name.startswith("details."):
            out[fld.name] = _text(event.details.get(fld.name[8:]))
        else:
            out[fld.name] = own.get(fld.name, "")
        if fld.kind == "choices" and not isinstance(out[fld.name], list):
            out[fld.name] = []
    return out


def amendment_body(code: str, event: Event, shown: dict[str, Any]) -> tuple[AmendmentCreate | None, dict[str, str]]:
    """The API's amendment body, or the errors by field name (in Chinese)."""
    data: dict[str, Any] = {"code": code, "reason": shown.get("reason", "")}
    errors: dict[str, str] = {}
    if not data["reason"]:
        errors["reason"] = f"请填写{REASON.label}"
    if code != "withdrawal":
        subject = {"type": event.subject.type, "uscc": event.subject.uscc}
        replacement, errors_ = event_body(event.kind, subject, shown)
        errors.update(errors_)
        data["event"] = msgspec.to_builtins(replacement) if replacement is not None else None
    if errors:
        return None, errors
    try:
        return msgspec.convert(data, AmendmentCreate), {}
    except msgspec.ValidationError as exc:
        problem = translate(str(exc))
        return None, {problem.field.removeprefix("event."): problem.message_zh}


def event_amend_handlers(services: Services) -> list[Any]:
    events = services.events

    @get("/console/events/{event_id:int}", include_in_schema=False)
    async def event_page(
        officer: NamedDependency[Officer],
        event_id: Annotated[int, PathParameter()],
        done: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        found = await events.get(officer.actor, event_id)
        return Template(
            template_name="console/event.html",
            context={
                **officer.context(),
                "nav": "enterprises",
                "e": found,
                "codes": CODES,
                "names": NAMES,
                "options": OPTION_NAMES,
                "amendable": amendable(found),
                "done": CODES.get(done or ""),
            },
        )

    def amendable(e: Event) -> list[str]:
        """The amendments the event may take: none once superseded or itself a withdrawal; only a
        withdrawal for a person's event or a kind the form cannot show."""
        if not e.effective or e.superseded_by is not None:
            return []
        if e.subject.type == "person" or e.kind not in DETAILS:
            return ["withdrawal"]
        return list(CODES)

    def page(
        officer: Officer, e: Event, code: str, shown: dict[str, Any] | None = None, status: int = 200, **extra: Any
    ) -> Template:
        fields = fields_of(code, e.kind)
        context: dict[str, Any] = {
            **officer.context(),
            "nav": "enterprises",
            "e": e,
            "code": code,
            "code_title": CODES[code],
            "fields": fields,
            "shown": shown if shown is not None else prefilled(e, fields),
            "errors": {},
            "refusal": None,
            "confirming": False,
            "follows": FOLLOWS[code],
        }
        context.update(extra)
        return Template(template_name="console/event_amend.html", context=context, status_code=status)

    @get("/console/events/{event_id:int}/amend", include_in_schema=False)
    async def amend_form(
        officer: NamedDependency[Officer],
        event_id: Annotated[int, PathParameter()],
        code: Annotated[str | None, QueryParameter()] = None,
    ) -> Response[Any]:
        found = await events.get(officer.actor, event_id)
        if code not in amendable(found):
            return Redirect(f"/console/events/{event_id}#amend", status_code=303)
        assert code is not None
        return page(officer, found, code)

    @post("/console/events/{event_id:int}/amend", include_in_schema=False, status_code=200)
    async def amend(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], event_id: Annotated[int, PathParameter()]
    ) -> Response[Any]:
        found = await events.get(officer.actor, event_id)
        form = await request.form()
        code = form.get("code")
        if not isinstance(code, str) or code not in CODES:
            return Redirect(f"/console/events/{event_id}#amend", status_code=303)
        fields = fields_of(code, found.kind)
        shown = values(fields, form)
        data, errors = amendment_body(code, found, shown)
        if data is None:
            return page(officer, found, code, shown, 422, errors=errors)
        if form.get("confirmed") != "1":
            return page(officer, found, code, shown, confirming=True)
        try:
            made = await events.amend(officer.actor, event_id, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, fields, lambda name: str(name).removeprefix("event."))
            return page(officer, found, code, shown, exc.status, errors=errors, refusal=refusal)
        except RegistryError as exc:
            if exc.status == 403:
                raise
            return page(officer, found, code, shown, exc.status, refusal=exc.detail.split(" / ")[0])
        return Redirect(f"/console/events/{made.id}?done={code}#chain", status_code=303)

    return [event_page, amend_form, amend]

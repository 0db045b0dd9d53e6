"""/api/v1/events: credit events and their amendments. Thin: parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, MultipartBody, QueryParameter

from registry.api.enterprises import check_path_uscc
from registry.api.params import PathId, QueryId
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.events import schemas as s
from registry.domain.events.kinds import EventKind, catalogue
from registry.domain.events.query import EventQuery, query_date, validate_query
from registry.domain.imports.events import EVENT_COLUMNS, EventImportReport
from registry.domain.imports.readers import parse_upload_off_loop


def event_handlers(services: Services) -> list[Any]:
    limits = services.settings.limits

    @post(
        "/events",
        tags=["events"],
        summary="记录信用事件 / record a credit event",
        description="Accident, penalty, major hazard, reporting or licence violation, intermediary fraud, "
        "obstruction, flight, criminal liability or enforcement order. `details` depends on `kind`.",
    )
    async def record(actor: NamedDependency[Actor], data: JSONBody[s.EventCreate]) -> s.EventDetail:
        return await services.events.record(actor, data)

    @get(
        "/events/kinds",
        tags=["events"],
        summary="事件类别 / the event kinds, their subjects and the JSON Schema of each kind's details",
    )
    async def kinds(actor: NamedDependency[Actor]) -> list[dict[str, Any]]:
        return catalogue()

    @get("/events/{event_id:int}", tags=["events"], summary="事件及其更正链 / an event with its whole chain")
    async def read(actor: NamedDependency[Actor], event_id: PathId) -> s.EventDetail:
        return await services.events.get(actor, event_id)

    @post(
        "/events/{event_id:int}/amendments",
        tags=["events"],
        summary="更正、后续进展或撤回 / correct, follow up or withdraw (a new event superseding this one)",
    )
    async def amend(
        actor: NamedDependency[Actor], event_id: PathId, data: JSONBody[s.AmendmentCreate]
    ) -> s.EventDetail:
        return await services.events.amend(actor, event_id, data)

    @get("/events", tags=["events"], summary="检索事件 / list events (effective view unless history=true)")
    async def search(
        actor: NamedDependency[Actor],
        uscc: Annotated[str | None, QueryParameter(description="单位 / enterprise or agency USCC")] = None,
        person_id: QueryId = None,
        kind: FromQuery[EventKind | None] = None,
        date_from: Annotated[str | None, QueryParameter(name="from", description="事件日期起 YYYY-MM-DD")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", description="事件日期止 YYYY-MM-DD")] = None,
        division: Annotated[str | None, QueryParameter(description="区划前缀 2/4/6 位 / division subtree")] = None,
        history: Annotated[bool, QueryParameter(description="含被取代的记录 / include superseded")] = False,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> s.EventPage:
        query = EventQuery(
            uscc=check_path_uscc(uscc) if uscc is not None else None,
            person_id=person_id,
            kind=kind,
            date_from=query_date("from", date_from),
            date_to=query_date("to", date_to),
            division=division,
            history=history,
            limit=limit,
            after=EventQuery.decode_cursor(cursor) if cursor else None,
        )
        validate_query(query, limits.page_size_max)
        return await services.events.search(actor, query)

    @post(
        "/events/import",
        status_code=200,
        tags=["events"],
        request_max_body_size=limits.max_upload_bytes,
        summary="批量导入事件 / bulk import events (CSV or XLSX, multipart field `file`)",
        description="Good rows are recorded, bad rows reported with row, field and reason.",
    )
    async def import_file(
        actor: NamedDependency[Actor], data: MultipartBody[UploadFile]
    ) -> Response[EventImportReport]:
        content = await data.read()
        parsed = await parse_upload_off_loop(
            data.filename, content, data.content_type, EVENT_COLUMNS, services.settings.uploads
        )
        return Response(await services.event_importer.run(actor, parsed.rows()), status_code=200)

    return [record, kinds, read, amend, search, import_file]

"""The desk (home page of the console): what waits for the signed-in officer."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.desk import DeskService
from registry.domain.review import KINDS

DONE = {"password": "密码已修改。"}


def desk_handlers(services: Services) -> list[Any]:
    desks = DeskService(services.db, services.clock)

    @get(["/console", "/console/"], include_in_schema=False)
    async def desk(officer: NamedDependency[Officer], done: Annotated[str | None, QueryParameter()] = None) -> Template:
        board = await desks.desk(officer.actor)
        return Template(
            template_name="console/desk.html",
            context={
                **officer.context(),
                "desk": board,
                "done": DONE.get(done or ""),
                "nav": "desk",
                "review_kinds": KINDS,
            },
        )

    return [desk]

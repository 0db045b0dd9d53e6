"""The review list (``/console/review``): what waits for a decision, whole, by kind; the desk's
counts link here filtered (``?kind=approvals`` ...). Read only (``ReviewService``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.review import KINDS, ReviewService


def review_handlers(services: Services) -> list[Any]:
    reviews = ReviewService(services.db, services.clock)

    @get("/console/review", include_in_schema=False)
    async def review(
        officer: NamedDependency[Officer], kind: Annotated[str | None, QueryParameter()] = None
    ) -> Template:
        found = await reviews.review(officer.actor, kind)
        return Template(
            template_name="console/review.html",
            context={**officer.context(), "nav": "review", "review": found, "kinds": KINDS},
        )

    return [review]

"""The service as the partner bench serves it (the bare reference is ``bench.bare_app``, in a
Granian process of its own).

granian --interface asgi --factory bench.partner_app:create ...
"""

from __future__ import annotations

from litestar import Litestar

from registry.app import create_app
from registry.settings import Settings


def create() -> Litestar:
    return create_app(Settings.from_env())


def create_norecord() -> Litestar:
    """The service without recording answers: what recording costs, in bench/RESULTS.md."""
    app = create()

    async def nothing(_row: object) -> None:
        return None

    app.state.services.partners.queries.add = nothing
    return app

"""The service with a bare endpoint beside it, for comparing answers/s in one server (DESIGN 3).

granian --interface asgi --factory bench.partner_app:create ...
"""

from __future__ import annotations

from litestar import Litestar, get

from registry.app import create_app
from registry.settings import Settings

#: a constant JSON answer of about 600 bytes, the size the issue compares against
BARE = {"payload": {"filler": "x" * 540, "n": 1}, "jws": "e30.e30.e30"}


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, object]:
    return BARE


def create() -> Litestar:
    app = create_app(Settings.from_env())
    app.register(bare)
    return app


def create_norecord() -> Litestar:
    """The service without recording answers: what recording costs, in bench/RESULTS.md."""
    app = create()

    async def nothing(_row: object) -> None:
        return None

    app.state.services.partners.queries.add = nothing
    return app

"""The bare reference of the partner bench: a minimal Litestar app, nothing but one constant JSON.

    granian --interface asgi --factory bench.bare_app:create ...

It runs in a Granian process of its own, with the same server settings as the registry: an
endpoint inside the registry's app would carry the app's middleware and flatter the ratio (issue 22).
"""

from __future__ import annotations

from litestar import Litestar, get

#: a constant JSON answer of about 600 bytes, the size of a partner status answer
BARE = {"payload": {"filler": "x" * 540, "n": 1}, "jws": "e30.e30.e30"}


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, object]:
    return BARE


def create() -> Litestar:
    return Litestar(route_handlers=[bare], debug=False)

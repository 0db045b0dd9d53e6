"""The app's request class: a JSON body is checked for its depth before Litestar decodes it."""

from __future__ import annotations

from typing import Any, ClassVar

from litestar import Request

from registry.lib.json_guard import check_body


class CheckedRequest(Request[Any, Any, Any]):
    """Every ``data: JSONBody[...]`` and ``request.json()`` goes through ``json()``; a body nested
    past the limit never reaches msgspec (whose RecursionError was a 500)."""

    max_json_depth: ClassVar[int] = 64

    async def json(self) -> Any:
        check_body(await self.body(), self.max_json_depth)
        return await super().json()


def request_class(max_json_depth: int) -> type[CheckedRequest]:
    return type("CheckedRequest", (CheckedRequest,), {"max_json_depth": max_json_depth})

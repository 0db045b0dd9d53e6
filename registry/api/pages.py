"""The public disclosure pages (Chinese, server-rendered, no JavaScript): search, enterprise detail,
and a page that verifies a signed answer. Each page is the same answer as the public API (the
detail page renders the signed payload it links to), rate-limited per address like the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router

from registry.api.public import public_hits
from registry.domain.container import Services
from registry.domain.disclosure.verification import MAX_CHARS, explain
from registry.errors import NotFound, ValidationFailed
from registry.lib.clock import beijing_text

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
#: longest search text accepted (the API's rule); longer is a 400 page, never a 5xx
MAX_QUERY = 100


def _error(status: int, title: str, message: str) -> Template:
    return Template(template_name="error.html", context={"title": title, "message": message}, status_code=status)


def configure_templates(engine: JinjaTemplateEngine) -> None:
    """Filters the templates use: ``beijing`` writes a signed RFC 3339 time as Beijing time."""
    engine.engine.filters["beijing"] = beijing_text


def page_handlers(services: Services) -> list[Any]:
    disclosure = services.disclosure

    async def limited(request: Request[Any, Any, Any]) -> Response[Any] | None:
        allowed, retry = await public_hits(services, request)
        if allowed:
            return None
        page = _error(429, "请求过于频繁", f"同一地址的查询过于频繁，请 {retry} 秒后再试。")
        page.headers["Retry-After"] = str(retry)
        return page

    @get("/", include_in_schema=False)
    async def home(
        q: Annotated[str | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        context: dict[str, Any] = {"q": q or "", "page": None, "error": None}
        if q is None or not q.strip():
            return Template(template_name="search.html", context=context)
        if len(q) > MAX_QUERY:
            context["error"] = f"查询词过长：最多 {MAX_QUERY} 个字符。"
            return Template(template_name="search.html", context=context, status_code=400)
        try:
            context["page"] = await disclosure.search(q, cursor)
        except ValidationFailed as err:
            context["error"] = "；".join(p.message_zh for p in err.problems)
        return Template(template_name="search.html", context=context)

    @get("/enterprises/{uscc:str}", include_in_schema=False)
    async def enterprise(uscc: Annotated[str, PathParameter()]) -> Template:
        try:
            answer = await disclosure.detail(uscc)
        except ValidationFailed as err:  # the code, or a bad X-Registry-Min-Seq header (registry.db.replica)
            title = "统一社会信用代码有误" if any(p.field == "uscc" for p in err.problems) else "请求有误"
            return _error(400, title, "；".join(p.message_zh for p in err.problems))
        except NotFound:
            return _error(404, "未找到该企业", "本系统没有登记这个统一社会信用代码的企业。")
        return Template(template_name="enterprise.html", context={"a": answer["payload"]})

    @get("/verify", include_in_schema=False)
    async def verify_form() -> Template:
        return Template(template_name="verify.html", context={"verdict": None, "text": ""})

    @post("/verify", include_in_schema=False, status_code=200, request_max_body_size=MAX_CHARS * 4 + 65536)
    async def verify(
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        pasted = data.get("answer")
        text = (pasted if isinstance(pasted, str) else "").removeprefix("\ufeff")
        upload = data.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read(MAX_CHARS * 4 + 1)
            text = raw.decode("utf-8-sig", errors="replace")  # Windows Notepad saves a BOM
        verdict = explain(text or "", services.keys.jwks(), services.clock.now())
        return Template(
            template_name="verify.html", context={"verdict": verdict, "text": text if len(text) < 200_000 else ""}
        )

    pages = Router(path="/", route_handlers=[home, enterprise, verify_form, verify], before_request=limited)
    static = create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False)
    return [pages, static]

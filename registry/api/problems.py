"""RFC 9457 problem+json: one table maps every error to its answer (yente's exc.py pattern)."""

from __future__ import annotations

import time
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.enums import ParamType
from litestar.exceptions import HTTPException, NotFoundException, SerializationException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Template

from registry.db.outage import is_outage
from registry.domain.wire import translate
from registry.errors import (
    DatabaseUnavailable,
    InvalidClient,
    InvalidRequest,
    RateLimited,
    RegistryError,
    Unavailable,
    ValidationFailed,
)

log = structlog.get_logger(__name__)
PROBLEM = "application/problem+json"
#: paths answered as JSON; every other path is a page, and a page that cannot be served is a page too
_NOT_PAGES = ("/api/", "/.well-known/", "/health/", "/schema", "/metrics")
#: at most one log line per this many seconds for 503s of an outage (each request would log one)
_OUTAGE_LOG_EVERY = 10.0
_outage_logged = 0.0


def _type(code: str) -> str:
    return f"/problems/{code}"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    request: Request[Any, Any, Any],
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    # RFC 9457 members come last so an extension member can never overwrite them
    body = {
        **(extra or {}),
        "type": _type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def _unavailable_page(exc: Unavailable) -> Template:
    what = "数据库" if isinstance(exc, DatabaseUnavailable) else "服务"
    page = Template(
        template_name="error.html",
        context={
            "title": "服务暂不可用",
            "message": f"{what}暂时无法访问，请 {exc.retry_after} 秒后刷新本页。",
        },
        status_code=exc.status,
    )
    page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _page_not_found() -> Template:
    """A page address that does not exist: a Chinese page (an API address stays problem+json)."""
    return Template(
        template_name="error.html",
        context={"title": "页面不存在", "message": "没有这个页面：地址可能输错了，或页面已经移走。"},
        status_code=404,
    )


def _log_outage(request: Request[Any, Any, Any], exc: BaseException) -> None:
    global _outage_logged  # noqa: PLW0603 - one throttle for the process, as the outage is one
    now = time.monotonic()
    if now - _outage_logged >= _OUTAGE_LOG_EVERY:
        _outage_logged = now
        cause = exc.__cause__ or exc
        log.warning("answering 503: database unreachable", path=request.url.path, error=repr(cause))


def registry_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, RegistryError)
    if isinstance(exc, Unavailable):
        _log_outage(request, exc)
        if not request.url.path.startswith(_NOT_PAGES):
            return _unavailable_page(exc)
    extra: dict[str, Any] = dict(exc.extra)
    if isinstance(exc, ValidationFailed):
        extra["errors"] = [p.to_dict() for p in exc.problems]
    if isinstance(exc, InvalidClient):
        extra["error"] = "invalid_client"  # RFC 6749 section 5.2, for OAuth client libraries
    if isinstance(exc, InvalidRequest):
        extra["error"] = "invalid_request"
    response = problem(exc.status, exc.code, exc.title, exc.detail, request, extra)
    if isinstance(exc, RateLimited | Unavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def validation_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, ValidationException)
    problems = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            source = item.get("source")
            # query and path parameters are named bare, as the API's own checks name them (``division``);
            # ParamType is a str enum whose f-string form is ``ParamType.QUERY``, hence ``.value``
            bare = source in (None, "body", ParamType.QUERY, ParamType.PATH)
            path = item.get("key") if bare else f"{getattr(source, 'value', source)}.{item.get('key')}"
            problems.append(translate(str(item.get("message", "")), f".{path}" if path else None).to_dict())
    if not problems:
        detail = str(exc.detail)
        if "JSON" in detail or "decode" in detail.lower():
            return problem(
                400,
                "malformed_body",
                "请求体无法解析 / Malformed request body",
                f"请求体不是有效的 JSON / the body is not valid JSON: {detail}",
                request,
            )
        problems = [translate(detail).to_dict()]
    first = problems[0]
    return problem(
        422,
        "validation_failed",
        ValidationFailed.title,
        f"{first['message_zh']} / {first['message_en']}",
        request,
        {"errors": problems},
    )


def http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.route_handler.resolve_request_max_body_size() if request.scope.get("route_handler") else None
        return problem(
            413,
            "payload_too_large",
            "请求体过大 / Payload too large",
            f"请求体超过上限 {limit} 字节 / the body exceeds the limit of {limit} bytes",
            request,
            {"limit_bytes": limit},
        )
    if isinstance(exc, NotFoundException):
        if not request.url.path.startswith(_NOT_PAGES):
            return _page_not_found()  # type: ignore[return-value]
        return problem(404, "not_found", "未找到 / Not found", str(exc.detail), request)
    status = exc.status_code
    # Litestar wraps a body its decoder refused (e.g. msgspec's "Input data was truncated") in a 400
    decode_failed = isinstance(exc.__cause__, SerializationException)
    if status == 400 and (decode_failed or "JSON" in str(exc.detail) or "decode" in str(exc.detail).lower()):
        return problem(
            400,
            "malformed_body",
            "请求体无法解析 / Malformed request body",
            f"请求体不是有效的 JSON / the body is not valid JSON: {exc.detail}",
            request,
        )
    if status == 400 and "multipart" in str(exc.detail).lower():
        return malformed_upload(request)
    response = problem(status, f"http_{status}", str(exc.detail), str(exc.detail), request)
    response.headers.update(exc.headers or {})  # e.g. the router's ``Allow`` on a 405 (RFC 9110 15.5.6)
    return response


def malformed_upload(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return problem(
        400,
        "malformed_upload",
        "上传格式错误 / Malformed upload",
        "请以 multipart/form-data 上传，文件字段名为 file / send multipart/form-data with the file in field `file`",
        request,
        {
            "errors": [
                {
                    "field": "file",
                    "code": "multipart",
                    "message_zh": "需要 multipart/form-data 上传的文件",
                    "message_en": "a multipart/form-data file upload is required",
                }
            ]
        },
    )


#: PostgreSQL's character_not_in_repertoire (NUL in text) and untranslatable_character
_BAD_TEXT_STATES = frozenset({"22021", "22P05"})


def _bad_text(exc: BaseException) -> bool:
    """Whether PostgreSQL refused a text value of the request (NUL, an unencodable character)."""
    seen: BaseException | None = exc
    for _ in range(4):  # SQLAlchemy's error -> the dialect's adapted error -> asyncpg's
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) in _BAD_TEXT_STATES:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def recursion_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """msgspec guards its recursion with Python's: a body deeper than the request class's check
    (a decode outside it) must still be the client's 400, any other RecursionError stays a 500."""
    if "deserializ" not in str(exc):
        return internal_error(request, exc)
    limit = request.app.state.services.settings.limits.max_json_depth
    return problem(
        400,
        "malformed_body",
        "请求体无法解析 / Malformed request body",
        f"JSON 嵌套过深（上限 max_json_depth = {limit}）/ JSON nested too deep (limit max_json_depth = {limit})",
        request,
        {"limit": "max_json_depth", "limit_value": limit},
    )


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_outage(exc, sockets=False):
        # a driver error that reached here without passing Database.read/write (which turn it into
        # DatabaseUnavailable): still an outage, still a 503
        services = getattr(request.app.state, "services", None)
        retry = services.settings.database.retry_after_seconds if services is not None else 5
        unavailable = DatabaseUnavailable(
            f"数据库暂时无法连接，请 {retry} 秒后重试 / the database cannot be reached; retry in {retry} s", retry
        )
        unavailable.__cause__ = exc
        return registry_error(request, unavailable)
    if isinstance(exc, RuntimeError) and isinstance(exc.__cause__, StopIteration):
        # Litestar's MultipartBody[UploadFile] looks for the first file part with next(): a form without
        # one raised StopIteration inside the coroutine (a 500); it is the client's malformed upload
        return malformed_upload(request)
    if _bad_text(exc):
        # the safety net behind the checks at the edge (token credentials, query strings, JSON)
        log.warning("text refused by the database", path=request.url.path, error=repr(exc))
        return problem(
            400,
            "bad_text",
            "文本含有不可保存的字符 / Text holds a character that cannot be stored",
            "请求中的文本含有空字符（NUL）或无法编码的字符 / a text value of the request holds NUL or a character "
            "that cannot be encoded",
            request,
        )
    log.exception("unhandled error", path=request.url.path, error=repr(exc))
    return problem(
        500,
        "internal_error",
        "服务器内部错误 / Internal server error",
        "请求未能完成，数据未被修改；请凭 request_id 联系运维 / the request failed and changed nothing; "
        "quote request_id to the operators",
        request,
    )


def undecodable(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """A form or multipart field that is not UTF-8 (Litestar decodes it before any handler runs)."""
    return problem(
        400,
        "not_utf8",
        "请求不是 UTF-8 编码 / Request is not UTF-8",
        f"请求中的文本不是有效的 UTF-8 / a text field of the request is not valid UTF-8: {exc}",
        request,
    )


HANDLERS = {
    RegistryError: registry_error,
    UnicodeDecodeError: undecodable,
    ValidationException: validation_error,
    HTTPException: http_error,
    RecursionError: recursion_error,
    Exception: internal_error,
}

__all__ = ["HANDLERS", "PROBLEM", "MediaType", "problem"]

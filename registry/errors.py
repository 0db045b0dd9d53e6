"""Domain errors. Each carries its HTTP status and a stable code; one table in the API maps them.

Messages are bilingual: Chinese for officers and the public, English for partner engineers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One offending field and the rule it broke (RFC 9457 extension member ``errors``)."""

    field: str
    code: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


class RegistryError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "请求有误 / Bad request"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class ValidationFailed(RegistryError):
    status = 422
    code = "validation_failed"
    title = "数据校验未通过 / Validation failed"

    def __init__(self, problems: list[FieldProblem], detail: str | None = None) -> None:
        first = problems[0] if problems else None
        super().__init__(
            detail or (f"{first.message_zh} / {first.message_en}" if first else "校验未通过 / invalid"),
        )
        self.problems = problems


class InvalidRequest(ValidationFailed):
    """RFC 6749 section 5.2 ``invalid_request`` (a malformed token request); the body also carries
    ``error`` for OAuth clients."""

    status = 400
    code = "invalid_request"
    title = "请求格式错误 / Invalid request"


class MalformedBody(RegistryError):
    """A body refused before it is decoded (nested too deep, NUL in a string)."""

    status = 400
    code = "malformed_body"
    title = "请求体无法解析 / Malformed request body"


class NotAuthenticated(RegistryError):
    status = 401
    code = "not_authenticated"
    title = "未认证 / Not authenticated"


class InvalidClient(RegistryError):
    """RFC 6749 section 5.2 ``invalid_client``; the body also carries ``error`` for OAuth clients."""

    status = 401
    code = "invalid_client"
    title = "客户端认证失败 / Client authentication failed"


class Forbidden(RegistryError):
    status = 403
    code = "forbidden"
    title = "无权操作 / Forbidden"


class OutsideJurisdiction(Forbidden):
    code = "outside_jurisdiction"
    title = "超出管辖范围 / Outside jurisdiction"


class NotFound(RegistryError):
    status = 404
    code = "not_found"
    title = "未找到 / Not found"


class Conflict(RegistryError):
    status = 409
    code = "conflict"
    title = "状态冲突 / Conflict"


class PayloadTooLarge(RegistryError):
    status = 413
    code = "payload_too_large"
    title = "请求体过大 / Payload too large"


class UnsupportedMedia(RegistryError):
    status = 415
    code = "unsupported_media_type"
    title = "不支持的文件类型 / Unsupported media type"


class RateLimited(RegistryError):
    status = 429
    code = "rate_limited"
    title = "请求过于频繁 / Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(RegistryError):
    """503: something the answer needs is down for now; ``Retry-After`` says when to come back."""

    status = 503
    code = "unavailable"
    title = "服务暂不可用 / Service unavailable"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached (refused, dropped, timed out, locked beyond the busy timeout)."""

    code = "database_unavailable"
    title = "数据库暂不可用 / Database unavailable"


class QueryLogFull(Unavailable):
    """Partner answers are recorded before they are given; with the database down the records wait in
    memory up to a bound, and beyond it an answer is refused rather than given unrecorded."""

    code = "query_log_full"
    title = "查询记录暂存已满 / Query records cannot be kept"


class NotReady(RegistryError):
    status = 503
    code = "not_ready"
    title = "服务未就绪 / Not ready"


class DatabaseNotMigrated(RuntimeError):
    """Raised at start-up: the schema is not at the migrations' head."""

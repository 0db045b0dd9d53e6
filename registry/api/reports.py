"""/api/v1/reports: the monthly standardization report, targets and ranking, credit statistics
(issue 21), for bureaus over their own subtree, as signed JSON, CSV or XLSX.

The JSON answer is the signed envelope as canonical bytes; a CSV or XLSX answer carries the
signature of its manifest in ``X-Report-Signature`` (``registry.domain.reports.service``). The
same parameters with the same ``as_of`` give the same bytes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.reports.service import FORMATS, check_format
from registry.errors import FieldProblem, ValidationFailed

SIGNATURE_HEADER = "X-Report-Signature"

Division = Annotated[
    str | None,
    QueryParameter(
        name="division",
        description="区划（2、4、6 位前缀或代码，如 41、4101、410103、410100）；缺省为本机关辖区",
        max_length=6,
    ),
]
AsOf = Annotated[
    str | None,
    QueryParameter(
        name="as_of",
        description="截至时间（RFC 3339）：只计此前已记录的信息；缺省为当前时间（答复中载明，可据以重新出具同一报表）",
        max_length=40,
    ),
]
Format = Annotated[str, QueryParameter(name="format", description="json、csv 或 xlsx", max_length=8)]
Month = Annotated[str | None, QueryParameter(name="month", description="月份 YYYY-MM", max_length=16)]
Year = Annotated[str | None, QueryParameter(name="year", description="年份 YYYY", max_length=8)]


def _required(field: str, value: str | None, example: str) -> str:
    if value is None or not value.strip():
        raise ValidationFailed(
            [FieldProblem(field, "required", f"缺少 {field}（如 {example}）", f"{field} is required (e.g. {example})")]
        )
    return value


def _answer(services: Services, payload: dict[str, Any], fmt: str) -> Response[bytes]:
    file = services.reports.render(payload, fmt)
    headers = {"Cache-Control": "no-store"}
    if file.signature is not None:
        headers[SIGNATURE_HEADER] = file.signature
        headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    # Litestar adds "; charset=utf-8" to every text/* type itself: give it the bare type once
    return Response(file.body, media_type=file.media_type.split(";", 1)[0], headers=headers)


#: the answer as the OpenAPI document states it (api/contract.py applies ``opt["openapi"]``): the
#: signed envelope for JSON, the file for CSV and XLSX with its signed manifest in a header
ANSWERED = {
    "openapi": {
        "responses": {
            "200": {
                "description": "JSON: the signed envelope `{payload, jws}` (typ `registry-report+jws`); CSV or "
                "XLSX: the file, its signed manifest (SHA-256 of the bytes) in `X-Report-Signature`",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["payload", "jws"],
                            "properties": {"payload": {"type": "object"}, "jws": {"type": "string"}},
                        }
                    },
                    "text/csv": {"schema": {"type": "string"}},
                    FORMATS["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    }
}


def report_handlers(services: Services) -> list[Any]:
    reports = services.reports

    async def answered(fmt: str, make: Callable[[], Awaitable[dict[str, Any]]]) -> Response[bytes]:
        check_format(fmt)
        return _answer(services, await make(), fmt)

    @get(
        "/reports/monthly",
        tags=["reports"],
        summary="工贸企业安全生产标准化月度报表 / monthly standardization report (seed 001's form)",
        opt=ANSWERED,
    )
    async def monthly(
        actor: NamedDependency[Actor],
        month: Month = None,
        division: Division = None,
        as_of: AsOf = None,
        fmt: Format = "json",
    ) -> Response[bytes]:
        period = _required("month", month, "2026-03")
        return await answered(fmt, lambda: reports.monthly(actor, division, period, as_of))

    def yearly(kind: str, summary: str) -> Any:
        make = getattr(reports, kind)

        @get(f"/reports/{kind}", tags=["reports"], summary=summary, name=f"reports-{kind}", opt=ANSWERED)
        async def handler(
            actor: NamedDependency[Actor],
            year: Year = None,
            division: Division = None,
            as_of: AsOf = None,
            fmt: Format = "json",
        ) -> Response[bytes]:
            period = _required("year", year, "2026")
            return await answered(fmt, lambda: make(actor, division, period, as_of))

        return handler

    targets = yearly(
        "targets", "达标目标完成情况与排名 / targets (above-scale units graded 三级 or better) and ranking"
    )
    credit = yearly("credit", "信用管理统计 / listings per month, partner feedback and answers")
    return [monthly, targets, credit]

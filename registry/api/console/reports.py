"""Reports (issue 21) in the console: ``/console/reports/monthly|targets|credit``.

As thin as the API's handlers (``registry.api.reports``): the page asks the report service the API
asks, with the officer's ``Actor``, so the figures, the jurisdiction check (outside the area: 403,
audited by the service) and the files are the service's. The page lays out the signed payload: the
form's table, the charts (``charts``), the tables the CSV and XLSX are written from (``tables``),
and links that download what the API answers for the same parameters and ``as_of``, byte for byte:
the signed JSON envelope, the CSV and XLSX, and each file's signed manifest as a ``.jws`` file.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from registry.api.console import charts
from registry.api.console.officer import Officer
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.identifiers import lookup_division, subdivisions
from registry.domain.reports.service import check_format
from registry.domain.reports.tables import period_text, tables
from registry.errors import FieldProblem, NotFound, OutsideJurisdiction, ValidationFailed
from registry.lib.clock import today

Query = Annotated[str | None, QueryParameter(max_length=40)]
#: a time as <input type="datetime-local"> sends it: read as Beijing time
_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
FIRST_YEAR = 2016  # the seeds' first target year


@dataclass(frozen=True, slots=True)
class Kind:
    title: str
    #: the period's query parameter: month (YYYY-MM) or year (YYYY)
    period: str


KINDS = {
    "monthly": Kind("月度报表", "month"),
    "targets": Kind("达标目标与排名", "year"),
    "credit": Kind("信用管理统计", "year"),
}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise NotFound("没有这种报表（可选：月度报表、达标目标与排名、信用管理统计） / no such report")
    return KINDS[kind]


def _as_of(value: str | None) -> str | None:
    """``as_of`` as the service takes it: RFC 3339; the browser's local time is Beijing time."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _LOCAL.fullmatch(text):
        return text + (":00" if len(text) == 16 else "") + "+08:00"
    return text


def _own(actor: Actor) -> str:
    return "" if actor.role == "admin" else actor.jurisdiction or ""


def division_choices(actor: Actor, chosen: str) -> list[tuple[str, str]]:
    """The officer's own area and the areas one level below it (the select's options); a code
    asked for that is not among them (a deeper one, or one outside, which the service refuses)
    is added so the form shows what was asked."""
    own = _own(actor)
    name = lookup_division(own.ljust(6, "0")) if own else None
    options = [(own or "000000", f"{name.full_name if name else '全国'}（本辖区）")]
    options += [(d.code[: len(own) + 2], f"{d.name}（{d.code}）") for d in subdivisions(own)]
    if chosen and chosen not in {code for code, _ in options}:
        options.append((chosen, chosen))
    return options


async def _make(services: Services, kind: str, actor: Actor, query: dict[str, str | None]) -> dict[str, Any]:
    make: Callable[..., Awaitable[dict[str, Any]]] = getattr(services.reports, kind)
    period = query[KINDS[kind].period]
    if period is None or not period.strip():
        field = KINDS[kind].period
        example = "2026-03" if field == "month" else "2026"
        raise ValidationFailed(
            [
                FieldProblem(
                    field,
                    "required",
                    f"请填写{'月份' if field == 'month' else '年份'}（如 {example}）",
                    f"{field} is required",
                )
            ]
        )
    return await make(actor, query["division"], period, _as_of(query["as_of"]))


def links(kind: str, payload: dict[str, Any]) -> dict[str, str]:
    """The downloads of exactly this report: its area, period and ``as_of`` (the same bytes)."""
    query = {
        "division": payload["area"]["prefix"] or "000000",
        KINDS[kind].period: str(payload.get("month") or payload.get("year")),
        "as_of": payload["as_of"],
    }
    out = {}
    for fmt in ("json", "csv", "xlsx"):
        out[fmt] = f"/console/reports/{kind}/file?" + urlencode({**query, "format": fmt})
    for fmt in ("csv", "xlsx"):
        out[f"{fmt}.jws"] = f"/console/reports/{kind}/signature?" + urlencode({**query, "format": fmt})
    return out


def _charts(payload: dict[str, Any]) -> list[charts.Chart]:
    if payload["report"] == "monthly":
        return [charts.monthly_series(payload)]
    if payload["report"] == "targets":
        drawn = [charts.target_progress(payload), charts.division_shares(payload)]
        return [c for c in drawn if c is not None]
    return []


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def report_page_handlers(services: Services) -> list[Any]:
    @get(["/console/reports", "/console/reports/"], include_in_schema=False)
    async def index(officer: NamedDependency[Officer]) -> Redirect:
        return Redirect("/console/reports/monthly", status_code=303)

    @get("/console/reports/{kind:str}", include_in_schema=False)
    async def page(
        officer: NamedDependency[Officer],
        kind: Annotated[str, PathParameter(max_length=16)],
        division: Query = None,
        month: Query = None,
        year: Query = None,
        as_of: Query = None,
    ) -> Template:
        about = _kind(kind)
        now = today(services.clock)
        default = now.strftime("%Y-%m") if about.period == "month" else str(now.year)
        asked = {"month": month, "year": year}[about.period]
        query = {"division": division, about.period: default if asked is None else asked, "as_of": as_of}
        context: dict[str, Any] = {
            **officer.context(),
            "nav": "reports",
            "kind": kind,
            "kinds": KINDS,
            "form": {k: v or "" for k, v in query.items()},
            "divisions": division_choices(officer.actor, (division or "").strip()),
            "years": [str(y) for y in range(now.year, FIRST_YEAR - 1, -1)],
            "errors": {},
            "report": None,
        }
        try:
            payload = await _make(services, kind, officer.actor, query)
        except ValidationFailed as exc:
            context["errors"] = {p.field: p.message_zh for p in exc.problems}
            return Template(template_name="console/reports.html", context=context, status_code=422)
        except OutsideJurisdiction as exc:  # audited by the service, as the API's refusal is
            context["errors"] = {"division": exc.detail.split(" / ")[0]}
            return Template(template_name="console/reports.html", context=context, status_code=403)
        context.update(
            report=payload,
            period=period_text(payload),
            tables=tables(payload),
            charts=await anyio.to_thread.run_sync(_charts, payload),  # CPU-bound: off the event loop
            links=links(kind, payload),
        )
        return Template(template_name="console/reports.html", context=context)

    @get("/console/reports/{kind:str}/file", include_in_schema=False)
    async def download(
        officer: NamedDependency[Officer],
        kind: Annotated[str, PathParameter(max_length=16)],
        division: Query = None,
        month: Query = None,
        year: Query = None,
        as_of: Query = None,
        fmt: Annotated[str, QueryParameter(name="format", max_length=8)] = "json",
    ) -> Response[bytes]:
        """The file the API answers for the same parameters (its manifest in X-Report-Signature)."""
        _kind(kind)
        check_format(fmt)
        payload = await _make(
            services, kind, officer.actor, {"division": division, "month": month, "year": year, "as_of": as_of}
        )
        file = services.reports.render(payload, fmt)
        headers = _attachment(file.filename)
        if file.signature is not None:
            headers["X-Report-Signature"] = file.signature
        return Response(file.body, media_type=file.media_type.split(";", 1)[0], headers=headers)

    @get("/console/reports/{kind:str}/signature", include_in_schema=False)
    async def signature(
        officer: NamedDependency[Officer],
        kind: Annotated[str, PathParameter(max_length=16)],
        division: Query = None,
        month: Query = None,
        year: Query = None,
        as_of: Query = None,
        fmt: Annotated[str, QueryParameter(name="format", max_length=8)] = "csv",
    ) -> Response[bytes]:
        """The signed manifest of the CSV or XLSX file, as a ``.jws`` file (compact JWS)."""
        _kind(kind)
        if check_format(fmt) == "json":
            raise ValidationFailed(
                [
                    FieldProblem(
                        "format",
                        "signed_envelope",
                        "JSON 报表本身是签名信封，没有单独的签名文件",
                        "JSON is a signed envelope itself",
                    )
                ]
            )
        payload = await _make(
            services, kind, officer.actor, {"division": division, "month": month, "year": year, "as_of": as_of}
        )
        file = services.reports.render(payload, fmt)
        assert file.signature is not None
        return Response(
            file.signature.encode(), media_type="application/jose", headers=_attachment(f"{file.filename}.jws")
        )

    return [index, page, download, signature]

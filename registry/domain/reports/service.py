"""Reports for bureaus: area and time from the request, histories from the database, figures from
the pure functions, and the answer signed like every other (DESIGN section 4).

Signing. The JSON answer is the usual envelope ``{"payload", "jws"}`` (typ ``registry-report+jws``)
over the RFC 8785 canonical payload. A CSV or XLSX file cannot hold its own signature, so it comes
with a compact JWS (typ ``registry-report-file+jws``; HTTP header ``X-Report-Signature``, or a
``.jws`` file beside the CLI's output) whose payload is a manifest naming the report (kind, area,
period, ``as_of``, format) and the SHA-256 and length of the file's bytes: any JOSE library with
the JWKS verifies the manifest, and the file is the one whose digest it names. A detached JWS over
the file itself (RFC 7515 appendix F) would do as much, but says nothing of what the file is and
makes the verifier base64 the whole file. Ed25519 signatures are deterministic and the files are
written byte-for-byte the same from the same payload, so a report asked for again with the same
parameters and ``as_of`` is the same bytes with the same signature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from registry.db.engine import Database
from registry.db.models import Department
from registry.domain.actors import Actor
from registry.domain.reports import load, summary
from registry.domain.reports.area import area, area_name, as_of
from registry.domain.reports.credit import credit
from registry.domain.reports.csv_export import csv_bytes
from registry.domain.reports.monthly import monthly
from registry.domain.reports.periods import Cut, cut, parse_month, parse_year
from registry.domain.reports.tally import tally, tally_targets
from registry.domain.reports.targets import TargetPolicy, targets
from registry.domain.reports.wire import Area, credit_payload, monthly_payload, targets_payload
from registry.domain.reports.xlsx_export import xlsx_bytes
from registry.errors import FieldProblem, ValidationFailed
from registry.lib.clock import Clock
from registry.settings import ReportSettings
from registry.signing import jws
from registry.signing.keys import KeyRing

REPORT_TYP = "registry-report+jws"
FILE_TYP = "registry-report-file+jws"
FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ReportFile:
    filename: str
    media_type: str
    body: bytes
    #: the compact JWS of the file's manifest (None for JSON: the body is a signed envelope)
    signature: str | None


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise ValidationFailed(
            [FieldProblem("format", "unknown_format", "格式可选：json、csv、xlsx", "format is one of json, csv, xlsx")]
        )
    return value


def policy_of(settings: ReportSettings) -> TargetPolicy:
    """The target policy of the settings; a bad value stops the start (ValueError)."""
    if settings.steps not in ("whole", "started"):
        raise ValueError("REGISTRY_REPORT_DEDUCTION_STEPS must be whole or started")
    try:
        step = Decimal(settings.step_points)
        points = Decimal(settings.points_per_step)
        goals = tuple((year, Decimal(percent)) for year, percent in settings.targets)
    except InvalidOperation as exc:
        raise ValueError(f"REGISTRY_REPORT_*: not a number ({exc})") from exc
    if step <= 0 or points < 0 or any(not 0 <= g <= 100 for _, g in goals):
        raise ValueError("REGISTRY_REPORT_*: the step must be positive, points not negative, targets 0..100")
    return TargetPolicy(goals, points, step, settings.steps)


def _quiet(_: str) -> None:
    return None


class ReportService:
    def __init__(self, db: Database, clock: Clock, keys: KeyRing, policy: TargetPolicy) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.policy = policy

    async def monthly(
        self, actor: Actor, division: str | None, month: str, at: str | None, progress: Progress = _quiet
    ) -> dict[str, Any]:
        when = parse_month("month", month)
        recorded = as_of(at, self.clock)
        cut(when.last, when.first, recorded, "month")  # 422 for a month not begun, before the area's 403
        place = await area(self.db, self.clock, actor, division, "monthly")
        progress("统计等级 / counting grades")
        async with self.db.read() as session:
            if await summary.covers(session, place.prefix, recorded):
                report = await summary.monthly(session, place.prefix, when, recorded)
            else:
                report = await tally(session, place.prefix, when, recorded)
        return monthly_payload(report, place, recorded)

    async def monthly_counted(self, division: str, month: str, at: str) -> dict[str, Any]:
        """The report counted from the facts by the database (``tally``), never from the summary
        (tests and the benchmark compare)."""
        when, recorded = parse_month("month", month), as_of(at, self.clock)
        cut(when.last, when.first, recorded, "month")
        async with self.db.read() as session:
            report = await tally(session, division, when, recorded)
        return monthly_payload(report, Area(division, area_name(division)), recorded)

    async def monthly_recount(self, division: str, month: str, at: str) -> dict[str, Any]:
        """The same report from every grade history, by the pure definition (tests compare)."""
        when, recorded = parse_month("month", month), as_of(at, self.clock)
        the_cut = cut(when.last, when.first, recorded, "month")
        async with self.db.read() as session:
            units = await load.units(session, division, the_cut)
            grades = await load.grades(session, division, the_cut)
        return monthly_payload(monthly(units, grades, when, recorded), Area(division, area_name(division)), recorded)

    async def targets(
        self, actor: Actor, division: str | None, year: str, at: str | None, progress: Progress = _quiet
    ) -> dict[str, Any]:
        y, the_cut, place = await self._year(actor, division, year, at, "targets")
        recorded = the_cut.as_of
        progress("统计规模以上企业与等级 / counting above-scale units and grades")
        async with self.db.read() as session:
            if await summary.covers(session, place.prefix, recorded, children=True):
                report = await summary.targets(session, place.prefix, y, recorded, self.policy)
            else:
                report = await tally_targets(session, place.prefix, y, recorded, self.policy)
        names = {s.code: area_name(s.code, full=False) for s in report.ranking}
        return targets_payload(report, place, names, self.policy, recorded)

    async def targets_counted(self, division: str, year: str, at: str) -> dict[str, Any]:
        """The targets counted from the facts by the database, never from the summary."""
        y, recorded = parse_year("year", year), as_of(at, self.clock)
        cut(dt.date(y, 12, 31), dt.date(y, 1, 1), recorded, "year")
        async with self.db.read() as session:
            report = await tally_targets(session, division, y, recorded, self.policy)
        names = {s.code: area_name(s.code, full=False) for s in report.ranking}
        return targets_payload(report, Area(division, area_name(division)), names, self.policy, recorded)

    async def credit(
        self, actor: Actor, division: str | None, year: str, at: str | None, progress: Progress = _quiet
    ) -> dict[str, Any]:
        y, the_cut, place = await self._year(actor, division, year, at, "credit")
        recorded = the_cut.as_of
        progress("读取名单、反馈与答复 / reading listings, feedback and answers")
        async with self.db.read() as session:
            listings = await load.listings(session, place.prefix, the_cut)
            feedback = await load.feedback(session, place.prefix, y, the_cut)
            answers = await load.answers(session, place.prefix, y, the_cut)
            departments = {d.code: d.name for d in await session.scalars(select(Department))}
        progress(f"统计 / counting {len(listings)} listings")
        report = credit(listings, feedback, answers, y, the_cut)
        return credit_payload(report, place, departments, recorded)

    async def _year(
        self, actor: Actor, division: str | None, year: str, at: str | None, kind: str
    ) -> tuple[int, Cut, Area]:
        """A yearly report's year, cut and area; parameters are checked before the area (422 first)."""
        y = parse_year("year", year)
        the_cut = cut(dt.date(y, 12, 31), dt.date(y, 1, 1), as_of(at, self.clock), "year")
        return y, the_cut, await area(self.db, self.clock, actor, division, kind)

    async def targets_recount(self, division: str, year: str, at: str) -> dict[str, Any]:
        """The same report from every unit and grade history, by the pure definition (tests compare)."""
        y, recorded = parse_year("year", year), as_of(at, self.clock)
        the_cut = cut(dt.date(y, 12, 31), dt.date(y, 1, 1), recorded, "year")
        async with self.db.read() as session:
            units = await load.units(session, division, the_cut, above_scale_only=True)
            grades = await load.grades(session, division, the_cut, above_scale_only=True)
        report = targets(units, grades, division, y, recorded, self.policy)
        names = {s.code: area_name(s.code, full=False) for s in report.ranking}
        return targets_payload(report, Area(division, area_name(division)), names, self.policy, recorded)

    # ---- answers -----------------------------------------------------------------------------

    def signed(self, payload: dict[str, Any]) -> dict[str, Any]:
        return jws.envelope(self.keys.private, self.keys.kid, REPORT_TYP, payload)

    def render(self, payload: dict[str, Any], fmt: str) -> ReportFile:
        """The report as a file in ``fmt``, signed (see the module's docstring)."""
        period = str(payload.get("month") or payload.get("year"))
        name = f"report-{payload['report']}-{payload['area']['prefix'] or 'national'}-{period}.{fmt}"
        if fmt == "json":
            return ReportFile(name, FORMATS[fmt], jws.canonical(self.signed(payload)), None)
        body = csv_bytes(payload) if fmt == "csv" else xlsx_bytes(payload)
        return ReportFile(name, FORMATS[fmt], body, self.file_signature(payload, fmt, body))

    def file_signature(self, payload: dict[str, Any], fmt: str, body: bytes) -> str:
        manifest = {
            "report": payload["report"],
            "area": payload["area"],
            "period": str(payload.get("month") or payload.get("year")),
            "as_of": payload["as_of"],
            "format": fmt,
            "media_type": FORMATS[fmt],
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        return jws.sign(self.keys.private, self.keys.kid, FILE_TYP, manifest)

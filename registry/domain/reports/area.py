"""Which area a report covers and when it is taken, from the request's parameters: a bureau
reports on its own subtree (a prefix of its jurisdiction's), an admin on any; anything else is a
4xx naming the field and the rule."""

from __future__ import annotations

import datetime as dt
import re

from registry.db.engine import Database
from registry.domain.actors import Actor
from registry.domain.identifiers import lookup_division
from registry.domain.jurisdiction import refusal
from registry.domain.reports.wire import Area
from registry.errors import FieldProblem, Forbidden, ValidationFailed
from registry.lib.clock import Clock


def _bad(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def normalise(division: str) -> str:
    """A 2, 4 or 6 digit prefix; a 6-digit provincial or prefectural code (410000, 410100) stands
    for its subtree, 000000 for the whole country."""
    code = division.strip()
    if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", code):
        raise _bad(
            "division",
            "division_prefix",
            "区划应为 2、4 或 6 位数字（如 41、4101、410103 或 410100）",
            "division must be a 2, 4 or 6 digit prefix or code (41, 4101, 410103, 410100)",
        )
    if code == "000000":
        return ""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def area_name(prefix: str, *, full: bool = True) -> str:
    """河南省郑州市二七区 (or 二七区 with ``full=False``, as a ranking lists subordinate areas)."""
    if not prefix:
        return "全国"
    found = lookup_division(prefix.ljust(6, "0"))
    if found is None:
        return prefix
    return found.full_name if full else found.name


async def area(db: Database, clock: Clock, actor: Actor, division: str | None, report: str) -> Area:
    if actor.role not in ("admin", "bureau") or (actor.role == "bureau" and actor.jurisdiction is None):
        raise Forbidden("统计报表仅供监管机关使用 / reports are for bureaus")
    own = "" if actor.role == "admin" else actor.jurisdiction or ""
    prefix = own if division is None or not division.strip() else normalise(division)
    if not prefix.startswith(own):
        raise await refusal(db, clock, actor, f"report.{report}", "division", prefix or "000000", prefix)
    return Area(prefix, area_name(prefix))


def as_of(value: str | None, clock: Clock) -> dt.datetime:
    """The record time of a report: the one asked for (RFC 3339, not in the future), else now to
    the second (the payload names it, so the same report can be asked for again)."""
    now = clock.now()
    if value is None or not value.strip():
        return now.replace(microsecond=0)
    try:
        at = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(
            "as_of", "datetime", "as_of 应为带时区的 RFC 3339 时间", "as_of must be an RFC 3339 time with offset"
        ) from None
    if at.tzinfo is None:
        raise _bad("as_of", "timezone", "as_of 须带时区（如 Z 或 +08:00）", "as_of needs an offset (Z or +08:00)")
    if at > now:
        raise _bad("as_of", "in_future", "as_of 不能晚于当前时间", "as_of may not be in the future")
    return at.astimezone(dt.UTC)

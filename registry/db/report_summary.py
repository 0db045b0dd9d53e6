"""The report summary kept in the writing transaction (issue 21; table ``report_summary``).

What a unit and its grades add to the counts of the monthly report and the targets, as changes
dated by day, for the country, the unit's province and its prefecture (a county's report reads the
facts: it is fast enough). The definition is the one of ``registry.domain.reports.standing`` with
every recorded step known (a report whose ``as_of`` is past every recorded fact; an earlier
``as_of`` is counted from the facts):

- a step whose status is counted (valid, or under review) starts an interval of that status on its
  day, or on the unit's registration day if later; the grade's next step (by day, then id) ends
  it, and a valid one ends after ``valid_until`` too: +1 on the start, -1 on the end;
- an announcement counts as 当月完成 on its day, if the unit was registered by its month's end;
- an above-scale unit counts from its registration day (the targets' denominator).

The write paths call :func:`track_grade` around a grade step and :func:`move_units` /
:func:`add_units` around enterprise writes; each applies the difference of the marks before and
after, so the table is always the sum of the marks of the facts (a test recounts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Enterprise, Grade, GradeStep, ReportSummary

#: Beijing time (no daylight saving since 1991): the day a registration counts from
_CST = dt.timezone(dt.timedelta(hours=8))
LEVELS = (1, 2, 3)
REVIEW = frozenset({"applied", "reviewed", "audited"})
#: (depth, area, day, industry, above_scale, level, kind)
Key = tuple[int, str, dt.date, str, bool, int, str]
Marks = dict[Key, int]
_DAY = dt.timedelta(days=1)
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class UnitFacts:
    division_code: str
    industry: str
    scale: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StepFacts:
    id: int
    name: str
    on: dt.date
    status_after: str


@dataclass(frozen=True, slots=True)
class GradeFacts:
    level: int
    valid_until: dt.date | None
    steps: tuple[StepFacts, ...]


def areas(division_code: str) -> tuple[tuple[int, str], ...]:
    return (0, ""), (1, division_code[:2]), (2, division_code[:4])


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - _DAY


def marks(unit: UnitFacts, grades: Iterable[GradeFacts], *, with_unit: bool, sign: int = 1) -> Marks:
    """The changes a unit (its registration if ``with_unit``) and its grades add to the summary."""
    above = unit.scale == "above_scale"
    registered = unit.registered_at.astimezone(_CST).date()
    out: Marks = defaultdict(int)

    def add(day: dt.date, level: int, kind: str, n: int) -> None:
        for depth, area in areas(unit.division_code):
            out[(depth, area, day, unit.industry, above, level, kind)] += n * sign

    if with_unit and above:
        add(registered, 0, "unit", 1)
    for grade in grades:
        if grade.level not in LEVELS:
            continue
        steps = sorted(grade.steps, key=lambda s: (s.on, s.id))
        for i, step in enumerate(steps):
            if step.name == "announce" and registered <= _month_end(step.on):
                add(step.on, grade.level, "announced", 1)
            if step.status_after != "valid" and step.status_after not in REVIEW:
                continue
            kind = "valid" if step.status_after == "valid" else "review"
            end = steps[i + 1].on if i + 1 < len(steps) else None
            if kind == "valid" and grade.valid_until is not None:
                expiry = grade.valid_until + _DAY
                end = expiry if end is None else min(end, expiry)
            start = max(step.on, registered)
            if end is not None and end <= start:
                continue
            add(start, grade.level, kind, 1)
            if end is not None:
                add(end, grade.level, kind, -1)
    return {k: n for k, n in out.items() if n}


def combine(*parts: Mapping[Key, int]) -> Marks:
    out: Marks = defaultdict(int)
    for part in parts:
        for key, n in part.items():
            out[key] += n
    return {k: n for k, n in out.items() if n}


def _negate(m: Mapping[Key, int]) -> Marks:
    return {k: -n for k, n in m.items()}


def _rows(m: Mapping[Key, int]) -> list[dict[str, Any]]:
    names = ("depth", "area", "day", "industry", "above_scale", "level", "kind")
    return [{**dict(zip(names, key, strict=True)), "n": n} for key, n in sorted(m.items()) if n]


async def record(session: AsyncSession, changes: Mapping[Key, int]) -> None:
    """Adds the changes to the summary (rows in key order, so two writers lock them in one order)."""
    rows = _rows(changes)
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt: Any = pg_insert(ReportSummary) if dialect == "postgresql" else sqlite_insert(ReportSummary)
    stmt = stmt.on_conflict_do_update(
        index_elements=["depth", "area", "day", "industry", "above_scale", "level", "kind"],
        set_={"n": ReportSummary.n + stmt.excluded.n},
    )
    for i in range(0, len(rows), _CHUNK):
        await session.execute(stmt, rows[i : i + _CHUNK])


def _unit_stmt(ids: Sequence[int]) -> Any:
    return select(
        Enterprise.id, Enterprise.division_code, Enterprise.industry, Enterprise.scale, Enterprise.created_at
    ).where(Enterprise.id.in_(ids))


def _grade_stmt() -> Any:
    return select(
        Grade.id,
        Grade.enterprise_id,
        Grade.level,
        Grade.valid_until,
        GradeStep.id.label("step_id"),
        GradeStep.step,
        GradeStep.on,
        GradeStep.status_after,
    ).join(GradeStep, GradeStep.grade_id == Grade.id)


def _histories(rows: Iterable[Any]) -> dict[int, dict[int, GradeFacts]]:
    """Grade facts by enterprise and grade, from rows of :func:`_grade_stmt`."""
    heads: dict[int, tuple[int, int, dt.date | None]] = {}
    steps: dict[int, list[StepFacts]] = defaultdict(list)
    for r in rows:
        heads[r.id] = (r.enterprise_id, r.level, r.valid_until)
        steps[r.id].append(StepFacts(r.step_id, r.step, r.on, r.status_after))
    out: dict[int, dict[int, GradeFacts]] = defaultdict(dict)
    for gid, (eid, level, until) in heads.items():
        out[eid][gid] = GradeFacts(level, until, tuple(steps[gid]))
    return out


async def _units(session: AsyncSession, ids: Sequence[int]) -> dict[int, UnitFacts]:
    rows = await session.execute(_unit_stmt(ids))
    return {r.id: UnitFacts(r.division_code, r.industry, r.scale, r.created_at) for r in rows}


async def _grade_marks(session: AsyncSession, grade_id: int) -> Marks:
    rows = list(await session.execute(_grade_stmt().where(Grade.id == grade_id)))
    if not rows:
        return {}
    unit = (await _units(session, [rows[0].enterprise_id]))[rows[0].enterprise_id]
    return marks(unit, _histories(rows)[rows[0].enterprise_id].values(), with_unit=False)


@asynccontextmanager
async def track_grade(session: AsyncSession, grade_id: int) -> AsyncIterator[None]:
    """Around a write of one grade (a step; its level or validity): the summary follows it."""
    before = await _grade_marks(session, grade_id)
    yield
    await session.flush()
    await record(session, combine(await _grade_marks(session, grade_id), _negate(before)))


async def enterprise_marks(session: AsyncSession, ids: Sequence[int], *, with_unit: bool = True) -> Marks:
    """The marks of these units and all their grades, as the database has them now."""
    out: Marks = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        units = await _units(session, chunk)
        histories = _histories(await session.execute(_grade_stmt().where(Grade.enterprise_id.in_(chunk))))
        for eid, unit in units.items():
            out = combine(out, marks(unit, histories.get(eid, {}).values(), with_unit=with_unit))
    return out


async def add_units(session: AsyncSession, ids: Sequence[int]) -> None:
    """After new units are inserted (they have no grades yet)."""
    await record(session, await enterprise_marks(session, ids))


@asynccontextmanager
async def move_units(session: AsyncSession, ids: Sequence[int]) -> AsyncIterator[None]:
    """Around a change of units' division, industry or scale: their marks move with them."""
    before = await enterprise_marks(session, ids) if ids else {}
    yield
    if ids:
        await record(session, combine(await enterprise_marks(session, ids), _negate(before)))


# ---- the whole table from the facts (migration 0011, the bench's generator, the tests) ---------


def recount(conn: Connection) -> Marks:
    """Every unit's and grade's marks, from the facts (synchronous: migrations run so)."""
    out: Marks = defaultdict(int)

    def add(m: Mapping[Key, int]) -> None:
        for key, n in m.items():
            out[key] += n

    registration = conn.execute(
        select(Enterprise.division_code, Enterprise.industry, Enterprise.scale, Enterprise.created_at)
        .where(Enterprise.scale == "above_scale")
        .execution_options(yield_per=20000)
    )
    for r in registration:
        add(marks(UnitFacts(r.division_code, r.industry, r.scale, r.created_at), (), with_unit=True))
    graded = conn.execute(
        _grade_stmt()
        .add_columns(Enterprise.division_code, Enterprise.industry, Enterprise.scale, Enterprise.created_at)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .order_by(Grade.enterprise_id)
        .execution_options(yield_per=20000)
    )
    batch: list[Any] = []
    for r in graded:
        if batch and batch[-1].enterprise_id != r.enterprise_id:
            _add_batch(batch, add)
            batch = []
        batch.append(r)
    if batch:
        _add_batch(batch, add)
    return {k: n for k, n in out.items() if n}


def _add_batch(rows: list[Any], add: Any) -> None:
    first = rows[0]
    unit = UnitFacts(first.division_code, first.industry, first.scale, first.created_at)
    add(marks(unit, _histories(rows)[first.enterprise_id].values(), with_unit=False))


def rebuild(conn: Connection) -> int:
    """Replaces the table's rows with the recount; the number of rows."""
    rows = _rows(recount(conn))
    conn.execute(delete(ReportSummary))
    for i in range(0, len(rows), _CHUNK):
        conn.execute(insert(ReportSummary), rows[i : i + _CHUNK])
    return len(rows)

"""Full rule re-evaluation (issue 22): every unit of an area evaluated on today's stored facts, its
decision compared with the one stored from the last run, the changed ones listed for the bureaus.

A run walks enterprises in id order by keyset (``id > cursor``, never OFFSET), ``batch`` at a time:
facts built in bulk (``enterprises_facts``), evaluated with a ``Memo`` (most units have no facts
but who they are, so one decision serves them), digested (``digest``). In one transaction per
batch: the digests that differ are upserted, each changed decision is written to
``decision_changes`` (before and after), and the slice's cursor moves, so a run killed mid-way
resumes after the last batch that committed and ends as an uninterrupted run would. A unit with
no stored digest (the first run, a new unit) is stored, not listed as a change.

The id range is cut into slices, one per worker process (``registry rules reevaluate --workers``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.among import among
from registry.db.engine import Database
from registry.db.models import DecisionChange, DecisionDigest, Enterprise, ReevaluationRun, ReevaluationSlice
from registry.domain.actors import Actor
from registry.domain.evaluation.digest import Digests, diff, fingerprint
from registry.domain.evaluation.facts import UNIT_COLUMNS, enterprises_facts
from registry.domain.identifiers.divisions import subtree_bounds
from registry.domain.jurisdiction import refusal
from registry.domain.reports.area import normalise
from registry.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from registry.lib.clock import Clock, today
from registry.rules.evaluator import Memo
from registry.rules.model import Ruleset

#: a batch's units are read by id range when it holds at most this many ids per unit
DENSE = 2
#: a page of changes: default and most rows
PAGE = 100
MAX_PAGE = 1000


def _bad(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


@dataclass
class RunState:
    run_id: int
    division: str
    as_of: dt.date
    first: bool
    units: int
    changed: int
    new: int
    finished: bool
    #: changed decisions per county (division code) of the run
    by_county: dict[str, int]


class ReevaluationService:
    def __init__(self, db: Database, clock: Clock, rulesets: tuple[Ruleset, ...]) -> None:
        self.db = db
        self.clock = clock
        self.rulesets = rulesets
        self.fingerprint = fingerprint([r.hash for r in rulesets])
        self.memo = Memo(rulesets)
        self.digests = Digests()

    # ---- a run -----------------------------------------------------------------------------------

    def _area(self, division: str | None) -> str:
        return "" if division is None or not division.strip() else normalise(division)

    def _units(self, division: str) -> Any:
        stmt = select(Enterprise)
        if division:
            lo, hi = subtree_bounds(division)
            stmt = stmt.where(Enterprise.division_code.between(lo, hi))
        return stmt

    async def start(self, division: str | None, workers: int = 1) -> int:
        """A new run over ``division`` ("" or None: the whole register) cut into ``workers`` slices."""
        if workers < 1 or workers > 64:
            raise _bad("--workers", "range", "--workers 须在 1 至 64 之间", "--workers must be 1 to 64")
        area = self._area(division)
        async with self.db.write() as session:
            ids = self._units(area).with_only_columns(func.min(Enterprise.id), func.max(Enterprise.id))
            low, high = (await session.execute(ids)).one()
            low, high = (low or 1), (high or 0)
            stored = select(DecisionDigest.enterprise_id).limit(1)
            if area:
                lo, hi = subtree_bounds(area)
                stored = stored.join(Enterprise, Enterprise.id == DecisionDigest.enterprise_id).where(
                    Enterprise.division_code.between(lo, hi)
                )
            first = (await session.scalar(stored)) is None
            run = ReevaluationRun(
                started_at=self.clock.now(),
                fingerprint=self.fingerprint,
                division=area,
                as_of=today(self.clock),
                first=first,
                workers=workers,
                cursor=low - 1,
                units=0,
                changed=0,
                new=0,
            )
            session.add(run)
            await session.flush()
            step = max(1, -(-(high - low + 1) // workers))
            for n in range(workers):
                start = low - 1 + n * step
                session.add(
                    ReevaluationSlice(
                        run_id=run.id,
                        number=n,
                        cursor=start,
                        id_to=high if n == workers - 1 else min(high, start + step),
                        units=0,
                        changed=0,
                        new=0,
                    )
                )
            return run.id

    async def resumable(self, run_id: int) -> list[int]:
        """The slices of a run still to walk; refused when the rulesets changed since it started."""
        async with self.db.read() as session:
            run = await session.get(ReevaluationRun, run_id)
            if run is None:
                raise _bad(
                    "--resume", "unknown_run", f"没有编号为 {run_id} 的重新评估", f"no re-evaluation run {run_id}"
                )
            if run.fingerprint != self.fingerprint:
                raise _bad(
                    "--resume",
                    "rulesets_changed",
                    "规则集自该次评估开始后已变更，请重新开始一次评估",
                    "the rulesets changed since this run started: start a new run",
                )
            return list(
                await session.scalars(
                    select(ReevaluationSlice.number)
                    .where(ReevaluationSlice.run_id == run_id, ReevaluationSlice.finished_at.is_(None))
                    .order_by(ReevaluationSlice.number)
                )
            )

    async def walk(
        self,
        run_id: int,
        number: int,
        *,
        batch: int = 2000,
        max_batches: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> bool:
        """Walk one slice from its cursor; True when it is done (``max_batches``: stop early, as a
        killed run would, for the tests and the bench)."""
        if batch < 1 or batch > 10000:
            raise _bad("--batch", "range", "--batch 须在 1 至 10000 之间", "--batch must be 1 to 10000")
        done = 0
        while max_batches is None or done < max_batches:
            count = await self._batch(run_id, number, batch)
            if count is None:
                return True
            done += 1
            if progress is not None:
                progress(count)
        return False

    async def _batch(self, run_id: int, number: int, size: int) -> int | None:
        async with self.db.write() as session:
            run = await session.get_one(ReevaluationRun, run_id)
            part = await session.get_one(ReevaluationSlice, (run_id, number), with_for_update=True)
            if part.finished_at is not None:
                return None
            # the columns the facts builder reads, as rows (not ORM objects: a third of the time at scale)
            units: list[Any] = list(
                await session.execute(
                    self._units(run.division)
                    .with_only_columns(*UNIT_COLUMNS)
                    .where(Enterprise.id > part.cursor, Enterprise.id <= part.id_to)
                    .order_by(Enterprise.id)
                    .limit(size)
                )
            )
            if not units:
                part.finished_at = self.clock.now()
                return None
            changed, new = await self._compare(session, run, units)
            part.cursor = units[-1].id
            part.units += len(units)
            part.changed += changed
            part.new += new
            return len(units)

    async def _compare(self, session: AsyncSession, run: ReevaluationRun, units: list[Any]) -> tuple[int, int]:
        ids = [u.id for u in units]
        # the units are in id order: when they fill most of their id range (the whole register,
        # a province), each table is read by one index range scan of it, not a probe per id; a
        # county's units are spread over the ids and keep the probes
        lo, hi = ids[0], ids[-1]
        span = (lo, hi) if hi - lo < DENSE * len(ids) else None
        facts = await enterprises_facts(session, units, span)
        stored = dict(
            (
                await session.execute(
                    select(DecisionDigest.enterprise_id, DecisionDigest.digest).where(
                        DecisionDigest.enterprise_id.between(lo, hi)
                        if span is not None
                        else among(session, DecisionDigest.enterprise_id, ids)
                    )
                )
            ).all()
        )
        now = self.clock.now()
        rows: list[dict[str, Any]] = []
        after: dict[int, dict[str, Any]] = {}
        for u in units:
            digest, summary = self.digests(self.memo(facts[u.id], run.as_of))
            old = stored.get(u.id)
            if old == digest:
                continue
            if old is not None:
                after[u.id] = summary
            rows.append(
                {
                    "enterprise_id": u.id,
                    "fingerprint": self.fingerprint,
                    "digest": digest,
                    "summary": summary,
                    "evaluated_at": now,
                }
            )
        if after:
            before: dict[int, dict[str, Any]] = dict(
                (
                    await session.execute(
                        select(DecisionDigest.enterprise_id, DecisionDigest.summary).where(
                            among(session, DecisionDigest.enterprise_id, list(after))
                        )
                    )
                ).all()
            )
            division = {u.id: u.division_code for u in units}
            await session.execute(
                insert(DecisionChange),
                [
                    {
                        "run_id": run.id,
                        "enterprise_id": i,
                        "division_code": division[i],
                        "before": before[i],
                        "after": summary,
                    }
                    for i, summary in after.items()
                ],
            )
        if rows:
            await self._upsert(session, rows)
        return len(after), len(rows) - len(after)

    @staticmethod
    async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = make(DecisionDigest)
        stmt = stmt.on_conflict_do_update(
            index_elements=[DecisionDigest.enterprise_id],
            set_={c: stmt.excluded[c] for c in ("fingerprint", "digest", "summary", "evaluated_at")},
        )
        await session.execute(stmt, rows)

    async def finish(self, run_id: int) -> RunState:
        """Sum the slices into the run (finished when every slice is) and count changes per county."""
        async with self.db.write() as session:
            run = await session.get_one(ReevaluationRun, run_id)
            parts = list(await session.scalars(select(ReevaluationSlice).where(ReevaluationSlice.run_id == run_id)))
            run.units = sum(p.units for p in parts)
            run.changed = sum(p.changed for p in parts)
            run.new = sum(p.new for p in parts)
            open_parts = [p for p in parts if p.finished_at is None]
            run.cursor = min((p.cursor for p in open_parts), default=max((p.id_to for p in parts), default=0))
            if not open_parts and run.finished_at is None:
                run.finished_at = self.clock.now()
            counties = dict(
                (
                    await session.execute(
                        select(DecisionChange.division_code, func.count())
                        .where(DecisionChange.run_id == run_id)
                        .group_by(DecisionChange.division_code)
                        .order_by(DecisionChange.division_code)
                    )
                ).all()
            )
            return RunState(
                run_id=run.id,
                division=run.division,
                as_of=run.as_of,
                first=run.first,
                units=run.units,
                changed=run.changed,
                new=run.new,
                finished=run.finished_at is not None,
                by_county={k: int(v) for k, v in counties.items()},
            )

    async def total(self, run_id: int) -> tuple[int, int]:
        """(units of the run's area, units done so far): for the progress bar and its ETA."""
        async with self.db.read() as session:
            run = await session.get_one(ReevaluationRun, run_id)
            area = self._units(run.division).with_only_columns(func.count(), maintain_column_froms=True)
            count = int(await session.scalar(area) or 0)
            done = await session.scalar(
                select(func.coalesce(func.sum(ReevaluationSlice.units), 0)).where(ReevaluationSlice.run_id == run_id)
            )
            return count, int(done or 0)

    # ---- what the bureaus read -------------------------------------------------------------------

    async def changes(
        self, actor: Actor, run_id: int, division: str | None, after: int | None, limit: int | None
    ) -> dict[str, Any]:
        """The changed decisions of a run in the actor's area (a bureau: within its own; an admin:
        any), in unit order, ``limit`` a page after the unit id ``after`` (keyset)."""
        if actor.role not in ("admin", "bureau") or (actor.role == "bureau" and actor.jurisdiction is None):
            raise Forbidden("仅供监管机关使用 / for bureaus only")
        size = PAGE if limit is None else limit
        if not 1 <= size <= MAX_PAGE:
            raise _bad("limit", "range", f"limit 须在 1 至 {MAX_PAGE} 之间", f"limit must be 1 to {MAX_PAGE}")
        if after is not None and after < 0:
            raise _bad("after", "range", "after 不能为负数", "after may not be negative")
        own = "" if actor.role == "admin" else actor.jurisdiction or ""
        area = own if division is None or not division.strip() else normalise(division)
        if not area.startswith(own):
            raise await refusal(
                self.db, self.clock, actor, "reevaluation.changes", "division", area or "000000", area or "000000"
            )
        async with self.db.read() as session:
            run = await session.get(ReevaluationRun, run_id)
            if run is None:
                raise NotFound(f"没有编号为 {run_id} 的重新评估 / no re-evaluation run {run_id}")
            stmt = (
                select(DecisionChange, Enterprise.uscc, Enterprise.name)
                .join(Enterprise, Enterprise.id == DecisionChange.enterprise_id)
                .where(DecisionChange.run_id == run_id)
                .order_by(DecisionChange.enterprise_id)
                .limit(size + 1)
            )
            if area:
                lo, hi = subtree_bounds(area)
                stmt = stmt.where(DecisionChange.division_code.between(lo, hi))
            if after is not None:
                stmt = stmt.where(DecisionChange.enterprise_id > after)
            rows = list(await session.execute(stmt))
        page = rows[:size]
        return {
            "run": {
                "id": run.id,
                "division": run.division,
                "as_of": run.as_of.isoformat(),
                "first": run.first,
                "finished": run.finished_at is not None,
                "fingerprint": run.fingerprint,
            },
            "division": area,
            "items": [
                {
                    "enterprise_id": c.enterprise_id,
                    "uscc": uscc,
                    "name": name,
                    "division_code": c.division_code,
                    "before": c.before,
                    "after": c.after,
                    "diff": diff(c.before, c.after),
                }
                for c, uscc, name in page
            ],
            "next_after": page[-1][0].enterprise_id if len(rows) > size else None,
        }


__all__ = ["ReevaluationService", "RunState"]

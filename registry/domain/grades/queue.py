"""The grades behind two headings of the desk, in full: "待办定级" (pending grades whose grading
authority is the officer's) and "等级即将到期" (valid grades of readable units due for renewal).

The same statements the desk counts with (``desk.grades_to_review``, ``desk.renewals_due``), so the
page a count links to lists exactly what was counted (up to ``LIMIT``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from registry.db.engine import Database
from registry.db.models import Grade
from registry.domain.actors import Actor
from registry.domain.desk import RENEWAL_DAYS, grades_to_review, renewals_due
from registry.domain.grades.wire import status_on
from registry.domain.grades.workflow import LEVELS, STATUSES
from registry.lib.clock import Clock
from registry.lib.clock import today as clock_today

LIMIT = 200
QUEUES: Final[dict[str, tuple[str, str]]] = {
    "grades": ("待办定级", "本机关为定级机关、尚在评审、审核或公告前的标准化定级"),
    "renewals": ("等级即将到期", f"{RENEWAL_DAYS} 日内有效期届满的标准化等级（可申请复评）"),
}


@dataclass(frozen=True, slots=True)
class Queued:
    grade_id: int
    uscc: str
    name: str
    level: int
    level_label: str
    status: str
    status_label: str
    procedure: str
    applied_on: dt.date
    valid_until: dt.date | None


async def queue(db: Database, clock: Clock, actor: Actor, key: str) -> list[Queued]:
    """The grades of the heading ``key`` (one of ``QUEUES``), oldest application or nearest expiry first."""
    day = clock_today(clock)
    if key == "grades":
        stmt = grades_to_review(actor).order_by(Grade.applied_on, Grade.id)
    else:
        stmt = renewals_due(actor, day).order_by(Grade.valid_until, Grade.id)
    async with db.read() as session:
        rows = (await session.execute(stmt.limit(LIMIT))).all()
    out = []
    for grade, uscc, name in rows:
        status = status_on(grade, day)
        out.append(
            Queued(
                grade.id,
                uscc,
                name,
                grade.level,
                LEVELS[grade.level],
                status,
                STATUSES[status],
                grade.procedure,
                grade.applied_on,
                grade.valid_until,
            )
        )
    return out

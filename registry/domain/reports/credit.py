"""Credit statistics (pure): listings proposed, decided, removed and removed early per month by
list type, criterion and deciding authority; days from proposal to decision; measures partners
applied (their feedback) and answers given to them, per department and month.

Listing events are read off the listing's steps as recorded by ``as_of``: a removal is the step
that took the listing from listed to removed, whatever later happened (a repair revoked later is
counted as ``restored`` in its own month, and the removal stays in the month it happened).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from registry.domain.reports.periods import Cut, Month, beijing_date

EVENTS = ("proposed", "decided", "removed", "removed_early", "restored")

#: how a step that ends a listing names its removal type (the others carry it in their data)
_REMOVAL_BY_STEP = {"expire": "expiry", "approve_grant_repair": "early", "resolve_objection": "objection_upheld"}


@dataclass(frozen=True, slots=True)
class ListingStep:
    id: int
    name: str
    on: dt.date
    status_after: str
    data: dict[str, Any]
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ListingHistory:
    id: int
    list_type: str
    criteria: tuple[str, ...]
    authority: str
    proposed_on: dt.date
    steps: tuple[ListingStep, ...]


@dataclass(frozen=True, slots=True)
class Feedback:
    department: str
    measure: str
    handle_type: str
    executed_at: dt.datetime
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Answers:
    """One answer given to a partner (a status or batch query) and how many subjects it named in
    the area reported on."""

    department: str
    recorded_at: dt.datetime
    subjects: int


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    on: dt.date
    removal_type: str | None = None
    days_to_decision: int | None = None


def events(listing: ListingHistory, as_of: dt.datetime) -> list[Event]:
    out: list[Event] = []
    status = None
    for step in sorted((s for s in listing.steps if s.recorded_at <= as_of), key=lambda s: s.id):
        after = step.status_after
        if step.name == "propose":
            out.append(Event("proposed", step.on))
        elif after == "listed" and status in ("proposed", "notified"):
            out.append(Event("decided", step.on, days_to_decision=(step.on - listing.proposed_on).days))
        elif after == "removed" and status == "listed":
            removal = _REMOVAL_BY_STEP.get(step.name) or str(step.data.get("type") or "other")
            on = step.on
            if step.name == "expire" and step.data.get("expires_on"):
                on = dt.date.fromisoformat(str(step.data["expires_on"])) + dt.timedelta(days=1)
            out.append(Event("removed", on, removal))
            if removal == "early":
                out.append(Event("removed_early", on, removal))
        elif after == "listed" and status == "removed":
            out.append(Event("restored", step.on))
        status = after
    return out


@dataclass(slots=True)
class Counts:
    by_month: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(EVENTS, 0)))

    def add(self, month: str, kind: str) -> None:
        self.by_month[month][kind] += 1


@dataclass(frozen=True, slots=True)
class CreditReport:
    year: int
    day: dt.date
    months: list[str]
    total: Counts
    by_list_type: dict[str, Counts]
    by_criterion: dict[str, Counts]
    by_authority: dict[str, Counts]
    #: month (or "year") -> median days from proposal to decision of the listings decided then
    median_days: dict[str, float | None]
    #: (department, measure) -> month -> count of measures applied; and handle types per department
    measures: dict[tuple[str, str], dict[str, int]]
    handle_types: dict[str, dict[str, int]]
    #: department -> month -> [answers, subjects named]
    answers: dict[str, dict[str, list[int]]]


def _month(day: dt.date) -> str:
    return str(Month(day.year, day.month))


def credit(
    listings: Iterable[ListingHistory],
    feedback: Iterable[Feedback],
    answers: Iterable[Answers],
    year: int,
    at: Cut,
) -> CreditReport:
    months = [str(m) for m in Month(year, at.day.month if at.day.year == year else 12).months_of_year()]
    first = dt.date(year, 1, 1)

    def inside(day: dt.date) -> bool:
        return first <= day <= at.day

    total = Counts()
    by_type: dict[str, Counts] = defaultdict(Counts)
    by_criterion: dict[str, Counts] = defaultdict(Counts)
    by_authority: dict[str, Counts] = defaultdict(Counts)
    days: dict[str, list[int]] = defaultdict(list)
    for listing in listings:
        for event in events(listing, at.as_of):
            if not inside(event.on):
                continue
            month = _month(event.on)
            for counts in (total, by_type[listing.list_type], by_authority[listing.authority]):
                counts.add(month, event.kind)
            for criterion in listing.criteria or ("-",):
                by_criterion[criterion].add(month, event.kind)
            if event.days_to_decision is not None:
                days[month].append(event.days_to_decision)
                days["year"].append(event.days_to_decision)
    measures: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    handle_types: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in feedback:
        day = beijing_date(f.executed_at)
        if f.recorded_at <= at.as_of and inside(day):
            measures[(f.department, f.measure)][_month(day)] += 1
            handle_types[f.department][f.handle_type] += 1
    given: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for a in answers:
        day = beijing_date(a.recorded_at)
        if a.recorded_at <= at.as_of and inside(day):
            cell = given[a.department][_month(day)]
            cell[0] += 1
            cell[1] += a.subjects
    median = {key: (float(statistics.median(v)) if v else None) for key, v in days.items()}
    return CreditReport(
        year,
        at.day,
        months,
        total,
        dict(by_type),
        dict(by_criterion),
        dict(by_authority),
        {m: median.get(m) for m in [*months, "year"]},
        {k: dict(v) for k, v in measures.items()},
        {k: dict(v) for k, v in handle_types.items()},
        {k: {m: list(c) for m, c in v.items()} for k, v in given.items()},
    )

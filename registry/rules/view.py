"""What one ruleset sees of one subject on one day: the facts cut to the day (and, for a regime,
to the conduct dated inside its effective period), with the indexes the fact functions share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property

from registry.rules.facts import Event, Facts, Grade, Listing
from registry.rules.model import Ruleset

ACCIDENT_RANK = {"ordinary": 0, "larger": 1, "major": 2, "especially_major": 3}
PENDING_GRADE = frozenset({"applied", "reviewed", "audited", "suspended"})
NEVER_GRANTED = frozenset({"rejected", "withdrawn"}) | PENDING_GRADE


def last_day(ends: Iterable[dt.date | None]) -> dt.date | None:
    """The latest of some end dates; None when there are none or one is open (no end)."""
    found = list(ends)
    if not found or None in found:
        return None
    return max(d for d in found if d is not None)


class View:
    def __init__(self, facts: Facts, as_of: dt.date, start: dt.date | None = None, end: dt.date | None = None):
        self.facts = facts
        self.as_of = as_of
        last = as_of if end is None else min(as_of, end)
        inside = [e for e in facts.events if e.occurred_on <= last and (start is None or e.occurred_on >= start)]
        if start is not None:
            # a regime judges conduct dated inside its period: a penalty (or any event) tied by a
            # link to conduct before the period belongs to that earlier conduct and its regime
            before = {e.id for e in facts.events if e.occurred_on < start}
            tied = {i for e in facts.events if e.id in before for i in e.links}
            inside = [e for e in inside if e.id not in tied and not before.intersection(e.links)]
        self.events: tuple[Event, ...] = tuple(sorted(inside, key=lambda e: (e.occurred_on, e.id)))
        self.cache: dict[object, object] = {}
        #: the ruleset being evaluated (set by the evaluator): a fact that judges by the regime's
        #: own cases (early removal: "no new listing case") reads it
        self.ruleset: Ruleset | None = None

    @cached_property
    def by_id(self) -> dict[int, Event]:
        return {e.id: e for e in self.events}

    @cached_property
    def penalised_ids(self) -> frozenset[int]:
        """Events that are penalties or are linked (either way) with a visible penalty."""
        out: set[int] = set()
        for e in self.events:
            if e.kind != "penalty":
                continue
            out.add(e.id)
            out.update(e.links)
        for e in self.events:
            if any(self.by_id[i].kind == "penalty" for i in e.links if i in self.by_id):
                out.add(e.id)
        return frozenset(out)

    def penalties_of(self, event: Event) -> list[Event]:
        """The visible penalties linked with an event (either direction)."""
        return [
            p
            for p in self.events
            if p.kind == "penalty" and p.id != event.id and (event.id in p.links or p.id in event.links)
        ]

    def linked(self, event: Event) -> Iterable[Event]:
        return (self.by_id[i] for i in event.links if i in self.by_id)

    @cached_property
    def grade(self) -> Grade | None:
        """The grade in force on the day: announced, not past valid_until, not ended before."""
        found = [
            g
            for g in self.facts.grades
            if g.status not in NEVER_GRANTED
            and g.announced_on is not None
            and g.announced_on <= self.as_of
            and (g.valid_until is None or self.as_of <= g.valid_until)
            and (g.ended_on is None or self.as_of < g.ended_on)
        ]
        return max(found, key=lambda g: (g.announced_on or dt.date.min, -g.level), default=None)

    def listings(self, types: tuple[str, ...] | None) -> list[Listing]:
        return [x for x in self.facts.listings if types is None or x.list_type in types]

    def in_force(self, listing: Listing) -> bool:
        if listing.listed_on > self.as_of:
            return False
        if listing.removed_on is not None and listing.removed_on <= self.as_of:
            return False
        return listing.until is None or self.as_of <= listing.until

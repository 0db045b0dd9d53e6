"""Wire shapes of the what-if evaluation (``POST /api/v1/rules/evaluate``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from registry.domain.wire import RowId
from registry.rules import facts as f
from registry.rules.decision import Decision


class SubjectRef(Struct, forbid_unknown_fields=True):
    """A stored subject: an enterprise or agency by USCC, or a person by registry id."""

    uscc: str | None = None
    person_id: RowId | None = None


class Hypothetical(Struct, forbid_unknown_fields=True):
    """Facts to add for the what-if, never stored. Event ids must not collide with stored ones
    (negative ids are a safe choice); links may name stored events."""

    events: Annotated[list[f.Event], Meta(max_length=500)] = msgspec.field(default_factory=list)
    grades: Annotated[list[f.Grade], Meta(max_length=50)] = msgspec.field(default_factory=list)
    listings: Annotated[list[f.Listing], Meta(max_length=50)] = msgspec.field(default_factory=list)
    insurance: f.Insurance | None = None


class EvaluateRequest(Struct, forbid_unknown_fields=True):
    """Stored facts of ``subject`` (if given) plus ``hypothetical`` ones, or ``facts`` alone for a
    subject that is not stored; evaluated as of ``as_of`` (default: today, Beijing time)."""

    subject: SubjectRef | None = None
    facts: f.Facts | None = None
    hypothetical: Hypothetical | None = None
    as_of: dt.date | None = None
    #: only these rule families (default: all)
    families: Annotated[list[str], Meta(min_length=1, max_length=50)] | None = None


class RemovalCheck(Struct, kw_only=True):
    code: str
    held: bool
    zh: str
    en: str
    evidence: list[int]
    tag: str


class EarlyRemoval(Struct, kw_only=True):
    """Why early removal (信用修复) of a listing in force is or is not advised on the day: every
    condition of the rule that decides it, held or not (the same judgement an application gets)."""

    listing_id: int | None
    list_type: str
    listed_on: dt.date
    #: "<family>/<version>" of the ruleset whose conditions these are
    ruleset: str
    eligible: bool
    checks: list[RemovalCheck]


class EvaluateResponse(Struct):
    #: the facts the rules read (stored + hypothetical), so the answer can be reproduced
    facts: f.Facts
    decision: Decision
    hypothetical: bool
    #: each listing in force whose type a ruleset lets be removed early: the conditions, held or not
    early_removal: list[EarlyRemoval] = msgspec.field(default_factory=list)

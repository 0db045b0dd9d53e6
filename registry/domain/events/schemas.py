"""Wire shapes of credit events (msgspec Structs, snake_case, dates ISO 8601)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from registry.domain.events.kinds import EventKind, SubjectType
from registry.domain.wire import RowId


class SubjectRef(Struct, forbid_unknown_fields=True):
    """Who the event is about: an enterprise or agency by USCC, a person by registry id."""

    type: SubjectType
    uscc: str | None = None
    person_id: RowId | None = None


class EventCreate(Struct, forbid_unknown_fields=True):
    kind: EventKind
    subject: SubjectRef
    #: the fact's own date: accident, penalty decision, hazard found, judgment, order
    occurred_on: dt.date
    #: 来源文书: investigation report, decision or order number, judgment
    source_document: Annotated[str, Meta(min_length=1, max_length=200)]
    details: dict[str, Any]
    #: where it happened (GB/T 2260); defaults to the subject's registered division
    division_code: str | None = None
    #: other events this one belongs with (e.g. the penalty for an accident)
    links: list[RowId] = msgspec.field(default_factory=list)
    #: internal remarks; never published
    remarks: Annotated[str, Meta(max_length=2000)] | None = None
    #: admins only: the division code of the authority on whose behalf the event is recorded
    recording_authority: str | None = None


class AmendmentCreate(Struct, forbid_unknown_fields=True):
    """A new event superseding an earlier one: a correction, a follow-up (rectified, executed,
    judged), or a withdrawal of an event recorded in error (no ``event``)."""

    code: Literal["correction", "follow_up", "withdrawal"]
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]
    event: EventCreate | None = None


class Subject(Struct):
    type: str
    uscc: str | None = None
    name: str | None = None
    person_id: int | None = None
    id_masked: str | None = None


class AuthorityRef(Struct):
    division_code: str
    name: str


class Amendment(Struct):
    code: str
    reason: str


class Event(Struct):
    id: int
    kind: str
    kind_label: str
    subject: Subject
    occurred_on: dt.date
    division_code: str
    recording_authority: AuthorityRef
    source_document: str
    details: dict[str, Any]
    #: computed by the registry (accident grade from its numbers)
    derived: dict[str, Any]
    links: list[int]
    remarks: str | None
    #: the event this one supersedes, and why
    supersedes: int | None
    amendment: Amendment | None
    #: the event that superseded this one (None while it is effective)
    superseded_by: int | None
    #: part of the effective view: not superseded and not a withdrawal
    effective: bool
    recorded_at: dt.datetime
    recorded_by: str


class EventDetail(Event):
    #: the whole chain this event belongs to, oldest first (itself included)
    chain: list[Event] = msgspec.field(default_factory=list)


class EventPage(Struct):
    items: list[Event]
    next_cursor: str | None

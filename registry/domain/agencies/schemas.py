"""Wire schemas for intermediary agencies (中介机构) and their qualifications."""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.domain.vocabulary import AgencyKind, Scale


class QualificationCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: AgencyKind
    certificate_no: str
    issued_by: str
    valid_from: dt.date
    valid_to: dt.date | None = None


class AgencyCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    uscc: str
    name: str
    division_code: str
    scale: Scale = "below_scale"
    kinds: list[AgencyKind]
    qualifications: list[QualificationCreate] = msgspec.field(default_factory=list)


class Qualification(msgspec.Struct):
    id: int
    kind: str
    certificate_no: str
    issued_by: str
    valid_from: dt.date
    valid_to: dt.date | None


class Agency(msgspec.Struct):
    uscc: str
    name: str
    division_code: str
    kinds: list[str]
    qualifications: list[Qualification]
    created_at: dt.datetime


class AgencyPage(msgspec.Struct):
    items: list[Agency]
    next_cursor: str | None

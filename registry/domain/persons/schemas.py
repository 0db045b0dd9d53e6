"""Wire schemas for persons. The full id number goes in, and never comes out."""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.domain.vocabulary import PersonRoleCode


class PersonCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    #: 居民身份证号码 (GB 11643); stored only as a keyed hash and a masked form
    id_number: str
    name: str


class PersonLookup(msgspec.Struct, forbid_unknown_fields=True):
    id_number: str


class RoleCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    uscc: str
    role: PersonRoleCode
    valid_from: dt.date
    valid_to: dt.date | None = None


class RoleEnd(msgspec.Struct, forbid_unknown_fields=True):
    valid_to: dt.date


class Role(msgspec.Struct):
    id: int
    uscc: str
    enterprise_name: str
    role: str
    role_name: str
    valid_from: dt.date
    valid_to: dt.date | None


class Person(msgspec.Struct):
    id: int
    name: str
    id_masked: str
    roles: list[Role]
    created_at: dt.datetime

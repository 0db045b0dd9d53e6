"""Wire schemas of the enterprise register (msgspec; snake_case; dates ISO 8601)."""

from __future__ import annotations

import datetime as dt

import msgspec
from msgspec import UNSET, UnsetType

from registry.domain.vocabulary import EnterpriseStatus, Industry, PersonRoleCode, Scale


class EnterpriseCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    uscc: str
    name: str
    #: where the enterprise is located (所在地); jurisdiction follows it and ``operating_divisions``
    division_code: str
    industry: Industry
    scale: Scale
    parent_uscc: str | None = None
    address: str | None = None
    #: pre-2015 15-digit 工商注册号
    registration_no: str | None = None
    #: pre-2015 组织机构代码 (XXXXXXXX-X)
    org_code: str | None = None
    operating_divisions: list[str] = msgspec.field(default_factory=list)
    #: since when the enterprise bears this name (defaults to the day it is registered here)
    name_valid_from: dt.date | None = None


class EnterpriseUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    #: the ``version`` you read; a stale one is refused with 409 and the current state
    version: int
    name: str | UnsetType = UNSET
    name_valid_from: dt.date | UnsetType | None = UNSET
    division_code: str | UnsetType = UNSET
    industry: Industry | UnsetType = UNSET
    scale: Scale | UnsetType = UNSET
    parent_uscc: str | UnsetType | None = UNSET
    address: str | UnsetType | None = UNSET
    operating_divisions: list[str] | UnsetType = UNSET
    status: EnterpriseStatus | UnsetType = UNSET
    registration_no: str | UnsetType | None = UNSET
    org_code: str | UnsetType | None = UNSET


class Flag(msgspec.Struct):
    code: str
    message_zh: str
    message_en: str


class NameRecord(msgspec.Struct):
    name: str
    valid_from: dt.date | None
    recorded_at: dt.datetime


class PersonInRole(msgspec.Struct):
    person_id: int
    name: str
    id_masked: str
    role: PersonRoleCode
    valid_from: dt.date
    valid_to: dt.date | None


class Enterprise(msgspec.Struct, omit_defaults=True):
    uscc: str
    name: str
    division_code: str
    division_name: str | None
    reg_division: str
    industry: str
    industry_name: str
    scale: str
    scale_name: str
    parent_uscc: str | None
    address: str | None
    status: str
    registration_no: str | None
    org_code: str | None
    operating_divisions: list[str]
    principal: PersonInRole | None
    flags: list[Flag]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    is_agency: bool
    #: name history, oldest first (on the detail read only)
    names: list[NameRecord] | None = None


class EnterprisePage(msgspec.Struct):
    items: list[Enterprise]
    #: pass as ``cursor`` to get the next page; null on the last page
    next_cursor: str | None

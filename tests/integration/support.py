"""Helpers shared by the integration tests: identifiers that isolate a test's data, problem checks.

Tests share one database per worker and backend, so each test makes identifiers of its own:
``Family`` gives USCCs under a prefix no other test uses, so a search filtered by that prefix
sees exactly this test's enterprises.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select
from stdnum.iso7064 import mod_11_10

from registry.db.models import (
    Account,
    AuditEntry,
    Enterprise,
    EnterpriseAlias,
    EnterpriseName,
    OperatingDivision,
    Person,
    PersonRole,
)
from registry.domain.actors import Actor
from registry.domain.identifiers import ALPHABET, make_resident_id, make_uscc, org_code_check_character
from tests import factories as f

PROBLEM = "application/problem+json"


def rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass
class Family:
    """USCCs sharing a 13-character prefix of their own (31**5 of them: no other test shares one),
    with room for 31**3 members."""

    division: str = "410103"
    body: str = field(default_factory=lambda: rand(ALPHABET, 5))
    used: set[str] = field(default_factory=set)

    @property
    def prefix(self) -> str:
        return "91" + self.division + self.body

    def uscc(self) -> str:
        while True:
            code = make_uscc("91", self.division, self.body + rand(ALPHABET, 3))
            if code not in self.used:
                self.used.add(code)
                return code


def registration_no() -> str:
    first14 = rand("0123456789", 14)
    return first14 + mod_11_10.calc_check_digit(first14)


def org_code() -> str:
    body = rand("0123456789ABCDEFGHJKLMNPQRTUWXY", 8)
    return f"{body}-{org_code_check_character(body)}"


def person_id(division: str = "410103") -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(365 * 50))
    return make_resident_id(division, birth, secrets.randbelow(900) + 100)


def cjk(n: int) -> str:
    """``n`` random CJK ideographs: a name fragment no other test's data contains."""
    return "".join(chr(0x4E00 + secrets.randbelow(0x9FA5 - 0x4E00)) for _ in range(n))


def address() -> str:
    """A client address of its own, so failure counters start at zero for this test."""
    return f"203.0.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def client_at(app: Any, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def bureau(
    client: httpx.AsyncClient, services: Any, division: str = "410103", level: str = "county"
) -> dict[str, str]:
    return await f.headers(client, services, "bureau", level=level, division=division)


async def national(client: httpx.AsyncClient, services: Any) -> dict[str, str]:
    return await f.headers(client, services, "bureau", level="national", division=None)


async def actor(services: Any, role: str = "bureau", **kw: Any) -> Actor:
    """The Actor a token of a new account stands for (for calling services directly)."""
    if role == "bureau":
        kw.setdefault("level", "county")
        kw.setdefault("division", "410103")
        kw.setdefault("kind", "officer")
    cid, secret = await f.account(services, role, **kw)
    principal = await services.accounts.authenticate(cid, secret)
    return principal.actor()  # type: ignore[no-any-return]


async def account_id(services: Any, client_id: str) -> int:
    async with services.db.read() as session:
        found = await session.scalar(select(Account.id).where(Account.client_id == client_id))
    assert found is not None
    return int(found)


def assert_problem(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """An RFC 9457 answer with ``status``; returns its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    for member in ("type", "title", "status", "detail"):
        assert member in body, body
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def assert_field(r: httpx.Response, fld: str, code: str, status: int = 422) -> dict[str, Any]:
    """A validation problem naming ``fld`` and the rule ``code`` it broke, in Chinese and English."""
    body = assert_problem(r, status)
    pairs = [(e["field"], e["code"]) for e in body.get("errors", [])]
    assert (fld, code) in pairs, pairs
    for e in body["errors"]:
        assert e["message_zh"], e
        assert e["message_en"], e
    return body


TABLES = {
    "enterprises": Enterprise,
    "enterprise_names": EnterpriseName,
    "enterprise_aliases": EnterpriseAlias,
    "enterprise_operating_divisions": OperatingDivision,
    "persons": Person,
    "person_roles": PersonRole,
    "audit_entries": AuditEntry,
}


async def counts(services: Any) -> dict[str, int]:
    """Row counts of the register's tables. Tests of one worker and backend run one at a time,
    so a difference between two counts inside a test is that test's doing."""
    out = {}
    async with services.db.read() as session:
        for name, model in TABLES.items():
            out[name] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
    return out


async def audit_for(services: Any, target_id: str, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.target_id == target_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    async with services.db.read() as session:
        return list((await session.scalars(stmt.order_by(AuditEntry.id))).all())


async def create(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    """Register an enterprise through the API; 201 or the test fails."""
    body = f.enterprise(**over)
    r = await client.post("/api/v1/enterprises", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]

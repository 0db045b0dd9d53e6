"""Accounts: created by an admin or the CLI; the secret is shown once and kept only as Argon2id.

An officer account names its officer, the person (``officers``): one person may hold several
accounts and is still one officer to the two-officer rule. Revoking (a new secret, disabling)
takes a revocation number in the same transaction (``revocations.record``), which every worker
of every process hears of within seconds.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Account, Authority, Department, Officer
from registry.domain import audit
from registry.domain.accounts import revocations
from registry.domain.accounts.authorities import ensure_authority, jurisdiction_prefix
from registry.domain.actors import Actor
from registry.errors import Conflict, FieldProblem, InvalidClient, NotFound, ValidationFailed
from registry.lib.clock import Clock

_hasher = PasswordHasher()
#: verified against when the client_id is unknown, so both failures cost the same time
_DUMMY_HASH = _hasher.hash("not-a-real-secret")


@dataclass(frozen=True, slots=True)
class NewAccount:
    client_id: str
    client_secret: str
    role: str
    name: str
    #: the officer (person) of an officer account
    officer_id: int | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """What a verified token stands for (cached by the token verifier): who, and which token version."""

    identity: Actor
    token_version: int

    @property
    def account_id(self) -> int:
        assert self.identity.account_id is not None
        return self.identity.account_id

    @property
    def role(self) -> str:
        return self.identity.role

    def actor(self, request_id: str | None = None) -> Actor:
        return self.identity.with_request(request_id) if request_id else self.identity


class AccountService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        #: told the account id after a revocation commits (this process's token cache drops it at once)
        self.revoked_hooks: list[Callable[[int], object]] = []

    async def create(
        self,
        actor: Actor,
        *,
        role: str,
        name: str,
        kind: str = "system",
        level: str | None = None,
        division: str | None = None,
        department: str | None = None,
        client_id: str | None = None,
        officer_id: int | None = None,
        secret: str | None = None,
    ) -> NewAccount:
        """``officer_id``: the officer (person) an officer account belongs to; None makes a new one.
        ``secret``: None makes a new random one (the demo passes the one its credentials file keeps)."""
        problems = _check(role, name, kind, level, department)
        if officer_id is not None and kind != "officer":
            problems.append(
                FieldProblem(
                    "officer",
                    "not_allowed",
                    "只有工作人员（officer）账号属于某一工作人员",
                    "only officer accounts belong to an officer",
                )
            )
        if problems:
            raise ValidationFailed(problems)
        secret = secret or secrets.token_urlsafe(32)
        now = self.clock.now()
        async with self.db.write() as session:
            authority_id = None
            if role == "bureau":
                authority = await ensure_authority(session, actor, now, level or "", division)
                authority_id = authority.id
            if department and await session.get(Department, department) is None:
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "department",
                            "unknown",
                            f"未知部门代码 {department}",
                            f"unknown department code {department}",
                        )
                    ]
                )
            cid = client_id or f"{role}-{secrets.token_hex(8)}"
            if await session.scalar(select(Account.id).where(Account.client_id == cid)) is not None:
                raise Conflict(f"账号 {cid} 已存在 / account {cid} already exists")
            if kind == "officer":
                officer_id = await _officer(session, officer_id, name, now)
            session.add(
                Account(
                    client_id=cid,
                    secret_hash=_hasher.hash(secret),
                    role=role,
                    kind=kind,
                    name=name,
                    authority_id=authority_id,
                    department_code=department,
                    officer_id=officer_id,
                    active=True,
                    token_version=1,
                    revocation_seq=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            await audit.record(
                session,
                actor,
                now,
                [
                    audit.Change(
                        "account.create",
                        "account",
                        cid,
                        None,
                        {
                            "role": role,
                            "kind": kind,
                            "name": name,
                            "authority_id": authority_id,
                            "department": department,
                            "officer_id": officer_id,
                        },
                    )
                ],
            )
        return NewAccount(cid, secret, role, name, officer_id)

    async def reset_secret(self, actor: Actor, client_id: str, secret: str | None = None) -> NewAccount:
        """New secret (random unless given), and every token issued under the old one stops working."""
        secret = secret or secrets.token_urlsafe(32)
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.scalar(select(Account).where(Account.client_id == client_id).with_for_update())
            if account is None:
                raise NotFound(f"账号 {client_id} 不存在 / no account {client_id}")
            account.secret_hash = _hasher.hash(secret)
            account.token_version += 1
            account.updated_at = now
            await revocations.record(session, account)
            await audit.record(
                session,
                actor,
                now,
                [
                    audit.Change(
                        "account.reset_secret",
                        "account",
                        client_id,
                        {"token_version": account.token_version - 1},
                        {"token_version": account.token_version},
                    )
                ],
            )
        self._revoked(account.id)
        return NewAccount(client_id, secret, account.role, account.name, account.officer_id)

    async def disable(self, actor: Actor, client_id: str) -> bool:
        """The account signs in no more and its tokens stop working; False if it was disabled already."""
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.scalar(select(Account).where(Account.client_id == client_id).with_for_update())
            if account is None:
                raise NotFound(f"账号 {client_id} 不存在 / no account {client_id}")
            if not account.active:
                return False
            account.active = False
            account.updated_at = now
            await revocations.record(session, account)
            await audit.record(
                session,
                actor,
                now,
                [audit.Change("account.disable", "account", client_id, {"active": True}, {"active": False})],
            )
        self._revoked(account.id)
        return True

    def _revoked(self, account_id: int) -> None:
        for hook in self.revoked_hooks:
            hook(account_id)

    async def authenticate(self, client_id: str, client_secret: str) -> Principal:
        async with self.db.read() as session:
            account = await session.scalar(select(Account).where(Account.client_id == client_id))
            stored = account.secret_hash if account is not None else _DUMMY_HASH
            try:
                _hasher.verify(stored, client_secret)
            except (VerificationError, InvalidHashError):
                account = None
            if account is None or not account.active:
                raise InvalidClient("客户端标识或密钥错误 / unknown client or wrong secret")
            return await principal_of(session, account)

    async def principal(self, account_id: int) -> Principal | None:
        async with self.db.read() as session:
            account = await session.get(Account, account_id)
            if account is None or not account.active:
                return None
            return await principal_of(session, account)


async def principal_of(session: AsyncSession, account: Account) -> Principal:
    level = jurisdiction = None
    if account.authority_id is not None:
        authority = await session.get(Authority, account.authority_id)
        if authority is not None:
            level = authority.level
            jurisdiction = jurisdiction_prefix(authority.level, authority.division_code)
    identity = Actor(
        id=account.client_id,
        role=account.role,
        kind=account.kind,
        account_id=account.id,
        authority_id=account.authority_id,
        authority_level=level,
        jurisdiction=jurisdiction,
        department=account.department_code,
        officer_id=account.officer_id,
    )
    return Principal(identity, account.token_version)


async def _officer(session: AsyncSession, officer_id: int | None, name: str, now: dt.datetime) -> int:
    """The officer an officer account belongs to: the one named (it must exist), else a new one."""
    if officer_id is None:
        officer = Officer(name=name, created_at=now)
        session.add(officer)
        await session.flush()
        return officer.id
    if await session.get(Officer, officer_id) is None:
        raise ValidationFailed(
            [FieldProblem("officer", "unknown", f"没有编号为 {officer_id} 的工作人员", f"no officer {officer_id}")]
        )
    return officer_id


def _check(role: str, name: str, kind: str, level: str | None, department: str | None) -> list[FieldProblem]:
    problems = []
    if role not in ("admin", "bureau", "partner"):
        problems.append(
            FieldProblem("role", "enum", "角色应为 admin、bureau 或 partner", "role must be admin, bureau or partner")
        )
    if not name.strip():
        problems.append(FieldProblem("name", "required", "名称不能为空", "name must not be empty"))
    if kind not in ("system", "officer"):
        problems.append(FieldProblem("kind", "enum", "类型应为 system 或 officer", "kind must be system or officer"))
    if role == "bureau" and not level:
        problems.append(FieldProblem("level", "required", "监管机关账号必须给出级别", "a bureau account needs --level"))
    if role == "partner" and not department:
        problems.append(
            FieldProblem(
                "department", "required", "合作部门账号必须给出部门代码", "a partner account needs --department"
            )
        )
    if role != "partner" and department:
        problems.append(
            FieldProblem(
                "department",
                "not_allowed",
                "只有合作部门账号绑定部门",
                "only partner accounts are bound to a department",
            )
        )
    return problems

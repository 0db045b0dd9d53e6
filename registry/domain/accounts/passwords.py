"""Console sign-in of officers: a password of the person's own, lockout per account, all audited.

The password is not the client secret: a person chooses it (the first one, given when the account
is made or reset, must be changed at the first sign-in) and changes it without revoking the API
tokens of scripts. Failures are counted on the account row, so a lock holds across workers,
instances and a Redis restart; an unknown name costs the same Argon2id verification as a known
one, and is refused with the same words, so the answer tells nothing of which names exist until
an account is locked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Account, Authority
from registry.domain import audit
from registry.domain.accounts.second_factor import SecondFactor, SecretBox, matching_step
from registry.domain.accounts.service import Principal, principal_of
from registry.domain.actors import Actor
from registry.domain.identifiers import lookup_division
from registry.errors import FieldProblem, NotFound, RegistryError, ValidationFailed
from registry.lib.clock import Clock

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")
#: roles whose officers work in the console (partners have their signed answers, not pages)
CONSOLE_ROLES = ("bureau", "admin")
NAME_MAX = 64
PASSWORD_MAX = 128
_WRONG = "用户名或密码错误"


class SignInRefused(RegistryError):
    status = 401
    code = "sign_in_refused"


class SignInLocked(SignInRefused):
    status = 429
    code = "sign_in_locked"

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        minutes = max(1, int((until - now).total_seconds() + 59) // 60)
        super().__init__(f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
        self.retry_after = max(1, int((until - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    failures_before_lock: int = 5
    lock_seconds: int = 900
    password_min_length: int = 12


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who is signed in, as every console page shows it."""

    principal: Principal
    name: str
    authority_name: str | None
    area_code: str | None
    area_name: str | None
    must_change: bool
    password_changed_at: dt.datetime | None
    #: the account asks for a TOTP code after the password
    second_factor: bool
    #: a digest of the stored password hash (its salt is new at every change): a session opened
    #: under another stamp ends, so a reset or a change elsewhere signs every other session out
    password_stamp: str

    @property
    def actor(self) -> Actor:
        return self.principal.identity


def first_password() -> str:
    """16 characters from the URL-safe alphabet (96 random bits), to be typed once and changed."""
    return secrets.token_urlsafe(12)


def _printable(value: str) -> bool:
    return value.isprintable() and value == value.strip()


class ConsoleSignIn:
    def __init__(
        self, db: Database, clock: Clock, policy: SignInPolicy | None = None, box: SecretBox | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy or SignInPolicy()
        # without a key of the deployment's (a test's service), one for this process only
        self.second_factor = SecondFactor(db, clock, box or SecretBox(AESGCM.generate_key(256)))

    async def issue_password(self, actor: Actor, client_id: str) -> str:
        """A first (or reset) console password for an officer account, to be changed at the next
        sign-in; it also lifts a lock. Shown once, kept only as Argon2id."""
        password = first_password()
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.scalar(select(Account).where(Account.client_id == client_id).with_for_update())
            if account is None:
                raise NotFound(f"账号 {client_id} 不存在 / no account {client_id}")
            if account.kind != "officer" or account.role not in CONSOLE_ROLES:
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "kind",
                            "officer_required",
                            "只有监管机关或管理员的工作人员（officer）账号可以登录工作台",
                            "only officer accounts of a bureau or an admin sign in to the console",
                        )
                    ]
                )
            account.password_hash = _hasher.hash(password)
            account.password_must_change = True
            account.password_changed_at = now
            account.signin_failures = 0
            account.signin_locked_until = None
            account.updated_at = now
            await audit.record(
                session,
                actor,
                now,
                [audit.Change("account.console_password_issue", "account", client_id, None, {"must_change": True})],
            )
        return password

    async def sign_in(self, name: str, password: str, request_id: str | None = None) -> SignedIn:
        if not name or len(name) > NAME_MAX or not _printable(name) or len(password) > PASSWORD_MAX:
            raise SignInRefused(_WRONG)
        # a refusal is raised after the transaction commits: its audit entry and the failure count
        # must stay (raising inside would roll both back)
        async with self.db.write() as session:
            refusal, account_id = await self._attempt(session, name, password, request_id)
        if refusal is not None:
            raise refusal
        signed = await self.current(account_id)
        if signed is None:  # disabled between the commit and this read
            raise SignInRefused(_WRONG)
        return signed

    async def _attempt(
        self, session: AsyncSession, name: str, password: str, request_id: str | None
    ) -> tuple[SignInRefused | None, int]:
        now = self.clock.now()
        account = await session.scalar(select(Account).where(Account.client_id == name).with_for_update())
        if account is None or not _may_sign_in(account):
            _verify(_DUMMY_HASH, password)  # the same cost as a known name
            stranger = Actor(id="console:anonymous", role="public", request_id=request_id)
            await audit.record(session, stranger, now, [_refused(name, "unknown_or_not_officer")])
            return SignInRefused(_WRONG), 0
        actor = (await principal_of(session, account)).actor(request_id)
        locked_until = account.signin_locked_until
        if locked_until is not None and locked_until > now:
            await audit.record(session, actor, now, [_refused(name, "locked")])
            return SignInLocked(locked_until, now), account.id
        assert account.password_hash is not None
        if not _verify(account.password_hash, password):
            return await self._failed(session, account, actor, "wrong_password", _WRONG), account.id
        if account.totp_enabled_at is not None:
            # the failures are forgiven only once the code is right too: a right password must not
            # buy another round of code guesses
            step = audit.Change("console.sign_in_password", "account", name, detail="second factor pending")
            await audit.record(session, actor, now, [step])
            return None, account.id
        account.signin_failures = 0
        account.signin_locked_until = None
        await audit.record(session, actor, now, [audit.Change("console.sign_in", "account", name)])
        return None, account.id

    async def _failed(
        self, session: AsyncSession, account: Account, actor: Actor, why: str, message: str
    ) -> SignInRefused:
        """One more failure of the account (a wrong password or code), audited; at the limit, locked."""
        now = self.clock.now()
        account.signin_failures += 1
        if account.signin_failures < self.policy.failures_before_lock:
            await audit.record(session, actor, now, [_refused(account.client_id, why)])
            return SignInRefused(message)
        until = now + dt.timedelta(seconds=self.policy.lock_seconds)
        account.signin_locked_until = until
        account.signin_failures = 0
        await audit.record(session, actor, now, [_refused(account.client_id, f"{why}_locked")])
        return SignInLocked(until, now)

    async def second_step(self, account_id: int, code: str, request_id: str | None = None) -> SignedIn:
        """The code after the password, for an account with the second factor on. A wrong code
        counts toward the lockout like a wrong password; a code of a step already used is refused."""
        async with self.db.write() as session:
            refusal = await self._code_attempt(session, account_id, code, request_id)
        if refusal is not None:  # after the commit, as in ``sign_in``
            raise refusal
        signed = await self.current(account_id)
        if signed is None:
            raise SignInRefused(_WRONG)
        return signed

    async def _code_attempt(
        self, session: AsyncSession, account_id: int, code: str, request_id: str | None
    ) -> SignInRefused | None:
        now = self.clock.now()
        account = await session.get(Account, account_id, with_for_update=True)
        if (
            account is None
            or not _may_sign_in(account)
            or account.totp_secret is None
            or account.totp_enabled_at is None
        ):
            return SignInRefused("请重新登录")
        actor = (await principal_of(session, account)).actor(request_id)
        locked_until = account.signin_locked_until
        if locked_until is not None and locked_until > now:
            await audit.record(session, actor, now, [_refused(account.client_id, "locked")])
            return SignInLocked(locked_until, now)
        step = matching_step(self.second_factor.box.open(account.id, account.totp_secret), code, now)
        if step is None:
            return await self._failed(session, account, actor, "wrong_code", "验证码不正确或已过期")
        if step <= (account.totp_last_step or -1):
            return await self._failed(session, account, actor, "code_replayed", "该验证码已使用过，请等待下一个验证码")
        account.totp_last_step = step
        account.signin_failures = 0
        account.signin_locked_until = None
        await audit.record(
            session, actor, now, [audit.Change("console.sign_in", "account", account.client_id, detail="second_factor")]
        )
        return None

    async def sign_out(self, actor: Actor) -> None:
        async with self.db.write() as session:
            await audit.record(
                session, actor, self.clock.now(), [audit.Change("console.sign_out", "account", actor.id)]
            )

    async def change_password(self, actor: Actor, current: str, new: str, repeated: str) -> str:
        """The person's own new password; every other session of the account ends. Returns the
        new password stamp (``SignedIn.password_stamp``)."""
        problems = []
        if new != repeated:
            problems.append(FieldProblem("repeated", "mismatch", "两次输入的新密码不一致", "the passwords differ"))
        if len(new) < self.policy.password_min_length:
            n = self.policy.password_min_length
            problems.append(FieldProblem("new", "min_length", f"新密码至少 {n} 个字符", f"at least {n} characters"))
        elif len(new) > PASSWORD_MAX:
            problems.append(
                FieldProblem("new", "max_length", f"新密码最多 {PASSWORD_MAX} 个字符", f"at most {PASSWORD_MAX}")
            )
        elif actor.id.lower() in new.lower():
            problems.append(FieldProblem("new", "contains_name", "新密码不能包含用户名", "must not contain the name"))
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.get(Account, actor.account_id, with_for_update=True)
            if account is None or not account.active or account.password_hash is None:
                raise SignInRefused("账号不可用，请重新登录")
            if len(current) > PASSWORD_MAX or not _verify(account.password_hash, current):
                problems.insert(0, FieldProblem("current", "wrong", "当前密码错误", "the current password is wrong"))
            elif not problems and _verify(account.password_hash, new):
                problems.append(FieldProblem("new", "unchanged", "新密码不能与当前密码相同", "must differ"))
            if problems:
                raise ValidationFailed(problems)
            account.password_hash = stored = _hasher.hash(new)
            account.password_must_change = False
            account.password_changed_at = now
            account.updated_at = now
            await audit.record(session, actor, now, [audit.Change("console.password_change", "account", actor.id)])
        return password_stamp(stored)

    async def password_is(self, actor: Actor, password: str) -> bool:
        """Whether ``password`` is the officer's (to confirm a sensitive step of a signed-in person)."""
        async with self.db.read() as session:
            account = await session.get(Account, actor.account_id)
        stored = account.password_hash if account is not None else None
        return stored is not None and len(password) <= PASSWORD_MAX and _verify(stored, password)

    async def current(self, account_id: int) -> SignedIn | None:
        """The account as a session sees it on each request: None once disabled or not an officer."""
        async with self.db.read() as session:
            account = await session.get(Account, account_id)
            if account is None or not account.active or account.kind != "officer" or account.password_hash is None:
                return None
            principal = await principal_of(session, account)
            authority = await session.get(Authority, account.authority_id) if account.authority_id else None
        area_code = authority.division_code if authority is not None else None
        division = lookup_division(area_code) if area_code and area_code != "000000" else None
        return SignedIn(
            principal=principal,
            name=account.name,
            authority_name=authority.name if authority is not None else None,
            area_code=area_code,
            area_name=division.name if division is not None else ("全国" if area_code == "000000" else None),
            must_change=account.password_must_change,
            password_changed_at=account.password_changed_at,
            second_factor=account.totp_enabled_at is not None,
            password_stamp=password_stamp(account.password_hash),
        )


def password_stamp(stored: str) -> str:
    return hashlib.sha256(stored.encode()).hexdigest()[:32]


def _may_sign_in(account: Account) -> bool:
    return (
        account.active
        and account.kind == "officer"
        and account.role in CONSOLE_ROLES
        and account.password_hash is not None
    )


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _refused(name: str, why: str) -> audit.Change:
    return audit.Change("console.sign_in", "account", name, outcome="denied", detail=why)

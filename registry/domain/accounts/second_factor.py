"""An optional second factor for console sign-in: TOTP (RFC 6238, SHA-1, 6 digits, 30 s, as every
authenticator app reads it), with pyotp.

The shared secret is stored encrypted (AES-256-GCM under a key derived from the deployment's data
key, bound to the account's row, so a copied column opens nowhere else) and never audited. A code
is accepted one step either side of now (clock drift), and each time step once: the last accepted
step is kept, so a code seen over a shoulder or replayed from a log is refused within its window.
Wrong codes at sign-in count toward the same per-account lockout as wrong passwords.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import os
from dataclasses import dataclass

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from registry.db.engine import Database
from registry.db.models import Account
from registry.domain import audit
from registry.domain.actors import Actor
from registry.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from registry.lib.clock import Clock

#: the name authenticator apps show above the code
ISSUER = "安全生产诚信登记"
STEP_SECONDS = 30
#: steps either side of now that are still accepted (a phone's clock a little off)
DRIFT_STEPS = 1


def derive_key(data_key: bytes) -> bytes:
    """The secrets' key, derived from the deployment's data key (``REGISTRY_PERSON_ID_KEY``):
    one secret for operators to keep, and no key reused for two purposes."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"registry console totp v1").derive(data_key)


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, account_id: int, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), _aad(account_id))
        return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, account_id: int, stored: str) -> str:
        raw = base64.urlsafe_b64decode(stored.removeprefix("v1:"))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], _aad(account_id)).decode()
        except InvalidTag as exc:
            raise RuntimeError(f"the second-factor secret of account {account_id} does not open") from exc


def _aad(account_id: int) -> bytes:
    return f"accounts.totp_secret:{account_id}".encode()


def step_of(at: dt.datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code ``code`` is, within the drift allowed, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = step_of(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):  # all compared: no early exit
            found = step
    return found


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and as a QR code (inline SVG)."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self) -> str:
        return str(
            segno.make(self.uri, error="m").svg_inline(
                scale=5, dark="#000", light="#fff", title="双重验证设置二维码", svgclass="qr"
            )
        )


def _wrong_code(fld: str = "code") -> ValidationFailed:
    return ValidationFailed([FieldProblem(fld, "wrong_code", "验证码不正确或已过期", "the code is wrong or expired")])


class SecondFactor:
    """Enrolment, disabling and the admin's reset; the sign-in check is ``ConsoleSignIn.second_step``."""

    def __init__(self, db: Database, clock: Clock, box: SecretBox) -> None:
        self.db = db
        self.clock = clock
        self.box = box

    async def begin(self, actor: Actor) -> Enrolment:
        """A new secret for the signed-in officer, kept (sealed) until a code confirms it; a
        second factor already on must be disabled first."""
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.get(Account, actor.account_id, with_for_update=True)
            if account is None:
                raise NotFound("账号不存在 / no such account")
            if account.totp_enabled_at is not None:
                raise Conflict("双重验证已启用，须先停用再重新设置 / the second factor is on: disable it first")
            secret = pyotp.random_base32()
            account.totp_secret = self.box.seal(account.id, secret)
            account.totp_last_step = None
            account.updated_at = now
            await audit.record(session, actor, now, [audit.Change("console.totp_begin", "account", account.client_id)])
            return Enrolment(secret, _uri(secret, account.client_id))

    async def pending(self, actor: Actor) -> Enrolment | None:
        """The enrolment under way (its QR shown again after a wrong code), if there is one."""
        async with self.db.read() as session:
            account = await session.get(Account, actor.account_id)
        if account is None or account.totp_secret is None or account.totp_enabled_at is not None:
            return None
        secret = self.box.open(account.id, account.totp_secret)
        return Enrolment(secret, _uri(secret, account.client_id))

    async def confirm(self, actor: Actor, code: str) -> None:
        """Turn the second factor on with a code of the new secret (proof the app has it)."""
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.get(Account, actor.account_id, with_for_update=True)
            if account is None or account.totp_secret is None or account.totp_enabled_at is not None:
                raise Conflict("没有进行中的双重验证设置 / no enrolment under way")
            step = matching_step(self.box.open(account.id, account.totp_secret), code, now)
            if step is not None:
                account.totp_enabled_at = now
                account.totp_last_step = step
                account.updated_at = now
            change = audit.Change(
                "console.totp_enable",
                "account",
                account.client_id,
                outcome="ok" if step is not None else "denied",
                detail=None if step is not None else "wrong_code",
            )
            await audit.record(session, actor, now, [change])
        if step is None:  # raised after the commit: the refusal's audit entry stays
            raise _wrong_code()

    async def disable(self, actor: Actor, password_ok: bool, code: str) -> None:
        """Turn it off: the password (checked by the caller) and a fresh code, both."""
        now = self.clock.now()
        problems: list[FieldProblem] = []
        async with self.db.write() as session:
            account = await session.get(Account, actor.account_id, with_for_update=True)
            if account is None or account.totp_enabled_at is None or account.totp_secret is None:
                raise Conflict("双重验证未启用 / the second factor is off")
            if not password_ok:
                problems.append(FieldProblem("password", "wrong", "密码错误", "the password is wrong"))
            step = matching_step(self.box.open(account.id, account.totp_secret), code, now)
            if step is None or step <= (account.totp_last_step or -1):
                problems += _wrong_code().problems
            if not problems:
                clear(account, now)
            change = audit.Change(
                "console.totp_disable",
                "account",
                account.client_id,
                outcome="denied" if problems else "ok",
                detail=",".join(p.field for p in problems) or None,
            )
            await audit.record(session, actor, now, [change])
        if problems:
            raise ValidationFailed(problems)

    async def reset(self, actor: Actor, client_id: str) -> bool:
        """An administrator's reset (a lost phone): off, the officer enrols again. True if it was on."""
        now = self.clock.now()
        async with self.db.write() as session:
            account = await session.scalar(select(Account).where(Account.client_id == client_id).with_for_update())
            if account is None:
                raise NotFound(f"账号 {client_id} 不存在 / no account {client_id}")
            was_on = account.totp_enabled_at is not None
            clear(account, now)
            after = {"was_enabled": was_on}
            await audit.record(
                session, actor, now, [audit.Change("account.totp_reset", "account", client_id, None, after)]
            )
        return was_on


def clear(account: Account, now: dt.datetime) -> None:
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    account.updated_at = now


def _uri(secret: str, client_id: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=client_id, issuer_name=ISSUER)

"""Accounts of systems and officers; secrets only as slow (Argon2id) hashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base


class Officer(Base):
    """A person who acts for an authority. Maker-checker compares these, not accounts: one person
    may hold several accounts (a desk and a laptop, two authorities), and is still one officer."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    #: ``system`` (a partner's machine) or ``officer`` (a person); maker-checker counts officers
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    #: the person behind an officer account (set for every ``officer`` account, None for systems)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: bumped to revoke every token issued before
    token_version: Mapped[int] = mapped_column(default=1)
    #: the revocation sequence number of the account's latest revocation (secret reset, disable);
    #: numbers are handed out under the audit chain's lock, so in commit order, and a worker that
    #: has seen n has seen every revocation up to n (registry.domain.accounts.revocations)
    revocation_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0", index=True)
    #: the console password of an officer account (Argon2id), apart from the client secret
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: a first (or reset) password, to be changed at the next sign-in
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: sessions opened before this time end (a changed password signs the other sessions out)
    password_changed_at: Mapped[dt.datetime | None]
    #: failed console sign-ins in a row; at the limit the account is locked until ``signin_locked_until``
    signin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    signin_locked_until: Mapped[dt.datetime | None]
    #: the TOTP secret of the optional second factor, sealed (registry.domain.accounts.second_factor);
    #: set and not yet enabled while an enrolment waits for its first code
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled_at: Mapped[dt.datetime | None]
    #: the last time step whose code was accepted: a code is good once
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

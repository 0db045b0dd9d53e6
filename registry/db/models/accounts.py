"""Accounts of systems and officers; secrets only as slow (Argon2id) hashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base


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
    active: Mapped[bool] = mapped_column(default=True)
    #: bumped to revoke every token issued before
    token_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

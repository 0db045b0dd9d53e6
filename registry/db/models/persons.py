"""Persons: the full resident id is never stored, only a keyed hash and a masked form."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class PersonRole(Base):
    """A person's role in an enterprise (法定代表人, 主要负责人 ...) for a period."""

    __tablename__ = "person_roles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    recorded_at: Mapped[dt.datetime]

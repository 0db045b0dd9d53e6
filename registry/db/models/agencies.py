"""Intermediary agencies (安全评价、认证、检测、检验、标准化评审): an agency profile of a registered entity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), unique=True)
    kinds: Mapped[list[Any]]
    created_at: Mapped[dt.datetime]


class AgencyQualification(Base):
    __tablename__ = "agency_qualifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agency_id: Mapped[int] = mapped_column(BigId, ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    certificate_no: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    recorded_at: Mapped[dt.datetime]

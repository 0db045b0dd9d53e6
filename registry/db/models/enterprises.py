"""The enterprise register (一企一档): current projection plus append-only name and alias history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId


class Enterprise(Base):
    """Current state of a legal entity; every change is in ``audit_entries`` with before/after."""

    __tablename__ = "enterprises"
    __table_args__ = (
        # division subtree searches walk this in USCC order (keyset pages need no sort)
        Index("ix_enterprises_division_uscc", "division_code", "uscc"),
        Index("ix_enterprises_industry_division", "industry", "division_code"),
        # whether a report's as_of is past every registration (the report summary answers it)
        Index("ix_enterprises_created_at", "created_at"),
        # the reports read industry, scale and registration time of a whole subtree: index-only
        Index(
            "ix_enterprises_division_report",
            "division_code",
            postgresql_include=["id", "industry", "scale", "created_at"],
            info={"postgresql_only": True},
        ),
        # name fragment search at national scale; PostgreSQL only (see registry.db.migrate.check)
        Index(
            "ix_enterprises_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
            info={"postgresql_only": True},
        ),
        # two-character fragments, which have no trigram (migration 0009; PostgreSQL only)
        Index(
            "ix_enterprises_name_bigrams",
            text("registry_name_bigrams(name)"),
            postgresql_using="gin",
            info={"postgresql_only": True},
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: location (所在地) used for jurisdiction; may differ from ``reg_division`` (USCC 3-8)
    division_code: Mapped[str] = mapped_column(String(6))
    reg_division: Mapped[str] = mapped_column(String(6))
    industry: Mapped[str] = mapped_column(String(32))
    scale: Mapped[str] = mapped_column(String(16))
    parent_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: identifier and division flags kept from validation (warnings, not rejections)
    flags: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(default=1)
    #: seq of the unit's latest row in subject_changes (0: none), kept by ``changes.record`` in the
    #: writing transaction: answers read it with the unit instead of querying the change log. In
    #: no index, so its updates can be HOT (the table's fillfactor is 90 on PostgreSQL, 0015)
    data_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class EnterpriseName(Base):
    __tablename__ = "enterprise_names"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date | None]
    recorded_at: Mapped[dt.datetime]


class EnterpriseAlias(Base):
    """Pre-2015 identifiers: 15-digit 注册号 and 9-character 组织机构代码."""

    __tablename__ = "enterprise_aliases"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime]


class OperatingDivision(Base):
    __tablename__ = "enterprise_operating_divisions"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6), primary_key=True, index=True)

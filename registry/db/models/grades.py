"""Standardization grades (安全生产标准化等级). ``grade_steps`` is the append-only record of every
step (who, when, what); ``grades`` is the projection of those steps that queries read, with a
version for optimistic locking. The partial unique indexes keep one current grade and one
application in progress per enterprise, whatever two officers do at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId

PENDING = ("applied", "reviewed", "audited", "suspended")


class Grade(Base):
    __tablename__ = "grades"
    __table_args__ = (
        Index(
            "ux_grades_current",
            "enterprise_id",
            unique=True,
            sqlite_where=text("status = 'valid'"),
            postgresql_where=text("status = 'valid'"),
        ),
        Index(
            "ux_grades_pending",
            "enterprise_id",
            unique=True,
            sqlite_where=text("status IN ('applied', 'reviewed', 'audited', 'suspended')"),
            postgresql_where=text("status IN ('applied', 'reviewed', 'audited', 'suspended')"),
        ),
        Index("ix_grades_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(32))
    standard: Mapped[str] = mapped_column(String(200))
    procedure: Mapped[str] = mapped_column(String(16))
    grading_authority_id: Mapped[int] = mapped_column(Integer, ForeignKey("authorities.id"))
    status: Mapped[str] = mapped_column(String(16))
    #: the pending status a suspension interrupted (resumed to it)
    suspended_from: Mapped[str | None] = mapped_column(String(16))
    self_score: Mapped[float] = mapped_column(Float)
    self_assessed_on: Mapped[dt.date]
    applied_on: Mapped[dt.date]
    review_score: Mapped[float | None] = mapped_column(Float)
    reviewed_on: Mapped[dt.date | None]
    reviewer_enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    announcement_no: Mapped[str | None] = mapped_column(String(64))
    announced_on: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    renewal_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("grades.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("grades.id"))
    ended_on: Mapped[dt.date | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(40))
    #: the rectification deadline of annual-check findings still open (None when none are)
    findings_deadline: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class GradeStep(Base):
    __tablename__ = "grade_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    grade_id: Mapped[int] = mapped_column(BigId, ForeignKey("grades.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    #: the step's own date (review date, announcement date ...)
    on: Mapped[dt.date]
    data: Mapped[dict[str, Any]]
    status_after: Mapped[str] = mapped_column(String(16))
    authority_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("authorities.id"))
    actor: Mapped[str] = mapped_column(String(100))
    #: indexed: whether a report's ``as_of`` is past every recorded step (the summary answers it)
    recorded_at: Mapped[dt.datetime] = mapped_column(index=True)

"""Credit events: append-only (UPDATE and DELETE are refused by triggers). A correction is a new
row whose ``supersedes_id`` names the row it replaces; the unique constraint on that column makes
"superseded twice" impossible even for two officers correcting at the same moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId


class CreditEvent(Base):
    __tablename__ = "credit_events"
    __table_args__ = (
        # each ends in the list's order (occurred_on, id), so a page is read off the index in order
        Index("ix_credit_events_enterprise", "enterprise_id", "occurred_on", "id"),
        Index("ix_credit_events_person", "person_id", "occurred_on", "id"),
        Index("ix_credit_events_division", "division_code", "occurred_on", "id"),
        Index("ix_credit_events_kind", "kind", "occurred_on", "id"),
        Index("ix_credit_events_reference", "kind", "reference_no"),
        # the list's order (newest first): walked backwards for unfiltered and wide-area pages
        Index("ix_credit_events_occurred", "occurred_on", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    division_code: Mapped[str] = mapped_column(String(6))
    occurred_on: Mapped[dt.date]
    recording_authority_id: Mapped[int] = mapped_column(Integer, ForeignKey("authorities.id"))
    source_document: Mapped[str] = mapped_column(String(200))
    #: the document number that identifies the fact (penalty decision, order, judgment), indexed
    #: so "is this decision already recorded" is one index probe at national scale
    reference_no: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]
    #: effective accident grade (declared when higher, else computed), for the rules' queries
    accident_grade: Mapped[str | None] = mapped_column(String(20))
    links: Mapped[list[Any]]
    remarks: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_events.id"), unique=True)
    amendment: Mapped[str | None] = mapped_column(String(16))
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))

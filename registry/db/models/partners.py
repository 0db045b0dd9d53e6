"""What partners are told and what they report back, and the change sequence their feed reads.

``subject_changes``: one row per change to a subject's facts, decisions or grades, appended in the
writing transaction (append-only). Its ``seq`` is the change feed's cursor and, per subject, the
data version a signed answer was made from. ``partner_queries``: every answer given (who, which
subjects, which data versions, the hash of the JWS), written in batches. ``partner_feedback``:
measures applied, citing the request_id of the answer (append-only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId


class SubjectChange(Base):
    __tablename__ = "subject_changes"
    __table_args__ = (Index("ix_subject_changes_subject", "subject_key", "seq"),)

    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: "e:<enterprise id>" or "p:<person id>", as listings name subjects
    subject_key: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(18))
    person_id: Mapped[int | None] = mapped_column(BigId)
    #: what changed: enterprise, event, grade, listing, credit_repair (a penalty's publication ended)
    kind: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime]


class PartnerQuery(Base):
    __tablename__ = "partner_queries"
    __table_args__ = (Index("ux_partner_queries_request", "request_id", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36))
    client: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(32))
    #: [[uscc, data_version or null], ...] in the order asked
    subjects: Mapped[list[Any]]
    #: SHA-256 of the compact JWS the client received (hex)
    jws_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime]


class PartnerFeedback(Base):
    __tablename__ = "partner_feedback"
    __table_args__ = (Index("ix_partner_feedback_request", "request_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36))
    client: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(32))
    uscc: Mapped[str] = mapped_column(String(18))
    measure: Mapped[str] = mapped_column(String(64))
    #: what the department did: restricted, refused, reduced, noted, other
    handle_type: Mapped[str] = mapped_column(String(16))
    executed_at: Mapped[dt.datetime]
    officer: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(200))
    remark: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime]

"""Full rule re-evaluation (issue 22): each unit's last evaluated decision, the runs that walk the
register, and the decisions a run found changed (for the bureaus).

``decision_digests`` holds one row per enterprise: the SHA-256 of the canonical JSON of its
decision's outcomes and the short summary a bureau reads (rules fired, outcomes with their dates).
A run walks enterprises in id order in slices (one per worker process); each slice's cursor (the
last enterprise id done) moves in the same transaction as its batch's digests and changes, so a
run killed mid-way resumes exactly where its last batch committed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId


class DecisionDigest(Base):
    __tablename__ = "decision_digests"

    #: the enterprise (no foreign key: written in bulk, 3.2 million rows)
    enterprise_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    #: SHA-256 (hex) over the sorted hashes of the rulesets the run evaluated with
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the canonical JSON of the decision's outcomes
    digest: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]]
    evaluated_at: Mapped[dt.datetime]


class ReevaluationRun(Base):
    __tablename__ = "reevaluation_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: division-code prefix of the units walked ("" = the whole register)
    division: Mapped[str] = mapped_column(String(6))
    #: the day the rules were evaluated as of (a resumed run keeps it)
    as_of: Mapped[dt.date]
    #: no unit of the area had a digest when the run started: everything stored, nothing listed
    first: Mapped[bool] = mapped_column(Boolean)
    workers: Mapped[int] = mapped_column(Integer)
    #: the lowest unit id not yet done across the slices (the slices hold the exact cursors)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    changed: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(BigInteger, default=0)


class ReevaluationSlice(Base):
    """A contiguous id range of a run, walked by one worker: ids in (``cursor``, ``id_to``]."""

    __tablename__ = "reevaluation_slices"

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("reevaluation_runs.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id_to: Mapped[int] = mapped_column(BigInteger)
    #: the last enterprise id done (the slice starts after it)
    cursor: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    changed: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(BigInteger, default=0)
    finished_at: Mapped[dt.datetime | None]


class DecisionChange(Base):
    __tablename__ = "decision_changes"
    __table_args__ = (
        # a bureau's page: its area's changes of a run in unit order
        Index("ix_decision_changes_run_division", "run_id", "division_code", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("reevaluation_runs.id"))
    enterprise_id: Mapped[int] = mapped_column(BigId)
    division_code: Mapped[str] = mapped_column(String(6))
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]

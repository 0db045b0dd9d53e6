"""Listings (名单管理): decisions to list a subject, their removal, credit repair, and bans.

``listing_steps`` is the append-only record of every step (who, when, what); ``listings`` is the
projection that queries read, with a version for optimistic locking. The partial unique index
keeps one open listing (proposed, notified or listed) per subject and list type, whatever two
officers do at once. ``repair_applications`` are the credit-repair applications (信用修复) of a
listing; their steps are in ``listing_steps`` too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base, BigId

OPEN = ("proposed", "notified", "listed")
_OPEN_SQL = "status IN ('proposed', 'notified', 'listed')"


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        Index(
            "ux_listings_open",
            "subject_key",
            "list_type",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_listings_division", "division_code", "id"),
        Index("ix_listings_status_expires", "status", "expires_on"),
        Index("ix_listings_subject", "subject_key", "id"),
        Index("ix_listings_authority", "deciding_authority_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: SERIOUS_DISHONEST_2023 ... or OCCUPATIONAL_BAN / INDUSTRY_BAN (registry.domain.listings.types)
    list_type: Mapped[str] = mapped_column(String(32))
    #: listing cases (11-1 ... 11-9) or the ban's outcome code
    criteria: Mapped[list[Any]]
    subject_type: Mapped[str] = mapped_column(String(16))
    #: "e:<enterprise id>" or "p:<person id>": one column for the one-open-listing index
    subject_key: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    #: where the subject is (a unit's registered division; a person's, that of the conduct)
    division_code: Mapped[str] = mapped_column(String(6))
    #: the authority that imposed the penalty behind the listing (谁处罚、谁决定、谁负责)
    deciding_authority_id: Mapped[int] = mapped_column(Integer, ForeignKey("authorities.id"))
    status: Mapped[str] = mapped_column(String(16))
    #: "rules" (a rule decision, cited in ``because``) or "manual" (case 9, with written reasons)
    source: Mapped[str] = mapped_column(String(8))
    #: the unit listing a person's listing was proposed with
    related_listing_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("listings.id"))
    reasons: Mapped[str | None] = mapped_column(Text)
    #: legal bases (code, doc_no, article, tag, verified) and the rules that fired, as proposed
    basis: Mapped[list[Any]]
    because: Mapped[list[Any]]
    #: credit event ids the listing rests on (the penalty among them)
    evidence: Mapped[list[Any]]
    #: the term in calendar months (None: for life)
    term_months: Mapped[int | None] = mapped_column(Integer)
    #: the day the rule decision says the term runs from (bans: the end of the sentence)
    rule_start: Mapped[dt.date | None]
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_on: Mapped[dt.date]
    notice_no: Mapped[str | None] = mapped_column(String(100))
    notice_served_on: Mapped[dt.date | None]
    statement_deadline: Mapped[dt.date | None]
    statement_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    objection_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a decision awaiting the second officer: remove, grant_repair, revoke_repair
    pending_action: Mapped[str | None] = mapped_column(String(16))
    pending_data: Mapped[dict[str, Any] | None]
    pending_by: Mapped[str | None] = mapped_column(String(100))
    decision_no: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[dt.date | None]
    approved_by: Mapped[str | None] = mapped_column(String(100))
    effective_on: Mapped[dt.date | None]
    #: the last day of the term (None: for life, or not decided)
    expires_on: Mapped[dt.date | None]
    published_on: Mapped[dt.date | None]
    published_channels: Mapped[list[Any]]
    removed_on: Mapped[dt.date | None]
    removal_type: Mapped[str | None] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class ListingStep(Base):
    __tablename__ = "listing_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    listing_id: Mapped[int] = mapped_column(BigId, ForeignKey("listings.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    on: Mapped[dt.date]
    data: Mapped[dict[str, Any]]
    status_after: Mapped[str] = mapped_column(String(16))
    authority_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("authorities.id"))
    actor: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime]


class RepairApplication(Base):
    __tablename__ = "repair_applications"
    __table_args__ = (
        Index(
            "ux_repair_pending",
            "listing_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    listing_id: Mapped[int] = mapped_column(BigId, ForeignKey("listings.id"), index=True)
    applied_on: Mapped[dt.date]
    commitment: Mapped[str] = mapped_column(Text)
    #: documents the applicant gave (title, reference), kept as evidence
    evidence: Mapped[list[Any]]
    #: the conditions as checked on application (code, held, zh, en)
    checks: Mapped[list[Any]]
    #: pending, refused, granted, revoked
    status: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[dt.date | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    revoked_on: Mapped[dt.date | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class LogEntry(Base):
    """The history log: one canonical JSON entry per decision (listing, removal, restoration,
    grade change), in the order they committed. The signing step builds its Merkle tree over
    ``body`` exactly as stored (RFC 9162 leaf = these bytes)."""

    __tablename__ = "log_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(40))
    #: RFC 8785 canonical JSON of the entry
    body: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime]


class LogTile(Base):
    """A full level-0 tile of the log's tree (issue 22): leaves ``256 * number`` to ``256 * number +
    255``, written once by whichever process first finds it full (registry.domain.transparency),
    never changed. Workers keep only the roots in memory and read a tile's hashes when an answer
    needs them (registry.signing.tiled)."""

    __tablename__ = "log_tiles"

    number: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    #: the tile's Merkle root (the log's subtree of its 256 leaves)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    #: the 256 leaf hashes, 32 bytes each
    hashes: Mapped[bytes] = mapped_column(LargeBinary)
    #: the ``log_entries`` ids of its first and last leaf
    first_id: Mapped[int] = mapped_column(BigInteger)
    last_id: Mapped[int] = mapped_column(BigInteger)
    #: the 256 ids (8 bytes each, big-endian) when they are not ``first_id..last_id`` without a gap
    ids: Mapped[bytes | None] = mapped_column(LargeBinary)


class IdempotencyRecord(Base):
    """The first answer to a state-changing request sent with an ``Idempotency-Key``, written in
    the same transaction as the change it answers, so a retry can only ever see both or neither."""

    __tablename__ = "idempotency_records"
    __table_args__ = (Index("ux_idempotency_client_key", "client", "key", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the request (method, path, body): the same key with another request is refused
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]

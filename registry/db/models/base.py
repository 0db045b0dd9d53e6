"""Declarative base shared by every table; naming convention so migrations name constraints stably."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.base import convention
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

#: 64-bit keys on PostgreSQL (national scale); SQLite only auto-numbers a plain INTEGER key
BigId = BigInteger().with_variant(Integer(), "sqlite")

#: JSON on SQLite, JSONB on PostgreSQL (indexable, compact)
Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=convention)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: DateTimeUTC(timezone=True),
        dict[str, Any]: Json,
        list[Any]: Json,
    }

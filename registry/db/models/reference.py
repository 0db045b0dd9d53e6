"""Reference data: work-safety authorities (bureaus) and the partner departments of 1001."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base


class Authority(Base):
    """A work-safety bureau (安监局 / 应急管理局) at one level, covering one division subtree."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GB/T 2260 code of the area it covers; the national authority uses 000000
    division_code: Mapped[str] = mapped_column(String(6), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class AuthorityName(Base):
    """Name history (安全生产监督管理局 -> 应急管理局); rows are only appended."""

    __tablename__ = "authority_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the previous name ends where the next begins
    valid_from: Mapped[dt.date | None]


class Department(Base):
    """A partner department of the 2016 memorandum, under today's name, with its predecessors."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    #: [{"name": "国家安全生产监督管理总局", "until": "2018-03"}...]
    predecessors: Mapped[list[Any]]
    #: the names under which it signed 发改财金〔2016〕1001号
    signatory_2016: Mapped[list[Any]]

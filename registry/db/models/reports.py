"""The report summary (issue 21): per area, industry, scale flag, grade level, kind and day, the
change in a count that day, kept in the transaction of every write that changes it (grade steps,
enterprise registration and moves; ``registry.db.report_summary``), so it never disagrees with the
facts. A count on a day is the sum of its changes up to that day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.models.base import Base


class ReportSummary(Base):
    __tablename__ = "report_summary"

    #: 0 the country (area ''), 1 a province (2 digits), 2 a prefecture (4 digits)
    depth: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    area: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    industry: Mapped[str] = mapped_column(String(32), primary_key=True)
    above_scale: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    #: the grade's level (1-3); 0 for a unit's registration
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: unit (registered), valid, review (under review), announced (当月完成: counted once)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

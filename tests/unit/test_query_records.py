"""The SQLite query-log writer writes each record as SQLAlchemy would (the models read it back):
the same timestamp text, JSON that loads to the same value."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from registry.db.models import PartnerQuery
from registry.domain.partners.recorder import json_text, sqlite_time

DIALECT = sqlite.dialect()
COLUMNS = PartnerQuery.__table__.c


def bind(column: str, value: object) -> object:
    process = COLUMNS[column].type.dialect_impl(DIALECT).bind_processor(DIALECT)
    return value if process is None else process(value)


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5))]),
    )
)
def test_times_are_written_as_sqlalchemy_writes_them(at: dt.datetime) -> None:
    assert sqlite_time(at) == bind("recorded_at", at)


def test_subjects_are_json_that_loads_the_same() -> None:
    subjects = [["91410103MA00000000", 12], ["9141010300000000XX", 0], ["bad input «»", None]]
    assert json.loads(json_text(subjects)) == json.loads(str(bind("subjects", subjects))) == subjects

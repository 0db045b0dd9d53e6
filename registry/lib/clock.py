"""Time comes from a clock object so services and tests agree on "now" (rules take no clock at all)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

#: China Standard Time: calendar dates of decisions, deadlines and terms are Beijing dates
CST = dt.timezone(dt.timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock tests can set and move."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


def beijing_date(at: dt.datetime) -> dt.date:
    """The calendar date in Beijing of an instant: the day a person means when they give none
    (between 00:00 and 08:00 Beijing time the UTC date is still yesterday)."""
    return at.astimezone(CST).date()


def today(clock: Clock) -> dt.date:
    """The calendar date in Beijing, which is what a 3-year term or a birth date is counted in."""
    return beijing_date(clock.now())


def beijing_text(value: str | dt.datetime) -> str:
    """A time as a person in China reads it: ``2026-11-26T04:00:00Z`` -> ``2026-11-26 12:00:00（北京时间）``.
    Text that is not an RFC 3339 time is returned as it is."""
    if isinstance(value, str):
        try:
            at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        at = value
    if at.tzinfo is None:
        return str(value)
    return at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"


def utc_text(at: dt.datetime) -> str:
    """RFC 3339 in UTC to the second, as every signed payload writes times (``2026-11-26T04:00:00Z``)."""
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

"""A clock a test moves from outside the process (browser tests: past a statement period while the
server runs). TEST ONLY: ``Settings.from_env`` refuses ``REGISTRY_TEST_CLOCK_FILE`` unless
``REGISTRY_TEST_MODE=1`` and never in production (docs/operations.md).

The file is read on every ``now()``; it holds one of
- nothing (missing or empty file): the system time;
- an instant in ISO 8601 with its offset: ``2026-12-20T02:00:00Z``, ``2026-12-20T10:00:00+08:00``;
- an offset from the system time: ``+10d``, ``-3h``, ``+90m``, ``+30s``, or a bare number of seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

_OFFSET = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*([dhms]?)")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "": 1.0}


def parse(text: str, system: dt.datetime) -> dt.datetime:
    """The instant the clock file's ``text`` means when the system time is ``system``."""
    text = text.strip()
    if not text:
        return system
    offset = _OFFSET.fullmatch(text)
    if offset is not None:
        return system + dt.timedelta(seconds=float(offset.group(1)) * _UNITS[offset.group(2)])
    try:
        at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"test clock file: {text[:60]!r} is neither an ISO instant with its offset nor an offset like +10d"
        ) from None
    if at.tzinfo is None:
        raise ValueError(f"test clock file: {text[:60]!r} has no UTC offset (write Z or +08:00)")
    return at.astimezone(dt.UTC)


class FileClock:
    """``now()`` is the system time moved by what the file says at that moment."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        system = dt.datetime.now(dt.UTC)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return system
        return parse(text, system)

"""Bilingual identifier errors and warnings.

Every rejection carries a stable dotted ``code`` so the API, the importers and the
tests can branch on it without parsing prose, plus a Chinese and an English
message for officers and logs. Messages name the rule that failed and, at most,
the offending character(s): identifiers of people must never be echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdWarning:
    """A rule that failed but must not block registration (the tables keep growing)."""

    code: str
    message_zh: str
    message_en: str


class IdentifierError(ValueError):
    """A malformed identifier; a ``ValueError`` so generic validation layers catch it."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        # All three go to ValueError.args so the exception survives pickling
        # (multiprocessing, task queues) with its fields intact.
        super().__init__(code, message_zh, message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}"

    def as_warning(self) -> IdWarning:
        """Downgrade to a warning where a caller chooses leniency."""
        return IdWarning(self.code, self.message_zh, self.message_en)


def show_char(char: str) -> str:
    """Quote one character safely: invisible or exotic ones are shown as U+XXXX."""
    if char.isascii() and char.isprintable() and not char.isspace():
        return f"“{char}”"
    return f"U+{ord(char):04X}"

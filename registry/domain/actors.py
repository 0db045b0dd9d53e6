"""Who is acting, and over which area: every service call carries an ``Actor``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.domain.identifiers import covers

ROLES = ("admin", "bureau", "partner", "public")
LEVELS = ("national", "provincial", "prefectural", "county")


@dataclass(frozen=True, slots=True)
class Actor:
    #: the account's client_id, ``cli:<user>`` or ``system:<job>``
    id: str
    role: str
    kind: str = "system"
    account_id: int | None = None
    authority_id: int | None = None
    authority_level: str | None = None
    #: division-code prefix of the area it may act in ("" = the whole country)
    jurisdiction: str | None = None
    department: str | None = None
    request_id: str | None = None

    def with_request(self, request_id: str) -> Actor:
        return Actor(
            self.id,
            self.role,
            self.kind,
            self.account_id,
            self.authority_id,
            self.authority_level,
            self.jurisdiction,
            self.department,
            request_id,
        )

    def may_act_on(self, division_codes: Iterable[str]) -> bool:
        """Admins act everywhere; a bureau where one of the subject's locations is in its subtree."""
        if self.role == "admin":
            return True
        if self.role != "bureau" or self.jurisdiction is None:
            return False
        return any(covers(self.jurisdiction, code) for code in division_codes)


def system_actor(job: str) -> Actor:
    return Actor(id=f"system:{job}", role="admin")

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
    #: the person behind an officer account (one person, one officer, however many accounts)
    officer_id: int | None = None

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
            self.officer_id,
        )

    @property
    def person(self) -> str:
        """Who acts, as the two-officer rule counts: the officer, else the account itself."""
        return person_key(self.id, self.officer_id)

    def may_act_on(self, division_codes: Iterable[str]) -> bool:
        """Admins act everywhere; a bureau where one of the subject's locations is in its subtree."""
        if self.role == "admin":
            return True
        if self.role != "bureau" or self.jurisdiction is None:
            return False
        return any(covers(self.jurisdiction, code) for code in division_codes)


def person_key(client_id: str, officer_id: int | None) -> str:
    return f"officer:{officer_id}" if officer_id is not None else client_id


def system_actor(job: str) -> Actor:
    return Actor(id=f"system:{job}", role="admin")

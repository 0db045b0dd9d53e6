"""The demo accounts: who each one is, what it may do, and their secrets kept stable.

A secret comes from the demo credentials file when it holds one (``registry.demo.credentials``),
so loading the demo again, or into a fresh database, leaves every documented command working;
only an account the file does not know yet gets a new random secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from registry.db.models import Account
from registry.domain.accounts.service import AccountService, NewAccount
from registry.errors import Conflict, InvalidClient


@dataclass(frozen=True, slots=True)
class DemoAccount:
    client_id: str
    role: str
    name: str
    #: what the account may do, for the people trying the demo (printed and written to the file)
    may: str
    kind: str = "system"
    level: str | None = None
    division: str | None = None
    department: str | None = None
    #: another demo account of the same officer (person)
    same_officer_as: str | None = None

    @property
    def label(self) -> str:
        if self.role == "bureau":
            return f"bureau {self.kind} · {self.level}" + (f" {self.division}" if self.division else "")
        if self.role == "partner":
            return f"partner · {self.department}"
        return self.role


_OFFICER = "proposes, notifies and decides listings, records facts and imports in its area"
_SECOND = "the second officer: approves what its colleague proposed (maker-checker)"
_PARTNER = "partner API: signed status answers, batches, the change feed and feedback, with the measures of"

DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(
        "demo-admin",
        "admin",
        "系统管理员（演示）",
        "reads the bureau API nationwide (rules, reference, log entries); a system account, so not an officer "
        "in the listing workflow (403 officer_required)",
    ),
    DemoAccount(
        "demo-national",
        "bureau",
        "应急管理部 officer A（演示）",
        "reads every area; " + _OFFICER + " (national)",
        "officer",
        "national",
    ),
    DemoAccount(
        "demo-henan", "bureau", "河南省应急管理厅 officer（演示）", _OFFICER, "officer", "provincial", "410000"
    ),
    DemoAccount(
        "demo-henan-b", "bureau", "河南省应急管理厅 officer B（演示）", _SECOND, "officer", "provincial", "410000"
    ),
    DemoAccount(
        "demo-zhengzhou-a", "bureau", "郑州市应急管理局 officer A（演示）", _OFFICER, "officer", "prefectural", "410100"
    ),
    DemoAccount(
        "demo-zhengzhou-b", "bureau", "郑州市应急管理局 officer B（演示）", _SECOND, "officer", "prefectural", "410100"
    ),
    DemoAccount(
        "demo-erqi",
        "bureau",
        "郑州市二七区应急管理局 officer（演示）",
        _OFFICER + " (二七区: the walkthrough's proposer)",
        "officer",
        "county",
        "410103",
    ),
    DemoAccount(
        "demo-erqi-b",
        "bureau",
        "郑州市二七区应急管理局 officer B（演示）",
        _SECOND + " (二七区: approves demo-erqi's listings)",
        "officer",
        "county",
        "410103",
    ),
    DemoAccount(
        # the same person as demo-erqi on a second device: one officer, so never the second officer
        "demo-erqi-mobile",
        "bureau",
        "郑州市二七区应急管理局 officer（演示，同一人的第二个账号）",
        "demo-erqi's second account (same person): may act as demo-erqi, but approving demo-erqi's own "
        "proposal is refused (422 same_officer)",
        "officer",
        "county",
        "410103",
        same_officer_as="demo-erqi",
    ),
    DemoAccount(
        "demo-shenzhen", "bureau", "深圳市应急管理局 officer（演示）", _OFFICER, "officer", "prefectural", "440300"
    ),
    DemoAccount(
        "demo-partner-mof",
        "partner",
        "财政部 政府采购系统（演示）",
        _PARTNER + " 财政部 (mof)",
        department="mof",
    ),
    DemoAccount(
        "demo-partner-nfra",
        "partner",
        "金融监管总局 系统（演示）",
        _PARTNER + " 金融监管总局 (nfra)",
        department="nfra",
    ),
    DemoAccount(
        "demo-partner-samr",
        "partner",
        "市场监管总局 系统（演示）",
        _PARTNER + " 市场监管总局 (samr)",
        department="samr",
    ),
]


async def ensure_accounts(services: Any, actor: Any, known: Mapping[str, str]) -> list[NewAccount]:
    """Every demo account exists and signs in with its secret in ``known`` (a new one if absent)."""
    return [await ensure_account(services, actor, spec, known.get(spec.client_id)) for spec in DEMO_ACCOUNTS]


async def ensure_account(services: Any, actor: Any, spec: DemoAccount, secret: str | None) -> NewAccount:
    """Create the account with ``secret`` (random when None), or give the existing one that secret
    unless it signs in with it already (then nothing changes: its tokens stay valid)."""
    accounts: AccountService = services.accounts
    secret = secret or secrets.token_urlsafe(32)
    officer_id = None
    if spec.same_officer_as:
        async with services.db.read() as session:
            officer_id = await session.scalar(
                select(Account.officer_id).where(Account.client_id == spec.same_officer_as)
            )
    try:
        return await accounts.create(
            actor,
            role=spec.role,
            name=spec.name,
            kind=spec.kind,
            level=spec.level,
            division=spec.division,
            department=spec.department,
            client_id=spec.client_id,
            officer_id=officer_id,
            secret=secret,
        )
    except Conflict:
        pass
    try:
        await accounts.authenticate(spec.client_id, secret)
    except InvalidClient:  # another secret (or disabled): set the kept one, old tokens stop working
        return await accounts.reset_secret(actor, spec.client_id, secret)
    return NewAccount(spec.client_id, secret, spec.role, spec.name)

"""The first admin account of a new installation, made from the deployment's own secret.

A container starts with an empty database and no one to create accounts: the entrypoint runs
``registry accounts first-admin``, which makes an admin account named by the operator with the
secret the operator put in a file (a Docker or Kubernetes secret). It is idempotent: when the
account exists (made before, or by another instance starting at the same moment) nothing is
changed, its secret least of all, so restarting a container never rotates or resets anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from registry.db.models import Account
from registry.domain.accounts.service import AccountService
from registry.domain.actors import Actor
from registry.errors import Conflict, FieldProblem, ValidationFailed

#: shortest secret accepted: an admin secret is a machine credential, not a memorable password
MIN_SECRET_CHARS = 16


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    client_id: str
    created: bool
    active: bool


def read_secret(path: Path | None, field: str) -> str:
    """The first line of ``path``, stripped; a problem naming ``field`` when it is missing or short."""
    if path is None:
        raise ValidationFailed([FieldProblem(field, "required", "未给出密钥文件", "no secret file given")])
    try:
        with path.open(encoding="utf-8") as f:
            secret = f.readline().strip()
    except OSError as exc:
        raise ValidationFailed(
            [
                FieldProblem(
                    field,
                    "unreadable",
                    f"密钥文件 {path} 无法读取（{exc.strerror}）",
                    f"the secret file {path} cannot be read ({exc.strerror})",
                )
            ]
        ) from None
    if len(secret) < MIN_SECRET_CHARS:
        raise ValidationFailed(
            [
                FieldProblem(
                    field,
                    "too_short",
                    f"密钥文件 {path} 第一行应为至少 {MIN_SECRET_CHARS} 个字符的密钥",
                    f"the first line of {path} must be a secret of at least {MIN_SECRET_CHARS} characters",
                )
            ]
        )
    return secret


async def ensure_first_admin(
    accounts: AccountService, actor: Actor, client_id: str, secret_file: Path | None, name: str, *, field: str
) -> FirstAdmin:
    """Create the admin account ``client_id`` with the secret in ``secret_file`` unless it exists.

    ``field`` names the setting that gave the file (for the message when it is missing or bad).
    The secret file is read only when an account is to be made."""
    if not client_id.strip():
        raise ValidationFailed([FieldProblem("client_id", "required", "未给出账号名", "no client id given")])
    existing = await _existing(accounts, client_id)
    if existing is not None:
        return FirstAdmin(client_id, created=False, active=existing)
    secret = read_secret(secret_file, field)
    try:
        await accounts.create(actor, role="admin", name=name, kind="system", client_id=client_id, secret=secret)
    except Conflict:  # another instance made it between the look and the write
        return FirstAdmin(client_id, created=False, active=bool(await _existing(accounts, client_id)))
    except Exception:
        # a unique-key race that reached the database: the account is there, made by the other one
        if await _existing(accounts, client_id) is None:
            raise
        return FirstAdmin(client_id, created=False, active=True)
    return FirstAdmin(client_id, created=True, active=True)


async def _existing(accounts: AccountService, client_id: str) -> bool | None:
    """None when there is no such account, else whether it is active."""
    async with accounts.db.read() as session:
        account = await session.scalar(select(Account).where(Account.client_id == client_id))
        return None if account is None else bool(account.active)

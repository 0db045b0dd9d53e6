"""``registry accounts first-admin``: the first admin of a new installation (container entrypoints).

Registered on the ``accounts`` group by registry/cli.py. The account name and the secret file come
from options or from ``REGISTRY_FIRST_ADMIN_ID`` / ``REGISTRY_FIRST_ADMIN_SECRET_FILE`` (and
``REGISTRY_FIRST_ADMIN_NAME``); the secret is never printed. An existing account is left as it is
(exit 0), so every start of a container may run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

ID_VAR = "REGISTRY_FIRST_ADMIN_ID"
SECRET_FILE_VAR = "REGISTRY_FIRST_ADMIN_SECRET_FILE"  # noqa: S105 - a variable name
NAME_VAR = "REGISTRY_FIRST_ADMIN_NAME"


@click.command("first-admin")
@click.option("--client-id", "client_id", envvar=ID_VAR, show_envvar=True, help="the admin account's name")
@click.option(
    "--secret-file",
    envvar=SECRET_FILE_VAR,
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="a file whose first line is the account's secret (at least 16 characters); read only when the account is made",
)
@click.option("--name", envvar=NAME_VAR, show_envvar=True, default="系统管理员", show_default=True)
def first_admin(client_id: str | None, secret_file: Path | None, name: str) -> None:
    """Create the first admin account unless it exists (then nothing changes; exit 0)."""
    from registry.cli import _cli_actor, _fail, _run, _with_services  # noqa: PLC0415
    from registry.domain.accounts.first_admin import ensure_first_admin  # noqa: PLC0415
    from registry.errors import RegistryError  # noqa: PLC0415

    if not client_id:
        click.echo(f"错误 / error: 未给出账号名 / no account name: set {ID_VAR} or give --client-id", err=True)
        raise SystemExit(2)
    field = "--secret-file" if secret_file is None else f"--secret-file / {SECRET_FILE_VAR}"

    async def go(services: Any) -> Any:
        return await ensure_first_admin(services.accounts, _cli_actor(), client_id, secret_file, name, field=field)

    try:
        done = _run(_with_services(go))
    except RegistryError as exc:
        _fail(exc)
        return
    if done.created:
        click.echo(f"已创建管理员账号 / admin account created: {done.client_id} (secret: from {secret_file})")
    else:
        state = "" if done.active else " (已停用 / disabled)"
        click.echo(f"管理员账号已存在，未改动 / admin account exists, left unchanged: {done.client_id}{state}")

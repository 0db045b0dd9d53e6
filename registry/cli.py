"""The ``registry`` command (DESIGN section 6 fixes these names and options)."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import msgspec

from registry.errors import FieldProblem, RegistryError, ValidationFailed
from registry.settings import Settings

T = TypeVar("T")


def _run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def _cli_actor() -> Any:
    from registry.domain.actors import Actor  # noqa: PLC0415

    return Actor(id=f"cli:{getpass.getuser()}", role="admin", kind="officer")


class _Stopped(click.ClickException):
    """One line on stderr, no traceback: what happened and what to do."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"错误 / error: {self.message}", file=file or sys.stderr)


async def _require_database(settings: Settings) -> None:
    """Stop with one line when the database is missing, unmigrated or unreachable, before anything
    (a signing key, an empty SQLite file) is made."""
    from registry.db.migrate import DatabaseNotReady, require_migrated  # noqa: PLC0415

    try:
        await require_migrated(settings.database.url)
    except DatabaseNotReady as exc:
        raise _Stopped(str(exc)) from None


def _development_key_banner(settings: Settings) -> None:
    """Said once by ``serve`` and ``demo`` (not by every command, nor by each worker)."""
    from registry.signing.keys import development_key_banner  # noqa: PLC0415

    if not settings.keys.passphrase:
        click.echo(development_key_banner(settings.keys.directory), err=True)


async def _with_services(fn: Callable[[Any], Awaitable[T]]) -> T:
    from registry.domain.container import build_services  # noqa: PLC0415

    settings = Settings.from_env()
    await _require_database(settings)
    services = build_services(settings)
    try:
        return await fn(services)
    finally:
        await services.close()


def _fail(exc: RegistryError) -> None:
    click.echo(f"错误 / error: {exc.detail}", err=True)
    if isinstance(exc, ValidationFailed):
        for p in exc.problems:
            click.echo(f"  - {p.field}: {p.message_zh} / {p.message_en}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """安全生产诚信登记系统 / work-safety credit and joint-punishment registry."""
    from registry.lib.logging import configure_logging  # noqa: PLC0415

    settings = Settings.from_env()
    configure_logging(settings.log_level, json=settings.log_json)


@main.group()
def db() -> None:
    """数据库迁移 / database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the SQLite file and its folder if needed)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    from registry.db.migrate import current_revision, upgrade  # noqa: PLC0415

    settings = Settings.from_env()
    if settings.database.is_sqlite and ":///" in settings.database.url:
        Path(settings.database.url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)

    async def go() -> str | None:
        engine = create_async_engine(settings.database.url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    where = make_url(settings.database.url).render_as_string(hide_password=True)
    click.echo(f"数据库已升级到 / database at revision {_run(go())}: {where}")


@db.command("check")
def db_check() -> None:
    """Verify that the models and the migrated schema agree (non-zero exit when they do not)."""
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    from registry.db.migrate import check  # noqa: PLC0415

    settings = Settings.from_env()

    async def go() -> list[str]:
        await _require_database(settings)
        engine = create_async_engine(settings.database.url)
        try:
            return await check(engine)
        finally:
            await engine.dispose()

    diffs = _run(go())
    for d in diffs:
        click.echo(d, err=True)
    if diffs:
        sys.exit(1)
    click.echo("模型与迁移一致 / models and migrations agree")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the service with Granian."""
    from granian import Granian  # noqa: PLC0415
    from granian.constants import Interfaces, Loops  # noqa: PLC0415

    from registry.signing.keys import load_key_ring  # noqa: PLC0415

    settings = Settings.from_env()
    _run(_require_database(settings))  # before a key is made: one line, not a traceback per worker
    # create the key before the workers start, so they all load the same one
    load_key_ring(settings.keys.directory, settings.keys.passphrase, production=settings.is_production)
    _development_key_banner(settings)
    Granian(
        "registry.app:create_app_from_env",
        address=host,
        port=port,
        workers=workers,
        factory=True,
        interface=Interfaces.ASGI,
        loop=Loops.auto,
        # SIGTERM: workers stop accepting, finish what is in flight, flush the query log (lifespan)
        workers_kill_timeout=settings.shutdown_seconds,
    ).serve()


@main.command()
@click.option("--size", type=click.Choice(["small", "national"]), default="small", show_default=True)
def demo(size: str) -> None:
    """Load demo data (idempotent); write the demo accounts' credentials to var/demo-credentials.json."""
    from registry.demo.credentials import (  # noqa: PLC0415
        CredentialsUnreadable,
        credentials_path,
        read_secrets,
        write_credentials,
    )
    from registry.demo.seed import load_demo  # noqa: PLC0415

    path = credentials_path(Settings.from_env())
    try:
        known = read_secrets(path)
    except CredentialsUnreadable as exc:
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(2)
    try:
        accounts = _run(_with_services(lambda s: load_demo(s, size, known)))
    except RegistryError as exc:
        _fail(exc)
        return
    _development_key_banner(Settings.from_env())
    write_credentials(path, accounts)
    _print_demo_accounts(path)


def _print_demo_accounts(path: Path) -> None:
    from registry.demo.accounts import DEMO_ACCOUNTS  # noqa: PLC0415

    click.echo(
        f"\n演示账号 / demo accounts: client_id and client_secret of each are in\n  {path.resolve()}\n"
        "  (仅本用户可读 mode 600；再次运行 registry demo 密钥不变 / kept across runs)\n"
        "取令牌 / a bearer token:  registry accounts token CLIENT_ID\n"
    )
    for spec in DEMO_ACCOUNTS:
        click.echo(f"  {spec.client_id:18} {spec.label:35} {spec.name}\n  {'':18} may: {spec.may}")


@main.group()
def accounts() -> None:
    """账号 / accounts."""


@accounts.command("create")
@click.option("--role", type=click.Choice(["admin", "bureau", "partner"]), required=True)
@click.option("--name", required=True)
@click.option("--division", default=None, help="GB/T 2260 code of the bureau's area")
@click.option("--level", type=click.Choice(["national", "provincial", "prefectural", "county"]), default=None)
@click.option("--department", default=None, help="partner department code, e.g. mof")
@click.option("--kind", type=click.Choice(["system", "officer"]), default="system", show_default=True)
@click.option(
    "--officer",
    "officer_id",
    type=int,
    default=None,
    help="with --kind officer: the officer (person) this account belongs to, as printed when their "
    "first account was made; default: a new officer",
)
@click.option(
    "--client-id",
    "client_id",
    default=None,
    help="the account's name (an officer signs in to the console with it); default: ROLE-<random>",
)
@click.option("--json", "as_json", is_flag=True, help='print only {"client_id": ..., "client_secret": ...}')
def accounts_create(
    role: str,
    name: str,
    division: str | None,
    level: str | None,
    department: str | None,
    kind: str,
    officer_id: int | None,
    client_id: str | None,
    as_json: bool,
) -> None:
    """Create an account; its secret is printed once and stored only as a hash. An officer account
    of a bureau or an admin also gets a first console password, to be changed at the first sign-in."""

    async def create(s: Any) -> tuple[Any, str | None]:
        new = await s.accounts.create(
            _cli_actor(),
            role=role,
            name=name,
            kind=kind,
            level=level,
            division=division,
            department=department,
            officer_id=officer_id,
            client_id=client_id,
        )
        console = kind == "officer" and role != "partner"
        return new, (await s.console.issue_password(_cli_actor(), new.client_id) if console else None)

    try:
        new, password = _run(_with_services(create))
    except RegistryError as exc:
        _fail(exc)
        return
    officer = {} if new.officer_id is None else {"officer_id": new.officer_id}
    first = {} if password is None else {"first_password": password}
    if as_json:
        click.echo(json.dumps({"client_id": new.client_id, "client_secret": new.client_secret, **officer, **first}))
    else:
        click.echo(
            f"client_id:     {new.client_id}\nclient_secret: {new.client_secret}\n"
            + (f"officer:       {new.officer_id}\n" if new.officer_id is not None else "")
            + (f"console password (change at first sign-in): {password}\n" if password else "")
            + "（密钥只显示这一次 / the secret is shown only once）"
        )


@accounts.command("token")
@click.argument("client_id", metavar="NAME")
@click.option(
    "--secret-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="a file whose first line is the account's secret; - reads it from stdin. "
    "Default for a demo account: the demo credentials file",
)
def accounts_token(client_id: str, secret_file: Any) -> None:
    """Print a bearer token (EdDSA JWT, REGISTRY_TOKEN_TTL_SECONDS) for the account NAME (its client_id).

    The account's secret is checked as POST /api/v1/auth/token checks it: from --secret-file, else,
    for a demo account, from the demo credentials file that `registry demo` wrote."""
    from registry.demo.credentials import CredentialsUnreadable, credentials_path, read_secrets  # noqa: PLC0415

    if secret_file is not None:
        secret = secret_file.readline().strip()
    else:
        path = credentials_path(Settings.from_env())
        try:
            secret = read_secrets(path).get(client_id, "")
        except CredentialsUnreadable as exc:
            click.echo(f"错误 / error: {exc}", err=True)
            sys.exit(2)
        if not secret:
            click.echo(
                f"错误 / error: {path} 中没有 {client_id} 的密钥 / no secret for {client_id} in {path}: "
                "give --secret-file FILE (or --secret-file - to read it from stdin)",
                err=True,
            )
            sys.exit(2)

    async def go(services: Any) -> str:
        principal = await services.accounts.authenticate(client_id, secret)
        return str(services.tokens.issue(principal)[0])

    try:
        click.echo(_run(_with_services(go)))
    except RegistryError as exc:
        _fail(exc)


@accounts.command("reset-password")
@click.argument("client_id")
def accounts_reset_password(client_id: str) -> None:
    """New first console password for an officer account (to change at the next sign-in); lifts a lock."""
    try:
        password = _run(_with_services(lambda s: s.console.issue_password(_cli_actor(), client_id)))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(f"client_id: {client_id}\nconsole password (change at first sign-in): {password}")


@accounts.command("reset-totp")
@click.argument("client_id")
def accounts_reset_totp(client_id: str) -> None:
    """Turn off an officer's console second factor (a lost phone); they may enrol again."""
    try:
        was_on = _run(_with_services(lambda s: s.console.second_factor.reset(_cli_actor(), client_id)))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(f"{client_id}: second factor {'turned off' if was_on else 'was not on'}")


@accounts.command("reset-secret")
@click.argument("client_id")
def accounts_reset(client_id: str) -> None:
    """New secret for an account; its existing tokens stop working."""
    try:
        new = _run(_with_services(lambda s: s.accounts.reset_secret(_cli_actor(), client_id)))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(f"client_id:     {new.client_id}\nclient_secret: {new.client_secret}")


@accounts.command("disable")
@click.argument("client_id")
def accounts_disable(client_id: str) -> None:
    """Disable an account: it signs in no more, and every worker refuses its tokens within seconds."""
    try:
        changed = _run(_with_services(lambda s: s.accounts.disable(_cli_actor(), client_id)))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(f"已停用 / disabled: {client_id}" if changed else f"早已停用 / already disabled: {client_id}")


@main.group()
def authorities() -> None:
    """监管机关 / work-safety authorities."""


@authorities.command("rename")
@click.argument("division")
@click.argument("name")
@click.option(
    "--from",
    "valid_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="date the new name applies from (YYYY-MM-DD; default today)",
)
def authorities_rename(division: str, name: str, valid_from: Any) -> None:
    """Record a new name for the authority of DIVISION; the old name stays in its history."""
    from registry.domain.accounts.authorities import rename_authority  # noqa: PLC0415

    async def go(services: Any) -> str:
        async with services.db.write() as session:
            authority = await rename_authority(
                session, _cli_actor(), services.clock.now(), division, name, valid_from.date() if valid_from else None
            )
            return str(authority.name)

    try:
        click.echo(f"已更名 / renamed: {_run(_with_services(go))}")
    except RegistryError as exc:
        _fail(exc)


#: ``--report FILE`` of every import command
_report_option = click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="write the full row-level report here: a table if FILE ends in .csv or .xlsx, JSON otherwise",
)


def _show_errors(report: Any, report_path: Path | None) -> None:
    """The first row errors of an import report on the terminal; all of them in ``--report FILE``."""
    for err in report.errors[:20]:
        click.echo(f"  row {err.row} {err.field}: {err.message_zh} / {err.message_en}")
    if len(report.errors) > 20:
        click.echo(f"  ... {len(report.errors) - 20} more (use --report FILE)")
    if report_path and report_path.suffix.lower() in (".csv", ".xlsx"):
        import typing  # noqa: PLC0415

        from registry.lib.spreadsheet import table_bytes  # noqa: PLC0415

        # the row errors echo cells of the uploaded file: written as safe cells (CSV injection)
        (error_type,) = typing.get_args(typing.get_type_hints(type(report))["errors"])
        header = list(error_type.__struct_fields__)
        rows = [[getattr(e, k) for k in header] for e in report.errors]
        report_path.write_bytes(table_bytes(report_path.suffix, header, rows, "errors"))
    elif report_path:
        report_path.write_bytes(msgspec.json.encode(report))


def _cli_upload_limits(services: Any) -> Any:
    """The upload limits without the row count and the time: the operator chose the file (a
    national register has millions of rows) and reads it as it is imported, with a progress bar."""
    import dataclasses  # noqa: PLC0415

    return dataclasses.replace(services.settings.uploads, max_rows=None, parse_seconds=None)


@main.group("import")
def import_() -> None:
    """批量导入 / bulk import."""


@import_.command("enterprises")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_report_option
@click.option(
    "--workers",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="processes checking the next rows while a batch is written (0: checked here, between writes); "
    "worth 1 or more on a machine with an idle core during a national load",
)
@click.option(
    "--initial",
    is_flag=True,
    help="a national first load into an empty register (PostgreSQL): one transaction, the indexes "
    "built after the rows; the register's tables are locked until it commits (docs/operations.md)",
)
def import_enterprises(file: Path, report_path: Path | None, workers: int, initial: bool) -> None:
    """Import enterprises from CSV or XLSX; good rows are upserted, bad rows reported."""
    from rich.progress import Progress  # noqa: PLC0415

    from registry.domain.imports.readers import read_upload  # noqa: PLC0415

    content = file.read_bytes()

    async def go(services: Any) -> Any:
        total, rows = read_upload(file.name, content, limits=_cli_upload_limits(services))
        with Progress(transient=False) as progress:
            task = progress.add_task(f"导入 / importing {file.name}", total=total or None)
            services.importer.workers = workers
            return await services.importer.run(_cli_actor(), rows, lambda n: progress.advance(task, n), initial=initial)

    try:
        report = _run(_with_services(go))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(
        f"rows {report.rows}  created {report.created}  updated {report.updated}  "
        f"unchanged {report.unchanged}  rejected {report.rejected}"
    )
    _show_errors(report, report_path)


@import_.command("events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--authority",
    "authority",
    default=None,
    help="division code of the recording authority, for rows without a recording_authority column",
)
@_report_option
def import_events(file: Path, authority: str | None, report_path: Path | None) -> None:
    """Import credit events from CSV or XLSX; good rows are recorded, bad rows reported."""
    from rich.progress import Progress  # noqa: PLC0415

    from registry.domain.imports.events import EVENT_COLUMNS  # noqa: PLC0415
    from registry.domain.imports.readers import Row, read_upload  # noqa: PLC0415

    content = file.read_bytes()

    def with_authority(rows: Any) -> Any:
        for row in rows:
            if authority and "recording_authority" not in row.values:
                yield Row(row.number, {**row.values, "recording_authority": authority}, row.columns)
            else:
                yield row

    async def go(services: Any) -> Any:
        total, rows = read_upload(file.name, content, columns=EVENT_COLUMNS, limits=_cli_upload_limits(services))
        with Progress(transient=False) as progress:
            task = progress.add_task(f"导入 / importing {file.name}", total=total or None)
            return await services.event_importer.run(
                _cli_actor(), with_authority(rows), lambda n: progress.advance(task, n)
            )

    try:
        report = _run(_with_services(go))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(f"rows {report.rows}  recorded {report.recorded}  rejected {report.rejected}")
    _show_errors(report, report_path)


@main.command()
def sweep() -> None:
    """Expire what is due (listings at the end of their term, grades past valid_until); idempotent,
    safe to run from cron beside the service's own background sweep."""
    done = _run(_with_services(lambda s: s.sweep()))
    click.echo(f"已到期 / expired: {done['listings']} listings, {done['grades']} grades")


@main.group()
def listings() -> None:
    """名单管理 / the listing workflow (the API does the rest: /api/v1/listings)."""


@listings.command("propose-batch")
@click.option("--officer", required=True, help="client_id of the proposing officer (a bureau officer account)")
@click.option("--division", help="only units in this division subtree (within the officer's area)")
@click.option("--dry-run", is_flag=True, help="report what the rules order, propose nothing")
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="write the report (JSON)"
)
def listings_propose_batch(officer: str, division: str | None, dry_run: bool, report_path: Path | None) -> None:
    """Propose every listing the rules order on today's stored facts for the officer's authority.

    Each proposal then goes through notice, statement period and a second officer's approval
    in the API, as any other. Units already listed or proposed are reported as skipped."""
    from rich.progress import Progress  # noqa: PLC0415
    from sqlalchemy import select  # noqa: PLC0415

    from registry.db.models import Account  # noqa: PLC0415
    from registry.domain.accounts.service import principal_of  # noqa: PLC0415
    from registry.domain.listings.batch import BatchReport, propose_batch  # noqa: PLC0415

    async def go(services: Any) -> BatchReport:
        async with services.db.read() as session:
            account = await session.scalar(select(Account).where(Account.client_id == officer))
            if account is None or not account.active or account.role != "bureau" or account.kind != "officer":
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "--officer",
                            "not_an_officer",
                            f"{officer} 不是有效的机关工作人员（officer）账户",
                            f"{officer} is not an active bureau officer account",
                        )
                    ]
                )
            actor = (await principal_of(session, account)).actor("cli-propose-batch")
        if division and actor.jurisdiction and not division.startswith(actor.jurisdiction):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "--division",
                        "outside_jurisdiction",
                        "区划超出该机关辖区",
                        "the division is outside the officer's area",
                    )
                ]
            )
        with Progress(transient=True) as progress:
            task = progress.add_task("评估 / evaluating", total=None)
            return await propose_batch(
                services.listings, actor, division, dry_run=dry_run, progress=lambda n: progress.advance(task, n)
            )

    try:
        report = _run(_with_services(go))
    except RegistryError as exc:
        _fail(exc)
        return
    click.echo(
        f"units {report.units}  proposed {len(report.proposed)}  skipped {len(report.skipped)}"
        f"  for review {len(report.for_review)}"
    )
    for row in report.proposed:
        click.echo(f"  + {row['uscc']} {row['list_type']} {row.get('listing_id', '(dry run)')}")
    for row in report.skipped:
        click.echo(f"  - {row['uscc']} {row['list_type']}: {row['reason']}")
    for row in report.for_review:
        criteria = ",".join(str(c) for c in row["criteria"])  # type: ignore[attr-defined]
        click.echo(f"  ? {row['uscc']} {row['code']} {criteria}: 仅供审查，未提议 / for review, not proposed")
    if report_path is not None:
        report_path.write_text(
            json.dumps(
                {
                    "units": report.units,
                    "proposed": report.proposed,
                    "skipped": report.skipped,
                    "for_review": report.for_review,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )


@main.group()
def verify() -> None:
    """离线验证 / verify answers, inclusion and consistency proofs offline (no server needed)."""


def _json_file(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _verified(check: Callable[[], str]) -> None:
    from registry.signing.verify import VerificationError  # noqa: PLC0415

    try:
        click.echo(f"通过 / OK: {check()}")
    except VerificationError as exc:
        click.echo(f"未通过 / FAILED: {exc}", err=True)
        sys.exit(1)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a file that is not what it claims
        click.echo(f"未通过 / FAILED: malformed input ({type(exc).__name__}: {exc})", err=True)
        sys.exit(1)


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@verify.command("answer")
@click.argument("answer", type=_FILE)
@click.option("--jwks", "jwks_path", type=_FILE, required=True, help="the JWKS (/.well-known/jwks.json)")
def verify_answer(answer: Path, jwks_path: Path) -> None:
    """A signed answer ({payload, jws}) against the JWKS."""
    from registry.signing import verify as v  # noqa: PLC0415

    _verified(lambda: f"signed payload with {len(v.answer(_json_file(answer), _json_file(jwks_path)))} members")


@verify.command("inclusion")
@click.argument("proof", type=_FILE)
@click.option("--checkpoint", "checkpoint_path", type=_FILE, required=True, help="a signed checkpoint")
@click.option("--jwks", "jwks_path", type=_FILE, required=True)
@click.option("--entry", "entry_path", type=_FILE, help="the entry's bytes (the `leaf` of /log/entries) to check too")
def verify_inclusion(proof: Path, checkpoint_path: Path, jwks_path: Path, entry_path: Path | None) -> None:
    """An inclusion proof (/api/v1/log/proof/inclusion) against a signed checkpoint of the same size."""
    from registry.signing import verify as v  # noqa: PLC0415

    leaf = entry_path.read_bytes() if entry_path is not None else None
    _verified(
        lambda: (
            f"leaf {v.inclusion(_json_file(proof), _json_file(checkpoint_path), _json_file(jwks_path), leaf)} "
            "is in the log"
        )
    )


@verify.command("consistency")
@click.argument("proof", type=_FILE)
@click.option("--old", "old_path", type=_FILE, required=True, help="the earlier signed checkpoint")
@click.option("--new", "new_path", type=_FILE, required=True, help="the later signed checkpoint")
@click.option("--jwks", "jwks_path", type=_FILE, required=True)
def verify_consistency(proof: Path, old_path: Path, new_path: Path, jwks_path: Path) -> None:
    """A consistency proof (/api/v1/log/proof/consistency) between two signed checkpoints."""
    from registry.signing import verify as v  # noqa: PLC0415

    def check() -> str:
        first, second = v.consistency(
            _json_file(proof), _json_file(old_path), _json_file(new_path), _json_file(jwks_path)
        )
        return f"the log of size {second} extends the log of size {first}"

    _verified(check)


@main.group()
def rules() -> None:
    """规则集 / rulesets (registry/rules/rulesets/<family>/<version>.yaml)."""


@rules.command("check")
@click.option(
    "--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path), help="another rulesets tree"
)
def rules_check(directory: Path | None) -> None:
    """Load and check every ruleset (names resolved, types checked, no overlapping versions, a local
    basis only with a jurisdiction, a ban only on a statute), REGISTRY_RULES_LOCAL_PACKS and
    REGISTRY_RULES_LOCAL_AMOUNTS."""
    from registry.rules.loader import RULESETS, RulesetError, load  # noqa: PLC0415
    from registry.rules.model import plain  # noqa: PLC0415
    from registry.settings import Settings  # noqa: PLC0415

    try:
        rules = Settings.from_env().rules
        loaded = load(directory or RULESETS, dict(rules.local_packs), rules.local_amounts)
    except RulesetError as exc:
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        click.echo(f"规则集有误 / rulesets refused: {len(exc.problems)} problem(s)", err=True)
        sys.exit(1)
    for r in sorted(loaded, key=lambda r: (r.family, r.effective_from)):
        until = r.effective_to.isoformat() if r.effective_to else "…"
        click.echo(f"{r.id:<36} {r.effective_from}..{until:<10} {len(r.rules):>3} rules  {r.hash}")
        if r.jurisdiction is not None:
            extra = f"; configured: {', '.join(r.extensions)}" if r.extensions else ""
            click.echo(f"{'':<4}local pack / 地方政策包: {', '.join(r.jurisdiction)}{extra}")
            for code, value, unit in r.amounts:
                click.echo(f"{'':<4}configured amount / 配置幅度: {code} = {plain(value)} {unit}")
    click.echo(f"规则集通过 / rulesets ok: {len(loaded)} versions, {sum(len(r.rules) for r in loaded)} rules")


@rules.command("export")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="write here instead of stdout")
def rules_export(output: Path | None) -> None:
    """The rulesets, legal bases and measures by department as JSON (as GET /api/v1/rules)."""
    from registry.rules.export import describe  # noqa: PLC0415
    from registry.rules.loader import load  # noqa: PLC0415

    text = json.dumps(describe(load()), ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"written / 已写入: {output}", err=True)


@main.group()
def audit() -> None:
    """审计 / audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chain; non-zero exit at the first entry that does not match."""
    from sqlalchemy import select  # noqa: PLC0415

    from registry.db.models import AuditEntry  # noqa: PLC0415
    from registry.domain.audit import ChainReport, verify_chain  # noqa: PLC0415

    async def go(services: Any) -> ChainReport:
        async with services.db.read() as session:
            rows = await session.stream_scalars(
                select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
            )
            return await verify_chain(rows)

    report = _run(_with_services(go))
    if report.ok:
        click.echo(f"审计链完整 / audit chain intact: {report.entries} entries")
    else:
        click.echo(
            f"审计链在第 {report.first_bad_id} 条断开 / chain broken at entry {report.first_bad_id}: {report.reason}",
            err=True,
        )
        sys.exit(1)


@main.group()
def keys() -> None:
    """签名密钥 / signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """New signing key; retired public keys stay in the JWKS. Restart the service afterwards."""
    from registry.signing.keys import rotate  # noqa: PLC0415

    settings = Settings.from_env()
    kid = rotate(settings.keys.directory, settings.keys.passphrase, production=settings.is_production)
    click.echo(f"新签名密钥 / new signing key: {kid}")


from registry.report_cli import report  # noqa: E402 - the group's commands import this module lazily

main.add_command(report)

from registry.ops_cli import first_admin  # noqa: E402 - its command imports this module lazily

accounts.add_command(first_admin)

import registry.reeval_cli  # noqa: E402, F401 - registers ``rules reevaluate``

"""``registry report monthly|targets|credit``: write a report file (DESIGN section 6, CLI contract).

The file is the same bytes the API gives for the same parameters and ``--as-of``; a CSV or XLSX
file gets its signature beside it (``FILE.jws``, the compact JWS of its manifest), a JSON file is
the signed envelope itself. Run as the CLI's admin actor: any area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

FORMAT = click.Choice(["xlsx", "csv", "json"])


def _common(fn: Any) -> Any:
    fn = click.option("--division", help="区划前缀或代码（41、4101、410103、410100）；缺省全国")(fn)
    fn = click.option("--as-of", "as_of", help="截至时间 RFC 3339（缺省为现在；载于报表中，可重新出具同一报表）")(fn)
    fn = click.option("--format", "fmt", type=FORMAT, default="xlsx", show_default=True)(fn)
    return click.option(
        "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="文件名（缺省按报表命名，写在当前目录）"
    )(fn)


def _write(kind: str, period: str, division: str | None, as_of: str | None, fmt: str, output: Path | None) -> None:
    from registry.cli import _cli_actor, _fail, _run, _with_services  # noqa: PLC0415
    from registry.errors import RegistryError  # noqa: PLC0415

    def progress(stage: str) -> None:
        click.echo(f"… {stage}", err=True)

    async def go(services: Any) -> Any:
        make = getattr(services.reports, kind)
        payload = await make(_cli_actor(), division, period, as_of, progress)
        progress(f"写出 / writing {fmt}")
        return services.reports.render(payload, fmt)

    try:
        file = _run(_with_services(go))
    except RegistryError as exc:
        _fail(exc)
        return
    path = output or Path(file.filename)
    path.write_bytes(file.body)
    click.echo(f"{path}  {len(file.body)} bytes")
    if file.signature is not None:
        signature = path.with_name(path.name + ".jws")
        signature.write_text(file.signature + "\n", encoding="ascii")
        click.echo(f"{signature}  签名 / signature of the file's manifest (sha256)")


@click.group()
def report() -> None:
    """统计报表 / reports: monthly standardization report, targets and ranking, credit statistics."""


@report.command("monthly")
@click.option("--month", required=True, help="月份 YYYY-MM")
@_common
def monthly(month: str, division: str | None, as_of: str | None, fmt: str, output: Path | None) -> None:
    """工贸企业安全生产标准化月度报表 (seed 001's form)."""
    _write("monthly", month, division, as_of, fmt, output)


@report.command("targets")
@click.option("--year", required=True, help="年份 YYYY")
@_common
def targets(year: str, division: str | None, as_of: str | None, fmt: str, output: Path | None) -> None:
    """达标目标完成情况与下级排名."""
    _write("targets", year, division, as_of, fmt, output)


@report.command("credit")
@click.option("--year", required=True, help="年份 YYYY")
@_common
def credit(year: str, division: str | None, as_of: str | None, fmt: str, output: Path | None) -> None:
    """信用管理统计：名单、部门反馈、答复."""
    _write("credit", year, division, as_of, fmt, output)

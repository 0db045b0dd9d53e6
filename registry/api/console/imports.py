"""The import pages: upload a CSV/XLSX, confirm, follow its progress, read and download the report,
download a template with Chinese headers.

Upload -> confirmation (the file read and checked, what will follow) -> the job's page, which
refreshes itself (``<meta http-equiv=refresh>``, no script) until the import is done. The rows are
the API's importers' with the officer's ``Actor`` (``import_jobs``); the files are
``registry.domain.imports.tables``'.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from registry.api.console.import_jobs import ImportJob, ImportJobs
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.imports.ledger import NOT_IDEMPOTENT
from registry.domain.imports.tables import COLUMNS, KINDS, header_label, report_bytes, template_bytes
from registry.errors import NotFound, RegistryError, ValidationFailed
from registry.lib.clock import today

MEDIA: Final = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: row errors shown on the page; all of them are in the downloaded report
SHOWN_ERRORS = 500
FOLLOWS: Final = {
    "enterprises": (
        "按统一社会信用代码逐行写入：新代码新增企业；已登记且内容有变化的更新（文件没有的列保留原值，空单元格清空该项）；与登记一致的不变。",
        "有错误的行不写入，报告列出行号、字段和原因；辖区外的企业拒绝写入。",
        "每 1000 行一个事务，每项变更写入审计日志并进入合作部门的变更推送。同一文件再次导入不改变任何数据。",
    ),
    "events": (
        "每行记录一个信用事件，与逐条记录相同的校验、辖区和审计；有错误的行不记录，报告列出行号、字段和原因。",
        "同一文件只能导入一次：再次导入会重复记录事件，将被拒绝。",
        "记录后规则按新事实重新评估；列入仍须提议、告知和第二名工作人员批准，不会自动生效。",
    ),
}


def _field_label(kind: str, name: str) -> str:
    columns = COLUMNS[kind]
    key = name.removeprefix("details.").removeprefix("subject.").split(".")[0]
    if key in columns.aliases:
        return header_label(columns, key)
    return {"(row)": "（整行）", "file": "文件"}.get(name, name)


def too_large(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """A body over the route's limit (an upload), refused before it is read: a page, not JSON."""
    officer = getattr(request.state, "console_officer", None)
    limit = request.route_handler.resolve_request_max_body_size() or 0
    return Template(
        template_name="console/error.html",
        context={
            **(officer.context() if isinstance(officer, Officer) else {}),
            "title": "文件过大",
            "message": f"上传的文件超过上限 {limit // (1024 * 1024)} MiB（{limit} 字节），未读取也未导入。"
            "请拆分后分批上传。",
        },
        status_code=413,
    )


def _attachment(content: bytes, fmt: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def import_handlers(services: Services, jobs: ImportJobs) -> list[Any]:
    max_bytes = services.settings.limits.max_upload_bytes

    def form_page(officer: Officer, status: int = 200, **extra: Any) -> Template:
        context = {
            **officer.context(),
            "nav": "import",
            "kinds": KINDS,
            "kind": "enterprises",
            "errors": {},
            "max_mib": max_bytes // (1024 * 1024),
            "job": None,
        }
        return Template(template_name="console/import.html", context={**context, **extra}, status_code=status)

    @get("/console/import", include_in_schema=False)
    async def import_form(officer: NamedDependency[Officer]) -> Template:
        return form_page(officer)

    @post("/console/import", include_in_schema=False, status_code=200, request_max_body_size=max_bytes)
    async def upload(request: Request[Any, Any, Any], officer: NamedDependency[Officer]) -> Template:
        form = await request.form()
        kind, upload = form.get("kind"), form.get("file")
        if not isinstance(kind, str) or kind not in KINDS:
            return form_page(officer, 422, errors={"kind": "请选择导入的数据类别"})
        if not isinstance(upload, UploadFile) or not upload.filename:
            return form_page(officer, 422, kind=kind, errors={"file": "请选择要上传的 CSV 或 XLSX 文件"})
        content = await upload.read()
        try:
            job, earlier = await jobs.upload(
                officer.session.account_id, kind, upload.filename, content, upload.content_type
            )
        except ValidationFailed as exc:
            message = "；".join(p.message_zh for p in exc.problems)
            return form_page(officer, exc.status, kind=kind, errors={"file": message})
        except RegistryError as exc:
            return form_page(officer, exc.status, kind=kind, errors={"file": exc.detail.split(" / ")[0]})
        return Template(
            template_name="console/import_confirm.html",
            context={
                **officer.context(),
                "nav": "import",
                "job": job,
                "kinds": KINDS,
                "columns": [_field_label(kind, c) for c in job.columns],
                "follows": FOLLOWS[kind],
                "earlier": earlier,
                "blocked": earlier is not None and kind in NOT_IDEMPOTENT,
            },
        )

    @post("/console/import/jobs/{job_id:str}/start", include_in_schema=False, status_code=303)
    async def start(officer: NamedDependency[Officer], job_id: Annotated[str, PathParameter()]) -> Redirect:
        job = await jobs.start(officer.actor, officer.session.account_id, job_id)
        return Redirect(f"/console/import/jobs/{job.id}", status_code=303)

    @get("/console/import/jobs/{job_id:str}", include_in_schema=False)
    async def job_page(officer: NamedDependency[Officer], job_id: Annotated[str, PathParameter()]) -> Template:
        job = await jobs.get(officer.session.account_id, job_id)
        report = job.decoded()
        errors = [
            {"row": e.row, "field": _field_label(job.kind, e.field), "reason": e.message_zh}
            for e in (report.errors[:SHOWN_ERRORS] if report is not None else [])
        ]
        return Template(
            template_name="console/import_job.html",
            context={
                **officer.context(),
                "nav": "import",
                "job": job,
                "kinds": KINDS,
                "report": report,
                "errors": errors,
                "shown": SHOWN_ERRORS,
                "percent": _percent(job),
            },
        )

    @get("/console/import/jobs/{job_id:str}/report/{fmt:str}", include_in_schema=False)
    async def report_file(
        officer: NamedDependency[Officer],
        job_id: Annotated[str, PathParameter()],
        fmt: Annotated[str, PathParameter()],
    ) -> Response[bytes]:
        job = await jobs.get(officer.session.account_id, job_id)
        report = job.decoded()
        if fmt not in MEDIA or report is None:
            raise NotFound("没有这份报告 / no such report")
        return _attachment(report_bytes(report, fmt), fmt, f"import-report-{job.kind}.{fmt}")

    @get("/console/import/template/{name:str}", include_in_schema=False)
    async def template(officer: NamedDependency[Officer], name: Annotated[str, PathParameter()]) -> Response[bytes]:
        kind, _, fmt = name.partition(".")
        if kind not in KINDS or fmt not in MEDIA:
            raise NotFound("没有这个模板 / no such template")
        content = template_bytes(kind, fmt, officer.signed.area_code, today(services.clock))
        return _attachment(content, fmt, f"import-template-{kind}.{fmt}")

    return [import_form, upload, start, job_page, report_file, template]


def _percent(job: ImportJob) -> int:
    return 100 if job.state == "done" else min(99, job.done * 100 // job.total) if job.total else 0

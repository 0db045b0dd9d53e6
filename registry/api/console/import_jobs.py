"""Console imports as jobs: the upload is read and checked at once, kept until the officer confirms,
then imported in the background while a page shows how far it got.

The upload is read (``parse_upload_off_loop``: the API's limits, off the event loop) before
anything is kept, so a file-level refusal (a missing column, a file over a limit) is shown on the
form. The rows, the job's progress and its report are kept in the console's store (Redis when
configured, so any worker can show them; in process on the embedded default), never on disk. The
import itself is the API's (``services.importer`` / ``services.event_importer``) with the officer's
``Actor``: the same checks, jurisdiction and audit.

A job stops with its process (a restart, a deploy): each batch the importer finished is kept
whole; the page says the job stopped once its heartbeat is old.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import msgspec
import structlog

from registry.api.console.sessions import SessionStore
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.imports.events import EventImportReport
from registry.domain.imports.importer import ImportReport
from registry.domain.imports.ledger import EarlierImport, ImportLedger, digest
from registry.domain.imports.readers import ParsedUpload, parse_upload_off_loop
from registry.domain.imports.tables import COLUMNS
from registry.errors import NotFound

log = structlog.get_logger(__name__)
#: how long an upload waits for its confirmation, and a finished job's report stays
UPLOAD_SECONDS = 3600
REPORT_SECONDS = 24 * 3600
#: progress is written to the store at most this often
BEAT_SECONDS = 1.0
#: a running job whose progress is older than this stopped with its process
STALE_SECONDS = 300.0


class ImportJob(msgspec.Struct):
    id: str
    account_id: int
    kind: str
    filename: str
    sha256: str
    total: int
    columns: list[str]
    #: ready (uploaded, waiting for confirmation), running, done, refused (same file again), failed
    state: str = "ready"
    done: int = 0
    #: POSIX seconds (the process clock, for the heartbeat; not the service clock tests move)
    beat: float = 0.0
    failure: str | None = None
    earlier_by: str | None = None
    earlier_at: str | None = None
    #: the report (ImportReport or EventImportReport), JSON
    report: bytes | None = None

    @property
    def stopped(self) -> bool:
        return self.state == "running" and time.time() - self.beat > STALE_SECONDS

    def decoded(self) -> ImportReport | EventImportReport | None:
        if self.report is None:
            return None
        return msgspec.json.decode(self.report, type=ImportReport if self.kind == "enterprises" else EventImportReport)


class _Rows(msgspec.Struct):
    total: int
    columns: list[str]
    chunks: list[bytes]


class ImportJobs:
    def __init__(self, services: Services, store: SessionStore) -> None:
        self.services = services
        self.store = store
        self.ledger = ImportLedger(services.db, services.clock)
        self._tasks: set[asyncio.Task[None]] = set()
        self._claimed: set[str] = set()

    async def upload(
        self, account_id: int, kind: str, filename: str, content: bytes, content_type: str | None
    ) -> tuple[ImportJob, EarlierImport | None]:
        """The upload read against the limits and kept for its confirmation (RegistryError if the
        file itself is refused), and the earlier import of the same file if there was one."""
        parsed = await parse_upload_off_loop(
            filename, content, content_type, COLUMNS[kind], self.services.settings.uploads
        )
        job = ImportJob(
            id=secrets.token_urlsafe(16),
            account_id=account_id,
            kind=kind,
            filename=filename,
            sha256=digest(content),
            total=parsed.total,
            columns=[c for c in COLUMNS[kind].aliases if c in parsed.columns],
            beat=time.time(),
        )
        rows = _Rows(parsed.total, job.columns, list(parsed.chunks))
        await self.store.put_data(f"import-rows:{job.id}", msgspec.msgpack.encode(rows), UPLOAD_SECONDS)
        await self._save(job)
        return job, await self.ledger.earlier(kind, job.sha256)

    async def get(self, account_id: int, job_id: str) -> ImportJob:
        """The officer's own job (another's is not found: its rows may be outside this area)."""
        raw = await self.store.get_data(f"import:{job_id}") if len(job_id) < 64 else None
        job = msgspec.msgpack.decode(raw, type=ImportJob) if raw is not None else None
        if job is None or job.account_id != account_id:
            raise NotFound("没有这次导入（或已超过保存期限）/ no such import")
        return job

    async def start(self, actor: Actor, account_id: int, job_id: str) -> ImportJob:
        """Start the confirmed import in the background and wait a little for it: a small file is
        done by the time the page shows. Starting a job twice (a double click) starts it once."""
        job = await self.get(account_id, job_id)
        if job.state != "ready" or job.id in self._claimed or not await self.store.claim(f"import-start:{job.id}"):
            return job
        self._claimed.add(job.id)
        raw = await self.store.get_data(f"import-rows:{job.id}")
        if raw is None:
            raise NotFound("上传的文件已超过保存期限，请重新上传 / the upload expired, upload it again")
        kept = msgspec.msgpack.decode(raw, type=_Rows)
        await self.store.delete_data(f"import-rows:{job.id}")  # held by the job from here on
        earlier = await self.ledger.start(actor, job.kind, job.sha256, job.filename, job.total)
        if earlier is not None:
            job.state, job.earlier_by, job.earlier_at = "refused", earlier.by, earlier.at.isoformat()
            await self._save(job)
            return job
        job.state, job.beat = "running", time.time()
        await self._save(job)
        parsed = ParsedUpload(kept.total, frozenset(kept.columns), tuple(kept.chunks))
        task = asyncio.create_task(self._run(actor, job, parsed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.wait({task}, timeout=self.services.settings.console.import_wait_seconds)
        return job

    async def _run(self, actor: Actor, job: ImportJob, parsed: ParsedUpload) -> None:
        pending: set[asyncio.Task[None]] = set()

        def progress(n: int) -> None:
            job.done += n
            if time.time() - job.beat >= BEAT_SECONDS:
                job.beat = time.time()
                beat = asyncio.get_running_loop().create_task(self._save(job))
                pending.add(beat)
                beat.add_done_callback(pending.discard)

        try:
            report: Any
            if job.kind == "enterprises":
                report = await self.services.importer.run(actor, parsed.rows(), progress)
            else:
                report = await self.services.event_importer.run(actor, parsed.rows(), progress)
        except asyncio.CancelledError:  # the process stops: say so while it still can
            job.state, job.failure = "failed", "stopped"
            await asyncio.shield(self._save(job))
            raise
        except Exception as exc:  # the page must say the job ended, whatever ended it
            log.exception("console import failed", job=job.id, kind=job.kind)
            job.state, job.failure = "failed", type(exc).__name__
        else:
            job.state, job.report, job.done = "done", msgspec.json.encode(report), report.rows
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        job.beat = time.time()
        await self._save(job)

    async def _save(self, job: ImportJob) -> None:
        await self.store.put_data(f"import:{job.id}", msgspec.msgpack.encode(job), REPORT_SECONDS)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

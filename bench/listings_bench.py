"""The listing workflow's cost per step (listings/s), one transaction per step through ListingService
as the API calls it, and the sweep that removes a term's worth of listings at once.

    python -m bench.listings_bench --units 300 [--backends sqlite,postgres]

Registers UNITS enterprises with a 重大 accident and the penalty for it (rule R1), then times, for
every unit: propose (facts built and every ruleset evaluated on the stored facts, the listing row,
its step, audit entry), notify, approve by a second officer (grade effects and the history-log
entry); then the sweep that removes them all when the term has ended.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import create_async_engine

from bench.import_bench import database_url
from bench.make_csv import write
from registry.db.migrate import upgrade
from registry.domain.actors import system_actor
from registry.domain.container import build_services
from registry.domain.events.schemas import EventCreate
from registry.domain.imports.readers import read_csv
from registry.domain.listings import schemas as s
from registry.lib.clock import FixedClock
from registry.settings import DatabaseSettings, KeySettings, Settings


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)


async def _officer(services: Any, name: str) -> Any:
    new = await services.accounts.create(
        system_actor("bench"), role="bureau", name=name, level="national", division=None, kind="officer"
    )
    return (await services.accounts.authenticate(new.client_id, new.client_secret)).actor()


async def _event(services: Any, actor: Any, body: dict[str, Any]) -> int:
    return int((await services.events.record(actor, msgspec.convert(body, EventCreate, strict=False))).id)


def _timed(label: str, backend: str, n: int, start: float) -> None:
    elapsed = time.perf_counter() - start
    print(f"{backend:9} {label:8} {n:5} in {elapsed:6.2f}s = {n / elapsed:7.1f}/s  ({1000 * elapsed / n:6.1f} ms each)")


async def run(backend: str, units: int, workdir: Path) -> None:
    url = await database_url(backend, workdir)
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()
    clock = FixedClock(_at(dt.date(2026, 11, 26)))
    settings = Settings(
        database=DatabaseSettings(url=url),
        keys=KeySettings(directory=workdir / "keys", passphrase="bench", person_id_key="22" * 32),
        log_level="ERROR",
    )
    services = build_services(settings, clock)
    try:
        a, b = await _officer(services, "bench officer A"), await _officer(services, "bench officer B")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "enterprises.csv"
            write(path, units, bad=0, seed=5)
            _, reader = read_csv(path.read_bytes())
            await services.importer.run(system_actor("bench"), reader)
            usccs = [line.split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
        for n, uscc in enumerate(usccs):
            subject = {"type": "enterprise", "uscc": uscc}
            acc = await _event(
                services,
                a,
                {
                    "kind": "accident",
                    "subject": subject,
                    "occurred_on": "2026-09-01",
                    "source_document": f"调查报告{n}",
                    "details": {
                        "deaths": 12,
                        "serious_injuries": 0,
                        "direct_loss_cny": 1000,
                        "responsible": True,
                        "summary": "坍塌",
                    },
                },
            )
            no = f"应急罚〔2026〕{n}号"
            await _event(
                services,
                a,
                {
                    "kind": "penalty",
                    "subject": subject,
                    "occurred_on": "2026-10-15",
                    "source_document": no,
                    "links": [acc],
                    "details": {"decision_no": no, "legal_basis": "安全生产法", "fine_cny": 2_000_000},
                },
            )

        listings = services.listings
        start = time.perf_counter()
        ids = []
        for uscc in usccs:
            answer = await listings.propose(a, s.ListingPropose(subject=s.SubjectRef(uscc=uscc)), None)
            ids.append(answer.body["listing"]["id"])
        _timed("propose", backend, units, start)

        start = time.perf_counter()
        for i, listing_id in enumerate(ids):
            await listings.act(a, listing_id, "notify", s.Notify(version=1, notice_no=f"告〔2026〕{i}号"), None)
        _timed("notify", backend, units, start)

        clock.at = _at(dt.date(2026, 12, 2))
        start = time.perf_counter()
        for i, listing_id in enumerate(ids):
            await listings.act(b, listing_id, "approve", s.Approve(version=2, decision_no=f"决〔2026〕{i}号"), None)
        _timed("approve", backend, units, start)

        clock.at = _at(dt.date(2029, 12, 3))
        start = time.perf_counter()
        removed = await listings.sweep()
        assert removed == units, removed
        _timed("sweep", backend, units, start)
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    for backend in args.backends.split(","):
        asyncio.run(run(backend, args.units, workdir))


if __name__ == "__main__":
    main()

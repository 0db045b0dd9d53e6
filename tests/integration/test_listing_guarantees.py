"""What the listing workflow guarantees beyond its happy path: retries with an Idempotency-Key act
once, two officers racing decide once, steps and the history log are append-only and canonical,
the sweep is idempotent (in the service, the CLI and the background task), and every step is
audited once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from registry.app import sweep_periodically
from registry.db.models import AuditEntry, ListingStep, LogEntry
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_listings import act, ok
from tests.integration.test_rules_api import accident, penalty, record

LISTINGS = "/api/v1/listings"
TODAY = dt.date(2026, 11, 26)
KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


# ---- helpers ------------------------------------------------------------------------------------


def set_day(clock: Any, day: dt.date) -> None:
    clock.at = dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)  # noon in Beijing


def keyed(h: dict[str, str], key: str) -> dict[str, str]:
    return {**h, KEY: key}


def new_key() -> str:
    return f"test-{t.rand('abcdef0123456789', 24)}"


class Officer:
    """One bureau account of the county bureau 410103, whose token is renewed after the clock moved."""

    def __init__(self, client: httpx.AsyncClient, cid: str, secret: str) -> None:
        self.client, self.cid, self.secret = client, cid, secret

    @classmethod
    async def new(cls, client: httpx.AsyncClient, services: Any) -> Officer:
        cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
        return cls(client, cid, secret)

    async def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await f.token(self.client, self.cid, self.secret)}"}


async def major_case(
    client: httpx.AsyncClient,
    h: dict[str, str],
    accident_on: str = "2026-09-01",
    penalty_on: str = "2026-10-15",
    *,
    executed: bool = False,
) -> tuple[str, int]:
    """A registered unit with a 重大 accident and the penalty for it: rule R1 lists it."""
    unit = await t.create(client, h)
    acc = await record(client, h, accident(unit["uscc"], accident_on, deaths=12))
    extra = {"execution": "executed"} if executed else {}
    pen = await record(client, h, penalty(unit["uscc"], penalty_on, links=[acc["id"]], **extra))
    return unit["uscc"], pen["id"]


async def propose(client: httpx.AsyncClient, h: dict[str, str], uscc: str) -> dict[str, Any]:
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()["listing"]  # type: ignore[no-any-return]


async def notified(client: httpx.AsyncClient, a: dict[str, str], uscc: str) -> dict[str, Any]:
    """Proposed and notified by ``a``, the statement answered (not accepted): ready for a decision today."""
    listing = await propose(client, a, uscc)
    listing = await ok(client, a, listing, "notify", notice_no=f"郑二应急告〔2026〕{t.rand('0123456789', 6)}号")
    return await ok(
        client, a, listing, "statement", statement="企业已整改，请求从轻。", answer="陈述不成立，不予采纳。"
    )


def decision_no() -> str:
    return f"郑二应急信决〔2026〕{t.rand('0123456789', 6)}号"


async def listed(client: httpx.AsyncClient, a: dict[str, str], b: dict[str, str], uscc: str) -> dict[str, Any]:
    listing = await notified(client, a, uscc)
    return await ok(client, b, listing, "approve", decision_no=decision_no())


async def read(client: httpx.AsyncClient, h: dict[str, str], listing_id: int) -> dict[str, Any]:
    r = await client.get(f"{LISTINGS}/{listing_id}", headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def listings_of(client: httpx.AsyncClient, h: dict[str, str], uscc: str) -> list[dict[str, Any]]:
    r = await client.get(LISTINGS, params={"uscc": uscc}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


def steps(listing: dict[str, Any]) -> list[str]:
    return [s["step"] for s in listing["history"]]


async def log_entries(services: Any, listing_id: int, kind: str | None = None) -> list[LogEntry]:
    stmt = select(LogEntry).where(LogEntry.target_type == "listing", LogEntry.target_id == str(listing_id))
    if kind is not None:
        stmt = stmt.where(LogEntry.kind == kind)
    async with services.db.read() as session:
        return list((await session.scalars(stmt.order_by(LogEntry.id))).all())


async def listing_audit(services: Any, listing_id: int) -> list[AuditEntry]:
    return [e for e in await t.audit_for(services, str(listing_id)) if e.target_type == "listing"]


def postgres_only(services: Any) -> None:
    if services.db.dialect != "postgresql":
        pytest.skip("row locks and concurrent writers: PostgreSQL only (SQLite serialises writers)")


# ---- 1. Idempotency-Key -----------------------------------------------------------------------------


async def test_a_proposal_retried_with_its_key_is_answered_once(client, services):
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    key = "k" * 200  # the longest key allowed
    body = {"subject": {"uscc": uscc}}
    first = await client.post(LISTINGS, json=body, headers=keyed(a, key))
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers
    again = await client.post(LISTINGS, json=body, headers=keyed(a, key))
    assert again.status_code == 201, again.text
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    [only] = await listings_of(client, a, uscc)
    assert only["id"] == first.json()["listing"]["id"]
    assert len(await listing_audit(services, only["id"])) == 1  # one propose, not two


async def test_an_action_retried_with_its_key_bumps_the_version_once(client, services):
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await propose(client, a, uscc)
    key = new_key()
    body = {"version": listing["version"], "notice_no": "郑二应急告〔2026〕7号"}
    url = f"{LISTINGS}/{listing['id']}/notify"
    first = await client.post(url, json=body, headers=keyed(a, key))
    assert first.status_code == 200, first.text
    assert REPLAYED not in first.headers
    again = await client.post(url, json=body, headers=keyed(a, key))
    assert again.status_code == 200, again.text
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    got = await read(client, a, listing["id"])
    assert got["version"] == listing["version"] + 1
    assert steps(got) == ["propose", "notify"]

    # the listing moves on; the retry still gets the first answer, and nothing acts
    moved = await ok(client, a, got, "statement", statement="当事人陈述。", answer="不予采纳。")
    late = await client.post(url, json=body, headers=keyed(a, key))
    assert late.status_code == 200, late.text
    assert late.headers[REPLAYED] == "true"
    assert late.json() == first.json()
    assert (await read(client, a, listing["id"]))["version"] == moved["version"]


async def test_the_same_key_with_another_request_is_refused(client, services):
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await propose(client, a, uscc)
    key = new_key()
    url = f"{LISTINGS}/{listing['id']}/notify"
    r = await client.post(url, json={"version": 1, "notice_no": "甲告〔2026〕1号"}, headers=keyed(a, key))
    assert r.status_code == 200, r.text
    other = await client.post(url, json={"version": 1, "notice_no": "乙告〔2026〕2号"}, headers=keyed(a, key))
    t.assert_field(other, KEY, "idempotency_key_reused")
    # the same key for another operation or on another target is another request too
    elsewhere = await client.post(LISTINGS, json={"subject": {"uscc": uscc}}, headers=keyed(a, key))
    t.assert_field(elsewhere, KEY, "idempotency_key_reused")
    got = await read(client, a, listing["id"])
    assert (got["version"], got["notice"]["notice_no"]) == (2, "甲告〔2026〕1号")


@pytest.mark.parametrize("bad", ["has space", "k" * 201, "", "键", "tab\there"])
async def test_an_invalid_key_is_refused_and_nothing_acts(client, services, bad):
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    headers: dict[str, Any] = {**a, KEY: bad.encode()}  # bytes: httpx sends UTF-8 as is
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}}, headers=headers)
    t.assert_field(r, KEY, "invalid_idempotency_key")
    assert await listings_of(client, a, uscc) == []


async def test_the_same_key_from_two_accounts_is_two_keys(client, services):
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    c = await t.bureau(client, services)
    uscc1, _ = await major_case(client, a)
    uscc2, _ = await major_case(client, a)
    key = new_key()
    first = await client.post(LISTINGS, json={"subject": {"uscc": uscc1}}, headers=keyed(a, key))
    assert first.status_code == 201, first.text
    # another account's same key on another request: not "reused"
    second = await client.post(LISTINGS, json={"subject": {"uscc": uscc2}}, headers=keyed(b, key))
    assert second.status_code == 201, second.text
    assert REPLAYED not in second.headers
    # another account's same key on the same request: not a replay of a's answer, judged afresh
    third = await client.post(LISTINGS, json={"subject": {"uscc": uscc1}}, headers=keyed(c, key))
    assert REPLAYED not in third.headers
    assert t.assert_problem(third, 409)["reason"] == "already_open"
    assert len(await listings_of(client, a, uscc1)) == 1
    assert len(await listings_of(client, a, uscc2)) == 1


async def test_a_refused_proposal_is_not_remembered(client, services):
    a = await t.bureau(client, services)
    unit = await t.create(client, a)
    key = new_key()
    body = {"subject": {"uscc": unit["uscc"]}}
    refused = await client.post(LISTINGS, json=body, headers=keyed(a, key))
    t.assert_field(refused, "list_type", "no_rule_decision")
    acc = await record(client, a, accident(unit["uscc"], "2026-09-01", deaths=12))
    await record(client, a, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))
    acted = await client.post(LISTINGS, json=body, headers=keyed(a, key))
    assert acted.status_code == 201, acted.text
    assert REPLAYED not in acted.headers
    again = await client.post(LISTINGS, json=body, headers=keyed(a, key))
    assert (again.status_code, again.headers.get(REPLAYED)) == (201, "true")
    assert len(await listings_of(client, a, unit["uscc"])) == 1


async def test_a_refused_action_is_not_remembered(client, services, clock):
    """409 statement_period_running with a key; after the period the same key decides."""
    a = await t.bureau(client, services)
    b = await Officer.new(client, services)
    uscc, _ = await major_case(client, a)
    listing = await propose(client, a, uscc)
    listing = await ok(client, a, listing, "notify", notice_no="郑二应急告〔2026〕9号")
    assert listing["notice"]["statement_deadline"] == "2026-12-01"
    key = new_key()
    body = {"version": listing["version"], "decision_no": decision_no()}
    url = f"{LISTINGS}/{listing['id']}/approve"
    early = await client.post(url, json=body, headers=keyed(await b.h(), key))
    assert t.assert_problem(early, 409)["reason"] == "statement_period_running"

    set_day(clock, dt.date(2026, 12, 2))
    hb = await b.h()  # the same account, a token against the new day
    acted = await client.post(url, json=body, headers=keyed(hb, key))
    assert acted.status_code == 200, acted.text
    assert REPLAYED not in acted.headers
    assert acted.json()["status"] == "listed"
    again = await client.post(url, json=body, headers=keyed(hb, key))
    assert (again.status_code, again.headers.get(REPLAYED)) == (200, "true")
    assert again.json() == acted.json()
    assert steps(await read(client, hb, listing["id"])).count("decide") == 1
    assert len(await log_entries(services, listing["id"], "listing.listed")) == 1


# ---- 2. races (PostgreSQL) ------------------------------------------------------------------------


async def test_two_officers_deciding_at_once_decide_once(client, services):
    postgres_only(services)
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    c = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await notified(client, a, uscc)
    results = await asyncio.gather(
        act(client, b, listing, "approve", decision_no=decision_no()),
        act(client, c, listing, "approve", decision_no=decision_no()),
    )
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    [loser] = [r for r in results if r.status_code == 409]
    problem = t.assert_problem(loser, 409)
    assert problem["reason"] in ("stale_version", "illegal_transition"), problem
    assert problem["current"]["status"] == "listed"
    got = await read(client, a, listing["id"])
    assert got["status"] == "listed"
    assert steps(got).count("decide") == 1
    assert len(await log_entries(services, listing["id"], "listing.listed")) == 1
    assert [e.action for e in await listing_audit(services, listing["id"])].count("listing.decide") == 1


async def test_two_proposals_for_one_subject_at_once_open_one_listing(client, services):
    postgres_only(services)
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    body = {"subject": {"uscc": uscc}}
    results = await asyncio.gather(*(client.post(LISTINGS, json=body, headers=h) for h in (a, b)))
    assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
    [loser] = [r for r in results if r.status_code == 409]
    assert t.assert_problem(loser, 409)["reason"] == "already_open"
    assert len(await listings_of(client, a, uscc)) == 1


async def test_concurrent_retries_with_one_key_act_once(client, services):
    postgres_only(services)
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    key = new_key()
    body = {"subject": {"uscc": uscc}}
    results = await asyncio.gather(*(client.post(LISTINGS, json=body, headers=keyed(a, key)) for _ in range(3)))
    assert [r.status_code for r in results] == [201, 201, 201], [r.text for r in results]
    assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
    assert sorted(r.headers.get(REPLAYED, "") for r in results) == ["", "true", "true"]
    assert len(await listings_of(client, a, uscc)) == 1


async def test_concurrent_retries_of_an_action_with_one_key_act_once(client, services):
    postgres_only(services)
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await notified(client, a, uscc)
    key = new_key()
    body = {"version": listing["version"], "decision_no": decision_no()}
    url = f"{LISTINGS}/{listing['id']}/approve"
    results = await asyncio.gather(*(client.post(url, json=body, headers=keyed(b, key)) for _ in range(3)))
    assert [r.status_code for r in results] == [200, 200, 200], [r.text for r in results]
    assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
    got = await read(client, a, listing["id"])
    assert got["version"] == listing["version"] + 1
    assert len(await log_entries(services, listing["id"], "listing.listed")) == 1


# ---- 3. append-only -----------------------------------------------------------------------------


def _refusals(table: str, dialect: str) -> list[str]:
    statements = [
        f"UPDATE {table} SET recorded_at = recorded_at WHERE id = :id",
        f"DELETE FROM {table} WHERE id = :id",
        f"DELETE FROM {table}",
    ]
    if table == "listing_steps":
        statements.insert(0, "UPDATE listing_steps SET step = 'rewritten' WHERE id = :id")
    else:
        statements.insert(0, "UPDATE log_entries SET body = '{}' WHERE id = :id")
    if dialect == "postgresql":
        statements.append(f"TRUNCATE {table}")
    return statements


async def test_the_database_refuses_to_change_steps_and_log_entries(client, services):
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await listed(client, a, b, uscc)
    async with services.db.read() as session:
        step = await session.scalar(
            select(ListingStep).where(ListingStep.listing_id == listing["id"]).order_by(ListingStep.id)
        )
    assert step is not None
    [entry] = await log_entries(services, listing["id"], "listing.listed")
    for table, row_id in (("listing_steps", step.id), ("log_entries", entry.id)):
        for statement in _refusals(table, services.db.dialect):
            with pytest.raises(DBAPIError) as caught:
                async with services.db.write() as session:
                    await session.execute(text(statement), {"id": row_id} if ":id" in statement else {})
            assert "append-only" in str(caught.value), (statement, caught.value)
    async with services.db.read() as session:
        again = await session.get(ListingStep, step.id)
    assert again is not None
    assert (again.step, again.data, again.status_after) == (step.step, step.data, step.status_after)
    [same] = await log_entries(services, listing["id"], "listing.listed")
    assert (same.id, same.body) == (entry.id, entry.body)
    assert steps(await read(client, a, listing["id"])) == steps(listing)


# ---- 4. the history log ---------------------------------------------------------------------------


def canonical(entry: LogEntry) -> dict[str, Any]:
    body = json.loads(entry.body)
    assert rfc8785.dumps(body) == entry.body.encode(), entry.body
    return body  # type: ignore[no-any-return]


async def test_decisions_are_logged_as_canonical_json_in_their_order(client, services):
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    first_uscc, _ = await major_case(client, a)
    second_uscc, _ = await major_case(client, a)
    first = await listed(client, a, b, first_uscc)
    second = await listed(client, a, b, second_uscc)
    removal = await ok(
        client, a, first, "remove", type="court", document_no="（2026）豫01行终1号", reason="判决撤销列入决定"
    )
    removed = await ok(client, b, removal, "approve")
    assert (removed["status"], removed["removal"]["type"]) == ("removed", "court")

    [first_listed] = await log_entries(services, first["id"], "listing.listed")
    [second_listed] = await log_entries(services, second["id"], "listing.listed")
    [first_removed] = await log_entries(services, first["id"], "listing.removed")
    assert first_listed.id < second_listed.id < first_removed.id

    for entry, listing in ((first_listed, first), (second_listed, second)):
        body = canonical(entry)
        assert body["kind"] == "listing.listed"
        assert body["target"] == {"type": "listing", "id": str(listing["id"])}
        assert body["listing_id"] == listing["id"]
        assert body["list_type"] == "SERIOUS_DISHONEST_2023"
        assert body["status"] == "listed"
        assert body["decision_no"] == listing["decision"]["decision_no"]
        assert body["effective_on"] == listing["decision"]["effective_on"] == "2026-11-26"
        assert body["expires_on"] == listing["decision"]["expires_on"] == "2029-11-26"
        assert body["subject"]["uscc"] == listing["subject"]["uscc"]
        assert body["evidence"] == listing["evidence"]
        # the log is public: it names the acting authority's role, never the officer's account
        assert "actor" not in body
        assert body["actor_role"] == "bureau"
        assert listing["decision"]["approved_by"] not in entry.body
    gone = canonical(first_removed)
    assert (gone["kind"], gone["status"], gone["removal_type"], gone["removed_on"]) == (
        "listing.removed",
        "removed",
        "court",
        "2026-11-26",
    )
    assert gone["decision_no"] == first["decision"]["decision_no"]


# ---- 5. the sweep ---------------------------------------------------------------------------------


async def test_the_sweep_removes_at_the_end_of_the_term_once(client, services, clock):
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await listed(client, a, b, uscc)
    assert listing["decision"]["expires_on"] == "2029-11-26"

    set_day(clock, dt.date(2029, 11, 26))  # the last day of the term: still listed
    await services.listings.sweep()
    h = await t.bureau(client, services)
    assert (await read(client, h, listing["id"]))["status"] == "listed"

    set_day(clock, dt.date(2029, 11, 27))
    assert await services.listings.sweep() >= 1
    assert await services.listings.sweep() == 0
    h = await t.bureau(client, services)
    got = await read(client, h, listing["id"])
    assert got["status"] == "removed"
    assert got["removal"]["type"] == "expiry"
    assert got["removal"]["removed_on"] == "2029-11-27"
    assert got["version"] == listing["version"] + 1
    assert steps(got)[-1] == "expire"
    assert steps(got).count("expire") == 1
    assert len(await log_entries(services, listing["id"], "listing.removed")) == 1
    actions = [e.action for e in await listing_audit(services, listing["id"])]
    assert actions.count("listing.expire") == 1


async def test_the_sweep_command_prints_how_many_it_removed(client, services, clock, tmp_path: Path):
    """``registry sweep`` runs on the real date: a listing decided in 2023 (36 months) is due."""
    set_day(clock, dt.date(2023, 10, 20))
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a, "2023-10-02", "2023-10-10")
    listing = await listed(client, a, b, uscc)
    expires = dt.date.fromisoformat(listing["decision"]["expires_on"])
    if expires >= dt.date.today():
        pytest.skip(f"the listing's term ({expires}) has not ended on the real date")

    def registry(*args: str) -> str:
        env = {
            **os.environ,
            "REGISTRY_DATABASE_URL": services.settings.database.url,
            "REGISTRY_KEYS_DIR": str(tmp_path / "keys"),
        }
        env.pop("REGISTRY_REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "registry", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    out = await asyncio.to_thread(registry, "sweep")
    found = re.search(r"expired: (\d+) listings, (\d+) grades", out)
    assert found is not None, out
    assert int(found.group(1)) >= 1
    set_day(clock, TODAY)
    h = await t.bureau(client, services)
    got = await read(client, h, listing["id"])
    assert (got["status"], got["removal"]["type"]) == ("removed", "expiry")
    assert got["removal"]["removed_on"] == (expires + dt.timedelta(days=1)).isoformat()

    again = await asyncio.to_thread(registry, "sweep")
    assert "expired: 0 listings" in again, again


async def test_the_background_sweep_removes_an_expired_listing(client, services, clock):
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = await listed(client, a, b, uscc)
    set_day(clock, dt.date(2029, 11, 27))
    task = asyncio.create_task(sweep_periodically(services, 0.05))
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            async with services.db.read() as session:
                status = await session.scalar(text("SELECT status FROM listings WHERE id = :id"), {"id": listing["id"]})
            if status == "removed":
                break
        assert status == "removed"
        await asyncio.sleep(0.2)  # a few more rounds: nothing more happens
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    h = await t.bureau(client, services)
    got = await read(client, h, listing["id"])
    assert got["removal"]["type"] == "expiry"
    assert steps(got).count("expire") == 1
    assert len(await log_entries(services, listing["id"], "listing.removed")) == 1


# ---- 6. audit -------------------------------------------------------------------------------------


async def test_every_successful_step_is_audited_once(client, services, clock):
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, _ = await major_case(client, a, executed=True)
    succeeded: list[str] = []

    async def step(h: dict[str, str], listing: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        got = await ok(client, h, listing, action, **body)
        succeeded.append(got["history"][-1]["step"])
        return got

    listing = await propose(client, a, uscc)
    succeeded.append("propose")
    listing = await step(a, listing, "notify", notice_no="郑二应急告〔2026〕11号")
    key = new_key()
    body = {"version": listing["version"], "statement": "已整改。", "answer": "不予采纳。"}
    r = await client.post(f"{LISTINGS}/{listing['id']}/statement", json=body, headers=keyed(a, key))
    assert r.status_code == 200, r.text
    succeeded.append("statement")
    replay = await client.post(f"{LISTINGS}/{listing['id']}/statement", json=body, headers=keyed(a, key))
    assert replay.headers[REPLAYED] == "true"  # a replay is not audited again
    listing = r.json()
    listing = await step(a, listing, "object", grounds="当事人认为事故等级认定有误。")
    frozen = await act(client, b, listing, "approve", decision_no=decision_no())
    assert t.assert_problem(frozen, 409)["reason"] == "objection_pending"
    listing = await step(a, listing, "resolve-objection", upheld=False, answer="经复核，异议不成立。")
    same = await act(client, a, listing, "approve", decision_no=decision_no())
    t.assert_field(same, "approver", "same_officer")
    stale = await client.post(
        f"{LISTINGS}/{listing['id']}/approve", json={"version": 1, "decision_no": decision_no()}, headers=b
    )
    assert t.assert_problem(stale, 409)["reason"] == "stale_version"
    national = await t.national(client, services)
    denied = await act(client, national, listing, "approve", decision_no=decision_no())
    t.assert_problem(denied, 403, "not_deciding_authority")
    listing = await step(b, listing, "approve", decision_no=decision_no())
    assert listing["status"] == "listed"
    listing = await step(a, listing, "publish", channels=["credit_china"])

    set_day(clock, dt.date(2027, 11, 26))  # 12 full months after 2026-11-26
    a, b = await t.bureau(client, services), await t.bureau(client, services)
    docs = [{"title": "罚款缴纳凭证", "reference": "豫财缴〔2027〕1号"}]
    listing = await step(a, listing, "apply-repair", commitment="已整改完毕并承诺守法经营。", evidence=docs)
    listing = await step(a, listing, "decide-repair", granted=True, reason="符合信用修复条件。")
    assert listing["pending"]["action"] == "grant_repair"
    t.assert_field(await act(client, a, listing, "approve"), "approver", "same_officer")
    listing = await step(b, listing, "approve")
    assert (listing["status"], listing["removal"]["type"]) == ("removed", "early")
    listing = await step(a, listing, "revoke-repair", reason="申请材料弄虚作假。", evidence=docs)
    listing = await step(b, listing, "approve")
    assert listing["status"] == "listed"
    assert listing["decision"]["expires_on"] == "2029-11-26"  # the original term
    listing = await step(a, listing, "remove", type="review", document_no="豫政复决〔2027〕3号", reason="复议撤销")
    listing = await step(b, listing, "approve")
    assert (listing["status"], listing["removal"]["type"]) == ("removed", "review")

    assert steps(listing) == succeeded
    assert succeeded == [
        "propose",
        "notify",
        "statement",
        "object",
        "resolve_objection",
        "decide",
        "publish",
        "apply_repair",
        "propose_grant_repair",
        "approve_grant_repair",
        "propose_revoke_repair",
        "approve_revoke_repair",
        "propose_remove",
        "approve_remove",
    ]
    entries = await listing_audit(services, listing["id"])
    done = [e for e in entries if e.outcome == "ok"]
    assert [e.action for e in done] == [f"listing.{s}" for s in succeeded]
    assert [(e.action, e.outcome) for e in entries if e.outcome != "ok"] == [("listing.approve", "denied")]
    for entry, history in zip(done, listing["history"], strict=True):
        assert entry.actor == history["actor"]
        assert entry.after["status"] == history["status_after"]
    versions = [e.after["version"] for e in done]
    assert versions == list(range(1, len(done) + 1))
    assert [e.before["version"] for e in done[1:]] == versions[:-1]


# ---- a bug found; a restoration beside another open listing ------------------------------------------


async def test_a_log_entry_is_never_seen_before_an_earlier_one(client, services):
    """Two decisions by two authorities: the county's takes its log id, then waits on a row lock another
    transaction holds (its step's foreign key to the authority); the province's decides meanwhile. A
    reader of the log (the signing step reads in id order) must never see an entry and later find an
    entry with a smaller id appear before it."""
    postgres_only(services)
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    p1 = await t.bureau(client, services, division="410000", level="provincial")
    p2 = await t.bureau(client, services, division="410000", level="provincial")
    county_uscc, _ = await major_case(client, a)
    first = await notified(client, a, county_uscc)
    unit = await t.create(client, a)
    acc = await record(client, a, accident(unit["uscc"], "2026-09-01", deaths=12))
    await record(client, p1, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))  # the province decides
    second = await notified(client, p1, unit["uscc"])
    assert first["deciding_authority"]["id"] != second["deciding_authority"]["id"]

    async def ids_after(floor: int) -> list[int]:
        async with services.db.read() as session:
            return list(await session.scalars(select(LogEntry.id).where(LogEntry.id > floor).order_by(LogEntry.id)))

    async with services.db.read() as session:
        floor = int(await session.scalar(text("SELECT coalesce(max(id), 0) FROM log_entries")) or 0)
    async with services.db.write() as blocker:
        await blocker.execute(
            text("SELECT id FROM authorities WHERE id = :id FOR UPDATE"), {"id": first["deciding_authority"]["id"]}
        )
        county = asyncio.create_task(act(client, b, first, "approve", decision_no=decision_no()))
        for _ in range(100):  # until the county's decision waits on the lock
            await asyncio.sleep(0.05)
            async with services.db.read() as session:
                if await session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                    break
        province = asyncio.create_task(act(client, p2, second, "approve", decision_no=decision_no()))
        await asyncio.wait({province}, timeout=2)
        seen = await ids_after(floor)
    results = [await county, await province]
    assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
    final = await ids_after(floor)
    assert len(final) == 2
    late = [i for i in final if i not in seen]
    assert all(i > max(seen, default=floor) for i in late), f"seen {seen} first, then {late} appeared"


async def test_restoring_a_listing_beside_another_open_one_is_a_conflict(client, services, clock):
    """One open listing per subject and type holds for a restoration too: 409, never a 500 from the index."""
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, penalty_id = await major_case(client, a, executed=True)
    listing = await listed(client, a, b, uscc)
    set_day(clock, dt.date(2027, 11, 26))
    a, b = await t.bureau(client, services), await t.bureau(client, services)
    docs = [{"title": "罚款缴纳凭证"}]
    listing = await ok(client, a, listing, "apply-repair", commitment="已整改完毕并承诺守法经营。", evidence=docs)
    listing = await ok(client, a, listing, "decide-repair", granted=True, reason="符合信用修复条件。")
    listing = await ok(client, b, listing, "approve")
    assert (listing["status"], listing["removal"]["type"]) == ("removed", "early")
    # removed early: a new case-9 proposal for the unit may be opened
    case9 = {
        "subject": {"uscc": uscc},
        "source": "manual",
        "criterion": "11-9",
        "penalty_event_id": penalty_id,
        "reasons": "性质恶劣、情节严重，造成重大社会影响。",
    }
    r = await client.post(LISTINGS, json=case9, headers=a)
    assert r.status_code == 201, r.text
    other = r.json()["listing"]

    answers = [await act(client, a, listing, "revoke-repair", reason="申请材料弄虚作假。", evidence=docs)]
    if answers[-1].status_code == 200:
        answers.append(await act(client, b, answers[-1].json(), "approve"))
    codes = [x.status_code for x in answers]
    assert all(c < 500 for c in codes), [x.text for x in answers]
    assert codes[-1] == 409, [x.text for x in answers]
    problem = t.assert_problem(answers[-1], 409)
    assert (problem["reason"], problem["listing_id"]) == ("other_listing_open", other["id"])
    assert (await read(client, a, listing["id"]))["status"] == "removed"
    assert (await read(client, a, other["id"]))["status"] == "proposed"

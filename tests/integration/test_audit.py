"""The audit trail: every write leaves before/after in its transaction; rows are hash-chained and
the database itself refuses to change them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from registry.db.models import AuditEntry
from registry.domain.audit import ChainReport, verify_chain
from tests import factories as f
from tests.integration import support as t

BASE = "/api/v1/enterprises"


async def chain(services) -> ChainReport:
    async with services.db.read() as session:
        rows = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
        return await verify_chain(rows)


async def last_entry(services) -> AuditEntry:
    async with services.db.read() as session:
        row = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert row is not None
    return row


async def test_every_write_is_audited_with_before_and_after(client, services, clock):
    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    [created_account] = await t.audit_for(services, cid, "account.create")
    assert created_account.after["role"] == "bureau"
    assert secret not in str(created_account.after)
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    # a time the entries must carry exactly, to the microsecond (the token was issued at the real time)
    clock.at = dt.datetime.now(dt.UTC).replace(microsecond=123456) + dt.timedelta(seconds=1)

    rid = str(uuid.uuid4())
    body = f.enterprise(address="老地址")
    r = await client.post(BASE, json=body, headers={**h, "X-Request-ID": rid})
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == rid
    [create] = await t.audit_for(services, body["uscc"])
    assert (create.action, create.target_type, create.outcome) == ("enterprise.create", "enterprise", "ok")
    assert (create.actor, create.actor_role, create.request_id) == (cid, "bureau", rid)
    assert create.authority_id is not None
    assert create.at == clock.at
    assert create.before is None
    assert create.after == {
        "uscc": body["uscc"],
        "name": body["name"],
        "division_code": "410103",
        "industry": "machinery",
        "scale": "above_scale",
        "parent_uscc": None,
        "address": "老地址",
        "status": "active",
        "registration_no": None,
        "org_code": None,
        "operating_divisions": [],
        "version": 1,
    }

    clock.advance(dt.timedelta(minutes=1))
    r = await client.patch(f"{BASE}/{body['uscc']}", json={"version": 1, "address": "新地址"}, headers=h)
    assert r.status_code == 200, r.text
    update = (await t.audit_for(services, body["uscc"]))[-1]
    assert update.action == "enterprise.update"
    assert update.request_id == r.headers["x-request-id"]
    assert update.before == create.after
    assert update.after == {**create.after, "address": "新地址", "version": 2}
    assert update.at == clock.at

    pr = await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": "周审计"}, headers=h)
    person = pr.json()
    [pc] = await t.audit_for(services, str(person["id"]), "person.create")
    assert (pc.before, pc.after) == (None, {"name": "周审计", "id_masked": person["id_masked"]})


async def test_a_rejected_request_writes_no_audit_entry(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    before = (await last_entry(services)).id
    await client.post(BASE, json={**f.enterprise(), "industry": "steel"}, headers=h)
    await client.patch(f"{BASE}/{e['uscc']}", json={"version": 9, "scale": "micro"}, headers=h)
    await client.post(BASE, json=f.enterprise(uscc=e["uscc"]), headers=h)
    assert (await last_entry(services)).id == before


async def test_the_chain_over_every_stored_entry_verifies(client, services):
    h = await t.bureau(client, services)
    await t.create(client, h)  # at least one entry, whatever ran before
    report = await chain(services)
    assert report.ok, report
    assert report.entries >= 2
    newest = await last_entry(services)
    async with services.db.read() as session:
        previous = await session.scalar(
            select(AuditEntry).where(AuditEntry.id < newest.id).order_by(AuditEntry.id.desc())
        )
    assert previous is not None
    assert newest.prev_hash == previous.entry_hash


def _refusal_statements(dialect: str) -> list[str]:
    statements = [
        "UPDATE audit_entries SET outcome = 'ok', detail = 'rewritten' WHERE id = :id",
        "UPDATE audit_entries SET entry_hash = prev_hash WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
        "DELETE FROM audit_entries",
    ]
    if dialect == "postgresql":
        statements.append("TRUNCATE audit_entries")
    return statements


async def test_the_database_refuses_to_update_or_delete_audit_rows(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    [target] = await t.audit_for(services, e["uscc"])
    for statement in _refusal_statements(services.db.dialect):
        with pytest.raises(DBAPIError) as caught:
            async with services.db.write() as session:
                await session.execute(text(statement), {"id": target.id} if ":id" in statement else {})
        assert "append-only" in str(caught.value), caught.value
    [again] = await t.audit_for(services, e["uscc"])
    assert (again.entry_hash, again.outcome, again.detail, again.after) == (
        target.entry_hash,
        target.outcome,
        target.detail,
        target.after,
    )
    report = await chain(services)
    assert report.ok, report


async def test_name_history_is_append_only_too(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    for statement in (
        "UPDATE enterprise_names SET name = 'rewritten' WHERE name = :name",
        "DELETE FROM enterprise_names WHERE name = :name",
    ):
        with pytest.raises(DBAPIError):
            async with services.db.write() as session:
                await session.execute(text(statement), {"name": e["name"]})
    got = (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()
    assert [n["name"] for n in got["names"]] == [e["name"]]


async def test_verify_chain_finds_a_rewritten_row(client, services):
    """With the guard lifted inside a transaction that is rolled back, a rewrite is caught."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    [target] = await t.audit_for(services, e["uscc"])
    postgres = services.db.dialect == "postgresql"
    async with services.db.write() as session:
        if postgres:
            await session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        else:
            await session.execute(text("DROP TRIGGER audit_entries_no_update"))
        await session.execute(
            text("UPDATE audit_entries SET target_id = :other WHERE id = :id"), {"other": f.uscc(), "id": target.id}
        )
        rows = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
        report = await verify_chain(rows)
        await session.rollback()  # the schema change and the rewrite go together
    assert not report.ok
    assert report.first_bad_id == target.id
    assert "content" in (report.reason or "")
    # and the guard is back
    with pytest.raises(DBAPIError):
        async with services.db.write() as session:
            await session.execute(text("UPDATE audit_entries SET detail = 'x' WHERE id = :id"), {"id": target.id})
    assert (await chain(services)).ok

"""Two-officer approval is about people: only officer accounts propose and decide, an officer is a
person however many accounts they hold, and the second officer is another person (DESIGN 5, 6)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from registry.domain.actors import system_actor
from registry.errors import ValidationFailed
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_listing_workflow import (
    DECISION_DAY,
    TODAY,
    Officer,
    act,
    decided,
    major_case,
    move,
    notified,
    officer,
    ok,
    propose,
    proposed,
)
from tests.integration.test_listings import set_day
from tests.integration.test_revocation import cli


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


async def account_of(client: httpx.AsyncClient, services: Any, **kw: Any) -> tuple[Officer, int | None]:
    """A county bureau account of 410103 (``kind``, ``officer_id`` as given) and its officer."""
    new = await services.accounts.create(
        system_actor("test"), role="bureau", name="测试账号", level="county", division="410103", **kw
    )
    h = {"Authorization": f"Bearer {await f.token(client, new.client_id, new.client_secret)}"}
    return Officer(new.client_id, new.client_secret, h), new.officer_id


def refused_as_system(r: httpx.Response) -> None:
    body = t.assert_problem(r, 403, "officer_required")
    assert "officer" in body["detail"]


async def test_a_system_account_of_the_same_authority_may_neither_propose_nor_decide(
    client: httpx.AsyncClient, services: Any, clock: Any
) -> None:
    a = await officer(client, services)
    machine, officer_id = await account_of(client, services, kind="system")
    assert officer_id is None
    uscc, _ = await major_case(client, a.h)

    refused_as_system(await propose(client, machine.h, uscc))
    assert [e.outcome for e in await t.audit_for(services, uscc, "listing.propose")] == ["denied"]

    listing = await notified(client, a, uscc)
    b = await officer(client, services)
    await move(client, clock, DECISION_DAY, a, b, machine)
    refused_as_system(await act(client, machine.h, listing, "approve", decision_no="信决系统1号"))
    refused_as_system(await act(client, machine.h, listing, "approve", reject=True, reason="系统驳回"))
    denied = await t.audit_for(services, str(listing["id"]), "listing.approve")
    assert [e.outcome for e in denied] == ["denied", "denied"]
    assert {e.actor for e in denied} == {machine.id}

    listing = await ok(client, b.h, listing, "approve", decision_no="信决系统1号")
    assert (listing["status"], listing["proposed_by"], listing["decision"]["approved_by"]) == ("listed", a.id, b.id)
    # recording what happened stays open to the authority's systems; deciding does not
    listing = await ok(client, machine.h, listing, "publish", channels=["gsxt"])
    refused_as_system(
        await act(client, machine.h, listing, "remove", type="court", document_no="（2026）1号", reason="法院判决")
    )


async def test_a_second_account_of_the_same_officer_cannot_approve(
    client: httpx.AsyncClient, services: Any, clock: Any
) -> None:
    a, officer_id = await account_of(client, services, kind="officer")
    assert officer_id is not None
    laptop, same = await account_of(client, services, kind="officer", officer_id=officer_id)
    assert same == officer_id
    b = await officer(client, services)
    uscc, _ = await major_case(client, a.h)

    listing = await notified(client, a, uscc)
    await move(client, clock, DECISION_DAY, a, b, laptop)
    r = await act(client, laptop.h, listing, "approve", decision_no="信决同人1号")
    body = t.assert_field(r, "approver", "same_officer")
    assert "any of their accounts" in body["errors"][0]["message_en"]
    listing = await ok(client, b.h, listing, "approve", decision_no="信决同人1号")
    assert listing["decision"]["approved_by"] == b.id
    assert listing["proposed_by"] == a.id  # the accounts stay on the record, as before

    # a decision proposed from one account waits for another person, not for another account
    listing = await ok(
        client,
        laptop.h,
        listing,
        "remove",
        type="court",
        document_no="（2026）豫0103行初9号",
        reason="法院判决撤销处罚",
    )
    t.assert_field(await act(client, a.h, listing, "approve"), "approver", "same_officer")
    listing = await ok(client, b.h, listing, "approve")
    assert (listing["status"], listing["removal"]["type"]) == ("removed", "court")


async def test_a_different_officer_approves(client: httpx.AsyncClient, services: Any, clock: Any) -> None:
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    assert listing["decision"]["approved_by"] == b.id


async def test_an_officer_account_names_an_officer_that_exists(client: httpx.AsyncClient, services: Any) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        await services.accounts.create(
            system_actor("test"),
            role="bureau",
            name="x",
            level="county",
            division="410103",
            kind="officer",
            officer_id=0,
        )
    assert [(p.field, p.code) for p in unknown.value.problems] == [("officer", "unknown")]
    _, officer_id = await account_of(client, services, kind="officer")
    with pytest.raises(ValidationFailed) as system:
        await services.accounts.create(
            system_actor("test"), role="partner", name="x", department="mof", officer_id=officer_id
        )
    assert ("officer", "not_allowed") in [(p.field, p.code) for p in system.value.problems]


async def test_a_proposal_by_an_officer_is_accepted(client: httpx.AsyncClient, services: Any) -> None:
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    assert (await proposed(client, a.h, uscc))["listing"]["proposed_by"] == a.id


async def test_the_cli_gives_one_officer_a_second_account(services: Any, settings: Any) -> None:
    base = ["accounts", "create", "--role", "bureau", "--level", "county", "--division", "410103"]
    first = json.loads(await cli(settings, *base, "--name", "张三", "--kind", "officer", "--json"))
    assert first["officer_id"] is not None
    second = await cli(
        settings,
        *base,
        "--name",
        "张三（笔记本）",
        "--kind",
        "officer",
        "--officer",
        str(first["officer_id"]),
        "--json",
    )
    assert json.loads(second)["officer_id"] == first["officer_id"]
    machine = json.loads(await cli(settings, *base, "--name", "对接系统", "--json"))
    assert set(machine) == {"client_id", "client_secret"}  # the contract's two keys, for a system account

    unknown = await cli(settings, *base, "--name", "李四", "--kind", "officer", "--officer", "999999999", code=2)
    assert "officer" in unknown
    system = await cli(settings, *base, "--name", "系统", "--officer", str(first["officer_id"]), code=2)
    assert "officer" in system

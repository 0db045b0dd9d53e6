"""Two-officer approval is about people: only officer accounts propose and decide, an officer is a
person however many accounts they hold, and the second officer is another person (DESIGN 5, 6)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from registry.domain.actors import system_actor
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
        client, laptop.h, listing, "remove", type="court", document_no="（2026）豫0103行初9号", reason="法院判决撤销处罚"
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
    with_unknown = services.accounts.create(
        system_actor("test"), role="bureau", name="x", level="county", division="410103", kind="officer", officer_id=0
    )
    try:
        await with_unknown
    except Exception as exc:  # ValidationFailed naming the field
        assert [(p.field, p.code) for p in exc.problems] == [("officer", "unknown")]  # type: ignore[attr-defined]
    else:
        raise AssertionError("an unknown officer was accepted")
    _, officer_id = await account_of(client, services, kind="officer")
    try:
        await services.accounts.create(
            system_actor("test"), role="partner", name="x", department="mof", officer_id=officer_id
        )
    except Exception as exc:
        assert ("officer", "not_allowed") in [(p.field, p.code) for p in exc.problems]  # type: ignore[attr-defined]
    else:
        raise AssertionError("a system account was given an officer")


async def test_a_proposal_by_an_officer_is_accepted(client: httpx.AsyncClient, services: Any) -> None:
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    assert (await proposed(client, a.h, uscc))["listing"]["proposed_by"] == a.id

"""The listing workflow (严重失信主体名单) against its contract: every path of the state machine, who
may act (the area, the deciding authority, two officers), the calendar (statement period, term,
credit repair after 12 months, expiry sweep), the persons a unit's decision names, case 9 by hand,
the effects on grades and on the rules, search, and bad input.

Every test starts on 2026-11-26 (noon in Beijing). Tests that need a later day move the shared clock
with ``move`` and re-issue the tokens of the officers they keep using: a token is checked against
the clock, and "the same officer" must stay the same account (its client_id is the actor id).
The database is shared by all tests, so each test registers its own enterprises and persons.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from registry.db.models import LogEntry
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_grades import applied as grade_applied
from tests.integration.test_grades import valid_grade
from tests.integration.test_listings import set_day
from tests.integration.test_rules_api import accident, add_role, evaluate, penalty, record

LISTINGS = "/api/v1/listings"
TODAY = dt.date(2026, 11, 26)
#: notice served on TODAY: the 5-day statement period ends 2026-12-01, a decision may follow the next day
DECISION_DAY = dt.date(2026, 12, 2)
EXPIRES = "2029-12-02"
REPAIR_OPENS = dt.date(2027, 12, 2)
DOCS = [{"title": "罚款缴纳凭证", "reference": "豫财缴〔2027〕1号"}]
COMMITMENT = "已全面整改完毕，消除事故隐患，并承诺今后守法经营。"
CASE9_REASONS = "拒不执行处罚决定且多次逃避检查，性质恶劣、情节严重。"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


# ---- officers and the clock ------------------------------------------------------------------------


@dataclass
class Officer:
    """A bureau account: ``id`` is the actor id the listing records (proposed_by, approved_by)."""

    id: str
    secret: str
    h: dict[str, str]


async def officer(client: httpx.AsyncClient, services: Any, division: str = "410103", level: str = "county") -> Officer:
    cid, secret = await f.account(services, "bureau", level=level, division=division, kind="officer")
    return Officer(cid, secret, {"Authorization": f"Bearer {await f.token(client, cid, secret)}"})


async def move(client: httpx.AsyncClient, clock: Any, day: dt.date, *officers: Officer) -> None:
    """Set today to ``day`` and give each officer a token issued under the new clock."""
    set_day(clock, day)
    for o in officers:
        o.h = {"Authorization": f"Bearer {await f.token(client, o.id, o.secret)}"}


# ---- facts ---------------------------------------------------------------------------------------------


async def major_case(client: httpx.AsyncClient, h: dict[str, str], **penalty_details: Any) -> tuple[str, int]:
    """A new unit with a 重大 accident and the penalty for it (recorded by ``h``'s authority, so that
    authority imposed it): rule R1 orders its listing. Returns (uscc, penalty event id)."""
    unit = await t.create(client, h)
    acc = await record(client, h, accident(unit["uscc"], "2026-09-01", deaths=12))
    pen = await record(client, h, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]], **penalty_details))
    return unit["uscc"], pen["id"]


EXECUTED = {"execution": "executed", "executed_on": "2026-11-01"}


async def new_person(client: httpx.AsyncClient, h: dict[str, str], name: str) -> tuple[dict[str, Any], str]:
    """A registered person and the full id number it was registered with (which answers must not show)."""
    id_number = t.person_id()
    r = await client.post("/api/v1/persons", json={"id_number": id_number, "name": name}, headers=h)
    assert r.status_code == 201, r.text
    return r.json(), id_number


async def major_case_with_principal(client: httpx.AsyncClient, h: dict[str, str], person_id: int) -> str:
    """A new unit whose principal (since 2020) is ``person_id``, with a major accident and its penalty:
    R1 lists the unit and names the principal. Returns the unit's USCC."""
    unit = await t.create(client, h)
    await add_role(client, h, person_id, unit["uscc"], "2020-01-01")
    acc = await record(client, h, accident(unit["uscc"], "2026-09-01", deaths=12))
    await record(client, h, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))
    return unit["uscc"]


# ---- the API -------------------------------------------------------------------------------------------


async def propose(client: httpx.AsyncClient, h: dict[str, str], uscc: str, **body: Any) -> httpx.Response:
    return await client.post(LISTINGS, json={"subject": {"uscc": uscc}, **body}, headers=h)


async def proposed(client: httpx.AsyncClient, h: dict[str, str], uscc: str, **body: Any) -> dict[str, Any]:
    """The answer to a proposal that must succeed (201): {listing, related}."""
    r = await propose(client, h, uscc, **body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def act(
    client: httpx.AsyncClient, h: dict[str, str], listing: dict[str, Any], action: str, **body: Any
) -> httpx.Response:
    """POST an action with the version last read (``body`` may override it)."""
    body.setdefault("version", listing["version"])
    return await client.post(f"{LISTINGS}/{listing['id']}/{action}", json=body, headers=h)


async def ok(
    client: httpx.AsyncClient, h: dict[str, str], listing: dict[str, Any], action: str, **body: Any
) -> dict[str, Any]:
    """An action that must succeed: 200 and the version one higher."""
    r = await act(client, h, listing, action, **body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["version"] == listing["version"] + 1, got
    return got  # type: ignore[no-any-return]


async def read(client: httpx.AsyncClient, h: dict[str, str], listing_id: int) -> dict[str, Any]:
    r = await client.get(f"{LISTINGS}/{listing_id}", headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def search(client: httpx.AsyncClient, h: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await client.get(LISTINGS, params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def conflict(r: httpx.Response, reason: str) -> dict[str, Any]:
    """A 409 naming why, with the listing's current state."""
    body = t.assert_problem(r, 409)
    assert body["reason"] == reason, body
    return body


# ---- states, built the ordinary way ---------------------------------------------------------------------


async def notified(client: httpx.AsyncClient, a: Officer, uscc: str) -> dict[str, Any]:
    """Proposed and notified by ``a`` today (the statement period runs 5 days)."""
    listing = (await proposed(client, a.h, uscc))["listing"]
    return await ok(client, a.h, listing, "notify", notice_no=f"郑二应急告〔2026〕{secrets.randbelow(10**6)}号")


async def decided(client: httpx.AsyncClient, clock: Any, a: Officer, b: Officer, uscc: str) -> dict[str, Any]:
    """Proposed and notified by ``a`` on TODAY, decided by ``b`` on DECISION_DAY (the clock is left there)."""
    listing = await notified(client, a, uscc)
    await move(client, clock, DECISION_DAY, a, b)
    listing = await ok(client, b.h, listing, "approve", decision_no=f"郑二应急信决〔2026〕{secrets.randbelow(10**6)}号")
    assert listing["status"] == "listed"
    return listing


async def repaired_early(client: httpx.AsyncClient, clock: Any, a: Officer, b: Officer) -> dict[str, Any]:
    """A unit listed on DECISION_DAY (penalty executed), repaired and removed early on REPAIR_OPENS:
    ``a`` applies and grants, ``b`` approves."""
    uscc, _ = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, REPAIR_OPENS, a, b)
    listing = await ok(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    listing = await ok(client, a.h, listing, "decide-repair", granted=True, reason="整改到位，符合修复条件")
    listing = await ok(client, b.h, listing, "approve")
    assert (listing["status"], listing["removal"]["type"]) == ("removed", "early")
    return listing


async def log_kinds(services: Any, target_type: str, target_id: int) -> list[str]:
    async with services.db.read() as session:
        rows = await session.scalars(
            select(LogEntry.kind)
            .where(LogEntry.target_type == target_type, LogEntry.target_id == str(target_id))
            .order_by(LogEntry.id)
        )
        return list(rows)


async def grades_of(client: httpx.AsyncClient, h: dict[str, str], uscc: str) -> dict[int, dict[str, Any]]:
    r = await client.get(f"/api/v1/enterprises/{uscc}/grades", headers=h)
    assert r.status_code == 200, r.text
    return {g["id"]: g for g in r.json()["grades"]}


def fired(got: dict[str, Any]) -> set[str]:
    """The rules that fired in an evaluation (ruleset#rule)."""
    return set(got["decision"]["fired"])


# ==== 1. the state machine ===================================================================================


async def test_proposed_then_notified_then_listed_by_a_second_officer(client, services, clock):
    """The ordinary path: the proposer notifies, may not decide himself, nobody may decide inside the
    statement period, and a second officer decides the day after it ends."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, penalty_id = await major_case(client, a.h)

    listing = (await proposed(client, a.h, uscc))["listing"]
    assert (listing["status"], listing["version"], listing["proposed_by"]) == ("proposed", 1, a.id)
    assert (listing["source"], listing["criteria"], listing["list_type"]) == (
        "rules",
        ["11-1"],
        "SERIOUS_DISHONEST_2023",
    )
    assert penalty_id in listing["evidence"]
    assert listing["decision"]["decision_no"] is None

    listing = await ok(client, a.h, listing, "notify", notice_no="郑二应急告〔2026〕1号")
    assert listing["status"] == "notified"
    assert listing["notice"] == {
        "notice_no": "郑二应急告〔2026〕1号",
        "served_on": "2026-11-26",
        "statement_deadline": "2026-12-01",
        "statement_answered": False,
    }

    t.assert_field(await act(client, a.h, listing, "approve", decision_no="信决1号"), "approver", "same_officer")
    conflict(await act(client, b.h, listing, "approve", decision_no="信决1号"), "statement_period_running")
    await move(client, clock, dt.date(2026, 12, 1), a, b)  # the deadline itself is still inside the period
    conflict(await act(client, b.h, listing, "approve", decision_no="信决1号"), "statement_period_running")

    await move(client, clock, DECISION_DAY, a, b)
    listing = await ok(client, b.h, listing, "approve", decision_no="信决1号")
    assert (listing["status"], listing["in_force"]) == ("listed", True)
    assert listing["decision"] == {
        "decision_no": "信决1号",
        "decided_on": "2026-12-02",
        "approved_by": b.id,
        "effective_on": "2026-12-02",
        "expires_on": EXPIRES,
    }
    detail = await read(client, a.h, listing["id"])
    assert [(s["step"], s["status_after"], s["actor"]) for s in detail["history"]] == [
        ("propose", "proposed", a.id),
        ("notify", "notified", a.id),
        ("decide", "listed", b.id),
    ]
    assert await log_kinds(services, "listing", listing["id"]) == ["listing.listed"]


async def test_a_proposal_needs_a_rule_decision_and_only_one_may_be_open(client, services):
    """No rule orders a listing of a unit with a clean record (422 no_rule_decision); a unit with an
    open listing cannot be proposed again (409 already_open)."""
    a = await officer(client, services)
    clean = await t.create(client, a.h)
    t.assert_field(await propose(client, a.h, clean["uscc"]), "list_type", "no_rule_decision")

    uscc, _ = await major_case(client, a.h)
    await proposed(client, a.h, uscc)
    conflict(await propose(client, a.h, uscc), "already_open")


async def test_an_accepted_statement_drops_the_proposal(client, services):
    """The bureau accepts the subject's statement: the listing is dropped and can no longer be decided."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)

    listing = await ok(
        client, a.h, listing, "statement", statement="事故责任认定有误", answer="经复核，采纳", accepted=True
    )
    assert (listing["status"], listing["notice"]["statement_answered"]) == ("dropped", True)
    conflict(await act(client, b.h, listing, "approve", decision_no="信决2号"), "illegal_transition")
    # a dropped proposal is not open: the unit may be proposed again
    await proposed(client, a.h, uscc)


async def test_an_answered_statement_lets_the_decision_come_before_the_deadline(client, services):
    """Once the statement is answered (not accepted) the period need not run out: decided the same day."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)

    listing = await ok(client, a.h, listing, "statement", statement="请求从轻", answer="理由不成立，不予采纳")
    assert (listing["status"], listing["notice"]["statement_answered"]) == ("notified", True)
    listing = await ok(client, b.h, listing, "approve", decision_no="信决3号")
    assert listing["status"] == "listed"
    assert (listing["decision"]["effective_on"], listing["decision"]["expires_on"]) == ("2026-11-26", "2029-11-26")


async def test_an_objection_upheld_during_the_notice_drops_the_proposal(client, services):
    """An objection freezes the notified listing; upheld, the listing is dropped."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)

    listing = await ok(client, a.h, listing, "object", grounds="处罚对象认定错误")
    assert (listing["status"], listing["objection_pending"]) == ("notified", True)
    listing = await ok(client, a.h, listing, "resolve-objection", upheld=True, answer="异议成立")
    assert (listing["status"], listing["objection_pending"]) == ("dropped", False)
    conflict(await act(client, b.h, listing, "approve", decision_no="信决4号"), "illegal_transition")


async def test_an_objection_rejected_during_the_notice_unfreezes_the_listing(client, services, clock):
    """While the objection is open nothing moves; rejected, the workflow continues to a decision."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)
    listing = await ok(client, a.h, listing, "object", grounds="处罚对象认定错误")

    await move(client, clock, DECISION_DAY, a, b)
    body = conflict(await act(client, b.h, listing, "approve", decision_no="信决5号"), "objection_pending")
    assert body["current"]["objection_pending"] is True
    conflict(await act(client, a.h, listing, "statement", statement="陈述", answer="答复"), "objection_pending")

    listing = await ok(client, a.h, listing, "resolve-objection", upheld=False, answer="异议不成立")
    assert (listing["status"], listing["objection_pending"]) == ("notified", False)
    listing = await ok(client, b.h, listing, "approve", decision_no="信决5号")
    assert listing["status"] == "listed"


async def test_an_objection_on_a_listed_listing_freezes_every_other_action(client, services, clock):
    """An objection to a listing in force freezes it: every action but resolving it is 409
    objection_pending, and nothing changes."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    listing = await ok(client, a.h, listing, "object", grounds="列入依据的事故认定已被撤销")
    assert (listing["status"], listing["objection_pending"]) == ("listed", True)

    attempts = {
        "notify": {"notice_no": "告2号"},
        "statement": {"statement": "陈述", "answer": "答复"},
        "object": {"grounds": "再次异议"},
        "approve": {"decision_no": "信决6号"},
        "publish": {"channels": ["credit_china"]},
        "apply-repair": {"commitment": COMMITMENT, "evidence": DOCS},
        "decide-repair": {"granted": True, "reason": "符合条件"},
        "revoke-repair": {"reason": "弄虚作假", "evidence": DOCS},
        "remove": {"type": "court", "document_no": "（2026）豫0103行初1号", "reason": "判决撤销"},
    }
    for action, body in attempts.items():
        for who in (a, b):
            got = conflict(await act(client, who.h, listing, action, **body), "objection_pending")
            assert got["current"] == {
                "status": "listed",
                "version": listing["version"],
                "objection_pending": True,
                "pending_action": None,
            }, action
    assert (await read(client, a.h, listing["id"]))["version"] == listing["version"]


async def test_an_objection_upheld_on_a_listed_listing_removes_it_as_a_correction(client, services, clock):
    """Upheld, the objection removes the listing in force: removal type objection_upheld, today."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    listing = await ok(client, a.h, listing, "object", grounds="列入依据的事故认定已被撤销")

    listing = await ok(client, a.h, listing, "resolve-objection", upheld=True, answer="异议成立，予以更正")
    assert (listing["status"], listing["objection_pending"], listing["in_force"]) == ("removed", False, False)
    assert listing["removal"]["type"] == "objection_upheld"
    assert listing["removal"]["removed_on"] == DECISION_DAY.isoformat()
    assert await log_kinds(services, "listing", listing["id"]) == ["listing.listed", "listing.removed"]


async def test_a_second_officer_rejects_the_proposal(client, services, clock):
    """approve reject=true (with a reason) is the second officer's refusal: the proposal is dropped."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)
    await move(client, clock, DECISION_DAY, a, b)

    t.assert_field(await act(client, b.h, listing, "approve", reject=True), "reason", "required")
    listing = await ok(client, b.h, listing, "approve", reject=True, reason="证据不足，不予列入")
    assert (listing["status"], listing["decision"]["decision_no"]) == ("dropped", None)
    assert listing["history"][-1]["step"] == "reject"


async def test_a_court_removal_takes_a_second_officer(client, services, clock):
    """remove only proposes the removal; the proposer may not approve it, another officer does."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)

    listing = await ok(
        client, a.h, listing, "remove", type="court", document_no="（2026）豫0103行初7号", reason="法院判决撤销处罚"
    )
    assert listing["status"] == "listed"
    assert (listing["pending"]["action"], listing["pending"]["by"]) == ("remove", a.id)
    t.assert_field(await act(client, a.h, listing, "approve"), "approver", "same_officer")
    conflict(await act(client, b.h, listing, "publish", channels=["gsxt"]), "pending_approval")

    listing = await ok(client, b.h, listing, "approve")
    assert (listing["status"], listing["pending"]) == ("removed", None)
    assert listing["removal"]["type"] == "court"
    assert listing["removal"]["removed_on"] == DECISION_DAY.isoformat()


async def test_a_pending_removal_rejected_keeps_the_listing(client, services, clock):
    """A second officer may reject a pending removal: the listing stays listed, nothing pending."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    listing = await ok(client, a.h, listing, "remove", type="review", document_no="复决1号", reason="复议撤销")

    listing = await ok(client, b.h, listing, "approve", reject=True, reason="复议决定未生效")
    assert (listing["status"], listing["pending"], listing["removal"]) == ("listed", None, None)


async def test_remove_on_a_removed_listing_is_an_illegal_transition(client, services, clock):
    """A removed listing is history: proposing its removal again is 409 illegal_transition."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    listing = await ok(client, a.h, listing, "remove", type="court", document_no="行初8号", reason="判决撤销")
    listing = await ok(client, b.h, listing, "approve")

    body = conflict(
        await act(client, a.h, listing, "remove", type="court", document_no="行初9号", reason="再次移出"),
        "illegal_transition",
    )
    assert body["current"]["status"] == "removed"


async def test_approving_twice_is_409(client, services, clock):
    """A retried approval (old version) is stale; sent with the new version there is nothing to approve."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    before = await notified(client, a, uscc)
    await move(client, clock, DECISION_DAY, a, b)
    after = await ok(client, b.h, before, "approve", decision_no="信决10号")

    stale = conflict(await act(client, b.h, before, "approve", decision_no="信决10号"), "stale_version")
    assert stale["current"]["status"] == "listed"
    assert stale["current"]["version"] == after["version"]
    conflict(await act(client, b.h, after, "approve", decision_no="信决10号"), "nothing_to_approve")
    assert (await read(client, a.h, after["id"]))["version"] == after["version"]


async def test_notifying_twice_is_409(client, services):
    """Notice is served once: notify on a notified listing is 409 illegal_transition."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)
    conflict(await act(client, a.h, listing, "notify", notice_no="告11号"), "illegal_transition")


async def test_the_decision_needs_its_number_and_cannot_take_effect_before_it_is_made(client, services, clock):
    """A listing decision is a written decision (decision_no required) and does not act backwards;
    it may take effect later than the day it is made."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await notified(client, a, uscc)
    await move(client, clock, DECISION_DAY, a, b)

    t.assert_field(await act(client, b.h, listing, "approve"), "decision_no", "required")
    r = await act(client, b.h, listing, "approve", decision_no="信决12号", effective_on="2026-12-01")
    t.assert_field(r, "effective_on", "before_decision")
    assert (await read(client, a.h, listing["id"]))["status"] == "notified"
    listing = await ok(client, b.h, listing, "approve", decision_no="信决12号", effective_on="2026-12-10")
    assert (listing["decision"]["effective_on"], listing["decision"]["expires_on"]) == ("2026-12-10", "2029-12-10")
    assert listing["in_force"] is False  # decided, not yet in effect


# ==== 2. who may act =======================================================================================


async def test_a_county_bureau_outside_its_county_is_refused_and_audited(client, services):
    """A bureau of another county may neither propose, nor read, nor act; every attempt is audited."""
    a = await officer(client, services)
    outsider = await officer(client, services, division="410105")
    uscc, _ = await major_case(client, a.h)

    t.assert_problem(await propose(client, outsider.h, uscc), 403, "outside_jurisdiction")
    assert [e.outcome for e in await t.audit_for(services, uscc, "listing.propose")] == ["denied"]

    listing = (await proposed(client, a.h, uscc))["listing"]
    r = await act(client, outsider.h, listing, "notify", notice_no="告12号")
    t.assert_problem(r, 403, "outside_jurisdiction")
    [denied] = await t.audit_for(services, str(listing["id"]), "listing.notify")
    assert (denied.outcome, denied.actor) == ("denied", outsider.id)
    t.assert_problem(await client.get(f"{LISTINGS}/{listing['id']}", headers=outsider.h), 403, "outside_jurisdiction")
    assert [e.outcome for e in await t.audit_for(services, str(listing["id"]), "listing.read")] == ["denied"]
    assert (await read(client, a.h, listing["id"]))["status"] == "proposed"


async def test_a_provincial_bureau_that_imposed_the_penalty_proposes_and_decides(client, services, clock):
    """谁处罚、谁决定: the province recorded the penalty, so two provincial officers run the listing;
    the county bureau, though it covers the unit, is not the deciding authority."""
    county = await officer(client, services)
    p1 = await officer(client, services, division="410000", level="provincial")
    p2 = await officer(client, services, division="410000", level="provincial")
    unit = await t.create(client, county.h)
    acc = await record(client, county.h, accident(unit["uscc"], "2026-09-01", deaths=12))
    await record(client, p1.h, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))

    r = await propose(client, county.h, unit["uscc"])
    t.assert_problem(r, 403, "not_deciding_authority")
    listing = (await proposed(client, p1.h, unit["uscc"]))["listing"]
    authority = listing["deciding_authority"]
    assert (authority["division_code"], authority["level"]) == ("410000", "provincial")
    assert listing["division_code"] == "410103"

    t.assert_problem(
        await act(client, county.h, listing, "notify", notice_no="豫应急告1号"), 403, "not_deciding_authority"
    )
    [denied] = await t.audit_for(services, str(listing["id"]), "listing.notify")
    assert (denied.outcome, denied.actor) == ("denied", county.id)

    listing = await ok(client, p1.h, listing, "notify", notice_no="豫应急告1号")
    await move(client, clock, DECISION_DAY, p1, p2)
    t.assert_field(await act(client, p1.h, listing, "approve", decision_no="豫应急信决1号"), "approver", "same_officer")
    listing = await ok(client, p2.h, listing, "approve", decision_no="豫应急信决1号")
    assert (listing["status"], listing["decision"]["approved_by"]) == ("listed", p2.id)


async def test_a_provincial_bureau_that_did_not_impose_the_penalty_is_refused(client, services):
    """The county imposed the penalty: the province covers the unit but is not the deciding authority
    (403 not_deciding_authority, audited); the county acts."""
    county = await officer(client, services)
    province = await officer(client, services, division="410000", level="provincial")
    uscc, _ = await major_case(client, county.h)

    t.assert_problem(await propose(client, province.h, uscc), 403, "not_deciding_authority")
    [denied] = await t.audit_for(services, uscc, "listing.propose")
    assert (denied.outcome, denied.actor) == ("denied", province.id)

    listing = (await proposed(client, county.h, uscc))["listing"]
    assert listing["deciding_authority"]["division_code"] == "410103"
    assert listing["repair_notice"] is None  # served with the decision, not before
    t.assert_problem(
        await act(client, province.h, listing, "notify", notice_no="告13号"), 403, "not_deciding_authority"
    )
    assert [e.outcome for e in await t.audit_for(services, str(listing["id"]), "listing.notify")] == ["denied"]
    listing = await ok(client, county.h, listing, "notify", notice_no="告13号")
    assert listing["status"] == "notified"
    # the province may still read what happens in its area
    assert (await read(client, province.h, listing["id"]))["status"] == "notified"


# ==== 3. the calendar =======================================================================================


async def test_the_term_is_36_calendar_months_and_repair_opens_after_12(client, services, clock):
    """Effective 2026-12-02: expires 2029-12-02; early removal may be applied for from 2027-12-02,
    not on 2027-12-01."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    assert (listing["decision"]["effective_on"], listing["decision"]["expires_on"]) == ("2026-12-02", EXPIRES)
    assert listing["repair_opens_on"] == "2027-12-02"
    # 两书同达 (DOMAIN 8.10): the decision's answer carries the repair notice, with the conditions
    # of the rule the workflow will check an application against
    served = listing["repair_notice"]
    assert (served["listed_from"], served["listed_until"], served["repair_from"]) == (
        "2026-12-02",
        EXPIRES,
        "2027-12-02",
    )
    assert [c["code"] for c in served["conditions"]] == [
        "listed_12_months",
        "penalty_performed",
        "no_new_listing_case",
        "consequences_removed",
        "credit_commitment",
    ]
    assert served["apply_to"].endswith(listing["deciding_authority"]["name"])
    assert served["rules"][0].startswith("listing/2023@")
    assert served["verified"] is False
    assert (await read(client, a.h, listing["id"]))["repair_notice"] == served

    await move(client, clock, dt.date(2027, 12, 1), a)
    r = await act(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    t.assert_field(r, "applied_on", "repair_too_early")
    assert (await read(client, a.h, listing["id"]))["repair_applications"] == []


async def test_a_repair_application_is_accepted_on_the_day_it_opens(client, services, clock):
    """On 2027-12-02, with the penalty executed and no new penalty, the application is recorded with
    every condition checked; the listing stays listed until it is decided."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, REPAIR_OPENS, a)

    listing = await ok(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    assert listing["status"] == "listed"
    [application] = listing["repair_applications"]
    assert (application["status"], application["applied_on"]) == ("pending", "2027-12-02")
    assert {c["code"]: c["held"] for c in application["checks"]} == {
        "listed_12_months": True,
        "penalty_performed": True,
        "no_new_listing_case": True,
        "consequences_removed": True,
    }
    r = await act(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    conflict(r, "repair_pending")


async def test_a_repair_refused_leaves_the_listing_listed(client, services, clock):
    """decide-repair granted=false refuses the application at once (no second officer needed)."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, REPAIR_OPENS, a)
    listing = await ok(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)

    listing = await ok(client, a.h, listing, "decide-repair", granted=False, reason="材料不实")
    assert (listing["status"], listing["pending"]) == ("listed", None)
    assert listing["repair_applications"][0]["status"] == "refused"
    conflict(await act(client, a.h, listing, "decide-repair", granted=True, reason="再议"), "no_repair_application")


async def test_a_granted_repair_removes_the_listing_early_after_a_second_officer_approves(client, services, clock):
    """decide-repair granted only proposes the early removal; the granting officer may not approve it;
    another officer's approval removes the listing (type early) that day."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, REPAIR_OPENS, a, b)
    listing = await ok(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)

    listing = await ok(client, a.h, listing, "decide-repair", granted=True, reason="整改到位，符合修复条件")
    assert (listing["status"], listing["pending"]["action"]) == ("listed", "grant_repair")
    t.assert_field(await act(client, a.h, listing, "approve"), "approver", "same_officer")

    listing = await ok(client, b.h, listing, "approve")
    assert (listing["status"], listing["in_force"]) == ("removed", False)
    assert listing["removal"]["type"] == "early"
    assert listing["removal"]["removed_on"] == "2027-12-02"
    [application] = listing["repair_applications"]
    assert (application["status"], application["decided_on"], application["decided_by"]) == (
        "granted",
        "2027-12-02",
        a.id,
    )
    # removed early, the listing is history: the rules no longer order joint punishment
    got = await evaluate(client, a.h, subject={"uscc": uscc})
    assert [x["removed_on"] for x in got["facts"]["listings"]] == ["2027-12-02"]
    assert not {"joint_punishment/2016#R13", "joint_punishment/2016#R14"} & fired(got)


async def test_a_revoked_repair_restores_the_listing_with_its_original_term(client, services, clock):
    """A repair obtained by deception is revoked (two officers): the listing is listed again and
    still expires on the day the decision set, not three years from the restoration."""
    a, b = await officer(client, services), await officer(client, services)
    listing = await repaired_early(client, clock, a, b)
    await move(client, clock, dt.date(2028, 3, 1), a, b)

    listing = await ok(client, a.h, listing, "revoke-repair", reason="提交的缴款凭证系伪造", evidence=DOCS)
    assert (listing["status"], listing["pending"]["action"]) == ("removed", "revoke_repair")
    t.assert_field(await act(client, a.h, listing, "approve"), "approver", "same_officer")
    listing = await ok(client, b.h, listing, "approve")
    assert (listing["status"], listing["in_force"], listing["removal"]) == ("listed", True, None)
    assert (listing["decision"]["effective_on"], listing["decision"]["expires_on"]) == ("2026-12-02", EXPIRES)
    assert listing["repair_applications"][0]["status"] == "revoked"
    assert await log_kinds(services, "listing", listing["id"]) == [
        "listing.listed",
        "listing.removed",
        "listing.restored",
    ]


async def test_revoke_repair_needs_an_early_removal(client, services, clock):
    """Only a repair can be revoked: a court removal cannot be undone that way."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    listing = await ok(client, a.h, listing, "remove", type="court", document_no="行初14号", reason="判决撤销")
    listing = await ok(client, b.h, listing, "approve")
    conflict(await act(client, a.h, listing, "revoke-repair", reason="弄虚作假", evidence=DOCS), "not_early_removal")


async def test_the_sweep_removes_a_listing_the_day_after_its_term_and_only_once(client, services, clock):
    """The restored listing is still listed on its last day (2029-12-02); the sweep of 2029-12-03
    removes it as expired (removed_on = expires_on + 1 day); a second sweep finds nothing."""
    a, b = await officer(client, services), await officer(client, services)
    listing = await repaired_early(client, clock, a, b)
    await move(client, clock, dt.date(2028, 3, 1), a, b)
    listing = await ok(client, a.h, listing, "revoke-repair", reason="提交的缴款凭证系伪造", evidence=DOCS)
    listing = await ok(client, b.h, listing, "approve")

    await move(client, clock, dt.date(2029, 12, 2), a)
    await services.listings.sweep()
    last_day = await read(client, a.h, listing["id"])
    assert (last_day["status"], last_day["in_force"]) == ("listed", True)

    await move(client, clock, dt.date(2029, 12, 3), a)
    assert await services.listings.sweep() >= 1
    swept = await read(client, a.h, listing["id"])
    assert (swept["status"], swept["in_force"]) == ("removed", False)
    assert swept["removal"]["type"] == "expiry"
    assert swept["removal"]["removed_on"] == "2029-12-03"
    assert swept["history"][-1]["step"] == "expire"

    assert await services.listings.sweep() == 0
    assert (await read(client, a.h, listing["id"]))["version"] == swept["version"]


def advised(got: dict[str, Any]) -> bool:
    """Whether an evaluation advises early removal (rule R10 fired)."""
    return any(o["code"] == "removal_early_eligible" for o in got["decision"]["removals"])


def why_not(got: dict[str, Any], listing: dict[str, Any]) -> dict[str, list[int]]:
    """The early-removal conditions an evaluation finds unmet for ``listing``, with their evidence."""
    [judged] = [x for x in got["early_removal"] if x["listing_id"] == listing["id"]]
    assert judged["eligible"] is (not [c for c in judged["checks"] if not c["held"]])
    assert judged["eligible"] is advised(got)
    return {c["code"]: c["evidence"] for c in judged["checks"] if not c["held"]}


async def test_a_later_fine_for_another_matter_does_not_bar_repair(client, services, clock):
    """DOMAIN 8.6: the default conditions are the penalty behind the listing performed and no new
    listing case since the listing, not "no penalty of any kind". A small fine for another matter
    after the listing (not yet paid) bars nothing: evaluate advises early removal, and the
    application, the grant and the approval go through (before issue 17 the workflow refused it
    as no_new_penalty and the rules as an unpaid penalty)."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, own = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, dt.date(2027, 3, 1), a, b)
    fine = await record(client, a.h, penalty(uscc, "2027-03-01", fine_cny=2_000))

    await move(client, clock, REPAIR_OPENS, a, b)
    got = await evaluate(client, a.h, subject={"uscc": uscc})
    assert advised(got)
    assert why_not(got, listing) == {}
    [eligible] = [o for o in got["decision"]["removals"] if o["code"] == "removal_early_eligible"]
    assert eligible["evidence"] == [own]
    assert fine["id"] not in eligible["evidence"]
    listing = await ok(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    checks = {c["code"]: c for c in listing["repair_applications"][0]["checks"]}
    assert {k: c["held"] for k, c in checks.items()} == {
        "listed_12_months": True,
        "penalty_performed": True,
        "no_new_listing_case": True,
        "consequences_removed": True,
    }
    assert checks["penalty_performed"]["evidence"] == [own]
    assert checks["no_new_listing_case"]["ruleset"].startswith("listing/2023@sha256:")
    listing = await ok(client, a.h, listing, "decide-repair", granted=True, reason="整改到位，符合修复条件")
    listing = await ok(client, b.h, listing, "approve")
    assert (listing["status"], listing["removal"]["type"]) == ("removed", "early")


async def test_a_new_listing_case_since_the_listing_bars_repair_as_evaluate_says(client, services, clock):
    """A new 重大 accident after the listing, penalised (a case under 11号 of its own): evaluate does
    not advise early removal, and the workflow refuses the application naming the one condition
    that fails, no_new_listing_case, with the new case's events (the accident and its penalty)."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, dt.date(2027, 3, 1), a)
    acc = await record(client, a.h, accident(uscc, "2027-02-01", deaths=11))
    pen = await record(client, a.h, penalty(uscc, "2027-03-01", links=[acc["id"]], execution="executed"))

    await move(client, clock, REPAIR_OPENS, a)
    got = await evaluate(client, a.h, subject={"uscc": uscc})
    assert not advised(got)
    # and it says why: the same condition the workflow refuses on, with the same events
    unmet = why_not(got, listing)
    assert list(unmet) == ["no_new_listing_case"]
    assert {acc["id"], pen["id"]} <= set(unmet["no_new_listing_case"])
    r = await act(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    body = t.assert_field(r, "conditions", "no_new_listing_case")
    assert [e["code"] for e in body["errors"]] == ["no_new_listing_case"]
    assert f"{acc['id']}, {pen['id']}" in str(body["errors"][0])


async def test_a_penalty_not_executed_bars_repair(client, services, clock):
    """The penalty behind the listing is still pending execution: condition penalty_performed fails."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)  # execution defaults to "pending"
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, REPAIR_OPENS, a)

    got = await evaluate(client, a.h, subject={"uscc": uscc})
    assert not advised(got)
    assert list(why_not(got, listing)) == ["penalty_performed"]
    r = await act(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
    body = t.assert_field(r, "conditions", "penalty_performed")
    assert [e["code"] for e in body["errors"]] == ["penalty_performed"]


# ==== 4. persons ==========================================================================================


async def test_a_units_proposal_also_proposes_its_principal_with_the_id_number_masked(client, services):
    """The unit's rule decision names its principal: one proposal creates the person's listing too,
    linked both ways; the answer carries the masked id number only."""
    a = await officer(client, services)
    boss, id_number = await new_person(client, a.h, "孙永刚")
    uscc = await major_case_with_principal(client, a.h, boss["id"])

    r = await propose(client, a.h, uscc)
    assert r.status_code == 201, r.text
    assert id_number not in r.text
    body = r.json()
    [person] = body["related"]
    listing = body["listing"]
    assert listing["related"] == [person["id"]]
    assert person["related_listing_id"] == listing["id"]
    assert person["subject"]["type"] == "person"
    assert (person["subject"]["person_id"], person["subject"]["name"]) == (boss["id"], "孙永刚")
    assert person["subject"]["id_masked"] == boss["id_masked"]
    assert "*" in person["subject"]["id_masked"]
    assert (person["status"], person["list_type"], person["criteria"]) == ("proposed", listing["list_type"], ["11-1"])
    assert person["deciding_authority"] == listing["deciding_authority"]

    r = await client.get(f"{LISTINGS}/{person['id']}", headers=a.h)
    assert r.status_code == 200, r.text
    assert id_number not in r.text
    assert r.json()["subject"]["id_masked"] == boss["id_masked"]


async def test_with_persons_false_proposes_the_unit_only(client, services):
    """with_persons=false: the principal the decision names is left for a proposal of its own."""
    a = await officer(client, services)
    boss, _ = await new_person(client, a.h, "李国华")
    uscc = await major_case_with_principal(client, a.h, boss["id"])

    body = await proposed(client, a.h, uscc, with_persons=False)
    assert (body["related"], body["listing"]["related"]) == ([], [])


# ==== 5. case 9 by hand ======================================================================================


async def penalised_unit(client: httpx.AsyncClient, h: dict[str, str]) -> tuple[str, int]:
    """A unit with one penalty and nothing a rule lists it for."""
    unit = await t.create(client, h)
    pen = await record(client, h, penalty(unit["uscc"], "2026-10-15"))
    return unit["uscc"], pen["id"]


def case9(penalty_id: int, **over: Any) -> dict[str, Any]:
    body = {"source": "manual", "criterion": "11-9", "reasons": CASE9_REASONS, "penalty_event_id": penalty_id}
    return body | over


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"reasons": "情节严重"}, "reasons", "required"),
        ({"reasons": "   " * 10}, "reasons", "required"),
        ({"criterion": "11-1"}, "criterion", "not_manual"),
        ({"criterion": "11-9", "list_type": "BLACKLIST_2017"}, "criterion", "not_manual"),
        ({"penalty_event_id": None}, "penalty_event_id", "required"),
    ],
)
async def test_a_manual_proposal_needs_case_9_and_written_reasons(client, services, over, field, code):
    """Only case 9 (11-9) of SERIOUS_DISHONEST_2023 is proposed by hand, with reasons of at least 10
    characters and a cited penalty; a refused proposal creates nothing."""
    a = await officer(client, services)
    uscc, penalty_id = await penalised_unit(client, a.h)
    t.assert_field(await propose(client, a.h, uscc, **case9(penalty_id, **over)), field, code)
    assert (await search(client, a.h, uscc=uscc))["items"] == []


async def test_a_manual_proposal_must_rest_on_a_penalty_of_its_subject(client, services):
    """Another unit's penalty, or the subject's own event that is not a penalty, is refused."""
    a = await officer(client, services)
    uscc, _ = await penalised_unit(client, a.h)
    _, other_penalty = await penalised_unit(client, a.h)
    own_accident = await record(client, a.h, accident(uscc, "2026-09-01", deaths=1))

    for event_id in (other_penalty, own_accident["id"]):
        r = await propose(client, a.h, uscc, **case9(event_id))
        t.assert_field(r, "penalty_event_id", "not_a_penalty_of_subject")


async def test_a_valid_manual_proposal_is_created_with_its_reasons(client, services):
    """No rule lists the unit, but the bureau finds the circumstances serious: source manual, criterion
    11-9, the reasons and the penalty kept, no rule cited."""
    a = await officer(client, services)
    uscc, penalty_id = await penalised_unit(client, a.h)
    t.assert_field(await propose(client, a.h, uscc), "list_type", "no_rule_decision")  # no rule lists it

    body = await proposed(client, a.h, uscc, **case9(penalty_id))
    listing = body["listing"]
    assert (listing["source"], listing["criteria"], listing["status"]) == ("manual", ["11-9"], "proposed")
    assert (listing["reasons"], listing["evidence"], listing["because"]) == (CASE9_REASONS, [penalty_id], [])
    assert "mem11_case9" in [b["code"] for b in listing["basis"]]
    assert listing["deciding_authority"]["division_code"] == "410103"
    assert body["related"] == []


async def test_case_8_is_proposed_by_hand_on_the_bureaus_finding_never_from_the_rules(client, services):
    """DOMAIN 8.5: a refused penalty is shown for review (case 8), never proposed from the rules; the
    bureau proposes it by hand with the reasons of its finding (the means to pay and the refusal)."""
    a = await officer(client, services)
    unit = await t.create(client, a.h)
    pen = await record(client, a.h, penalty(unit["uscc"], "2026-10-15", execution="refused"))
    t.assert_field(await propose(client, a.h, unit["uscc"]), "list_type", "no_rule_decision")

    reasons = "经查当事人账户资金充足，有执行能力，催告后仍拒不缴纳罚款。"
    body = await proposed(client, a.h, unit["uscc"], **case9(pen["id"], criterion="11-8", reasons=reasons))
    listing = body["listing"]
    assert (listing["source"], listing["criteria"], listing["reasons"]) == ("manual", ["11-8"], reasons)
    assert [b["code"] for b in listing["basis"]] == ["mem11_case8", "mem11_art3", "mem11_art4"]


# ==== 6. effects on grades and on the rules =====================================================================


async def test_the_listing_decision_revokes_the_units_valid_grade(client, services, clock):
    """R12: in the decision's transaction the grade the unit holds is revoked (listed_seriously_dishonest)
    from the effective day, and the history log records both decisions."""
    a, b = await officer(client, services), await officer(client, services)
    city = await officer(client, services, division="410100", level="prefectural")
    unit = await t.create(client, a.h)
    grade = await valid_grade(client, a.h, unit["uscc"], "2026-06-01", grader=city.h)
    acc = await record(client, a.h, accident(unit["uscc"], "2026-09-01", deaths=12))
    await record(client, a.h, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))
    assert (await grades_of(client, a.h, unit["uscc"]))[grade["id"]]["status"] == "valid"

    listing = await decided(client, clock, a, b, unit["uscc"])
    assert listing["history"][-1]["data"]["grades_changed"] == [grade["id"]]
    revoked = (await grades_of(client, b.h, unit["uscc"]))[grade["id"]]
    assert (revoked["status"], revoked["revocation_reason"], revoked["ended_on"]) == (
        "revoked",
        "listed_seriously_dishonest",
        "2026-12-02",
    )
    assert revoked["steps"][-1]["step"] == "revoke"
    assert revoked["steps"][-1]["actor"] == b.id
    r = await client.get(f"/api/v1/enterprises/{unit['uscc']}/grades", headers=b.h)
    assert r.json()["current"] is None
    assert (await log_kinds(services, "grade", grade["id"]))[-1] == "grade.revoke"
    assert await log_kinds(services, "listing", listing["id"]) == ["listing.listed"]


async def test_a_pending_grade_application_is_suspended_while_listed_and_resumes_on_removal(client, services, clock):
    """An application in progress is suspended by the decision and resumes where it was when the
    unit's last listing ends."""
    a, b = await officer(client, services), await officer(client, services)
    unit = await t.create(client, a.h)
    grade = await grade_applied(
        client, a.h, unit["uscc"], level=3, self_score=95, assessed="2026-10-01", applied="2026-10-05"
    )
    acc = await record(client, a.h, accident(unit["uscc"], "2026-09-01", deaths=12))
    await record(client, a.h, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))

    listing = await decided(client, clock, a, b, unit["uscc"])
    assert (await grades_of(client, a.h, unit["uscc"]))[grade["id"]]["status"] == "suspended"

    listing = await ok(client, a.h, listing, "remove", type="court", document_no="行初15号", reason="判决撤销")
    assert (await grades_of(client, a.h, unit["uscc"]))[grade["id"]]["status"] == "suspended"
    listing = await ok(client, b.h, listing, "approve")
    assert listing["status"] == "removed"
    resumed = (await grades_of(client, a.h, unit["uscc"]))[grade["id"]]
    assert resumed["status"] == "applied"
    assert [s["step"] for s in resumed["steps"]][-2:] == ["suspend", "resume"]
    assert (await log_kinds(services, "grade", grade["id"]))[-2:] == ["grade.suspend", "grade.resume"]


async def test_the_rules_see_the_decided_listing_and_order_joint_punishment(client, services, clock):
    """Before the decision no joint punishment applies; after it the facts hold the listing and R13/R14
    order their measures for the listing's term, citing the listing."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    before = await evaluate(client, a.h, subject={"uscc": uscc})
    assert before["facts"]["listings"] == []
    assert not {"joint_punishment/2016#R13", "joint_punishment/2016#R14"} & fired(before)
    assert before["decision"]["measures"] == []

    listing = await decided(client, clock, a, b, uscc)
    after = await evaluate(client, b.h, subject={"uscc": uscc})
    assert {"joint_punishment/2016#R13", "joint_punishment/2016#R14"} <= fired(after)
    [held] = after["facts"]["listings"]
    assert (held["id"], held["list_type"], held["listed_on"], held["until"]) == (
        listing["id"],
        "SERIOUS_DISHONEST_2023",
        "2026-12-02",
        EXPIRES,
    )
    r13 = {m["code"]: m for m in after["decision"]["measures"] if m["because"][0]["rule"] == "R13"}
    assert {"more_inspections", "key_target"} <= set(r13)
    for m in r13.values():
        assert (m["start"], m["until"]) == ("2026-12-02", EXPIRES)
        assert m["because"][0]["facts"][0]["listings"] == [listing["id"]]
    assert any(m["because"][0]["rule"] == "R14" for m in after["decision"]["measures"])
    # the listing rule does not order the same listing again
    assert "listing/2023#R1" not in fired(after)


async def test_a_listing_removed_as_a_correction_is_not_seen_by_the_rules(client, services, clock):
    """An upheld objection says the listing was wrong: the facts no longer hold it, no measures follow."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    listing = await ok(client, a.h, listing, "object", grounds="事故责任认定已撤销")
    await ok(client, a.h, listing, "resolve-objection", upheld=True, answer="异议成立")

    got = await evaluate(client, a.h, subject={"uscc": uscc})
    assert got["facts"]["listings"] == []
    assert not {"joint_punishment/2016#R13", "joint_punishment/2016#R14"} & fired(got)


# ==== 7. search ==============================================================================================


async def test_search_filters(client, services, clock):
    """status, list_type, uscc, expiring_before, division and authority_id filter the bureau's listings."""
    a, b = await officer(client, services), await officer(client, services)
    uscc_listed, _ = await major_case(client, a.h)
    uscc_proposed, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc_listed)
    other = (await proposed(client, a.h, uscc_proposed))["listing"]
    h = a.h

    def ids(page: dict[str, Any]) -> list[int]:
        return [x["id"] for x in page["items"]]

    assert ids(await search(client, h, uscc=uscc_listed)) == [listing["id"]]
    assert ids(await search(client, h, uscc=uscc_proposed)) == [other["id"]]
    assert ids(await search(client, h, uscc=uscc_listed, status="listed")) == [listing["id"]]
    assert ids(await search(client, h, uscc=uscc_listed, status="proposed")) == []
    assert ids(await search(client, h, uscc=uscc_listed, list_type="SERIOUS_DISHONEST_2023")) == [listing["id"]]
    assert ids(await search(client, h, uscc=uscc_listed, list_type="BLACKLIST_2017")) == []
    assert ids(await search(client, h, uscc=uscc_listed, expiring_before="2029-12-03")) == [listing["id"]]
    assert ids(await search(client, h, uscc=uscc_listed, expiring_before=EXPIRES)) == []
    assert ids(await search(client, h, uscc=uscc_proposed, expiring_before="2099-01-01")) == []  # not listed
    assert ids(await search(client, h, uscc=uscc_listed, division="4101")) == [listing["id"]]
    assert ids(await search(client, h, uscc=uscc_listed, division="410105")) == []
    authority = listing["deciding_authority"]["id"]
    assert ids(await search(client, h, uscc=uscc_listed, authority_id=authority)) == [listing["id"]]

    # without uscc: every answer matches the filter, and this test's newest listing comes first
    proposals = await search(client, h, status="proposed", limit=100)
    assert {x["status"] for x in proposals["items"]} == {"proposed"}
    assert ids(proposals)[0] == other["id"]
    expiring = await search(client, h, expiring_before="2029-12-03", limit=100)
    assert listing["id"] in ids(expiring)
    assert all(x["status"] == "listed" and x["decision"]["expires_on"] < "2029-12-03" for x in expiring["items"])


async def test_search_by_person(client, services):
    """person_id finds the person's listing (proposed with the unit's)."""
    a = await officer(client, services)
    boss, _ = await new_person(client, a.h, "周文斌")
    uscc = await major_case_with_principal(client, a.h, boss["id"])
    [person] = (await proposed(client, a.h, uscc))["related"]

    page = await search(client, a.h, person_id=boss["id"])
    assert [x["id"] for x in page["items"]] == [person["id"]]


async def test_a_bureau_of_another_county_does_not_see_the_listing(client, services):
    """Search lists the bureau's own area only; the city above the county does see it."""
    a = await officer(client, services)
    outsider = await officer(client, services, division="410105")
    city = await officer(client, services, division="410100", level="prefectural")
    uscc, _ = await major_case(client, a.h)
    listing = (await proposed(client, a.h, uscc))["listing"]

    assert (await search(client, outsider.h, uscc=uscc))["items"] == []
    mine = await search(client, outsider.h, limit=200)
    assert listing["id"] not in [x["id"] for x in mine["items"]]
    assert all(x["division_code"].startswith("410105") for x in mine["items"])
    assert [x["id"] for x in (await search(client, city.h, uscc=uscc))["items"]] == [listing["id"]]


async def test_cursor_pagination_walks_every_listing_once_newest_first(client, services):
    """Three listings of one unit (two dropped proposals and an open one), two per page."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    made = []
    for _ in range(2):
        listing = await notified(client, a, uscc)
        listing = await ok(client, a.h, listing, "statement", statement="陈述", answer="采纳", accepted=True)
        made.append(listing["id"])
    made.append((await proposed(client, a.h, uscc))["listing"]["id"])

    first = await search(client, a.h, uscc=uscc, limit=2)
    assert [x["id"] for x in first["items"]] == sorted(made, reverse=True)[:2]
    assert first["next_cursor"]
    second = await search(client, a.h, uscc=uscc, limit=2, cursor=first["next_cursor"])
    assert [x["id"] for x in second["items"]] == sorted(made, reverse=True)[2:]
    assert second["next_cursor"] is None
    assert [x["status"] for x in first["items"] + second["items"]] == ["proposed", "dropped", "dropped"]

    exact = await search(client, a.h, uscc=uscc, limit=3)
    assert (len(exact["items"]), exact["next_cursor"]) == (3, None)


# ==== 8. bad input ===========================================================================================


async def test_an_unknown_list_type_is_422(client, services):
    """Closed vocabularies: an unknown list type or status is named, not ignored."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    t.assert_field(await propose(client, a.h, uscc, list_type="GREYLIST"), "list_type", "unknown_list_type")
    r = await client.get(LISTINGS, params={"list_type": "GREYLIST"}, headers=a.h)
    t.assert_field(r, "list_type", "unknown_list_type")
    r = await client.get(LISTINGS, params={"status": "frozen"}, headers=a.h)
    t.assert_field(r, "status", "unknown_status")


async def test_an_unknown_publication_channel_is_422_and_named_by_index(client, services, clock):
    """Publication channels are a closed list; a bad one is named by its index and nothing is recorded."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)

    t.assert_field(await act(client, a.h, listing, "publish", channels=["weibo"]), "channels[0]", "unknown_channel")
    r = await act(client, a.h, listing, "publish", channels=["gsxt", "wechat"])
    t.assert_field(r, "channels[1]", "unknown_channel")
    assert (await read(client, a.h, listing["id"]))["published_channels"] == []

    listing = await ok(client, a.h, listing, "publish", channels=["gsxt", "credit_china"])
    assert (listing["published_channels"], listing["published_on"]) == (["credit_china", "gsxt"], "2026-12-02")


async def test_a_future_served_on_is_422(client, services):
    """A notice cannot be served tomorrow, nor before the proposal it notifies."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = (await proposed(client, a.h, uscc))["listing"]
    r = await act(client, a.h, listing, "notify", notice_no="告16号", served_on="2026-11-27")
    t.assert_field(r, "served_on", "future_date")
    r = await act(client, a.h, listing, "notify", notice_no="告16号", served_on="2026-11-25")
    t.assert_field(r, "served_on", "before_previous_step")
    assert (await read(client, a.h, listing["id"]))["status"] == "proposed"


async def test_a_missing_version_is_422(client, services):
    """Every action carries the version read (optimistic locking): missing or below 1 is 422."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = (await proposed(client, a.h, uscc))["listing"]
    r = await client.post(f"{LISTINGS}/{listing['id']}/notify", json={"notice_no": "告17号"}, headers=a.h)
    t.assert_field(r, "version", "required")
    r = await act(client, a.h, listing, "notify", notice_no="告17号", version=0)
    t.assert_problem(r, 422)


@pytest.mark.parametrize("path", ["abc", "1.5", "0", "-1", "99999999999999999999"])
async def test_a_listing_id_that_is_not_a_positive_integer_is_4xx(client, services, path):
    """A malformed id is the client's error, never a 5xx (an id too large for a column included)."""
    a = await officer(client, services)
    r = await client.get(f"{LISTINGS}/{path}", headers=a.h)
    assert 400 <= r.status_code < 500, r.text
    r = await client.post(f"{LISTINGS}/{path}/notify", json={"version": 1, "notice_no": "告"}, headers=a.h)
    assert 400 <= r.status_code < 500, r.text


async def test_an_unknown_listing_is_404(client, services):
    """Reading or acting on a listing that does not exist is 404."""
    a = await officer(client, services)
    t.assert_problem(await client.get(f"{LISTINGS}/987654321", headers=a.h), 404)
    r = await client.post(f"{LISTINGS}/987654321/notify", json={"version": 1, "notice_no": "告"}, headers=a.h)
    t.assert_problem(r, 404)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor!"}, None),
        ({"limit": 0}, "limit"),
        ({"division": "41010"}, "division"),
        ({"expiring_before": "2029-13-01"}, "expiring_before"),
        ({"uscc": "91410103NOTAUSCC"}, None),
        ({"person_id": "abc"}, None),
    ],
)
async def test_bad_search_parameters_are_4xx(client, services, params, field):
    """Malformed search parameters are the client's error, named where a field can be named."""
    a = await officer(client, services)
    r = await client.get(LISTINGS, params=params, headers=a.h)
    assert 400 <= r.status_code < 500, r.text
    if field is not None:
        assert field in [e["field"] for e in t.assert_problem(r, 422)["errors"]]


async def test_a_proposal_naming_no_subject_or_two_is_422(client, services):
    """The subject is exactly one of uscc and person_id; unknown members are refused; nothing is created."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    r = await client.post(LISTINGS, json={"subject": {}}, headers=a.h)
    t.assert_field(r, "subject", "one_of")
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc, "person_id": 1}}, headers=a.h)
    t.assert_field(r, "subject", "one_of")
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}, "colour": "red"}, headers=a.h)
    t.assert_problem(r, 422)
    assert (await search(client, a.h, uscc=uscc))["items"] == []


# ==== idempotency ============================================================================================


async def test_a_retried_action_with_the_same_key_replays_the_first_answer(client, services):
    """A retry with the same Idempotency-Key acts once; the same key on another body is refused."""
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = (await proposed(client, a.h, uscc))["listing"]
    url = f"{LISTINGS}/{listing['id']}/notify"
    body = {"version": listing["version"], "notice_no": "告18号"}
    h = {**a.h, "Idempotency-Key": f"notify-{secrets.token_hex(8)}"}

    first = await client.post(url, json=body, headers=h)
    assert first.status_code == 200, first.text
    again = await client.post(url, json=body, headers=h)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (await read(client, a.h, listing["id"]))["version"] == listing["version"] + 1

    r = await client.post(url, json={**body, "notice_no": "告19号"}, headers=h)
    t.assert_field(r, "Idempotency-Key", "idempotency_key_reused")
    r = await client.post(url, json=body, headers={**a.h, "Idempotency-Key": "has spaces"})
    t.assert_field(r, "Idempotency-Key", "invalid_idempotency_key")


# ==== regressions: behaviour found wrong while the workflow was built, fixed ===================================


async def test_the_deciding_bureau_of_an_operating_division_finds_its_own_listing(client, services):
    """The unit is registered in 410103 and operates in 410105, whose bureau imposed the penalty and
    proposes the listing. It may read and act on it, so its own list must show it."""
    home = await officer(client, services)
    site = await officer(client, services, division="410105")
    unit = await t.create(client, home.h, operating_divisions=["410105"])
    acc = await record(client, site.h, {**accident(unit["uscc"], "2026-09-01", deaths=12), "division_code": "410105"})
    await record(client, site.h, {**penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]), "division_code": "410105"})
    listing = (await proposed(client, site.h, unit["uscc"]))["listing"]
    assert listing["deciding_authority"]["division_code"] == "410105"
    assert (await read(client, site.h, listing["id"]))["id"] == listing["id"]

    page = await search(client, site.h, uscc=unit["uscc"])
    assert [x["id"] for x in page["items"]] == [listing["id"]]


async def test_a_principal_already_proposed_through_another_unit_does_not_block_the_unit(client, services):
    """One person is principal of two units that both had a major accident. The first unit's proposal
    proposes the person; the second unit must still be proposable (contract: already_open is about
    the subject)."""
    a = await officer(client, services)
    boss, _ = await new_person(client, a.h, "吴建军")
    units = [await major_case_with_principal(client, a.h, boss["id"]) for _ in range(2)]
    first = await proposed(client, a.h, units[0])
    assert [p["subject"]["person_id"] for p in first["related"]] == [boss["id"]]

    r = await propose(client, a.h, units[1])
    assert r.status_code == 201, r.text
    assert r.json()["listing"]["subject"]["uscc"] == units[1]


async def test_restoring_a_listing_beside_another_open_one_is_a_conflict_not_a_crash(client, services, clock):
    """After the early removal the bureau proposes the unit again under case 9; restoring the first
    listing would make two open listings of one type: a 409, and nothing changes."""
    a, b = await officer(client, services), await officer(client, services)
    listing = await repaired_early(client, clock, a, b)
    uscc = listing["subject"]["uscc"]
    fresh = await record(client, a.h, penalty(uscc, "2027-12-02"))
    await proposed(client, a.h, uscc, **case9(fresh["id"]))
    listing = await ok(client, a.h, listing, "revoke-repair", reason="提交的缴款凭证系伪造", evidence=DOCS)

    r = await act(client, b.h, listing, "approve")
    assert r.status_code == 409, r.text
    after = await read(client, a.h, listing["id"])
    assert (after["status"], after["pending"]["action"]) == ("removed", "revoke_repair")


async def test_an_objection_pending_at_expiry_is_not_left_unanswerable(client, services, clock):
    """The subject objects three days before the term ends; the sweep removes the listing at expiry.
    The objection must still be answerable (or be closed), not left pending on a removed listing for ever."""
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = await decided(client, clock, a, b, uscc)
    await move(client, clock, dt.date(2029, 11, 30), a)
    listing = await ok(client, a.h, listing, "object", grounds="列入依据的处罚已被复议撤销")

    await move(client, clock, dt.date(2029, 12, 3), a)
    await services.listings.sweep()
    swept = await read(client, a.h, listing["id"])
    assert (swept["status"], swept["removal"]["type"]) == ("removed", "expiry")
    if swept["objection_pending"]:
        r = await act(client, a.h, swept, "resolve-objection", upheld=False, answer="名单已期满移出")
        assert r.status_code == 200, r.text


async def test_a_restored_listing_revokes_a_later_grade_on_the_day_of_restoration(client, services, clock):
    a, b = await officer(client, services), await officer(client, services)
    city = await officer(client, services, division="410100", level="prefectural")
    listing = await repaired_early(client, clock, a, b)
    uscc = listing["subject"]["uscc"]
    await move(client, clock, dt.date(2028, 3, 1), a, b, city)
    grade = await valid_grade(client, a.h, uscc, "2028-02-20", grader=city.h)
    listing = await ok(client, a.h, listing, "revoke-repair", reason="提交的缴款凭证系伪造", evidence=DOCS)
    listing = await ok(client, b.h, listing, "approve")
    assert listing["status"] == "listed"

    revoked = (await grades_of(client, a.h, uscc))[grade["id"]]
    assert (revoked["status"], revoked["announced_on"]) == ("revoked", "2028-02-20")
    assert revoked["ended_on"] == "2028-03-01"
    assert revoked["steps"][-1]["step"] == "revoke"
    assert revoked["steps"][-1]["on"] == "2028-03-01"

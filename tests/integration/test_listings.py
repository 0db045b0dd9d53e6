"""The listing workflow end to end on calendar dates: a rule decision proposed, notified, decided by
a second officer after the statement period, published, repaired after 12 months, the repair
revoked (original expiry kept), and removed by the sweep when the term ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration import support as t
from tests.integration.test_rules_api import accident, penalty, record

LISTINGS = "/api/v1/listings"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    clock.at = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 4, tzinfo=dt.UTC)


def set_day(clock: Any, day: dt.date) -> None:
    clock.at = dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)


async def major_case(client: httpx.AsyncClient, h: dict[str, str]) -> tuple[str, int]:
    """A registered unit with a 重大 accident and the penalty for it: rule R1 lists it."""
    unit = await t.create(client, h)
    acc = await record(client, h, accident(unit["uscc"], "2026-09-01", deaths=12))
    pen = await record(client, h, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))
    return unit["uscc"], pen["id"]


async def act(
    client: httpx.AsyncClient, h: dict[str, str], listing: dict[str, Any], action: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{LISTINGS}/{listing['id']}/{action}", json={"version": listing["version"], **body}, headers=h
    )


async def ok(
    client: httpx.AsyncClient, h: dict[str, str], listing: dict[str, Any], action: str, **body: Any
) -> dict[str, Any]:
    r = await act(client, h, listing, action, **body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_the_whole_life_of_a_listing(client: httpx.AsyncClient, services: Any, clock: Any) -> None:
    a = await t.bureau(client, services)
    b = await t.bureau(client, services)
    uscc, penalty_id = await major_case(client, a)

    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}}, headers=a)
    assert r.status_code == 201, r.text
    listing = r.json()["listing"]
    assert listing["status"] == "proposed"
    assert listing["criteria"] == ["11-1"]
    assert penalty_id in listing["evidence"]
    assert listing["because"][0]["rule"] == "R1"
    assert listing["term_months"] == 36

    listing = await ok(client, a, listing, "notify", notice_no="郑二应急告〔2026〕1号")
    assert listing["notice"]["statement_deadline"] == "2026-12-01"

    same = await act(client, a, listing, "approve", decision_no="郑二应急信决〔2026〕1号")
    t.assert_field(same, "approver", "same_officer")
    early = await act(client, b, listing, "approve", decision_no="郑二应急信决〔2026〕1号")
    assert t.assert_problem(early, 409)["reason"] == "statement_period_running"

    set_day(clock, dt.date(2026, 12, 2))
    b = await t.bureau(client, services)
    listing = await ok(client, b, listing, "approve", decision_no="郑二应急信决〔2026〕1号")
    assert listing["status"] == "listed"
    assert listing["in_force"] is True
    assert listing["decision"]["effective_on"] == "2026-12-02"
    assert listing["decision"]["expires_on"] == "2029-12-02"
    assert listing["repair_opens_on"] == "2027-12-02"

    a = await t.bureau(client, services)
    listing = await ok(client, a, listing, "publish", channels=["credit_china", "gsxt"])
    assert listing["published_channels"] == ["credit_china", "gsxt"]

    set_day(clock, dt.date(2027, 12, 1))
    a = await t.bureau(client, services)
    docs = [{"title": "罚款缴纳凭证", "reference": "豫财缴〔2027〕1号"}]
    too_early = await act(client, a, listing, "apply-repair", commitment="已整改完毕并承诺守法经营。", evidence=docs)
    t.assert_field(too_early, "applied_on", "repair_too_early")


async def test_a_county_bureau_outside_its_county_is_refused_and_audited(
    client: httpx.AsyncClient, services: Any
) -> None:
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    outsider = await t.bureau(client, services, division="410105")
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}}, headers=outsider)
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert [e.outcome for e in await t.audit_for(services, uscc, "listing.propose")] == ["denied"]


async def test_a_crash_inside_a_decision_leaves_the_previous_state(
    client: httpx.AsyncClient, services: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision, its step, its audit entry, the grade effects and the history-log entry are one
    transaction: a failure at the last write (the log) leaves no trace of the others."""
    from registry.domain import history

    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    listing = (await client.post(LISTINGS, json={"subject": {"uscc": uscc}, "with_persons": False}, headers=a)).json()[
        "listing"
    ]
    listing = await ok(client, a, listing, "notify", notice_no="郑二应急告〔2026〕9号")
    set_day(clock, dt.date(2026, 12, 2))
    b = await t.bureau(client, services)
    audit_before = len(await t.audit_for(services, str(listing["id"])))

    real = history.append

    async def failing(*args: Any, **kw: Any) -> Any:
        if args[3] == "listing.listed":
            raise RuntimeError("disk full")
        return await real(*args, **kw)

    monkeypatch.setattr(history, "append", failing)
    r = await act(client, b, listing, "approve", decision_no="郑二应急信决〔2026〕9号")
    assert r.status_code == 500
    monkeypatch.undo()

    after = (await client.get(f"{LISTINGS}/{listing['id']}", headers=b)).json()
    assert after["status"] == "notified"
    assert after["version"] == listing["version"]
    assert after["decision"]["decision_no"] is None
    assert [x["step"] for x in after["history"]] == ["propose", "notify"]
    assert len(await t.audit_for(services, str(listing["id"]))) == audit_before
    # and the same request then succeeds, once
    done = await ok(client, b, listing, "approve", decision_no="郑二应急信决〔2026〕9号")
    assert done["status"] == "listed"


async def test_a_rules_run_proposes_what_the_rules_order_for_the_officers_authority(
    client: httpx.AsyncClient, services: Any
) -> None:
    """`registry listings propose-batch`: each listing the rules order for this authority is proposed
    once, through the same service; a second run finds it open and reports it skipped."""
    from registry.domain.listings.batch import propose_batch

    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    officer = (await services.accounts.authenticate(cid, secret)).actor()
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    uscc, _ = await major_case(client, h)
    first = await propose_batch(services.listings, officer, "410103")
    mine = [row for row in first.proposed if row["uscc"] == uscc]
    assert len(mine) == 1
    assert mine[0]["list_type"] == "SERIOUS_DISHONEST_2023"
    listing = (await client.get(f"{LISTINGS}/{mine[0]['listing_id']}", headers=h)).json()
    assert (listing["status"], listing["proposed_by"], listing["criteria"]) == ("proposed", cid, ["11-1"])
    again = await propose_batch(services.listings, officer, "410103")
    assert uscc not in [row["uscc"] for row in again.proposed]
    assert any(row["uscc"] == uscc for row in again.skipped)
    dry = await propose_batch(services.listings, officer, "410103", dry_run=True)
    assert all(row.get("dry_run") for row in dry.proposed)


async def test_an_outcome_for_review_is_never_proposed(client: httpx.AsyncClient, services: Any) -> None:
    """DOMAIN 8.1: an agency the bureau found to bear major responsibility for an accident is flagged
    for the bureau's review (``for_review``; in 惠济区, whose local text gives the principle, DOMAIN
    8.9); no ban is proposed, one by one or in a batch run."""
    from registry.domain.listings.batch import propose_batch
    from tests.integration.test_grades import agency_body

    cid, secret = await f.account(services, "bureau", level="county", division="410108", kind="officer")
    officer = (await services.accounts.authenticate(cid, secret)).actor()
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    body = agency_body("410108")
    r = await client.post("/api/v1/agencies", json=body, headers=h)
    assert r.status_code == 201, r.text
    as_agency = {"subject": {"type": "agency", "uscc": body["uscc"]}}
    hit = accident(body["uscc"], "2026-05-10", deaths=1)
    hit["details"]["major_responsibility"] = True
    hit = await record(client, h, {**hit, **as_agency})
    await record(client, h, {**penalty(body["uscc"], "2026-06-01", links=[hit["id"]]), **as_agency})

    got = await client.post(
        "/api/v1/rules/evaluate",
        json={"subject": {"uscc": body["uscc"]}, "families": ["bans", "huiji_four_always"]},
        headers=h,
    )
    assert [o["code"] for o in got.json()["decision"]["for_review"]] == ["review_intermediary_accident"]
    for list_type in ("INDUSTRY_BAN", "INDUSTRY_BAN_LIFE"):
        r = await client.post(LISTINGS, json={"subject": {"uscc": body["uscc"]}, "list_type": list_type}, headers=h)
        t.assert_field(r, "list_type", "no_rule_decision")
    run = await propose_batch(services.listings, officer, "410108")
    assert body["uscc"] not in [row["uscc"] for row in run.proposed]


async def test_transitional_and_manual_only_cases_are_shown_for_review_never_proposed(
    client: httpx.AsyncClient, services: Any, clock: Any
) -> None:
    """DOMAIN 8.4 and 8.5: a 49号 case (2023-09 accident) completed by a 2024 penalty, and a penalty
    whose execution was refused (部令11号 case 8), are shown by ``POST /api/v1/rules/evaluate`` with
    the facts and basis as ``for_review``; proposing them is refused, and a batch run reports them
    "for review" without proposing."""
    from registry.domain.listings.batch import propose_batch

    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    officer = (await services.accounts.authenticate(cid, secret)).actor()
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    old = await t.create(client, h)
    acc = await record(client, h, accident(old["uscc"], "2023-09-15", deaths=3))
    pen = await record(client, h, penalty(old["uscc"], "2024-01-10", links=[acc["id"]]))
    refused = await t.create(client, h)
    fine = await record(client, h, penalty(refused["uscc"], "2024-02-01", execution="refused"))

    got = await client.post(
        "/api/v1/rules/evaluate",
        json={"subject": {"uscc": old["uscc"]}, "as_of": "2024-03-01", "families": ["listing"]},
        headers=h,
    )
    decision = got.json()["decision"]
    assert decision["listings"] == []
    [review] = decision["for_review"]
    assert (review["kind"], review["code"], review["criteria"]) == (
        "for_review",
        "review_transitional_listing",
        ["49-2-1"],
    )
    assert (review["start"], review["until"], review["deciding_authority"]) == ("2024-01-10", "2025-01-10", "410103")
    assert review["evidence"] == [acc["id"], pen["id"]]
    assert {"aqjg2017_49_art2", "transition_2023"} <= {b["code"] for b in review["basis"]}
    assert review["because"][0]["rule"] == "R21-2017-2.1"
    assert review["because"][0]["facts"][0]["evidence"] == [acc["id"]]
    assert any("decides by hand" in note for note in review["notes"])

    got = await client.post(
        "/api/v1/rules/evaluate",
        json={"subject": {"uscc": refused["uscc"]}, "as_of": "2024-03-01", "families": ["listing"]},
        headers=h,
    )
    decision = got.json()["decision"]
    assert (decision["listings"], decision["notices"]) == ([], [])
    assert [(o["code"], o["criteria"], o["evidence"]) for o in decision["for_review"]] == [
        ("review_case8_execution", ["11-8"], [fine["id"]])
    ]

    set_day(clock, dt.date(2024, 3, 1))
    for uscc, list_type in ((old["uscc"], "JOINT_PUNISHMENT_2017"), (refused["uscc"], "SERIOUS_DISHONEST_2023")):
        r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}, "list_type": list_type}, headers=h)
        t.assert_field(r, "list_type", "no_rule_decision")
    run = await propose_batch(services.listings, officer, "410103")
    assert not {old["uscc"], refused["uscc"]} & {row["uscc"] for row in [*run.proposed, *run.skipped]}
    reviews = {row["uscc"]: (row["code"], row["criteria"]) for row in run.for_review}
    assert reviews[old["uscc"]] == ("review_transitional_listing", ["49-2-1"])
    assert reviews[refused["uscc"]] == ("review_case8_execution", ["11-8"])

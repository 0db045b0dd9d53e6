"""The partner API as a partner department uses it (DESIGN section 6): signed status answers that
another JOSE library verifies against the published JWKS, the department's own view of the measures,
pre-produced answers re-signed only when the subject changed, batches, feedback citing an answer,
the query records, and the signed change feed walked page by page.

Every test pins "today" to 2026-11-26 (noon in Beijing) and makes enterprises of its own. Tests of
one worker and backend run one at a time, so changes with a seq above the feed's ``latest`` read at
the start of a test are that test's doing."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import rfc8785
from jwcrypto import jwk
from jwcrypto import jws as jjws
from sqlalchemy import func, select

from registry.db.models import PartnerFeedback, PartnerQuery, SubjectChange
from registry.errors import DatabaseUnavailable
from registry.signing import jws
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_grades import valid_grade
from tests.integration.test_listings import LISTINGS, major_case, ok, set_day
from tests.integration.test_rules_api import accident, penalty, record

PARTNER = "/api/v1/partner"
STATUS = f"{PARTNER}/status"
BATCH = f"{PARTNER}/status/batch"
FEEDBACK = f"{PARTNER}/feedback"
CHANGES = f"{PARTNER}/changes"
JWKS = "/.well-known/jwks.json"
TODAY = dt.date(2026, 11, 26)
DECIDED = dt.date(2026, 12, 2)  # the day after the statement deadline of a notice of TODAY
DIGITS = "0123456789"
#: a well-formed code with a wrong check character (the 18th would be another)
INVALID_USCC = "91410103ABCDEFGH12"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


# ---- helpers -----------------------------------------------------------------------------------


async def partner(client: httpx.AsyncClient, services: Any, department: str = "mof") -> tuple[str, dict[str, str]]:
    """(client_id, headers) of a new partner account of ``department``."""
    cid, secret = await f.account(services, "partner", department=department)
    return cid, {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}


async def status(client: httpx.AsyncClient, h: dict[str, str], uscc: str, nonce: str | None = None) -> dict[str, Any]:
    params = {} if nonce is None else {"nonce": nonce}
    r = await client.get(f"{STATUS}/{uscc}", params=params, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"request_id", "payload", "jws"}, body
    return body  # type: ignore[no-any-return]


async def batch(client: httpx.AsyncClient, h: dict[str, str], subjects: list[str], **extra: Any) -> dict[str, Any]:
    r = await client.post(BATCH, json={"subjects": subjects, **extra}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def page(client: httpx.AsyncClient, h: dict[str, str], after: int, limit: int = 100) -> dict[str, Any]:
    r = await client.get(CHANGES, params={"after": after, "limit": limit}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def latest(client: httpx.AsyncClient, h: dict[str, str]) -> int:
    return int((await page(client, h, 0, 1))["payload"]["latest"])


async def jwks(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get(JWKS)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def verified(answer: dict[str, Any], keys: dict[str, Any], typ: str) -> dict[str, Any]:
    """The payload, once jwcrypto (not this project's code) verifies the JWS with the JWKS and the
    signed bytes are the RFC 8785 canonical JSON of the payload given beside it."""
    token = jjws.JWS()
    token.deserialize(answer["jws"])
    token.verify(jwk.JWKSet.from_json(json.dumps(keys)))
    assert token.payload == rfc8785.dumps(answer["payload"])
    header = token.jose_header
    assert header["alg"] == "EdDSA"
    assert header["typ"] == typ
    assert header["kid"] in {k["kid"] for k in keys["keys"]}
    # and this project's verifier agrees
    assert jws.verify_envelope(answer, jws.public_keys(keys)) == answer["payload"]
    return answer["payload"]  # type: ignore[no-any-return]


def stamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite may hand it back naive, meaning UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def codes(outcomes: list[dict[str, Any]]) -> set[str]:
    return {o["code"] for o in outcomes}


async def listed_unit(
    client: httpx.AsyncClient, services: Any, clock: Any, *, grade: bool = False
) -> tuple[str, dict[str, Any]]:
    """A unit with a 重大 accident and its penalty, proposed, notified, and listed by a second officer
    after the statement deadline. Leaves the clock on the day of the decision. With ``grade`` an admin
    first gives the unit a valid grade (the listing then revokes it)."""
    a = await t.bureau(client, services)
    unit = await t.create(client, a)
    uscc = unit["uscc"]
    if grade:
        admin = await f.headers(client, services, "admin")
        await valid_grade(client, admin, uscc, "2024-03-01", level=3)
    acc = await record(client, a, accident(uscc, "2026-09-01", deaths=12))
    await record(client, a, penalty(uscc, "2026-10-15", links=[acc["id"]]))
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}, "with_persons": False}, headers=a)
    assert r.status_code == 201, r.text
    listing = r.json()["listing"]
    listing = await ok(client, a, listing, "notify", notice_no=f"郑二应急告〔2026〕{t.rand(DIGITS, 6)}号")
    set_day(clock, DECIDED)
    b = await t.bureau(client, services)
    listing = await ok(client, b, listing, "approve", decision_no=f"郑二应急信决〔2026〕{t.rand(DIGITS, 6)}号")
    assert listing["status"] == "listed"
    assert listing["in_force"] is True
    return uscc, listing


async def feedback_count(services: Any, request_id: str) -> int:
    async with services.db.read() as session:
        n = await session.scalar(
            select(func.count()).select_from(PartnerFeedback).where(PartnerFeedback.request_id == request_id)
        )
    return int(n or 0)


async def query_row(services: Any, request_id: str) -> PartnerQuery | None:
    async with services.db.read() as session:
        found: PartnerQuery | None = await session.scalar(
            select(PartnerQuery).where(PartnerQuery.request_id == request_id)
        )
    return found


def measure_feedback(request_id: str, uscc: str, **over: Any) -> dict[str, Any]:
    body = {
        "request_id": request_id,
        "uscc": uscc,
        "measure": "restrict_procurement",
        "handle_type": "refused",
        "executed_at": "2026-11-26T03:30:00Z",
        "officer": "财政局采购处 王某",
        "reference": f"财采〔2026〕{t.rand(DIGITS, 4)}号",
        "remark": "投标资格审查时不予通过",
    }
    body.update(over)
    return body


# ---- 1. every answer verifies against the published JWKS ---------------------------------------


async def test_every_answer_verifies_with_jwcrypto_and_a_changed_payload_does_not(client, services):
    _, h = await partner(client, services, "mof")
    start = await latest(client, h)
    bureau = await t.bureau(client, services)
    uscc, _ = await major_case(client, bureau)
    keys = await jwks(client)

    single = await status(client, h, uscc)
    payload = verified(single, keys, "registry-status+jws")
    assert payload["subject"]["uscc"] == uscc
    assert payload["subject"]["known"] is True
    assert payload["audience"] == "mof"
    for member in ("issued_at", "valid_until", "subject", "standardization", "listings", "measures", "incentives"):
        assert member in payload, member
    assert {"rulesets", "data_version", "log"} <= set(payload)
    assert stamp(payload["valid_until"]) > stamp(payload["issued_at"])
    assert set(payload["log"]) == {"tree_size", "root_hash"}

    with_nonce = await status(client, h, uscc, nonce="n-0123456789abcdef")
    assert verified(with_nonce, keys, "registry-status+jws")["nonce"] == "n-0123456789abcdef"

    many = await batch(client, h, [uscc, INVALID_USCC], nonce="batch-nonce-42")
    assert verified(many, keys, "registry-status-batch+jws")["nonce"] == "batch-nonce-42"

    feed = await page(client, h, start, 10)
    assert [c["kind"] for c in verified(feed, keys, "registry-changes+jws")["changes"]] == [
        "enterprise",
        "event",
        "event",
    ]

    unknown = await status(client, h, f.uscc())
    verified(unknown, keys, "registry-status+jws")

    public = jws.public_keys(keys)
    for answer in (single, with_nonce, many, feed):
        # one value changed beside an intact JWS: the JWS no longer signs that payload
        forged = json.loads(json.dumps(answer))
        if "subject" in forged["payload"]:
            forged["payload"]["subject"]["known"] = False
        elif "results" in forged["payload"]:
            forged["payload"]["results"][0]["status"] = "unknown"
        else:
            forged["payload"]["latest"] += 1
        with pytest.raises(jws.InvalidAnswer):
            jws.verify_envelope(forged, public)
        # and a JWS whose payload part was replaced by the changed payload fails its signature
        head, _, sig = answer["jws"].split(".")
        body = base64.urlsafe_b64encode(rfc8785.dumps(forged["payload"])).decode().rstrip("=")
        tampered = {**forged, "jws": f"{head}.{body}.{sig}"}
        with pytest.raises(jws.InvalidAnswer):
            jws.verify_envelope(tampered, public)
        token = jjws.JWS()
        token.deserialize(tampered["jws"])
        with pytest.raises(jjws.InvalidJWSSignature):
            token.verify(jwk.JWKSet.from_json(json.dumps(keys)).get_key(token.jose_header["kid"]))

    # the payload must be exactly the canonical JSON: the same values re-ordered still verify
    reordered = {**single, "payload": dict(reversed(list(single["payload"].items())))}
    assert jws.verify_envelope(reordered, public) == single["payload"]


async def test_an_unknown_uscc_is_a_signed_answer_and_an_invalid_one_a_problem(client, services):
    _, h = await partner(client, services, "mof")
    code = f.uscc()
    answer = await status(client, h, code)
    payload = answer["payload"]
    assert payload["subject"]["uscc"] == code
    assert payload["subject"]["known"] is False
    assert (payload["listings"], payload["measures"], payload["incentives"]) == ([], [], [])
    assert payload["standardization"]["grade"] is None
    assert payload["data_version"] == 0
    assert payload["audience"] == "mof"

    r = await client.get(f"{STATUS}/{INVALID_USCC}", headers=h)
    t.assert_field(r, "uscc", "uscc.check")
    r = await client.get(f"{STATUS}/{code[:17]}", headers=h)
    t.assert_field(r, "uscc", "uscc.length")


async def test_the_answers_kept_never_exceed_the_cache_size_nor_do_the_codes_asked(client, services, monkeypatch):
    """A worker keeps at most ``cache_size`` answers (REGISTRY_STATUS_CACHE_SIZE), least recently
    asked forgotten first; and what it remembers of the codes asked shrinks with them: a partner
    asking ever new well-formed codes no one registered (each a signed "unknown" answer) does not
    grow the worker's memory past the bound (issue 22, memory under load)."""
    size = 5
    monkeypatch.setattr(services.partners, "cache_size", size)
    _, h = await partner(client, services, "mof")
    bureau = await t.bureau(client, services)
    known = (await t.create(client, bureau))["uscc"]
    before = set(services.partners._keys)
    first = await status(client, h, known)
    asked = [f.uscc() for _ in range(4 * size)]
    for code in asked[: 2 * size]:
        assert (await status(client, h, code))["payload"]["subject"]["known"] is False
        assert len(services.partners._cache) <= size
    await batch(client, h, asked[2 * size :])
    assert len(services.partners._cache) == size
    # the last ones asked are the ones kept; the unknown codes forgotten are forgotten entirely
    new_keys = set(services.partners._keys) - before
    assert {c for c in new_keys if c != known} == set(asked[-size:])
    # the registered unit's answer was forgotten too (least recently asked), and is made again
    misses = services.partners.counts["cache_miss"]
    again = await status(client, h, known)
    assert services.partners.counts["cache_miss"] == misses + 1
    assert again["payload"]["subject"] == first["payload"]["subject"]
    assert len(services.partners._cache) == size


# ---- 2. what each department sees ------------------------------------------------------------------


async def test_a_department_sees_its_own_measures_and_a_bureau_sees_them_all(client, services, clock):
    uscc, listing = await listed_unit(client, services, clock)
    _, mof = await partner(client, services, "mof")
    _, nfra = await partner(client, services, "nfra")
    bureau = await t.bureau(client, services)
    admin = await f.headers(client, services, "admin")

    seen = {
        name: (await status(client, h, uscc))["payload"]
        for name, h in [("mof", mof), ("nfra", nfra), ("bureau", bureau), ("admin", admin)]
    }
    assert {name: p["audience"] for name, p in seen.items()} == {
        "mof": "mof",
        "nfra": "nfra",
        "bureau": "bureau",
        "admin": "admin",
    }

    # everyone sees the listing in force
    for name, p in seen.items():
        [shown] = p["listings"]
        assert shown["id"] == listing["id"], name
        assert shown["list_type"] == listing["list_type"]
        assert shown["decision_no"] == listing["decision"]["decision_no"]
        assert shown["since"] == DECIDED.isoformat()
        assert shown["criteria"] == ["11-1"]

    everything = seen["bureau"]["measures"]
    assert everything, "a listed unit has measures"
    assert seen["admin"]["measures"] == everything
    for department in ("mof", "nfra"):
        mine = seen[department]["measures"]
        assert mine, f"{department} implements some measure of the joint punishment"
        assert all(department in m["departments"] for m in mine), mine
        # exactly the bureau's measures that name the department, nothing left out
        assert mine == [m for m in everything if department in m["departments"]]
        assert all(listing["id"] in m["listings"] for m in mine)
        incentives = seen["bureau"]["incentives"]
        assert seen[department]["incentives"] == [o for o in incentives if department in o["departments"]]
        assert seen[department]["standardization"]["outcomes"] == [
            o for o in seen["bureau"]["standardization"]["outcomes"] if department in o["departments"]
        ]
    assert "restrict_procurement" in codes(seen["mof"]["measures"])
    assert "raise_insurance_rates" in codes(seen["nfra"]["measures"])
    assert codes(seen["mof"]["measures"]) != codes(seen["nfra"]["measures"])
    assert "raise_insurance_rates" not in codes(seen["mof"]["measures"])
    assert "restrict_procurement" not in codes(seen["nfra"]["measures"])
    assert codes(seen["bureau"]["measures"]) > codes(seen["mof"]["measures"]) | codes(seen["nfra"]["measures"])

    # the same data version for all: one data, several views
    assert len({p["data_version"] for p in seen.values()}) == 1
    assert seen["mof"]["subject"] == seen["bureau"]["subject"]


# ---- 3. pre-produced answers -------------------------------------------------------------------


async def test_an_answer_is_reused_until_its_subject_changes(client, services, clock):
    bureau = await t.bureau(client, services)
    uscc, _ = await major_case(client, bureau)
    other = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")

    first = await status(client, h, uscc)
    again = await status(client, h, uscc)
    assert again["jws"] == first["jws"]
    assert again["payload"] == first["payload"]
    assert again["request_id"] != first["request_id"]
    other_before = await status(client, h, other)

    # a few minutes later, nothing changed: still the pre-produced answer
    clock.at += dt.timedelta(minutes=10)
    _, h = await partner(client, services, "mof")
    later = await status(client, h, uscc)
    assert later["jws"] == first["jws"]

    # a new event for the subject: a new data version and a new signature
    bureau = await t.bureau(client, services)
    await record(client, bureau, penalty(uscc, "2026-10-20"))
    changed = await status(client, h, uscc)
    assert changed["payload"]["data_version"] > first["payload"]["data_version"]
    assert changed["jws"] != first["jws"]
    async with services.db.read() as session:
        newest = await session.scalar(select(func.max(SubjectChange.seq)).where(SubjectChange.uscc == uscc))
    assert changed["payload"]["data_version"] == newest
    assert stamp(changed["payload"]["issued_at"]) == clock.now()
    # the other subject did not change: its answer is the one given before
    other_after = await status(client, h, other)
    assert other_after["jws"] == other_before["jws"]
    assert other_after["payload"]["data_version"] == other_before["payload"]["data_version"]

    # a nonce gets a signature of its own over the same data, naming the nonce and the request
    keys = await jwks(client)
    fresh = await status(client, h, uscc, nonce="partner-nonce-0001")
    payload = verified(fresh, keys, "registry-status+jws")
    assert payload["nonce"] == "partner-nonce-0001"
    assert payload["request_id"] == fresh["request_id"]
    assert fresh["jws"] != changed["jws"]
    assert {k: v for k, v in payload.items() if k not in ("nonce", "request_id")} == changed["payload"]
    twice = await status(client, h, uscc, nonce="partner-nonce-0001")
    assert twice["jws"] != fresh["jws"]
    assert twice["request_id"] != fresh["request_id"]
    # and the answer without a nonce is still the pre-produced one
    assert (await status(client, h, uscc))["jws"] == changed["jws"]


async def test_an_answer_near_the_end_of_its_validity_is_signed_anew(client, services, clock):
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    first = await status(client, h, uscc)
    clock.at += dt.timedelta(minutes=55)  # less than a tenth of the hour left
    _, h = await partner(client, services, "mof")
    second = await status(client, h, uscc)
    assert second["jws"] != first["jws"]
    assert second["payload"]["data_version"] == first["payload"]["data_version"]
    assert stamp(second["payload"]["issued_at"]) == clock.now()
    assert stamp(second["payload"]["valid_until"]) > stamp(first["payload"]["valid_until"])


# ---- 4. batches --------------------------------------------------------------------------------


async def test_a_batch_answers_each_subject_in_order_like_the_single_answer(client, services):
    bureau = await t.bureau(client, services)
    known, _ = await major_case(client, bureau)
    second = (await t.create(client, bureau))["uscc"]
    unknown = f.uscc()
    _, h = await partner(client, services, "nfra")
    keys = await jwks(client)

    asked = [known, unknown, INVALID_USCC, second]
    answer = await batch(client, h, asked, nonce="batch-0001-nonce")
    payload = verified(answer, keys, "registry-status-batch+jws")
    assert payload["nonce"] == "batch-0001-nonce"
    assert payload["request_id"] == answer["request_id"]
    assert payload["audience"] == "nfra"
    assert set(payload["log"]) == {"tree_size", "root_hash"}
    results = payload["results"]
    assert [x["uscc"] for x in results] == asked
    assert [x["status"] for x in results] == ["ok", "unknown", "invalid", "ok"]
    assert results[2]["error"]["code"] == "uscc.check"
    assert results[2]["error"]["zh"]
    assert results[2]["error"]["en"]
    assert "answer" not in results[2]
    assert results[1]["answer"]["subject"] == {"uscc": unknown, "known": False}
    assert results[0]["answer"]["subject"]["known"] is True

    # the single answers for the same subjects and versions are the same payloads
    for i, code in ((0, known), (1, unknown), (3, second)):
        single = await status(client, h, code)
        assert single["payload"] == results[i]["answer"], code

    # without a nonce there is none in the payload
    plain = await batch(client, h, [known])
    assert "nonce" not in plain["payload"]
    assert plain["payload"]["results"][0]["answer"] == results[0]["answer"]


async def test_a_batch_holds_one_to_a_thousand_subjects(client, services):
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    full = await batch(client, h, [uscc] * 1000)
    assert len(full["payload"]["results"]) == 1000
    assert {x["status"] for x in full["payload"]["results"]} == {"ok"}

    r = await client.post(BATCH, json={"subjects": [uscc] * 1001}, headers=h)
    t.assert_field(r, "subjects", "constraint")
    r = await client.post(BATCH, json={"subjects": []}, headers=h)
    t.assert_field(r, "subjects", "constraint")


# ---- 5. feedback and query records -------------------------------------------------------------


async def test_feedback_cites_an_answer_given_to_the_same_account(client, services):
    bureau = await t.bureau(client, services)
    uscc, _ = await major_case(client, bureau)
    elsewhere = (await t.create(client, bureau))["uscc"]
    cid, h = await partner(client, services, "mof")
    _, stranger = await partner(client, services, "mof")
    answer = await status(client, h, uscc)
    rid = answer["request_id"]

    r = await client.post(FEEDBACK, json=measure_feedback(rid, uscc), headers=h)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["request_id"], got["uscc"], got["measure"], got["handle_type"]) == (
        rid,
        uscc,
        "restrict_procurement",
        "refused",
    )
    assert stamp(got["executed_at"]) == dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)
    async with services.db.read() as session:
        row = await session.get(PartnerFeedback, got["id"])
    assert row is not None
    assert (row.request_id, row.client, row.department, row.uscc) == (rid, cid, "mof", uscc)
    assert (row.measure, row.handle_type, row.officer) == ("restrict_procurement", "refused", "财政局采购处 王某")
    assert row.reference == got["reference"]
    assert row.remark == "投标资格审查时不予通过"
    assert utc(row.executed_at) == dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)

    # optional fields may be left out
    r = await client.post(
        FEEDBACK,
        json={
            k: v
            for k, v in measure_feedback(rid, uscc, handle_type="noted").items()
            if k not in ("reference", "remark")
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["reference"], r.json()["remark"]) == (None, None)
    assert await feedback_count(services, rid) == 2

    bad = [
        (measure_feedback("00000000-0000-4000-8000-000000000000", uscc), "request_id", "unknown_request", h),
        (measure_feedback(rid, uscc), "request_id", "unknown_request", stranger),  # given to another account
        (measure_feedback(rid, elsewhere), "uscc", "not_in_answer", h),
        (measure_feedback(rid, uscc, measure="no_such_measure"), "measure", "unknown_measure", h),
        (measure_feedback(rid, uscc, measure="raise_insurance_rates"), "measure", "not_your_department", h),
        (measure_feedback(rid, uscc, executed_at="2026-11-26T05:00:00Z"), "executed_at", "future_time", h),
    ]
    for body, fld, code, who in bad:
        r = await client.post(FEEDBACK, json=body, headers=who)
        t.assert_field(r, fld, code)
    r = await client.post(FEEDBACK, json=measure_feedback(rid, uscc, handle_type="ignored"), headers=h)
    t.assert_problem(r, 422)
    r = await client.post(FEEDBACK, json=measure_feedback(rid, INVALID_USCC), headers=h)
    t.assert_field(r, "uscc", "uscc.check")
    assert await feedback_count(services, rid) == 2  # nothing refused was stored

    # an answer of a batch may be cited for any valid subject it answered
    many = await batch(client, h, [elsewhere, INVALID_USCC])
    r = await client.post(FEEDBACK, json=measure_feedback(many["request_id"], elsewhere), headers=h)
    assert r.status_code == 201, r.text
    r = await client.post(FEEDBACK, json=measure_feedback(many["request_id"], uscc), headers=h)
    t.assert_field(r, "uscc", "not_in_answer")


async def test_feedback_with_an_executed_at_without_timezone_is_no_server_error(client, services):
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    rid = (await status(client, h, uscc))["request_id"]
    r = await client.post(FEEDBACK, json=measure_feedback(rid, uscc, executed_at="2026-11-26T03:00:00"), headers=h)
    assert r.status_code in (201, 422), r.text
    if r.status_code == 422:
        t.assert_problem(r, 422)
        assert "executed_at" in [e["field"] for e in r.json()["errors"]]


async def test_every_answer_given_is_recorded_with_the_hash_of_its_jws(client, services):
    bureau = await t.bureau(client, services)
    uscc, _ = await major_case(client, bureau)
    unknown = f.uscc()
    cid, h = await partner(client, services, "mof")
    admin_cid, admin_secret = await f.account(services, "admin")
    admin = {"Authorization": f"Bearer {await f.token(client, admin_cid, admin_secret)}"}

    plain = await status(client, h, uscc)
    repeated = await status(client, h, uscc)
    nonced = await status(client, h, uscc, nonce="record-nonce-01")
    many = await batch(client, h, [uscc, unknown, INVALID_USCC])
    by_admin = await status(client, admin, uscc)
    await services.partners.queries.flush()

    version = plain["payload"]["data_version"]
    expected = [
        (plain, cid, "mof", [[uscc, version]]),
        (repeated, cid, "mof", [[uscc, version]]),
        (nonced, cid, "mof", [[uscc, version]]),
        (many, cid, "mof", [[uscc, version], [unknown, 0], [INVALID_USCC, None]]),
        (by_admin, admin_cid, None, [[uscc, version]]),
    ]
    for answer, client_id, department, subjects in expected:
        row = await query_row(services, answer["request_id"])
        assert row is not None, answer["request_id"]
        assert (row.client, row.department) == (client_id, department)
        assert row.subjects == subjects
        assert row.jws_sha256 == hashlib.sha256(answer["jws"].encode()).hexdigest()
    # the same pre-produced answer given twice: two records, one JWS
    assert plain["jws"] == repeated["jws"]
    assert plain["request_id"] != repeated["request_id"]


async def test_query_records_survive_a_failed_flush(client, services, monkeypatch):
    """A write of the answers given that fails keeps them, in order, for the next one (on
    PostgreSQL the writer thread's write, on SQLite the loop's)."""
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    queries = services.partners.queries
    await queries.flush()

    async def unreachable(_rows: Any) -> None:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(queries, "write_batch", unreachable)
    answer = await status(client, h, uscc)
    # on PostgreSQL the writer thread's failure is an outage (503 to a caller waiting on it), its
    # cause kept; on SQLite the loop's own write raises as it is
    with pytest.raises((ConnectionError, DatabaseUnavailable)) as failed:
        await queries.flush()
    if isinstance(failed.value, DatabaseUnavailable):
        assert isinstance(failed.value.__cause__, ConnectionError)
    assert await query_row(services, answer["request_id"]) is None
    monkeypatch.undo()
    await queries.flush()
    assert await query_row(services, answer["request_id"]) is not None


# ---- 6. the change feed ------------------------------------------------------------------------


async def walk(
    client: httpx.AsyncClient,
    h: dict[str, str],
    after: int,
    keys: dict[str, Any],
    between: list[Callable[[], Awaitable[None]]],
) -> list[dict[str, Any]]:
    """Every change after ``after``, two a page; one of ``between`` (writes) runs after each page."""
    seen: list[dict[str, Any]] = []
    pages = 0
    while True:
        got = verified(await page(client, h, after, 2), keys, "registry-changes+jws")
        assert got["after"] == after
        assert len(got["changes"]) <= 2
        assert got["latest"] >= after
        if not got["changes"]:
            assert got["next"] == after
            assert got["latest"] == after, "the last page reaches the latest change"
            return seen
        assert got["next"] == got["changes"][-1]["seq"]
        assert got["latest"] >= got["next"]
        seen += got["changes"]
        after = got["next"]
        pages += 1
        if between:
            await between.pop(0)()
        assert pages < 500


async def test_the_change_feed_walked_two_by_two_has_every_change_once_in_order(client, services, clock):
    _, h = await partner(client, services, "samr")
    start = await latest(client, h)
    keys = await jwks(client)

    listed, listing = await listed_unit(client, services, clock, grade=True)
    bureau = await t.bureau(client, services)
    _, h = await partner(client, services, "samr")
    later: dict[str, str] = {}

    async def register() -> None:
        later["unit"] = (await t.create(client, bureau))["uscc"]

    async def fine() -> None:
        await record(client, bureau, penalty(later["unit"], "2026-11-30"))

    async def fine_again() -> None:
        await record(client, bureau, penalty(listed, "2026-12-01"))

    seen = await walk(client, h, start, keys, [register, fine, fine_again])

    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(seqs)
    assert len(seqs) == len(set(seqs))
    assert all(s > start for s in seqs)
    async with services.db.read() as session:
        stored = list(
            await session.execute(
                select(SubjectChange.seq, SubjectChange.uscc, SubjectChange.kind)
                .where(SubjectChange.seq > start)
                .order_by(SubjectChange.seq)
            )
        )
    assert [(c["seq"], c["subject"].get("uscc"), c["kind"]) for c in seen] == [tuple(x) for x in stored]
    assert {c["subject"]["uscc"] for c in seen} == {listed, later["unit"]}
    assert all(stamp(c["at"]) <= clock.now() for c in seen)

    kinds = {code: Counter(c["kind"] for c in seen if c["subject"]["uscc"] == code) for code in (listed, later["unit"])}
    # the listed unit: registered; a grade applied, reviewed, audited, announced and then revoked by
    # the listing; an accident and two penalties; a listing proposed, notified and decided
    assert kinds[listed] == Counter({"enterprise": 1, "grade": 5, "event": 3, "listing": 3})
    # the unit registered during the walk: registered, fined
    assert kinds[later["unit"]] == Counter({"enterprise": 1, "event": 1})
    [shown] = (await status(client, h, listed))["payload"]["listings"]
    assert shown["id"] == listing["id"]

    # the data version of each answer is the seq of its subject's latest change
    for code in (listed, later["unit"]):
        answer = await status(client, h, code)
        assert answer["payload"]["data_version"] == max(c["seq"] for c in seen if c["subject"]["uscc"] == code)


async def test_the_change_feed_checks_its_parameters(client, services):
    _, h = await partner(client, services, "mof")
    top = await latest(client, h)
    beyond = await page(client, h, top + 1000, 5)
    assert beyond["payload"]["changes"] == []
    assert beyond["payload"]["next"] == top + 1000
    t.assert_problem(await client.get(CHANGES, params={"after": -1}, headers=h), 422)
    t.assert_problem(await client.get(CHANGES, params={"limit": 0}, headers=h), 422)
    t.assert_problem(await client.get(CHANGES, params={"limit": 1001}, headers=h), 422)


# ---- 7. authentication -------------------------------------------------------------------------


async def test_the_partner_api_needs_a_token(client, services):
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    rid = (await status(client, h, uscc))["request_id"]
    anonymous: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{STATUS}/{uscc}", {}),
        ("GET", f"{STATUS}/{uscc}", {"params": {"nonce": "anonymous-nonce"}}),
        ("GET", f"{STATUS}/{INVALID_USCC}", {}),
        ("POST", BATCH, {"json": {"subjects": [uscc]}}),
        ("POST", BATCH, {"json": {"subjects": []}}),
        ("POST", FEEDBACK, {"json": measure_feedback(rid, uscc)}),
        ("GET", CHANGES, {}),
        ("GET", CHANGES, {"params": {"after": 0, "limit": 2}}),
    ]
    for method, path, kw in anonymous:
        r = await client.request(method, path, **kw)
        t.assert_problem(r, 401, "not_authenticated")
        assert "payload" not in r.json()
        assert "jws" not in r.json()
    bogus = {"Authorization": "Bearer not.a.jwt"}
    t.assert_problem(await client.get(f"{STATUS}/{uscc}", headers=bogus), 401)
    t.assert_problem(await client.get(CHANGES, headers=bogus), 401)
    assert await feedback_count(services, rid) == 0


async def test_a_nonce_answer_is_issued_now_and_a_nonce_is_visible_ascii(client, services, clock):
    """A nonce asks for a fresh answer: it is issued at the time of asking, not when the cached one was."""
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    cached = await status(client, h, uscc)
    clock.at += dt.timedelta(minutes=20)
    _, h = await partner(client, services, "mof")
    fresh = await status(client, h, uscc, nonce="n0nce-0123")
    assert fresh["payload"]["issued_at"] != cached["payload"]["issued_at"]
    assert stamp(fresh["payload"]["issued_at"]) == utc(clock.at).replace(microsecond=0)
    r = await client.get(f"{STATUS}/{uscc}", params={"nonce": "has spaces in it"}, headers=h)
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "nonce" in r.text


async def test_an_answer_is_not_served_on_the_next_day(client, services, clock):
    """Terms end on calendar days (Beijing): a pre-produced answer is evaluated again the next day."""
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    set_day(clock, TODAY)
    clock.at = clock.at.replace(hour=15, minute=50)  # 23:50 in Beijing
    _, h = await partner(client, services, "mof")
    evening = await status(client, h, uscc)
    clock.at += dt.timedelta(minutes=20)  # 00:10 the next day
    _, h = await partner(client, services, "mof")
    morning = await status(client, h, uscc)
    assert morning["jws"] != evening["jws"]
    assert morning["payload"]["data_version"] == evening["payload"]["data_version"]


def sse_events(text: str) -> list[dict[str, str]]:
    """The events of a text/event-stream body (comments skipped)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":"))
        if fields:
            events.append(fields)
    return events


async def test_the_change_stream_resumes_from_last_event_id_without_gaps(client, services):
    """The SSE stream gives the same changes as the signed pages, each signed, resumable by id."""
    bureau = await t.bureau(client, services)
    _, h = await partner(client, services, "mof")
    start = await latest(client, h)
    made = [(await t.create(client, bureau))["uscc"] for _ in range(3)]
    keys = await jwks(client)
    r = await client.get(f"{CHANGES}/stream", params={"after": start, "max_events": 2}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    first = sse_events(r.text)
    assert [e["event"] for e in first] == ["change", "change"]
    resumed = await client.get(
        f"{CHANGES}/stream", params={"max_events": 1}, headers={**h, "Last-Event-ID": first[-1]["id"]}
    )
    events = [*first, *sse_events(resumed.text)]
    seqs = [int(e["id"]) for e in events]
    assert seqs == sorted(set(seqs))
    assert seqs[0] > start
    payloads = [verified(json.loads(e["data"]), keys, "registry-change+jws") for e in events]
    assert [p["seq"] for p in payloads] == seqs
    assert [p["subject"]["uscc"] for p in payloads] == made
    bad = await client.get(f"{CHANGES}/stream", params={"max_events": 1}, headers={**h, "Last-Event-ID": "x1"})
    t.assert_field(bad, "Last-Event-ID", "not_a_seq")


async def test_the_raw_status_route_answers_like_the_framework_would(client, services):
    """The status GET is a raw ASGI route (the hot path): its refusals are the app's problems, with
    the full path as instance and the request id header, and HEAD and other methods are handled."""
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    r = await client.get(f"{STATUS}/{uscc}", headers=h)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert "x-request-id" in r.headers
    assert int(r.headers["content-length"]) == len(r.content)
    head = await client.head(f"{STATUS}/{uscc}", headers=h)
    assert head.status_code == 200
    assert head.content == b""
    bad = await client.get(f"{STATUS}/{uscc}", params={"nonce": "short"}, headers=h)
    assert t.assert_field(bad, "nonce", "nonce")["instance"] == f"{STATUS}/{uscc}"
    assert (await client.post(f"{STATUS}/{uscc}", headers=h)).status_code == 405
    assert (await client.get(f"{STATUS}/{uscc}/more", headers=h)).status_code == 404
    invalid = await client.get(f"{STATUS}/not-a-uscc", headers=h)
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("application/problem+json")
    anonymous = await client.get(f"{STATUS}/{uscc}")
    assert t.assert_problem(anonymous, 401)["instance"] == f"{STATUS}/{uscc}"


async def test_a_cancelled_flush_does_not_stop_the_writer(client, services):
    """The app's periodic flusher is cancelled at shut-down while it waits: the writer (a thread on
    PostgreSQL) must go on answering later flushes instead of dying (seen: CI hung at shut-down)."""
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    queries = services.partners.queries
    for _ in range(3):
        await status(client, h, uscc)
        waiting = asyncio.create_task(queries.flush())
        await asyncio.sleep(0)
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    await asyncio.sleep(0.5)  # the writer has met the cancelled requests by now
    answer = await status(client, h, uscc)
    await asyncio.wait_for(queries.flush(), timeout=10)
    assert await query_row(services, answer["request_id"]) is not None


async def test_a_status_answer_that_fails_is_attempted_once_and_rendered_by_the_app(client, services, monkeypatch):
    """The status GET is answered in front of Litestar's router; an answer that raises goes on to
    the app with its error, which the route raises again without answering a second time."""
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    calls: list[str] = []

    async def down(_actor: Any, code: str, _nonce: str | None) -> bytes:
        calls.append(code)
        raise DatabaseUnavailable("数据库暂时无法连接 / the database cannot be reached", 7)

    monkeypatch.setattr(services.partners, "status", down)
    r = await client.get(f"{STATUS}/{uscc}", headers=h)
    assert calls == [uscc]
    problem = t.assert_problem(r, 503)
    assert problem["instance"] == f"{STATUS}/{uscc}"
    assert r.headers["retry-after"] == "7"
    assert "x-request-id" in r.headers

"""Public disclosure (信用公示) as the public sees it: the signed JSON answer, the HTML pages, the search,
the /verify page and the per-address rate limit.

What must hold: a listing is shown only while decided, published and in force, and nothing of it
before publication or after removal (on the JSON detail, on the page and on the search badge alike);
the "four always" events within 36 months are disclosed; full ids, officer identities, internal
remarks and reasons never reach the public; bad input is a 4xx, never a 5xx.

Every test pins "today" to 2026-11-26 (noon in Beijing) and makes enterprises of its own.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwk
from jwcrypto import jws as jjws
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import create_async_engine

from registry.app import create_app
from registry.db.models import Authority
from registry.domain.enterprises.search import SearchQuery, search_statements
from registry.domain.listings.types import LIST_TYPES
from registry.domain.vocabulary import PERSON_ROLES
from registry.settings import PublicSettings
from registry.signing import jws
from registry.signing.verify import VerificationError, answer
from tests import factories as f
from tests.conftest import running
from tests.integration import support as t
from tests.integration.test_listing_workflow import (
    COMMITMENT,
    DOCS,
    EXECUTED,
    major_case,
    move,
    new_person,
    officer,
    ok,
    proposed,
)
from tests.integration.test_listings import set_day
from tests.integration.test_rules_api import accident, add_role, amend, penalty, record

PUBLIC = "/api/v1/public/enterprises"
JWKS = "/.well-known/jwks.json"
TYP = "registry-public+jws"
TODAY = dt.date(2026, 11, 26)
#: a notice served on TODAY: the statement period ends 2026-12-01, the decision may follow the next day
DECIDED = dt.date(2026, 12, 2)
EXPIRES = "2029-12-02"
REPAIR_OPENS = dt.date(2027, 12, 2)
DIGITS = "0123456789"
HTML = "text/html"
#: a mainland resident id (18 characters, birth date inside)
RESIDENT_ID = re.compile(r"(?<![0-9A-Z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


# ---- helpers -----------------------------------------------------------------------------------


async def detail(client: httpx.AsyncClient, uscc: str) -> dict[str, Any]:
    """The signed public answer of ``uscc`` (200, ``{request_id, payload, jws}``)."""
    r = await client.get(f"{PUBLIC}/{uscc}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"request_id", "payload", "jws"}, body
    return body  # type: ignore[no-any-return]


async def html(client: httpx.AsyncClient, path: str, status: int = 200, **params: Any) -> str:
    r = await client.get(path, params=params) if params else await client.get(path)
    assert r.status_code == status, r.text[:2000]
    assert r.headers["content-type"].startswith(HTML), r.headers["content-type"]
    return r.text


async def search(client: httpx.AsyncClient, q: str, cursor: str | None = None) -> dict[str, Any]:
    params = {"q": q} if cursor is None else {"q": q, "cursor": cursor}
    r = await client.get(PUBLIC, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"q", "items", "next_cursor"}, body
    return body  # type: ignore[no-any-return]


async def badge(client: httpx.AsyncClient, uscc: str) -> bool:
    """The ``listed`` badge of ``uscc`` in the search (API), checked against the search page's badge."""
    [item] = (await search(client, uscc))["items"]
    assert item["uscc"] == uscc
    page = await html(client, "/", q=uscc)
    [result] = re.findall(r'<li class="result">.*?</li>', page, flags=re.S)
    assert uscc in result
    assert ('class="badge listed"' in result) == item["listed"], result
    return bool(item["listed"])


async def jwks(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get(JWKS)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def jwcrypto_verified(signed: dict[str, Any], keys: dict[str, Any]) -> dict[str, Any]:
    """The payload once jwcrypto (not this project's code) verifies the JWS against the JWKS and the
    signed bytes are the RFC 8785 canonical JSON of the payload beside it."""
    token = jjws.JWS()
    token.deserialize(signed["jws"])
    token.verify(jwk.JWKSet.from_json(json.dumps(keys)))
    assert token.payload == rfc8785.dumps(signed["payload"])
    header = token.jose_header
    assert (header["alg"], header["typ"]) == ("EdDSA", TYP)
    assert header["kid"] in {k["kid"] for k in keys["keys"]}
    return signed["payload"]  # type: ignore[no-any-return]


async def verify_page(client: httpx.AsyncClient, text: str | None = None, upload: bytes | None = None) -> str:
    """POST /verify as the form does (multipart), pasted text and/or an uploaded file."""
    files: dict[str, Any] = {}
    if text is not None:
        files["answer"] = (None, text)
    if upload is not None:
        files["file"] = ("answer.json", upload, "application/json")
    r = await client.post("/verify", files=files)
    assert r.status_code == 200, r.text[:2000]
    assert r.headers["content-type"].startswith(HTML)
    return r.text


def verdict(page: str) -> str:
    """``ok``, ``failed`` (a signature that does not hold) or ``not-answer`` (text that is no answer
    of the registry at all): from the classes of the result section."""
    found = re.findall(r'<section id="verify-result" class="([\w -]+)"', page)
    assert len(found) == 1, page
    classes = found[0].split()
    if "not-answer" in classes:
        assert "不是本系统的答复" in page
        return "not-answer"
    return classes[0]


def no(text: str, *secrets_: str) -> None:
    for s in secrets_:
        assert s not in text, s


# ---- 1. the signed answer ----------------------------------------------------------------------


async def test_the_public_answer_verifies_with_jwcrypto_and_the_registry_verifier(client, services):
    a = await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    keys = await jwks(client)

    signed = await detail(client, uscc)
    payload = jwcrypto_verified(signed, keys)
    assert answer(signed, keys) == payload
    assert payload["audience"] == "public"
    assert payload["subject"]["uscc"] == uscc
    for member in ("issued_at", "valid_until", "data_version", "last_changed_at", "log", "standardization"):
        assert member in payload, member
    for section in ("listings", "accidents", "penalties", "major_hazards", "persons"):
        assert isinstance(payload[section], list), section
    assert payload["data_version"] > 0
    assert set(payload["log"]) == {"tree_size", "root_hash"}

    # asked again: the same signed answer, a new request id (the request id is not signed)
    again = await detail(client, uscc)
    assert again["jws"] == signed["jws"]
    assert again["request_id"] != signed["request_id"]

    # one value changed beside an intact JWS
    forged = json.loads(json.dumps(signed))
    forged["payload"]["subject"]["name"] += "（已改）"
    with pytest.raises(VerificationError, match="the payload is not the one the JWS signs"):
        answer(forged, keys)
    forged = json.loads(json.dumps(signed))
    forged["payload"]["audience"] = "mof"
    with pytest.raises(VerificationError):
        answer(forged, keys)
    # one byte of the signature changed
    head, body, sig = signed["jws"].split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    broken = {**signed, "jws": f"{head}.{body}.{flipped}"}
    with pytest.raises(VerificationError):
        answer(broken, keys)
    token = jjws.JWS()
    token.deserialize(broken["jws"])
    with pytest.raises(jjws.InvalidJWSSignature):
        token.verify(jwk.JWKSet.from_json(json.dumps(keys)).get_key(token.jose_header["kid"]))
    # the signed part replaced by a changed payload: the signature no longer holds
    changed = dict(signed["payload"], audience="bank")
    part = base64.urlsafe_b64encode(rfc8785.dumps(changed)).decode().rstrip("=")
    with pytest.raises(VerificationError):
        answer({"payload": changed, "jws": f"{head}.{part}.{sig}"}, keys)
    # the same kid with another public key does not verify it
    x = base64.urlsafe_b64encode(Ed25519PrivateKey.generate().public_key().public_bytes_raw()).decode().rstrip("=")
    with pytest.raises(VerificationError, match="bad signature"):
        answer(signed, {"keys": [dict(k, x=x) for k in keys["keys"]]})


async def test_the_page_links_the_signed_answer_and_shows_its_data_version(client, services):
    a = await officer(client, services)
    unit = await t.create(client, a.h)
    payload = (await detail(client, unit["uscc"]))["payload"]
    page = await html(client, f"/enterprises/{unit['uscc']}")
    assert f'href="{PUBLIC}/{unit["uscc"]}"' in page
    assert f"数据版本 {payload['data_version']}" in page
    assert f'<h1 id="name">{unit["name"]}</h1>' in page
    assert payload["subject"]["name"] == unit["name"]
    assert payload["listings"] == []
    assert payload["standardization"] is None


# ---- 2. the listing lifecycle ------------------------------------------------------------------


def assert_not_shown(payload: dict[str, Any], page: str, decision_no: str | None) -> None:
    assert payload["listings"] == [], payload["listings"]
    assert "banner listed" not in page
    assert "未列入安全生产严重失信主体名单" in page
    if decision_no:
        assert decision_no not in page
        assert decision_no not in json.dumps(payload, ensure_ascii=False)


async def public_state(client: httpx.AsyncClient, uscc: str) -> tuple[dict[str, Any], str, bool]:
    return (
        (await detail(client, uscc))["payload"],
        await html(client, f"/enterprises/{uscc}"),
        await badge(client, uscc),
    )


@pytest.mark.parametrize("removal", ["court", "expiry", "early"])
async def test_a_listing_is_public_only_while_published_and_in_force(client, services, clock, removal):
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h, **(EXECUTED if removal == "early" else {}))
    versions = []

    payload, page, listed = await public_state(client, uscc)
    assert_not_shown(payload, page, None)
    assert listed is False
    versions.append(payload["data_version"])

    listing = (await proposed(client, a.h, uscc, with_persons=False))["listing"]
    payload, page, listed = await public_state(client, uscc)
    assert_not_shown(payload, page, None)
    assert listed is False
    versions.append(payload["data_version"])

    notice_no = f"郑二应急告〔2026〕{t.rand(DIGITS, 6)}号"
    listing = await ok(client, a.h, listing, "notify", notice_no=notice_no)
    payload, page, listed = await public_state(client, uscc)
    assert_not_shown(payload, page, None)
    assert notice_no not in page
    assert listed is False
    versions.append(payload["data_version"])

    await move(client, clock, DECIDED, a, b)
    decision_no = f"郑二应急信决〔2026〕{t.rand(DIGITS, 6)}号"
    listing = await ok(client, b.h, listing, "approve", decision_no=decision_no)
    assert (listing["status"], listing["in_force"]) == ("listed", True)
    payload, page, listed = await public_state(client, uscc)
    assert_not_shown(payload, page, decision_no)
    assert listed is False, "decided but not published"
    versions.append(payload["data_version"])

    listing = await ok(client, a.h, listing, "publish", channels=["credit_china", "gsxt"])
    payload, page, listed = await public_state(client, uscc)
    versions.append(payload["data_version"])
    [shown] = payload["listings"]
    assert shown["list_type"] == "SERIOUS_DISHONEST_2023"
    assert shown["title"] == LIST_TYPES["SERIOUS_DISHONEST_2023"].title
    [criterion] = shown["criteria"]
    assert criterion["code"] == "11-1"
    assert criterion["text"]
    assert criterion["text"] != "11-1", "the criterion is named in words (失信行为简况)"
    assert shown["deciding_authority"] == listing["deciding_authority"]["name"]
    assert shown["decision_no"] == decision_no
    assert shown["decided_on"] == DECIDED.isoformat()
    assert shown["effective_on"] == DECIDED.isoformat()
    assert shown["expires_on"] == EXPIRES
    assert shown["published_on"] == DECIDED.isoformat()
    assert "banner listed" in page
    for text in (shown["title"], criterion["text"], shown["deciding_authority"], decision_no, EXPIRES):
        assert text in page, text
    assert listed is True
    # a citizen reads the criterion in words (no rule code) and times in Beijing time
    assert "11-1" not in page
    assert "北京时间" in page
    assert "UTC" not in page
    assert "payload" not in page

    if removal == "court":
        listing = await ok(
            client, a.h, listing, "remove", type="court", document_no="（2026）豫0103行初7号", reason="法院判决撤销处罚"
        )
        # a removal awaiting the second officer: still listed, still shown
        assert (await detail(client, uscc))["payload"]["listings"] != []
        listing = await ok(client, b.h, listing, "approve")
    elif removal == "expiry":
        await move(client, clock, dt.date(2029, 12, 2), a)
        await services.listings.sweep()
        last_day = (await detail(client, uscc))["payload"]
        assert [x["decision_no"] for x in last_day["listings"]] == [decision_no], "in force on its last day"
        assert await badge(client, uscc) is True
        await move(client, clock, dt.date(2029, 12, 3), a)
        assert await services.listings.sweep() >= 1
    else:
        await move(client, clock, REPAIR_OPENS, a, b)
        listing = await ok(client, a.h, listing, "apply-repair", commitment=COMMITMENT, evidence=DOCS)
        listing = await ok(client, a.h, listing, "decide-repair", granted=True, reason="整改到位，符合修复条件")
        assert (await detail(client, uscc))["payload"]["listings"] != [], "a repair awaiting approval removes nothing"
        listing = await ok(client, b.h, listing, "approve")
    r = await client.get(f"/api/v1/listings/{listing['id']}", headers=a.h)
    assert r.json()["status"] == "removed", r.text

    payload, page, listed = await public_state(client, uscc)
    assert_not_shown(payload, page, decision_no)
    assert listed is False
    versions.append(payload["data_version"])
    # each step is a new data version (and so a new signed answer); the removal too
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions), versions


async def test_a_listing_effective_later_is_shown_from_its_effective_day(client, services, clock):
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await major_case(client, a.h)
    listing = (await proposed(client, a.h, uscc, with_persons=False))["listing"]
    listing = await ok(client, a.h, listing, "notify", notice_no=f"郑二应急告〔2026〕{t.rand(DIGITS, 6)}号")
    await move(client, clock, DECIDED, a, b)
    later = DECIDED + dt.timedelta(days=5)
    listing = await ok(
        client,
        b.h,
        listing,
        "approve",
        decision_no=f"郑二应急信决〔2026〕{t.rand(DIGITS, 6)}号",
        effective_on=str(later),
    )
    listing = await ok(client, a.h, listing, "publish", channels=["gsxt"])
    payload, page, listed = await public_state(client, uscc)
    assert_not_shown(payload, page, listing["decision"]["decision_no"])
    assert listed is False
    await move(client, clock, later, a)
    payload, page, listed = await public_state(client, uscc)
    assert [x["effective_on"] for x in payload["listings"]] == [later.isoformat()]
    assert listed is True


# ---- 3. the "four always" events ----------------------------------------------------------------


def hazard(uscc: str, on: str, deadline: str, **over: Any) -> dict[str, Any]:
    details = {"description": f"液氨储罐区可燃气体报警装置失效{t.rand(DIGITS, 4)}", "rectification_deadline": deadline}
    details.update(over)
    return {
        "kind": "major_hazard",
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": on,
        "source_document": f"郑二应急责改〔{on[:4]}〕{t.rand(DIGITS, 6)}号",
        "details": details,
    }


async def test_the_four_always_events_are_disclosed_for_36_months_and_withdrawn_ones_never(client, services, clock):
    """Publishing accidents and hazards and notifying the parent company rest on 惠济区's text
    (惠安监管〔2017〕10号, DOMAIN 8.9): a unit there; penalties are published everywhere (art. 78)."""
    h = await t.bureau(client, services, "410108")
    parent = await t.create(client, h, division="410108")
    unit = await t.create(client, h, division="410108", parent_uscc=parent["uscc"])
    uscc = unit["uscc"]
    acc = await record(client, h, accident(uscc, "2026-09-01", deaths=1, injuries=2))
    pen = await record(client, h, penalty(uscc, "2026-10-15"))
    haz = await record(client, h, hazard(uscc, "2026-11-01", "2026-12-31"))
    old = await record(client, h, accident(uscc, "2023-06-01", deaths=2))  # 41 months ago
    edge = await record(client, h, accident(uscc, "2023-12-20", deaths=1))  # 35 months ago
    gone = await record(client, h, penalty(uscc, "2026-10-20"))
    await amend(client, h, gone["id"], "withdrawal")

    payload = (await detail(client, uscc))["payload"]
    assert [e["id"] for e in payload["accidents"]] == sorted([acc["id"], edge["id"]])
    [shown] = [e for e in payload["accidents"] if e["id"] == acc["id"]]
    assert (shown["occurred_on"], shown["deaths"], shown["serious_injuries"]) == ("2026-09-01", 1, 2)
    assert shown["grade"] == "ordinary"
    assert shown["grade_text"]
    assert shown["summary"] == acc["details"]["summary"]
    [fine] = payload["penalties"]
    assert fine["id"] == pen["id"]
    assert fine["decision_no"] == pen["details"]["decision_no"]
    assert fine["decided_on"] == "2026-10-15"
    assert fine["fine_cny"] == 1_000_000
    assert fine["legal_basis"] == pen["details"]["legal_basis"]
    assert fine["authority"] == pen["recording_authority"]["name"]
    [danger] = payload["major_hazards"]
    assert danger["id"] == haz["id"]
    assert danger["description"] == haz["details"]["description"]
    assert danger["rectification_deadline"] == "2026-12-31"
    assert danger["state"]["code"] == "rectifying"
    notice = payload["parent_notice"]
    assert (notice["parent_uscc"], notice["parent_name"]) == (parent["uscc"], parent["name"])
    assert notice["until"] is None or notice["until"] > TODAY.isoformat()
    text = json.dumps(payload, ensure_ascii=False)
    no(text, gone["details"]["decision_no"], old["source_document"], "2023-06-01")

    page = await html(client, f"/enterprises/{uscc}")
    for s in (pen["details"]["decision_no"], haz["details"]["description"], "整改中", "2026-09-01", parent["name"]):
        assert s in page, s
    no(page, gone["details"]["decision_no"], "2023-06-01")

    # the parent itself has nothing to disclose and no parent to notify
    assert (await detail(client, parent["uscc"]))["payload"]["parent_notice"] is None

    # past the deadline, not rectified: overdue; the 35-month accident is now past 36 months
    later = dt.date(2027, 1, 5)
    set_day(clock, later)
    h = await t.bureau(client, services, "410108")
    payload = (await detail(client, uscc))["payload"]
    assert [e["id"] for e in payload["accidents"]] == [acc["id"]]
    assert payload["major_hazards"][0]["state"]["code"] == "overdue"
    assert "逾期未整改" in await html(client, f"/enterprises/{uscc}")

    # rectified (a follow-up superseding the hazard): rectified, shown once
    five = ["measures", "responsibility", "funds", "time_limit", "contingency_plan"]
    done = hazard(uscc, "2026-11-01", "2026-12-31", rectified_on="2027-01-04", five_in_place=five)
    done["details"]["description"] = haz["details"]["description"]
    follow = await amend(client, h, haz["id"], "follow_up", done)
    payload = (await detail(client, uscc))["payload"]
    [danger] = payload["major_hazards"]
    assert danger["id"] == follow["id"]
    assert (danger["state"]["code"], danger["state"]["rectified_on"]) == ("rectified", "2027-01-04")
    assert "已整改" in await html(client, f"/enterprises/{uscc}")


async def test_outside_huiji_only_penalties_are_disclosed_and_no_parent_is_notified(client, services):
    """二七区 (410103) has no text publishing accidents and hazards or notifying the parent
    company: the public page shows the penalty (安全生产法 art. 78, national) and nothing of the
    惠济区 pack (DOMAIN 8.9)."""
    h = await t.bureau(client, services)
    parent = await t.create(client, h)
    uscc = (await t.create(client, h, parent_uscc=parent["uscc"]))["uscc"]
    await record(client, h, accident(uscc, "2026-09-01", deaths=1, injuries=2))
    pen = await record(client, h, penalty(uscc, "2026-10-15"))
    await record(client, h, hazard(uscc, "2026-11-01", "2026-12-31"))
    payload = (await detail(client, uscc))["payload"]
    assert [e["id"] for e in payload["penalties"]] == [pen["id"]]
    assert (payload["accidents"], payload["major_hazards"], payload["parent_notice"]) == ([], [], None)


async def test_a_penalty_shows_the_authority_that_decided_it(client, services):
    await t.bureau(client, services, "410100", "prefectural")  # the city's authority exists
    county = await t.bureau(client, services)
    uscc = (await t.create(client, county))["uscc"]
    pen = await record(client, county, penalty(uscc, "2026-10-15", deciding_authority="410100"))
    assert pen["details"]["deciding_authority"] == "410100"
    async with services.db.read() as session:
        city = await session.scalar(select(Authority.name).where(Authority.division_code == "410100"))
    assert city
    assert city != pen["recording_authority"]["name"]
    [shown] = (await detail(client, uscc))["payload"]["penalties"]
    assert shown["authority"] == city


async def test_a_unit_without_events_discloses_nothing(client, services):
    h = await t.bureau(client, services)
    uscc = (await t.create(client, h))["uscc"]
    payload = (await detail(client, uscc))["payload"]
    assert (payload["accidents"], payload["penalties"], payload["major_hazards"], payload["persons"]) == (
        [],
        [],
        [],
        [],
    )
    assert payload["parent_notice"] is None
    page = await html(client, f"/enterprises/{uscc}")
    assert "公示期内无生产安全事故记录" in page


# ---- 4. privacy ----------------------------------------------------------------------------------


async def test_no_full_id_officer_or_internal_remark_reaches_the_public(client, services, clock):
    a, b = await officer(client, services), await officer(client, services)
    tag = t.rand(DIGITS, 8)
    remark = f"内部备注勿公开{tag}"
    statement = f"企业陈述申辩内容{tag}"
    statement_answer = f"不予采纳的内部答复{tag}"
    boss, id_number = await new_person(client, a.h, f"孙{t.cjk(2)}")
    assert RESIDENT_ID.fullmatch(id_number), "the pattern below would find it"
    unit = await t.create(client, a.h)
    uscc = unit["uscc"]
    await add_role(client, a.h, boss["id"], uscc, "2020-01-01")
    acc = await record(client, a.h, {**accident(uscc, "2026-09-01", deaths=12), "remarks": remark})
    await record(client, a.h, {**penalty(uscc, "2026-10-15", links=[acc["id"]]), "remarks": remark + "罚"})

    # another unit, listed by hand (case 9) with written reasons
    other = await t.create(client, a.h)
    fine = await record(client, a.h, penalty(other["uscc"], "2026-10-15"))
    reasons = f"拒不执行处罚决定且多次逃避检查，内部理由{tag}"

    body = await proposed(client, a.h, uscc)
    listing = body["listing"]
    [person] = body["related"]
    manual = (
        await proposed(
            client, a.h, other["uscc"], source="manual", criterion="11-9", reasons=reasons, penalty_event_id=fine["id"]
        )
    )["listing"]
    notice = f"郑二应急告〔2026〕{t.rand(DIGITS, 6)}号"
    listing = await ok(client, a.h, listing, "notify", notice_no=notice)
    person = await ok(client, a.h, person, "notify", notice_no=notice + "人")
    manual = await ok(client, a.h, manual, "notify", notice_no=notice + "案")
    listing = await ok(client, a.h, listing, "statement", statement=statement, answer=statement_answer)
    await move(client, clock, DECIDED, a, b)
    listing = await ok(client, b.h, listing, "approve", decision_no=f"郑二应急信决〔2026〕{tag}号")
    person = await ok(client, b.h, person, "approve", decision_no=f"郑二应急信决〔2026〕{tag}人号")
    manual = await ok(client, b.h, manual, "approve", decision_no=f"郑二应急信决〔2026〕{tag}案号")
    for item in (listing, person, manual):
        done = await ok(client, a.h, item, "publish", channels=["credit_china"])
        assert (done["status"], done["in_force"]) == ("listed", True)

    signed = await detail(client, uscc)
    payload = signed["payload"]
    assert [x["decision_no"] for x in payload["listings"]] == [listing["decision"]["decision_no"]]
    [shown] = payload["persons"]
    assert shown["name"] == boss["name"]
    assert shown["id_masked"] == boss["id_masked"]
    assert "*" in shown["id_masked"]
    assert shown["roles"] == [PERSON_ROLES["principal"]]
    assert shown["title"] == LIST_TYPES[person["list_type"]].title
    page = await html(client, f"/enterprises/{uscc}")
    assert boss["id_masked"] in page
    assert boss["name"] in page

    manual_payload = (await detail(client, other["uscc"]))["payload"]
    assert [x["criteria"][0]["code"] for x in manual_payload["listings"]] == ["11-9"]
    manual_page = await html(client, f"/enterprises/{other['uscc']}")

    secrets_ = (id_number, a.id, b.id, remark, statement, statement_answer, reasons, f"内部理由{tag}")
    for text in (
        json.dumps(payload, ensure_ascii=False),
        page,
        json.dumps(manual_payload, ensure_ascii=False),
        manual_page,
    ):
        no(text, *secrets_)
        plain = text.replace(uscc, "").replace(other["uscc"], "")
        assert RESIDENT_ID.findall(plain) == [], RESIDENT_ID.findall(plain)
    members = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            members.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(payload)
    walk(manual_payload)
    for private in (
        "remarks",
        "reasons",
        "notes",
        "recorded_by",
        "proposed_by",
        "approved_by",
        "pending_by",
        "actor",
        "measures",
        "incentives",
        "id_number",
        "notice_no",
        "statement",
        "evidence",
        "source_document",
    ):
        assert private not in members, private
    # the departments' measures are the partners' business, not the public's
    no(json.dumps(payload), "restrict_procurement", "raise_insurance_rates")


async def test_a_person_removed_from_the_list_leaves_the_units_page_at_once(client, services, clock):
    a, b = await officer(client, services), await officer(client, services)
    boss, _ = await new_person(client, a.h, f"周{t.cjk(2)}")
    unit = await t.create(client, a.h)
    uscc = unit["uscc"]
    await add_role(client, a.h, boss["id"], uscc, "2020-01-01")
    acc = await record(client, a.h, accident(uscc, "2026-09-01", deaths=12))
    await record(client, a.h, penalty(uscc, "2026-10-15", links=[acc["id"]]))
    body = await proposed(client, a.h, uscc)
    listing, [person] = body["listing"], body["related"]
    listing = await ok(client, a.h, listing, "notify", notice_no=f"告〔2026〕{t.rand(DIGITS, 6)}号")
    person = await ok(client, a.h, person, "notify", notice_no=f"告〔2026〕{t.rand(DIGITS, 6)}号")
    await move(client, clock, DECIDED, a, b)
    listing = await ok(client, b.h, listing, "approve", decision_no=f"信决〔2026〕{t.rand(DIGITS, 6)}号")
    person = await ok(client, b.h, person, "approve", decision_no=f"信决〔2026〕{t.rand(DIGITS, 6)}号")
    listing = await ok(client, a.h, listing, "publish", channels=["credit_china"])
    person = await ok(client, a.h, person, "publish", channels=["credit_china"])
    assert [p["name"] for p in (await detail(client, uscc))["payload"]["persons"]] == [boss["name"]]

    person = await ok(
        client, a.h, person, "remove", type="court", document_no="（2026）豫0103行初9号", reason="判决撤销"
    )
    person = await ok(client, b.h, person, "approve")
    assert person["status"] == "removed"
    assert (await detail(client, uscc))["payload"]["persons"] == []
    assert boss["name"] not in await html(client, f"/enterprises/{uscc}")


# ---- 5. search -----------------------------------------------------------------------------------


async def walk_search(client: httpx.AsyncClient, q: str) -> list[str]:
    """Every USCC a search finds, following next_cursor (20 a page, every page but the last full)."""
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        got = await search(client, q, cursor)
        seen += [i["uscc"] for i in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            return seen
        assert len(got["items"]) == 20
    raise AssertionError("more than 10 pages")


async def test_search_by_name_fragment_walks_every_page_once(client, services):
    h = await t.bureau(client, services)
    fragment = t.cjk(4)
    family = t.Family()
    made = {
        (await t.create(client, h, uscc=family.uscc(), name=f"{fragment}机械{i}有限公司"))["uscc"] for i in range(23)
    }
    other = await t.create(client, h)  # not sharing the fragment
    assert await walk_search(client, family.prefix) == sorted(made), "by USCC prefix, page by page"

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        got = await search(client, fragment, cursor)
        pages += 1
        assert got["q"] == fragment
        assert len(got["items"]) <= 20
        for item in got["items"]:
            assert fragment in item["name"]
            assert item["listed"] is False
            assert item["division_code"] == "410103"
            assert item["division_name"]
            assert item["industry_name"]
        seen += [item["uscc"] for item in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
        assert len(got["items"]) == 20
        assert pages < 5
    assert pages == 2
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == made
    assert seen == sorted(seen), "USCC order"
    assert other["uscc"] not in seen

    # the page walks the same results
    page = await html(client, "/", q=fragment)
    assert page.count('<li class="result">') == 20
    assert 'id="next-page"' in page
    [href] = re.findall(r'id="next-page" rel="next" href="([^"]+)"', page)
    second = await html(client, href.replace("&amp;", "&"))
    assert second.count('<li class="result">') == 3
    assert 'id="next-page"' not in second


async def test_search_by_uscc_prefix_and_by_whole_uscc(client, services):
    h = await t.bureau(client, services)
    family = t.Family()
    made = sorted([(await t.create(client, h, uscc=family.uscc()))["uscc"] for _ in range(3)])
    got = await search(client, family.prefix)
    assert [i["uscc"] for i in got["items"]] == made
    assert got["next_cursor"] is None
    assert [i["uscc"] for i in (await search(client, made[1]))["items"]] == [made[1]]
    # a prefix of two characters is a search by code
    broad = await search(client, "91")
    assert broad["items"]
    assert all(i["uscc"].startswith("91") for i in broad["items"])
    # the prefix of another family (nobody's) finds nothing
    assert (await search(client, t.Family().prefix))["items"] == []
    # lower case is the same code
    assert [i["uscc"] for i in (await search(client, family.prefix.lower()))["items"]] == made


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"q": ""}, "q", "too_short"),
        ({"q": "a"}, "q", "too_short"),
        ({"q": "  企  "}, "q", "too_short"),
        ({"q": "企" * 101}, "q", "too_long"),
        ({"q": "企业\x00名称"}, "q", "control_character"),
        ({"q": "企业\n名称"}, "q", "control_character"),
        ({"q": "\x07企业"}, "q", "control_character"),
        ({"q": "企业", "cursor": "!!!"}, "cursor", "cursor"),
        ({"q": "企业", "cursor": "abc"}, "cursor", "cursor"),
        ({"q": "企业", "cursor": base64.urlsafe_b64encode(b"' OR 1=1 --").decode()}, "cursor", "cursor"),
        ({"q": "企业", "cursor": base64.urlsafe_b64encode(b"410103:91410103").decode()}, "cursor", "cursor"),
        ({"q": "企业", "cursor": base64.urlsafe_b64encode(b"\xff\xfe").decode()}, "cursor", "cursor"),
    ],
)
async def test_search_refuses_bad_input_naming_the_field(client, params, field, code):
    r = await client.get(PUBLIC, params=params)
    t.assert_field(r, field, code)


async def test_search_without_q_or_with_a_huge_cursor_is_a_problem(client):
    for params in ({}, {"q": "企业", "cursor": "A" * 300}):
        r = await client.get(PUBLIC, params=params)
        assert 400 <= r.status_code < 500, r.text
        body = t.assert_problem(r, r.status_code)
        assert ("cursor" if "cursor" in params else "q") in json.dumps(body), body


NASTY_QUERIES = [
    "' OR 1=1 --",
    "'; DROP TABLE enterprises; --",
    '" OR ""="',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "%%",
    "__",
    "%_%",
    "\\%",
    "\\\\",
    "😀😀",
    "有限公司💥",
    "شركة محدودة",
    "עברית",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "null",
    "  %%  ",
    "Ω≈ç√",
    "\u202eRTL",
    "\u200b\u200b",
    "ＡＢＣ",
    "9" * 18,
    "91" + "Z" * 16,
    "ab",
]


async def test_search_takes_sql_html_and_unicode_literally(client, services):
    h = await t.bureau(client, services)
    fragment = t.cjk(5)
    made = [(await t.create(client, h, name=f"{fragment}{i}有限公司"))["uscc"] for i in range(2)]
    # wildcards are literal: a fragment with one character replaced by _ or % matches nothing
    for q in (fragment[:2] + "_" + fragment[3:], fragment[:2] + "%" + fragment[3:], f"%{fragment}%x", f"{fragment}_"):
        assert (await search(client, q))["items"] == [], q
    assert sorted(i["uscc"] for i in (await search(client, fragment))["items"]) == sorted(made)
    # and a literal % or _ in a name is found by itself
    percent = await t.create(client, h, name=f"{fragment}百分_百%有限公司")
    assert [i["uscc"] for i in (await search(client, "分_百%"))["items"]] == [percent["uscc"]]

    for q in NASTY_QUERIES:
        r = await client.get(PUBLIC, params={"q": q})
        assert r.status_code == 200, (q, r.status_code, r.text)
        got = r.json()
        for item in got["items"]:
            text = q.strip()
            by_code = re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2,18}", text.upper()) is not None
            # by name always (SQLite's LIKE ignores ASCII case), and by code when it could be one
            by_name = text.lower() in item["name"].lower()
            assert by_name or (by_code and item["uscc"].startswith(text.upper())), (q, item)
        page = await client.get("/", params={"q": q})
        assert page.status_code == 200, (q, page.status_code)
        assert "<script>alert(1)</script>" not in page.text
        assert "<img src=x" not in page.text


async def test_a_two_character_fragment_finds_exactly_the_names_holding_it(client, services):
    """Two characters have no trigram: on PostgreSQL the name-bigram index answers (migration 0009),
    and the answer is the same as the plain LIKE's on both backends."""
    h = await t.bureau(client, services)
    a, b, c, d = t.cjk(4)
    holding = {
        (await t.create(client, h, name=name))["uscc"]
        for name in (f"{a}{b}有限公司", f"华{a}{b}机械有限公司", f"公司{a}{b}", f"{a}{b}{a}{b}有限公司")
    }
    apart = [
        (await t.create(client, h, name=name))["uscc"]
        for name in (f"{a}华{b}有限公司", f"{b}{a}有限公司", f"{a}有限公司{b}", f"{c}{d}有限公司")
    ]
    found = {i["uscc"] for i in (await search(client, a + b))["items"]}
    assert found == holding
    assert not found & set(apart)
    assert {i["uscc"] for i in (await search(client, f" {c}{d} "))["items"]} == {apart[-1]}


async def test_a_two_character_fragment_is_an_index_lookup_on_postgresql(client, services):
    """The query's expression is the index's: with scans of the table and of the USCC index off, the
    plan must use ``ix_enterprises_name_bigrams`` (a rename of the function or a change of its
    expression on one side only fails here, not at national scale)."""
    if services.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    [statement] = search_statements(SearchQuery(q="罕见", limit=20))
    compiled = statement.compile(dialect=services.db.reader.dialect, compile_kwargs={"literal_binds": True})
    async with services.db.read() as session:
        await session.execute(sql("SET LOCAL enable_seqscan = off"))
        await session.execute(sql("SET LOCAL enable_indexscan = off"))
        plan = "\n".join((await session.execute(sql(f"EXPLAIN {compiled}"))).scalars())
        bigrams = (await session.execute(sql("SELECT registry_name_bigrams('甲乙丙乙丙')"))).scalar_one()
        single = (await session.execute(sql("SELECT registry_name_bigrams('甲')"))).scalar_one()
    assert "ix_enterprises_name_bigrams" in plan, plan
    # the set of two-character substrings (a repeated pair may repeat: GIN keeps a key once, and
    # the search asks containment; migration 0013)
    assert set(bigrams) == {"甲乙", "乙丙", "丙乙"}
    assert len(bigrams) == len("甲乙丙乙丙") - 1
    assert single == []


async def test_a_search_past_its_time_budget_is_a_422_asking_for_more(client, services, settings):
    """A public search statement gets ``REGISTRY_PUBLIC_SEARCH_TIMEOUT_MS`` (200 ms): past it the answer
    is 422 ``too_broad`` on ``q``, not a connection held for seconds. Held up here by a lock on the
    register, which a search waits for like for a long scan."""
    if services.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    h = await t.bureau(client, services)
    made = await t.create(client, h, name=f"{t.cjk(4)}有限公司")
    engine = create_async_engine(settings.database.url)
    try:
        async with engine.connect() as holder:
            await holder.execute(sql("BEGIN"))
            await holder.execute(sql("LOCK TABLE enterprises IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            r = await client.get(PUBLIC, params={"q": made["name"][:4]})
            waited = time.monotonic() - started
            await holder.execute(sql("ROLLBACK"))
    finally:
        await engine.dispose()
    body = t.assert_field(r, "q", "too_broad")
    assert "更完整" in json.dumps(body, ensure_ascii=False)
    assert waited < 5, waited
    # and once the register is free the same search answers
    assert [i["uscc"] for i in (await search(client, made["name"][:4]))["items"]] == [made["uscc"]]


# ---- 6. the pages and bad input ------------------------------------------------------------------


async def test_the_search_page_escapes_what_it_echoes_and_refuses_long_queries(client, services):
    page = await html(client, "/", q="<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "<script" not in page.lower()
    page = await html(client, "/", q='"><svg onload=alert(1)>')
    assert "<svg onload" not in page
    assert 'value="&#34;&gt;&lt;svg' in page or 'value="&quot;&gt;&lt;svg' in page

    long = await html(client, "/", status=400, q="企" * 101)
    assert 'id="query-error"' in long
    assert "查询词过长" in long
    ok_len = await html(client, "/", q="企" * 100)
    assert 'id="results"' in ok_len
    short = await html(client, "/", q="a")
    assert 'id="query-error"' in short
    bad_cursor = await html(client, "/", q="企业", cursor="!!!")
    assert 'id="query-error"' in bad_cursor
    assert "分页游标无效" in bad_cursor
    home = await html(client, "/")
    assert 'id="results"' not in home
    assert 'id="query-error"' not in home


async def test_an_enterprise_name_with_markup_is_escaped_everywhere(client, services):
    """A name is free text (only control characters are refused): every page escapes it."""
    h = await t.bureau(client, services)
    name = f"<script>alert(1)</script><b>{t.cjk(3)}</b>&<i>有限公司</i>"
    unit = await t.create(client, h, name=name)
    uscc = unit["uscc"]
    assert (await detail(client, uscc))["payload"]["subject"]["name"] == name
    signed = json.dumps(await detail(client, uscc), ensure_ascii=False)
    pages = [
        await html(client, f"/enterprises/{uscc}"),
        await html(client, "/", q=uscc),
        await verify_page(client, signed),
    ]
    assert verdict(pages[-1]) == "ok"
    for page in pages:
        assert name not in page
        assert "<script>" not in page
        assert "<b>" not in page
        assert "&lt;b&gt;" in page


async def test_bad_enterprise_paths_are_html_errors(client, services):
    unknown = f.uscc()
    page = await html(client, f"/enterprises/{unknown}", status=404)
    assert 'id="error"' in page
    assert "未找到该企业" in page
    r = await client.get(f"{PUBLIC}/{unknown}")
    t.assert_problem(r, 404)
    for bad in ("NOT-A-USCC", "91410103ABCDEFGH12", unknown[:17], unknown + "0", "<script>", "%00", "'--"):
        page = await html(client, f"/enterprises/{quote(bad, safe='')}", status=400)
        assert 'id="error"' in page, bad
        assert "<script>" not in page
        r = await client.get(f"{PUBLIC}/{quote(bad, safe='')}")
        t.assert_field(r, "uscc", t.assert_problem(r, 422)["errors"][0]["code"])


async def test_nothing_a_visitor_sends_is_a_server_error(client, services):
    nasty = [
        *NASTY_QUERIES,
        "a" * 5000,
        "企" * 1000,
        "%",
        "\x00",
        "\x00\x00",
        "\ud7ff\ue000",
        "\U0010ffff" * 3,
        "91410103",
        "91410103" + "0" * 10,
        "*",
        "..",
        "//",
        "?q=1",
        "#frag",
    ]
    failures = []
    for x in nasty:
        for method, path, params in (
            ("GET", "/", {"q": x}),
            ("GET", "/", {"q": "企业", "cursor": x}),
            ("GET", PUBLIC, {"q": x}),
            ("GET", PUBLIC, {"q": "企业", "cursor": x}),
            ("GET", f"/enterprises/{quote(x, safe='')}", {}),
            ("GET", f"{PUBLIC}/{quote(x, safe='')}", {}),
        ):
            r = await client.request(method, path, params=params)
            if r.status_code >= 500:
                failures.append((path, params, r.status_code))
    # raw bytes that are not UTF-8 in the query and the path
    for raw in ("/?q=%FF%FE", f"{PUBLIC}?q=%FF%FE", "/?q=%ED%A0%80ab", "/enterprises/%FF%FE", f"{PUBLIC}/%C0%AF"):
        r = await client.get(raw)
        if r.status_code >= 500:
            failures.append((raw, None, r.status_code))
    assert failures == []


# ---- 7. the verify page --------------------------------------------------------------------------


def unknown_key_answer(payload: dict[str, Any]) -> dict[str, Any]:
    return {"payload": payload, "jws": jws.sign(Ed25519PrivateKey.generate(), "not-our-key", TYP, payload)}


async def test_the_verify_page_explains_genuine_and_tampered_answers(client, services, clock):
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    signed = await detail(client, unit["uscc"])
    text = json.dumps(signed, ensure_ascii=False)

    form = await html(client, "/verify")
    assert 'enctype="multipart/form-data"' in form
    assert 'id="verify-result"' not in form

    for page in (await verify_page(client, text), await verify_page(client, upload=text.encode())):
        assert verdict(page) == "ok"
        assert "签名有效" in page
        assert unit["name"] in page
        assert unit["uscc"] in page
        assert "公众（公示页面）" in page
        assert "北京时间" in page
        assert str(signed["payload"]["data_version"]) in page
        assert "有效期已于" not in page

    tampered = json.loads(text)
    tampered["payload"]["listings"] = [{"title": "伪造的名单"}]
    page = await verify_page(client, json.dumps(tampered, ensure_ascii=False))
    assert verdict(page) == "failed"
    assert "答复内容与签名所签的内容不一致" in page
    assert "the payload is not the one the JWS signs" in page  # the technical detail, folded

    head, body, sig = signed["jws"].split(".")
    flipped = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]
    page = await verify_page(client, json.dumps({**signed, "jws": f"{head}.{body}.{flipped}"}))
    assert verdict(page) == "failed"
    assert "签名与被签名的内容不符" in page

    page = await verify_page(client, json.dumps({**signed, "jws": f"{head}.{body}.{sig[:-4]}!!!!"}))
    assert verdict(page) == "failed"
    assert "签名部分含有不该有的字符" in page

    page = await verify_page(client, json.dumps(unknown_key_answer(signed["payload"]), ensure_ascii=False))
    assert verdict(page) == "failed"
    assert "JWKS" in page
    assert "not-our-key" in page

    # an old answer still verifies, with a word that it speaks of then, not now
    clock.at += dt.timedelta(hours=2)
    page = await verify_page(client, text)
    assert verdict(page) == "ok"
    assert "有效期已于" in page


@pytest.mark.parametrize(
    ("text", "reason", "outcome"),
    [
        ("", "没有收到内容", "not-answer"),
        ("   \n ", "没有收到内容", "not-answer"),
        ("hello, registry", "不是有效的 JSON", "not-answer"),
        ('{"payload": ', "不是有效的 JSON", "not-answer"),
        ("[1, 2, 3]", "不是 JSON 对象", "not-answer"),
        ('"a string"', "不是 JSON 对象", "not-answer"),
        ("42", "不是 JSON 对象", "not-answer"),
        ("null", "不是 JSON 对象", "not-answer"),
        ("{}", "缺少本系统答复必有的两部分", "not-answer"),
        ('{"payload": {}, "jws": 42}', "缺少本系统答复必有的两部分", "not-answer"),
        ("\ufeff{}", "缺少本系统答复必有的两部分", "not-answer"),
        ("</textarea><script>alert(1)</script>", "不是有效的 JSON", "not-answer"),
        ('{"payload": {}, "jws": "a.b"}', "不是由三段组成", "failed"),
        ('{"payload": {}, "jws": "a.b.c.d"}', "不是由三段组成", "failed"),
        ('{"payload": {}, "jws": "!!.??.**"}', "签名头无法解读", "failed"),
        ('{"payload": {}, "jws": "é.é.é"}', "签名头无法解读", "failed"),
        ('{"payload": {}, "jws": "bm90anNvbg.e30.AAAA"}', "签名头无法解读", "failed"),
        ('{"payload": {}, "jws": "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"}', "不是本系统使用的 EdDSA", "failed"),
        ('{"payload": {}, "jws": "eyJhbGciOiJFZERTQSIsImtpZCI6Im5vcGUifQ.e30.AAAA"}', "JWKS", "failed"),
        ('{"payload": NaN, "jws": "a.b.c"}', "签名无效", "failed"),
    ],
)
async def test_the_verify_page_gives_a_clear_reason_for_what_does_not_verify(client, text, reason, outcome):
    page = await verify_page(client, text)
    assert verdict(page) == outcome
    assert reason in page
    assert ("签名无效" in page) is (outcome == "failed")
    assert "<script>alert(1)</script>" not in page


async def test_the_verify_page_takes_odd_submissions_without_a_server_error(client, services):
    h = await t.bureau(client, services)
    signed = await detail(client, (await t.create(client, h))["uscc"])
    genuine = json.dumps(signed)
    multipart: list[tuple[dict[str, Any], str, str]] = [
        ({"file": ("x.json", b"\xff\xfe\x00garbage", "application/json")}, "不是有效的 JSON", "not-answer"),
        ({"file": ("x.bin", bytes(range(256)) * 10, "application/octet-stream")}, "不是有效的 JSON", "not-answer"),
        ({"file": ("", b"", "application/octet-stream")}, "没有收到内容", "not-answer"),
        ({"other": (None, "value")}, "没有收到内容", "not-answer"),
        # an uploaded file is what is checked, not the text beside it
        (
            {"answer": (None, genuine), "file": ("x.json", b"not json", "application/json")},
            "不是有效的 JSON",
            "not-answer",
        ),
        ({"answer": (None, "x" * 2_000_001)}, "超过", "not-answer"),
        ({"answer": (None, json.dumps({**signed, "payload": {"n": 2**80}}))}, "签名无效", "failed"),
        ({"answer": (None, json.dumps({**signed, "payload": [[[[]]]]}))}, "答复内容与签名所签的内容不一致", "failed"),
    ]
    for files, reason, outcome in multipart:
        r = await client.post("/verify", files=files)
        assert r.status_code == 200, (files.keys(), r.status_code)
        assert verdict(r.text) == outcome, reason
        assert reason in r.text, reason
    # the genuine answer as an uploaded file
    r = await client.post("/verify", files={"file": ("a.json", genuine.encode(), "application/json")})
    assert verdict(r.text) == "ok"
    # not the form's encoding, or a broken one: refused, never a server error
    for kw in (
        {"data": {"answer": genuine}},
        {"json": signed},
        {"content": b"--xyz\r\nbroken", "headers": {"content-type": "multipart/form-data; boundary=xyz"}},
    ):
        r = await client.post("/verify", **kw)
        assert 400 <= r.status_code < 500, (kw.keys(), r.status_code)


async def test_a_deeply_nested_document_on_the_verify_page_is_no_server_error(client):
    for text in ("[" * 5000 + "]" * 5000, '{"payload": ' + "[" * 100_000):
        r = await client.post("/verify", files={"answer": (None, text)})
        assert r.status_code == 200, r.status_code
        assert verdict(r.text) == "not-answer"


# ---- 8. the rate limit ---------------------------------------------------------------------------


def limited_settings(settings: Any, prefix: str, per_minute: int = 3) -> Any:
    redis = dataclasses.replace(settings.redis, prefix=prefix) if settings.redis.url else settings.redis
    return dataclasses.replace(settings, public=PublicSettings(rate_limit_per_minute=per_minute), redis=redis)


def retry_after(r: httpx.Response) -> int:
    value = int(r.headers["retry-after"])
    assert 0 < value <= 60, value
    return value


async def test_the_public_api_and_pages_are_rate_limited_per_address(settings, clock, client, services):
    h = await t.bureau(client, services)
    uscc = (await t.create(client, h))["uscc"]
    app = create_app(limited_settings(settings, f"registry-test-public-{secrets.token_hex(4)}:"), clock=clock)
    async with running(app):
        async with t.client_at(app, "198.51.100.20") as c:
            for _ in range(3):
                assert (await c.get(PUBLIC, params={"q": uscc})).status_code == 200
            r = await c.get(f"{PUBLIC}/{uscc}")
            body = t.assert_problem(r, 429, "rate_limited")
            assert "payload" not in body
            retry_after(r)
            # the pages count against the same address and answer with a page
            r = await c.get("/", params={"q": uscc})
            assert r.status_code == 429
            assert r.headers["content-type"].startswith(HTML)
            assert 'id="error"' in r.text
            assert "请求过于频繁" in r.text
            retry_after(r)
            assert (await c.get(f"/enterprises/{uscc}")).status_code == 429
            assert (await c.post("/verify", files={"answer": (None, "{}")})).status_code == 429

        async with t.client_at(app, "203.0.113.9") as c:
            # another address is not limited
            assert (await c.get(f"{PUBLIC}/{uscc}")).status_code == 200
            assert (await c.get("/", params={"q": uscc})).status_code == 200
            assert (await c.get(f"/enterprises/{uscc}")).status_code == 200
            r = await c.get("/")
            assert r.status_code == 429
            assert r.headers["content-type"].startswith(HTML)
            retry_after(r)
            t.assert_problem(await c.get(PUBLIC, params={"q": uscc}), 429)

        async with t.client_at(app, t.address()) as c:
            # errors count too: three 422s, then 429
            for _ in range(3):
                assert (await c.get(PUBLIC, params={"q": "a"})).status_code == 422
            t.assert_problem(await c.get(PUBLIC, params={"q": "a"}), 429)

    # the session's app (another limit) is untouched by all this
    assert (await client.get(f"{PUBLIC}/{uscc}")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/.well-known/jwks.json"),
        ("GET", "/api/v1/log/checkpoint"),
        ("GET", "/api/v1/log/checkpoint/note"),
        ("GET", "/api/v1/log/entries?start=0&end=1"),
        ("GET", "/api/v1/log/proof/inclusion?leaf_index=0&tree_size=1"),
        ("GET", "/api/v1/log/proof/consistency?first=1&second=1"),
        ("GET", "/verify"),
        ("POST", "/verify"),
    ],
)
async def test_the_keys_the_log_and_verify_share_the_public_limit(settings, clock, method, path):
    app = create_app(limited_settings(settings, f"registry-test-public-{secrets.token_hex(4)}:"), clock=clock)
    files = {"answer": (None, "{}")} if method == "POST" else None
    async with running(app), t.client_at(app, t.address()) as c:
        for _ in range(3):
            r = await c.request(method, path, files=files)
            assert r.status_code != 429, r.text
        r = await c.request(method, path, files=files)
        assert r.status_code == 429, (path, r.status_code)
        retry_after(r)
        if not path.startswith("/verify"):
            t.assert_problem(r, 429, "rate_limited")
        # the same counter as the pages: this address is spent for them too
        assert (await c.get("/")).status_code == 429


async def test_the_limit_holds_across_workers_sharing_redis(settings, clock, client, services):
    if not settings.redis.url:
        pytest.skip("SQLite deployments count in process (one worker); Redis shares the count")
    h = await t.bureau(client, services)
    uscc = (await t.create(client, h))["uscc"]
    shared = limited_settings(settings, f"registry-test-public-{secrets.token_hex(4)}:")
    first, second = create_app(shared, clock=clock), create_app(shared, clock=clock)
    host = t.address()
    async with running(first), running(second):
        async with t.client_at(first, host) as one, t.client_at(second, host) as two:
            assert (await one.get(f"{PUBLIC}/{uscc}")).status_code == 200
            assert (await two.get(f"{PUBLIC}/{uscc}")).status_code == 200
            assert (await one.get(f"/enterprises/{uscc}")).status_code == 200
            r = await two.get(f"{PUBLIC}/{uscc}")
            t.assert_problem(r, 429)
            retry_after(r)
            assert (await one.get("/")).status_code == 429
        # another prefix (another deployment) counts apart
        apart = create_app(limited_settings(settings, f"registry-test-public-{secrets.token_hex(4)}:"), clock=clock)
        async with running(apart), t.client_at(apart, host) as c:
            assert (await c.get(f"{PUBLIC}/{uscc}")).status_code == 200


async def test_a_fragment_that_could_be_a_code_also_finds_names(client, services):
    """ "TCL" or "12" are letters and digits a USCC may start with, and parts of names too."""
    h = await t.bureau(client, services)
    latin = t.rand("BCDEFGH", 6)
    unit = await t.create(client, h, name=f"{t.cjk(3)}{latin}科技有限公司")
    assert unit["uscc"] in [i["uscc"] for i in (await search(client, latin))["items"]]
    by_code = (await search(client, unit["uscc"][:12]))["items"]
    assert unit["uscc"] in [i["uscc"] for i in by_code]


async def test_an_unknown_page_is_a_chinese_page_and_an_unknown_api_address_stays_json(client):
    for path in ("/no/such/page", "/enterprises", "/enterprises/91410108MA0000015Y/more"):
        page = await html(client, path, status=404)
        assert '<html lang="zh-CN">' in page
        assert "页面不存在" in page
        assert '<p id="error"' in page
    for path in ("/api/v1/no/such", "/api/v1/public/nothing", "/.well-known/nothing", "/health/nothing"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json"), (path, r.headers["content-type"])
        assert r.json()["status"] == 404

"""The rules over HTTP: ``GET /api/v1/rules`` (the catalogue) and ``POST /api/v1/rules/evaluate``
(stored facts, corrections, hypothetical facts, facts given whole, persons and grades).

Every test pins "today" to noon in Beijing on 2026-11-26, so the event dates below (all before it)
never fall in the future of the service clock. Tokens are issued against the pinned clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import yaml
from sqlalchemy import func, select

from registry.app import create_app
from registry.db.models import AuditEntry, CreditEvent
from registry.settings import RulesSettings
from tests import factories as f
from tests.conftest import running
from tests.integration import support as t
from tests.integration.test_grades import agency_body, valid_grade

RULES = "/api/v1/rules"
EVALUATE = "/api/v1/rules/evaluate"
EVENTS = "/api/v1/events"
PERSONS = "/api/v1/persons"
TODAY = dt.date(2026, 11, 26)
LISTING = "list_serious_dishonest_2023"
RULESETS = Path(__file__).resolve().parents[2] / "registry" / "rules" / "rulesets"
DIGITS = "0123456789"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    clock.at = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 4, tzinfo=dt.UTC)  # noon in Beijing


# ---- helpers -----------------------------------------------------------------------------------


def unit(uscc: str) -> dict[str, Any]:
    return {"type": "enterprise", "uscc": uscc}


def accident(uscc: str, on: str, deaths: int, injuries: int = 0) -> dict[str, Any]:
    return {
        "kind": "accident",
        "subject": unit(uscc),
        "occurred_on": on,
        "source_document": f"事故调查报告〔{on[:4]}〕{t.rand(DIGITS, 6)}号",
        "details": {
            "deaths": deaths,
            "serious_injuries": injuries,
            "direct_loss_cny": 1_500_000,
            "responsible": True,
            "summary": "反应釜超温超压爆炸，现场作业人员伤亡。",
        },
    }


def penalty(uscc: str, on: str, links: list[int] | None = None, **details: Any) -> dict[str, Any]:
    no = f"（郑二应急）应急罚〔{on[:4]}〕{t.rand(DIGITS, 8)}号"
    return {
        "kind": "penalty",
        "subject": unit(uscc),
        "occurred_on": on,
        "source_document": no,
        "links": links or [],
        "details": {
            "decision_no": no,
            "legal_basis": "《中华人民共和国安全生产法》第一百一十四条第一款第二项",
            "fine_cny": 1_000_000,
            **details,
        },
    }


def judgment(person_id: int, on: str, links: list[int], sentence_end_on: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {
        "judgment_no": f"（{on[:4]}）豫0103刑初{t.rand(DIGITS, 5)}号",
        "court": "郑州市二七区人民法院",
        "offence": "重大责任事故罪",
        "sentence": "有期徒刑二年",
    }
    if sentence_end_on is not None:
        details["sentence_end_on"] = sentence_end_on
    return {
        "kind": "criminal_liability",
        "subject": {"type": "person", "person_id": person_id},
        "occurred_on": on,
        "division_code": "410103",
        "source_document": details["judgment_no"],
        "links": links,
        "details": details,
    }


async def record(client: httpx.AsyncClient, h: dict, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(EVENTS, json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def amend(
    client: httpx.AsyncClient, h: dict, event_id: int, code: str, new: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "reason": "经复核，原记录有误"}
    if new is not None:
        body["event"] = new
    r = await client.post(f"{EVENTS}/{event_id}/amendments", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def evaluate(client: httpx.AsyncClient, h: dict, **body: Any) -> dict[str, Any]:
    r = await client.post(EVALUATE, json=body, headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def person(client: httpx.AsyncClient, h: dict, name: str) -> dict[str, Any]:
    r = await client.post(PERSONS, json={"id_number": t.person_id(), "name": name}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def add_role(
    client: httpx.AsyncClient,
    h: dict,
    person_id: int,
    uscc: str,
    since: str,
    until: str | None = None,
    role: str = "principal",
) -> None:
    body: dict[str, Any] = {"uscc": uscc, "role": role, "valid_from": since}
    if until is not None:
        body["valid_to"] = until
    r = await client.post(f"{PERSONS}/{person_id}/roles", json=body, headers=h)
    assert r.status_code == 201, r.text


def outcomes(decision: dict[str, Any], group: str, code: str) -> list[dict[str, Any]]:
    return [o for o in decision[group] if o["code"] == code]


def the_listing(decision: dict[str, Any]) -> dict[str, Any]:
    [found] = outcomes(decision, "listings", LISTING)
    return found


async def stored_counts(services: Any) -> tuple[int, int]:
    """(credit events, audit entries): tests of one worker and backend run one at a time."""
    async with services.db.read() as session:
        events = await session.scalar(select(func.count()).select_from(CreditEvent))
        audits = await session.scalar(select(func.count()).select_from(AuditEntry))
    return int(events or 0), int(audits or 0)


async def events_of(client: httpx.AsyncClient, h: dict, uscc: str) -> list[dict[str, Any]]:
    r = await client.get(EVENTS, params={"uscc": uscc, "history": "true"}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def two_larger_accidents(
    client: httpx.AsyncClient, h: dict, uscc: str, deciding: str | None = None
) -> tuple[dict, dict, dict]:
    """Larger accidents on 2024-03-10 and 2025-03-10 (12 calendar months, both ends included) and a
    penalty of 2025-04-15 for the second."""
    first = await record(client, h, accident(uscc, "2024-03-10", 3))
    second = await record(client, h, accident(uscc, "2025-03-10", 5))
    extra = {} if deciding is None else {"deciding_authority": deciding}
    fine = await record(client, h, penalty(uscc, "2025-04-15", [second["id"]], **extra))
    assert (first["derived"]["grade"], second["derived"]["grade"]) == ("larger", "larger")
    return first, second, fine


# ---- GET /api/v1/rules ---------------------------------------------------------------------------


def shipped() -> dict[str, str]:
    """``family/version`` -> the hash of the canonical JSON of each YAML file shipped."""
    out = {}
    for path in sorted(RULESETS.glob("*/*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        digest = hashlib.sha256(msgspec.json.encode(raw, order="sorted")).hexdigest()
        out[f"{path.parent.name}/{path.stem}"] = f"sha256:{digest}"
    return out


async def test_catalogue_lists_every_shipped_ruleset_with_its_hash_bases_and_measures(client, services):
    h = await t.bureau(client, services)
    r = await client.get(RULES, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"rulesets", "bases", "measures_by_department", "list_types", "facts", "operators"} <= set(body)

    files = shipped()
    assert len(files) >= 12
    by_id = {x["id"]: x for x in body["rulesets"]}
    assert set(by_id) == set(files)
    for rid, expected in files.items():
        got = by_id[rid]
        assert f"{got['family']}/{got['version']}" == rid
        assert got["hash"].startswith("sha256:")
        assert len(got["hash"]) == len("sha256:") + 64
        assert got["hash"] == expected, rid
        assert got["rules"], rid

    listing = by_id["listing/2023"]
    assert (listing["effective_from"], listing["effective_to"], listing["scope"]) == ("2023-10-01", None, "conduct")
    assert {rule["id"] for rule in listing["rules"]} >= {f"R{n}" for n in range(1, 12)}
    r2 = next(rule for rule in listing["rules"] if rule["id"] == "R2")
    assert r2["basis"] == ["mem11_case2"]
    assert r2["then"][0]["outcome"] == LISTING
    assert r2["then"][0]["criterion"] == "11-2"
    assert r2["then"][0]["term"] == {"years": 3, "months": 0}
    assert r2["when"] == {
        "fact": "accidents_in_any_window",
        "where": {"grade_at_least": "larger", "last_penalised": True, "months": 12},
        "op": ">=",
        "value": 2,
    }
    r8 = next(rule for rule in listing["rules"] if rule["id"] == "R8")
    assert (r8["tag"], r8["verified"]) == ("R", False)
    # cases 8 and 9 are for the bureau's review only, and 49号 lists nothing new after 2023-09-30 (DOMAIN 8.4, 8.5)
    r9 = next(rule for rule in listing["rules"] if rule["id"] == "R9")
    assert [r["then"][0]["kind"] for r in (r8, r9)] == ["for_review", "for_review"]
    assert (by_id["listing/2017"]["new_listings_until"], listing["new_listings_until"]) == ("2023-09-30", None)

    mof = {m["code"]: m for m in body["measures_by_department"]["mof"]}
    procurement = mof["restrict_procurement"]
    assert (procurement["kind"], procurement["verified"], procurement["tag"]) == ("measure", False, "R")

    bases = {b["code"]: b for b in body["bases"]}
    assert (bases["mem11"]["tag"], bases["mem11"]["verified"]) == ("C", True)
    assert bases["mem11"]["doc_no"] == "应急管理部令第11号"
    assert "SERIOUS_DISHONEST_2023" in body["list_types"]
    # an outcome for the bureau's review is a kind of its own, never proposed (DOMAIN 8.1)
    kinds = body["outcome_kinds"]
    assert kinds["for_review"]["never_proposed"] is True
    assert not any(k["never_proposed"] for name, k in kinds.items() if name != "for_review")
    bans = {rule["id"]: rule for rule in by_id["bans/2021"]["rules"]}
    assert "FA4" not in bans
    assert "FA4-review" not in bans  # a local principle: the 惠济区 pack (DOMAIN 8.9)
    huiji = {rule["id"]: rule for rule in by_id["huiji_four_always/2017"]["rules"]}
    assert huiji["FA4-review"]["then"][0]["kind"] == "for_review"
    # every ruleset resting on a local text names its area; the deployment added none here
    assert by_id["huiji_four_always/2017"]["jurisdiction"] == ["410108"]
    assert by_id["shenzhen_incentives/2017"]["jurisdiction"] == ["4403"]
    assert by_id["listing/2023"]["jurisdiction"] is None
    assert {r["configured_extensions"] == [] for r in body["rulesets"]} == {True}
    assert body["local_packs"]["erqi_incentives"]["jurisdiction"] == ["410103"]
    assert "DOMAIN 8.9" in body["changes"]
    assert "accidents_in_any_window" in {x["name"] for x in body["facts"]}
    assert ">=" in body["operators"]["int"]

    # the admin sees the same catalogue
    admin = await f.headers(client, services, "admin")
    again = await client.get(RULES, headers=admin)
    assert again.status_code == 200, again.text
    assert again.json() == body


async def test_catalogue_and_evaluation_need_a_bureau_or_admin_token(client, services):
    t.assert_problem(await client.get(RULES), 401, "not_authenticated")
    t.assert_problem(await client.get(RULES, headers={"Authorization": "Bearer not.a.jwt"}), 401)
    t.assert_problem(await client.post(EVALUATE, json={"facts": {}}), 401, "not_authenticated")
    partner = await f.headers(client, services, "partner", department="samr")
    t.assert_problem(await client.get(RULES, headers=partner), 403, "forbidden")
    t.assert_problem(await client.post(EVALUATE, json={"facts": {}}, headers=partner), 403, "forbidden")


# ---- stored facts -> decision --------------------------------------------------------------------


async def test_two_larger_accidents_within_twelve_months_and_a_penalty_list_the_unit(client, services):
    city = await t.bureau(client, services, "410100", "prefectural")  # the deciding authority exists
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    first, second, fine = await two_larger_accidents(client, h, e["uscc"], deciding="410100")
    assert fine["details"]["deciding_authority"] == "410100"
    assert fine["recording_authority"]["division_code"] == "410103"
    before = await stored_counts(services)

    got = await evaluate(client, city, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["listing"])
    assert got["hypothetical"] is False
    decision = got["decision"]
    assert decision["as_of"] == TODAY.isoformat()
    assert decision["subject"]["id"] == e["uscc"]
    assert decision["subject"]["type"] == "enterprise"
    assert {x["family"] for x in decision["rulesets"]} == {"listing"}
    catalogue = {x["id"]: x["hash"] for x in (await client.get(RULES, headers=h)).json()["rulesets"]}
    for ref in decision["rulesets"]:
        assert ref["hash"] == catalogue[ref["id"]]

    listing = the_listing(decision)
    assert listing["criteria"] == ["11-2"]
    assert listing["deciding_authority"] == "410100"
    assert listing["evidence"] == sorted([first["id"], second["id"], fine["id"]])
    assert (listing["start"], listing["until"], listing["lifetime"]) == ("2025-04-15", "2028-04-15", False)
    assert listing["persons"] == [{"role": "principal", "person_id": None, "name": None}]  # no principal recorded
    assert listing["verified"] is True
    assert listing["tag"] == "C-2"
    [because] = listing["because"]
    assert (because["ruleset"], because["rule"], because["hash"]) == ("listing/2023", "R2", catalogue["listing/2023"])
    window = next(v for v in because["facts"] if v["fact"] == "accidents_in_any_window")
    # the span's accidents and the penalty that belongs to them (11号 art. 3)
    assert (window["actual"], window["held"], window["evidence"]) == (
        2,
        True,
        sorted([first["id"], second["id"], fine["id"]]),
    )
    assert "mem11_case2" in {b["code"] for b in listing["basis"]}
    assert "listing/2023#R2" in decision["fired"]
    assert "listing/2023#R1" not in decision["fired"]
    assert "listing/2023#R11" in decision["fired"]
    assert [o["code"] for o in decision["notices"]] == ["notice_before_listing"]

    # the facts used are the stored ones, the penalty linking the second accident
    events = {x["id"]: x for x in got["facts"]["events"]}
    assert set(events) == {first["id"], second["id"], fine["id"]}
    assert events[first["id"]]["grade"] == "larger"
    assert events[fine["id"]]["links"] == [second["id"]]
    assert events[fine["id"]]["deciding_authority"] == "410100"

    # nothing was written by evaluating
    assert await stored_counts(services) == before


async def test_the_day_decides_what_the_rules_see(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    await two_larger_accidents(client, h, e["uscc"])
    subject = {"uscc": e["uscc"]}

    async def listings_on(day: str) -> list[dict[str, Any]]:
        got = await evaluate(client, h, subject=subject, as_of=day, families=["listing"])
        return outcomes(got["decision"], "listings", LISTING)

    assert await listings_on("2025-04-14") == []  # the penalty is not decided yet
    [on_the_day] = await listings_on("2025-04-15")
    assert on_the_day["start"] == "2025-04-15"
    [last_day] = await listings_on("2028-04-15")
    assert last_day["until"] == "2028-04-15"
    assert await listings_on("2028-04-16") == []  # the 3-year term is over

    # without as_of: today on the service clock (Beijing)
    got = await evaluate(client, h, subject=subject, families=["listing"])
    assert got["decision"]["as_of"] == TODAY.isoformat()
    assert the_listing(got["decision"])["criteria"] == ["11-2"]


async def test_families_filter_chooses_the_rulesets(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    everything = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat())
    families = {x["family"] for x in everything["decision"]["rulesets"]}
    assert {"listing", "bans", "standardization", "joint_punishment"} <= families
    only = await evaluate(
        client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["bans", "standardization"]
    )
    assert {x["family"] for x in only["decision"]["rulesets"]} == {"bans", "standardization"}
    assert only["decision"]["fired"] == []


# ---- corrections and withdrawals ----------------------------------------------------------------


async def test_correcting_the_second_accident_to_ordinary_ends_the_listing(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    _, second, _ = await two_larger_accidents(client, h, e["uscc"])
    ask = {"subject": {"uscc": e["uscc"]}, "as_of": TODAY.isoformat(), "families": ["listing"]}
    assert the_listing((await evaluate(client, h, **ask))["decision"])["criteria"] == ["11-2"]

    corrected = await amend(client, h, second["id"], "correction", accident(e["uscc"], "2025-03-10", 1))
    assert corrected["derived"]["grade"] == "ordinary"
    got = await evaluate(client, h, **ask)
    assert got["decision"]["listings"] == []
    assert "listing/2023#R2" not in got["decision"]["fired"]
    grades = {x["id"]: x["grade"] for x in got["facts"]["events"] if x["kind"] == "accident"}
    assert grades[corrected["id"]] == "ordinary"
    assert second["id"] not in grades  # the superseded form is not a fact any more


async def test_one_day_more_than_twelve_months_apart_is_no_listing(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    first, _, _ = await two_larger_accidents(client, h, e["uscc"])
    await amend(client, h, first["id"], "correction", accident(e["uscc"], "2024-03-09", 3))
    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["listing"])
    assert got["decision"]["listings"] == []


async def test_the_penalty_link_follows_a_correction_of_the_accident(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    first, second, fine = await two_larger_accidents(client, h, e["uscc"])
    corrected = await amend(client, h, second["id"], "correction", accident(e["uscc"], "2025-03-10", 4))
    assert corrected["id"] != second["id"]

    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["listing"])
    listing = the_listing(got["decision"])
    assert listing["criteria"] == ["11-2"]
    assert listing["evidence"] == sorted([first["id"], corrected["id"], fine["id"]])
    assert second["id"] not in listing["evidence"]
    events = {x["id"]: x for x in got["facts"]["events"]}
    assert events[fine["id"]]["links"] == [corrected["id"]]
    assert events[corrected["id"]]["deaths"] == 4


async def test_a_withdrawn_penalty_is_no_listing(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    _, _, fine = await two_larger_accidents(client, h, e["uscc"])
    await amend(client, h, fine["id"], "withdrawal")
    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["listing"])
    assert got["decision"]["listings"] == []
    assert "penalty" not in {x["kind"] for x in got["facts"]["events"]}


async def test_a_penalty_corrected_after_the_accident_was_corrected_keeps_its_link(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    first, second, fine = await two_larger_accidents(client, h, e["uscc"])
    a2 = await amend(client, h, second["id"], "correction", accident(e["uscc"], "2025-03-10", 6))
    # the penalty is corrected too, its body still naming the accident's first id
    body = penalty(e["uscc"], "2025-04-15", [second["id"]])
    body["details"]["decision_no"] = fine["details"]["decision_no"]
    p2 = await amend(client, h, fine["id"], "correction", body)
    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["listing"])
    listing = the_listing(got["decision"])
    assert listing["evidence"] == sorted([first["id"], a2["id"], p2["id"]])
    assert listing["start"] == "2025-04-15"


async def test_an_accident_corrected_onto_another_unit_counts_for_that_unit_only(client, services):
    """A correction may change the subject (a follow-up may not): the fact then belongs to the new
    subject alone, as the effective view of ``GET /api/v1/events`` already shows."""
    h = await t.bureau(client, services)
    a = await t.create(client, h)
    b = await t.create(client, h)
    first, second, fine = await two_larger_accidents(client, h, a["uscc"])
    moved = await amend(client, h, second["id"], "correction", accident(b["uscc"], "2025-03-10", 5))
    r = await client.get(EVENTS, params={"uscc": a["uscc"]}, headers=h)
    assert {x["id"] for x in r.json()["items"]} == {first["id"], fine["id"]}

    ask = {"as_of": TODAY.isoformat(), "families": ["listing"]}
    got_b = await evaluate(client, h, subject={"uscc": b["uscc"]}, **ask)
    assert [x["id"] for x in got_b["facts"]["events"]] == [moved["id"]]
    got_a = await evaluate(client, h, subject={"uscc": a["uscc"]}, **ask)
    assert {x["id"] for x in got_a["facts"]["events"]} == {first["id"], fine["id"]}
    assert got_a["decision"]["listings"] == []  # one larger accident left: no case 2


# ---- hypothetical facts -----------------------------------------------------------------------


async def test_a_hypothetical_penalty_lists_under_r3_and_stores_nothing(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    stored = await record(client, h, accident(e["uscc"], "2025-05-06", 1))
    seen = await events_of(client, h, e["uscc"])
    before = await stored_counts(services)

    fine = {
        "id": -1,
        "kind": "penalty",
        "occurred_on": "2026-02-03",
        "multiplier": 2,
        "articles": [114],
        "deciding_authority": "410103",
    }
    got = await evaluate(
        client,
        h,
        subject={"uscc": e["uscc"]},
        hypothetical={"events": [fine]},
        as_of=TODAY.isoformat(),
        families=["listing"],
    )
    assert got["hypothetical"] is True
    listing = the_listing(got["decision"])
    assert listing["criteria"] == ["11-3"]
    assert listing["evidence"] == [-1]
    assert listing["deciding_authority"] == "410103"
    assert (listing["start"], listing["until"]) == ("2026-02-03", "2029-02-03")
    assert "listing/2023#R3" in got["decision"]["fired"]
    assert {x["id"] for x in got["facts"]["events"]} == {stored["id"], -1}

    # a multiple below 2 is no case 3
    got = await evaluate(
        client,
        h,
        subject={"uscc": e["uscc"]},
        hypothetical={"events": [{**fine, "multiplier": 1.5}]},
        as_of=TODAY.isoformat(),
        families=["listing"],
    )
    assert got["decision"]["listings"] == []

    # nothing stored, nothing audited
    assert await stored_counts(services) == before
    assert await events_of(client, h, e["uscc"]) == seen

    # the same subject without hypothetical facts (or with empty ones) is no what-if
    for extra in ({}, {"hypothetical": {}}, {"hypothetical": {"events": []}}):
        got = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), **extra)
        assert got["hypothetical"] is False
        assert got["decision"]["listings"] == []


async def test_a_hypothetical_penalty_may_link_stored_accidents(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    first = await record(client, h, accident(e["uscc"], "2024-03-10", 3))
    second = await record(client, h, accident(e["uscc"], "2025-03-10", 5))
    ask = {"subject": {"uscc": e["uscc"]}, "as_of": TODAY.isoformat(), "families": ["listing"]}
    assert (await evaluate(client, h, **ask))["decision"]["listings"] == []  # no penalty yet

    fine = {"id": -7, "kind": "penalty", "occurred_on": "2025-04-15", "links": [second["id"]]}
    got = await evaluate(client, h, **ask, hypothetical={"events": [fine]})
    listing = the_listing(got["decision"])
    assert listing["criteria"] == ["11-2"]
    assert listing["evidence"] == [-7, first["id"], second["id"]]


async def test_a_hypothetical_event_id_must_not_collide(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    stored = await record(client, h, accident(e["uscc"], "2025-05-06", 1))
    before = await stored_counts(services)
    clash = {"id": stored["id"], "kind": "penalty", "occurred_on": "2026-02-03", "multiplier": 2}
    r = await client.post(
        EVALUATE, json={"subject": {"uscc": e["uscc"]}, "hypothetical": {"events": [clash]}}, headers=h
    )
    t.assert_field(r, "hypothetical.events[0].id", "duplicate_id")

    twice = [{**clash, "id": -1}, {**clash, "id": -2}, {**clash, "id": -1}]
    r = await client.post(EVALUATE, json={"subject": {"uscc": e["uscc"]}, "hypothetical": {"events": twice}}, headers=h)
    body = t.assert_field(r, "hypothetical.events[0].id", "duplicate_id")
    assert sorted(x["field"] for x in body["errors"]) == ["hypothetical.events[0].id", "hypothetical.events[2].id"]
    assert await stored_counts(services) == before


# ---- facts given whole, and bad requests ------------------------------------------------------


def whole_facts() -> dict[str, Any]:
    return {
        "subject": {"type": "enterprise", "id": f.uscc(), "name": "假设化工有限公司", "industry": "chemicals"},
        "events": [
            {"id": 1, "kind": "accident", "occurred_on": "2024-03-10", "grade": "larger", "deaths": 3},
            {"id": 2, "kind": "accident", "occurred_on": "2025-03-10", "grade": "larger", "deaths": 5},
            {"id": 3, "kind": "penalty", "occurred_on": "2025-04-15", "links": [2], "deciding_authority": "410100"},
        ],
    }


async def test_facts_given_whole_are_evaluated(client, services):
    h = await t.bureau(client, services)
    facts = whole_facts()
    before = await stored_counts(services)
    got = await evaluate(client, h, facts=facts, as_of=TODAY.isoformat(), families=["listing"])
    assert got["hypothetical"] is True
    assert got["decision"]["subject"]["id"] == facts["subject"]["id"]
    listing = the_listing(got["decision"])
    assert (listing["criteria"], listing["evidence"], listing["deciding_authority"]) == (["11-2"], [1, 2, 3], "410100")
    assert [x["id"] for x in got["facts"]["events"]] == [1, 2, 3]
    # a hypothetical listing joins facts given whole: the joint punishment applies while listed
    got = await evaluate(
        client,
        h,
        facts=facts,
        hypothetical={"listings": [{"list_type": "SERIOUS_DISHONEST_2023", "listed_on": "2025-06-01"}]},
        as_of=TODAY.isoformat(),
        families=["joint_punishment"],
    )
    procurement = outcomes(got["decision"], "measures", "restrict_procurement")
    assert [(o["start"], o["verified"], o["tag"]) for o in procurement] == [("2025-06-01", False, "R")]
    assert await stored_counts(services) == before


async def test_subject_or_facts_exactly_once(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    r = await client.post(EVALUATE, json={"subject": {"uscc": e["uscc"]}, "facts": whole_facts()}, headers=h)
    t.assert_field(r, "facts", "one_of")
    t.assert_field(await client.post(EVALUATE, json={}, headers=h), "subject", "required")
    r = await client.post(EVALUATE, json={"hypothetical": {"events": []}}, headers=h)
    t.assert_field(r, "subject", "required")
    r = await client.post(EVALUATE, json={"subject": {"uscc": e["uscc"], "person_id": 1}}, headers=h)
    t.assert_field(r, "subject", "one_of")
    t.assert_field(await client.post(EVALUATE, json={"subject": {}}, headers=h), "subject", "one_of")


async def test_unknown_subjects_are_404(client, services):
    h = await t.bureau(client, services)
    stranger = f.uscc()
    r = await client.post(EVALUATE, json={"subject": {"uscc": stranger}}, headers=h)
    body = t.assert_problem(r, 404, "not_found")
    assert stranger in body["detail"]
    r = await client.post(EVALUATE, json={"subject": {"person_id": 2**62}}, headers=h)
    t.assert_problem(r, 404, "not_found")


async def test_a_malformed_uscc_is_named_like_everywhere_else(client, services):
    """Every other endpoint refuses a malformed USCC with 422 naming the field and the rule broken
    (tests/integration/test_bad_input.py); "no such entity" is for well-formed codes."""
    h = await t.bureau(client, services)
    good = f.uscc()
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    r = await client.post(EVALUATE, json={"subject": {"uscc": wrong}}, headers=h)
    t.assert_field(r, "subject.uscc", "uscc.check")


async def test_families_and_day_are_checked(client, services):
    h = await t.bureau(client, services)
    facts = whole_facts()
    r = await client.post(EVALUATE, json={"facts": facts, "families": ["listing", "astrology"]}, headers=h)
    body = t.assert_field(r, "families", "unknown_family")
    assert "astrology" in body["errors"][0]["message_en"]
    for day in ("1999-12-31", "2101-01-01"):
        r = await client.post(EVALUATE, json={"facts": facts, "as_of": day}, headers=h)
        t.assert_field(r, "as_of", "range")
    for day in ("2000-01-01", "2100-12-31"):
        got = await evaluate(client, h, facts=facts, as_of=day)
        assert got["decision"]["as_of"] == day


@pytest.mark.parametrize(
    "body",
    [
        {"facts": {}, "as_of": "yesterday"},
        {"facts": {}, "as_of": 20240101},
        {"facts": {}, "as_of": "2024-02-30"},
        {"facts": {}, "colour": "red"},
        {"subject": {"uscc": 12345}},
        {"subject": {"person_id": -3}},
        {"subject": {"person_id": 2**70}},
        {"subject": {"uscc": "x", "name": "unknown field"}},
        {"facts": {"subject": {"type": "martian"}}},
        {"facts": {"events": [{"id": 1, "kind": "meteor", "occurred_on": "2024-01-01"}]}},
        {"facts": {"events": [{"id": 1, "kind": "accident"}]}},
        {"facts": {"events": [{"id": 1, "kind": "accident", "occurred_on": "2024-01-01", "colour": "red"}]}},
        {"facts": {"grades": [{"id": 1, "level": 4, "status": "valid"}]}},
        {"facts": {}, "hypothetical": {"events": "none"}},
        {"facts": {}, "hypothetical": {"insurance": {"work_injury_class": "high"}}},
        {"facts": {}, "families": "listing"},
        {"facts": {}, "families": [1]},
        [],
        "evaluate",
        None,
    ],
    ids=lambda b: str(b)[:60],
)
async def test_malformed_bodies_are_a_problem_never_a_crash(client, services, body):
    h = await t.bureau(client, services)
    before = await stored_counts(services)
    r = await client.post(EVALUATE, json=body, headers=h)
    assert 400 <= r.status_code < 500, r.text
    t.assert_problem(r, r.status_code)
    assert await stored_counts(services) == before


async def test_a_body_that_is_not_json_is_a_problem(client, services):
    h = await t.bureau(client, services)
    r = await client.post(EVALUATE, content=b'{"facts": {', headers={**h, "content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    t.assert_problem(r, r.status_code)


async def test_malformed_field_is_named(client, services):
    h = await t.bureau(client, services)
    r = await client.post(EVALUATE, json={"facts": {}, "colour": "red"}, headers=h)
    t.assert_field(r, "colour", "unknown_field")
    r = await client.post(EVALUATE, json={"facts": {}, "as_of": "yesterday"}, headers=h)
    body = t.assert_problem(r, 422)
    assert "as_of" in {e["field"] for e in body["errors"]}


# ---- persons ------------------------------------------------------------------------------------


async def test_a_principal_convicted_for_a_major_accident_is_banned(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    boss = await person(client, h, "赵德明")
    await add_role(client, h, boss["id"], e["uscc"], "2020-01-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 12))
    assert major["derived"]["grade"] == "major"
    verdict = await record(client, h, judgment(boss["id"], "2025-09-01", [major["id"]], "2027-09-01"))

    got = await evaluate(client, h, subject={"person_id": boss["id"]}, as_of=TODAY.isoformat(), families=["bans"])
    assert got["hypothetical"] is False
    decision = got["decision"]
    assert (decision["subject"]["type"], decision["subject"]["id"]) == ("person", str(boss["id"]))
    [judged] = got["facts"]["events"]
    assert (judged["id"], judged["accident_grade"], judged["sentence_end_on"]) == (
        verdict["id"],
        "major",
        "2027-09-01",
    )
    [five] = outcomes(decision, "bans", "ban_principal_any_unit")
    assert (five["start"], five["until"], five["lifetime"]) == ("2027-09-01", "2032-09-01", False)
    assert five["evidence"] == [verdict["id"]]
    [life] = outcomes(decision, "bans", "ban_principal_industry_life")
    assert (life["start"], life["until"], life["lifetime"]) == ("2027-09-01", None, True)
    assert {"bans/2021#R16", "bans/2021#R16-life"} <= set(decision["fired"])

    # the accident corrected to larger: five years still, no lifetime ban
    await amend(client, h, major["id"], "correction", accident(e["uscc"], "2025-01-10", 4))
    got = await evaluate(client, h, subject={"person_id": boss["id"]}, as_of=TODAY.isoformat(), families=["bans"])
    assert got["facts"]["events"][0]["accident_grade"] == "larger"
    assert [o["code"] for o in got["decision"]["bans"]] == ["ban_principal_any_unit"]


async def test_a_judgment_without_the_end_of_sentence_still_bans_with_a_note(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    boss = await person(client, h, "钱立新")
    await add_role(client, h, boss["id"], e["uscc"], "2020-01-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 11))
    await record(client, h, judgment(boss["id"], "2025-09-01", [major["id"]], None))
    got = await evaluate(client, h, subject={"person_id": boss["id"]}, as_of=TODAY.isoformat(), families=["bans"])
    [five] = outcomes(got["decision"], "bans", "ban_principal_any_unit")
    assert (five["start"], five["until"]) == (None, None)
    assert any("sentence" in n for n in five["notes"])


async def test_the_unit_listing_names_the_principal_in_post_on_the_start_date(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    boss = await person(client, h, "孙永刚")
    earlier = await person(client, h, "李国华")
    later = await person(client, h, "周文斌")
    await add_role(client, h, boss["id"], e["uscc"], "2020-01-01")
    await add_role(client, h, earlier["id"], e["uscc"], "2015-01-01", "2024-12-31")
    await add_role(client, h, later["id"], e["uscc"], "2025-06-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 12))
    fine = await record(client, h, penalty(e["uscc"], "2025-02-01", [major["id"]]))

    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, as_of=TODAY.isoformat(), families=["listing"])
    listing = the_listing(got["decision"])
    assert listing["criteria"] == ["11-1"]
    assert listing["start"] == "2025-02-01"
    assert listing["evidence"] == [major["id"], fine["id"]]
    assert listing["persons"] == [{"role": "principal", "person_id": boss["id"], "name": "孙永刚"}]
    assert "listing/2023#R1" in got["decision"]["fired"]
    roles = {x["person_id"]: x for x in got["facts"]["roles"]}
    assert set(roles) == {boss["id"], earlier["id"], later["id"]}
    assert roles[earlier["id"]]["until"] == "2024-12-31"


async def test_a_judgment_corrected_onto_another_person_bans_that_person_only(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    wrong = await person(client, h, "吴建军")
    right = await person(client, h, "郑海涛")
    for someone in (wrong, right):
        await add_role(client, h, someone["id"], e["uscc"], "2020-01-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 12))
    verdict = await record(client, h, judgment(wrong["id"], "2025-09-01", [major["id"]], "2027-09-01"))
    body = judgment(right["id"], "2025-09-01", [major["id"]], "2027-09-01")
    body["details"]["judgment_no"] = verdict["details"]["judgment_no"]
    await amend(client, h, verdict["id"], "correction", body)

    ask = {"as_of": TODAY.isoformat(), "families": ["bans"]}
    got = await evaluate(client, h, subject={"person_id": right["id"]}, **ask)
    assert [o["code"] for o in got["decision"]["bans"]] == ["ban_principal_any_unit", "ban_principal_industry_life"]
    got = await evaluate(client, h, subject={"person_id": wrong["id"]}, **ask)
    assert got["facts"]["events"] == []
    assert got["decision"]["bans"] == []


async def test_an_agency_is_evaluated_as_an_agency(client, services):
    """安全生产法 art. 92 (2021) bans an intermediary only for 租借资质、挂靠、出具虚假报告 (DOMAIN 8.1):
    a penalised accident bans nothing; where the bureau recorded the agency's major responsibility
    the decision carries a flag for its review, which is never a ban, and only in 惠济区 whose local
    text gives that principle (DOMAIN 8.9)."""
    h = await t.bureau(client, services, "410108")
    body = agency_body("410108")
    r = await client.post("/api/v1/agencies", json=body, headers=h)
    assert r.status_code == 201, r.text
    as_agency = {"subject": {"type": "agency", "uscc": body["uscc"]}}
    hit = await record(client, h, {**accident(body["uscc"], "2025-01-10", 1), **as_agency})
    await record(client, h, {**penalty(body["uscc"], "2025-02-01", [hit["id"]]), **as_agency})
    families = ["bans", "huiji_four_always"]
    ask = {"subject": {"uscc": body["uscc"]}, "as_of": TODAY.isoformat(), "families": families}
    got = await evaluate(client, h, **ask)
    assert got["decision"]["subject"]["type"] == "agency"
    assert (got["decision"]["bans"], got["decision"]["for_review"]) == ([], [])
    assert got["decision"]["fired"] == ["huiji_four_always/2017#FA2-accident"]

    major = accident(body["uscc"], "2025-03-10", 1)
    major["details"]["major_responsibility"] = True
    flagged = await record(client, h, {**major, **as_agency})
    got = await evaluate(client, h, **ask)
    assert got["decision"]["bans"] == []
    [review] = outcomes(got["decision"], "for_review", "review_intermediary_accident")
    assert (review["kind"], review["start"], review["until"], review["evidence"]) == (
        "for_review",
        "2025-03-10",
        None,
        [flagged["id"]],
    )
    assert (review["tag"], [b["code"] for b in review["basis"]]) == ("L", ["four_always"])
    assert (review["pack"], review["jurisdiction"], review["enabled_by"]) == (
        "huiji_four_always/2017",
        ["410108"],
        "jurisdiction",
    )
    assert sorted(got["decision"]["fired"]) == [
        "huiji_four_always/2017#FA2-accident",
        "huiji_four_always/2017#FA4-review",
    ]
    assert [e["major_responsibility"] for e in got["facts"]["events"] if e["kind"] == "accident"] == [False, True]


async def test_case_3_needs_a_stored_penalty_under_article_114(client, services):
    """部令11号 case 3, DOMAIN 8.7: the multiple of a penalty counts only where its recorded basis
    cites 安全生产法 art. 114 (art. 92 para 1 fines 2-5 times the illegal gains, another matter)."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    other = penalty(e["uscc"], "2026-02-03", art114_multiplier=3)
    other["details"]["legal_basis"] = "《中华人民共和国安全生产法》第九十二条第一款"
    await record(client, h, other)
    ask = {"subject": {"uscc": e["uscc"]}, "as_of": TODAY.isoformat(), "families": ["listing"]}
    got = await evaluate(client, h, **ask)
    assert got["decision"]["listings"] == []
    assert got["facts"]["events"][0]["articles"] == [92]
    fine = await record(client, h, penalty(e["uscc"], "2026-03-03", art114_multiplier=2))
    got = await evaluate(client, h, **ask)
    listing = the_listing(got["decision"])
    assert (listing["criteria"], listing["evidence"]) == (["11-3"], [fine["id"]])


async def test_a_convicted_foreman_or_a_later_principal_is_not_banned(client, services):
    """安全生产法 art. 94 para 3 (2021), DOMAIN 8.3: only the person who was 主要负责人 of the
    accident's unit on the day of the accident; the facts of a person carry their roles."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    other = await t.create(client, h)
    foreman = await person(client, h, "冯国强")
    later = await person(client, h, "陈志远")
    elsewhere = await person(client, h, "褚立军")
    await add_role(client, h, foreman["id"], e["uscc"], "2018-01-01", role="directly_responsible")
    await add_role(client, h, later["id"], e["uscc"], "2025-03-01")
    await add_role(client, h, elsewhere["id"], other["uscc"], "2018-01-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 12))
    ask = {"as_of": TODAY.isoformat(), "families": ["bans"]}
    for someone in (foreman, later, elsewhere):
        await record(client, h, judgment(someone["id"], "2025-09-01", [major["id"]], "2027-09-01"))
        got = await evaluate(client, h, subject={"person_id": someone["id"]}, **ask)
        assert got["decision"]["bans"] == [], someone["name"]
        [judged] = got["facts"]["events"]
        assert (judged["accident_on"], judged["accident_unit"]) == ("2025-01-10", e["uscc"])
    got = await evaluate(client, h, subject={"person_id": later["id"]}, **ask)
    assert [(r["unit"], r["role"], r["since"], r["until"]) for r in got["facts"]["roles"]] == [
        (e["uscc"], "principal", "2025-03-01", None)
    ]


async def test_a_hypothetical_accident_is_graded_on_its_direct_loss_too(client, services):
    """国务院令第493号 art. 3: 5000万 of direct loss make a 重大 accident whatever the deaths, in a
    what-if as on the stored path (the same function grades both)."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    pair = [
        {"id": -1, "kind": "accident", "occurred_on": "2025-03-10", "direct_loss_cny": 60_000_000},
        {"id": -2, "kind": "penalty", "occurred_on": "2025-04-15", "links": [-1]},
    ]
    ask = {"as_of": TODAY.isoformat(), "families": ["listing"]}
    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, hypothetical={"events": pair}, **ask)
    assert got["facts"]["events"][0]["grade"] == "major"
    assert the_listing(got["decision"])["criteria"] == ["11-1"]
    # given whole, and a grade given below what the numbers imply is raised as a stored one would be
    low = [{**pair[0], "grade": "ordinary"}, pair[1]]
    got = await evaluate(client, h, facts={"events": low}, **ask)
    assert got["facts"]["events"][0]["grade"] == "major"
    assert the_listing(got["decision"])["criteria"] == ["11-1"]
    # the stored accident carries its direct loss into the facts, graded the same way
    stored = accident(e["uscc"], "2025-05-06", 0)
    stored["details"]["direct_loss_cny"] = 60_000_000
    kept = await record(client, h, stored)
    assert kept["derived"]["grade"] == "major"
    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, **ask)
    [fact] = got["facts"]["events"]
    assert (fact["grade"], fact["direct_loss_cny"], fact["deaths"]) == ("major", 60_000_000, 0)


async def test_the_default_day_is_today_in_beijing(client, services, clock):
    clock.at = dt.datetime(2026, 11, 26, 17, tzinfo=dt.UTC)  # 01:00 on the 27th in Beijing
    h = await t.bureau(client, services)  # a token issued under the moved clock
    got = await evaluate(client, h, facts={"events": []}, families=["listing"])
    assert got["decision"]["as_of"] == "2026-11-27"


# ---- grades -------------------------------------------------------------------------------------


async def test_a_valid_grade_is_in_force_and_a_fatal_accident_during_it_revokes_it(client, services):
    county = await t.bureau(client, services)
    admin = await f.headers(client, services, "admin")
    e = await t.create(client, county)
    g = await valid_grade(client, admin, e["uscc"], "2024-03-01", level=3)
    assert g["valid_until"] == "2027-03-01"
    await record(client, county, accident(e["uscc"], "2024-02-20", 1))  # before the announcement
    ask = {"subject": {"uscc": e["uscc"]}, "as_of": TODAY.isoformat(), "families": ["standardization"]}

    got = await evaluate(client, county, **ask)
    [grade] = got["facts"]["grades"]
    assert (grade["id"], grade["level"], grade["status"], grade["announced_on"]) == (g["id"], 3, "valid", "2024-03-01")
    [in_force] = outcomes(got["decision"], "standardization", "grade_in_force")
    assert (in_force["value"], in_force["start"], in_force["until"]) == (3, "2024-03-01", "2027-03-01")
    assert "standardization/2021#R17-3" in got["decision"]["fired"]
    assert got["decision"]["grade_actions"] == []

    fatal = await record(client, county, accident(e["uscc"], "2025-04-02", 1))
    got = await evaluate(client, county, **ask)
    [revoke] = outcomes(got["decision"], "grade_actions", "grade_revoke_fatal_accident")
    assert revoke["evidence"] == [fatal["id"]]
    assert "standardization/2021#R18-fatal" in got["decision"]["fired"]

    # after the grade's validity nothing is in force
    later = await evaluate(client, county, **{**ask, "as_of": "2027-03-02"})
    assert later["decision"]["standardization"] == []
    assert later["decision"]["grade_actions"] == []

    # revoked on 2025-05-10: in force the day before, not after
    r = await client.post(
        f"/api/v1/enterprises/{e['uscc']}/grades/{g['id']}/revoke",
        json={
            "version": g["version"],
            "on": "2025-05-10",
            "reason": "fatal_accident",
            "decision_no": f"豫应急撤〔2025〕{t.rand(DIGITS, 4)}号",
            "event_ids": [fatal["id"]],
        },
        headers=admin,
    )
    assert r.status_code == 200, r.text
    got = await evaluate(client, county, **ask)
    [grade] = got["facts"]["grades"]
    assert (grade["status"], grade["ended_on"]) == ("revoked", "2025-05-10")
    assert got["decision"]["standardization"] == []
    assert got["decision"]["grade_actions"] == []
    before = await evaluate(client, county, **{**ask, "as_of": "2025-05-09"})
    assert [o["code"] for o in before["decision"]["standardization"]] == ["grade_in_force"]
    assert [o["code"] for o in before["decision"]["grade_actions"]] == ["grade_revoke_fatal_accident"]


# ---- hypothetical events resolved like stored ones ------------------------------------------------


async def test_a_hypothetical_link_follows_the_stored_correction(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    first = await record(client, h, accident(e["uscc"], "2024-03-10", 3))
    second = await record(client, h, accident(e["uscc"], "2025-03-10", 5))
    corrected = await amend(client, h, second["id"], "correction", accident(e["uscc"], "2025-03-10", 6))
    fine = {"id": -1, "kind": "penalty", "occurred_on": "2025-04-15", "links": [second["id"]]}
    got = await evaluate(
        client, h, subject={"uscc": e["uscc"]}, hypothetical={"events": [fine]}, as_of=TODAY.isoformat()
    )
    [given] = [x for x in got["facts"]["events"] if x["id"] == -1]
    assert given["links"] == [corrected["id"]]  # the old id named the event now recorded as the correction
    listing = the_listing(got["decision"])
    assert listing["evidence"] == [-1, first["id"], corrected["id"]]


async def test_a_hypothetical_penalty_is_decided_by_the_calling_bureau_unless_named(client, services):
    h = await t.bureau(client, services, "410100", "prefectural")
    e = await t.create(client, h)
    fine = {"id": -1, "kind": "penalty", "occurred_on": "2026-02-03", "multiplier": 3, "articles": [114]}
    ask = {"subject": {"uscc": e["uscc"]}, "as_of": TODAY.isoformat(), "families": ["listing"]}
    got = await evaluate(client, h, **ask, hypothetical={"events": [fine]})
    assert the_listing(got["decision"])["deciding_authority"] == "410100"
    got = await evaluate(client, h, **ask, hypothetical={"events": [{**fine, "deciding_authority": "410000"}]})
    assert the_listing(got["decision"])["deciding_authority"] == "410000"


async def test_a_hypothetical_link_to_an_unknown_or_withdrawn_event_is_refused(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    gone = await record(client, h, accident(e["uscc"], "2025-03-10", 5))
    await amend(client, h, gone["id"], "withdrawal")
    for missing in (gone["id"], 987_654_321):
        fine = {"id": -1, "kind": "penalty", "occurred_on": "2025-04-15", "links": [missing]}
        r = await client.post(
            EVALUATE, json={"subject": {"uscc": e["uscc"]}, "hypothetical": {"events": [fine]}}, headers=h
        )
        t.assert_field(r, "hypothetical.events[0].links", "unknown_event")
    # a link between two hypothetical events needs nothing stored
    pair = [
        {"id": -1, "kind": "accident", "occurred_on": "2025-03-10", "deaths": 12},
        {"id": -2, "kind": "penalty", "occurred_on": "2025-04-15", "links": [-1]},
    ]
    got = await evaluate(client, h, subject={"uscc": e["uscc"]}, hypothetical={"events": pair}, as_of=TODAY.isoformat())
    assert the_listing(got["decision"])["criteria"] == ["11-1"]  # 12 deaths: graded major when given


async def test_a_hypothetical_judgment_takes_the_grade_of_the_stored_accident_it_names(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    boss = await person(client, h, "钱立新")
    await add_role(client, h, boss["id"], e["uscc"], "2020-01-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 12))
    verdict = {
        "id": -1,
        "kind": "criminal_liability",
        "occurred_on": "2025-09-01",
        "links": [major["id"]],
        "sentence_end_on": "2027-09-01",
    }
    # read nationally: the bureau of the whole country reads every person
    national = await t.national(client, services)
    got = await evaluate(
        client,
        national,
        subject={"person_id": boss["id"]},
        hypothetical={"events": [verdict]},
        as_of=TODAY.isoformat(),
        families=["bans"],
    )
    assert got["facts"]["events"][0]["accident_grade"] == "major"
    # the day and unit of the stored accident it names: the role is checked there and then
    assert (got["facts"]["events"][0]["accident_on"], got["facts"]["events"][0]["accident_unit"]) == (
        "2025-01-10",
        e["uscc"],
    )
    assert {o["code"] for o in got["decision"]["bans"]} == {"ban_principal_any_unit", "ban_principal_industry_life"}


async def test_a_stored_dismissal_of_the_principal_bans_from_the_day_of_the_sanction(client, services):
    """安全生产法 art. 94 para 3 ("受刑事处罚或者撤职处分的，自刑罚执行完毕或者受处分之日起，五年内不得
    担任任何生产经营单位的主要负责人"): a 撤职处分 recorded for the unit's principal, linked to the
    stored major accident, bans for 5 years from its day, and for life in the industry."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    boss = await person(client, h, "孙立平")
    await add_role(client, h, boss["id"], e["uscc"], "2020-01-01")
    major = await record(client, h, accident(e["uscc"], "2025-01-10", 12))
    sanction = await record(
        client,
        h,
        {
            "kind": "dismissal",
            "subject": {"type": "person", "person_id": boss["id"]},
            "occurred_on": "2025-06-01",
            "division_code": "410103",
            "source_document": "郑二纪处〔2025〕3号",
            "links": [major["id"]],
            "details": {"decision_no": "郑二纪处〔2025〕3号", "decided_by": "郑州市二七区人民政府"},
        },
    )
    got = await evaluate(client, h, subject={"person_id": boss["id"]}, as_of=TODAY.isoformat(), families=["bans"])
    [fact] = [x for x in got["facts"]["events"] if x["id"] == sanction["id"]]
    assert (fact["accident_grade"], fact["accident_on"], fact["accident_unit"]) == ("major", "2025-01-10", e["uscc"])
    bans = {o["code"]: o for o in got["decision"]["bans"]}
    assert set(bans) == {"ban_principal_any_unit", "ban_principal_industry_life"}
    assert (bans["ban_principal_any_unit"]["start"], bans["ban_principal_any_unit"]["until"]) == (
        "2025-06-01",
        "2030-06-01",
    )


def event(kind: str, uscc: str, on: str, **details: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "subject": unit(uscc),
        "occurred_on": on,
        "source_document": f"郑二应急文〔{on[:4]}〕{t.rand(DIGITS, 6)}号",
        "details": details,
    }


async def test_stored_details_reach_the_49_items_and_the_2015_case_4(client, services):
    """DOMAIN 8.8, on stored facts: a hazard's risky_work (49号 item 3), an obstruction defying a
    停产整顿 order (item 5), a 金属冶炼 project used before acceptance (item 7), and a penalty that
    suspended the licence (2015 rule case 4, the suspension itself)."""
    h = await t.bureau(client, services)
    smelter = await t.create(client, h, industry="nonferrous")
    uscc = smelter["uscc"]
    await record(
        client,
        h,
        event(
            "major_hazard",
            uscc,
            "2021-03-01",
            description="熔炼炉冷却水系统存在重大事故隐患",
            rectification_deadline="2021-04-30",
            risky_work=True,
        ),
    )
    await record(
        client,
        h,
        event(
            "obstruction", uscc, "2021-05-10", type="defying_suspension_order", description="责令停产整顿期间擅自复产"
        ),
    )
    await record(
        client,
        h,
        event(
            "licence_violation",
            uscc,
            "2021-06-01",
            type="facilities_unaccepted",
            description="新建熔炼车间未经验收即投产",
        ),
    )
    got = await evaluate(client, h, subject={"uscc": uscc}, as_of="2021-12-01", families=["listing"])
    assert sorted(got["decision"]["fired"]) == [
        "listing/2017#R21-2017-2.3",
        "listing/2017#R21-2017-2.5",
        "listing/2017#R21-2017-2.7",
    ]

    other = await t.create(client, h, industry="metallurgy")
    await record(client, h, penalty(other["uscc"], "2016-06-01", licence_action="suspended"))
    got = await evaluate(client, h, subject={"uscc": other["uscc"]}, as_of="2016-12-01", families=["listing"])
    assert got["decision"]["fired"] == ["listing/2015#R21-2015"]
    [listing] = got["decision"]["listings"]
    assert (listing["code"], listing["start"]) == ("list_blacklist_2015", "2016-06-01")


# ---- local packs enabled by configuration (DOMAIN 8.9) ---------------------------------------------


async def test_a_pack_enabled_by_configuration_says_so_in_the_catalogue_and_the_decision(settings, clock):
    """REGISTRY_RULES_LOCAL_PACKS enables 深圳市's incentives in 郑州 (41): a graded unit there gets
    them with ``enabled_by: configuration`` and the pack's own area; a 深圳 unit by jurisdiction; a
    unit elsewhere not at all. GET /api/v1/rules shows the configured extension."""
    configured = dataclasses.replace(settings, rules=RulesSettings(local_packs=(("shenzhen_incentives", ("41",)),)))
    app = create_app(configured, clock=clock)
    async with running(app), t.client_at(app, t.address()) as client:
        h = await f.headers(client, app.state.services, "bureau", level="county", division="410103")
        body = (await client.get(RULES, headers=h)).json()
        shenzhen = next(r for r in body["rulesets"] if r["id"] == "shenzhen_incentives/2017")
        assert (shenzhen["jurisdiction"], shenzhen["configured_extensions"]) == (["4403"], ["41"])
        assert body["local_packs"]["shenzhen_incentives"]["configured_extensions"] == ["41"]
        grade = {"id": 1, "level": 3, "status": "valid", "announced_on": "2024-02-01", "valid_until": "2027-02-01"}

        async def incentives(division: str) -> list[dict[str, Any]]:
            facts = {"subject": {"type": "enterprise", "division_code": division}, "grades": [grade]}
            got = await evaluate(client, h, facts=facts, as_of="2025-06-01", families=["shenzhen_incentives"])
            return got["decision"]["incentives"]  # type: ignore[no-any-return]

        for division, how in (("410103", "configuration"), ("440305", "jurisdiction")):
            made = {o["code"]: o for o in await incentives(division)}
            assert set(made) == {
                "inspection_frequency_reduced",
                "work_injury_rate_lowered",
                "liability_insurance_linked",
            }
            lowered = made["work_injury_rate_lowered"]
            assert (lowered["pack"], lowered["jurisdiction"], lowered["enabled_by"]) == (
                "shenzhen_incentives/2017",
                ["4403"],
                how,
            )
            assert (lowered["value"], lowered["tag"]) == (None, "L")
            assert [b["code"] for b in lowered["basis"]] == ["shenzhen_grade3_reform"]
        assert await incentives("320505") == []


async def test_amounts_a_deployment_sets_for_a_local_text_are_marked_as_configuration(settings, clock):
    """REGISTRY_RULES_LOCAL_AMOUNTS sets the percentage Shenzhen's note leaves open (DOMAIN 8.9): a
    graded 深圳 unit's lower work-injury rate carries 10 percent, ``value_configured`` and the note
    that it is no law; the measure with no configured amount keeps none; GET /api/v1/rules lists
    the configured amount."""
    amounts = {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": 10, "unit": "percent_lower"}}}
    app = create_app(dataclasses.replace(settings, rules=RulesSettings(local_amounts=amounts)), clock=clock)
    async with running(app), t.client_at(app, t.address()) as client:
        h = await f.headers(client, app.state.services, "bureau", level="county", division="440305")
        body = (await client.get(RULES, headers=h)).json()
        assert body["local_packs"]["shenzhen_incentives"]["configured_amounts"] == {
            "work_injury_rate_lowered": {"value": 10, "unit": "percent_lower"}
        }
        grade = {"id": 1, "level": 3, "status": "valid", "announced_on": "2024-02-01", "valid_until": "2027-02-01"}
        facts = {"subject": {"type": "enterprise", "division_code": "440305"}, "grades": [grade]}
        got = await evaluate(client, h, facts=facts, as_of="2025-06-01", families=["shenzhen_incentives"])
        made = {o["code"]: o for o in got["decision"]["incentives"]}
        lowered = made["work_injury_rate_lowered"]
        assert (lowered["value"], lowered["unit"], lowered["value_configured"]) == (10, "percent_lower", True)
        assert any("REGISTRY_RULES_LOCAL_AMOUNTS" in n for n in lowered["notes"])
        linked = made["liability_insurance_linked"]
        assert (linked["value"], linked["value_configured"]) == (None, False)
        assert not any("REGISTRY_RULES_LOCAL_AMOUNTS" in n for n in linked["notes"])

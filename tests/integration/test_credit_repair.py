"""Credit repair of published penalty information and publicity terms (DOMAIN 8.10), on both backends.

A penalty is published from its decision for the term of the regime of that decision (527号,
国家发展改革委令第58号, 令第36号 with 国办发〔2025〕22号) and by its class (the deciding bureau's
finding); from the end of the shortest term the bureau may record its credit repair, which ends
publication at once (令36 art. 3), is audited, and is told to partners in the change feed. The
penalty record carries the repair notice served with the decision (两书同达).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests.integration import support as t
from tests.integration.test_listings import set_day
from tests.integration.test_partner_api import CHANGES, partner
from tests.integration.test_public import detail, html, no
from tests.integration.test_rules_api import EVENTS, amend, penalty, record

TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


def repair(uscc: str, on: str, penalty_id: int, **details: Any) -> dict[str, Any]:
    no_ = f"（郑二应急）信用修复〔{on[:4]}〕{t.rand('0123456789', 6)}号"
    return {
        "kind": "credit_repair",
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": on,
        "source_document": no_,
        "links": [penalty_id],
        "details": {"decision_no": no_, "legal_basis": "《信用修复管理办法》第三条", **details},
    }


async def feed(client: httpx.AsyncClient, h: dict[str, str], after: int) -> list[dict[str, Any]]:
    r = await client.get(CHANGES, params={"after": after}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["payload"]["changes"]  # type: ignore[no-any-return]


async def latest(client: httpx.AsyncClient, h: dict[str, str]) -> int:
    r = await client.get(CHANGES, params={"after": 0, "limit": 1}, headers=h)
    assert r.status_code == 200, r.text
    return int(r.json()["payload"]["latest"])


async def test_a_penalty_is_repaired_after_its_shortest_term_and_leaves_the_public_page(client, services):
    h = await t.bureau(client, services)
    _, ph = await partner(client, services)
    uscc = (await t.create(client, h))["uscc"]
    fine = await record(client, h, penalty(uscc, "2026-05-10", credit_class="general", execution="executed"))
    recent = await record(client, h, penalty(uscc, "2026-11-20", credit_class="general", execution="executed"))
    unpaid = await record(client, h, penalty(uscc, "2026-05-12", credit_class="general"))

    # 两书同达: the penalty record carries the repair notice (22号 / 令36 periods of a 一般 penalty)
    r = await client.get(f"{EVENTS}/{fine['id']}", headers=h)
    assert r.status_code == 200, r.text
    notice = r.json()["derived"]["repair_notice"]
    assert (notice["publicity_from"], notice["publicity_until"], notice["repair_from"]) == (
        "2026-05-10",
        "2027-05-10",
        "2026-08-10",
    )
    assert "信用中国" in notice["apply_to"]
    assert notice["rules"] == ["publicity/2017#P36-general"]
    assert notice["verified"] is True

    # the public page says how long each penalty is published
    page = await html(client, f"/enterprises/{uscc}")
    assert "公示期至 2027-05-10" in page
    shown = {e["id"]: e for e in (await detail(client, uscc))["payload"]["penalties"]}
    assert shown[fine["id"]]["publicity_until"] == "2027-05-10"

    # refused: before the shortest term, obligations not performed, not one penalty
    r = await client.post(EVENTS, json=repair(uscc, "2026-11-26", recent["id"]), headers=h)
    t.assert_field(r, "occurred_on", "minimum_term_not_served")
    assert "2027-02-20" in r.text
    r = await client.post(EVENTS, json=repair(uscc, "2026-11-26", unpaid["id"]), headers=h)
    t.assert_field(r, "links[0]", "obligations_not_performed")
    r = await client.post(EVENTS, json={**repair(uscc, "2026-11-26", fine["id"]), "links": []}, headers=h)
    t.assert_field(r, "links", "one_penalty")

    before = await latest(client, ph)
    done = await record(client, h, repair(uscc, "2026-11-26", fine["id"], applied_on="2026-11-20"))
    assert done["kind"] == "credit_repair"
    assert await t.audit_for(services, str(done["id"]), "event.record")

    # the change feed tells partners, as a credit repair of this subject
    changes = await feed(client, ph, before)
    assert {"subject": {"uscc": uscc}, "kind": "credit_repair"} in [
        {"subject": c["subject"], "kind": c["kind"]} for c in changes
    ]

    # publication ends at repair: neither the signed answer nor the page shows it
    payload = (await detail(client, uscc))["payload"]
    assert [e["id"] for e in payload["penalties"]] == sorted([recent["id"], unpaid["id"]])
    no(await html(client, f"/enterprises/{uscc}"), fine["details"]["decision_no"])

    # once only; a repair is withdrawn (e.g. obtained by fraud), never corrected; then published again
    r = await client.post(EVENTS, json=repair(uscc, "2026-11-26", fine["id"]), headers=h)
    t.assert_problem(r, 409)
    r = await client.post(
        f"{EVENTS}/{done['id']}/amendments",
        json={"code": "correction", "reason": "改日期", "event": repair(uscc, "2026-11-25", fine["id"])},
        headers=h,
    )
    t.assert_field(r, "code", "repair_not_amendable")
    await amend(client, h, done["id"], "withdrawal")
    assert fine["id"] in [e["id"] for e in (await detail(client, uscc))["payload"]["penalties"]]


async def test_penalties_past_their_longest_term_are_not_shown(client, services):
    h = await t.bureau(client, services)
    uscc = (await t.create(client, h))["uscc"]
    old = await record(client, h, penalty(uscc, "2025-06-01", credit_class="general"))  # 令58: 3 years
    minor = await record(client, h, penalty(uscc, "2026-06-01", credit_class="minor"))  # 22号: 3 months
    serious = await record(client, h, penalty(uscc, "2026-06-02", credit_class="serious"))  # 1-3 years
    long_ago = await record(client, h, penalty(uscc, "2022-06-01", credit_class="general"))  # 527号: 1 year

    shown = {e["id"]: e for e in (await detail(client, uscc))["payload"]["penalties"]}
    assert sorted(shown) == sorted([old["id"], serious["id"]])
    assert shown[old["id"]]["publicity_until"] == "2028-06-01"
    assert shown[serious["id"]]["publicity_until"] == "2029-06-02"
    page = await html(client, f"/enterprises/{uscc}")
    assert "公示期至 2029-06-02" in page
    no(page, minor["details"]["decision_no"], long_ago["details"]["decision_no"])

    # the class is validated, and a repair of a penalty no longer published is refused
    bad = penalty(uscc, "2026-06-03", credit_class="grave")
    t.assert_field(await client.post(EVENTS, json=bad, headers=h), "details.credit_class", "enum")
    executed = await record(client, h, penalty(uscc, "2022-06-02", credit_class="general", execution="executed"))
    r = await client.post(EVENTS, json=repair(uscc, "2026-11-26", executed["id"]), headers=h)
    t.assert_field(r, "occurred_on", "not_published")

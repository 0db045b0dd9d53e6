"""A penalty keeps its decision number through corrections and follow-ups (the number identifies
the decision; only a second, different event with the same number is a duplicate)."""

from __future__ import annotations

import secrets

from tests.integration import support as t

EVENTS = "/api/v1/events"


def penalty(uscc: str, no: str, **details: object) -> dict[str, object]:
    return {
        "kind": "penalty",
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": "2026-03-02",
        "source_document": no,
        "details": {"decision_no": no, "legal_basis": "《安全生产法》第九十七条", "fine_cny": 50_000, **details},
    }


async def test_follow_up_and_correction_keep_the_decision_number(client, services):
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    no = f"二七应急罚〔2026〕{secrets.randbelow(10**6)}号"
    first = await client.post(EVENTS, json=penalty(unit["uscc"], no), headers=h)
    assert first.status_code == 201, first.text

    executed = await client.post(
        f"{EVENTS}/{first.json()['id']}/amendments",
        json={
            "code": "follow_up",
            "reason": "罚款已缴纳",
            "event": penalty(unit["uscc"], no, execution="executed", executed_on="2026-04-01"),
        },
        headers=h,
    )
    assert executed.status_code == 201, executed.text
    assert executed.json()["details"]["execution"] == "executed"

    corrected = await client.post(
        f"{EVENTS}/{executed.json()['id']}/amendments",
        json={
            "code": "correction",
            "reason": "罚款金额录入错误",
            "event": penalty(unit["uscc"], no, fine_cny=60_000, execution="executed", executed_on="2026-04-01"),
        },
        headers=h,
    )
    assert corrected.status_code == 201, corrected.text
    chain = corrected.json()["chain"]
    assert [e["id"] for e in chain] == [first.json()["id"], executed.json()["id"], corrected.json()["id"]]
    assert [e["effective"] for e in chain] == [False, False, True]

    # a new event with the same number of the same authority is still a duplicate
    again = await client.post(EVENTS, json=penalty(unit["uscc"], no), headers=h)
    body = t.assert_problem(again, 409, "conflict")
    assert body["event_id"] == corrected.json()["id"]

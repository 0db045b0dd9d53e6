"""Grade periods on the calendar: 3 years from the announcement (29 February ends on 28 February),
the renewal window (期满前3个月, both ends included), expiry as read and as recorded by the sweep."""

from __future__ import annotations

from tests.integration import support as t
from tests.integration.test_grades import (  # _pinned_today: the same pinned "today" here
    _pinned_today,  # noqa: F401
    admin,
    applied,
    apply,
    assert_conflict,
    assert_unchanged,
    listing,
    read,
    set_today,
    step,
    valid_grade,
)


async def test_validity_is_three_calendar_years_and_the_window_three_calendar_months(client, services):
    h = await admin(client, services)
    cases = [
        ("2024-02-29", "2027-02-28", "2026-11-28"),  # no 29 February in 2027
        ("2024-05-31", "2027-05-31", "2027-02-28"),  # three months before 31 May: the end of February
        ("2024-03-31", "2027-03-31", "2026-12-31"),
        ("2023-12-01", "2026-12-01", "2026-09-01"),
    ]
    for announced, until, opens in cases:
        e = await t.create(client, h)
        g = await valid_grade(client, h, e["uscc"], announced)
        assert (g["announced_on"], g["valid_until"]) == (announced, until)
        assert g["renewal_window"] == {"opens_on": opens, "closes_on": until}
        assert g["steps"][-1]["data"]["valid_until"] == until


async def test_renewal_window_opens_on_28_november_after_a_29_february_announcement(client, services, clock):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-02-29")
    set_today(clock, "2027-01-10")
    h = await admin(client, services)  # tokens are checked against the moved clock
    before = await listing(client, h, e["uscc"])
    r = await apply(client, h, e["uscc"], assessed="2026-11-20", applied="2026-11-27", renewal_of=g["id"])
    t.assert_field(r, "applied_on", "outside_renewal_window")
    assert await listing(client, h, e["uscc"]) == before

    renewal = await applied(client, h, e["uscc"], assessed="2026-11-20", applied="2026-11-28", renewal_of=g["id"])
    assert (renewal["status"], renewal["renewal_of"]) == ("applied", g["id"])
    assert (await listing(client, h, e["uscc"]))["current"]["id"] == g["id"]

    renewal = await step(client, h, renewal, "review", on="2027-01-05", passed=True, score=88)
    renewal = await step(client, h, renewal, "audit", on="2027-01-08", passed=True)
    renewal = await step(client, h, renewal, "announce", on="2027-01-10", announcement_no="豫应急公告〔2027〕1号")
    assert renewal["valid_until"] == "2030-01-10"
    got = await listing(client, h, e["uscc"])
    assert got["current"]["id"] == renewal["id"]
    old = got["grades"][1]
    assert (old["id"], old["status"], old["superseded_by"], old["ended_on"]) == (
        g["id"],
        "superseded",
        renewal["id"],
        "2027-01-10",
    )


async def test_renewal_window_closes_on_the_last_day_of_validity(client, services, clock):
    h = await admin(client, services)
    # on 2027-02-28, the last day, the grade is still valid and may be renewed
    last_day = await t.create(client, h)
    g = await valid_grade(client, h, last_day["uscc"], "2024-02-29")
    set_today(clock, "2027-02-28")
    h = await admin(client, services)  # tokens are checked against the moved clock
    assert (await listing(client, h, last_day["uscc"]))["current"]["id"] == g["id"]
    renewal = await applied(
        client, h, last_day["uscc"], assessed="2027-02-20", applied="2027-02-28", renewal_of=g["id"]
    )
    assert renewal["renewal_of"] == g["id"]
    await step(client, h, g, "annual-checks", on="2027-02-28", kind="self_assessment", result="pass")

    # a day later it has expired: a renewal is refused, whatever date the application bears
    set_today(clock, "2026-11-26")
    h = await admin(client, services)  # tokens are checked against the moved clock
    late = await t.create(client, h)
    g = await valid_grade(client, h, late["uscc"], "2024-02-29")
    set_today(clock, "2027-03-01")
    h = await admin(client, services)  # tokens are checked against the moved clock
    g = await read(client, h, g)
    assert (g["status"], g["ended_on"]) == ("expired", "2027-02-28")
    before = await listing(client, h, late["uscc"])
    for day in ("2027-02-28", "2027-03-01"):
        r = await apply(client, h, late["uscc"], assessed="2027-02-20", applied=day, renewal_of=g["id"])
        t.assert_field(r, "renewal_of", "not_valid")
    assert await listing(client, h, late["uscc"]) == before
    # applying anew is open
    fresh = await applied(client, h, late["uscc"], assessed="2027-02-20", applied="2027-03-01")
    assert fresh["renewal_of"] is None


async def test_renewal_before_the_window_opens_is_422(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")  # window opens 2026-12-01; today is 2026-11-26
    assert g["renewal_window"]["opens_on"] == "2026-12-01"
    before = await listing(client, h, e["uscc"])
    for day in ("2026-11-26", "2025-01-10"):
        r = await apply(client, h, e["uscc"], assessed="2024-12-01", applied=day, renewal_of=g["id"])
        t.assert_field(r, "applied_on", "outside_renewal_window")
    assert await listing(client, h, e["uscc"]) == before


async def test_only_a_valid_grade_of_the_same_enterprise_can_be_renewed(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    other = await t.create(client, h)
    rejected = await applied(client, h, e["uscc"], assessed="2023-01-02", applied="2023-01-05")
    rejected = await step(client, h, rejected, "review", on="2023-02-01", passed=False)
    revoked = await valid_grade(client, h, e["uscc"], "2023-12-01")
    revoked = await step(client, h, revoked, "revoke", on="2024-05-01", reason="application_fraud", decision_no="撤")
    foreign = await valid_grade(client, h, other["uscc"], "2023-12-01")
    before = await listing(client, h, e["uscc"])
    for grade_id, code in (
        (rejected["id"], "not_valid"),
        (revoked["id"], "not_valid"),
        (foreign["id"], "unknown_grade"),
    ):
        r = await apply(client, h, e["uscc"], assessed="2026-11-01", applied="2026-11-02", renewal_of=grade_id)
        t.assert_field(r, "renewal_of", code)
    assert await listing(client, h, e["uscc"]) == before


async def test_expiry_reads_from_the_next_day_and_the_sweep_records_it_once(client, services, clock):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2023-11-26")
    assert g["valid_until"] == "2026-11-26"
    got = await listing(client, h, e["uscc"])  # today is 2026-11-26: the last day
    assert (got["current"]["id"], got["current"]["status"]) == (g["id"], "valid")

    set_today(clock, "2026-11-27")
    h = await admin(client, services)  # tokens are checked against the moved clock
    read_only = await read(client, h, g)
    assert (read_only["status"], read_only["status_label"], read_only["ended_on"]) == (
        "expired",
        "已过期",
        "2026-11-26",
    )
    assert (read_only["version"], read_only["steps"]) == (g["version"], g["steps"])  # nothing recorded yet
    got = await listing(client, h, e["uscc"])
    assert got["current"] is None
    assert got["grades"][0]["status"] == "expired"

    assert await services.grades.sweep() >= 1
    swept = await read(client, h, g)
    assert (swept["status"], swept["ended_on"], swept["version"]) == ("expired", "2026-11-26", g["version"] + 1)
    last = swept["steps"][-1]
    assert (last["step"], last["on"], last["status_after"], last["actor"]) == (
        "expiry",
        "2026-11-26",
        "expired",
        "system:sweep",
    )
    assert await services.grades.sweep() == 0
    assert await read(client, h, g) == swept
    assert [s["step"] for s in swept["steps"]].count("expiry") == 1
    [entry] = await t.audit_for(services, str(g["id"]), "grade.expire")
    assert (entry.before, entry.after) == ({"status": "valid"}, {"status": "expired"})

    # an expired grade takes no further step and cannot be renewed
    r = await client.post(
        f"/api/v1/enterprises/{e['uscc']}/grades/{g['id']}/annual-checks",
        json={"version": swept["version"], "on": "2026-11-27", "kind": "inspection", "result": "pass"},
        headers=h,
    )
    assert_conflict(r, "expired", swept["version"])
    await assert_unchanged(client, h, swept)
    r = await apply(client, h, e["uscc"], assessed="2026-11-20", applied="2026-11-26", renewal_of=g["id"])
    t.assert_field(r, "renewal_of", "not_valid")


async def test_a_renewal_announced_after_the_old_grade_expired_does_not_supersede_it(client, services, clock):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-02-29")
    set_today(clock, "2027-01-10")
    h = await admin(client, services)  # tokens are checked against the moved clock
    renewal = await applied(client, h, e["uscc"], assessed="2027-01-02", applied="2027-01-05", renewal_of=g["id"])
    renewal = await step(client, h, renewal, "review", on="2027-01-06", passed=True, score=90)
    renewal = await step(client, h, renewal, "audit", on="2027-01-08", passed=True)
    set_today(clock, "2027-03-05")
    h = await admin(client, services)  # tokens are checked against the moved clock
    renewal = await step(client, h, renewal, "announce", on="2027-03-05", announcement_no="豫应急公告〔2027〕8号")
    got = await listing(client, h, e["uscc"])
    assert got["current"]["id"] == renewal["id"]
    old = got["grades"][1]
    assert (old["status"], old["superseded_by"], old["ended_on"]) == ("expired", None, "2027-02-28")
    assert [(s["step"], s["on"]) for s in old["steps"]][-1] == ("expiry", "2027-02-28")


async def test_a_step_on_an_expired_grade_before_the_sweep_is_refused_as_expired(client, services, clock):
    """The client sends the version it read (the sweep has not run): 409 naming the status it read."""
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2023-11-26")
    set_today(clock, "2026-11-27")
    h = await admin(client, services)  # tokens are checked against the moved clock
    seen = await read(client, h, g)
    assert (seen["status"], seen["version"]) == ("expired", g["version"])
    r = await client.post(
        f"/api/v1/enterprises/{e['uscc']}/grades/{g['id']}/annual-checks",
        json={"version": seen["version"], "on": "2026-11-27", "kind": "inspection", "result": "pass"},
        headers=h,
    )
    body = t.assert_problem(r, 409, "conflict")
    assert body["current"]["status"] == "expired", body
    await assert_unchanged(client, h, seen)

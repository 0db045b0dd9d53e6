"""The listing desk's missing parts (issue 20): case 8/9 proposed by hand, credit repair (apply,
decide, approve, revoke) and the review list, through the pages as a browser would, on both backends.
Every page calls the API's own service: what it stores is compared with what the API stores.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import aclosing
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration.console_support import Desk, field, sign_in, signed_in
from tests.integration.test_listing_workflow import (
    CASE9_REASONS,
    COMMITMENT,
    DECISION_DAY,
    EXECUTED,
    EXPIRES,
    REPAIR_OPENS,
    TODAY,
    case9,
    decided,
    move,
    officer,
    penalised_unit,
    proposed,
)
from tests.integration.test_listing_workflow import major_case as wf_major_case
from tests.integration.test_listings import major_case, set_day

LISTINGS = "/api/v1/listings"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


async def api_listing(client: httpx.AsyncClient, h: dict[str, str], listing_id: int) -> dict[str, Any]:
    r = await client.get(f"{LISTINGS}/{listing_id}", headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def again(clock: Any, day: Any, *desks: Desk) -> None:
    """Move the clock (sessions end with it) and sign each officer in again."""
    set_day(clock, day)
    for desk in desks:
        assert (await sign_in(desk.client, desk.client_id, desk.password)).status_code == 303


async def step(desk: Desk, listing_id: int, action: str, **values: str) -> httpx.Response:
    """A listing step through its form, its confirmation and the confirmed post: the last answer."""
    url = f"/console/listings/{listing_id}/{action}"
    form = await desk.client.get(url)
    assert form.status_code == 200, form.text
    data = {"_csrf": field(form.text, "_csrf"), "version": field(form.text, "version"), **values}
    review = await desk.client.post(url, data=data)
    if review.status_code != 200 or 'id="confirm"' not in review.text:
        return review
    return await desk.client.post(url, data={**data, "confirmed": "1"})


# ---- case 8/9 by hand -----------------------------------------------------------------------------------


async def test_a_manual_proposal_needs_its_reasons_beside_the_field_then_is_stored_as_the_api_does(
    app: Any, services: Any, client: Any
) -> None:
    api = await f.headers(client, services, "bureau", division="410103")
    uscc, penalty_id = await penalised_unit(client, api)
    other, other_penalty = await penalised_unit(client, api)
    desk = await signed_in(app, services)
    path = f"/console/enterprises/{uscc}/propose-manual"
    async with aclosing(desk.client) as a:
        file = await a.get(f"/console/enterprises/{uscc}")
        assert f'href="{path}"' in file.text
        assert f'href="{path}"' in (await a.get(f"/console/enterprises/{uscc}/propose")).text
        form = await a.get(path)
        assert form.status_code == 200, form.text
        assert "列入情形第9项" in form.text  # the basis, before anything is done
        assert f'<option value="{penalty_id}"' in form.text
        assert f'value="{other_penalty}"' not in form.text  # only the unit's own penalties
        token = field(form.text, "_csrf")
        filled = {
            "_csrf": token,
            "list_type": "SERIOUS_DISHONEST_2023",
            "criterion": "11-9",
            "penalty_event_id": str(penalty_id),
            "reasons": "情节严重",  # shorter than the service's minimum
        }
        short = await a.post(path, data=filled)
        assert short.status_code == 422
        error = re.search(r'id="reasons-error"[^>]*>([^<]+)', short.text)
        assert error is not None, short.text
        assert "至少10个字" in error.group(1)
        assert 'aria-invalid="true"' in short.text
        # confirmed straight away, the service itself refuses it beside the field
        forced = await a.post(path, data={**filled, "confirmed": "1"})
        assert forced.status_code == 422
        assert 'id="reasons-error"' in forced.text
        no_penalty = await a.post(path, data={**filled, "reasons": CASE9_REASONS, "penalty_event_id": ""})
        assert 'id="penalty_event_id-error"' in no_penalty.text
        assert (await client.get(LISTINGS, params={"uscc": uscc}, headers=api)).json()["items"] == []

        review = await a.post(path, data={**filled, "reasons": CASE9_REASONS})
        assert review.status_code == 200, review.text
        assert 'id="confirm"' in review.text
        assert "拟列入" in review.text
        done = await a.post(path, data={**filled, "reasons": CASE9_REASONS, "confirmed": "1"})
        assert done.status_code == 303, done.text
        listing_id = int(done.headers["location"].split("?")[0].rsplit("/", 1)[1])
        page = await a.get(done.headers["location"])
        assert CASE9_REASONS in page.text

    by_page = await api_listing(client, api, listing_id)
    by_api = (await proposed(client, api, other, **case9(other_penalty)))["listing"]
    for key in ("source", "criteria", "reasons", "basis", "because", "status", "deciding_authority", "term_months"):
        assert by_page[key] == by_api[key], key
    assert by_page["evidence"] == [penalty_id]
    assert by_page["proposed_by"] == desk.client_id


async def test_a_manual_proposal_is_refused_where_the_api_refuses_it(app: Any, services: Any, client: Any) -> None:
    api = await f.headers(client, services, "bureau", division="410103")
    uscc, _ = await penalised_unit(client, api)
    away = await signed_in(app, services, division="410104")
    async with aclosing(away.client) as c:
        assert (await c.get(f"/console/enterprises/{uscc}/propose-manual")).status_code == 403


# ---- credit repair --------------------------------------------------------------------------------------


async def test_repair_applied_decided_approved_and_revoked_through_the_desk(
    app: Any, services: Any, client: Any, clock: Any
) -> None:
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await wf_major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    first, second = await signed_in(app, services), await signed_in(app, services)
    async with aclosing(first.client), aclosing(second.client):
        await move(client, clock, REPAIR_OPENS, a)
        await again(clock, REPAIR_OPENS, first, second)
        page = await first.client.get(f"/console/listings/{listing['id']}")
        assert f'href="/console/listings/{listing["id"]}/apply_repair"' in page.text
        assert f'href="/console/listings/{listing["id"]}/revoke_repair"' not in page.text  # not while listed

        empty = await step(first, listing["id"], "apply_repair", commitment=COMMITMENT, evidence="")
        assert empty.status_code == 422
        assert 'id="evidence-error"' in empty.text
        url = f"/console/listings/{listing['id']}/apply_repair"
        form = await first.client.get(url)
        data = {
            "_csrf": field(form.text, "_csrf"),
            "version": field(form.text, "version"),
            "commitment": COMMITMENT,
            "evidence": "罚款缴纳凭证｜豫财缴〔2027〕1号\n整改验收报告",
            "applied_on": "",
        }
        review = await first.client.post(url, data=data)
        assert 'id="confirm"' in review.text
        assert "列入满12个月" in review.text
        done = await first.client.post(url, data={**data, "confirmed": "1"})
        assert done.status_code == 303, done.text
        stored = await api_listing(client, a.h, listing["id"])
        [application] = stored["repair_applications"]
        assert application["status"] == "pending"
        assert application["evidence"] == [
            {"title": "罚款缴纳凭证", "reference": "豫财缴〔2027〕1号"},
            {"title": "整改验收报告", "reference": None},
        ]
        assert application["commitment"] == COMMITMENT
        waiting = await second.client.get("/console/review?kind=repairs")
        assert f'href="/console/listings/{listing["id"]}"' in waiting.text

        # granted by the first officer: only proposed; the same officer cannot approve it
        granted = await step(first, listing["id"], "decide_repair", granted="1", reason="整改到位，符合修复条件")
        assert granted.status_code == 303, granted.text
        assert (await api_listing(client, a.h, listing["id"]))["pending"]["action"] == "grant_repair"
        own = await step(first, listing["id"], "approve")
        assert own.status_code == 422
        assert "须由另一名工作人员批准" in own.text
        mine = await first.client.get("/console/review?kind=approvals")
        assert f'href="/console/listings/{listing["id"]}"' not in mine.text
        theirs = await second.client.get("/console/review?kind=approvals")
        assert f'href="/console/listings/{listing["id"]}"' in theirs.text
        url = f"/console/listings/{listing['id']}/approve"
        form = await second.client.get(url)
        data = {"_csrf": field(form.text, "_csrf"), "version": field(form.text, "version")}
        confirm = await second.client.post(url, data=data)
        assert "停止公示" in confirm.text
        assert "联合惩戒措施终止" in confirm.text
        approved = await second.client.post(url, data={**data, "confirmed": "1"})
        assert approved.status_code == 303, approved.text
        removed = await api_listing(client, a.h, listing["id"])
        assert (removed["status"], removed["removal"]["type"]) == ("removed", "early")
        assert removed["repair_applications"][0]["decided_by"] == first.client_id

        # revoked (deception found): proposed by one officer, approved by the other, listed again
        await move(client, clock, dt.date(2028, 3, 1), a)
        await again(clock, dt.date(2028, 3, 1), first, second)
        revoked = await step(
            first,
            listing["id"],
            "revoke_repair",
            reason="提交的缴款凭证系伪造",
            evidence="伪造凭证鉴定意见｜豫鉴〔2028〕3号",
        )
        assert revoked.status_code == 303, revoked.text
        pending = await api_listing(client, a.h, listing["id"])
        assert pending["pending"]["action"] == "revoke_repair"
        assert pending["pending"]["data"]["evidence"] == [{"title": "伪造凭证鉴定意见", "reference": "豫鉴〔2028〕3号"}]
        restored = await step(second, listing["id"], "approve")
        assert restored.status_code == 303, restored.text
        back = await api_listing(client, a.h, listing["id"])
        assert (back["status"], back["decision"]["expires_on"]) == ("listed", EXPIRES)
        page = await first.client.get(f"/console/listings/{listing['id']}")
        assert 'id="repairs"' in page.text
        assert "已撤销" in page.text


async def test_a_repair_refused_on_the_desk_needs_no_second_officer(
    app: Any, services: Any, client: Any, clock: Any
) -> None:
    a, b = await officer(client, services), await officer(client, services)
    uscc, _ = await wf_major_case(client, a.h, **EXECUTED)
    listing = await decided(client, clock, a, b, uscc)
    desk = await signed_in(app, services)
    async with aclosing(desk.client):
        await move(client, clock, REPAIR_OPENS, a)
        await again(clock, REPAIR_OPENS, desk)
        too_soon = await step(desk, listing["id"], "decide_repair", reason="材料不实")
        assert too_soon.status_code == 409  # no application yet: the service's refusal, shown
        assert 'id="refusal"' in too_soon.text
        applied = await step(desk, listing["id"], "apply_repair", commitment=COMMITMENT, evidence="凭证")
        assert applied.status_code == 303, applied.text
        refused = await step(desk, listing["id"], "decide_repair", reason="材料不实")
        assert refused.status_code == 303, refused.text
    stored = await api_listing(client, a.h, listing["id"])
    assert (stored["status"], stored["pending"], stored["repair_applications"][0]["status"]) == (
        "listed",
        None,
        "refused",
    )


# ---- the review list ------------------------------------------------------------------------------------


async def test_the_review_list_shows_what_waits_and_never_the_officers_own_proposal(
    app: Any, services: Any, client: Any, clock: Any
) -> None:
    api = await f.headers(client, services, "bureau", division="410103")
    first, second = await signed_in(app, services), await signed_in(app, services)
    async with aclosing(first.client) as a, aclosing(second.client) as b:
        uscc, _ = await major_case(client, api)
        shown = await a.get(f"/console/enterprises/{uscc}/propose")
        made = await a.post(
            f"/console/enterprises/{uscc}/propose",
            data={"_csrf": field(shown.text, "_csrf"), "list_type": "SERIOUS_DISHONEST_2023"},
        )
        listing_id = int(made.headers["location"].split("?")[0].rsplit("/", 1)[1])
        notified = await step(first, listing_id, "notify", notice_no="郑二应急告〔2026〕88号")
        assert notified.status_code == 303, notified.text
        link = f'href="/console/listings/{listing_id}"'
        during = await b.get("/console/review")
        assert during.status_code == 200
        assert link in section(during.text, "notices")  # the period ends within days
        assert link not in section(during.text, "ended")
        assert link not in section(during.text, "approvals")

        await again(clock, DECISION_DAY, first, second)
        theirs = await b.get("/console/review")
        assert link in section(theirs.text, "approvals")
        assert link in section(theirs.text, "ended")
        mine = await a.get("/console/review")
        assert link not in section(mine.text, "approvals")  # never the officer's own proposal
        assert link in section(mine.text, "ended")  # but shown as waiting for another officer
        assert f"{first.client_id} 提议" in section(mine.text, "ended")
        only = await b.get("/console/review", params={"kind": "approvals"})
        assert 'id="review-approvals"' in only.text
        assert 'id="review-ended"' not in only.text
        desk = await b.get("/console/")
        assert 'href="/console/review?kind=approvals"' in desk.text

        objected = await step(second, listing_id, "object", grounds="当事人称事故等级认定有误")
        assert objected.status_code == 303, objected.text
        frozen = await b.get("/console/review")
        assert link in section(frozen.text, "objections")
        assert 'href="/console/review?kind=objections"' in (await b.get("/console/")).text
        assert link not in section(frozen.text, "approvals")  # frozen until the objection is resolved

    away = await signed_in(app, services, division="410104")
    async with aclosing(away.client) as c:
        other = await c.get("/console/review")
        assert other.status_code == 200
        assert link not in other.text  # another county's list never shows it


def section(html: str, key: str) -> str:
    part = html.split(f'id="review-{key}"', 1)
    assert len(part) == 2, f"no {key} list"
    return part[1].split("</section>", 1)[0]

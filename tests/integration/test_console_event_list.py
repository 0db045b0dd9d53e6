"""The area's credit events as a page (walkthrough step 8): the API's query, checks and answer."""

from __future__ import annotations

import re
from contextlib import aclosing
from typing import Any

import httpx

from tests import factories as f
from tests.integration.console_support import field, signed_in
from tests.integration.test_console_event_amend import an_accident, beside

EVENTS = "/api/v1/events"


def listed(html: str) -> list[int]:
    if 'id="no-events"' in html:
        return []
    table = html.split('id="events"', 1)
    assert len(table) == 2, html[:2000]
    return [int(i) for i in re.findall(r'<tr><td><a href="/console/events/(\d+)">', table[1])]


async def test_the_page_lists_what_the_api_lists_and_refuses_what_it_refuses(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    headers, event = await an_accident(client, services)
    desk = await signed_in(app, services)
    away = await signed_in(app, services, division="410104")
    query = {"division": "410103", "kind": "accident"}
    api = await client.get(EVENTS, params={**query, "limit": 50}, headers=headers)
    assert api.status_code == 200, api.text
    expected = [e["id"] for e in api.json()["items"]]
    assert event["id"] in expected
    async with aclosing(desk.client) as c:
        page = await c.get("/console/events", params=query)
        assert page.status_code == 200, page.text
        assert listed(page.text) == expected
        assert 'aria-current="page">信用事件' in page.text
        # a withdrawn event leaves the effective list and stays in the history
        amend = f"/console/events/{event['id']}/amend"
        form = await c.get(amend, params={"code": "withdrawal"})
        posted = {"_csrf": field(form.text, "_csrf"), "code": "withdrawal", "reason": "误录", "confirmed": "1"}
        done = await c.post(amend, data=posted)
        assert done.status_code == 303, done.text
        assert event["id"] not in listed((await c.get("/console/events", params=query)).text)
        assert event["id"] in listed((await c.get("/console/events", params={**query, "history": "1"})).text)
        # the API's checks, beside the field
        bad_kind = await c.get("/console/events", params={"kind": "rumour"})
        assert bad_kind.status_code == 422
        assert beside(bad_kind.text, "kind") == "事件类别不在代码表中"
        bad_date = await c.get("/console/events", params={"from": "2026-13-01"})
        assert bad_date.status_code == 422
        assert beside(bad_date.text, "from")
    # another county's officer: the page answers as the API answers that officer
    other = await f.headers(client, services, "bureau", division="410104")
    api_away = await client.get(EVENTS, params=query, headers=other)
    async with aclosing(away.client) as a:
        page_away = await a.get("/console/events", params=query)
        assert page_away.status_code == api_away.status_code
        if api_away.status_code == 200:
            assert listed(page_away.text) == [e["id"] for e in api_away.json()["items"]]
            assert event["id"] not in listed(page_away.text) or not api_away.json()["items"]

"""The listing desk's missing parts (issue 20): case 8/9 proposed by hand, credit repair (apply,
decide, approve, revoke) and the review list, through the pages as a browser would, on both backends.
Every page calls the API's own service: what it stores is compared with what the API stores.
"""

from __future__ import annotations

import re
from contextlib import aclosing
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration.console_support import Desk, field, sign_in, signed_in
from tests.integration.test_listing_workflow import (
    CASE9_REASONS,
    TODAY,
    case9,
    penalised_unit,
    proposed,
)
from tests.integration.test_listings import set_day

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

"""The bureau console (/console/): sign-in, sessions, CSRF, fixation, lockout, read rules, the desk.

Each test signs in officers of its own through the pages, as a browser would (cookies kept by the
client), on SQLite with in-process sessions and on PostgreSQL with sessions in Redis.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import aclosing
from typing import Any

import httpx

from tests import factories as f
from tests.integration.console_support import PASSWORD, csrf, field, officer, sign_in, signed_in
from tests.integration.support import address, audit_for, client_at
from tests.integration.test_listing_workflow import DECISION_DAY, TODAY, major_case
from tests.integration.test_listings import set_day
from tests.integration.test_rules_api import accident, record


async def test_pages_need_a_session_and_the_sign_in_page_needs_none(app: Any) -> None:
    async with client_at(app, address()) as client:
        for path in ("/console/", "/console/enterprises", "/console/password"):
            answer = await client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/console/login?next=")
        login = await client.get("/console/login")
        assert login.status_code == 200
        assert 'name="_login"' in login.text
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/console/login" in cookie
        assert "default-src 'none'" in login.headers["content-security-policy"]


async def test_first_sign_in_must_change_the_password_then_shows_who_is_signed_in(app: Any, services: Any) -> None:
    name, first = await officer(services, name="王芳")
    async with client_at(app, address()) as client:
        answer = await sign_in(client, name, first)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/password"
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("registry_console="))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/console" in cookie
        assert "Secure" not in cookie  # plain HTTP here; over TLS it is Secure (next test)
        # nothing but the password page until the first password is changed
        assert (await client.get("/console/")).headers["location"] == "/console/password"
        token = await csrf(client)
        weak = await client.post(
            "/console/password", data={"_csrf": token, "current": first, "new": "short", "repeated": "short"}
        )
        assert weak.status_code == 422
        assert "新密码至少 12 个字符" in weak.text
        wrong = await client.post(
            "/console/password", data={"_csrf": token, "current": "nope", "new": PASSWORD, "repeated": PASSWORD}
        )
        assert wrong.status_code == 422
        assert "当前密码错误" in wrong.text
        done = await client.post(
            "/console/password", data={"_csrf": token, "current": first, "new": PASSWORD, "repeated": PASSWORD}
        )
        assert done.status_code == 303
        desk = await client.get("/console/")
        assert desk.status_code == 200
        who = re.search(r'<div id="who".*?</div>', desk.text, re.S)
        assert who is not None
        assert "王芳" in who.group(0)
        assert "二七区应急管理局" in who.group(0)
        assert "410103" in who.group(0)
    actions = [(e.action, e.outcome) for e in await audit_for(services, name)]
    assert ("console.sign_in", "ok") in actions
    assert ("console.password_change", "ok") in actions


async def test_session_cookie_is_secure_over_tls(app: Any, services: Any) -> None:
    name, first = await officer(services)
    transport = httpx.ASGITransport(app=app, client=(address(), 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        answer = await sign_in(client, name, first)
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("registry_console="))
        assert "Secure" in cookie


async def test_sign_in_renews_the_session_id_and_never_adopts_one_sent_by_the_browser(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        before = client.cookies.get("registry_console", path="/console")
        assert before
        assert (await _with_cookie(app, before).get("/console/")).status_code == 200  # a copy works, for now
        again = await sign_in(client, desk.client_id, desk.password)
        assert again.status_code == 303
        after = client.cookies.get("registry_console", path="/console")
        assert after
        assert after != before
        # the old id is gone: a cookie planted or stolen before the sign-in opens nothing
    assert (await _with_cookie(app, before).get("/console/")).status_code == 303
    # an attacker-chosen id sent to the sign-in is replaced, not adopted
    async with client_at(app, address()) as other:
        other.cookies.set("registry_console", "attacker-chosen-id", domain="testserver.local", path="/console")
        answer = await sign_in(other, desk.client_id, desk.password)
        assert answer.status_code == 303
        issued = [c for c in answer.headers.get_list("set-cookie") if c.startswith("registry_console=")]
        assert len(issued) == 1
        assert not issued[0].startswith("registry_console=attacker-chosen-id")


async def test_a_form_without_the_session_token_is_refused_and_changes_nothing(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        for token in (None, "", "forged-token"):
            data = {"current": desk.password, "new": "another-password-22", "repeated": "another-password-22"}
            if token is not None:
                data["_csrf"] = token
            answer = await client.post("/console/password", data=data)
            assert answer.status_code == 403, answer.text
            assert "表单校验码不符" in answer.text
            assert 'id="who"' in answer.text
        refused_logout = await client.post("/console/logout", data={})
        assert refused_logout.status_code == 403
        assert (await client.get("/console/")).status_code == 200  # still signed in
    # the password is unchanged: the old one still signs in
    async with client_at(app, address()) as again:
        assert (await sign_in(again, desk.client_id, desk.password)).headers["location"] == "/console/"


async def test_the_sign_in_form_needs_its_own_token(app: Any, services: Any) -> None:
    name, first = await officer(services)
    async with client_at(app, address()) as client:
        answer = await client.post("/console/login", data={"name": name, "password": first, "_login": "x"})
        assert answer.status_code == 403
        assert "registry_console=" not in "".join(answer.headers.get_list("set-cookie"))


async def test_a_stolen_cookie_is_useless_after_sign_out(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        stolen = client.cookies.get("registry_console", path="/console")
        assert (await _with_cookie(app, stolen).get("/console/")).status_code == 200  # the copy works, until…
        token = await csrf(client)
        out = await client.post("/console/logout", data={"_csrf": token})
        assert out.status_code == 303
        assert out.headers["location"] == "/console/login?why=bye"
    async with _with_cookie(app, stolen) as thief:
        answer = await thief.get("/console/")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/login")
    assert ("console.sign_out", "ok") in [(e.action, e.outcome) for e in await audit_for(services, desk.client_id)]


async def test_idle_timeout_and_absolute_lifetime(app: Any, services: Any, clock: Any) -> None:
    settings = services.settings.console
    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        clock.advance(dt.timedelta(seconds=settings.session_idle_seconds - 60))
        assert (await client.get("/console/")).status_code == 200  # used in time: still open
        clock.advance(dt.timedelta(seconds=settings.session_idle_seconds + 1))
        idle = await client.get("/console/")
        assert idle.status_code == 303
        assert "why=expired" in idle.headers["location"]
    busy = await signed_in(app, services)
    async with aclosing(busy.client) as client:
        step = settings.session_idle_seconds - 60
        used = 0
        while used + step < settings.session_absolute_seconds:
            clock.advance(dt.timedelta(seconds=step))
            used += step
            assert (await client.get("/console/password")).status_code == 200  # never idle
        clock.advance(dt.timedelta(seconds=settings.session_absolute_seconds - used + 1))
        assert (await client.get("/console/password")).status_code == 303


async def test_lockout_after_repeated_failures_per_account(app: Any, services: Any, clock: Any) -> None:
    policy = services.settings.console
    desk = await signed_in(app, services)
    await desk.client.aclose()
    for attempt in range(policy.signin_failures_before_lock):
        # from a different address each time: the lock is per account, not per address
        async with client_at(app, address()) as client:
            answer = await sign_in(client, desk.client_id, f"wrong-{attempt}")
            expected = 429 if attempt == policy.signin_failures_before_lock - 1 else 401
            assert answer.status_code == expected, answer.text
    async with client_at(app, address()) as client:
        locked = await sign_in(client, desk.client_id, desk.password)  # the right password, still locked
        assert locked.status_code == 429
        assert "已锁定" in locked.text
        assert int(locked.headers["retry-after"]) > 0
        clock.advance(dt.timedelta(seconds=policy.signin_lock_seconds + 1))
        assert (await sign_in(client, desk.client_id, desk.password)).status_code == 303
    outcomes = [(e.action, e.outcome, e.detail) for e in await audit_for(services, desk.client_id)]
    assert ("console.sign_in", "denied", "wrong_password_locked") in outcomes
    assert ("console.sign_in", "denied", "locked") in outcomes


async def test_unknown_names_and_machine_accounts_are_refused_alike(app: Any, services: Any) -> None:
    machine, secret = await f.account(services, "bureau", level="county", division="410103")
    async with client_at(app, address()) as client:
        unknown = await sign_in(client, "nobody-" + address(), "whatever-password")
        system = await sign_in(client, machine, secret)
        assert unknown.status_code == system.status_code == 401
        assert "用户名或密码错误" in unknown.text
        assert "用户名或密码错误" in system.text


async def test_a_disabled_account_or_a_reset_password_ends_its_sessions(app: Any, services: Any) -> None:
    from registry.domain.actors import system_actor

    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        await services.console.issue_password(system_actor("test"), desk.client_id)
        ended = await client.get("/console/")
        assert ended.status_code == 303
        assert "why=ended" in ended.headers["location"]
    other = await signed_in(app, services)
    async with aclosing(other.client) as client:
        await services.accounts.disable(system_actor("test"), other.client_id)
        assert (await client.get("/console/")).status_code == 303


async def test_after_sign_in_only_console_paths_are_followed(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/console/login"):
            answer = await sign_in(client, desk.client_id, desk.password, next_path=evil)
            assert answer.headers["location"] == "/console/", evil
        kept = await sign_in(client, desk.client_id, desk.password, next_path="/console/enterprises?q=x")
        assert kept.headers["location"] == "/console/enterprises?q=x"


async def test_the_file_follows_the_read_rules_of_the_api(app: Any, services: Any, client: Any) -> None:
    home = await signed_in(app, services, division="410103")
    away = await signed_in(app, services, division="410104")
    headers = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    assert (await client.post("/api/v1/enterprises", json=unit, headers=headers)).status_code == 201
    async with aclosing(home.client) as mine, aclosing(away.client) as theirs:
        page = await mine.get(f"/console/enterprises/{unit['uscc']}")
        assert page.status_code == 200
        assert unit["name"] in page.text
        for section in ("register", "measures", "grades", "events", "listings", "trail"):
            assert f'id="{section}"' in page.text
        found = await mine.get("/console/enterprises", params={"q": unit["uscc"][:12]})
        assert unit["uscc"] in found.text
        refused = await theirs.get(f"/console/enterprises/{unit['uscc']}")
        assert refused.status_code == 403
        assert unit["name"] not in refused.text
        assert f'href="/enterprises/{unit["uscc"]}"' in refused.text  # the public page it may read
        elsewhere = await theirs.get("/console/enterprises", params={"q": unit["uscc"][:12]})
        assert unit["uscc"] not in elsewhere.text
    denied = [(e.action, e.outcome, e.actor) for e in await audit_for(services, unit["uscc"])]
    assert ("enterprise.read", "denied", away.client_id) in denied


async def test_search_errors_are_shown_beside_the_field(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    async with aclosing(desk.client) as client:
        answer = await client.get("/console/enterprises", params={"division": "41010"})
        assert answer.status_code == 422
        error = re.search(r'id="division-error"[^>]*>([^<]+)', answer.text)
        assert error is not None
        assert "区划前缀应为 2、4 或 6 位数字" in error.group(1)
        assert 'aria-invalid="true"' in answer.text


async def test_desk_counts_an_overdue_hazard_with_a_link_to_the_file(app: Any, services: Any, client: Any) -> None:
    division = "410122"  # 中牟县: an area no other console test writes in
    desk = await signed_in(app, services, division=division)
    headers = await f.headers(client, services, "bureau", division=division)
    unit = f.enterprise(division=division)
    assert (await client.post("/api/v1/enterprises", json=unit, headers=headers)).status_code == 201
    async with aclosing(desk.client) as console:
        before = _count(await console.get("/console/"), "hazards")
        event = {
            "kind": "major_hazard",
            "subject": {"type": "enterprise", "uscc": unit["uscc"]},
            "occurred_on": "2026-03-18",
            "source_document": f"中牟县应急管理局隐患整改通知〔2026〕{address()}号",
            "details": {
                "description": "粉尘涉爆除尘系统未按规定设置锁气卸灰装置",
                "rectification_deadline": "2026-04-30",
            },
        }
        recorded = await client.post("/api/v1/events", json=event, headers=headers)
        assert recorded.status_code == 201, recorded.text
        page = await console.get("/console/")
        assert _count(page, "hazards") == before + 1
        assert f'href="/console/enterprises/{unit["uscc"]}#events"' in page.text


def _with_cookie(app: Any, sid: str | None) -> httpx.AsyncClient:
    """Another browser (another address) holding a copy of the session cookie."""
    assert sid
    client = client_at(app, address())
    client.cookies.set("registry_console", sid, domain="testserver.local", path="/console")
    return client


def _count(page: Any, heap: str) -> int:
    assert page.status_code == 200, page.text
    found = re.search(rf'id="heap-{heap}".*?class="count"[^>]*>(\d+)', page.text, re.S)
    assert found is not None, page.text
    return int(found.group(1))


async def test_a_listing_from_the_rules_to_a_decision_by_a_second_officer(
    app: Any, services: Any, client: Any, clock: Any
) -> None:
    set_day(clock, TODAY)
    first = await signed_in(app, services)
    second = await signed_in(app, services)
    api = await f.headers(client, services, "bureau", division="410103")
    uscc, _ = await major_case(client, api)
    async with aclosing(first.client) as a, aclosing(second.client) as b:
        shown = await a.get(f"/console/enterprises/{uscc}/propose")
        assert shown.status_code == 200, shown.text
        assert 'value="SERIOUS_DISHONEST_2023"' in shown.text
        assert "应急管理部令第11号" in shown.text  # the legal basis, before anything is done
        made = await a.post(
            f"/console/enterprises/{uscc}/propose",
            data={"_csrf": field(shown.text, "_csrf"), "list_type": "SERIOUS_DISHONEST_2023"},
        )
        assert made.status_code == 303, made.text
        listing_url = made.headers["location"].split("?")[0]
        assert listing_url.startswith("/console/listings/")

        # notify: the form, then a confirmation showing what will follow, then done
        form = await a.get(f"{listing_url}/notify")
        token, version = field(form.text, "_csrf"), field(form.text, "version")
        empty = await a.post(f"{listing_url}/notify", data={"_csrf": token, "version": version})
        assert empty.status_code == 422
        assert 'id="notice_no-error"' in empty.text
        notice = {
            "_csrf": token,
            "version": version,
            "notice_no": "郑二应急告〔2026〕77号",
            "served_on": "",
            "statement_days": "",
        }
        review = await a.post(f"{listing_url}/notify", data=notice)
        assert review.status_code == 200
        assert 'id="confirm"' in review.text
        assert "陈述申辩期开始" in review.text
        assert "已告知" not in (await a.get(listing_url)).text
        done = await a.post(f"{listing_url}/notify", data={**notice, "confirmed": "1"})
        assert done.status_code == 303, done.text
        assert "已告知" in (await a.get(listing_url)).text

        # after the statement period: the proposer may not decide, the second officer may
        set_day(clock, DECISION_DAY)
        for desk, browser in ((first, a), (second, b)):
            assert (await sign_in(browser, desk.client_id, desk.password)).status_code == 303
        page = await a.get(f"{listing_url}/approve")
        approve = {
            "_csrf": field(page.text, "_csrf"),
            "version": field(page.text, "version"),
            "decision_no": "郑二应急信决〔2026〕77号",
        }
        own = await a.post(f"{listing_url}/approve", data={**approve, "confirmed": "1"})
        assert own.status_code == 422
        assert "不能批准" in own.text
        assert "已列入" not in (await a.get(listing_url)).text

        desk_page = await b.get("/console/")
        assert _count(desk_page, "approvals") >= 1
        assert f'href="{listing_url}"' in desk_page.text
        assert f'href="{listing_url}"' not in (await a.get("/console/")).text.split('id="heap-notices"')[0]
        page = await b.get(f"{listing_url}/approve")
        approve = {
            "_csrf": field(page.text, "_csrf"),
            "version": field(page.text, "version"),
            "decision_no": "郑二应急信决〔2026〕77号",
        }
        stale = await b.post(f"{listing_url}/approve", data={**approve, "version": "1", "confirmed": "1"})
        assert stale.status_code == 409
        assert 'id="refusal"' in stale.text
        decided = await b.post(f"{listing_url}/approve", data={**approve, "confirmed": "1"})
        assert decided.status_code == 303, decided.text
        assert "已列入" in (await b.get(listing_url)).text
        # the file now shows the joint measures in force with their legal basis
        measures = (await b.get(f"/console/enterprises/{uscc}")).text.split('id="measures"')[1].split("</section>")[0]
        assert "<tbody>" in measures
        assert "规则没有对该企业作出现行措施" not in measures

    away = await signed_in(app, services, division="410104")
    async with aclosing(away.client) as c:
        refused = await c.get(listing_url)
        assert refused.status_code == 403
        assert 'id="who"' in refused.text  # who is signed in, on the refusal too
        assert "管城回族区" in refused.text
        page = await c.get(f"{listing_url}/approve")
        assert page.status_code == 403


async def test_recording_an_accident_with_the_api_checks_beside_the_fields(
    app: Any, services: Any, client: Any
) -> None:
    desk = await signed_in(app, services)
    away = await signed_in(app, services, division="410104")
    headers = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    assert (await client.post("/api/v1/enterprises", json=unit, headers=headers)).status_code == 201
    path = f"/console/enterprises/{unit['uscc']}/record"
    async with aclosing(desk.client) as a:
        kinds = await a.get(path)
        assert f'href="{path}?kind=accident"' in kinds.text
        assert "kind=flight" not in kinds.text  # about persons only
        form = await a.get(path, params={"kind": "accident"})
        for name in ("occurred_on", "source_document", "details.deaths", "details.direct_loss_cny", "details.summary"):
            assert f'name="{name}"' in form.text, name
        accident = {
            "_csrf": field(form.text, "_csrf"),
            "kind": "accident",
            "occurred_on": "2026-03-18",
            "source_document": "郑州市二七区事故调查报告（2026）3号",
            "details.deaths": "-1",
            "details.serious_injuries": "0",
            "details.direct_loss_cny": "2500000",
            "details.responsible": "1",
            "details.summary": "车间粉尘爆炸",
        }
        # the service's own check, shown beside the field it names, before anything is recorded
        refused = await a.post(path, data={**accident, "confirmed": "1"})
        assert refused.status_code == 422
        error = re.search(r'id="details\.deaths-error"[^>]*>([^<]+)', refused.text)
        assert error is not None
        assert "0" in error.group(1)
        accident["details.deaths"] = "1"
        review = await a.post(path, data=accident)
        assert review.status_code == 200
        assert 'id="confirm"' in review.text
        done = await a.post(path, data={**accident, "confirmed": "1"})
        assert done.status_code == 303, done.text
        page = await a.get(done.headers["location"].split("#")[0])
        assert 'id="recorded"' in page.text
        assert "郑州市二七区事故调查报告（2026）3号" in page.text
    async with aclosing(away.client) as c:
        assert (await c.get(path, params={"kind": "accident"})).status_code == 403
        posted = await c.post(path, data={**accident, "_csrf": await csrf(c), "confirmed": "1"})
        assert posted.status_code == 403


async def test_the_penalty_form_previews_what_the_rules_would_decide(
    app: Any, services: Any, client: Any, clock: Any
) -> None:
    set_day(clock, TODAY)
    desk = await signed_in(app, services)
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    assert (await client.post("/api/v1/enterprises", json=unit, headers=api)).status_code == 201
    crash = await record(client, api, accident(unit["uscc"], "2026-09-01", deaths=12))
    path = f"/console/enterprises/{unit['uscc']}/record"
    async with aclosing(desk.client) as a:
        form = await a.get(path, params={"kind": "penalty"})
        penalty_form = {
            "_csrf": field(form.text, "_csrf"),
            "kind": "penalty",
            "occurred_on": "2026-10-15",
            "source_document": "（郑二应急）应急罚〔2026〕501号",
            "links": str(crash["id"]),
            "details.decision_no": "（郑二应急）应急罚〔2026〕501号",
            "details.legal_basis": "《中华人民共和国安全生产法》第一百一十四条第一款第二项",
            "details.fine_cny": "1000000",
        }
        review = await a.post(path, data=penalty_form)
        assert review.status_code == 200, review.text
        assert 'id="what-if"' in review.text
        assert 'id="what-if-new"' in review.text  # the listing a 重大 accident and its penalty order
        assert "严重失信主体名单" in review.text.split('id="what-if"')[1]
        # a preview records nothing
        listed = await client.get("/api/v1/events", params={"uscc": unit["uscc"]}, headers=api)
        assert [e["kind"] for e in listed.json()["items"]] == ["accident"]

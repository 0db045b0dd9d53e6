"""The optional TOTP second factor of console sign-in: enrolment by QR code, the code after the
password, lockout, replay, disabling, the administrator's reset. Through the pages, on SQLite and
on PostgreSQL with sessions in Redis."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pyotp
from sqlalchemy import select

from registry.db.models import Account
from registry.domain.accounts.second_factor import step_of
from registry.domain.actors import system_actor
from registry.lib.clock import FixedClock
from tests.integration.console_support import Desk, csrf, field, sign_in, signed_in
from tests.integration.support import address, audit_for, client_at
from tests.integration.test_cli import registry

PAGE = "/console/second-factor"
CODE = "/console/login/code"


def code(secret: str, clock: FixedClock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).generate_otp(step_of(clock.now()) + steps)


def cookie(answer: httpx.Response) -> str:
    found = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("registry_console="))
    return found.split(";")[0].split("=", 1)[1]


async def enrol(desk: Desk, clock: FixedClock) -> str:
    """Turn the second factor on through the pages; the secret as the page showed it."""
    page = await desk.client.post(f"{PAGE}/begin", data={"_csrf": await csrf(desk.client, PAGE)})
    assert page.status_code == 200, page.text
    assert "<svg" in page.text
    shown = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page.text)
    assert shown, page.text
    secret = shown.group(1).replace(" ", "")
    done = await desk.client.post(
        f"{PAGE}/confirm", data={"_csrf": field(page.text, "_csrf"), "code": code(secret, clock)}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{PAGE}?done=on"
    return secret


async def sign_out(desk: Desk) -> None:
    answer = await desk.client.post("/console/logout", data={"_csrf": await csrf(desk.client, PAGE)})
    assert answer.status_code == 303


async def send_code(client: httpx.AsyncClient, typed: str) -> httpx.Response:
    form = await client.get(CODE)
    assert form.status_code == 200, form.text
    return await client.post(CODE, data={"_csrf": field(form.text, "_csrf"), "code": typed})


async def test_enrol_then_the_code_after_the_password_once_per_step(app: Any, services: Any, clock: FixedClock) -> None:
    desk = await signed_in(app, services)
    off = await desk.client.get(PAGE)
    assert "未启用" in off.text
    begun = await desk.client.post(f"{PAGE}/begin", data={"_csrf": field(off.text, "_csrf")})
    shown = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', begun.text)
    assert shown
    secret = shown.group(1).replace(" ", "")
    assert 'class="qr"' in begun.text
    # a wrong code: said beside the field, the QR code shown again, still off
    wrong = await desk.client.post(
        f"{PAGE}/confirm", data={"_csrf": field(begun.text, "_csrf"), "code": code(secret, clock, 5)}
    )
    assert wrong.status_code == 422
    assert 'id="code-error"' in wrong.text
    assert "验证码不正确" in wrong.text
    assert secret[:4] in wrong.text
    right = await desk.client.post(
        f"{PAGE}/confirm", data={"_csrf": field(begun.text, "_csrf"), "code": code(secret, clock)}
    )
    assert right.status_code == 303
    assert "已启用" in (await desk.client.get(PAGE)).text
    # stored sealed, never in plain, and never in the audit trail
    async with services.db.read() as session:
        stored = await session.scalar(select(Account.totp_secret).where(Account.client_id == desk.client_id))
    assert stored is not None
    assert stored.startswith("v1:")
    assert secret not in stored
    entries = await audit_for(services, desk.client_id)
    assert all(secret not in repr((e.before, e.after, e.detail)) for e in entries)
    assert ("console.totp_enable", "denied") in [(e.action, e.outcome) for e in entries]
    assert ("console.totp_enable", "ok") in [(e.action, e.outcome) for e in entries]

    await sign_out(desk)
    half = await sign_in(desk.client, desk.client_id, desk.password, "/console/enterprises")
    assert half.status_code == 303
    assert half.headers["location"] == CODE
    pending_sid = cookie(half)
    # half signed in: no page opens but the code's
    for path in ("/console/", "/console/enterprises", "/console/password", PAGE):
        assert (await desk.client.get(path)).headers["location"] == CODE, path
    # the code that confirmed the enrolment was used in this step: refused, and counted
    replayed = await send_code(desk.client, code(secret, clock))
    assert replayed.status_code == 401
    assert "已使用过" in replayed.text
    clock.at += dt.timedelta(seconds=30)
    answer = await send_code(desk.client, code(secret, clock))
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/enterprises"
    full_sid = cookie(answer)
    assert full_sid != pending_sid  # a new id after the second step
    assert (await desk.client.get("/console/enterprises")).status_code == 200
    # the pending session's id opens nothing now
    async with client_at(app, address()) as stolen:
        stolen.cookies.set("registry_console", pending_sid)
        assert (await stolen.get("/console/")).status_code == 303
        stolen.cookies.set("registry_console", full_sid)
        assert (await stolen.get("/console/")).status_code == 200  # the test itself: the full one does
    # the same code in another sign-in within its window: refused
    await sign_out(desk)
    await sign_in(desk.client, desk.client_id, desk.password)
    again = await send_code(desk.client, code(secret, clock))
    assert again.status_code == 401
    assert "已使用过" in again.text
    actions = [(e.action, e.outcome, e.detail) for e in await audit_for(services, desk.client_id)]
    assert ("console.sign_in", "ok", "second_factor") in actions
    assert ("console.sign_in", "denied", "code_replayed") in actions
    assert ("console.sign_in_password", "ok", "second factor pending") in actions


async def test_wrong_codes_count_toward_the_lockout_and_a_right_password_forgives_none(
    app: Any, services: Any, clock: FixedClock
) -> None:
    desk = await signed_in(app, services)
    secret = await enrol(desk, clock)
    await sign_out(desk)
    clock.at += dt.timedelta(seconds=60)
    await sign_in(desk.client, desk.client_id, desk.password)
    for _ in range(2):
        assert (
            await send_code(desk.client, "000000" if code(secret, clock) != "000000" else "111111")
        ).status_code == 401
    # the password again (right) does not reset the count of wrong codes
    again = await sign_in(desk.client, desk.client_id, desk.password)
    assert again.headers["location"] == CODE
    for _ in range(2):
        bad = await send_code(desk.client, "12345x")
        assert bad.status_code == 401
        assert "验证码不正确" in bad.text
    locked = await send_code(desk.client, "999999" if code(secret, clock) != "999999" else "888888")
    assert locked.status_code == 303
    assert locked.headers["location"] == "/console/login?why=locked"
    assert (await desk.client.get(CODE)).status_code == 303  # the half session ended with the lock
    # locked: even the right password is refused, until the lock ends
    refused = await sign_in(desk.client, desk.client_id, desk.password)
    assert refused.status_code == 429
    actions = [(e.action, e.detail) for e in await audit_for(services, desk.client_id)]
    assert ("console.sign_in", "wrong_code_locked") in actions
    clock.at += dt.timedelta(seconds=901)
    await sign_in(desk.client, desk.client_id, desk.password)
    assert (await send_code(desk.client, code(secret, clock))).status_code == 303


async def test_the_code_form_needs_its_token(app: Any, services: Any, clock: FixedClock) -> None:
    desk = await signed_in(app, services)
    secret = await enrol(desk, clock)
    await sign_out(desk)
    clock.at += dt.timedelta(seconds=30)
    await sign_in(desk.client, desk.client_id, desk.password)
    forged = await desk.client.post(CODE, data={"code": code(secret, clock)})
    assert forged.status_code == 403
    assert (await desk.client.get("/console/")).headers["location"] == CODE


async def test_disable_needs_the_password_and_a_code_and_an_admin_may_reset(
    app: Any, services: Any, clock: FixedClock
) -> None:
    desk = await signed_in(app, services)
    secret = await enrol(desk, clock)
    clock.at += dt.timedelta(seconds=30)
    token = await csrf(desk.client, PAGE)
    wrong = await desk.client.post(
        f"{PAGE}/disable", data={"_csrf": token, "password": "not-the-password", "code": code(secret, clock)}
    )
    assert wrong.status_code == 422
    assert 'id="password-error"' in wrong.text
    no_code = await desk.client.post(f"{PAGE}/disable", data={"_csrf": token, "password": desk.password, "code": ""})
    assert no_code.status_code == 422
    assert 'id="code-error"' in no_code.text
    assert "已启用" in (await desk.client.get(PAGE)).text
    off = await desk.client.post(
        f"{PAGE}/disable", data={"_csrf": token, "password": desk.password, "code": code(secret, clock)}
    )
    assert off.status_code == 303
    assert "未启用" in (await desk.client.get(PAGE)).text
    await sign_out(desk)
    plain = await sign_in(desk.client, desk.client_id, desk.password)
    assert plain.headers["location"] == "/console/"
    actions = [(e.action, e.outcome) for e in await audit_for(services, desk.client_id)]
    assert ("console.totp_disable", "denied") in actions
    assert ("console.totp_disable", "ok") in actions

    # on again, then cleared by an administrator (a lost phone): the password alone signs in
    await enrol(desk, clock)
    assert await services.console.second_factor.reset(system_actor("test"), desk.client_id) is True
    await sign_out(desk)
    assert (await sign_in(desk.client, desk.client_id, desk.password)).headers["location"] == "/console/"
    assert ("account.totp_reset", "ok") in [(e.action, e.outcome) for e in await audit_for(services, desk.client_id)]


def test_reset_totp_from_the_command_line(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    registry(database, tmp_path, "db", "upgrade")
    registry(
        database,
        tmp_path,
        "accounts",
        "create",
        "--role",
        "bureau",
        "--kind",
        "officer",
        "--name",
        "钱七",
        "--level",
        "county",
        "--division",
        "410103",
        "--client-id",
        "qianqi",
    )
    answer = registry(database, tmp_path, "accounts", "reset-totp", "qianqi")
    assert "qianqi: second factor was not on" in answer.stdout

"""Helpers of the console tests: officers with passwords, and a browser-like client per officer."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from registry.domain.actors import system_actor
from tests.integration.support import address, client_at

PASSWORD = "a-long-enough-password-1"


@dataclass
class Desk:
    client: httpx.AsyncClient
    client_id: str
    password: str


async def officer(services: Any, division: str = "410103", level: str = "county", **kw: Any) -> tuple[str, str]:
    """An officer account with a first console password: (name, first password)."""
    name = kw.pop("client_id", f"officer-{secrets.token_hex(5)}")
    new = await services.accounts.create(
        system_actor("test"),
        role="bureau",
        kind="officer",
        name=kw.pop("name", "测试工作人员"),
        level=level,
        division=division,
        client_id=name,
        **kw,
    )
    return new.client_id, await services.console.issue_password(system_actor("test"), new.client_id)


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field in:\n{html[:2000]}"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, name: str, password: str, next_path: str = "/console/") -> httpx.Response:
    form = await client.get("/console/login")
    assert form.status_code == 200, form.text
    return await client.post(
        "/console/login",
        data={"_login": field(form.text, "_login"), "name": name, "password": password, "next": next_path},
    )


async def csrf(client: httpx.AsyncClient, path: str = "/console/password") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return field(page.text, "_csrf")


async def signed_in(app: Any, services: Any, division: str = "410103", level: str = "county") -> Desk:
    """A client signed in as a new officer who has already set their own password."""
    name, first = await officer(services, division, level)
    client = client_at(app, address())
    answer = await sign_in(client, name, first)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/password"
    changed = await client.post(
        "/console/password",
        data={"_csrf": await csrf(client), "current": first, "new": PASSWORD, "repeated": PASSWORD},
    )
    assert changed.status_code == 303, changed.text
    return Desk(client, name, PASSWORD)

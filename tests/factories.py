"""Test data of our own making: valid identifiers computed by the algorithms, unique per call."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import httpx

from registry.domain.identifiers import ALPHABET, make_resident_id, make_uscc


def uscc(division: str = "410103", prefix: str = "91") -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return make_uscc(prefix, division, body)


def resident_id(division: str = "410103", birth: dt.date = dt.date(1975, 6, 1)) -> str:
    return make_resident_id(division, birth, secrets.randbelow(900) + 100)


def enterprise(division: str = "410103", **over: Any) -> dict[str, Any]:
    data = {
        "uscc": uscc(division),
        "name": f"测试企业{secrets.token_hex(3)}有限公司",
        "division_code": division,
        "industry": "machinery",
        "scale": "above_scale",
    }
    data.update(over)
    return data


async def account(services: Any, role: str, **kw: Any) -> tuple[str, str]:
    from registry.domain.actors import system_actor

    new = await services.accounts.create(system_actor("test"), role=role, name=kw.pop("name", f"test {role}"), **kw)
    return new.client_id, new.client_secret


async def token(client: httpx.AsyncClient, cid: str, secret: str) -> str:
    r = await client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def headers(client: httpx.AsyncClient, services: Any, role: str = "bureau", **kw: Any) -> dict[str, str]:
    if role == "bureau":
        kw.setdefault("level", "county")
        kw.setdefault("division", "410103")
        kw.setdefault("kind", "officer")
    cid, secret = await account(services, role, **kw)
    return {"Authorization": f"Bearer {await token(client, cid, secret)}"}

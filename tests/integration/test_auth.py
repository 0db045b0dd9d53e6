"""OAuth2 client credentials, the tokens they yield, and who those tokens let in."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from jwcrypto import jwk, jws
from jwcrypto import jwt as jw

from registry.domain.actors import system_actor
from tests import factories as f
from tests.integration import support as t

TOKEN = "/api/v1/auth/token"
PROTECTED = "/api/v1/enterprises?limit=1"


def basic(cid: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()}


async def test_form_credentials_give_a_bearer_token_that_opens_bureau_routes(client, services, settings):
    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    r = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.auth.token_ttl_seconds
    assert body["scope"] == "bureau"
    ok = await client.get(PROTECTED, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert ok.status_code == 200, ok.text


async def test_http_basic_credentials_work_without_form_fields(client, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    r = await client.post(TOKEN, data={"grant_type": "client_credentials"}, headers=basic(cid, secret))
    assert r.status_code == 200, r.text
    access = r.json()["access_token"]
    assert (await client.get(PROTECTED, headers={"Authorization": f"Bearer {access}"})).status_code == 200


async def test_json_credentials_are_accepted_too(client, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    r = await client.post(TOKEN, json={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer"


async def test_wrong_secret_is_invalid_client(app, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    async with t.client_at(app, t.address()) as c:
        for attempt in (
            {"data": {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret + "x"}},
            {"data": {"grant_type": "client_credentials"}, "headers": basic(cid, "not-the-secret")},
            {"data": {"grant_type": "client_credentials", "client_id": "no-such-client", "client_secret": secret}},
            {"data": {"grant_type": "client_credentials", "client_id": cid}},
        ):
            r = await c.post(TOKEN, **attempt)
            body = t.assert_problem(r, 401, "invalid_client")
            assert body["error"] == "invalid_client"
            assert "access_token" not in body


async def test_unsupported_grant_type_names_the_field(app, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    async with t.client_at(app, t.address()) as c:
        r = await c.post(TOKEN, data={"grant_type": "password", "client_id": cid, "client_secret": secret})
    t.assert_field(r, "grant_type", "unsupported_grant_type")


async def test_token_is_an_eddsa_jwt_that_another_jose_library_verifies_with_the_jwks(client, services, settings):
    cid, secret = await f.account(services, "bureau", level="provincial", division="410000")
    access = await f.token(client, cid, secret)
    keys = (await client.get("/.well-known/jwks.json")).json()
    assert keys["keys"], keys
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in keys["keys"])
    keyset = jwk.JWKSet.from_json(json.dumps(keys))

    verified = jw.JWT(
        jwt=access,
        key=keyset,
        algs=["EdDSA"],
        check_claims={"iss": settings.auth.issuer, "aud": settings.auth.audience, "exp": None},
    )
    header = json.loads(verified.header)
    assert header["alg"] == "EdDSA"
    assert header["kid"] in {k["kid"] for k in keys["keys"]}
    claims = json.loads(verified.claims)
    assert claims["iss"] == settings.auth.issuer
    assert claims["aud"] == settings.auth.audience
    assert claims["sub"] == cid
    assert claims["role"] == "bureau"
    assert claims["exp"] - claims["iat"] == settings.auth.token_ttl_seconds
    assert claims["exp"] > dt.datetime.now(dt.UTC).timestamp()
    uuid.UUID(claims["jti"])
    assert claims["authority"]["level"] == "provincial"
    assert claims["authority"]["jurisdiction"] == "41"

    # one changed byte of the payload and neither jwcrypto nor the service accepts it
    head, _, sig = access.split(".")
    forged_claims = {**claims, "role": "admin"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("=")
    forged = f"{head}.{forged_payload}.{sig}"
    with pytest.raises(jws.InvalidJWSSignature):
        jw.JWT(jwt=forged, key=keyset.get_key(header["kid"]), algs=["EdDSA"])
    r = await client.get(PROTECTED, headers={"Authorization": f"Bearer {forged}"})
    t.assert_problem(r, 401, "not_authenticated")


async def test_two_tokens_have_distinct_jti(client, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    a, b = await f.token(client, cid, secret), await f.token(client, cid, secret)
    claims = [json.loads(base64.urlsafe_b64decode(x.split(".")[1] + "==")) for x in (a, b)]
    assert claims[0]["jti"] != claims[1]["jti"]


async def test_expired_token_is_refused(client, services, clock, settings):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    # issued two TTLs ago: its exp is in the past by the real time the verifier reads
    clock.at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2 * settings.auth.token_ttl_seconds)
    access = await f.token(client, cid, secret)
    clock.at = dt.datetime.now(dt.UTC)
    r = await client.get(PROTECTED, headers={"Authorization": f"Bearer {access}"})
    body = t.assert_problem(r, 401, "not_authenticated")
    assert "expired" in body["detail"]
    assert r.headers["www-authenticate"].lower().startswith("bearer")


async def test_token_from_the_future_is_refused(client, services, clock):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    clock.at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    access = await f.token(client, cid, secret)
    clock.at = dt.datetime.now(dt.UTC)
    r = await client.get(PROTECTED, headers={"Authorization": f"Bearer {access}"})
    t.assert_problem(r, 401, "not_authenticated")


async def test_reset_secret_revokes_issued_tokens_and_the_old_secret(app, client, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    access = await f.token(client, cid, secret)
    auth = {"Authorization": f"Bearer {access}"}
    assert (await client.get(PROTECTED, headers=auth)).status_code == 200  # now cached as verified

    fresh = await services.accounts.reset_secret(system_actor("test"), cid)

    t.assert_problem(await client.get(PROTECTED, headers=auth), 401, "not_authenticated")
    async with t.client_at(app, t.address()) as c:
        old = await c.post(TOKEN, data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    t.assert_problem(old, 401, "invalid_client")
    renewed = await f.token(client, cid, fresh.client_secret)
    assert (await client.get(PROTECTED, headers={"Authorization": f"Bearer {renewed}"})).status_code == 200
    [entry] = await t.audit_for(services, cid, "account.reset_secret")
    assert entry.after["token_version"] == entry.before["token_version"] + 1


async def test_missing_or_garbage_bearer_is_401(client):
    t.assert_problem(await client.get(PROTECTED), 401, "not_authenticated")
    r = await client.get(PROTECTED, headers={"Authorization": "Bearer not.a.jwt"})
    t.assert_problem(r, 401, "not_authenticated")
    r = await client.get(PROTECTED, headers={"Authorization": "Basic Zm9vOmJhcg=="})
    t.assert_problem(r, 401, "not_authenticated")


async def test_partner_token_on_a_bureau_route_is_403(client, services):
    h = await f.headers(client, services, "partner", department="samr")
    r = await client.get(PROTECTED, headers=h)
    t.assert_problem(r, 403, "forbidden")
    r = await client.post("/api/v1/enterprises", json=f.enterprise(), headers=h)
    t.assert_problem(r, 403, "forbidden")


async def test_partner_cannot_import_or_register_persons(client, services):
    h = await f.headers(client, services, "partner", department="mem")
    before = await t.counts(services)
    data = (
        b"uscc,name,division_code,industry,scale\n" + f"{f.uscc()},伙伴导入有限公司,410103,machinery,micro\n".encode()
    )
    r = await client.post("/api/v1/enterprises/import", files={"file": ("p.csv", data, "text/csv")}, headers=h)
    t.assert_problem(r, 403, "forbidden")
    r = await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": "伙伴"}, headers=h)
    t.assert_problem(r, 403, "forbidden")
    assert await t.counts(services) == before


async def test_admin_token_opens_bureau_routes(client, services):
    h = await f.headers(client, services, "admin")
    assert (await client.get(PROTECTED, headers=h)).status_code == 200


async def test_repeated_failures_from_one_address_are_rate_limited(app, services, settings):
    limit = settings.auth.token_failures_per_window
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    wrong = {"grant_type": "client_credentials", "client_id": cid, "client_secret": "wrong"}
    right = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    async with t.client_at(app, t.address()) as c:
        assert (await c.post(TOKEN, data=right)).status_code == 200  # successes are not counted
        for _ in range(limit):
            t.assert_problem(await c.post(TOKEN, data=wrong), 401, "invalid_client")
        limited = await c.post(TOKEN, data=wrong)
        t.assert_problem(limited, 429, "rate_limited")
        retry = int(limited.headers["retry-after"])
        assert 0 < retry <= settings.auth.token_failure_window_seconds
        # the right secret is refused too while the window lasts: the limit is on the address
        t.assert_problem(await c.post(TOKEN, data=right), 429, "rate_limited")
    async with t.client_at(app, t.address()) as other:
        assert (await other.post(TOKEN, data=right)).status_code == 200


async def test_jwks_is_public_and_lists_the_token_key(client, services):
    r = await client.get("/.well-known/jwks.json")
    assert r.status_code == 200
    kids = [k["kid"] for k in r.json()["keys"]]
    assert services.keys.kid in kids

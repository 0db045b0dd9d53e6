"""OAuth2 client credentials, the tokens they yield, and who those tokens let in."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import secrets
import uuid

import pytest
from jwcrypto import jwk, jws
from jwcrypto import jwt as jw

from registry.app import create_app
from registry.domain.actors import system_actor
from registry.settings import PublicSettings
from tests import factories as f
from tests.conftest import running
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


def form(cid: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}


async def test_a_client_id_is_locked_after_its_failures_and_an_address_is_not(app, services, settings):
    """25 wrong secrets for client X from one address (an office's NAT): X is locked, its own
    correct secret refused from anywhere; client Y signs in from the same address all the same."""
    per_client, per_address = settings.auth.token_failures_per_client, settings.auth.token_failures_per_window
    assert per_client < 25
    x, x_secret = await f.account(services, "partner", department="mem")
    y, y_secret = await f.account(services, "partner", department="mem")
    office = t.address()
    async with t.client_at(app, office) as c:
        assert (await c.post(TOKEN, data=form(x, x_secret))).status_code == 200  # successes are not counted
        answers = [(await c.post(TOKEN, data=form(x, "wrong"))) for _ in range(25)]
        assert [r.status_code for r in answers] == [401] * per_client + [429] * (25 - per_client)
        for r in answers[per_client:]:
            t.assert_problem(r, 429, "rate_limited")
            assert 0 < int(r.headers["retry-after"]) <= settings.auth.token_failure_window_seconds
        # the colleague with the right secret gets in from the same address
        assert (await c.post(TOKEN, data=form(y, y_secret))).status_code == 200
        # X itself stays locked, right secret or not, here and from any other address
        locked = await c.post(TOKEN, data=form(x, x_secret))
        t.assert_problem(locked, 429, "rate_limited")
        assert 0 < int(locked.headers["retry-after"]) <= settings.auth.token_failure_window_seconds
        # the address is over its own limit (25 > 20): a failed attempt for Y answers 429, not 401
        assert per_address < 25
        t.assert_problem(await c.post(TOKEN, data=form(y, "wrong")), 429, "rate_limited")
        assert (await c.post(TOKEN, data=form(y, y_secret))).status_code == 200
    async with t.client_at(app, t.address()) as other:
        t.assert_problem(await other.post(TOKEN, data=form(x, x_secret)), 429, "rate_limited")
        assert (await other.post(TOKEN, data=form(y, y_secret))).status_code == 200


async def test_guessing_from_one_address_across_client_ids_is_throttled(app, services, settings):
    """A spray over many client ids (none reaching its own lock) is held back by the address's
    counter: its failures answer 429 with Retry-After, while a correct secret still passes."""
    limit = settings.auth.token_failures_per_window
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    async with t.client_at(app, t.address()) as c:
        for i in range(limit):
            t.assert_problem(await c.post(TOKEN, data=form(f"guess-{i}-{cid}", "wrong")), 401, "invalid_client")
        limited = await c.post(TOKEN, data=form(f"guess-more-{cid}", "wrong"))
        t.assert_problem(limited, 429, "rate_limited")
        assert 0 < int(limited.headers["retry-after"]) <= settings.auth.token_failure_window_seconds
        # malformed attempts (no client id at all) count against the address as well
        t.assert_problem(await c.post(TOKEN, data={"grant_type": "client_credentials"}), 429, "rate_limited")
        assert (await c.post(TOKEN, data=form(cid, secret))).status_code == 200
    async with t.client_at(app, t.address()) as other:
        t.assert_problem(await other.post(TOKEN, data=form(f"guess-{cid}", "wrong")), 401, "invalid_client")


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings, clock, services):
    """Behind nginx on 127.0.0.1 (REGISTRY_TRUSTED_PROXIES): each client counts on its own address;
    the same header from anyone else is ignored, and the peer is what counts."""
    prefix = f"registry-test-proxy-{secrets.token_hex(4)}:"
    redis = dataclasses.replace(settings.redis, prefix=prefix) if settings.redis.url else settings.redis
    proxied = dataclasses.replace(
        settings,
        redis=redis,
        trusted_proxies=("127.0.0.1", "10.0.0.0/8"),
        auth=dataclasses.replace(settings.auth, token_failures_per_window=2),
        public=PublicSettings(rate_limit_per_minute=2),
    )
    app = create_app(proxied, clock=clock)
    cid, secret = await f.account(services, "partner", department="mem")
    first, second = t.address(), t.address()
    async with running(app), t.client_at(app, "127.0.0.1") as nginx:
        one = {"X-Forwarded-For": f"1.2.3.4, {first}"}  # 1.2.3.4: the client's own claim
        two = {"X-Forwarded-For": second}
        for _ in range(2):
            assert (await nginx.get("/", headers=one)).status_code == 200
        assert (await nginx.get("/", headers=one)).status_code == 429
        assert (await nginx.get("/", headers=two)).status_code == 200
        # sign-in failures count per forwarded address too
        for _ in range(2):
            t.assert_problem(await nginx.post(TOKEN, data=form(f"x-{cid}", "wrong"), headers=one), 401)
        t.assert_problem(await nginx.post(TOKEN, data=form(f"y-{cid}", "wrong"), headers=one), 429)
        t.assert_problem(await nginx.post(TOKEN, data=form(f"z-{cid}", "wrong"), headers=two), 401)
        async with t.client_at(app, t.address()) as direct:
            # an untrusted peer naming a fresh address still counts as itself
            for i in range(2):
                assert (await direct.get("/", headers={"X-Forwarded-For": t.address()})).status_code == 200, i
            assert (await direct.get("/", headers={"X-Forwarded-For": t.address()})).status_code == 429
            # and cannot borrow a limited address's counter either: it is its own peer
            fresh = {"X-Forwarded-For": first}
            t.assert_problem(await direct.post(TOKEN, data=form(f"w-{cid}", "wrong"), headers=fresh), 401)
            assert (await direct.post(TOKEN, data=form(cid, secret))).status_code == 200


async def test_jwks_is_public_and_lists_the_token_key(client, services):
    r = await client.get("/.well-known/jwks.json")
    assert r.status_code == 200
    kids = [k["kid"] for k in r.json()["keys"]]
    assert services.keys.kid in kids

"""The partner contract as a partner's auditor meets it (issue 19): the ``X-Request-ID`` header is the
answer's ``request_id``, so feedback citing the header is accepted; change-feed pages and stream
events carry a request_id and are recorded like every answer; each result of a batch carries the
subject's own signed answer and verifies alone, with another JOSE library and with ``registry
verify``."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.api.problems import PROBLEM
from registry.cli import main
from registry.domain.partners.service import BATCH_TYP
from registry.signing import jws, verify
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_listings import major_case
from tests.integration.test_partner_api import (
    BATCH,
    CHANGES,
    FEEDBACK,
    INVALID_USCC,
    STATUS,
    jwks,
    latest,
    measure_feedback,
    partner,
    query_row,
    sse_events,
    verified,
)


async def test_the_request_id_header_is_the_answer_s_and_feedback_citing_it_is_accepted(client, services):
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    theirs = str(uuid.uuid4())
    sent = {**h, "X-Request-ID": theirs}
    answers = [
        await client.get(f"{STATUS}/{uscc}", headers=sent),
        await client.get(f"{STATUS}/{uscc}", params={"nonce": "header-nonce-1"}, headers=sent),
        await client.post(BATCH, json={"subjects": [uscc]}, headers=sent),
        await client.get(CHANGES, params={"after": 0, "limit": 1}, headers=sent),
    ]
    ids = []
    for r in answers:
        assert r.status_code == 200, r.text
        body = r.json()
        assert r.headers["x-request-id"] == body["request_id"], r.url
        # a partner's own X-Request-ID is not taken: each answer's id names one record
        assert body["request_id"] != theirs
        ids.append(body["request_id"])
    assert len(set(ids)) == len(ids)
    nonced = answers[1].json()
    assert nonced["payload"]["request_id"] == answers[1].headers["x-request-id"]
    assert answers[2].json()["payload"]["request_id"] == answers[2].headers["x-request-id"]

    # feedback citing the header of the answer (the form an auditor's logs keep) is accepted
    cited = measure_feedback(answers[0].headers["x-request-id"], uscc)
    r = await client.post(FEEDBACK, json=cited, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["request_id"] == answers[0].headers["x-request-id"]
    # and a refusal on a partner path carries the header's id in its body too
    refused = await client.get(f"{STATUS}/{INVALID_USCC}", headers=sent)
    assert refused.status_code == 422
    assert refused.json()["request_id"] == refused.headers["x-request-id"] != theirs


async def test_other_paths_still_echo_a_client_request_id(client, services):
    theirs = str(uuid.uuid4())
    r = await client.get("/api/v1/log/checkpoint", headers={"X-Request-ID": theirs})
    assert r.headers["x-request-id"] == theirs


async def test_change_pages_and_stream_events_carry_a_request_id_and_are_recorded(client, services):
    bureau = await t.bureau(client, services)
    cid, h = await partner(client, services, "mof")
    start = await latest(client, h)
    made = [(await t.create(client, bureau))["uscc"] for _ in range(2)]
    keys = await jwks(client)

    r = await client.get(CHANGES, params={"after": start, "limit": 10}, headers=h)
    assert r.status_code == 200, r.text
    page = r.json()
    payload = verified(page, keys, "registry-changes+jws")
    assert page["request_id"] == payload["request_id"] == r.headers["x-request-id"]
    seqs = [c["seq"] for c in payload["changes"]]
    await services.partners.queries.flush()
    row = await query_row(services, page["request_id"])
    assert row is not None
    assert (row.client, row.department) == (cid, "mof")
    assert row.subjects == [[uscc, seq] for uscc, seq in zip(made, seqs, strict=True)]
    assert row.jws_sha256 == hashlib.sha256(page["jws"].encode()).hexdigest()

    r = await client.get(f"{CHANGES}/stream", params={"after": start, "max_events": 2}, headers=h)
    assert r.status_code == 200, r.text
    events = [json.loads(e["data"]) for e in sse_events(r.text)]
    assert len(events) == 2
    await services.partners.queries.flush()
    for event, uscc, seq in zip(events, made, seqs, strict=True):
        assert verified(event, keys, "registry-change+jws")["request_id"] == event["request_id"]
        row = await query_row(services, event["request_id"])
        assert row is not None, event
        assert row.client == cid
        assert row.subjects == [[uscc, seq]]
        assert row.jws_sha256 == hashlib.sha256(event["jws"].encode()).hexdigest()
    assert len({e["request_id"] for e in events} | {page["request_id"], r.headers["x-request-id"]}) == 4

    # an event's request_id may be cited in feedback like any answer's
    cited = measure_feedback(events[0]["request_id"], made[0])
    assert (await client.post(FEEDBACK, json=cited, headers=h)).status_code == 201


async def test_each_batch_result_is_a_signed_answer_that_verifies_alone(client, services, tmp_path: Path):
    bureau = await t.bureau(client, services)
    known, _ = await major_case(client, bureau)
    unknown = f.uscc()
    _, h = await partner(client, services, "mof")
    keys = await jwks(client)
    r = await client.post(
        BATCH, json={"subjects": [known, unknown, INVALID_USCC], "nonce": "batch-nonce-77"}, headers=h
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    results = verified(answer, keys, "registry-status-batch+jws")["results"]
    assert [x["status"] for x in results] == ["ok", "unknown", "invalid"]
    assert "jws" not in results[2]

    single = (await client.get(f"{STATUS}/{known}", headers=h)).json()
    for result in results[:2]:
        # the result alone, as a standard signed answer, checked by jwcrypto against the JWKS
        alone = {"payload": result["answer"], "jws": result["jws"]}
        assert verified(alone, keys, "registry-status+jws")["subject"]["uscc"] == result["uscc"]
    # the same pre-produced answer a single query gives
    assert results[0]["jws"] == single["jws"]
    assert results[0]["answer"] == single["payload"]

    # registry verify: the batch (with each result's own signature) and one result passed on alone
    (tmp_path / "jwks.json").write_text(json.dumps(keys))
    (tmp_path / "batch.json").write_text(json.dumps(answer, ensure_ascii=False))
    (tmp_path / "result.json").write_text(json.dumps(results[0], ensure_ascii=False))
    forged = {
        **results[0],
        "answer": {**results[0]["answer"], "data_version": results[0]["answer"]["data_version"] + 1},
    }
    (tmp_path / "forged.json").write_text(json.dumps(forged, ensure_ascii=False))
    runner = CliRunner()
    jwks_arg = ["--jwks", str(tmp_path / "jwks.json")]
    for name in ("batch.json", "result.json"):
        done = runner.invoke(main, ["verify", "answer", str(tmp_path / name), *jwks_arg])
        assert done.exit_code == 0, done.output
        assert "OK" in done.output
    done = runner.invoke(main, ["verify", "answer", str(tmp_path / "forged.json"), *jwks_arg])
    assert done.exit_code == 1, done.output
    # a batch whose result signature was swapped for another subject's fails, naming the result
    swapped = json.loads(json.dumps(answer))
    swapped["payload"]["results"][0]["jws"] = results[1]["jws"]
    with pytest.raises(verify.VerificationError):
        verify.answer(swapped, keys)
    payload = dict(answer["payload"])
    payload["results"] = [{**results[0], "jws": results[1]["jws"]}]
    with pytest.raises(verify.VerificationError, match="result 0"):
        verify.answer({"payload": payload, "jws": _resigned(services, payload)}, keys)


def _resigned(services: Any, payload: dict[str, Any]) -> str:
    """The batch signed anew by the registry's key: only the result's own signature is wrong."""
    return jws.sign(services.keys.private, services.keys.kid, BATCH_TYP, payload)


async def test_the_document_describes_the_raw_status_route_and_every_problem(client, services):
    doc = (await client.get("/schema/openapi.json")).json()
    status = doc["paths"]["/api/v1/partner/status/{uscc}"]["get"]
    assert status["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/PartnerStatusAnswer")
    uscc = next(p for p in status["parameters"] if p["name"] == "uscc")["schema"]
    assert (uscc["minLength"], uscc["maxLength"], uscc["format"]) == (18, 18, "uscc")
    for code in ("401", "403", "422", "503"):
        assert PROBLEM in status["responses"][code]["content"], code
    result = doc["components"]["schemas"]["PartnerBatchResult"]["properties"]
    assert {"answer", "jws", "error"} <= set(result)
    assert "request_id" in doc["components"]["schemas"]["PartnerChangesPayload"]["required"]
    create = doc["paths"]["/api/v1/enterprises"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "413", "422", "503"} <= set(create)
    assert create["422"]["content"][PROBLEM]["schema"]["$ref"].endswith("/Problem")
    # the methods of a path, all of them, in OPTIONS and in a 405
    options = await client.options("/api/v1/enterprises")
    assert set(options.headers["allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    wrong = await client.delete("/api/v1/enterprises")
    assert wrong.status_code == 405
    assert {"GET", "POST"} <= set(wrong.headers["allow"].split(", "))

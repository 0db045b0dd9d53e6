"""The OpenAPI document tells the truth (issue 19): schemathesis, with all its checks and every phase
(examples, coverage, fuzzing, stateful), against the app in process, authenticated as a bureau and
as a partner, must find no server error, no status or content type the document does not declare,
no answer off its schema, no schema-valid request refused, and 405 with ``Allow`` for methods
the document does not list.

Bounded for CI: few examples per operation and a time limit per backend. A fixed seed makes a
failure reproducible (``REGISTRY_FUZZ_SEED`` picks another; ``REGISTRY_FUZZ_SECONDS`` and
``REGISTRY_FUZZ_EXAMPLES`` run it longer). Formats the document names (``uscc``, ``division-code``,
``resident-id``) generate valid identifiers, as a client that read the descriptions would send.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.python import asgi

from registry.app import create_app
from registry.domain.actors import system_actor
from registry.domain.container import build_services
from registry.domain.identifiers import lookup_division
from registry.domain.identifiers.resident_id import make_resident_id
from registry.domain.identifiers.uscc import ALPHABET, make_uscc
from registry.settings import Settings
from tests.conftest import settings_for

T = TypeVar("T")
SECONDS = int(os.environ.get("REGISTRY_FUZZ_SECONDS", "60"))
EXAMPLES = int(os.environ.get("REGISTRY_FUZZ_EXAMPLES", "6"))
SEED = int(os.environ.get("REGISTRY_FUZZ_SEED", "19"))
DIVISIONS = [c for c in ("410103", "410100", "410000", "410184", "110108", "440305", "310115") if lookup_division(c)]

schemathesis.openapi.format(
    "uscc",
    st.builds(
        make_uscc,
        st.sampled_from(["91", "92", "93", "12", "52", "Y1"]),
        st.sampled_from(DIVISIONS),
        st.text(alphabet=ALPHABET, min_size=8, max_size=8),
    ),
)
schemathesis.openapi.format("division-code", st.sampled_from(DIVISIONS))
schemathesis.openapi.format(
    "resident-id",
    st.builds(
        make_resident_id,
        st.sampled_from(DIVISIONS),
        st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31)),
        st.integers(100, 999),
    ),
)


#: rules JSON Schema cannot state, by the code a refusal names (``field:code`` where the code alone is
#: too broad): a schema-valid request refused for these, and only these, is not a contract failure
BEYOND_SCHEMA = {
    "uscc.check": "the 18th character is a mod-31 check of the first 17 (GB 32100), no pattern",
    "resident_id.check": "the 18th character is an ISO 7064 check (GB 11643)",
    "registration_no.check": "the 15th digit is an ISO 7064 MOD 11,10 check",
    "org_code.check": "the 9th character is a GB 11714 check",
    "no_rule_decision": "a listing rests on what the rules decided of the subject's record",
    "division.unknown": "a division code is one of the Ministry of Civil Affairs' table",
    "beyond_tree": "entries and proofs up to the log's size now (it grows)",
    "tile_path": "a tlog-tiles path in its one spelling: no leading zero group, a partial width of 1..255",
    "end:range": "end after start, at most 1000 entries",
    "second:range": "a consistency proof's second size is at least the first",
    "tree_size:range": "a leaf inside the tree",
    "score:range": "a score within the scheme's scale",
    "cursor": "a cursor is one a page gave (opaque)",
    "future_date": "a date not after today",
    "before_start": "a period's end not before its start",
    "after_application": "dates in the order of the grading steps",
    "unknown_enterprise": "an event names a registered enterprise",
    "unknown_person": "an event names a registered person",
    "unknown_request": "feedback cites an answer given to this account",
    "not_in_answer": "feedback names a subject of the answer it cites",
    "not_your_department": "feedback names a measure of the partner's department",
    "one_of": "exactly one of subject and facts (uscc or person)",
    "kind_not_d": "a qualification kind the agency holds",
    "subject.uscc:required": "the event kind decides the subject (an enterprise for this kind)",
    "subject.person_id:required": "the event kind decides the subject (a person for this kind)",
    "division_code:required": "the event kind needs its place",
    "event:required": "an amendment restates the event",
    "event:not_allowed": "a withdrawal restates no event (only a correction or a follow-up does)",
    "subject:required": "subject or facts",
    "control_character": "free text without control characters: stated on names, not yet on every field",
    "self_reference": "an enterprise is not its own parent",
    "scheme_not_in_force": "a grading scheme in force on the day",
    "below_threshold": "a self-assessed score at the scheme's threshold",
    "subject_not_allowed": "the event kind decides the subject type",
    "persons_only": "via_uscc names the unit of listed persons",
    "details": "each event kind has its own details (GET /api/v1/events/kinds has their JSON Schemas)",
    "qualifications": "what a qualification needs depends on its kind",
    "not_agency": "an agency role needs a unit registered as an agency",
    "in_future": "a report's record time (as_of) is not in the future",
    "period_in_future": "a report's period has begun",
}
#: an upload's file is read as CSV or XLSX: its bytes are no schema's business
UPLOADS = {"/api/v1/enterprises/import", "/api/v1/events/import"}


def beyond_schema(check: str, path: str, status: int | None, named: list[tuple[str, str]] | str) -> bool:
    if check != "positive_data_acceptance":
        return False
    if path in UPLOADS and status in (400, 415, 422):
        return True
    if not isinstance(named, list) or not named:
        return False
    return all(
        code in BEYOND_SCHEMA
        or f"{field}:{code}" in BEYOND_SCHEMA
        or field.split(".")[0].split("[")[0] in BEYOND_SCHEMA
        or code.startswith("kind_not_")
        for field, code in named
    )


def in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on a loop of its own (the app under test runs on schemathesis' loop)."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(work)))
    thread.start()
    thread.join()
    return out[0]


async def prepared(backend: str, tmp: Path) -> tuple[Settings, list[tuple[str, str]]]:
    settings = await settings_for(backend, f"fuzz{os.getpid()}", tmp)
    services = build_services(settings, None)
    try:
        made = [
            await services.accounts.create(
                system_actor("fuzz"),
                role="bureau",
                name="fuzz bureau",
                level="national",
                division="000000",
                kind="officer",
            ),
            await services.accounts.create(system_actor("fuzz"), role="partner", name="fuzz partner", department="mof"),
        ]
    finally:
        await services.close()
    return settings, [(a.client_id, a.client_secret) for a in made]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_api_keeps_its_openapi_contract(backend: str, tmp_path: Path) -> None:
    settings, accounts = in_thread(prepared(backend, tmp_path))
    app = create_app(settings)
    with asgi.get_client(app) as client:
        tokens = []
        for cid, secret in accounts:
            r = client.post(
                "/api/v1/auth/token",
                data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
            )
            assert r.status_code == 200, r.text
            tokens.append(r.json()["access_token"])
        bureau, partner = tokens
        schema = schemathesis.openapi.from_asgi(
            "/schema/openapi.json", app, config=SchemathesisConfig(seed=SEED, max_time=SECONDS)
        )
        schema.config.generation.update(max_examples=EXAMPLES)

        @schema.auth()
        class Bearer:
            """A partner's token on the partner API, a national bureau officer's everywhere else."""

            def get(self, case: Any, context: Any) -> tuple[str, str]:
                return bureau, partner

            def set(self, case: Any, data: tuple[str, str], context: Any) -> None:
                case.headers = {
                    **(case.headers or {}),
                    "Authorization": f"Bearer {data[1] if '/partner/' in case.path else data[0]}",
                }

        failures = run(schema)
        asgi.shutdown_lifespans()
    assert not failures, f"{len(failures)} contract failures:\n" + "\n".join(failures)


def run(schema: Any) -> list[str]:
    failures: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.NonFatalError):
            failures.append(f"error in {event.label}: {event.value!r}")
        elif isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
            failures.extend(describe(event.recorder))
    return sorted(set(failures))


def describe(recorder: Any) -> list[str]:
    found = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            case = recorder.cases[case_id].value
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            status = response.status_code if response is not None else None
            if beyond_schema(check.name, case.path, status, rules(response)):
                continue
            path = getattr(case, "formatted_path", case.path)
            found.append(
                f"{check.name}: {case.method} {path} {case.query or ''} -> {status} "
                f"{check.failure_info.failure.title} | {str(case.body)[:160]} | {rules(response)}"
            )
    return found


def rules(response: Any) -> list[tuple[str, str]] | str:
    """The (field, rule) pairs a problem answer names, else the start of the body."""
    if response is None:
        return "no response"
    try:
        problem = json.loads(response.content)
        return [(e["field"], e["code"]) for e in problem.get("errors", [])] or str(problem.get("code"))
    except (ValueError, AttributeError, KeyError, TypeError):
        return repr(response.content[:200])

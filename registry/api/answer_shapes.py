"""The shapes of the partner API's signed answers, for the OpenAPI document only.

The answers themselves are dicts built once and signed (domain/partners/service.py, answers.py):
encoding them through these classes would cost the hot path. These Structs say what a partner's
client generator and auditor receive; the schemathesis run (tests/integration/test_api_contract.py)
checks every answer against them.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class Basis(Struct, kw_only=True):
    doc_no: str
    title: str
    article: str
    #: how certain the citation is (e.g. ``statute``, ``local``)
    tag: str
    verified: bool


class Outcome(Struct, kw_only=True):
    """A measure, incentive or standardization outcome the audience applies, with its legal basis."""

    code: str
    text: str
    text_en: str
    departments: list[str]
    applies_to: list[str]
    basis: list[Basis]
    #: ids of the listings it rests on
    listings: list[int]
    since: str | None
    until: str | None
    lifetime: bool
    value: Any
    unit: str | None
    #: the value is the deployment's configuration for a local text that gives none
    #: (``REGISTRY_RULES_LOCAL_AMOUNTS``), not law
    value_configured: bool
    tag: str
    verified: bool
    #: ``ruleset#rule`` of the rules that ordered it
    rules: list[str]


class Subject(Struct, kw_only=True):
    uscc: str
    #: false: a valid USCC the registry has no entry for (said and signed)
    known: bool
    name: str | None = None
    division_code: str | None = None


class Grade(Struct, kw_only=True):
    level: int
    announced_on: str | None
    valid_until: str | None


class Standardization(Struct, kw_only=True):
    grade: Grade | None
    outcomes: list[Outcome]


class Authority(Struct, kw_only=True):
    name: str
    division_code: str


class ListingInForce(Struct, kw_only=True):
    id: int
    list_type: str
    title: str
    criteria: list[str]
    decision_no: str | None
    deciding_authority: Authority
    since: str | None
    until: str | None


class LogHead(Struct, kw_only=True):
    tree_size: int
    #: base64 of the RFC 9162 root hash of the log at ``tree_size``
    root_hash: str


class StatusPayload(Struct, kw_only=True):
    """What the JWS signs (RFC 8785 canonical JSON of this object)."""

    issued_at: str
    valid_until: str
    #: the department code the answer was made for (or the role: ``bureau``, ``admin``)
    audience: str
    subject: Subject
    standardization: Standardization
    listings: list[ListingInForce]
    measures: list[Outcome]
    incentives: list[Outcome]
    #: ``id@hash`` of the rulesets applied
    rulesets: list[str]
    data_version: int
    log: LogHead
    #: only in an answer asked for with ``?nonce=``, signed for that request
    nonce: str | None = None
    request_id: str | None = None


class StatusAnswer(Struct, kw_only=True):
    """``GET /api/v1/partner/status/{uscc}``. ``request_id`` (also the ``X-Request-ID`` header) is
    cited in feedback; ``jws`` (compact, EdDSA, typ ``registry-status+jws``) signs ``payload``."""

    request_id: str
    payload: StatusPayload
    jws: str


class ResultError(Struct, kw_only=True):
    code: str
    zh: str
    en: str


class BatchResult(Struct, kw_only=True):
    """One subject of a batch. For a valid USCC (``ok`` or ``unknown``), ``answer`` and ``jws`` are
    the subject's own signed answer (typ ``registry-status+jws``): ``{"payload": answer, "jws": jws}``
    verifies alone and may be passed on without the rest of the batch."""

    uscc: str
    status: str
    answer: StatusPayload | None = None
    jws: str | None = None
    error: ResultError | None = None


class BatchPayload(Struct, kw_only=True):
    issued_at: str
    valid_until: str
    audience: str
    request_id: str
    results: list[BatchResult]
    log: LogHead
    nonce: str | None = None


class BatchAnswer(Struct, kw_only=True):
    """The whole batch, signed once (typ ``registry-status-batch+jws``), each result signed too."""

    request_id: str
    payload: BatchPayload
    jws: str


class ChangeSubject(Struct, kw_only=True):
    uscc: str | None = None
    person_id: int | None = None


class Change(Struct, kw_only=True):
    seq: int
    subject: ChangeSubject
    kind: str
    at: str


class ChangesPayload(Struct, kw_only=True):
    issued_at: str
    audience: str
    request_id: str
    after: int
    #: pass as ``after`` for the next page
    next: int
    latest: int
    changes: list[Change]


class ChangesPage(Struct, kw_only=True):
    """A signed page of the change feed (typ ``registry-changes+jws``), recorded like an answer."""

    request_id: str
    payload: ChangesPayload
    jws: str


SHAPES: tuple[type[Struct], ...] = (StatusAnswer, BatchAnswer, ChangesPage)

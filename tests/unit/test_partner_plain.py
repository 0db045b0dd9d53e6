"""Partner answers plain by construction (registry.domain.partners.answers): the flag each body
comes with is what walking it says (``jws.is_plain``), and where it says plain, msgspec's sorted
bytes are the ``rfc8785`` package's; a batch's canonical JSON made by splicing its answers' signed
bytes (``msgspec.Raw``) is the ``rfc8785`` canonical JSON of the whole batch, plain answers or not.
Bodies are generated in the shapes the service emits, with the values that could break it: any
JSON value as an outcome's ``value`` (floats integral or tiny, integers past 2**53, non-ASCII
keys), listing ids and grade levels past 2**53, names in any script."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.db.models import Enterprise
from registry.domain.partners.answers import _body, unknown_payload
from registry.rules import facts as f
from registry.rules.decision import Basis, Because, Decision, FactValue, Outcome, RulesetRef
from registry.signing import jws

ON = dt.date(2026, 12, 7)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
BIG = 2**53
ints = st.one_of(st.integers(-1000, 1000), st.integers(BIG - 2, BIG + 2), st.integers(-(BIG + 2), -(BIG - 2)))
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1.0, 0.5, 1e-6, 2.5e-4, 1e21, -0.0])
)
text = st.text(max_size=8)
#: what rfc8785 can write at all (the service cannot sign an integer past 2**53 either)
signable = st.integers(-(BIG - 1), BIG - 1)


def json_values(numbers: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.one_of(st.none(), st.booleans(), numbers, floats, text),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
        max_leaves=6,
    )


@st.composite
def outcomes(draw: st.DrawFn, numbers: st.SearchStrategy[int] = ints) -> Outcome:
    because = [
        Because(
            ruleset="national",
            version="1",
            hash="ab" * 16,
            rule=draw(text),
            title=draw(text),
            tag="[R]",
            facts=[
                FactValue(
                    fact="x",
                    where={},
                    op="==",
                    expected=1,
                    actual=1,
                    held=True,
                    evidence=[],
                    listings=draw(st.lists(numbers, max_size=3)),
                )
            ],
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    return Outcome(
        kind="measure",
        code=draw(text),
        text=draw(text),
        text_en=draw(text),
        departments=draw(st.lists(st.sampled_from(["mem", "mof", "pboc"]), max_size=2)),
        applies_to=draw(st.lists(text, max_size=2)),
        start=draw(st.none() | st.dates()),
        until=draw(st.none() | st.dates()),
        lifetime=draw(st.booleans()),
        value=draw(json_values(numbers)),
        unit=draw(st.none() | text),
        value_configured=draw(st.booleans()),
        tag="[R]",
        verified=draw(st.booleans()),
        basis=[Basis(code="b", doc_no=draw(text), title=draw(text), article=draw(text), tag="[R]", verified=True)],
        because=because,
    )


@st.composite
def bodies(draw: st.DrawFn, numbers: st.SearchStrategy[int] = ints) -> tuple[dict[str, Any], bool]:
    unit = Enterprise(id=7, uscc="91410103MA44ABCD1X", name=draw(text), division_code=draw(text))
    grades = tuple(
        f.Grade(id=1, level=draw(numbers), status="valid", announced_on=ON, valid_until=ON)  # type: ignore[arg-type]
        for _ in range(draw(st.integers(0, 1)))
    )
    decision = Decision(
        subject=f.Subject(),
        as_of=ON,
        rulesets=[RulesetRef(id="national", family="national", version="1", hash="cd" * 16, title="t")],
        fired=[],
        standardization=draw(st.lists(outcomes(numbers), max_size=2)),
        measures=draw(st.lists(outcomes(numbers), max_size=2)),
        incentives=draw(st.lists(outcomes(numbers), max_size=2)),
    )
    listings = [
        {"id": draw(numbers), "list_type": "serious", "criteria": [draw(text)], "since": "2026-01-01", "until": None}
        for _ in range(draw(st.integers(0, 2)))
    ]
    # the listings' ids are checked where they are read (subject_payloads), the rest here
    plain = all(jws.safe_int(x["id"]) for x in listings)
    department = draw(st.none() | st.sampled_from(["mem", "mof"]))
    return _body(unit, f.Facts(grades=grades), decision, listings, department, ON, plain)


def _the_walk_agrees(payload: dict[str, Any], plain: bool) -> None:
    assert plain == jws.is_plain(payload)
    if plain:
        assert jws.canonical_plain(payload) == rfc8785.dumps(payload)


@settings(max_examples=150, deadline=None)
@given(bodies())
def test_a_body_is_plain_exactly_when_the_walk_says_so_and_then_msgspec_writes_rfc8785(made: Any) -> None:
    body, plain = made
    _the_walk_agrees(body, plain)


def test_an_unknown_subjects_body_is_plain() -> None:
    _the_walk_agrees(unknown_payload("91410103MA44ABCD1X"), True)


def test_the_usual_numbers_keep_a_body_plain_and_the_breaking_ones_do_not() -> None:
    for value, plain in ((None, True), (3, True), (0.5, True), (1.0, False), (1e-6, False), (BIG, False)):
        outcome = Outcome(kind="measure", code="M", text="", text_en="", departments=["mem"], applies_to=[],
                          start=None, until=None, value=value, tag="[R]", verified=True)  # fmt: skip
        decision = Decision(subject=f.Subject(), as_of=ON, rulesets=[], fired=[], measures=[outcome])
        body, flag = _body(
            Enterprise(id=1, uscc="u", name="n", division_code="4101"), f.Facts(), decision, [], None, ON
        )
        assert flag is plain
        _the_walk_agrees(body, flag)


@settings(max_examples=50, deadline=None)
@given(st.lists(bodies(signable), min_size=1, max_size=4), st.lists(text, max_size=2), st.none() | text)
def test_a_batch_spliced_from_its_answers_signed_bytes_is_the_rfc8785_canonical_json(
    answers: list[tuple[dict[str, Any], bool]], invalid: list[str], nonce: str | None
) -> None:
    results: list[dict[str, Any]] = []
    spliced: list[dict[str, Any]] = []
    for body, plain in answers:
        signed = jws.sign(KEY, "k", "registry-status+jws", body, plain=plain)
        results.append({"uscc": "u", "status": "ok", "answer": body, "jws": signed})
        spliced.append({**results[-1], "answer": msgspec.Raw(jws.payload_bytes(signed))})
    for raw in invalid:
        results.append({"uscc": raw, "status": "invalid", "error": {"code": "c", "zh": "无效", "en": "bad"}})
        spliced.append(results[-1])
    head = {"tree_size": 12, "root_hash": "AAAA"}
    payload: dict[str, Any] = {"issued_at": "t", "audience": "mem", "request_id": "r", "results": results, "log": head}
    if nonce is not None:
        payload["nonce"] = nonce
    assert jws.canonical_plain({**payload, "results": spliced}) == rfc8785.dumps(payload)

"""The pure parts of public disclosure: the verdict a visitor reads on /verify, and the
rectification state of a major hazard."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.domain.disclosure.verification import MAX_CHARS, explain
from registry.domain.disclosure.view import hazard_state
from registry.lib.clock import beijing_text
from registry.signing import jws
from registry.signing.jwk import public_jwk, thumbprint

NOW = dt.datetime(2026, 11, 26, 4, tzinfo=dt.UTC)
KEY = Ed25519PrivateKey.generate()
KID = thumbprint(public_jwk(KEY.public_key()))
JWKS = {"keys": [{**public_jwk(KEY.public_key()), "kid": KID}]}
PAYLOAD = {
    "issued_at": "2026-11-26T03:00:00Z",
    "valid_until": "2026-11-26T05:00:00Z",
    "audience": "public",
    "subject": {"uscc": "91410108MA0000015Y", "name": "郑州惠济宏远铝业有限公司"},
    "data_version": 7,
}


def signed(payload: dict[str, object] = PAYLOAD, key: Ed25519PrivateKey = KEY, kid: str = KID) -> str:
    return json.dumps(jws.envelope(key, kid, "registry-public+jws", payload, request_id="r-1"), ensure_ascii=False)


def test_a_genuine_answer_verifies_and_says_what_it_is_about() -> None:
    verdict = explain(signed(), JWKS, NOW)
    assert verdict.ok
    facts = dict(verdict.facts)
    assert facts["企业"] == "郑州惠济宏远铝业有限公司 91410108MA0000015Y"
    assert facts["签名密钥编号"] == KID
    assert facts["答复类型"] == "registry-public+jws"
    # times as a person in China reads them, the audience in words
    assert facts["签发时间"] == "2026-11-26 11:00:00（北京时间）"
    assert facts["有效期至"] == "2026-11-26 13:00:00（北京时间）"
    assert facts["答复对象"] == "公众（公示页面）"
    assert len(verdict.reasons) == 1
    assert not verdict.not_an_answer
    # plain Chinese for a citizen: no English labels, no "payload"
    shown = " ".join([verdict.headline, *verdict.reasons, *(label for label, _ in verdict.facts)])
    assert "payload" not in shown
    assert not re.search(r"[A-Za-z]{3,}", " ".join(label for label, _ in verdict.facts))


def test_an_expired_answer_still_verifies_but_says_it_is_history() -> None:
    verdict = explain(signed(), JWKS, NOW + dt.timedelta(hours=2))
    assert verdict.ok
    assert "有效期已于 2026-11-26 13:00:00（北京时间） 结束" in verdict.reasons[1]


def test_a_changed_payload_is_explained_as_changed_after_signing() -> None:
    text = signed().replace("郑州惠济宏远铝业有限公司", "郑州惠济宏远铝业有限公")
    verdict = explain(text, JWKS, NOW)
    assert not verdict.ok
    assert "答复内容与签名所签的内容不一致" in verdict.reasons[0]
    assert verdict.headline.startswith("签名无效")
    assert not verdict.not_an_answer
    assert verdict.detail == "the payload is not the one the JWS signs"  # for a technician, folded


def test_a_key_the_registry_never_published_is_named_as_such() -> None:
    other = Ed25519PrivateKey.generate()
    verdict = explain(signed(key=other, kid="someone-else"), JWKS, NOW)
    assert not verdict.ok
    assert "不在本系统公布的公钥" in verdict.reasons[0]


def test_a_signature_by_another_key_under_our_kid_is_a_bad_signature() -> None:
    verdict = explain(signed(key=Ed25519PrivateKey.generate()), JWKS, NOW)
    assert not verdict.ok
    assert "签名与被签名的内容不符" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("text", "says", "an_answer"),
    [
        ("", "没有收到内容", False),
        ("   \n", "没有收到内容", False),
        ("{not json", "不是有效的 JSON", False),
        ("[1, 2]", "不是 JSON 对象", False),
        ("x" * (MAX_CHARS + 1), "超过", False),
        ('{"payload": {}}', "缺少本系统答复必有的两部分", False),
        ('{"payload": {}, "jws": "a.b"}', "三段", True),
        ('{"payload": {}, "jws": "a.b.c"}', "签名头无法解读", True),
        (json.dumps({"payload": {}, "jws": jws._header(KID, "t").decode() + ".e30.+/=="}), "不该有的字符", True),
    ],
)
def test_what_is_not_a_signed_answer_is_refused_in_plain_words(text: str, says: str, an_answer: bool) -> None:
    """Text that is no answer at all is said to be none (不是本系统的答复), apart from an answer
    whose signature does not hold (签名无效)."""
    verdict = explain(text, JWKS, NOW)
    assert not verdict.ok
    assert says in verdict.reasons[0]
    assert verdict.not_an_answer is not an_answer
    assert (verdict.headline == "这不是本系统的答复") is not an_answer
    assert verdict.headline.startswith("签名无效") is an_answer
    assert "payload" not in " ".join([verdict.headline, *verdict.reasons])


@pytest.mark.parametrize(
    ("details", "on", "code"),
    [
        ({"rectification_deadline": "2026-12-01"}, dt.date(2026, 12, 1), "rectifying"),
        ({"rectification_deadline": "2026-12-01"}, dt.date(2026, 12, 2), "overdue"),
        ({"rectification_deadline": "2026-12-01", "rectified_on": "2026-12-05"}, dt.date(2026, 12, 9), "rectified"),
    ],
)
def test_a_hazard_is_rectifying_until_its_deadline_then_overdue_unless_rectified(
    details: dict[str, str], on: dt.date, code: str
) -> None:
    assert hazard_state(details, on)["code"] == code


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-26T04:00:00Z", "2026-11-26 12:00:00（北京时间）"),
        ("2026-11-26T20:30:00Z", "2026-11-27 04:30:00（北京时间）"),  # the next day in Beijing
        (dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC), "2027-01-01 00:00:00（北京时间）"),
        ("not a time", "not a time"),
    ],
)
def test_times_are_shown_in_beijing_time(value: str | dt.datetime, shown: str) -> None:
    assert beijing_text(value) == shown

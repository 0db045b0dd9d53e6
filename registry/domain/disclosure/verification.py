"""A signed answer pasted or uploaded by a visitor, checked against the JWKS and explained in
plain words (the /verify page). The check is ``registry.signing.verify.answer``, the same one
``registry verify answer`` runs offline; this module only says what its outcome means."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from registry.signing.verify import VerificationError, answer

#: the most a visitor may paste or upload (a batch answer of 1000 subjects is about 1.5 MB)
MAX_CHARS = 2_000_000

_WHY = (
    ("a signed answer has payload and jws", "内容里没有 payload 和 jws 两部分：这不是本系统的签名答复。"),
    ("a compact JWS has three parts", "jws 不是由三段组成的紧凑 JWS：签名被截断或改动。"),
    ("not base64url", "jws 中有不属于 base64url 的字符：签名被改动。"),
    ("not canonical base64url", "jws 中有不属于 base64url 的字符：签名被改动。"),
    ("the protected header is not JSON", "签名头无法解读：签名被改动。"),
    ("alg must be EdDSA", "签名算法不是 EdDSA：这不是本系统签发的签名。"),
    ("unknown kid", "签名所用的密钥不在本系统公布的公钥（JWKS）中：不是本系统签发的，或来自其他系统。"),
    ("bad signature", "签名与被签名的内容不符：签名或内容在签发后被改动过。"),
    (
        "the payload is not the one the JWS signs",
        "签名本身有效，但 payload 与签名所签的内容不一致：答复的内容在签发后被改动过。",
    ),
    ("the payload cannot be canonicalised", "payload 含有无法规范化的数值：内容被改动过。"),
)


@dataclass
class Verdict:
    ok: bool
    #: one sentence for the heading
    headline: str
    #: plain-words explanation, one paragraph each
    reasons: list[str] = field(default_factory=list)
    #: what the answer says, when it verified
    facts: list[tuple[str, str]] = field(default_factory=list)


def _failed(*reasons: str) -> Verdict:
    return Verdict(False, "签名无效 / the signature does not verify", list(reasons))


def _parse(text: str) -> dict[str, Any] | Verdict:
    """The JSON object pasted, or the verdict saying why it is none."""
    if not text.strip():
        return _failed("没有收到内容：请粘贴签名答复的 JSON，或选择保存的文件。")
    if len(text) > MAX_CHARS:
        return _failed(f"内容超过 {MAX_CHARS:,} 个字符，不是本系统的答复。")
    try:
        signed = json.loads(text)
    except RecursionError:
        return _failed("内容嵌套过深，不是本系统的答复。")
    except ValueError as exc:
        return _failed(f"内容不是有效的 JSON（第 {getattr(exc, 'lineno', '?')} 行附近）：请粘贴完整的答复。")
    if not isinstance(signed, dict):
        return _failed('内容不是 JSON 对象：签名答复形如 {"payload": …, "jws": …}。')
    return signed


def explain(text: str, jwks: dict[str, Any], now: dt.datetime) -> Verdict:
    signed = _parse(text)
    if isinstance(signed, Verdict):
        return signed
    try:
        payload = answer(signed, jwks)
    except VerificationError as exc:
        message = str(exc).removeprefix("signed answer: ")
        why = next((zh for en, zh in _WHY if message.startswith(en)), "签名无法验证。")
        return _failed(why, f"技术细节 / detail: {message}")
    part = signed["jws"].split(".")[0]  # verified above: base64url of a JSON object
    header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    reasons = [
        "签名有效：这份答复由本系统签发，签发后没有被改动过（用本系统公布的公钥验证）。",
    ]
    valid_until = payload.get("valid_until")
    if isinstance(valid_until, str):
        try:
            until = dt.datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
        except ValueError:
            until = None
        if until is not None and until < now:
            reasons.append(
                f"答复的有效期已于 {valid_until} 结束：它证明本系统当时的答复，不代表现在的状态；请重新查询最新信息。"
            )
    found = payload.get("subject")
    subject: dict[str, Any] = found if isinstance(found, dict) else {}
    facts = [
        (label, str(value))
        for label, value in (
            ("签发时间 / issued at", payload.get("issued_at")),
            ("有效期至 / valid until", payload.get("valid_until")),
            ("对象 / audience", payload.get("audience")),
            ("企业 / subject", " ".join(str(x) for x in (subject.get("name"), subject.get("uscc")) if x)),
            ("数据版本 / data version", payload.get("data_version")),
            ("签名密钥 / key id", header.get("kid")),
            ("类型 / type", header.get("typ")),
        )
        if value not in (None, "")
    ]
    return Verdict(True, "签名有效 / the signature verifies", reasons, facts)

"""A signed answer pasted or uploaded by a visitor, checked against the JWKS and explained in
plain words (the /verify page). The check is ``registry.signing.verify.answer``, the same one
``registry verify answer`` runs offline; this module only says what its outcome means."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from registry.lib.clock import beijing_text
from registry.signing.verify import VerificationError, answer

#: the most a visitor may paste or upload (a batch answer of 1000 subjects is about 1.5 MB)
MAX_CHARS = 2_000_000

#: what the checker's refusal means, for a visitor: (its message's start, plain words, whether the
#: text is an answer at all)
_WHY = (
    ("a signed answer has payload and jws", "内容缺少本系统答复必有的两部分（答复内容和签名）。", False),
    ("a compact JWS has three parts", "签名部分不是由三段组成：签名被截断或改动。", True),
    ("not base64url", "签名部分含有不该有的字符：签名被改动。", True),
    ("not canonical base64url", "签名部分含有不该有的字符：签名被改动。", True),
    ("the protected header is not JSON", "签名头无法解读：签名被改动。", True),
    ("alg must be EdDSA", "签名算法不是本系统使用的 EdDSA：这不是本系统签发的签名。", True),
    ("unknown kid", "签名所用的密钥不在本系统公布的公钥（JWKS）中：不是本系统签发的，或来自其他系统。", True),
    ("bad signature", "签名与被签名的内容不符：签名或内容在签发后被改动过。", True),
    (
        "the payload is not the one the JWS signs",
        "签名本身有效，但答复内容与签名所签的内容不一致：答复的内容在签发后被改动过。",
        True,
    ),
    ("the payload cannot be canonicalised", "答复内容含有无法规范化的数值：内容被改动过。", True),
)
#: who an answer was given to, in words (``audience``)
_AUDIENCES = {"public": "公众（公示页面）"}


@dataclass
class Verdict:
    ok: bool
    #: one sentence for the heading
    headline: str
    #: plain-words explanation, one paragraph each
    reasons: list[str] = field(default_factory=list)
    #: what the answer says, when it verified
    facts: list[tuple[str, str]] = field(default_factory=list)
    #: the checker's own words, for a technician (shown folded)
    detail: str | None = None
    #: the text is not an answer of the registry at all (not JSON, no signature): said apart from a
    #: signature that does not verify
    not_an_answer: bool = False


def _not_an_answer(*reasons: str) -> Verdict:
    return Verdict(False, "这不是本系统的答复", list(reasons), not_an_answer=True)


def _failed(reason: str, detail: str) -> Verdict:
    return Verdict(False, "签名无效：这份答复在签发后被改动过，或不是本系统签发的", [reason], detail=detail)


def _parse(text: str) -> dict[str, Any] | Verdict:
    """The JSON object pasted, or the verdict saying why it is none."""
    if not text.strip():
        return _not_an_answer("没有收到内容：请粘贴签名答复的全文，或选择保存的答复文件。")
    if len(text) > MAX_CHARS:
        return _not_an_answer(f"内容超过 {MAX_CHARS:,} 个字符，不是本系统的答复。")
    try:
        signed = json.loads(text)
    except RecursionError:
        return _not_an_answer("内容嵌套过深，不是本系统的答复。")
    except ValueError as exc:
        return _not_an_answer(
            f"内容不是有效的 JSON（第 {getattr(exc, 'lineno', '?')} 行附近）：本系统的答复是一段 JSON 文本，"
            "请粘贴完整的答复。"
        )
    if not isinstance(signed, dict):
        return _not_an_answer("内容不是 JSON 对象：本系统的答复以 { 开头、以 } 结尾，包含答复内容和签名两部分。")
    return signed


def explain(text: str, jwks: dict[str, Any], now: dt.datetime) -> Verdict:
    signed = _parse(text)
    if isinstance(signed, Verdict):
        return signed
    try:
        payload = answer(signed, jwks)
    except VerificationError as exc:
        message = str(exc).removeprefix("signed answer: ")
        why, is_answer = next(((zh, a) for en, zh, a in _WHY if message.startswith(en)), ("签名无法验证。", True))
        if not is_answer:
            return _not_an_answer(why, "本系统的每份答复都由答复内容和签名两部分组成，请粘贴或上传完整的答复文件。")
        return _failed(why, message)
    part = signed["jws"].split(".")[0]  # verified above: base64url of a JSON object
    header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    reasons = [
        "用本系统公布的公钥核验：签名属于本系统，答复内容与签名所签的内容逐字一致。",
    ]
    valid_until = payload.get("valid_until")
    if isinstance(valid_until, str):
        try:
            until = dt.datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
        except ValueError:
            until = None
        if until is not None and until < now:
            reasons.append(
                f"答复的有效期已于 {beijing_text(until)} 结束：它证明本系统当时的答复，不代表现在的状态；"
                "请重新查询最新信息。"
            )
    found = payload.get("subject")
    subject: dict[str, Any] = found if isinstance(found, dict) else {}
    audience = payload.get("audience")
    facts = [
        (label, str(value))
        for label, value in (
            ("签发时间", _time(payload.get("issued_at"))),
            ("有效期至", _time(payload.get("valid_until"))),
            ("答复对象", _AUDIENCES.get(audience, f"合作部门 {audience}") if isinstance(audience, str) else None),
            ("企业", " ".join(str(x) for x in (subject.get("name"), subject.get("uscc")) if x)),
            ("数据版本", payload.get("data_version")),
            ("签名密钥编号", header.get("kid")),
            ("答复类型", header.get("typ")),
        )
        if value not in (None, "")
    ]
    return Verdict(True, "签名有效：这是本系统签发的答复，签发后没有被改动", reasons, facts)


def _time(value: Any) -> Any:
    return beijing_text(value) if isinstance(value, str) else value

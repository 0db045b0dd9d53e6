"""Which articles of the 安全生产法 a penalty's ``legal_basis`` cites. Pure.

A penalty records its basis as free text (《中华人民共和国安全生产法》第一百一十四条第一款第二项). 部令11号
case 3 reaches only penalties under art. 114 (DOMAIN 8.7): a 2-5 multiple under another article
(art. 92 para 1 fines an agency 二倍以上五倍以下 of its illegal gains) is not that case. An article
counts only after a title naming the 安全生产法 (another law or regulation cited in the same text
keeps its own articles), so a text that names no title, or only "安全生产法" without an article,
cites nothing here.
"""

from __future__ import annotations

import re
from typing import Final

_TOKEN: Final = re.compile(r"《([^》]*)》|(安全生产法)|第([〇零一二两三四五六七八九十百\d]+)条")
_DIGITS: Final = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def number(text: str) -> int:
    """一百一十四 -> 114, 九十四 -> 94, 十 -> 10, 一百零九 -> 109, 114 -> 114."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        else:  # 百
            total += (digit or 1) * 100
            digit = 0
    return total + digit


def safety_law_articles(legal_basis: str) -> tuple[int, ...]:
    """The 安全生产法 articles cited, in order, each once."""
    out: list[int] = []
    in_law = False
    for m in _TOKEN.finditer(legal_basis):
        title, bare, article = m.groups()
        if title is not None or bare is not None:
            in_law = (title or bare).endswith("安全生产法")
        elif in_law and (n := number(article)) not in out:
            out.append(n)
    return tuple(out)

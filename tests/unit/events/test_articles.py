"""The 安全生产法 articles a penalty's recorded basis cites (部令11号 case 3 needs art. 114)."""

from __future__ import annotations

import pytest

from registry.domain.events.articles import number, safety_law_articles


@pytest.mark.parametrize(
    ("text", "n"),
    [("十", 10), ("十二", 12), ("二十", 20), ("九十四", 94), ("一百", 100), ("一百零九", 109), ("一百一十四", 114)],
)
def test_chinese_article_numbers(text: str, n: int) -> None:
    assert number(text) == n


@pytest.mark.parametrize(
    ("basis", "articles"),
    [
        ("《中华人民共和国安全生产法》第一百一十四条第一款第二项", (114,)),
        ("《安全生产法》第一百一十四条第二款（情节特别严重，按二倍五处罚）", (114,)),
        ("依据安全生产法第114条", (114,)),
        ("安全生产法第一百零一条", (101,)),
        # another law's articles are its own; the 安全生产法 ones after its title count
        ("《生产安全事故报告和调查处理条例》第三十七条、《安全生产法》第九十二条第一款", (92,)),
        ("《安全生产法》第110条及《条例》第36条", (110,)),
        ("《安全生产违法行为行政处罚办法》第四十五条", ()),
        # no title, or no article: nothing is cited here
        ("第一百一十四条", ()),
        ("安全生产法", ()),
        ("《安全生产法》第九十五条、第九十五条", (95,)),
    ],
)
def test_safety_law_articles(basis: str, articles: tuple[int, ...]) -> None:
    assert safety_law_articles(basis) == articles

"""The listing desk's forms are read into the API's own bodies, and refused with the same rules."""

from __future__ import annotations

import datetime as dt

from registry.api.console.actions import STEPS, available, body
from registry.domain.listings import schemas as s


def test_a_notice_form_becomes_the_api_body() -> None:
    data, errors = body(STEPS["notify"], {"notice_no": "郑二应急告〔2026〕1号", "served_on": "2026-12-01"}, 3)
    assert errors == {}
    assert isinstance(data, s.Notify)
    assert data.version == 3
    assert data.served_on == dt.date(2026, 12, 1)
    assert data.statement_days is None


def test_field_errors_name_the_field_in_chinese() -> None:
    assert body(STEPS["notify"], {"notice_no": ""}, 1) == (None, {"notice_no": "请填写告知书文号"})
    assert body(STEPS["notify"], {"notice_no": "x", "served_on": "2026-13-01"}, 1)[1] == {
        "served_on": "served_on 不是有效日期（YYYY-MM-DD，且须为真实存在的日期）"
    }
    # the API's own limit (1..60 days) refuses 99, in the API's own words
    assert body(STEPS["notify"], {"notice_no": "x", "statement_days": "99"}, 1)[1] == {
        "statement_days": "statement_days 不能大于 60"
    }
    assert body(STEPS["notify"], {"notice_no": "x", "statement_days": "七"}, 1)[1] == {"statement_days": "请填写整数"}
    assert body(STEPS["publish"], {"channels": []}, 1)[1] == {"channels": "请填写公示渠道"}


def test_checkboxes_are_booleans() -> None:
    data, _ = body(STEPS["approve"], {"reject": "1", "reason": "证据不足"}, 2)
    assert isinstance(data, s.Approve)
    assert data.reject is True
    data, _ = body(STEPS["approve"], {"decision_no": "郑二应急信决〔2026〕1号"}, 2)
    assert isinstance(data, s.Approve)
    assert data.reject is False


def test_only_what_the_state_allows_is_offered() -> None:
    assert {st.action for st in available("notified", False)} == {"statement", "object", "approve"}
    assert {st.action for st in available("listed", True)} == {"resolve_objection"}
    assert {st.action for st in available("listed", False)} == {
        "object",
        "approve",
        "publish",
        "remove",
        "decide_repair",
    }
    assert available("dropped", False) == []

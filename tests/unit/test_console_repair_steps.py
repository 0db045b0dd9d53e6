"""The repair steps' forms read into the API's own bodies (documents one a line)."""

from __future__ import annotations

from registry.api.console.actions import available, body, documents
from registry.api.console.listing_desk import STEPS
from registry.api.console.repair import REPAIR_STEPS
from registry.domain.listings import schemas as s


def test_documents_one_a_line_with_an_optional_reference() -> None:
    text = "罚款缴纳凭证｜豫财缴〔2027〕1号\n\n整改验收报告\r\n 鉴定意见 | 豫鉴3号 \n｜"
    assert documents(text) == [
        {"title": "罚款缴纳凭证", "reference": "豫财缴〔2027〕1号"},
        {"title": "整改验收报告", "reference": None},
        {"title": "鉴定意见", "reference": "豫鉴3号"},
    ]


def test_an_application_is_the_api_body() -> None:
    shown = {"commitment": "已整改完毕并承诺守法经营", "evidence": "凭证｜1号", "applied_on": ""}
    data, errors = body(REPAIR_STEPS["apply_repair"], shown, 3)
    assert errors == {}
    assert data == s.RepairApply(
        version=3, commitment="已整改完毕并承诺守法经营", evidence=[s.Document(title="凭证", reference="1号")]
    )


def test_a_bad_document_is_refused_beside_the_documents_field() -> None:
    step = REPAIR_STEPS["revoke_repair"]
    data, errors = body(step, {"reason": "弄虚作假", "evidence": "｜只有文号"}, 2)
    assert data is None
    assert list(errors) == ["evidence"]
    data, errors = body(step, {"reason": "弄虚作假", "evidence": ""}, 2)
    assert (data, list(errors)) == (None, ["evidence"])


def test_the_desk_offers_repair_by_state() -> None:
    listed = [st.action for st in available("listed", False, STEPS)]
    assert {"apply_repair", "decide_repair"} <= set(listed)
    assert "revoke_repair" not in listed
    assert "revoke_repair" in [st.action for st in available("removed", False, STEPS)]
    assert [st.action for st in available("listed", True, STEPS)] == ["resolve_objection"]

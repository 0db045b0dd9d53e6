"""The register's form logic: only changed fields are sent, blanks clear, the stale comparison."""

from __future__ import annotations

from msgspec import UNSET

from registry.api.console.enterprise_forms import create_body, stale_rows, update_body

LOADED = {
    "name": "甲有限公司",
    "division_code": "410103",
    "industry": "machinery",
    "scale": "above_scale",
    "status": "active",
    "address": "大学路 1 号",
    "operating_divisions": "410104, 410105",
    "parent_uscc": "",
    "registration_no": "",
    "org_code": "",
}


def test_an_edit_sends_only_what_changed_and_a_blank_clears() -> None:
    shown = {**LOADED, "operating_divisions": "410105，410104", "address": "", "scale": "micro"}
    body, errors = update_body(shown, LOADED, 7)
    assert errors == {}
    assert body is not None
    assert (body.version, body.scale, body.address) == (7, "micro", None)
    assert body.operating_divisions is UNSET  # the same divisions in another order and separator
    assert body.name is UNSET
    assert body.name_valid_from is UNSET


def test_the_name_start_goes_with_a_new_name_only() -> None:
    body, _ = update_body({**LOADED, "name_valid_from": "2026-01-01"}, LOADED, 1)
    assert body is not None
    assert body.name_valid_from is UNSET
    body, _ = update_body({**LOADED, "name": "乙有限公司", "name_valid_from": "2026-01-01"}, LOADED, 1)
    assert body is not None
    assert str(body.name_valid_from) == "2026-01-01"


def test_a_bad_choice_or_a_missing_field_is_named() -> None:
    assert update_body({**LOADED, "scale": "huge"}, LOADED, 1)[1].keys() == {"scale"}
    assert create_body({"uscc": "x", "name": "甲", "division_code": "410103", "scale": "micro"})[1] == {
        "industry": "请填写行业"
    }


def test_stale_rows_say_whose_change_each_is() -> None:
    current = {**LOADED, "scale": "micro", "operating_divisions": ["410104", "410105"], "parent_uscc": None}
    rows = {r.label: r for r in stale_rows(current, LOADED, {**LOADED, "address": "大学路 9 号"})}
    assert (rows["规模"].loaded, rows["规模"].theirs, rows["规模"].theirs_changed) == ("规模以上", "小微", True)
    assert not rows["经营地区划代码"].theirs_changed
    assert rows["地址"].mine_changed
    assert not rows["地址"].theirs_changed
    assert rows["上级公司统一社会信用代码"].theirs == "（空）"

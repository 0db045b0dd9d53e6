"""REGISTRY_RULES_LOCAL_PACKS: a deployment enables local rule packs for more areas (DOMAIN 8.9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.rules.loader import RulesetError, load
from registry.settings import Settings, parse_local_amounts, parse_local_packs


def test_unset_enables_nothing() -> None:
    assert Settings.from_env({}).rules.local_packs == ()
    assert Settings.from_env({"REGISTRY_RULES_LOCAL_PACKS": ""}).rules.local_packs == ()


def test_inline_packs_and_prefixes() -> None:
    env = {"REGISTRY_RULES_LOCAL_PACKS": " shenzhen_incentives = 4401, 4404 ; huiji_four_always=41;"}
    assert Settings.from_env(env).rules.local_packs == (
        ("huiji_four_always", ("41",)),
        ("shenzhen_incentives", ("4401", "4404")),
    )


def test_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "packs.yaml"
    path.write_text("shenzhen_incentives: ['4401', 4404]\nerqi_incentives: ['4101']\n", encoding="utf-8")
    assert parse_local_packs(str(path)) == (("erqi_incentives", ("4101",)), ("shenzhen_incentives", ("4401", "4404")))
    (tmp_path / "empty.yml").write_text("", encoding="utf-8")
    assert parse_local_packs(str(tmp_path / "empty.yml")) == ()


@pytest.mark.parametrize("content", ["- 4401\n", "shenzhen_incentives: '4401'\n", "shenzhen_incentives: [[1]]\n"])
def test_a_yaml_file_of_the_wrong_shape_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "packs.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="must map each pack to a list of prefixes"):
        parse_local_packs(str(path))


@pytest.mark.parametrize("value", ["shenzhen_incentives", "=4401"])
def test_an_item_without_pack_and_prefixes_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not pack=prefix,prefix"):
        parse_local_packs(value)


def test_the_shipped_packs_take_the_setting_and_refuse_a_national_family() -> None:
    packs = dict(parse_local_packs("shenzhen_incentives=4401"))
    shenzhen = next(r for r in load(extensions=packs) if r.family == "shenzhen_incentives")
    assert (shenzhen.jurisdiction, shenzhen.extensions) == (("4403",), ("4401",))
    assert shenzhen.enabled_by("440106") == "configuration"
    with pytest.raises(RulesetError, match="'listing' is national, not a local pack"):
        load(extensions={"listing": ["11"]})


# ---- REGISTRY_RULES_LOCAL_AMOUNTS -------------------------------------------------------------------


def test_amounts_unset_set_none() -> None:
    assert Settings.from_env({}).rules.local_amounts == {}


def test_amounts_from_a_yaml_file_reach_the_rulesets(tmp_path: Path) -> None:
    path = tmp_path / "amounts.yaml"
    path.write_text(
        "shenzhen_incentives:\n  work_injury_rate_lowered: {value: 10, unit: percent_lower}\n", encoding="utf-8"
    )
    rules = Settings.from_env({"REGISTRY_RULES_LOCAL_AMOUNTS": str(path)}).rules
    assert rules.local_amounts == {
        "shenzhen_incentives": {"work_injury_rate_lowered": {"value": 10, "unit": "percent_lower"}}
    }
    shenzhen = next(r for r in load(amounts=rules.local_amounts) if r.family == "shenzhen_incentives")
    assert shenzhen.amounts == (("work_injury_rate_lowered", 10, "percent_lower"),)


def test_amounts_need_an_existing_file_of_the_right_shape(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a file"):
        parse_local_amounts(str(tmp_path / "missing.yaml"))
    path = tmp_path / "amounts.yaml"
    path.write_text("shenzhen_incentives: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must map each pack to outcome codes"):
        parse_local_amounts(str(path))
    path.write_text("", encoding="utf-8")
    assert parse_local_amounts(str(path)) == {}

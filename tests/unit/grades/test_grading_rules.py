"""The shipped grading data loads and answers; a bad grading.yaml is refused at load."""

import copy
import datetime as dt
from pathlib import Path

import msgspec
import pytest
import yaml

import registry
from registry.domain.grades.schemes import GradingRules, load_grading_rules

SHIPPED_TEXT = (Path(registry.__file__).parent / "data" / "grading.yaml").read_text(encoding="utf-8")
SHIPPED = yaml.safe_load(SHIPPED_TEXT)


@pytest.fixture(scope="module")
def rules() -> GradingRules:
    return load_grading_rules()


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def variant(**changes) -> dict:
    data = copy.deepcopy(SHIPPED)
    data.update(changes)
    return data


def test_the_default_text_is_the_shipped_file(rules):
    assert load_grading_rules(SHIPPED_TEXT) == rules


def test_2011_scheme_is_verified_90_75_60(rules):
    scheme = rules.scheme("aqjg-2011-84")
    assert scheme is not None
    assert scheme.thresholds == {1: 90, 2: 75, 3: 60}
    assert scheme.verified is True
    assert (scheme.effective_from, scheme.effective_to) == (dt.date(2011, 6, 9), dt.date(2021, 10, 26))


def test_2021_scheme_is_not_verified(rules):
    scheme = rules.scheme("yj-2021-83")
    assert scheme is not None
    assert scheme.verified is False
    assert scheme.thresholds == {1: 90, 2: 80, 3: 70}
    assert scheme.effective_from == dt.date(2021, 10, 27)
    assert scheme.effective_to is None


def test_schemes_follow_each_other_without_gap(rules):
    old, new = rules.scheme("aqjg-2011-84"), rules.scheme("yj-2021-83")
    assert old.effective_to + dt.timedelta(days=1) == new.effective_from


def test_unknown_scheme_is_none(rules):
    assert rules.scheme("yj-2099-1") is None
    assert rules.scheme("") is None


def test_shipped_procedures_periods_and_levels(rules):
    assert rules.procedures["standard"].steps == ["review", "audit", "announcement"]
    assert rules.procedures["standard"].certificate is True
    assert rules.procedures["simplified"].steps == ["review", "announcement"]
    assert rules.procedures["simplified"].certificate is False
    assert rules.default_procedure == "standard"
    assert rules.grading_levels == {1: "national", 2: "provincial", 3: "prefectural"}
    assert (rules.validity_years, rules.renewal_window_months) == (3, 3)


@pytest.mark.parametrize(
    ("division", "procedure"),
    [
        ("440300", "simplified"),  # 深圳市
        ("440305", "simplified"),  # 深圳市南山区
        ("440310", "simplified"),
        ("440100", "standard"),  # 广州市
        ("440000", "standard"),  # 广东省
        ("110108", "standard"),
        ("370102", "standard"),
    ],
)
def test_procedure_for_shipped_divisions(rules, division, procedure):
    assert rules.procedure_for(division, 3) == procedure


def test_procedure_for_the_longest_configured_prefix():
    text = dump(variant(procedure_by_division={"44": "simplified", "4403": "standard", "440305": "simplified"}))
    rules = load_grading_rules(text)
    assert rules.procedure_for("440305", 3) == "simplified"  # county entry beats the prefecture's
    assert rules.procedure_for("440306", 3) == "standard"  # prefecture entry beats the province's
    assert rules.procedure_for("440100", 3) == "simplified"  # province entry
    assert rules.procedure_for("450100", 3) == "standard"  # nothing configured: the default


def test_shenzhen_simplifies_level_3_only(rules):
    assert rules.procedure_for("440305", 3) == "simplified"
    assert rules.procedure_for("440305", 2) == "standard"
    assert rules.procedure_for("440305", 1) == "standard"


def test_procedure_for_uses_the_default_procedure():
    rules = load_grading_rules(dump(variant(default_procedure="simplified", procedure_by_division={})))
    assert rules.procedure_for("110108", 3) == "simplified"


@pytest.mark.parametrize(
    ("level", "division", "scale", "authority"),
    [
        (3, "370102", "micro", "county"),  # 山东 delegates 小微 三级 to counties
        (3, "370000", "micro", "county"),
        (3, "371300", "micro", "county"),
        (3, "370102", "small", "prefectural"),
        (3, "370102", "medium", "prefectural"),
        (2, "370102", "micro", "provincial"),
        (1, "370102", "micro", "national"),
        (3, "440305", "micro", "prefectural"),
        (3, "110108", "large", "prefectural"),
        (2, "110108", "large", "provincial"),
        (1, "110108", "large", "national"),
        (3, "137000", "micro", "prefectural"),  # "37" inside the code is not the prefix
    ],
)
def test_authority_level(rules, level, division, scale, authority):
    assert rules.authority_level(level, division, scale) == authority


def _condition(spec):
    data = copy.deepcopy(SHIPPED)
    data["schemes"][0]["conditions"]["levels"][3] = [spec]
    return data


def _duplicate_scheme():
    data = copy.deepcopy(SHIPPED)
    data["schemes"].append(copy.deepcopy(data["schemes"][0]))
    return data


def _thresholds(thresholds):
    data = copy.deepcopy(SHIPPED)
    data["schemes"][1]["thresholds"] = thresholds
    return data


def _steps(steps):
    data = copy.deepcopy(SHIPPED)
    data["procedures"]["simplified"]["steps"] = steps
    return data


def _scheme_field():
    data = copy.deepcopy(SHIPPED)
    data["schemes"][0]["note"] = "extra"
    return data


def _procedure_field():
    data = copy.deepcopy(SHIPPED)
    data["procedures"]["standard"]["fee"] = 0
    return data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(_duplicate_scheme(), "duplicate scheme codes", id="duplicate-scheme-code"),
        pytest.param(_thresholds({1: 90, 2: 80}), "thresholds for levels 1, 2, 3", id="threshold-missing-level"),
        pytest.param(_thresholds({1: 90, 3: 70}), "thresholds for levels 1, 2, 3", id="threshold-missing-level-2"),
        pytest.param(_thresholds({1: 90, 2: 80, 3: 70, 4: 60}), "thresholds for levels", id="threshold-extra-level"),
        pytest.param(variant(grading_levels={1: "national", 2: "provincial"}), "grading_levels", id="levels"),
        pytest.param(variant(default_procedure="express"), "unknown procedures", id="unknown-default-procedure"),
        pytest.param(
            variant(procedure_by_division={"4403": "express"}), "unknown procedures", id="unknown-division-procedure"
        ),
        pytest.param(_steps(["review"]), "ends with the announcement", id="no-announcement"),
        pytest.param(_steps(["announcement", "review"]), "ends with the announcement", id="announcement-not-last"),
        pytest.param(_steps([]), "ends with the announcement", id="no-steps"),
        pytest.param(_steps(["review", "inspection", "announcement"]), "inspection", id="unknown-step"),
        pytest.param(variant(fee_cny=0), "unknown field `fee_cny`", id="unknown-top-level-field"),
        pytest.param(_scheme_field(), "unknown field `note`", id="unknown-scheme-field"),
        pytest.param(_procedure_field(), "unknown field `fee`", id="unknown-procedure-field"),
        pytest.param(variant(validity_years="three"), "validity_years", id="wrong-type"),
        pytest.param(variant(procedure_by_division={"440": "simplified"}), "2, 4 or 6 digits", id="prefix-length"),
        pytest.param(_condition({"months": 12, "max_deaths": 1, "max_grade": "larger"}), "either", id="two-limits"),
        pytest.param(_condition({"months": 12}), "either", id="no-limit"),
        pytest.param(_condition({"months": 0, "max_deaths": 1}), "at least 1", id="zero-months"),
        pytest.param(_condition({"months": 12, "max_grade": "huge"}), "max_grade", id="unknown-grade"),
        pytest.param(variant(procedure_by_division={"44ab": "simplified"}), "2, 4 or 6 digits", id="prefix-digits"),
    ],
)
def test_bad_grading_data_is_refused(data, reason):
    with pytest.raises(msgspec.ValidationError, match=reason):
        load_grading_rules(dump(data))


def test_a_missing_section_is_refused():
    data = copy.deepcopy(SHIPPED)
    del data["delegations"]
    with pytest.raises(msgspec.ValidationError, match="delegations"):
        load_grading_rules(dump(data))


def test_the_mutated_texts_would_load_but_for_the_mutation():
    # guards the cases above: the dump/load round trip of the shipped data itself is accepted
    assert load_grading_rules(dump(copy.deepcopy(SHIPPED))) == load_grading_rules()

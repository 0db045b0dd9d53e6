"""The loader is the only gate between YAML and evaluation: every unsound ruleset must be refused, by place."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.rules import export
from registry.rules.catalogue import BASES, OUTCOMES, RETIRED
from registry.rules.loader import RULESETS, RulesetError, check_families, configure, digest, load, parse
from registry.rules.model import All, AnyOf, Leaf, Not, Period, Produced, Ruleset
from registry.rules.vocabulary import FACTS, LIST_TYPES, OPERATORS

D = dt.date
HERE = "<string>: rules[0] (X)"


def rule(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "X",
        "title": "x",
        "subjects": ["enterprise"],
        "basis": ["mem11"],
        "tag": "C",
        "when": {"fact": "accidents", "op": ">=", "value": 1},
        "then": [{"outcome": "disclose_penalty"}],
    }
    base.update(over)
    return base


def doc(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "family": "fam",
        "version": "1",
        "title": "t",
        "legal_basis": ["mem11"],
        "effective_from": D(2020, 1, 1),
        "effective_to": None,
        "scope": "state",
        "combine": "all",
        "rules": [rule()],
    }
    base.update(over)
    return base


def text(raw: dict[str, Any]) -> str:
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)


def problems(raw: dict[str, Any] | str) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        parse(raw if isinstance(raw, str) else text(raw))
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def when(condition: Any) -> list[str]:
    return problems(doc(rules=[rule(when=condition)]))


def outcome(**spec: Any) -> list[str]:
    return problems(doc(rules=[rule(then=[{"outcome": "disclose_penalty", **spec}])]))


# --- a sound ruleset -----------------------------------------------------------------------------


def test_a_sound_ruleset_is_built_with_every_name_resolved() -> None:
    raw = doc(
        effective_to=D(2022, 12, 31),
        scope="conduct",
        combine="merge",
        note="n",
        rules=[
            rule(
                note="rn",
                when={
                    "all": [
                        {
                            "fact": "accidents",
                            "where": {"grade_at_least": "larger", "fatal": True},
                            "op": ">=",
                            "value": 2,
                        },
                        {
                            "any": [
                                {"not": {"produced": "notice"}},
                                {"fact": "industry", "op": "in", "value": ["a", "b"]},
                            ]
                        },
                    ]
                },
                then=[
                    {
                        "outcome": "list_serious_dishonest_2023",
                        "start": "as_of",
                        "term": {"years": 1, "months": 6},
                        "value": [1, 2.5],
                        "unit": "%",
                        "criterion": "c",
                        "persons": ["principal", "legal_representative"],
                        "note": "on",
                    },
                    {"outcome": "disclose_penalty", "term": "lifetime", "value": "key"},
                ],
            )
        ],
    )
    ruleset = parse(text(raw), "fam/1.yaml")
    assert ruleset.id == "fam/1"
    assert ruleset.source == "fam/1.yaml"
    assert ruleset.legal_basis == (BASES["mem11"],)
    assert (ruleset.effective_from, ruleset.effective_to) == (D(2020, 1, 1), D(2022, 12, 31))
    assert (ruleset.scope, ruleset.combine, ruleset.note) == ("conduct", "merge", "n")
    assert ruleset.hash == digest(yaml.safe_load(text(raw)))
    (r,) = ruleset.rules
    assert (r.id, r.subjects, r.basis, r.tag, r.note) == ("X", ("enterprise",), (BASES["mem11"],), "C", "rn")
    assert r.when == All(
        (
            Leaf("accidents", (("fatal", True), ("grade_at_least", "larger")), ">=", 2),
            AnyOf((Not(Produced("notice")), Leaf("industry", (), "in", ("a", "b")))),
        )
    )
    first, second = r.then
    assert first.entry is OUTCOMES["list_serious_dishonest_2023"]
    assert (first.start, first.term, first.value, first.unit, first.criterion) == (
        "as_of",
        Period(1, 6),
        (1, 2.5),
        "%",
        "c",
    )
    assert (first.persons, first.note) == (("principal", "legal_representative"), "on")
    assert (second.start, second.term, second.value, second.persons) == ("trigger", "lifetime", "key", ())


def test_list_parameters_become_tuples() -> None:
    ruleset = parse(
        text(
            doc(
                rules=[
                    rule(
                        when={
                            "fact": "reporting_violations",
                            "where": {"types": ["concealment"]},
                            "op": ">=",
                            "value": 1,
                        }
                    )
                ]
            )
        )
    )
    assert ruleset.rules[0].when == Leaf("reporting_violations", (("types", ("concealment",)),), ">=", 1)


@pytest.mark.parametrize(
    ("fact", "where"),
    [
        ("penalties", {"min_multiplier": 2}),  # an int is a float
        ("penalties", {"min_multiplier": 2.5}),
        ("penalties", {"execution": ["pending", "refused"], "within_months": 0}),
        ("listed", {"list_types": ["SERIOUS_DISHONEST_2023", "BLACKLIST_2015"]}),
        ("accidents", {}),
        ("enforcement_orders", {"types": ["closure"], "in_force": False}),
    ],
)
def test_parameters_of_the_right_type_are_accepted(fact: str, where: dict[str, Any]) -> None:
    op, value = (">=", 1) if fact != "listed" else ("==", True)
    ruleset = parse(text(doc(rules=[rule(when={"fact": fact, "where": where, "op": op, "value": value})])))
    assert isinstance(ruleset.rules[0].when, Leaf)
    assert dict(ruleset.rules[0].when.where).keys() == where.keys()


def test_a_null_where_reads_as_no_parameters() -> None:
    ruleset = parse(text(doc(rules=[rule(when={"fact": "accidents", "where": None, "op": ">=", "value": 1})])))
    assert ruleset.rules[0].when == Leaf("accidents", (), ">=", 1)


# --- refusals of the document as a whole ---------------------------------------------------------


def test_not_yaml() -> None:
    (problem,) = problems("family: [unclosed")
    assert problem.startswith("<string>: not YAML: ")


@pytest.mark.parametrize("source", ["- a\n- b\n", "just text\n", ""])
def test_not_a_mapping(source: str) -> None:
    assert problems(source) == ["<string>: a ruleset is a mapping"]


def test_the_source_names_every_problem() -> None:
    with pytest.raises(RulesetError) as caught:
        parse("[]", "fam/1.yaml")
    assert caught.value.problems == ["fam/1.yaml: a ruleset is a mapping"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": None}, "Expected `str`, got `null` - at `$.version`"),
        ({"scope": "weird"}, "Invalid enum value 'weird' - at `$.scope`"),
        ({"combine": "some"}, "Invalid enum value 'some' - at `$.combine`"),
        ({"surprise": 1}, "Object contains unknown field `surprise`"),
        ({"rules": [rule(tag="X")]}, "Invalid enum value 'X' - at `$.rules[0].tag`"),
        ({"rules": [rule(when=[])]}, "Expected `object`, got `array` - at `$.rules[0].when`"),
        ({"rules": [rule(then=[{"outcome": "disclose_penalty", "term": 3}])]}, "at `$.rules[0].then[0].term`"),
        ({"rules": [rule(then=[{"outcome": "disclose_penalty", "term": {"days": 3}}])]}, "unknown field `days`"),
    ],
)
def test_schema_errors_come_from_msgspec(change: dict[str, Any], message: str) -> None:
    (problem,) = problems(doc(**change))
    assert problem.startswith("<string>: (document): ")
    assert message in problem


def test_a_missing_field_is_a_schema_error() -> None:
    raw = doc()
    del raw["title"]
    assert problems(raw) == ["<string>: (document): Object missing required field `title`"]


def test_a_national_ruleset_has_no_jurisdiction_and_a_local_one_keeps_its_prefixes() -> None:
    assert parse(text(doc())).jurisdiction is None
    assert parse(text(doc(jurisdiction=["11", "1201", "310115"]))).jurisdiction == ("11", "1201", "310115")


@pytest.mark.parametrize("prefix", ["1", "123", "1234567", "11a", "北京", ""])
def test_a_jurisdiction_is_a_list_of_division_code_prefixes(prefix: str) -> None:
    assert problems(doc(jurisdiction=["11", prefix])) == [
        f"<string>: jurisdiction: {prefix!r} is not a division-code prefix (2, 4 or 6 digits)"
    ]


def test_an_empty_jurisdiction_would_apply_nowhere() -> None:
    assert problems(doc(jurisdiction=[])) == [
        "<string>: jurisdiction: omit jurisdiction for a national ruleset; an empty list would apply nowhere"
    ]


def test_a_superseded_conduct_regime_may_end_its_new_listings() -> None:
    """DOMAIN 8.4: 49号 and the 2015 rule list nothing new after 2023-09-30."""
    ended = doc(scope="conduct", effective_to=D(2021, 1, 1), new_listings_until=D(2023, 9, 30))
    assert parse(text(ended)).new_listings_until == D(2023, 9, 30)
    assert export.ruleset(parse(text(ended)))["new_listings_until"] == "2023-09-30"


@pytest.mark.parametrize("over", [{"scope": "state", "effective_to": D(2021, 1, 1)}, {"scope": "conduct"}])
def test_only_a_superseded_conduct_regime_ends_its_new_listings(over: dict[str, Any]) -> None:
    assert problems(doc(**over, new_listings_until=D(2023, 9, 30))) == [
        "<string>: new_listings_until: only a superseded conduct regime (scope conduct, with effective_to) has one"
    ]


def test_a_numeric_jurisdiction_is_a_schema_error() -> None:
    (problem,) = problems(doc(jurisdiction=[11]))
    assert problem == "<string>: (document): Expected `str`, got `int` - at `$.jurisdiction[0]`"


def test_effective_to_before_effective_from() -> None:
    assert problems(doc(effective_to=D(2019, 12, 31))) == ["<string>: effective_to: ends before effective_from"]


def test_effective_to_on_effective_from_is_a_one_day_ruleset() -> None:
    assert parse(text(doc(effective_to=D(2020, 1, 1)))).in_force(D(2020, 1, 1))


def test_no_rules() -> None:
    assert problems(doc(rules=[])) == ["<string>: rules: a ruleset needs at least one rule"]


def test_unknown_legal_basis_of_the_ruleset_and_of_a_rule() -> None:
    assert problems(doc(legal_basis=["mem11", "nope"], rules=[rule(basis=["gone"])])) == [
        f"{HERE}.basis: unknown legal basis 'gone'",
        "<string>: legal_basis: unknown legal basis 'nope'",
    ]


# --- refusals of a rule --------------------------------------------------------------------------


def test_duplicate_rule_id() -> None:
    assert problems(doc(rules=[rule(), rule(title="again")])) == ["<string>: rules[1] (X): duplicate rule id 'X'"]


def test_unknown_subject() -> None:
    assert problems(doc(rules=[rule(subjects=["enterprise", "robot"])])) == [f"{HERE}: unknown subject 'robot'"]


def test_empty_then() -> None:
    assert problems(doc(rules=[rule(then=[])])) == [f"{HERE}: a rule must order at least one outcome"]


def test_unknown_outcome() -> None:
    assert problems(doc(rules=[rule(then=[{"outcome": "nope"}])])) == [f"{HERE}.then[0]: unknown outcome 'nope'"]


def test_bad_start() -> None:
    assert outcome(start="tomorrow") == [
        f"{HERE}.then[0]: start must be one of trigger, as_of, listing, grade, sentence_end"
    ]


def test_bad_term_string() -> None:
    assert outcome(term="forever") == [
        f"{HERE}.then[0]: term must be a period or one of lifetime, listing, grade, event_end"
    ]


@pytest.mark.parametrize(
    "period", [{}, {"years": 0}, {"years": 0, "months": 0}, {"years": -1, "months": 13}, {"months": -2}]
)
def test_non_positive_period(period: dict[str, int]) -> None:
    assert outcome(term=period) == [f"{HERE}.then[0]: a term needs positive years or months"]


def test_unknown_person_role() -> None:
    assert outcome(persons=["principal", "janitor"]) == [f"{HERE}.then[0]: unknown person role 'janitor'"]


def test_every_problem_of_a_file_is_reported_together() -> None:
    raw = doc(
        legal_basis=["nope"],
        rules=[
            rule(subjects=["robot"], when={"fact": "unknown_fact", "op": ">=", "value": 1}),
            rule(then=[{"outcome": "nope"}]),
        ],
    )
    assert problems(raw) == [
        f"{HERE}: unknown subject 'robot'",
        f"{HERE}.when: unknown fact 'unknown_fact'",
        "<string>: rules[1] (X): duplicate rule id 'X'",
        "<string>: rules[1] (X).then[0]: unknown outcome 'nope'",
        "<string>: legal_basis: unknown legal basis 'nope'",
    ]


# --- refusals of a condition ---------------------------------------------------------------------

MAPPING = "a condition is a mapping: all / any / not / fact / produced"


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({}, f"{HERE}.when: {MAPPING}"),
        ({"all": [5]}, f"{HERE}.when.all[0]: {MAPPING}"),
        ({"any": ["fact"]}, f"{HERE}.when.any[0]: {MAPPING}"),
        ({"not": [1]}, f"{HERE}.when.not: {MAPPING}"),
        ({"all": []}, f"{HERE}.when: all needs a non-empty list"),
        ({"any": []}, f"{HERE}.when: any needs a non-empty list"),
        ({"any": {"fact": "accidents"}}, f"{HERE}.when: any needs a non-empty list"),
        ({"foo": 1}, f"{HERE}.when: unknown condition keys ['foo']"),
        ({"fact": "accidents", "op": ">="}, f"{HERE}.when: unknown condition keys ['fact', 'op']"),
        (
            {"fact": "accidents", "op": ">=", "value": 1, "x": 1},
            f"{HERE}.when: unknown condition keys ['fact', 'op', 'value', 'x']",
        ),
        (
            {"all": [{"produced": "notice"}], "any": [{"produced": "notice"}]},
            f"{HERE}.when: unknown condition keys ['all', 'any']",
        ),
        (
            {"produced": "party"},
            f"{HERE}.when: produced must be one of listing, notice, removal, measure, grade_action, "
            "standardization, disclosure, ban, incentive, for_review",
        ),
        ({"fact": "nope", "op": ">=", "value": 1}, f"{HERE}.when: unknown fact 'nope'"),
        (
            {"fact": "accidents", "where": [1], "op": ">=", "value": 1},
            f"{HERE}.when: where must be a mapping of parameters",
        ),
        (
            {"all": [{"fact": "accidents", "op": ">=", "value": 1}, {"not": {"fact": "x", "op": "==", "value": 1}}]},
            f"{HERE}.when.all[1].not: unknown fact 'x'",
        ),
    ],
)
def test_condition_shape_errors(condition: Any, problem: str) -> None:
    assert when(condition) == [problem]


@pytest.mark.parametrize(
    ("fact", "where", "problem"),
    [
        (
            "accidents",
            {"colour": "red"},
            "fact 'accidents' takes no parameter 'colour' (takes: grade_at_least, fatal, "
            "responsible, major_responsibility, penalised, within_months, on_or_after, on_or_before, during_grade, "
            "since_listing)",
        ),
        ("work_injury_class", {"x": 1}, "fact 'work_injury_class' takes no parameter 'x' (takes: -)"),
        ("accidents", {"fatal": "yes"}, "fatal must be a bool, not 'yes'"),
        ("accidents", {"fatal": 1}, "fatal must be a bool, not 1"),
        ("accidents", {"within_months": -1}, "within_months must be a int, not -1"),
        ("accidents", {"within_months": True}, "within_months must be a int, not True"),
        ("accidents", {"within_months": 1.5}, "within_months must be a int, not 1.5"),
        ("penalties", {"min_multiplier": True}, "min_multiplier must be a float, not True"),
        ("penalties", {"min_multiplier": "2"}, "min_multiplier must be a float, not '2'"),
        ("accidents", {"grade_at_least": "huge"}, "grade_at_least must be a grade, not 'huge'"),
        ("criminal_liabilities", {"accident_grade_at_least": 2}, "accident_grade_at_least must be a grade, not 2"),
        (
            "reporting_violations",
            {"types": ["concealment", "nope"]},
            "types must be a non-empty list of concealment, false_report, late_report",
        ),
        (
            "reporting_violations",
            {"types": []},
            "types must be a non-empty list of concealment, false_report, late_report",
        ),
        ("flights", {"types": "fled"}, "types must be a non-empty list of no_rescue, left_post, fled"),
        (
            "listed",
            {"list_types": ["FOO"]},
            "list_types must be a non-empty list of SERIOUS_DISHONEST_2023, BLACKLIST_2017, "
            "JOINT_PUNISHMENT_2017, BLACKLIST_2015",
        ),
        ("penalties", {"execution": ["done"]}, "execution must be a non-empty list of pending, executed, refused"),
        ("penalties", {"on_or_after": "2021-09-01"}, "on_or_after must be a date, not '2021-09-01'"),
        ("flights", {"role": "foreman"}, "role must be a role, not 'foreman'"),
    ],
)
def test_parameter_type_checks(fact: str, where: dict[str, Any], problem: str) -> None:
    op, value = ("==", True) if fact == "listed" else (">=", 1)
    assert when({"fact": fact, "where": where, "op": op, "value": value}) == [f"{HERE}.when.where: {problem}"]


@pytest.mark.parametrize("fact", ["accidents_in_any_window", "deaths_in_any_window"])
def test_missing_required_parameter(fact: str) -> None:
    assert when({"fact": fact, "where": {"fatal": True}, "op": ">=", "value": 1}) == [
        f"{HERE}.when: fact '{fact}' needs parameter 'months'"
    ]


@pytest.mark.parametrize(
    ("fact", "op", "value", "problem"),
    [
        ("listed", ">=", True, "operator '>=' does not apply to a bool fact (use ==, !=)"),
        ("listed", "in", [True], "operator 'in' does not apply to a bool fact (use ==, !=)"),
        ("industry", "<", "m", "operator '<' does not apply to a str fact (use ==, !=, in, not_in)"),
        ("accidents", "~", 1, "operator '~' does not apply to a int fact (use ==, !=, >=, >, <=, <, in, not_in)"),
        ("industry", "in", "mining", "in needs a list of str values"),
        ("industry", "not_in", ["mining", 3], "not_in needs a list of str values"),
        ("accidents", "in", [1, True], "in needs a list of int values"),
        ("accidents", ">=", "1", "value '1' is not a int"),
        ("accidents", "==", True, "value True is not a int"),
        ("listed", "==", 1, "value 1 is not a bool"),
        ("industry", "==", 1, "value 1 is not a str"),
    ],
)
def test_operator_and_value_checks(fact: str, op: str, value: Any, problem: str) -> None:
    assert when({"fact": fact, "op": op, "value": value}) == [f"{HERE}.when: {problem}"]


def test_in_and_not_in_keep_their_list_as_a_tuple() -> None:
    ruleset = parse(text(doc(rules=[rule(when={"fact": "work_injury_class", "op": "not_in", "value": [1, 2]})])))
    assert ruleset.rules[0].when == Leaf("work_injury_class", (), "not_in", (1, 2))


# --- families ------------------------------------------------------------------------------------


def version(v: str, start: dt.date, end: dt.date | None, family: str = "fam") -> Ruleset:
    return parse(text(doc(family=family, version=v, effective_from=start, effective_to=end)))


def test_duplicate_versions() -> None:
    got = check_families([version("1", D(2020, 1, 1), D(2020, 12, 31)), version("1", D(2021, 1, 1), None)])
    assert got == ["fam: version 1 is defined twice"]


def test_an_open_ended_earlier_version_overlaps_its_successor() -> None:
    got = check_families([version("2", D(2021, 1, 1), None), version("1", D(2020, 1, 1), None)])
    assert got == ["fam: versions 1 (2020-01-01..) and 2 (from 2021-01-01) overlap"]


def test_an_end_on_the_successors_first_day_overlaps() -> None:
    got = check_families([version("1", D(2020, 1, 1), D(2021, 1, 1)), version("2", D(2021, 1, 1), None)])
    assert got == ["fam: versions 1 (2020-01-01..2021-01-01) and 2 (from 2021-01-01) overlap"]


def test_an_end_after_the_successors_first_day_overlaps() -> None:
    got = check_families([version("1", D(2020, 1, 1), D(2021, 6, 1)), version("2", D(2021, 1, 1), D(2022, 1, 1))])
    assert got == ["fam: versions 1 (2020-01-01..2021-06-01) and 2 (from 2021-01-01) overlap"]


def test_adjacent_versions_and_other_families_are_accepted() -> None:
    got = check_families(
        [
            version("2", D(2021, 1, 1), D(2021, 12, 31)),
            version("1", D(2020, 1, 1), D(2020, 12, 31)),
            version("3", D(2022, 1, 1), None),
            version("1", D(2020, 1, 1), None, family="other"),
        ]
    )
    assert got == []


# --- load ----------------------------------------------------------------------------------------


def write(root: Path, path: str, raw: dict[str, Any] | str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(raw if isinstance(raw, str) else text(raw), encoding="utf-8")


def test_load_a_tree(tmp_path: Path) -> None:
    write(tmp_path, "fam/1.yaml", doc(effective_to=D(2020, 12, 31)))
    write(tmp_path, "fam/2.yaml", doc(version="2", effective_from=D(2021, 1, 1)))
    write(tmp_path, "other/2024.yaml", doc(family="other", version="2024"))
    write(tmp_path, "fam/notes.txt", "not a ruleset")
    write(tmp_path, "top.yaml", "not read: rulesets live one level down")
    loaded = load(tmp_path)
    assert [r.id for r in loaded] == ["fam/1", "fam/2", "other/2024"]
    assert [r.source for r in loaded] == ["fam/1.yaml", "fam/2.yaml", "other/2024.yaml"]


def test_load_refuses_a_path_that_disagrees_with_the_content(tmp_path: Path) -> None:
    write(tmp_path, "fam/1.yaml", doc())
    write(tmp_path, "fam/2.yaml", doc(version="3", effective_from=D(2030, 1, 1)))
    write(tmp_path, "wrong/4.yaml", doc(version="4", effective_from=D(2031, 1, 1)))
    with pytest.raises(RulesetError) as caught:
        load(tmp_path)
    assert caught.value.problems == [
        "fam/2.yaml: family/version fam/3 does not match the path",
        "wrong/4.yaml: family/version fam/4 does not match the path",
    ]


def test_load_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RulesetError) as caught:
        load(tmp_path)
    assert caught.value.problems == [f"{tmp_path}: no rulesets found"]


def test_one_bad_file_loads_nothing_and_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "fam/1.yaml", doc())
    write(tmp_path, "bad/1.yaml", doc(family="bad", rules=[rule(subjects=["robot"])]))
    write(tmp_path, "ugly/1.yaml", "[")
    with pytest.raises(RulesetError) as caught:
        load(tmp_path)
    bad, ugly = caught.value.problems
    assert bad == "bad/1.yaml: rules[0] (X): unknown subject 'robot'"
    assert ugly.startswith("ugly/1.yaml: not YAML: ")


def test_only_bad_files_do_not_read_as_an_empty_directory(tmp_path: Path) -> None:
    write(tmp_path, "bad/1.yaml", "- 1")
    with pytest.raises(RulesetError) as caught:
        load(tmp_path)
    assert caught.value.problems == ["bad/1.yaml: a ruleset is a mapping"]


def test_load_checks_the_families_it_loaded(tmp_path: Path) -> None:
    write(tmp_path, "fam/1.yaml", doc())
    write(tmp_path, "fam/2.yaml", doc(version="2", effective_from=D(2021, 1, 1)))
    with pytest.raises(RulesetError) as caught:
        load(tmp_path)
    assert caught.value.problems == ["fam: versions 1 (2020-01-01..) and 2 (from 2021-01-01) overlap"]


def test_the_shipped_rulesets_load() -> None:
    loaded = load()
    paths = sorted(RULESETS.glob("*/*.yaml"))
    assert [r.id for r in loaded] == [f"{p.parent.name}/{p.stem}" for p in paths]
    assert check_families(loaded) == []
    for ruleset, path in zip(loaded, paths, strict=True):
        assert ruleset.hash == digest(yaml.safe_load(path.read_text(encoding="utf-8")))
    listing = [r for r in loaded if r.family == "listing"]
    assert [(r.version, r.scope) for r in listing] == [("2015", "conduct"), ("2017", "conduct"), ("2023", "conduct")]


# --- digest --------------------------------------------------------------------------------------


def test_digest_ignores_key_order_formatting_and_comments() -> None:
    raw = doc()
    block = text(raw)
    reordered = yaml.safe_dump(dict(reversed(list(raw.items()))), default_flow_style=True, width=1000)
    commented = "# a comment\n" + block.replace("title: t\n", "title: t   # trailing\n", 1)
    hashes = {parse(t).hash for t in (block, reordered, commented)}
    assert len(hashes) == 1
    (only,) = hashes
    assert only.startswith("sha256:")
    assert len(only) == len("sha256:") + 64


def test_digest_changes_with_a_value() -> None:
    raw = doc()
    changed = copy.deepcopy(raw)
    changed["rules"][0]["when"]["value"] = 2
    assert digest(raw) != digest(changed)
    assert digest(raw) == digest(copy.deepcopy(raw))
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": [1, 2]}) != digest({"a": [2, 1]})


# --- export: the loaded rulesets written back for readers ---------------------------------------


def test_export_writes_conditions_back_in_the_yaml_shape() -> None:
    condition = {
        "all": [
            {"fact": "accidents", "where": {"grade_at_least": "larger", "fatal": True}, "op": ">=", "value": 2},
            {"any": [{"not": {"produced": "notice"}}, {"fact": "industry", "where": {}, "op": "in", "value": ["a"]}]},
            {"fact": "listed", "where": {"list_types": ["BLACKLIST_2015"]}, "op": "==", "value": False},
        ]
    }
    loaded = parse(text(doc(rules=[rule(when=condition)])))
    written = export.ruleset(loaded)["rules"][0]["when"]
    assert written == {
        "all": [
            {"fact": "accidents", "where": {"fatal": True, "grade_at_least": "larger"}, "op": ">=", "value": 2},
            {"any": [{"not": {"produced": "notice"}}, {"fact": "industry", "where": {}, "op": "in", "value": ["a"]}]},
            {"fact": "listed", "where": {"list_types": ["BLACKLIST_2015"]}, "op": "==", "value": False},
        ]
    }
    again = parse(text(doc(rules=[rule(when=written)])))
    assert again.rules[0].when == loaded.rules[0].when


def test_export_of_a_ruleset() -> None:
    loaded = parse(
        text(
            doc(
                effective_to=D(2022, 12, 31),
                note="n",
                rules=[
                    rule(
                        then=[
                            {
                                "outcome": "list_blacklist_2015",
                                "term": {"years": 1},
                                "persons": ["principal"],
                                "value": [1, 2],
                            },
                            {"outcome": "disclose_penalty", "term": "lifetime", "criterion": "c", "unit": "%"},
                            {"outcome": "disclose_penalty"},
                        ]
                    ),
                    rule(id="Y", tag="R", basis=["mem11"], note="rn"),
                    rule(id="Z", tag="C", basis=["mem11", "mem11_case8"]),
                ],
            )
        )
    )
    out = export.ruleset(loaded)
    rules = out.pop("rules")
    assert out == {
        "id": "fam/1",
        "family": "fam",
        "version": "1",
        "title": "t",
        "hash": loaded.hash,
        "effective_from": "2020-01-01",
        "effective_to": "2022-12-31",
        "scope": "state",
        "combine": "all",
        "legal_basis": ["mem11"],
        "note": "n",
        "jurisdiction": None,
        "new_listings_until": None,
        "configured_extensions": [],
    }
    assert [(r["id"], r["tag"], r["verified"], r["basis"], r["note"]) for r in rules] == [
        ("X", "C", True, ["mem11"], ""),
        ("Y", "R", False, ["mem11"], "rn"),  # an R rule is never verified
        ("Z", "C", False, ["mem11", "mem11_case8"], ""),  # nor one resting on an R basis
    ]
    assert rules[0]["subjects"] == ["enterprise"]
    assert rules[0]["title"] == "x"
    listing, lifetime, plain = rules[0]["then"]
    assert listing == {
        "outcome": "list_blacklist_2015",
        "kind": "listing",
        "text": OUTCOMES["list_blacklist_2015"].text,
        "start": "trigger",
        "term": {"years": 1, "months": 0},
        "value": [1, 2],
        "unit": None,
        "criterion": None,
        "persons": ["principal"],
        "verified": True,
    }
    assert (lifetime["term"], lifetime["criterion"], lifetime["unit"], lifetime["verified"]) == (
        "lifetime",
        "c",
        "%",
        True,
    )
    assert (plain["term"], plain["value"], plain["persons"]) == (None, None, [])
    local = export.ruleset(parse(text(doc(jurisdiction=["11", "1201"]))))
    assert (local["effective_to"], local["jurisdiction"]) == (None, ["11", "1201"])


def test_export_describes_the_whole_vocabulary() -> None:
    older = parse(text(doc(version="1", effective_to=D(2020, 12, 31))))
    newer = parse(text(doc(version="2", effective_from=D(2021, 1, 1))))
    first = parse(text(doc(family="aaa")))
    out = export.describe([newer, older, first])
    assert [r["id"] for r in out["rulesets"]] == ["aaa/1", "fam/1", "fam/2"]
    assert [b["code"] for b in out["bases"]] == list(BASES)
    assert out["bases"][0] == export.basis(BASES[next(iter(BASES))])
    case8 = export.basis(BASES["mem11_case8"])
    assert (case8["tag"], case8["verified"], case8["doc_no"]) == ("R", False, "应急管理部令第11号")
    departments = out["measures_by_department"]
    assert list(departments) == sorted(departments)
    assert {m["code"] for m in departments["mof"]} >= {"restrict_procurement", "restrict_public_funds"}
    financing = next(m for m in departments["pbc"] if m["code"] == "restrict_financing")
    assert financing == {
        "code": "restrict_financing",
        "kind": "measure",
        "text": OUTCOMES["restrict_financing"].text,
        "text_en": OUTCOMES["restrict_financing"].text_en,
        "applies_to": list(OUTCOMES["restrict_financing"].applies_to),
        "basis": list(OUTCOMES["restrict_financing"].basis),
        "tag": OUTCOMES["restrict_financing"].tag,
        "verified": OUTCOMES["restrict_financing"].verified,
    }
    every = sum(len(o.departments) for o in OUTCOMES.values() if o.code not in RETIRED)
    assert sum(len(v) for v in departments.values()) == every
    assert out["list_types"] == dict(LIST_TYPES)
    assert out["operators"] == {k: list(v) for k, v in OPERATORS.items()}
    windows = next(f for f in out["facts"] if f["name"] == "accidents_in_any_window")
    assert windows["type"] == "int"
    assert windows["params"]["months"] == {
        "type": "int",
        "doc": FACTS["accidents_in_any_window"].params["months"].doc,
        "required": True,
    }
    assert windows["params"]["fatal"]["required"] is False
    assert next(f for f in out["facts"] if f["name"] == "industry")["params"] == {}
    assert [f["name"] for f in out["facts"]] == list(FACTS)


# --- per-event terms and their minimum (DOMAIN 8.10) --------------------------------------------


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"term": {"years": 1}, "minimum": {"months": -1}}, "a minimum needs years or months of 0 or more"),
        (
            {"each": True, "term": {"years": 1}, "minimum": {"years": 2}},
            "a minimum needs a period term at least as long",
        ),
        (
            {"each": True, "term": "lifetime", "minimum": {"months": 3}},
            "a minimum needs a period term at least as long",
        ),
        ({"term": {"years": 1}, "minimum": {"months": 3}}, "a minimum belongs to one event's term: set each"),
        (
            {"each": True, "term": "listing"},
            "each runs a period from each event itself: start trigger and a period term",
        ),
        (
            {"each": True, "start": "as_of", "term": {"years": 1}},
            "each runs a period from each event itself: start trigger and a period term",
        ),
    ],
)
def test_each_and_minimum_are_checked(spec: dict[str, Any], problem: str) -> None:
    assert any(p.endswith(problem) for p in outcome(**spec)), outcome(**spec)


def test_each_with_a_minimum_is_loaded() -> None:
    ruleset = parse(
        text(
            doc(
                rules=[
                    rule(
                        then=[
                            {
                                "outcome": "disclose_penalty",
                                "each": True,
                                "term": {"years": 1},
                                "minimum": {"months": 3},
                            }
                        ]
                    )
                ]
            )
        )
    )
    spec = ruleset.rules[0].then[0]
    assert (spec.each, spec.minimum) == (True, Period(0, 3))


def test_credit_class_is_checked() -> None:
    assert when({"fact": "penalties", "where": {"credit_class": ["bad"]}, "op": ">=", "value": 1}) == [
        f"{HERE}.when.where: credit_class must be a non-empty list of minor, general, serious, unrecorded"
    ]


# --- the structural rules of the legal review (DOMAIN 8) -----------------------------------------

LOCAL_RULE = "local-basis-needs-jurisdiction"


def test_a_local_legal_basis_needs_a_jurisdiction() -> None:
    (problem,) = problems(doc(legal_basis=["mem11", "beijing_incentives"]))
    assert problem.startswith(f"<string>: legal_basis: {LOCAL_RULE}: rests on a local text (legal_basis ")
    assert "beijing_incentives (北京市安全生产监督管理局)" in problem
    assert "DOMAIN 8.9" in problem
    assert parse(text(doc(legal_basis=["mem11", "beijing_incentives"], jurisdiction=["11"]))).jurisdiction == ("11",)


@pytest.mark.parametrize(
    ("over", "named"),
    [
        ({"tag": "L"}, "rule tag L"),
        ({"basis": ["mem11", "four_always"]}, "basis four_always (惠安监管〔2017〕10号)"),
        ({"then": [{"outcome": "work_injury_reduction"}]}, "outcome work_injury_reduction (tag L)"),
        (
            {"then": [{"outcome": "work_injury_reduction"}]},
            "outcome work_injury_reduction basis beijing_incentives (北京市安全生产监督管理局)",
        ),
    ],
)
def test_a_rule_resting_on_a_local_text_needs_a_jurisdiction(over: dict[str, Any], named: str) -> None:
    (problem,) = problems(doc(rules=[rule(**over)]))
    assert problem.startswith(f"{HERE}: {LOCAL_RULE}: rests on a local text (")
    assert named in problem
    assert "move it to a local pack (DOMAIN 8.9)" in problem
    assert parse(text(doc(rules=[rule(**over)], jurisdiction=["4403"]))).rules[0].id == "X"


@pytest.mark.parametrize("basis", [["mem11"], ["four_always"], ["mem11_case8"], ["gbf2015_20", "ndrc1001_2"]])
def test_a_ban_without_a_statute_tagged_c_is_refused(basis: list[str]) -> None:
    raw = doc(rules=[rule(basis=basis, then=[{"outcome": "ban_principal_any_unit"}])], jurisdiction=["41"])
    (problem,) = problems(raw)
    assert problem == (
        f"{HERE}: ban-needs-statute: orders ban_principal_any_unit without a national statute or administrative "
        f"regulation tagged C among its bases ({', '.join(basis)}); a ban rests only on the law (DOMAIN 8.1-8.3)"
    )


def test_a_ban_on_a_statute_is_accepted_and_other_kinds_need_none() -> None:
    ban = rule(basis=["mem11", "safety_law_92"], then=[{"outcome": "ban_intermediary_5y"}])
    assert parse(text(doc(rules=[ban, rule(id="Y")]))).rules[0].basis[1].statute


def test_check_refuses_bad_files_in_a_tree_naming_the_rule(tmp_path: Path) -> None:
    write(tmp_path, "good/1.yaml", doc(family="good"))
    write(tmp_path, "local/1.yaml", doc(family="local", rules=[rule(tag="L", basis=["tianjin_blacklist"])]))
    write(tmp_path, "ban/1.yaml", doc(family="ban", rules=[rule(then=[{"outcome": "ban_intermediary_life"}])]))
    with pytest.raises(RulesetError) as caught:
        load(tmp_path)
    ban, local = caught.value.problems
    assert ban.startswith("ban/1.yaml: rules[0] (X): ban-needs-statute: orders ban_intermediary_life")
    assert local.startswith(f"local/1.yaml: rules[0] (X): {LOCAL_RULE}: rests on a local text (rule tag L, ")


def test_no_shipped_ruleset_rests_on_a_local_text_without_a_jurisdiction() -> None:
    for r in load():
        local = [b for b in r.legal_basis if b.tag == "L"] + [b for x in r.rules for b in x.basis if b.tag == "L"]
        assert r.jurisdiction is not None or not local, r.id


# --- local packs enabled for more areas by configuration ------------------------------------------


def test_extensions_enable_a_local_pack_for_more_areas(tmp_path: Path) -> None:
    write(tmp_path, "local/1.yaml", doc(family="local", jurisdiction=["4403"]))
    write(tmp_path, "national/1.yaml", doc(family="national"))
    (plain,) = (r for r in load(tmp_path) if r.family == "local")
    assert plain.extensions == ()
    local, national = load(tmp_path, {"local": ["3205", "41", "3205"]})
    assert (local.extensions, national.extensions) == (("3205", "41"), ())
    assert local.hash == plain.hash  # the configuration is not part of the file
    described = export.describe([local, national])
    assert described["local_packs"] == {
        "local": {
            "title": "t",
            "legal_basis": ["mem11"],
            "jurisdiction": ["4403"],
            "configured_extensions": ["3205", "41"],
            "configured_amounts": {},
        }
    }
    assert [r["configured_extensions"] for r in described["rulesets"]] == [["3205", "41"], []]
    assert described["changes"] == export.CHANGES
    assert "DOMAIN 8.9" in export.CHANGES
    assert "DOMAIN 8.11" in export.CHANGES


@pytest.mark.parametrize(
    ("extensions", "problem"),
    [
        ({"nope": ["11"]}, "REGISTRY_RULES_LOCAL_PACKS: unknown pack 'nope' (local packs: local)"),
        ({"national": ["11"]}, "REGISTRY_RULES_LOCAL_PACKS: 'national' is national, not a local pack"),
        (
            {"local": ["11", "123"]},
            "REGISTRY_RULES_LOCAL_PACKS: 'local' needs division-code prefixes of 2, 4 or 6 digits (got '11', '123')",
        ),
        (
            {"local": []},
            "REGISTRY_RULES_LOCAL_PACKS: 'local' needs division-code prefixes of 2, 4 or 6 digits (got none)",
        ),
    ],
)
def test_bad_extensions_are_refused(tmp_path: Path, extensions: dict[str, list[str]], problem: str) -> None:
    write(tmp_path, "local/1.yaml", doc(family="local", jurisdiction=["4403"]))
    write(tmp_path, "national/1.yaml", doc(family="national"))
    with pytest.raises(RulesetError) as caught:
        load(tmp_path, extensions)
    assert caught.value.problems == [problem]


# ---- amounts a deployment sets where a local text gives none (REGISTRY_RULES_LOCAL_AMOUNTS) ----------

SHIPPED = load()
SZ = "REGISTRY_RULES_LOCAL_AMOUNTS: "


def test_configured_amounts_value_a_local_packs_open_outcomes_and_say_so() -> None:
    """Shenzhen's note orders a lower work-injury rate with no percentage (DOMAIN 8.9): a deployment
    sets 10 percent; the outcome carries it, marked configured, the file's hash unchanged, and the
    catalogue lists the configured amount; outcomes not configured keep no value."""
    amounts = {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": [10, 5], "unit": "percent_lower"}}}
    configured = {r.id: r for r in configure(SHIPPED, amounts)}
    shipped = {r.id: r for r in SHIPPED}
    sz = configured["shenzhen_incentives/2017"]
    assert sz.hash == shipped["shenzhen_incentives/2017"].hash
    assert sz.amounts == (("work_injury_rate_lowered", (10, 5), "percent_lower"),)
    specs = {o.entry.code: o for rule in sz.rules for o in rule.then}
    lowered = specs["work_injury_rate_lowered"]
    assert (lowered.value, lowered.unit, lowered.configured) == ((10, 5), "percent_lower", True)
    assert (specs["liability_insurance_linked"].value, specs["liability_insurance_linked"].configured) == (None, False)
    assert all(configured[i] is shipped[i] for i in shipped if i != sz.id)  # the others untouched
    described = export.describe(configured.values())
    assert described["local_packs"]["shenzhen_incentives"]["configured_amounts"] == {
        "work_injury_rate_lowered": {"value": [10, 5], "unit": "percent_lower"}
    }
    [exported] = [r for r in described["rulesets"] if r["id"] == sz.id]
    outcomes = {o["outcome"]: o for rule in exported["rules"] for o in rule["then"]}
    assert outcomes["work_injury_rate_lowered"]["value_configured"] is True
    assert "value_configured" not in outcomes["liability_insurance_linked"]


@pytest.mark.parametrize(
    ("amounts", "problem"),
    [
        (
            {"listing": {"list_serious_dishonest_2023": {"value": 1, "unit": "x"}}},
            "'listing' is not a local pack (local packs: beijing_incentives, enforcement, erqi_incentives, "
            "huiji_four_always, liability_insurance_tianjin, shenzhen_incentives); "
            "national texts set their own amounts",
        ),
        ({"nope": {"a": {"value": 1, "unit": "x"}}}, "'nope' is not a local pack"),
        (
            {"shenzhen_incentives": {"honours_priority": {"value": 1, "unit": "x"}}},
            "shenzhen_incentives: the pack orders no 'honours_priority' (it orders: inspection_frequency_reduced, "
            "liability_insurance_linked, work_injury_rate_lowered)",
        ),
        (
            {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": 1}}},
            "shenzhen_incentives.work_injury_rate_lowered: give exactly value and unit (got value)",
        ),
        (
            {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": "ten", "unit": "x"}}},
            "shenzhen_incentives.work_injury_rate_lowered: the value must be a number or a list of numbers (got 'ten')",
        ),
        (
            {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": True, "unit": "x"}}},
            "shenzhen_incentives.work_injury_rate_lowered: the value must be a number or a list of numbers (got True)",
        ),
        (
            {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": [], "unit": "x"}}},
            "shenzhen_incentives.work_injury_rate_lowered: the value must be a number or a list of numbers (got [])",
        ),
        (
            {"shenzhen_incentives": {"work_injury_rate_lowered": {"value": 3, "unit": " "}}},
            "shenzhen_incentives.work_injury_rate_lowered: the unit must be a non-empty name "
            "(e.g. percent_of_base_rate)",
        ),
        (
            {"shenzhen_incentives": {"work_injury_rate_lowered": 10}},
            "shenzhen_incentives.work_injury_rate_lowered: give a mapping with value and unit",
        ),
    ],
)
def test_bad_amounts_are_refused(amounts: dict[str, Any], problem: str) -> None:
    with pytest.raises(RulesetError) as caught:
        configure(SHIPPED, amounts)
    [got] = caught.value.problems
    assert got.startswith(SZ + problem), got


def test_an_amount_the_text_sets_is_never_replaced_by_configuration(tmp_path: Path) -> None:
    """A local text that gives its own amount is law: configuration cannot change it."""
    valued = rule(then=[{"outcome": "work_injury_rate_lowered", "value": 5, "unit": "percent_lower"}])
    write(tmp_path, "local/1.yaml", doc(family="local", jurisdiction=["4403"], rules=[valued]))
    [loaded] = load(tmp_path)
    assert [o.value for r in loaded.rules for o in r.then] == [5]
    with pytest.raises(RulesetError) as caught:
        load(tmp_path, amounts={"local": {"work_injury_rate_lowered": {"value": 1, "unit": "x"}}})
    assert caught.value.problems == [
        f"{SZ}local.work_injury_rate_lowered: the text sets its amount; configuration cannot change the law"
    ]


def test_a_retired_outcome_is_refused_and_left_out_of_the_measures() -> None:
    """No statute bans an intermediary for an accident (DOMAIN 8.1): a ruleset ordering the retired
    ``ban_intermediary_accident`` is refused, even on a statute's basis, and partners reading the
    measures by department no longer see it."""
    retired = rule(
        subjects=["agency"],
        basis=["safety_law_92"],
        then=[{"outcome": "ban_intermediary_accident", "term": {"years": 5}}],
    )
    found = problems(doc(rules=[retired]))
    assert any("'ban_intermediary_accident' is retired" in p for p in found), found
    described = export.describe(SHIPPED)
    listed = {m["code"] for measures in described["measures_by_department"].values() for m in measures}
    assert "ban_intermediary_accident" not in listed
    assert "ban_intermediary_5y" in listed

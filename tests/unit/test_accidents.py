"""Accident grades (国务院令第493号 第三条): every boundary on every axis, max over axes, monotone."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.events.accidents import GRADES, LABELS, axes_reaching, grade_of, rank

# Written out here from the decree, not imported: 以上 includes the number, 以下 excludes it.
ORDER = ("ordinary", "larger", "major", "especially_major")
#: grade -> inclusive lower bound on (deaths, serious injuries, direct loss in 元)
TABLE = {
    "larger": (3, 10, 10_000_000),
    "major": (10, 50, 50_000_000),
    "especially_major": (30, 100, 100_000_000),
}
DEATHS, INJURIES, LOSS = 0, 1, 2


def axis_grade(axis: int, value: int) -> str:
    found = "ordinary"
    for grade in ORDER[1:]:
        if value >= TABLE[grade][axis]:
            found = grade
    return found


def expected_grade(deaths: int, injuries: int, loss: int) -> str:
    return max((axis_grade(DEATHS, deaths), axis_grade(INJURIES, injuries), axis_grade(LOSS, loss)), key=ORDER.index)


@pytest.mark.parametrize(
    ("deaths", "grade"),
    [
        (0, "ordinary"),
        (1, "ordinary"),
        (2, "ordinary"),
        (3, "larger"),
        (9, "larger"),
        (10, "major"),
        (29, "major"),
        (30, "especially_major"),
        (31, "especially_major"),
        (1_000_000, "especially_major"),
    ],
)
def test_deaths_axis_boundaries(deaths, grade):
    assert grade_of(deaths, 0, 0) == grade


@pytest.mark.parametrize(
    ("injuries", "grade"),
    [
        (0, "ordinary"),
        (9, "ordinary"),
        (10, "larger"),
        (49, "larger"),
        (50, "major"),
        (99, "major"),
        (100, "especially_major"),
        (101, "especially_major"),
    ],
)
def test_serious_injuries_axis_boundaries(injuries, grade):
    assert grade_of(0, injuries, 0) == grade


@pytest.mark.parametrize(
    ("loss", "grade"),
    [
        (0, "ordinary"),
        (9_999_999, "ordinary"),
        (10_000_000, "larger"),
        (49_999_999, "larger"),
        (50_000_000, "major"),
        (99_999_999, "major"),
        (100_000_000, "especially_major"),
        (100_000_001, "especially_major"),
        (10**13, "especially_major"),
    ],
)
def test_direct_loss_axis_boundaries(loss, grade):
    assert grade_of(0, 0, loss) == grade


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss", "grade"),
    [
        # just below every axis's first bound: still 一般
        (2, 9, 9_999_999, "ordinary"),
        # one axis at a bound, the others below it: the highest axis wins
        (2, 10, 9_999_999, "larger"),
        (3, 0, 100_000_000, "especially_major"),
        (30, 10, 0, "especially_major"),
        (0, 100, 10_000_000, "especially_major"),
        (10, 49, 49_999_999, "major"),
        (9, 50, 0, "major"),
        (0, 49, 50_000_000, "major"),
        (29, 99, 99_999_999, "major"),
        (9, 49, 49_999_999, "larger"),
        # several axes agreeing
        (10, 50, 50_000_000, "major"),
        (30, 100, 100_000_000, "especially_major"),
    ],
)
def test_mixed_axes_take_the_highest_grade(deaths, injuries, loss, grade):
    assert grade_of(deaths, injuries, loss) == grade


def test_grades_are_ordered_lowest_first_with_labels():
    assert GRADES == ORDER
    assert LABELS == {
        "ordinary": "一般事故",
        "larger": "较大事故",
        "major": "重大事故",
        "especially_major": "特别重大事故",
    }


@pytest.mark.parametrize(("grade", "expected"), [("ordinary", 0), ("larger", 1), ("major", 2), ("especially_major", 3)])
def test_rank(grade, expected):
    assert rank(grade) == expected


@pytest.mark.parametrize(
    ("grade", "deaths", "injuries", "loss", "axes"),
    [
        ("ordinary", 100, 100, 10**9, []),
        ("larger", 3, 0, 0, ["deaths"]),
        ("larger", 2, 9, 9_999_999, []),
        ("larger", 30, 0, 10_000_000, ["deaths", "direct_loss_cny"]),
        ("major", 10, 50, 0, ["deaths", "serious_injuries"]),
        ("major", 9, 49, 50_000_000, ["direct_loss_cny"]),
        ("especially_major", 29, 99, 99_999_999, []),
        ("especially_major", 30, 100, 100_000_000, ["deaths", "serious_injuries", "direct_loss_cny"]),
        ("especially_major", 0, 100, 0, ["serious_injuries"]),
    ],
)
def test_axes_reaching(grade, deaths, injuries, loss, axes):
    assert axes_reaching(grade, deaths, injuries, loss) == axes


# values cluster around the statutory bounds, where mistakes live
counts = st.one_of(
    st.integers(0, 150),
    st.sampled_from([2, 3, 9, 10, 29, 30, 49, 50, 99, 100]),
    st.integers(0, 1_000_000),
)
losses = st.one_of(
    st.integers(0, 150_000_000),
    st.sampled_from([b + d for b in (10_000_000, 50_000_000, 100_000_000) for d in (-1, 0, 1)]),
    st.integers(0, 10**13),
)


@given(counts, counts, losses)
def test_grade_is_the_max_over_axes_of_the_decree_table(deaths, injuries, loss):
    assert grade_of(deaths, injuries, loss) == expected_grade(deaths, injuries, loss)


@given(counts, counts, losses, st.sampled_from([DEATHS, INJURIES, LOSS]), st.integers(0, 200_000_000))
def test_increasing_any_axis_never_lowers_the_grade(deaths, injuries, loss, axis, increase):
    before = [deaths, injuries, loss]
    after = list(before)
    after[axis] += increase
    assert ORDER.index(grade_of(*after)) >= ORDER.index(grade_of(*before))


@given(counts, counts, losses)
def test_a_grade_above_ordinary_names_the_axes_that_reach_it(deaths, injuries, loss):
    grade = grade_of(deaths, injuries, loss)
    axes = axes_reaching(grade, deaths, injuries, loss)
    values = {"deaths": deaths, "serious_injuries": injuries, "direct_loss_cny": loss}
    if grade == "ordinary":
        assert axes == []
    else:
        assert axes
        assert all(axis_grade(list(values).index(a), values[a]) == grade for a in axes)

"""The listing state machine (registry.domain.listings.workflow), pure: every action from every
status, the freezes (objection, pending decision), the two-officer rule, the statement period,
credit repair on calendar months, removal on application (49号) and the term's end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.listings import types
from registry.domain.listings import workflow as wf
from registry.domain.listings.workflow import Refused, State, check
from registry.rules.calendar import full_months

D = dt.date
STATUSES = list(types.STATUSES)
ACTIONS = list(wf.ALLOWED_FROM)
PENDING_ACTIONS = ("remove", "grant_repair", "revoke_repair")
PROPOSER = "officer-a"
SECOND = "officer-b"
THIRD = "officer-c"
TODAY = D(2026, 11, 26)
REPAIRABLE = sorted(code for code, t in types.LIST_TYPES.items() if t.repairable)
NOT_REPAIRABLE = sorted(code for code, t in types.LIST_TYPES.items() if not t.repairable)
AUTOMATIC = sorted(code for code, t in types.LIST_TYPES.items() if t.automatic_expiry)
ON_APPLICATION = sorted(code for code, t in types.LIST_TYPES.items() if not t.automatic_expiry)


def state(status: str = "listed", **over: typing.Any) -> State:
    """A listing listed on 2024-01-15 for 36 months, proposed by officer A, nothing pending."""
    base: dict[str, typing.Any] = {
        "list_type": "SERIOUS_DISHONEST_2023",
        "status": status,
        "proposed_by": PROPOSER,
        "effective_on": D(2024, 1, 15),
        "expires_on": D(2027, 1, 15),
    }
    base.update(over)
    return State(**base)


def ready(action: str, status: str) -> State:
    """A listing in ``status`` meeting every precondition of ``action`` except the status itself."""
    over: dict[str, typing.Any] = {}
    if action == "resolve_objection":
        over["objection_pending"] = True
    elif action == "approve":
        if status == "notified":
            over["statement_answered"] = True
        else:
            over.update(pending_action="remove", pending_by=PROPOSER)
    elif action == "decide_repair":
        over["repair_pending"] = True
    elif action == "revoke_repair":
        over["removal_type"] = "early"
    return state(status, **over)


def refused(action: str, st_: State, actor: str = SECOND, on: dt.date = TODAY) -> Refused:
    with pytest.raises(Refused) as caught:
        check(action, st_, actor, on)
    return caught.value


def assert_refused(exc: Refused, status: int, code: str, field: str | None = None) -> None:
    assert (exc.status, exc.code, exc.field) == (status, code, field), (exc.status, exc.code, exc.field, exc.en)
    assert exc.zh
    assert exc.en


# ---- the vocabulary --------------------------------------------------------------------------


def test_every_action_has_its_sources_and_they_are_statuses() -> None:
    assert set(wf.ALLOWED_FROM) == set(typing.get_args(wf.Action))
    for action, sources in wf.ALLOWED_FROM.items():
        assert sources, action
        assert set(sources) <= set(types.STATUSES), action


def test_repairable_and_automatic_expiry_types() -> None:
    assert REPAIRABLE == ["SERIOUS_DISHONEST_2023"]
    assert {"BLACKLIST_2017", "OCCUPATIONAL_BAN", "INDUSTRY_BAN"} <= set(NOT_REPAIRABLE)
    assert set(AUTOMATIC) == {"SERIOUS_DISHONEST_2023", "OCCUPATIONAL_BAN", "INDUSTRY_BAN"}
    assert set(types.MANUAL_REMOVALS) <= set(types.REMOVAL_TYPES)
    assert set(types.REMOVAL_TYPES) >= types.CORRECTIONS


# ---- action x status -------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_action_refused_exactly_outside_its_source_statuses(action: str, status: str) -> None:
    st_ = ready(action, status)
    if status in wf.ALLOWED_FROM[action]:
        assert check(action, st_, SECOND, TODAY) is None
    else:
        exc = refused(action, st_)
        assert_refused(exc, 409, "illegal_transition")
        assert status in exc.en
        for source in wf.ALLOWED_FROM[action]:
            assert source in exc.en


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_a_bare_state_is_refused_as_illegal_only_outside_the_sources(action: str, status: str) -> None:
    """With nothing else set, the refusal (if any) is illegal_transition iff the status is not a source."""
    bare = State(
        list_type="SERIOUS_DISHONEST_2023",
        status=status,
        proposed_by=PROPOSER,
        effective_on=D(2020, 1, 1),
        expires_on=D(2023, 1, 1),
    )
    code: str | None = None
    try:
        check(action, bare, SECOND, TODAY)
    except Refused as exc:
        code = exc.code
    assert (code == "illegal_transition") == (status not in wf.ALLOWED_FROM[action]), code


# ---- freezes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_an_objection_freezes_everything_but_its_resolution(action: str, status: str) -> None:
    st_ = dataclasses.replace(ready(action, status), objection_pending=True)
    if action != "resolve_objection":
        assert_refused(refused(action, st_), 409, "objection_pending")
    elif status in wf.ALLOWED_FROM[action]:
        assert check(action, st_, SECOND, TODAY) is None
    else:
        assert_refused(refused(action, st_), 409, "illegal_transition")


@pytest.mark.parametrize("pending", PENDING_ACTIONS)
@pytest.mark.parametrize("action", ACTIONS)
def test_a_pending_decision_blocks_everything_but_approve_object_resolve(action: str, pending: str) -> None:
    for status in wf.ALLOWED_FROM[action]:
        st_ = dataclasses.replace(ready(action, status), pending_action=pending, pending_by=PROPOSER)
        if action in ("approve", "object"):
            assert check(action, st_, SECOND, TODAY) is None, status
        elif action == "resolve_objection":
            assert check(action, st_, SECOND, TODAY) is None, status  # ready() made the objection pending
            without = dataclasses.replace(st_, objection_pending=False)
            assert_refused(refused(action, without), 409, "no_objection")
        else:
            exc = refused(action, st_)
            assert_refused(exc, 409, "pending_approval")
            assert pending in exc.en


def test_an_objection_on_a_pending_decision_freezes_its_approval_too() -> None:
    st_ = state(pending_action="remove", pending_by=PROPOSER, objection_pending=True)
    assert_refused(refused("approve", st_), 409, "objection_pending")
    assert check("resolve_objection", st_, SECOND, TODAY) is None


def test_a_second_objection_while_one_is_pending_is_refused() -> None:
    assert_refused(refused("object", state("notified", objection_pending=True)), 409, "objection_pending")


def test_nothing_to_approve_or_decide_or_resolve() -> None:
    assert_refused(refused("approve", state("listed")), 409, "nothing_to_approve")
    assert_refused(refused("approve", state("removed", removal_type="early")), 409, "nothing_to_approve")
    assert_refused(refused("decide_repair", state("listed")), 409, "no_repair_application")
    assert_refused(refused("resolve_objection", state("notified")), 409, "no_objection")


# ---- two officers ----------------------------------------------------------------------------


def test_the_proposer_may_not_decide_the_listing() -> None:
    st_ = state("notified", statement_answered=True)
    assert_refused(refused("approve", st_, actor=PROPOSER), 422, "same_officer", "approver")
    assert check("approve", st_, SECOND, TODAY) is None


@pytest.mark.parametrize("pending", PENDING_ACTIONS)
def test_the_officer_who_proposed_a_decision_may_not_approve_it(pending: str) -> None:
    status = "removed" if pending == "revoke_repair" else "listed"
    st_ = state(status, pending_action=pending, pending_by=SECOND)
    assert_refused(refused("approve", st_, actor=SECOND), 422, "same_officer", "approver")
    # the rule is about the decision's proposer: the listing's proposer may approve it
    assert check("approve", st_, PROPOSER, TODAY) is None
    assert check("approve", st_, THIRD, TODAY) is None


# ---- the statement period ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "allowed"),
    [
        (D(2026, 11, 26), False),
        (D(2026, 11, 30), False),
        (D(2026, 12, 1), False),  # the deadline day is still in the period
        (D(2026, 12, 2), True),
        (D(2027, 3, 1), True),
    ],
)
def test_no_decision_before_the_statement_period_ends(on: dt.date, allowed: bool) -> None:
    st_ = state("notified", statement_deadline=D(2026, 12, 1))
    if allowed:
        assert check("approve", st_, SECOND, on) is None
    else:
        exc = refused("approve", st_, on=on)
        assert_refused(exc, 409, "statement_period_running")
        assert "2026-12-01" in exc.en


def test_an_answered_statement_ends_the_period_early() -> None:
    st_ = state("notified", statement_deadline=D(2026, 12, 1), statement_answered=True)
    assert check("approve", st_, SECOND, D(2026, 11, 26)) is None
    assert check("approve", st_, SECOND, D(2026, 12, 1)) is None


def test_a_notified_listing_without_a_deadline_may_be_decided() -> None:
    assert check("approve", state("notified"), SECOND, TODAY) is None


def test_the_proposer_is_refused_as_same_officer_even_during_the_period() -> None:
    st_ = state("notified", statement_deadline=D(2026, 12, 1))
    assert_refused(refused("approve", st_, actor=PROPOSER), 422, "same_officer", "approver")


# ---- credit repair ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "opens"),
    [
        (D(2024, 2, 29), D(2025, 2, 28)),
        (D(2026, 1, 31), D(2027, 1, 31)),
        (D(2024, 1, 31), D(2025, 1, 31)),
        (D(2023, 3, 1), D(2024, 3, 1)),  # not 365 days (that would be 2024-02-29)
        (D(2027, 2, 28), D(2028, 2, 28)),
        (D(2026, 12, 2), D(2027, 12, 2)),
        (D(2025, 12, 31), D(2026, 12, 31)),
    ],
)
def test_repair_opens_twelve_calendar_months_after_the_listing(effective: dt.date, opens: dt.date) -> None:
    assert wf.repair_opens(effective) == opens
    st_ = state(effective_on=effective, expires_on=wf.expires_on(effective, 36))
    exc = refused("apply_repair", st_, on=opens - dt.timedelta(days=1))
    assert_refused(exc, 422, "repair_too_early", "applied_on")
    assert opens.isoformat() in exc.en
    assert check("apply_repair", st_, SECOND, opens) is None
    assert check("apply_repair", st_, SECOND, opens + dt.timedelta(days=400)) is None


@pytest.mark.parametrize("list_type", NOT_REPAIRABLE)
def test_repair_only_for_repairable_list_types(list_type: str) -> None:
    st_ = state(list_type=list_type, effective_on=D(2020, 1, 1), expires_on=D(2021, 1, 1))
    assert_refused(refused("apply_repair", st_, on=D(2025, 1, 1)), 409, "not_repairable")


def test_one_repair_application_at_a_time() -> None:
    st_ = state(effective_on=D(2020, 1, 1), repair_pending=True)
    assert_refused(refused("apply_repair", st_), 409, "repair_pending")
    assert check("decide_repair", st_, SECOND, TODAY) is None


@pytest.mark.parametrize("removal", [None, *sorted(types.REMOVAL_TYPES)])
def test_only_an_early_removal_can_be_revoked(removal: str | None) -> None:
    st_ = state("removed", removal_type=removal)
    if removal == "early":
        assert check("revoke_repair", st_, SECOND, TODAY) is None
    else:
        assert_refused(refused("revoke_repair", st_), 409, "not_early_removal")


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)))
def test_repair_opens_after_exactly_twelve_full_months(effective: dt.date) -> None:
    opens = wf.repair_opens(effective)
    assert opens > effective
    assert full_months(effective, opens) == types.REPAIR_AFTER_MONTHS
    day_before = opens - dt.timedelta(days=1)
    assert full_months(effective, day_before) == types.REPAIR_AFTER_MONTHS - 1
    st_ = state(effective_on=effective, expires_on=wf.expires_on(effective, 36))
    assert check("apply_repair", st_, SECOND, opens) is None
    with pytest.raises(Refused):
        check("apply_repair", st_, SECOND, day_before)


# ---- removal by an officer ---------------------------------------------------------------------


@pytest.mark.parametrize("list_type", AUTOMATIC)
def test_no_removal_on_application_for_automatic_expiry(list_type: str) -> None:
    st_ = state(list_type=list_type, expires_on=D(2027, 1, 15))
    for on in (D(2026, 12, 16), D(2027, 1, 15), D(2027, 2, 1)):
        with pytest.raises(Refused) as caught:
            wf.removal_allowed(st_, "expiry_on_application", on)
        assert_refused(caught.value, 422, "automatic_expiry", "type")


@pytest.mark.parametrize("list_type", ON_APPLICATION)
def test_removal_on_application_from_thirty_days_before_expiry(list_type: str) -> None:
    st_ = state(list_type=list_type, effective_on=D(2023, 3, 1), expires_on=D(2024, 3, 1))
    opens = D(2024, 1, 31)  # 2024 is a leap year: 30 days before 2024-03-01
    assert st_.expires_on is not None
    assert opens == st_.expires_on - dt.timedelta(days=types.APPLICATION_WINDOW_DAYS)
    with pytest.raises(Refused) as caught:
        wf.removal_allowed(st_, "expiry_on_application", D(2024, 1, 30))
    assert_refused(caught.value, 422, "before_application_window", "type")
    assert "2024-01-31" in caught.value.en
    for on in (opens, D(2024, 2, 15), D(2024, 3, 1)):
        assert wf.removal_allowed(st_, "expiry_on_application", on) is None
    # 49号 (DOMAIN 2.2): "期满前30日之内"; the window ends with the term, as rule R21-2017-removal says
    for on in (D(2024, 3, 2), D(2025, 1, 1)):
        with pytest.raises(Refused) as caught:
            wf.removal_allowed(st_, "expiry_on_application", on)
        assert_refused(caught.value, 422, "application_window_closed", "type")
        assert "2024-03-01" in caught.value.en


@pytest.mark.parametrize("list_type", ON_APPLICATION)
def test_no_removal_on_application_without_a_term(list_type: str) -> None:
    st_ = state(list_type=list_type, effective_on=D(2023, 3, 1), expires_on=None)
    with pytest.raises(Refused) as caught:
        wf.removal_allowed(st_, "expiry_on_application", D(2024, 3, 1))
    assert_refused(caught.value, 422, "no_term", "type")


@pytest.mark.parametrize("on", [D(2024, 1, 30), D(2024, 1, 31), D(2024, 3, 1), D(2024, 3, 2)])
def test_the_49_removal_window_is_the_rules_window(on: dt.date) -> None:
    """Advice == decision: the workflow allows a removal on application exactly when rule
    R21-2017-removal advises it for the same listing on the same day."""
    from registry.rules.evaluator import evaluate
    from registry.rules.facts import Facts, Listing, Subject
    from registry.rules.loader import load

    facts = Facts(
        subject=Subject(type="enterprise"),
        listings=(Listing(id=5, list_type="JOINT_PUNISHMENT_2017", listed_on=D(2023, 3, 1), until=D(2024, 3, 1)),),
    )
    advised = any(o.code == "removal_on_application_2017" for o in evaluate(load(), facts, on).removals)
    st_ = state(list_type="JOINT_PUNISHMENT_2017", effective_on=D(2023, 3, 1), expires_on=D(2024, 3, 1))
    try:
        wf.removal_allowed(st_, "expiry_on_application", on)
        allowed = True
    except Refused:
        allowed = False
    assert allowed is advised


@pytest.mark.parametrize("removal", ["court", "review"])
@pytest.mark.parametrize("list_type", sorted(types.LIST_TYPES))
def test_court_and_review_removals_any_time(list_type: str, removal: str) -> None:
    for expires in (None, D(2030, 1, 1)):
        st_ = state(list_type=list_type, effective_on=D(2026, 11, 1), expires_on=expires)
        assert wf.removal_allowed(st_, removal, D(2026, 11, 2)) is None


# ---- the term ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "months", "expected"),
    [
        (D(2023, 10, 1), 36, D(2026, 10, 1)),
        (D(2024, 2, 29), 36, D(2027, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2026, 12, 2), 36, D(2029, 12, 2)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 3, 31), 12, D(2025, 3, 31)),
        (D(2024, 5, 31), 60, D(2029, 5, 31)),
        (D(2023, 10, 1), None, None),
    ],
)
def test_expires_on_counts_calendar_months(effective: dt.date, months: int | None, expected: dt.date | None) -> None:
    assert wf.expires_on(effective, months) == expected


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2080, 12, 31)), st.integers(min_value=1, max_value=120))
def test_expires_on_is_exactly_the_term_in_full_months(effective: dt.date, months: int) -> None:
    end = wf.expires_on(effective, months)
    assert end is not None
    assert end > effective
    assert full_months(effective, end) == months
    assert full_months(effective, end - dt.timedelta(days=1)) == months - 1


@pytest.mark.parametrize(
    ("status", "expires", "on", "expected"),
    [
        ("listed", D(2026, 10, 1), D(2026, 9, 30), False),
        ("listed", D(2026, 10, 1), D(2026, 10, 1), False),  # the last day is still in the term
        ("listed", D(2026, 10, 1), D(2026, 10, 2), True),
        ("listed", None, D(2099, 1, 1), False),  # for life
        *[(s, D(2026, 10, 1), D(2026, 10, 2), False) for s in STATUSES if s != "listed"],
    ],
)
def test_expired(status: str, expires: dt.date | None, on: dt.date, expected: bool) -> None:
    assert wf.expired(status, expires, on) is expected


# ---- reject (an approve that refuses) ------------------------------------------------------------


def test_a_proposal_is_decided_only_after_notice() -> None:
    with pytest.raises(Refused) as err:
        check("approve", state("proposed"), SECOND, TODAY)
    assert (err.value.status, err.value.code) == (409, "notice_required")


@pytest.mark.parametrize("status", ["proposed", "notified"])
def test_the_proposer_may_withdraw_a_proposal_at_any_time(status: str) -> None:
    """Rejecting is not deciding: the proposer may withdraw, during the statement period too."""
    check("approve", state(status, statement_deadline=TODAY + dt.timedelta(days=3)), PROPOSER, TODAY, reject=True)


def test_the_officer_of_a_pending_decision_may_withdraw_it() -> None:
    check("approve", state("listed", pending_action="remove", pending_by=SECOND), SECOND, TODAY, reject=True)


@pytest.mark.parametrize("status", ["listed", "removed"])
def test_reject_needs_something_to_reject(status: str) -> None:
    with pytest.raises(Refused) as err:
        check("approve", state(status), SECOND, TODAY, reject=True)
    assert err.value.code == "nothing_to_approve"


def test_an_objection_pending_when_the_term_ended_can_still_be_resolved() -> None:
    check("resolve_objection", state("removed", objection_pending=True), SECOND, TODAY)
    with pytest.raises(Refused):
        check("revoke_repair", state("removed", objection_pending=True, removal_type="early"), SECOND, TODAY)

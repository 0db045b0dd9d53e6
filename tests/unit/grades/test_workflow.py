"""The grade state machine, exhaustively: every action from every status under both procedures."""

import pytest

from registry.domain.grades.workflow import ENDED, PENDING, STATUSES, IllegalTransition, allowed_from, next_status

STANDARD = ["review", "audit", "announcement"]
SIMPLIFIED = ["review", "announcement"]
PROCEDURES = {"standard": STANDARD, "simplified": SIMPLIFIED}

ACTIONS = [
    "review",
    "audit",
    "announce",
    "certificate",
    "annual_check",
    "rectify",
    "revoke",
    "suspend",
    "resume",
    "withdraw",
]
ALL_STATUSES = [
    "applied",
    "reviewed",
    "audited",
    "suspended",
    "rejected",
    "withdrawn",
    "valid",
    "expired",
    "revoked",
    "superseded",
]
PENDING_STATUSES = ["applied", "reviewed", "audited"]
TERMINAL = ["rejected", "withdrawn", "expired", "revoked", "superseded"]

# (action, status) -> (status after passing, status after failing); the two agree unless judged
COMMON = {
    ("review", "applied"): ("reviewed", "rejected"),
    ("certificate", "valid"): ("valid", "valid"),
    ("annual_check", "valid"): ("valid", "valid"),
    ("rectify", "valid"): ("valid", "valid"),
    ("revoke", "valid"): ("revoked", "revoked"),
    **{("suspend", s): ("suspended", "suspended") for s in PENDING_STATUSES},
    **{("withdraw", s): ("withdrawn", "withdrawn") for s in [*PENDING_STATUSES, "suspended"]},
}
EXPECTED = {
    "standard": {
        **COMMON,
        ("audit", "reviewed"): ("audited", "rejected"),
        ("announce", "audited"): ("valid", "valid"),
    },
    "simplified": {
        **COMMON,
        ("announce", "reviewed"): ("valid", "valid"),
    },
}
JUDGED = {"review", "audit"}


def sources(procedure: str, action: str) -> list[str]:
    if action == "resume":
        return ["suspended"]
    return sorted(s for (a, s) in EXPECTED[procedure] if a == action)


def test_the_test_tables_name_every_status_and_action():
    assert set(ALL_STATUSES) == set(STATUSES)
    assert set(PENDING_STATUSES) == PENDING
    assert set(TERMINAL) == ENDED


@pytest.mark.parametrize("procedure", PROCEDURES)
@pytest.mark.parametrize("action", ACTIONS)
def test_allowed_from(procedure, action):
    assert sorted(allowed_from(action, PROCEDURES[procedure])) == sources(procedure, action)


@pytest.mark.parametrize("procedure", PROCEDURES)
@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "resume"])
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_action_from_every_status(procedure, action, status):
    steps = PROCEDURES[procedure]
    expected = EXPECTED[procedure].get((action, status))
    if expected is None:
        with pytest.raises(IllegalTransition) as info:
            next_status(action, status, steps)
        assert (info.value.action, info.value.status) == (action, status)
        assert sorted(info.value.allowed_from) == sources(procedure, action)
        assert str(info.value) == f"{action} not allowed in status {status}"
    else:
        passed, failed = expected
        assert next_status(action, status, steps) == passed
        assert next_status(action, status, steps, passed=True) == passed
        if action in JUDGED:
            assert next_status(action, status, steps, passed=False) == failed


@pytest.mark.parametrize("procedure", PROCEDURES)
@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("resume_to", PENDING_STATUSES)
def test_resume(procedure, status, resume_to):
    steps = PROCEDURES[procedure]
    if status == "suspended":
        assert next_status("resume", status, steps, resume_to=resume_to) == resume_to
    else:
        with pytest.raises(IllegalTransition) as info:
            next_status("resume", status, steps, resume_to=resume_to)
        assert info.value.allowed_from == ["suspended"]


@pytest.mark.parametrize("procedure", PROCEDURES)
@pytest.mark.parametrize("status", TERMINAL)
def test_nothing_leaves_an_ended_status(procedure, status):
    for action in ACTIONS:
        with pytest.raises(IllegalTransition):
            next_status(action, status, PROCEDURES[procedure], passed=True, resume_to="applied")
        with pytest.raises(IllegalTransition):
            next_status(action, status, PROCEDURES[procedure], passed=False, resume_to="applied")


def test_audit_exists_only_in_the_standard_procedure():
    assert allowed_from("audit", SIMPLIFIED) == []
    for status in ALL_STATUSES:
        with pytest.raises(IllegalTransition):
            next_status("audit", status, SIMPLIFIED)


def test_announce_waits_for_the_audit_in_the_standard_procedure():
    with pytest.raises(IllegalTransition) as info:
        next_status("announce", "reviewed", STANDARD)
    assert info.value.allowed_from == ["audited"]
    with pytest.raises(IllegalTransition) as info:
        next_status("announce", "audited", SIMPLIFIED)
    assert info.value.allowed_from == ["reviewed"]


def test_standard_path_from_application_to_revocation():
    status = "applied"
    for action in ["review", "audit", "announce", "certificate", "annual_check", "rectify", "revoke"]:
        status = next_status(action, status, STANDARD)
    assert status == "revoked"


def test_simplified_path_with_a_suspension():
    status = next_status("review", "applied", SIMPLIFIED)
    assert status == "reviewed"
    suspended = next_status("suspend", status, SIMPLIFIED)
    assert suspended == "suspended"
    status = next_status("resume", suspended, SIMPLIFIED, resume_to=status)
    assert status == "reviewed"
    assert next_status("announce", status, SIMPLIFIED) == "valid"


def test_a_failed_review_or_audit_rejects():
    assert next_status("review", "applied", STANDARD, passed=False) == "rejected"
    assert next_status("audit", "reviewed", STANDARD, passed=False) == "rejected"
    assert next_status("review", "applied", SIMPLIFIED, passed=False) == "rejected"


@pytest.mark.parametrize("resume_to", [None, "valid", "suspended", "rejected"])
def test_resume_to_a_status_that_is_not_pending_is_refused(resume_to):
    """Even under ``python -O``: the check is not an assert."""
    with pytest.raises(IllegalTransition):
        next_status("resume", "suspended", ["review", "audit", "announcement"], resume_to=resume_to)

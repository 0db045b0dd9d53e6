"""The listing state machine, in one place. Pure: which action may follow which state, and why not.

proposed --notify--> notified --approve (2nd officer, after the statement period or an
answered statement)--> listed --publish--> listed (channels recorded)
notified --statement accepted / objection upheld--> dropped
listed --remove | apply-repair + decide-repair(granted) | objection upheld--> (pending) --approve--> removed
listed --sweep at expiry--> removed;  removed(early) --revoke-repair--> (pending) --approve--> listed

An open objection (异议) freezes the listing: nothing moves until it is resolved. A decision
proposed by one officer (remove, grant a repair, revoke a repair) waits for a second officer's
``approve``; while it waits nothing else moves either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

from registry.domain.calendar import add_months
from registry.domain.listings.types import LIST_TYPES, STATUSES, STEP_NAMES
from registry.rules import removal

Action = Literal[
    "notify",
    "statement",
    "object",
    "resolve_objection",
    "approve",
    "publish",
    "apply_repair",
    "decide_repair",
    "revoke_repair",
    "remove",
]

#: action -> the statuses it may start from
ALLOWED_FROM: Final[dict[str, tuple[str, ...]]] = {
    "notify": ("proposed",),
    "statement": ("notified",),
    "object": ("notified", "listed"),
    "resolve_objection": ("notified", "listed", "removed"),
    "approve": ("proposed", "notified", "listed", "removed"),
    "publish": ("listed",),
    "apply_repair": ("listed",),
    "decide_repair": ("listed",),
    "revoke_repair": ("removed",),
    "remove": ("listed",),
}


@dataclass(frozen=True, slots=True)
class State:
    list_type: str
    status: str
    proposed_by: str
    objection_pending: bool = False
    pending_action: str | None = None
    pending_by: str | None = None
    statement_deadline: dt.date | None = None
    statement_answered: bool = False
    effective_on: dt.date | None = None
    expires_on: dt.date | None = None
    removal_type: str | None = None
    repair_pending: bool = False


class Refused(Exception):
    """A domain refusal: 409 when the state forbids it (with the current state), 422 when a date
    or the two-officer rule does."""

    def __init__(self, status: int, code: str, zh: str, en: str, field: str | None = None) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.zh = zh
        self.en = en
        self.field = field


def repair_opens(effective_on: dt.date) -> dt.date:
    """The first day early removal may be applied for: 12 full calendar months after the listing
    (the rules' definition, ``registry.rules.removal``)."""
    return removal.repair_opens(effective_on)


def check(action: str, state: State, actor_id: str, on: dt.date, *, reject: bool = False) -> None:
    """Raise ``Refused`` unless ``actor_id`` may take ``action`` on a listing in ``state`` on ``on``.

    ``actor_id``, ``state.proposed_by`` and ``state.pending_by`` name persons (``Actor.person``):
    the two-officer rule is about people, whichever account each used.

    ``reject`` (an ``approve`` that refuses): any officer of the authority, the proposer included
    (withdrawing one's own proposal), at any time; there must be something to refuse."""
    sources = ALLOWED_FROM[action]
    if state.objection_pending and action != "resolve_objection":
        raise Refused(
            409,
            "objection_pending",
            "当事人异议尚未处理，名单冻结，须先处理异议",
            "an objection is pending: the listing is frozen until it is resolved",
        )
    if state.status not in sources:
        raise Refused(
            409,
            "illegal_transition",
            f"当前状态为{STATUSES[state.status]}，不能{STEP_NAMES.get(action, action)}；可在以下状态进行："
            + "、".join(STATUSES[x] for x in sources),
            f"the listing is {state.status}; {action} is allowed from: {', '.join(sources)}",
        )
    if state.pending_action is not None and action not in ("approve", "object", "resolve_objection"):
        raise Refused(
            409,
            "pending_approval",
            f"已有待另一名工作人员批准的决定（{STEP_NAMES.get(state.pending_action, state.pending_action)}），"
            f"批准或驳回前不能{STEP_NAMES.get(action, action)}",
            f"a {state.pending_action} decision awaits a second officer's approval; {action} must wait",
        )
    {
        "notify": _nothing,
        "statement": _nothing,
        "object": _object,
        "resolve_objection": _resolve_objection,
        "approve": _approve,
        "publish": _nothing,
        "apply_repair": _apply_repair,
        "decide_repair": _decide_repair,
        "revoke_repair": _revoke_repair,
        "remove": _nothing,
    }[action](state, actor_id, on, reject)


def _nothing(_state: State, _actor: str, _on: dt.date, _reject: bool) -> None:
    return None


def _object(state: State, _actor: str, _on: dt.date, _reject: bool) -> None:
    if state.pending_action is not None:
        return  # an objection may come at any time: it freezes the pending decision too


def _resolve_objection(state: State, _actor: str, _on: dt.date, _reject: bool) -> None:
    if not state.objection_pending:
        raise Refused(409, "no_objection", "没有待处理的异议", "there is no pending objection")


def _approve(state: State, actor: str, on: dt.date, reject: bool) -> None:
    if state.pending_action is None and state.status in ("listed", "removed"):
        raise Refused(
            409,
            "nothing_to_approve",
            f"当前状态为{STATUSES[state.status]}，没有待批准的决定",
            f"the listing is {state.status} and no decision awaits approval",
        )
    if reject:
        return
    if state.pending_action is not None:
        if actor == state.pending_by:
            raise Refused(
                422,
                "same_officer",
                "提出决定的工作人员不能自行批准（使用本人的其他账号也不能），须由另一名工作人员批准",
                "the officer who proposed the decision may not approve it, from any of their accounts: a "
                "second officer (another person) must",
                "approver",
            )
        return
    if state.status == "proposed":
        raise Refused(
            409,
            "notice_required",
            "列入前须先告知当事人（notify），陈述申辩期满或答复后方可作出决定",
            "notify the party first (notify); decide after the statement period or an answered statement",
        )
    if actor == state.proposed_by:
        raise Refused(
            422,
            "same_officer",
            "提议列入的工作人员不能批准列入（使用本人的其他账号也不能），须由另一名工作人员批准",
            "the officer who proposed the listing may not approve it, from any of their accounts: a second "
            "officer (another person) must",
            "approver",
        )
    if not state.statement_answered and state.statement_deadline is not None and on <= state.statement_deadline:
        raise Refused(
            409,
            "statement_period_running",
            f"陈述申辩期至 {state.statement_deadline} 届满，期满或答复陈述申辩后方可作出决定",
            f"the statement period runs until {state.statement_deadline}; decide after it or after "
            "answering the statement",
        )


def _apply_repair(state: State, _actor: str, on: dt.date, _reject: bool) -> None:
    kind = LIST_TYPES[state.list_type]
    if not kind.repairable:
        raise Refused(
            409,
            "not_repairable",
            f"{kind.title}不适用信用修复提前移出",
            f"{state.list_type} listings cannot be removed early by credit repair",
        )
    if state.repair_pending:
        raise Refused(409, "repair_pending", "已有待决定的信用修复申请", "a repair application is already pending")
    assert state.effective_on is not None, "a listed listing has its effective date"
    opens = repair_opens(state.effective_on)
    if on < opens:
        raise Refused(
            422,
            "repair_too_early",
            f"列入满12个月（{opens} 起）方可申请提前移出",
            f"early removal may be applied for from {opens}, 12 full months after the listing took effect",
            "applied_on",
        )


def _decide_repair(state: State, _actor: str, _on: dt.date, _reject: bool) -> None:
    if not state.repair_pending:
        raise Refused(409, "no_repair_application", "没有待决定的信用修复申请", "no repair application is pending")


def _revoke_repair(state: State, _actor: str, _on: dt.date, _reject: bool) -> None:
    if state.removal_type != "early":
        raise Refused(
            409,
            "not_early_removal",
            "只有提前移出（信用修复）的决定可以撤销并恢复列入",
            "only an early removal (credit repair) can be revoked to restore the listing",
        )


def removal_allowed(state: State, removal_type: str, on: dt.date) -> None:
    """A removal an officer proposes: on a court or review decision at any time; a historical
    list's removal on application (49号) only inside the window the rules define
    (``registry.rules.removal.application_window``: "期满前30日之内", from 30 days before the end
    of the term to its last day, as rule R21-2017-removal advises). After the term the listing no
    longer applies (it is not in force, for the rules and on the wire), so there is nothing left
    to apply for; the officer records nothing and the application is refused."""
    if removal_type != "expiry_on_application":
        return
    if LIST_TYPES[state.list_type].automatic_expiry:
        raise Refused(
            422,
            "automatic_expiry",
            "该名单期满由作出决定的部门自动移出，无需申请",
            "this list type is removed automatically at expiry; no application is needed",
            "type",
        )
    if state.expires_on is None:
        raise Refused(
            422,
            "no_term",
            "该名单没有期限，不适用期满依申请移出",
            "this listing has no term: there is no removal on application at its end",
            "type",
        )
    opens, closes = removal.application_window(state.expires_on)
    if on < opens:
        raise Refused(
            422,
            "before_application_window",
            f"期满前30日（{opens}）起方可申请移出",
            f"removal on application opens {opens}, 30 days before expiry",
            "type",
        )
    if on > closes:
        raise Refused(
            422,
            "application_window_closed",
            f"申请移出的期限已于期满日 {closes} 届满（期满前30日之内申请）；期满后该名单已不再适用",
            f"removal on application closed at the end of the term ({closes}, within the 30 days before it); "
            "the listing no longer applies",
            "type",
        )


def expires_on(effective_on: dt.date, term_months: int | None) -> dt.date | None:
    """The last day of the term: counted as 民法典 art. 201 has it [R] (the first day not counted,
    so 36 months from 2023-10-01 end on 2026-10-01); None for life."""
    return None if term_months is None else add_months(effective_on, term_months)


def expired(status: str, expires: dt.date | None, on: dt.date) -> bool:
    return status == "listed" and expires is not None and expires < on

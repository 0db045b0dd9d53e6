"""List types, statuses and removal types: the vocabulary of the listing workflow, with terms.

The four regimes come from the rules' vocabulary (registry.rules.vocabulary.LIST_TYPES); the two
bans (the third and fourth "always") follow the same workflow but are not lists the rules read
as ``listed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from registry.rules import removal
from registry.rules.vocabulary import LIST_TYPES as REGIME_LIST_TYPES


@dataclass(frozen=True, slots=True)
class ListType:
    code: str
    title: str
    #: the default term in calendar months (a rule decision's own term wins; None: for life)
    term_months: int | None
    #: removed by the deciding bureau when the term ends, without an application (11号)
    automatic_expiry: bool
    #: early removal by credit repair after 12 full months (11号)
    repairable: bool
    #: may be proposed by hand, with written reasons: cases 8 and 9 of 部令11号 rest on the
    #: bureau's own finding and are never proposed from the rules (DOMAIN 8.5)
    manual_criteria: tuple[str, ...] = ()


LIST_TYPES: Final[dict[str, ListType]] = {
    t.code: t
    for t in (
        ListType(
            "SERIOUS_DISHONEST_2023",
            REGIME_LIST_TYPES["SERIOUS_DISHONEST_2023"],
            36,
            automatic_expiry=True,
            repairable=True,
            manual_criteria=("11-8", "11-9"),
        ),
        # 49号: one year from publication, removed on application (30 days before expiry), no repair
        ListType("BLACKLIST_2017", REGIME_LIST_TYPES["BLACKLIST_2017"], 12, automatic_expiry=False, repairable=False),
        ListType("JOINT_PUNISHMENT_2017", REGIME_LIST_TYPES["JOINT_PUNISHMENT_2017"], 12, False, repairable=False),
        ListType("BLACKLIST_2015", REGIME_LIST_TYPES["BLACKLIST_2015"], 12, automatic_expiry=False, repairable=False),
        ListType(
            "OCCUPATIONAL_BAN",
            "职业禁入（《安全生产法》第九十四条：主要负责人）",
            60,
            automatic_expiry=True,
            repairable=False,
        ),
        ListType(
            "OCCUPATIONAL_BAN_LIFE",
            "终身职业禁入（《安全生产法》第九十四条：重大、特别重大事故，本行业主要负责人）",
            None,
            automatic_expiry=False,
            repairable=False,
        ),
        ListType(
            "INDUSTRY_BAN",
            "行业禁入（《安全生产法》第九十二条：中介机构及其人员）",
            60,
            automatic_expiry=True,
            repairable=False,
        ),
        ListType(
            "INDUSTRY_BAN_LIFE",
            "终身行业和职业禁入（《安全生产法》第九十二条：情节严重的中介机构及其人员）",
            None,
            automatic_expiry=False,
            repairable=False,
        ),
    )
}

#: ban outcome code -> the list type its decision is recorded under
BAN_TYPES: Final[dict[str, str]] = {
    "ban_principal_any_unit": "OCCUPATIONAL_BAN",
    "ban_principal_industry_life": "OCCUPATIONAL_BAN_LIFE",
    "ban_intermediary_5y": "INDUSTRY_BAN",
    "ban_intermediary_life": "INDUSTRY_BAN_LIFE",
    # not ban_intermediary_accident: no statute bans an intermediary for an accident (DOMAIN 8.1);
    # the rules now only flag it for the bureau's review, and that is never proposed
}

STATUSES: Final[dict[str, str]] = {
    "proposed": "拟列入",
    "notified": "已告知",
    "listed": "已列入",
    "removed": "已移出",
    "dropped": "不予列入",
}

REMOVAL_TYPES: Final[dict[str, str]] = {
    "expiry": "管理期满移出（应急管理部令第11号）",
    "expiry_on_application": "期满依申请移出（安监总办〔2017〕49号）",
    "early": "提前移出（信用修复）",
    "objection_upheld": "异议成立，予以更正",
    "court": "人民法院裁判撤销",
    "review": "行政复议决定撤销",
}

#: removals an officer proposes with ``remove`` (the others come from the sweep, repair, objection)
MANUAL_REMOVALS: Final = ("court", "review", "expiry_on_application")

#: removals that say the listing was wrong: it is not a prior listing and the rules never see it
CORRECTIONS: Final = frozenset({"objection_upheld", "court", "review"})

PUBLICATION_CHANNELS: Final[dict[str, str]] = {
    "credit_china": "“信用中国”网站（全国信用信息共享平台）",
    "gsxt": "国家企业信用信息公示系统",
    "department_website": "部门政府网站",
    "safety_credit_system": "安全生产信用信息管理系统",
}

#: months listed before early removal may be applied for (11号: 满12个月), and 49号's removal on
#: application from 30 days before expiry: the rules' own numbers (registry.rules.removal)
REPAIR_AFTER_MONTHS: Final = removal.REPAIR_AFTER_MONTHS
APPLICATION_WINDOW_DAYS: Final = removal.APPLICATION_WINDOW_DAYS

#: Chinese names of the steps (the console and the refusals name a step by these)
STEP_NAMES: Final[dict[str, str]] = {
    "propose": "提议列入",
    "notify": "告知",
    "statement": "陈述申辩",
    "object": "提出异议",
    "resolve_objection": "处理异议",
    "approve": "批准（第二名工作人员）",
    "publish": "公示",
    "apply_repair": "申请信用修复",
    "decide_repair": "信用修复决定",
    "revoke_repair": "撤销信用修复",
    "remove": "提出移出",
    "expire": "期满移出",
}

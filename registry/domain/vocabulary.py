"""Wire values fixed by DESIGN section 6 and DOMAIN 2.3 / 3.3, with their Chinese names.

These strings are a contract with partner departments: add values, never rename one.
"""

from __future__ import annotations

from typing import Final, Literal

#: the eight industrial and trade (工贸) sectors
TRADE_INDUSTRIES: Final = {
    "metallurgy": "冶金",
    "nonferrous": "有色",
    "building_materials": "建材",
    "machinery": "机械",
    "light_industry": "轻工",
    "textile": "纺织",
    "tobacco": "烟草",
    "commerce": "商贸",
}
#: the other sectors in the scope of 应急管理部令第11号 art. 2 and 应急〔2021〕83号 art. 2
OTHER_INDUSTRIES: Final = {
    "mining": "矿山（含尾矿库）",
    "chemical": "化工（含石油化工）",
    "pharmaceutical": "医药",
    "hazardous_chemicals": "危险化学品",
    "fireworks": "烟花爆竹",
    "petroleum_extraction": "石油开采",
}
#: bodies that assess, certify, test, inspect or review for work safety (中介机构, 11号 case 7)
AGENCY_KINDS: Final = {
    "safety_assessment": "安全评价机构",
    "safety_certification": "安全认证机构",
    "safety_testing": "安全检测机构",
    "safety_inspection": "安全检验机构",
    "standardization_review": "安全生产标准化评审单位",
}
INDUSTRIES: Final = {**TRADE_INDUSTRIES, **OTHER_INDUSTRIES, **AGENCY_KINDS}

SCALES: Final = {
    "above_scale": "规模以上",
    "below_scale": "规模以下",
    "micro": "小微",
}

PERSON_ROLES: Final = {
    "legal_representative": "法定代表人",
    "principal": "主要负责人",
    "safety_deputy": "分管安全负责人",
    "directly_responsible": "直接责任人员",
    "agency_responsible": "中介机构直接责任人员",
}

ENTERPRISE_STATUSES: Final = {"active": "存续", "deregistered": "注销", "revoked": "吊销"}

Industry = Literal[
    "metallurgy",
    "nonferrous",
    "building_materials",
    "machinery",
    "light_industry",
    "textile",
    "tobacco",
    "commerce",
    "mining",
    "chemical",
    "pharmaceutical",
    "hazardous_chemicals",
    "fireworks",
    "petroleum_extraction",
    "safety_assessment",
    "safety_certification",
    "safety_testing",
    "safety_inspection",
    "standardization_review",
]
Scale = Literal["above_scale", "below_scale", "micro"]
PersonRoleCode = Literal[
    "legal_representative", "principal", "safety_deputy", "directly_responsible", "agency_responsible"
]
AgencyKind = Literal[
    "safety_assessment", "safety_certification", "safety_testing", "safety_inspection", "standardization_review"
]
EnterpriseStatus = Literal["active", "deregistered", "revoked"]
Level = Literal["national", "provincial", "prefectural", "county"]
Role = Literal["admin", "bureau", "partner"]
DepartmentCode = Literal[
    "ndrc",
    "pbc",
    "mem",
    "civilization_office",
    "most",
    "mof",
    "mohrss",
    "mnr",
    "mee",
    "mohurd",
    "sasac",
    "customs",
    "sta",
    "samr",
    "nfra",
    "csrc",
]

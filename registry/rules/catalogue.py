# ruff: noqa: E501 - the two tables read best one row per line, as a register of sources
"""Legal bases and the outcomes a rule may order, with how well each is confirmed.

Tags follow DOMAIN.md: C confirmed in the source, C-2 through a secondary source, L a local rule
(a configurable default, not national law), R reconstructed and unverified, ? unknown.
``verified`` is true only for C and C-2 (and for L, whose local text was read): an outcome
resting on an R basis is sent with ``verified: false`` so no partner mistakes it for law.
Codes are wire values: add, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class LegalBasis:
    code: str
    doc_no: str
    title: str
    article: str
    tag: str
    note: str = ""
    #: a national statute or administrative regulation (法律、行政法规): the only basis a ban may
    #: rest on (``registry rules check`` refuses a ban without one tagged C, DOMAIN 8.1-8.3)
    statute: bool = False

    @property
    def verified(self) -> bool:
        return self.tag in ("C", "C-2", "L")


@dataclass(frozen=True)
class OutcomeEntry:
    code: str
    #: listing | notice | removal | measure | grade_action | standardization | disclosure | ban |
    #: incentive | for_review (shown to the bureau, never proposed: registry.rules.decision)
    kind: str
    text: str
    text_en: str
    #: implementing departments (DESIGN section 6 codes); the work-safety bureau is ``mem``
    departments: tuple[str, ...]
    #: unit | person | agency
    applies_to: tuple[str, ...]
    basis: tuple[str, ...]
    tag: str
    #: for a listing: the list type it decides (a listing of that type decided on or after the
    #: case's start already covers the case, so it is not proposed again)
    list_type: str | None = None

    @property
    def verified(self) -> bool:
        return self.tag in ("C", "C-2", "L")


_SAFETY_LAW = "中华人民共和国主席令第88号"
_SAFETY_LAW_TITLE = "《中华人民共和国安全生产法》（2021年修正）"
_B = LegalBasis
BASES: Final[dict[str, LegalBasis]] = {
    b.code: b
    for b in (
        _B("mem11", "应急管理部令第11号", "《安全生产严重失信主体名单管理办法》", "全文（2023-10-01施行）", "C"),
        _B("mem11_art3", "应急管理部令第11号", "《安全生产严重失信主体名单管理办法》", "第三条（严重失信的定义）", "C"),
        _B(
            "mem11_art4",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》",
            "第四条（谁处罚、谁决定、谁负责）",
            "C",
        ),
        *(
            _B(f"mem11_case{n}", "应急管理部令第11号", "《安全生产严重失信主体名单管理办法》", f"列入情形第{n}项", tag)
            for n, tag in ((1, "C-2"), (2, "C-2"), (3, "C-2"), (4, "C-2"), (5, "C-2"), (6, "C-2"), (7, "C-2"))
        ),
        _B(
            "mem11_case8",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》",
            "列入情形第8项（有执行能力拒不执行或者逃避执行行政处罚）",
            "R",
            "wording reconstructed; check against the gazette text",
        ),
        _B(
            "mem11_case9",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》",
            "列入情形第9项（其他受到行政处罚且性质恶劣、情节严重）",
            "R",
            "wording reconstructed; check against the gazette text",
        ),
        _B(
            "mem11_term",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》",
            "管理期限3年，期满移出并停止公示",
            "C-2",
        ),
        _B(
            "mem11_early",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》",
            "列入满12个月可申请提前移出；弄虚作假的撤销提前移出决定、恢复列入",
            "C-2",
            "the conditions (obligations performed, consequences removed, no new case) are [R]",
        ),
        _B(
            "mem11_notice",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》",
            "列入前告知、书面决定、送达、异议",
            "C-2",
            "via the Shanxi implementing rule",
        ),
        _B(
            "gbf2020_49",
            "国办发〔2020〕49号",
            "《关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》",
            "认定前告知理由、依据和权利；异议核实",
            "C-2",
        ),
        _B(
            "aqjg2017_49_art2",
            "安监总办〔2017〕49号",
            "《对安全生产领域失信行为开展联合惩戒的实施办法》",
            "第二条（10类失信行为）",
            "C",
        ),
        _B(
            "aqjg2017_49_art3",
            "安监总办〔2017〕49号",
            "《对安全生产领域失信行为开展联合惩戒的实施办法》",
            "第三条（纳入“黑名单”管理）",
            "C",
        ),
        _B(
            "aqjg2017_49_term",
            "安监总办〔2017〕49号",
            "《对安全生产领域失信行为开展联合惩戒的实施办法》",
            "期限1年，自公布之日起；期满前30日内申请移出",
            "C-2",
        ),
        _B(
            "transition_2023",
            "应急管理部令第11号",
            "《安全生产严重失信主体名单管理办法》施行（2023-10-01）后的过渡处理",
            "施行前的行为、施行后作出的处罚：不再按49号或2015年规定新列入，由处罚机关人工决定（从旧兼从轻）",
            "R",
            "DOMAIN 8.4: 从旧兼从轻 is the general principle [R]; no transitional article of 11号 was read",
        ),
        _B(
            "ab2015",
            "安委办（2015-07-29）",
            "《生产经营单位安全生产不良记录“黑名单”管理暂行规定》",
            "纳入条件、期限（1年；第2次3年）、惩戒措施",
            "C-2",
            "document number [?]",
        ),
        _B(
            "ndrc1001_1",
            "发改财金〔2016〕1001号",
            "《关于对安全生产领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录》",
            "惩戒措施（一）1-5",
            "C",
        ),
        _B(
            "ndrc1001_1_6",
            "发改财金〔2016〕1001号",
            "《关于对安全生产领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录》",
            "惩戒措施（一）6",
            "R",
            "the sentence is cut off in every copy found",
        ),
        _B(
            "ndrc1001_2",
            "发改财金〔2016〕1001号",
            "《关于对安全生产领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录》",
            "惩戒措施（二）及以下（各部门）",
            "R",
            "reconstructed: no copy found past (一)6; verify against ndrc.gov.cn / creditchina.gov.cn",
        ),
        _B(
            "gbf2015_20",
            "国办发〔2015〕20号",
            "《关于加强安全生产监管执法的通知》",
            "“黑名单”企业在经营、投融资、政府采购等方面依法予以限制或禁止",
            "C-2",
        ),
        _B(
            "four_always",
            "惠安监管〔2017〕10号",
            "“四个一律”惩戒措施（落实发改财金〔2016〕1001号）",
            "联合惩戒部分",
            "L",
            "a local summary of 1001; national source of the phrase [?]",
        ),
        _B(
            "four_always_enforcement",
            "惠安监管〔2017〕10号",
            "“四个一律”执法措施（停产整顿、关闭取缔、上限处罚、责任追究）",
            "专项治理部分",
            "L",
            "statute articles for each measure [R]",
        ),
        _B(
            "safety_law_78",
            _SAFETY_LAW,
            _SAFETY_LAW_TITLE,
            "第七十八条（违法行为信息库；处罚决定七个工作日内公开；联合惩戒）",
            "C",
            statute=True,
        ),
        _B(
            "safety_law_92",
            _SAFETY_LAW,
            _SAFETY_LAW_TITLE,
            "第九十二条第二款、第三款（中介机构：吊销资质、五年禁入；情节严重的终身禁入）",
            "C",
            statute=True,
        ),
        _B(
            "safety_law_94",
            _SAFETY_LAW,
            _SAFETY_LAW_TITLE,
            "第九十四条第三款（五年内不得担任主要负责人；重大、特别重大事故终身不得担任本行业主要负责人）",
            "C",
            statute=True,
        ),
        _B(
            "safety_law_114",
            _SAFETY_LAW,
            _SAFETY_LAW_TITLE,
            "第一百一十四条（事故罚款；情节特别严重的二倍以上五倍以下）",
            "C",
            statute=True,
        ),
        _B(
            "parent_notice",
            "（待确认）",
            "“四个一律”：通报上级公司",
            "—",
            "?",
            "no confirmed source names the notice to the parent company",
        ),
        _B(
            "publicity_period",
            "（待确认）",
            "事故、重大隐患信息公示期限",
            "—",
            "R",
            "3 years stands in: the publicity texts (527号, 令58, 令36 with 22号) cover penalty and listing information only (DOMAIN 8.10)",
        ),
        _B(
            "ndrc2019_527",
            "发改办财金〔2019〕527号",
            "《关于进一步完善“信用中国”网站及地方信用门户网站行政处罚信息信用修复机制的通知》",
            "涉及一般失信行为的行政处罚信息自处罚决定之日起最短公示3个月、最长1年；涉及严重失信行为的最短6个月、最长3年；最长公示期届满撤下",
            "C-2",
            "restated on 0797cx.cn (2019-07-04) and tjj.qdn.gov.cn (2022-04-29); applied to decisions to 2023-04-30, those before 527号 itself (2019) included [R]",
        ),
        _B(
            "ndrc_order58",
            "国家发展改革委令第58号",
            "《失信行为纠正后的信用信息修复管理办法（试行）》",
            "行政处罚信息最短公示3个月、最长3年；安全生产领域最短1年；自行政处罚作出之日起（2023-05-01施行）",
            "C-2",
            "number and dates [C]; the periods via a Shenzhen government restatement (DOMAIN 8.10)",
        ),
        _B(
            "ndrc_order36",
            "国家发展改革委令第36号",
            "《信用修复管理办法》",
            "第三条（信用修复：终止公示、停止共享和使用失信信息，同步解除失信惩戒措施）、第四条（含行政处罚信息）（2026-04-01施行）",
            "C",
        ),
        _B(
            "gbf2025_22",
            "国办发〔2025〕22号",
            "《关于进一步完善信用修复制度的实施方案》",
            "二（失信信息分轻微、一般、严重：轻微最长3个月，一般最短3个月、最长1年，严重最短1年、最长3年）",
            "C",
        ),
        _B(
            "credit_class_default",
            "（推定）",
            "未记录失信信息类别的行政处罚按一般失信信息公示",
            "—",
            "R",
            "the class is the deciding bureau's finding; where none is recorded the registry takes 一般 (the class is never presumed 严重 except behind a 部令11号 listing)",
        ),
        _B(
            "yj2021_83",
            "应急〔2021〕83号",
            "《企业安全生产标准化建设定级办法》",
            "等级有效期自通告之日起3年（上海市通告）",
            "C",
        ),
        _B(
            "yj2021_83_revoke",
            "应急〔2021〕83号",
            "《企业安全生产标准化建设定级办法》",
            "有效期内发生死亡事故、重大隐患逾期未整改等撤销等级（上海市通告转述）",
            "C",
        ),
        _B(
            "aqjg2011_84",
            "安监总管四〔2011〕84号",
            "《全国冶金等工贸企业安全生产标准化考评办法》",
            "证书和牌匾有效期为3年；期满前3个月申请复评",
            "C-2",
            "the 2011 scheme, replaced by 应急〔2021〕83号 (DOMAIN 3.1, 8.11)",
        ),
        _B(
            "huiji_2017_10",
            "惠安监管〔2017〕10号",
            "郑州市惠济区安全生产监督管理局《惠济区冶金等工贸行业2017年安全监管工作要点》",
            "七、“四个一律”惩戒措施：对发生事故、受到行政处罚或存在重大隐患的企业一律上网公示并通报上级公司",
            "L",
            "a local text of 郑州市惠济区 (410108): applies there, elsewhere only where a deployment enables it (DOMAIN 8.9)",
        ),
        _B(
            "shenzhen_grade3_reform",
            "深圳市安全生产监督管理局",
            "《关于推进工贸企业安全生产三级标准化改革创新工作的通知（试行）》起草说明",
            "三（二）4：对安全生产标准化达标的企业给予减少安全生产执法监督频次、下调工伤保险费率、"
            "推动安全生产标准化与安全生产责任险费用衔接等激励措施",
            "L",
            "a drafting note of 深圳市 (4403); it gives no percentage: any amount is the deployment's configuration, not law",
        ),
        _B(
            "erqi_2016_8",
            "二七安监管[2016]8号",
            "郑州市二七区安全生产监督管理局《关于进一步加强工贸行业企业安全生产标准化建设工作的实施意见》",
            "五（一）完善激励约束措施：标准化建设情况与工伤保险、安全生产责任险费率挂钩；达标情况纳入企业信用信息公示系统，"
            "落实企业信贷信用等级评定政策；达标企业参加先进单位评选等荣誉的，予以优先支持或推荐",
            "L",
            "a local text of 郑州市二七区 (410103)",
        ),
        _B("rsb2015_71", "人社部发〔2015〕71号", "《关于调整工伤保险费率政策的通知》", "行业基准费率与浮动档次", "C"),
        _B(
            "beijing_incentives",
            "北京市安全生产监督管理局",
            "《关于进一步推进企业安全生产标准化建设若干激励政策》",
            "工伤保险费率下浮与上浮",
            "L",
        ),
        _B("tianjin_blacklist", "天津市（旧规）", "安全生产“黑名单”管理规定", "安全责任险费率上浮10%", "L"),
        _B(
            "inspection_relief_local",
            "地方文件（fsou.com 17271657_6）",
            "标准化等级与执法检查频次",
            "一级原则上不安排执法检查；二级每年不超过一次",
            "L",
        ),
        _B(
            "mem2025_graded",
            "应急建函〔2025〕5号",
            "应急管理部答复（中办国办《关于健全社会信用体系的意见》）",
            "安全生产信用分级分类监管",
            "C",
        ),
    )
}

_O = OutcomeEntry
_UNIT = ("unit",)
_UNIT_PERSON = ("unit", "person")
_ANY = ("unit", "person", "agency")
OUTCOMES: Final[dict[str, OutcomeEntry]] = {
    o.code: o
    for o in (
        # --- listings ---------------------------------------------------------------------------
        _O(
            "list_serious_dishonest_2023",
            "listing",
            "列入安全生产严重失信主体名单",
            "list as a seriously dishonest entity (MEM Order 11)",
            ("mem",),
            _ANY,
            ("mem11", "mem11_term"),
            "C-2",
            "SERIOUS_DISHONEST_2023",
        ),
        _O(
            "list_blacklist_2017",
            "listing",
            "纳入安全生产不良记录“黑名单”管理",
            "blacklist (SAWS 2017 No. 49 art. 3)",
            ("mem",),
            _ANY,
            ("aqjg2017_49_art3", "aqjg2017_49_term"),
            "C",
            "BLACKLIST_2017",
        ),
        _O(
            "list_joint_punishment_2017",
            "listing",
            "确定为安全生产领域失信行为联合惩戒对象",
            "joint-punishment target (SAWS 2017 No. 49 art. 2)",
            ("mem",),
            _ANY,
            ("aqjg2017_49_art2", "aqjg2017_49_term"),
            "C",
            "JOINT_PUNISHMENT_2017",
        ),
        _O(
            "list_blacklist_2015",
            "listing",
            "纳入生产经营单位安全生产不良记录“黑名单”",
            "blacklist (2015 interim rule)",
            ("mem",),
            _ANY,
            ("ab2015",),
            "C-2",
            "BLACKLIST_2015",
        ),
        # --- notices -----------------------------------------------------------------------------
        _O(
            "notice_before_listing",
            "notice",
            "列入前告知当事人列入的理由、依据和依法享有的陈述、申辩及异议权利，列入出具书面决定并送达",
            "before listing: notify the party of the reasons, basis and rights (statement, defence, objection); written decision served",
            ("mem",),
            _ANY,
            ("mem11_notice", "gbf2020_49"),
            "C-2",
        ),
        _O(
            "notice_parent_company",
            "notice",
            "通报上级公司",
            "notify the parent company",
            ("mem",),
            _UNIT,
            ("huiji_2017_10",),
            "L",
        ),
        # --- removals ----------------------------------------------------------------------------
        _O(
            "removal_at_expiry",
            "removal",
            "管理期满由作出列入决定的部门移出，停止公示、解除管理措施",
            "at expiry the deciding bureau removes the entry, stops publication and lifts the measures",
            ("mem",),
            _ANY,
            ("mem11_term",),
            "C-2",
        ),
        _O(
            "removal_early_eligible",
            "removal",
            "列入满12个月，满足条件的可申请提前移出（信用修复）",
            "listed 12 months: may apply for early removal (credit repair) if the conditions are met",
            ("mem",),
            _ANY,
            ("mem11_early",),
            "C-2",
        ),
        _O(
            "removal_on_application_2017",
            "removal",
            "管理期满前30日内向县级以上安全监管监察部门申请移出，经国家安全监管总局审定",
            "apply for removal within 30 days before expiry; approved nationally",
            ("mem",),
            _ANY,
            ("aqjg2017_49_term",),
            "C-2",
        ),
        # --- standardization ---------------------------------------------------------------------
        _O(
            "grade_in_force",
            "standardization",
            "安全生产标准化等级有效（自公告之日起3年）",
            "standardization grade valid for 3 years from its announcement",
            ("mem",),
            _UNIT,
            # the scheme is the rule's basis: 2011 scheme or 应急〔2021〕83号 by date (DOMAIN 8.11)
            (),
            "C",
        ),
        _O(
            "grade_review_suspended",
            "grade_action",
            "暂停其安全生产标准化评审",
            "suspend its standardization review",
            ("mem",),
            _UNIT,
            ("ndrc1001_1",),
            "C",
        ),
        _O(
            "grade_certificate_revoked",
            "grade_action",
            "撤销其已取得的安全生产标准化证书",
            "revoke the standardization certificate held",
            ("mem",),
            _UNIT,
            ("ndrc1001_1",),
            "C",
        ),
        _O(
            "grade_revoke_fatal_accident",
            "grade_action",
            "有效期内发生生产安全死亡事故，撤销安全生产标准化等级",
            "fatal accident during validity: revoke the grade",
            ("mem",),
            _UNIT,
            ("yj2021_83_revoke",),
            "C",
        ),
        _O(
            "grade_revoke_hazard_overdue",
            "grade_action",
            "存在重大事故隐患未在规定期限内完成整改，撤销安全生产标准化等级",
            "major hazard not rectified by its deadline: revoke the grade",
            ("mem",),
            _UNIT,
            ("yj2021_83_revoke",),
            "C",
        ),
        # --- supervision measures: 1001 (一) ------------------------------------------------------
        _O(
            "more_inspections",
            "measure",
            "加大执法检查频次",
            "inspect more often",
            ("mem",),
            _UNIT,
            ("ndrc1001_1",),
            "C",
        ),
        _O(
            "key_target",
            "measure",
            "作为重点监管监察对象，建立常态化暗查暗访机制，不定期开展抽查",
            "key supervision target: unannounced visits and random checks",
            ("mem",),
            _UNIT,
            ("ndrc1001_1",),
            "C",
        ),
        _O(
            "interview_and_training",
            "measure",
            "约谈其主要负责人，对其主要负责人及相关责任人进行安全培训",
            "interview the principal; train the principal and those responsible",
            ("mem",),
            _UNIT_PERSON,
            ("ndrc1001_1",),
            "C",
        ),
        _O(
            "market_ban",
            "measure",
            "依法依规对失信生产经营单位及其主要责任人实施市场禁入",
            "market ban where the law provides",
            ("mem",),
            _UNIT_PERSON,
            ("ndrc1001_1",),
            "C",
        ),
        _O(
            "heavier_penalty",
            "measure",
            "发现有新的安全生产违法行为的，依法依规从重处罚",
            "heavier penalties for new violations",
            ("mem",),
            _UNIT,
            ("ndrc1001_1_6", "ab2015"),
            "R",
        ),
        # --- partner measures: 1001 (二)+ (reconstructed) and the first "always" ------------------
        _O(
            "restrict_financing",
            "measure",
            "将失信状况作为融资授信、债券发行和证券融资审核的重要参考，依法予以限制",
            "financing, credit, bonds and securities: restricted / reviewed strictly",
            ("pbc", "nfra", "ndrc", "csrc"),
            _UNIT,
            ("ndrc1001_2", "gbf2015_20"),
            "R",
        ),
        _O(
            "raise_insurance_rates",
            "measure",
            "上调安全生产责任保险等有关保险费率",
            "raise safety liability and related insurance rates",
            ("nfra",),
            _UNIT,
            ("ndrc1001_2", "safety_law_78"),
            "R",
        ),
        _O(
            "tax_credit_reference",
            "measure",
            "将失信状况作为纳税信用评价的重要外部参考，加强税收管理",
            "tax credit rating reference; closer tax supervision",
            ("sta",),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "restrict_procurement",
            "measure",
            "依法限制（禁止）作为供应商参加政府采购活动",
            "barred as a government procurement supplier",
            ("mof",),
            _UNIT,
            ("ndrc1001_2", "gbf2015_20"),
            "R",
        ),
        _O(
            "restrict_bidding",
            "measure",
            "依法限制参加依法必须招标项目的投标",
            "restricted in bidding for projects that must be tendered",
            ("ndrc",),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "restrict_land",
            "measure",
            "依法限制取得政府供应土地（土地出让）",
            "restricted from acquiring state-supplied land",
            ("mnr",),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "strict_project_approval",
            "measure",
            "对新增项目审批、核准从严或暂停",
            "new project approvals strict or suspended",
            ("ndrc",),
            _UNIT,
            ("ndrc1001_2", "safety_law_78"),
            "R",
        ),
        _O(
            "restrict_public_funds",
            "measure",
            "限制申请财政性资金、政府补贴和政策性资金扶持",
            "restricted from public funds, subsidies and policy support",
            ("ndrc", "mof", "most"),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "customs_certification",
            "measure",
            "申请海关认证企业的不予通过认证；已认证的下调信用等级",
            "no customs AEO certification; certified enterprises downgraded",
            ("customs",),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "publicise_in_credit_system",
            "measure",
            "通过国家企业信用信息公示系统公示",
            "published through the national enterprise credit publicity system",
            ("samr",),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "soe_appraisal",
            "measure",
            "对国有企业及其负责人考核、业绩评价扣分，通报上级公司",
            "state-owned enterprises: appraisal deductions, parent notified",
            ("sasac",),
            _UNIT_PERSON,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "honours_veto",
            "measure",
            "取消或不予授予文明单位等荣誉，评先评优一票否决",
            "no honours; veto in all awards",
            ("civilization_office", "mohrss", "mem"),
            _UNIT_PERSON,
            ("ndrc1001_2", "ab2015"),
            "R",
        ),
        _O(
            "strict_qualifications",
            "measure",
            "建筑业企业资质、工业产品生产许可证等资质审核从严",
            "licence and qualification reviews strict",
            ("mohurd", "samr"),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        _O(
            "environment_inspections",
            "measure",
            "加大环保执法检查频次",
            "more environmental inspections",
            ("mee",),
            _UNIT,
            ("ndrc1001_2",),
            "R",
        ),
        # --- disclosure (the second "always") ------------------------------------------------------
        _O(
            "disclose_listing",
            "disclosure",
            "通过国家有关信用信息共享平台、国家企业信用信息公示系统和部门政府网站等公示严重失信主体信息",
            "published on the credit platforms and the bureau's website while listed",
            ("mem",),
            _ANY,
            ("mem11_term",),
            "C-2",
        ),
        _O(
            "disclose_penalty",
            "disclosure",
            "行政处罚决定作出后七个工作日内上网公开，公示期满或信用修复后停止公示",
            "penalty decision published online within 7 working days, until its publicity term ends or it is repaired",
            ("mem",),
            _ANY,
            ("safety_law_78",),
            "C",
        ),
        _O(
            "disclose_accident",
            "disclosure",
            "发生生产安全事故的企业上网公示",
            "enterprise with an accident disclosed online",
            ("mem",),
            _UNIT,
            ("huiji_2017_10", "publicity_period"),
            "L",
        ),
        _O(
            "disclose_major_hazard",
            "disclosure",
            "存在重大事故隐患的企业上网公示",
            "enterprise with a major hazard disclosed online",
            ("mem",),
            _UNIT,
            ("huiji_2017_10", "publicity_period"),
            "L",
        ),
        # --- bans (the third and fourth "always") ------------------------------------------------
        _O(
            "ban_principal_any_unit",
            "ban",
            "自刑罚执行完毕或者受处分之日起五年内不得担任任何生产经营单位的主要负责人",
            "may not be the principal of any unit for 5 years after the sentence or the dismissal",
            ("mem", "samr"),
            ("person",),
            ("safety_law_94",),
            "C",
        ),
        _O(
            "ban_principal_industry_life",
            "ban",
            "对重大、特别重大生产安全事故负有责任的，终身不得担任本行业生产经营单位的主要负责人",
            "responsible for a major or especially major accident: barred for life as principal in the same industry",
            ("mem", "samr"),
            ("person",),
            ("safety_law_94",),
            "C",
        ),
        _O(
            "ban_intermediary_5y",
            "ban",
            "吊销其相应资质和资格，五年内不得从事安全评价、认证、检测、检验等工作",
            "qualification revoked; 5 years barred from safety assessment, certification, testing, inspection",
            ("mem",),
            ("agency", "person"),
            ("safety_law_92", "mem11_case7"),
            "C",
        ),
        _O(
            "ban_intermediary_life",
            "ban",
            "吊销其相应资质和资格；情节严重的，实行终身行业和职业禁入",
            "qualification revoked; serious cases: lifetime industry and occupational ban",
            ("mem",),
            ("agency", "person"),
            ("safety_law_92",),
            "C",
        ),
        # no statute bans an intermediary for an accident (DOMAIN 8.1); retired (``RETIRED``): no
        # ruleset may order it, the code stays because decisions stored before name it. It cites
        # only the local principle: art. 92 never provided it
        _O(
            "ban_intermediary_accident",
            "ban",
            "对事故发生负有重大责任的中介机构一律实施行业禁入（已停用：法律未规定）",
            "intermediary with major responsibility for an accident: industry ban (retired: no statute provides it)",
            ("mem",),
            ("agency",),
            ("four_always",),
            "L",
        ),
        # --- for the bureau's review (never proposed automatically) -------------------------------
        _O(
            "review_intermediary_accident",
            "for_review",
            "中介机构经认定对事故发生负有重大责任：提请主管部门审查（地方“四个一律”原则；法律未规定因事故实施行业禁入）",
            "agency found to bear major responsibility for an accident: for the bureau's review (a local principle; "
            "no statute bans an intermediary for an accident)",
            ("mem",),
            ("agency",),
            ("four_always",),
            "L",
        ),
        # 令36 art. 3: a listing case resting on a penalty whose information was repaired
        _O(
            "review_repaired_information",
            "for_review",
            "列入情形所依据的行政处罚信息已完成信用修复（停止共享和使用失信信息）：不自动提出列入，由处罚机关依法人工决定",
            "the listing case rests on a penalty whose information was repaired (its sharing and use ended): not "
            "proposed; the penalising bureau decides by hand",
            ("mem",),
            _ANY,
            ("ndrc_order36", "mem11_art3"),
            "R",
        ),
        # DOMAIN 8.4: a case of 49号 or the 2015 rule completed by a penalty after 2023-10-01
        _O(
            "review_transitional_listing",
            "for_review",
            "过渡情形：行为发生在2023-10-01前、处罚作出在后，不再按安监总办〔2017〕49号或2015年规定新列入；由处罚机关依法人工决定（从旧兼从轻）",
            "transitional: conduct before 2023-10-01, penalty after; no new listing under SAWS 2017 No. 49 or the 2015 "
            "rule; the penalising bureau decides by hand (the older law unless the newer is lighter)",
            ("mem",),
            _ANY,
            ("transition_2023", "mem11_art3", "mem11_art4"),
            "R",
        ),
        # DOMAIN 8.5: cases 8 and 9 of 部令11号 are never proposed automatically
        _O(
            "review_case8_execution",
            "for_review",
            "行政处罚未执行：如经认定有执行能力拒不执行或者逃避执行，可由处罚机关书面说明理由后人工决定是否列入（11号第8项）",
            "penalty not executed: if the bureau finds the party had the means and refused or evaded execution, it may "
            "decide a listing by hand with written reasons (MEM Order 11 case 8)",
            ("mem",),
            _ANY,
            ("mem11_case8", "mem11_art3", "mem11_art4"),
            "R",
            "SERIOUS_DISHONEST_2023",
        ),
        _O(
            "review_case9_serious",
            "for_review",
            "处罚机关认定性质恶劣、情节严重：只可人工提议列入并书面说明理由（11号第9项）",
            "the penalising bureau found the conduct 性质恶劣、情节严重: a listing may be proposed only by hand, with "
            "written reasons (MEM Order 11 case 9)",
            ("mem",),
            _ANY,
            ("mem11_case9", "mem11_art3", "mem11_art4"),
            "R",
            "SERIOUS_DISHONEST_2023",
        ),
        # --- incentives and inspection classes ----------------------------------------------------
        _O(
            "work_injury_tiers",
            "incentive",
            "工伤保险费率浮动档次（基准费率的百分比）",
            "work-injury insurance rate tiers (% of the class base rate)",
            ("mohrss",),
            _UNIT,
            ("rsb2015_71",),
            "C",
        ),
        _O(
            "work_injury_reduction",
            "incentive",
            "工伤保险费率下浮（标准化达标企业，3年）",
            "work-injury insurance rate reduced (graded enterprise, 3 years)",
            ("mohrss",),
            _UNIT,
            ("beijing_incentives",),
            "L",
        ),
        _O(
            "work_injury_restore",
            "incentive",
            "发生死亡责任事故，恢复原费率",
            "fatal accident: the original rate restored",
            ("mohrss",),
            _UNIT,
            ("beijing_incentives",),
            "L",
        ),
        _O(
            "work_injury_surcharge",
            "incentive",
            "发生死亡责任事故，工伤保险费率上浮",
            "fatal accident: work-injury rate surcharge",
            ("mohrss",),
            _UNIT,
            ("beijing_incentives",),
            "L",
        ),
        _O(
            "work_injury_top_tier",
            "incentive",
            "工伤保险费率按最高档次执行",
            "work-injury rate at the top tier",
            ("mohrss",),
            _UNIT,
            ("beijing_incentives",),
            "L",
        ),
        _O(
            "liability_insurance_surcharge",
            "incentive",
            "安全生产责任保险费率上浮",
            "safety liability insurance surcharge",
            ("nfra",),
            _UNIT,
            ("tianjin_blacklist",),
            "L",
        ),
        _O(
            "honours_priority",
            "incentive",
            "评先评优优先考虑",
            "priority for honours",
            ("mem",),
            _UNIT,
            ("erqi_2016_8",),
            "L",
        ),
        _O(
            "inspection_class",
            "incentive",
            "分级分类监管：执法检查频次类别",
            "graded supervision: inspection frequency class",
            ("mem",),
            _UNIT,
            ("mem2025_graded", "ab2015"),
            "C-2",
        ),
        # --- local incentive packs: 深圳市 (seed 002) and 郑州市二七区 (seed 001) ---------------------
        _O(
            "inspection_frequency_reduced",
            "incentive",
            "标准化达标企业减少安全生产执法监督频次（地方激励，频次由当地确定）",
            "graded enterprise: fewer safety inspections (local incentive; the frequency is set locally)",
            ("mem",),
            _UNIT,
            ("shenzhen_grade3_reform",),
            "L",
        ),
        _O(
            "work_injury_rate_lowered",
            "incentive",
            "标准化达标企业下调工伤保险费率（地方激励，幅度由当地确定）",
            "graded enterprise: work-injury insurance rate lowered (local incentive; the amount is set locally)",
            ("mohrss",),
            _UNIT,
            ("shenzhen_grade3_reform",),
            "L",
        ),
        _O(
            "liability_insurance_linked",
            "incentive",
            "安全生产标准化与安全生产责任险费用衔接（地方激励）",
            "standardization linked to the safety liability insurance premium (local incentive)",
            ("nfra",),
            _UNIT,
            ("shenzhen_grade3_reform",),
            "L",
        ),
        _O(
            "insurance_rates_linked",
            "incentive",
            "标准化建设情况与工伤保险、安全生产责任险费率挂钩（地方激励）",
            "standardization linked to the work-injury and safety liability insurance rates (local incentive)",
            ("mohrss", "nfra"),
            _UNIT,
            ("erqi_2016_8",),
            "L",
        ),
        _O(
            "credit_linked",
            "incentive",
            "标准化达标情况纳入企业信用信息公示系统，落实企业信贷信用等级评定政策（地方激励）",
            "grade published in the enterprise credit publicity system and used in credit ratings for loans "
            "(local incentive)",
            ("samr", "pbc"),
            _UNIT,
            ("erqi_2016_8",),
            "L",
        ),
        # --- enforcement "four always" -------------------------------------------------------------
        _O(
            "enforce_suspension",
            "measure",
            "停产整顿",
            "suspension of production for rectification",
            ("mem",),
            _UNIT,
            ("four_always_enforcement",),
            "L",
        ),
        _O("enforce_closure", "measure", "关闭取缔", "closure", ("mem",), _UNIT, ("four_always_enforcement",), "L"),
        _O(
            "enforce_maximum_penalty",
            "measure",
            "上限处罚",
            "penalty at the statutory maximum",
            ("mem",),
            _UNIT_PERSON,
            ("four_always_enforcement",),
            "L",
        ),
        _O(
            "enforce_accountability",
            "measure",
            "严肃追究有关人员责任",
            "accountability of those responsible",
            ("mem",),
            ("person", "unit"),
            ("four_always_enforcement",),
            "L",
        ),
    )
}

#: outcomes no ruleset may order any more (``rules check`` refuses them; the catalogue's
#: ``measures_by_department`` leaves them out); kept so decisions stored before can be read
RETIRED: Final = frozenset({"ban_intermediary_accident"})

"""Demo listings in every state, made through the listing service on the dates they would have
happened (a clock set to each step's day), by two officers of the deciding authority each time.

States shown: proposed, notified (statement period running; and one past it, awaiting the
decision), listed and published, listed with an objection pending, listed with a credit-repair
application pending, removed early (repair
granted), listed again after the repair was revoked, dropped after the statement was accepted,
removed on a court judgment, removed as a correction (objection upheld), removed at expiry by
the sweep, and the bans (industry ban of an agency, a future occupational ban of a person).
Loading twice adds nothing (the first listing marks them as loaded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from registry.db.models import Account, CreditEvent, Enterprise, Listing
from registry.demo.facts import ASSESSOR, _penalty, _record, unit
from registry.domain.accounts.service import principal_of
from registry.domain.actors import Actor
from registry.domain.listings import schemas as s
from registry.domain.listings.service import ListingService
from registry.lib.clock import FixedClock

D = dt.date
CHANNELS = ["credit_china", "gsxt", "department_website"]
DOCS = [s.Document(title="罚款缴纳凭证及整改验收报告", reference="演示材料")]
CASE9_REASONS = "违法行为持续时间长、多次责令改正拒不改正，性质恶劣、情节严重。"


@dataclass
class _Officers:
    a: Actor
    b: Actor


class _Demo:
    def __init__(self, services: Any, officers: dict[str, _Officers]) -> None:
        self.services = services
        self.officers = officers
        self.clock = FixedClock(dt.datetime(2020, 1, 1, 4, tzinfo=dt.UTC))
        base: ListingService = services.listings
        self.listings = ListingService(base.db, self.clock, base.rulesets, base.statement_days)

    def on(self, day: dt.date) -> None:
        self.clock.at = dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)

    async def propose(self, day: dt.date, authority: str, body: s.ListingPropose) -> list[dict[str, Any]]:
        self.on(day)
        answer = await self.listings.propose(self.officers[authority].a, body, None)
        return [answer.body["listing"], *answer.body["related"]]

    async def by_hand(
        self, day: dt.date, authority: str, n: int, criterion: str, reasons: str, penalty_id: int | None = None
    ) -> dict[str, Any]:
        """Cases 8 and 9 of 部令11号 are proposed by hand with written reasons, never from the rules
        (DOMAIN 8.5); the proposal cites the unit's latest recorded penalty unless given one."""
        if penalty_id is None:
            async with self.services.db.read() as session:
                penalty_id = await session.scalar(
                    select(CreditEvent.id)
                    .join(Enterprise, Enterprise.id == CreditEvent.enterprise_id)
                    .where(Enterprise.uscc == unit(n), CreditEvent.kind == "penalty")
                    .order_by(CreditEvent.id.desc())
                    .limit(1)
                )
        body = s.ListingPropose(
            subject=s.SubjectRef(uscc=unit(n)),
            source="manual",
            criterion=criterion,
            reasons=reasons,
            penalty_event_id=penalty_id,
        )
        [listing, *_] = await self.propose(day, authority, body)
        return listing

    async def act(self, day: dt.date, who: Actor, listing: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        self.on(day)
        data = s.ACTION_BODIES[action](version=listing["version"], **body)
        return (await self.listings.act(who, listing["id"], action, data, None)).body

    async def listed(
        self, authority: str, listing: dict[str, Any], served: dt.date, decided: dt.date, no: str
    ) -> dict[str, Any]:
        o = self.officers[authority]
        listing = await self.act(served, o.a, listing, "notify", notice_no=no.replace("决", "告"))
        return await self.act(decided, o.b, listing, "approve", decision_no=no)


async def _officers(services: Any, client_ids: dict[str, tuple[str, str]]) -> dict[str, _Officers]:
    found = {}
    async with services.db.read() as session:
        for authority, (a, b) in client_ids.items():
            actors = []
            for cid in (a, b):
                account = await session.scalar(select(Account).where(Account.client_id == cid))
                assert account is not None, f"demo account {cid} is created before the listings"
                actors.append((await principal_of(session, account)).actor())
            found[authority] = _Officers(*actors)
    return found


async def load_listings(services: Any, today: dt.date) -> None:
    async with services.db.read() as session:
        if await session.scalar(select(Listing.id).limit(1)) is not None:
            return
    officers = await _officers(
        services,
        {
            "410000": ("demo-henan", "demo-henan-b"),
            "410100": ("demo-zhengzhou-a", "demo-zhengzhou-b"),
            "410103": ("demo-erqi", "demo-erqi-b"),
        },
    )
    demo = _Demo(services, officers)
    await _from_stored_facts(demo, today)
    await _further_cases(demo, services, today)
    await services.listings.sweep()


async def _from_stored_facts(demo: _Demo, today: dt.date) -> None:
    henan, zz, erqi = demo.officers["410000"], demo.officers["410100"], demo.officers["410103"]
    # unit 1 (重大 accident, art. 114 x2.5, penalty by the province): unit and principal listed and
    # published in 2025; the unit has applied for credit repair (pending)
    unit1, *persons = await demo.propose(D(2025, 3, 10), "410000", s.ListingPropose(subject=s.SubjectRef(uscc=unit(1))))
    unit1 = await demo.listed("410000", unit1, D(2025, 3, 11), D(2025, 3, 20), "豫应急信决〔2025〕1号")
    unit1 = await demo.act(D(2025, 3, 25), henan.a, unit1, "publish", channels=CHANNELS)
    for proposed in persons:
        person = await demo.listed("410000", proposed, D(2025, 3, 11), D(2025, 3, 20), "豫应急信决〔2025〕2号")
        await demo.act(D(2025, 3, 25), henan.a, person, "publish", channels=CHANNELS)
    await demo.act(
        today - dt.timedelta(days=12),
        henan.a,
        unit1,
        "apply_repair",
        commitment="事故整改全部完成，罚款已缴清，承诺今后严格遵守安全生产法律法规。",
        evidence=DOCS,
    )
    # unit 8 (two 较大 accidents in 12 months), Erqi: notified two days ago, statement period running
    [unit8, *_] = await demo.propose(
        today - dt.timedelta(days=3), "410103", s.ListingPropose(subject=s.SubjectRef(uscc=unit(8)), with_persons=False)
    )
    await demo.act(today - dt.timedelta(days=2), erqi.a, unit8, "notify", notice_no="二七应急信告〔2026〕8号")
    # unit 40 (a serious penalty by 二七区, case 9 by hand): notified so long ago that its statement
    # period has ended whatever REGISTRY_LISTING_STATEMENT_DAYS says, so a second officer
    # (demo-erqi-b) may decide it today: the approval step of docs/walkthrough.sh
    await _awaiting_decision(demo, 40, today)
    # unit 23 (a 性质恶劣、情节严重 penalty): proposed by hand today (case 9)
    await demo.by_hand(today, "410100", 23, "11-9", CASE9_REASONS)
    # unit 25 (penalty refused, 11号 case 8, proposed by hand on the bureau's finding): listed in
    # March 2026, then an objection (frozen)
    unit25 = await demo.by_hand(
        D(2026, 2, 20), "410100", 25, "11-8", "经查当事人账户资金充足，有执行能力，催告后仍拒不缴纳罚款。"
    )
    unit25 = await demo.listed("410100", unit25, D(2026, 2, 24), D(2026, 3, 10), "郑应急信决〔2026〕3号")
    await demo.act(
        today - dt.timedelta(days=5),
        zz.a,
        unit25,
        "object",
        grounds="当事人称已具备履行能力并已分期缴纳罚款，对“拒不执行”的认定有异议。",
    )
    # the assessment agency (false report, 11号 case 7): listed July 2025, repaired after 12 months;
    # and its industry ban (安全生产法 art. 92), five years
    [agency, *_] = await demo.propose(D(2025, 7, 10), "410103", s.ListingPropose(subject=s.SubjectRef(uscc=ASSESSOR)))
    agency = await demo.listed("410103", agency, D(2025, 7, 11), D(2025, 7, 20), "二七应急信决〔2025〕7号")
    agency = await demo.act(
        D(2026, 7, 21), erqi.a, agency, "apply_repair", commitment="已撤回虚假报告并完成整改。", evidence=DOCS
    )
    agency = await demo.act(D(2026, 8, 1), erqi.a, agency, "decide_repair", granted=True, reason="条件均已满足")
    await demo.act(D(2026, 8, 3), erqi.b, agency, "approve")
    [ban, *_] = await demo.propose(
        D(2025, 7, 10), "410103", s.ListingPropose(subject=s.SubjectRef(uscc=ASSESSOR), list_type="INDUSTRY_BAN")
    )
    await demo.listed("410103", ban, D(2025, 7, 11), D(2025, 7, 20), "二七应急禁决〔2025〕1号")
    # the principal of unit 1, criminally liable for the 重大 accident: barred for life as principal in
    # the industry from the end of the sentence (2028-09-29), decided now, in force from then
    principal = persons[0]["subject"] if persons else None
    if principal is not None:
        [life, *_] = await demo.propose(
            D(2025, 10, 15),
            "410100",
            s.ListingPropose(subject=s.SubjectRef(person_id=principal["person_id"]), list_type="OCCUPATIONAL_BAN_LIFE"),
        )
        await demo.listed("410100", life, D(2025, 10, 16), D(2025, 10, 27), "郑应急禁决〔2025〕3号")


async def _awaiting_decision(demo: _Demo, n: int, today: dt.date) -> None:
    days = demo.listings.statement_days
    on = today - dt.timedelta(days=days + 30)
    no = f"二七应急罚〔{on.year}〕{n}号"
    details = _penalty(
        no, 200_000, "《安全生产法》第一百零二条", serious_circumstances=True, execution="executed", executed_on=on
    )
    penalty_id = await _record(demo.services, "penalty", n, on, no, details)
    listing = await demo.by_hand(on + dt.timedelta(days=7), "410103", n, "11-9", CASE9_REASONS, penalty_id)
    notified = today - dt.timedelta(days=days + 3)
    await demo.act(
        notified, demo.officers["410103"].a, listing, "notify", notice_no=f"二七应急信告〔{notified.year}〕{n}号"
    )


async def _further_cases(demo: _Demo, services: Any, today: dt.date) -> None:
    """Units of 惠济区 (penalties by 郑州市应急管理局) with serious penalties (case 9) in the states
    the stored facts above do not reach."""
    zz = demo.officers["410100"]

    async def case9(n: int, on: dt.date) -> dict[str, Any]:
        no = f"郑应急罚〔{on.year}〕{n}号"
        penalty_id = await _record(
            services,
            "penalty",
            n,
            on,
            no,
            _penalty(
                no,
                200_000,
                "《安全生产法》第一百零二条",
                serious_circumstances=True,
                execution="executed",
                executed_on=on,
            ),
        )
        return await demo.by_hand(on + dt.timedelta(days=7), "410100", n, "11-9", CASE9_REASONS, penalty_id)

    # expired at the end of its 3 years: the sweep removes it
    old = await case9(41, D(2023, 10, 16))
    await demo.listed("410100", old, D(2023, 10, 24), D(2023, 11, 20), "郑应急信决〔2023〕1号")
    # repaired in 2026, then the repair revoked (false documents): listed again, original term
    back = await case9(49, D(2025, 9, 1))
    back = await demo.listed("410100", back, D(2025, 9, 9), D(2025, 9, 20), "郑应急信决〔2025〕9号")
    back = await demo.act(D(2026, 9, 21), zz.a, back, "apply_repair", commitment="已完成整改。", evidence=DOCS)
    back = await demo.act(D(2026, 9, 28), zz.a, back, "decide_repair", granted=True, reason="材料齐全")
    back = await demo.act(D(2026, 9, 29), zz.b, back, "approve")
    back = await demo.act(
        today - dt.timedelta(days=10),
        zz.a,
        back,
        "revoke_repair",
        reason="经核查，申请材料中的整改验收报告系伪造",
        evidence=[s.Document(title="核查报告", reference="郑应急核〔2026〕5号")],
    )
    await demo.act(today - dt.timedelta(days=9), zz.b, back, "approve")
    # the statement was accepted: not listed
    dropped = await case9(57, D(2026, 10, 1))
    dropped = await demo.act(D(2026, 10, 9), zz.a, dropped, "notify", notice_no="郑应急信告〔2026〕57号")
    await demo.act(
        D(2026, 10, 12),
        zz.a,
        dropped,
        "statement",
        statement="该处罚所涉违法行为系承包单位所为，本单位已依法解除合同。",
        answer="经核实，陈述理由成立，不予列入。",
        accepted=True,
    )
    # removed on a court judgment annulling the penalty
    court = await case9(65, D(2025, 5, 6))
    court = await demo.listed("410100", court, D(2025, 5, 14), D(2025, 6, 1), "郑应急信决〔2025〕65号")
    court = await demo.act(
        D(2026, 4, 10),
        zz.a,
        court,
        "remove",
        type="court",
        document_no="（2026）豫01行终88号",
        reason="处罚决定被判决撤销",
    )
    await demo.act(D(2026, 4, 15), zz.b, court, "approve")
    # removed as a correction: the objection was upheld
    wrong = await case9(73, D(2026, 6, 1))
    wrong = await demo.listed("410100", wrong, D(2026, 6, 9), D(2026, 7, 1), "郑应急信决〔2026〕73号")
    wrong = await demo.act(D(2026, 7, 20), zz.a, wrong, "object", grounds="处罚对象登记错误，应为同名另一企业。")
    await demo.act(D(2026, 8, 3), zz.a, wrong, "resolve_objection", upheld=True, answer="异议成立，予以更正并移出。")

"""Demo data: deterministic, so loading it twice changes nothing (the accounts' secrets are kept
in the credentials file, ``registry.demo.credentials``).

The areas are the ones the seed documents come from (郑州二七区、惠济区, 深圳, 武进) plus Beijing
and Shanghai, so every level of authority has enterprises to act on.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator, Mapping
from typing import Any

from registry.demo.accounts import ensure_accounts
from registry.domain.accounts.service import NewAccount
from registry.domain.actors import system_actor
from registry.domain.agencies.schemas import AgencyCreate, QualificationCreate
from registry.domain.identifiers import ALPHABET, make_resident_id, make_uscc
from registry.domain.imports.importer import EnterpriseImporter
from registry.domain.imports.readers import Row
from registry.domain.persons.schemas import PersonCreate, RoleCreate
from registry.domain.vocabulary import AGENCY_KINDS, INDUSTRIES, SCALES, AgencyKind
from registry.errors import Conflict

#: (division, place name used in enterprise names)
AREAS = [
    ("410103", "郑州二七"),
    ("410108", "郑州惠济"),
    ("440305", "深圳南山"),
    ("440306", "深圳宝安"),
    ("320412", "常州武进"),
    ("110108", "北京海淀"),
    ("310115", "上海浦东"),
    ("410122", "中牟"),
]
WORDS = [
    "恒达",
    "宏远",
    "金鼎",
    "华兴",
    "永盛",
    "鑫源",
    "瑞丰",
    "中联",
    "东方",
    "长城",
    "新华",
    "安泰",
    "星河",
    "正大",
    "利民",
    "天成",
    "海川",
    "万通",
    "福源",
    "嘉禾",
]
SUFFIX = {
    "metallurgy": "钢铁",
    "nonferrous": "铝业",
    "building_materials": "建材",
    "machinery": "机械制造",
    "light_industry": "食品",
    "textile": "纺织",
    "tobacco": "烟草",
    "commerce": "商贸",
    "mining": "矿业",
    "chemical": "化工",
    "pharmaceutical": "制药",
    "hazardous_chemicals": "危化品储运",
    "fireworks": "烟花",
    "petroleum_extraction": "油气开采",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚"]
SIZES = {"small": 360, "national": 3_204_000}
#: how long before the load the demo's units are registered: the reports count a unit from its
#: registration, so the monthly series of the past months has figures too
REGISTERED_BEFORE = dt.timedelta(days=730)


class _Earlier:
    """A clock ``by`` behind another (the import that registers the demo's units)."""

    def __init__(self, clock: Any, by: dt.timedelta) -> None:
        self.clock, self.by = clock, by

    def now(self) -> dt.datetime:
        return self.clock.now() - self.by  # type: ignore[no-any-return]


def _body(n: int) -> str:
    """Eight characters of the GB 11714 body, "MA" then n in base 31 (like new-style codes)."""
    digits = []
    for _ in range(6):
        n, r = divmod(n, 31)
        digits.append(ALPHABET[r])
    return "MA" + "".join(reversed(digits))


def demo_uscc(n: int, division: str) -> str:
    return make_uscc("91", division, _body(n))


def enterprise_rows(count: int, seed: int = 2012) -> Iterator[Row]:
    rng = random.Random(seed)
    industries = [k for k in INDUSTRIES if k not in AGENCY_KINDS]
    for n in range(count):
        division, place = AREAS[n % len(AREAS)] if n < 10_000 else _national_area(rng)
        industry = industries[n % len(industries)]
        name = f"{place}{WORDS[n % len(WORDS)]}{SUFFIX[industry]}有限公司" + (f"（{n}）" if n >= len(WORDS) * 8 else "")
        values = {
            "uscc": demo_uscc(n, division),
            "name": name,
            "division_code": division,
            "industry": industry,
            "scale": list(SCALES)[n % 3],
            "address": f"{place}某路{n % 300 + 1}号",
        }
        if n % 10 == 3:
            values["parent_uscc"] = demo_uscc(n - 3, AREAS[(n - 3) % len(AREAS)][0])
        if n % 25 == 7 and n < 10_000:
            values["operating_divisions"] = AREAS[(n + 1) % len(AREAS)][0]
        yield Row(n + 2, values)


def _national_area(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_county_codes()), "某地"


@functools.cache
def _county_codes() -> list[str]:
    """Current county-level codes of the shipped GB/T 2260 table, where national demo data is spread."""
    from registry.domain.identifiers.divisions import _table  # noqa: PLC0415 - demo only

    return [c for c, (_, current) in _table().items() if current and not c.endswith("00")]


async def load_demo(services: Any, size: str = "small", known: Mapping[str, str] | None = None) -> list[NewAccount]:
    """Load the demo (twice adds nothing); ``known``: the demo accounts' secrets to keep, by client_id
    (the credentials file's), others get new ones. Returns every demo account with its secret."""
    actor = system_actor("demo")
    importer = EnterpriseImporter(
        services.db, _Earlier(services.clock, REGISTERED_BEFORE), services.settings.limits.import_batch_rows
    )
    report = await importer.run(actor, enterprise_rows(SIZES[size]))
    if report.rejected:
        raise RuntimeError(f"demo data rejected: {report.errors[:3]}")
    await _persons(services, actor)
    await _agencies(services, actor)
    accounts = await ensure_accounts(services, actor, known or {})
    from registry.demo.facts import load_facts  # noqa: PLC0415 - facts need the accounts' authorities

    await load_facts(services)
    from registry.demo.listings import load_listings  # noqa: PLC0415 - listings need the facts
    from registry.lib.clock import today  # noqa: PLC0415

    await load_listings(services, today(services.clock))
    return accounts


def person_specs() -> list[PersonCreate]:
    """The demo persons; person n is legal representative and principal of demo enterprise n."""
    rng = random.Random(11643)
    specs = []
    for n in range(60):
        division, _ = AREAS[n % len(AREAS)]
        birth = dt.date(1960 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28))
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + ("" if n % 3 else GIVEN[n % len(GIVEN)])
        specs.append(PersonCreate(id_number=make_resident_id(division, birth, 100 + n), name=name))
    return specs


async def _persons(services: Any, actor: Any) -> None:
    for n, spec in enumerate(person_specs()):
        division, _ = AREAS[n % len(AREAS)]
        person, created = await services.persons.create(actor, spec)
        if created:
            for role in ("legal_representative", "principal"):
                await services.persons.add_role(
                    actor, person.id, RoleCreate(uscc=demo_uscc(n, division), role=role, valid_from=dt.date(2020, 1, 1))
                )


async def _agencies(services: Any, actor: Any) -> None:
    kinds: list[AgencyKind] = list(AGENCY_KINDS)  # type: ignore[arg-type]
    for n in range(10):
        division, place = AREAS[n % len(AREAS)]
        kind = kinds[n % len(kinds)]
        try:
            await services.agencies.create(
                actor,
                AgencyCreate(
                    uscc=demo_uscc(900_000 + n, division),
                    name=f"{place}安诚{AGENCY_KINDS[kind]}有限公司",
                    division_code=division,
                    kinds=[kind],
                    qualifications=[
                        QualificationCreate(
                            kind=kind,
                            certificate_no=f"APJ-(豫)-{100 + n}",
                            issued_by="河南省应急管理厅",
                            valid_from=dt.date(2022, 6, 1),
                            valid_to=dt.date(2027, 5, 31),
                        )
                    ],
                ),
            )
        except Conflict:
            continue

"""Demo rows (both sizes share the generator): every row valid, USCCs unique, all industries present."""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.demo.seed import enterprise_rows
from registry.domain.enterprises.schemas import EnterpriseCreate
from registry.domain.enterprises.validation import check_create
from registry.domain.vocabulary import AGENCY_KINDS, INDUSTRIES


def test_demo_rows_validate_and_are_unique() -> None:
    rows = list(enterprise_rows(10_200))  # past 10,000 the national spread over all counties begins
    seen = set()
    for row in rows:
        data = dict(row.values)
        if "operating_divisions" in data:
            data["operating_divisions"] = [data["operating_divisions"]]
        checked = check_create(msgspec.convert(data, EnterpriseCreate, strict=False), dt.date(2026, 11, 26))
        seen.add(checked.uscc)
    assert len(seen) == len(rows)
    assert {r.values["industry"] for r in rows} == set(INDUSTRIES) - set(AGENCY_KINDS)
    assert len({r.values["division_code"] for r in rows[10_000:]}) > 100

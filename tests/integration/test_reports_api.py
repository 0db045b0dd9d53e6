"""GET /api/v1/reports/monthly|targets|credit: bureau only, its own subtree, signed, the same bytes
for the same parameters, and 4xx problem+json naming the field for bad parameters."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import Any

import httpx
import openpyxl

from registry.domain.reports.service import FILE_TYP, FORMATS, REPORT_TYP
from registry.signing import jws
from tests import factories as f
from tests.integration import support as t

AS_OF = "2026-12-01T00:00:00Z"


async def keys(client: httpx.AsyncClient) -> Any:
    return jws.public_keys((await client.get("/.well-known/jwks.json")).json())


async def test_monthly_json_is_a_signed_envelope_of_the_bureaus_own_area(client, services):
    h = await t.bureau(client, services, "410103")
    r = await client.get("/api/v1/reports/monthly", params={"month": "2026-11", "as_of": AS_OF}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    answer = r.json()
    payload = jws.verify_envelope(answer, await keys(client))
    header, _ = jws.verify(answer["jws"], await keys(client))
    assert header["typ"] == REPORT_TYP
    assert payload["area"] == {"prefix": "410103", "name": "河南省郑州市二七区"}
    assert (payload["month"], payload["day"], payload["as_of"]) == ("2026-11", "2026-11-30", AS_OF)
    assert [row["name"] for row in payload["rows"][:8]] == [
        "冶金",
        "机械",
        "轻工",
        "有色",
        "纺织",
        "建材",
        "商贸",
        "烟草",
    ]
    for i, total in enumerate(payload["total"]["levels"]):
        for key in ("completed", "cumulative", "in_review"):
            assert total[key] == sum(row["levels"][i][key] for row in payload["rows"])
    again = await client.get("/api/v1/reports/monthly", params={"month": "2026-11", "as_of": AS_OF}, headers=h)
    assert again.content == r.content


def manifest_type(fmt: str) -> str:
    return {"csv": "text/csv; charset=utf-8", "xlsx": FORMATS["xlsx"]}[fmt]


async def test_files_carry_a_signed_manifest_of_their_bytes_and_are_reissued_identically(client, services):
    h = await t.bureau(client, services, "410100", "prefectural")
    public = await keys(client)
    for path, params in (
        ("monthly", {"month": "2026-11"}),
        ("targets", {"year": "2026"}),
        ("credit", {"year": "2026"}),
    ):
        for fmt in ("csv", "xlsx"):
            query = {**params, "format": fmt, "as_of": AS_OF}
            first = await client.get(f"/api/v1/reports/{path}", params=query, headers=h)
            assert first.status_code == 200, first.text
            assert "attachment" in first.headers["content-disposition"]
            # the media type the manifest signs, its charset said once
            assert first.headers["content-type"] == manifest_type(fmt)
            header, signed = jws.verify(first.headers["x-report-signature"], public)
            manifest = json.loads(signed)
            assert header["typ"] == FILE_TYP
            assert manifest["sha256"] == hashlib.sha256(first.content).hexdigest()
            assert (manifest["report"], manifest["format"], manifest["as_of"]) == (path, fmt, AS_OF)
            assert manifest["area"]["prefix"] == "4101"
            second = await client.get(f"/api/v1/reports/{path}", params=query, headers=h)
            assert second.content == first.content
            assert second.headers["x-report-signature"] == first.headers["x-report-signature"]
    r = await client.get(
        "/api/v1/reports/monthly", params={"month": "2026-11", "format": "xlsx", "as_of": AS_OF}, headers=h
    )
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    form = book["月度报表"]
    assert form["A2"].value == "填报单位：河南省郑州市"
    assert {"A3:A4", "B3:D3", "E3:G3", "H3:J3"} <= {str(m) for m in form.merged_cells.ranges}


async def test_a_bureau_reports_only_on_its_own_subtree(client, services, clock):
    county = await t.bureau(client, services, "410103")
    r = await client.get("/api/v1/reports/targets", params={"year": "2026", "division": "4101"}, headers=county)
    t.assert_problem(r, 403)
    denied = await t.audit_for(services, "4101", "report.targets")
    assert [a.outcome for a in denied][-1:] == ["denied"]
    city = await t.bureau(client, services, "410100", "prefectural")
    r = await client.get("/api/v1/reports/targets", params={"year": "2026", "division": "410103"}, headers=city)
    assert r.status_code == 200, r.text
    assert r.json()["payload"]["area"]["prefix"] == "410103"
    await t.create(client, county, scale="above_scale")
    clock.advance(dt.timedelta(seconds=1))  # the default as_of is now to the second: past the registration
    national = await t.national(client, services)
    r = await client.get("/api/v1/reports/targets", params={"year": "2026", "division": "410000"}, headers=national)
    assert r.status_code == 200, r.text
    ranking = r.json()["payload"]["ranking"]
    assert ranking
    assert all(s["prefix"].startswith("41") and len(s["prefix"]) == 4 for s in ranking)


async def test_partners_and_the_public_get_no_reports(client, services):
    partner = await f.headers(client, services, "partner", department="mof")
    r = await client.get("/api/v1/reports/monthly", params={"month": "2026-11"}, headers=partner)
    t.assert_problem(r, 403)
    r = await client.get("/api/v1/reports/monthly", params={"month": "2026-11"})
    t.assert_problem(r, 401)


async def test_bad_parameters_are_422_naming_the_field_and_the_rule(client, services):
    h = await t.bureau(client, services, "410103")
    cases = [
        ("monthly", {}, "month", "required"),
        ("monthly", {"month": "2026-13"}, "month", "month"),
        ("monthly", {"month": "2099-01"}, "month", "period_in_future"),
        ("monthly", {"month": "2026-01", "format": "pdf"}, "format", "unknown_format"),
        ("monthly", {"month": "2026-01", "division": "41a"}, "division", "division_prefix"),
        ("monthly", {"month": "2026-01", "as_of": "yesterday"}, "as_of", "datetime"),
        ("monthly", {"month": "2026-01", "as_of": "2026-01-01T00:00:00"}, "as_of", "timezone"),
        ("monthly", {"month": "2026-01", "as_of": "2999-01-01T00:00:00Z"}, "as_of", "in_future"),
        ("targets", {"year": "26"}, "year", "year"),
        ("credit", {}, "year", "required"),
    ]
    for path, params, field, code in cases:
        r = await client.get(f"/api/v1/reports/{path}", params=params, headers=h)
        t.assert_field(r, field, code)

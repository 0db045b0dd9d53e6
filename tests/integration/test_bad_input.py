"""Bad input: every rejection is a 4xx problem+json naming the field and rule, and changes nothing."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import pytest

from registry.app import create_app
from registry.domain.identifiers import make_uscc
from tests import factories as f
from tests.conftest import running
from tests.integration import support as t

BASE = "/api/v1/enterprises"
IMPORT = "/api/v1/enterprises/import"
HEADER = "uscc,name,division_code,industry,scale\n"


def lettered_uscc(division: str = "410103") -> str:
    """A valid USCC with letters in its body, so case and alphabet rules have something to bite."""
    return make_uscc("91", division, "AB" + t.rand("0123456789ACDEFGH", 6))


def replace_at(code: str, pos: int, char: str) -> str:
    return code[:pos] + char + code[pos + 1 :]


def wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def bad_usccs() -> list[tuple[str, str, str]]:
    good = lettered_uscc()
    return [
        ("check character", wrong_check(good), "uscc.check"),
        ("lowercase", good.lower(), "uscc.lowercase"),
        ("letter I", replace_at(good, 9, "I"), "uscc.alphabet"),
        ("letter O", replace_at(good, 9, "O"), "uscc.alphabet"),
        ("letter S", replace_at(good, 9, "S"), "uscc.alphabet"),
        ("letter V", replace_at(good, 9, "V"), "uscc.alphabet"),
        ("letter Z", replace_at(good, 9, "Z"), "uscc.alphabet"),
        ("17 characters", good[:17], "uscc.length"),
        ("19 characters", good + "0", "uscc.length"),
        ("letter in division part", replace_at(good, 4, "A"), "uscc.division"),
        ("full-width digit", replace_at(good, 9, "１"), "uscc.alphabet"),
    ]


@pytest.fixture
async def h(client, services):
    return await t.bureau(client, services)


@pytest.mark.parametrize("case", range(len(bad_usccs())), ids=[c[0] for c in bad_usccs()])
async def test_bad_uscc_on_create_is_refused_and_nothing_is_stored(client, services, h, case):
    _, code, rule = bad_usccs()[case]
    body = f.enterprise()
    body["uscc"] = code
    before = await t.counts(services)
    r = await client.post(BASE, json=body, headers=h)
    t.assert_field(r, "uscc", rule)
    assert await t.counts(services) == before
    found = await client.get(BASE, params={"q": body["name"]}, headers=h)
    assert found.json()["items"] == []


@pytest.mark.parametrize(
    ("over", "fld", "rule"),
    [
        ({"division_code": "41010"}, "division_code", "division.format"),
        ({"division_code": "4101030"}, "division_code", "division.format"),
        ({"division_code": "41O103"}, "division_code", "division.format"),
        ({"division_code": "990103"}, "division_code", "division.structure"),
        ({"operating_divisions": ["410103", "4101"]}, "operating_divisions[1]", "division.format"),
        ({"industry": "steel"}, "industry", "enum"),
        ({"industry": 7}, "industry", "type"),
        ({"scale": "huge"}, "scale", "enum"),
        ({"name": "   "}, "name", "required"),
        ({"name": "名" * 201}, "name", "too_long"),
        ({"name": "控制\x07字符有限公司"}, "name", "control_character"),
        ({"name_valid_from": "2023-02-30"}, "name_valid_from", "date"),
        ({"name_valid_from": "2099-01-01"}, "name_valid_from", "future_date"),
        ({"name_valid_from": "01/02/2023"}, "name_valid_from", "date"),
        ({"registration_no": "41010300000001"}, "registration_no", "registration_no.length"),
        ({"org_code": "12345678-0"}, "org_code", "org_code.check"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
async def test_bad_field_on_create_is_refused_and_nothing_is_stored(client, services, h, over, fld, rule):
    body = {**f.enterprise(), **over}
    before = await t.counts(services)
    r = await client.post(BASE, json=body, headers=h)
    t.assert_field(r, fld, rule)
    assert await t.counts(services) == before
    t.assert_problem(await client.get(f"{BASE}/{body['uscc']}", headers=h), 404)


async def test_missing_required_field_is_named(client, services, h):
    body = f.enterprise()
    del body["industry"]
    r = await client.post(BASE, json=body, headers=h)
    t.assert_field(r, "industry", "required")


async def test_every_problem_of_a_record_is_reported_at_once(client, services, h):
    body = {**f.enterprise(), "division_code": "4101", "name_valid_from": "2099-12-31", "org_code": "bad"}
    body["uscc"] = wrong_check(body["uscc"])
    r = await client.post(BASE, json=body, headers=h)
    got = {(e["field"], e["code"]) for e in t.assert_problem(r, 422, "validation_failed")["errors"]}
    assert {("uscc", "uscc.check"), ("division_code", "division.format"), ("name_valid_from", "future_date")} <= got
    assert "org_code" in {fld for fld, _ in got}


@pytest.mark.parametrize(
    ("patch", "fld", "rule"),
    [
        ({"division_code": "4101"}, "division_code", "division.format"),
        ({"industry": "steel"}, "industry", "enum"),
        ({"name": ""}, "name", "required"),
        ({"name_valid_from": "2023-02-30", "name": "新名称有限公司"}, "name_valid_from", "date"),
        ({"name_valid_from": "2099-01-01", "name": "新名称有限公司"}, "name_valid_from", "future_date"),
        ({"parent_uscc": "91410103MA00000000"}, "parent_uscc", "uscc.check"),
        ({"version": "one"}, "version", "type"),
        ({"status": "bankrupt"}, "status", "enum"),
    ],
)
async def test_bad_update_changes_nothing(client, services, h, patch, fld, rule):
    e = await t.create(client, h)
    stored = (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()
    before = await t.counts(services)
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, **patch}, headers=h)
    t.assert_field(r, fld, rule)
    assert await t.counts(services) == before
    assert (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json() == stored


async def test_update_without_version_is_refused(client, services, h):
    e = await t.create(client, h)
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"name": "无版本有限公司"}, headers=h)
    t.assert_field(r, "version", "required")
    assert (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()["version"] == 1


@pytest.mark.parametrize("case", range(len(bad_usccs())), ids=[c[0] for c in bad_usccs()])
async def test_malformed_uscc_in_the_path_is_422(client, h, case):
    _, code, rule = bad_usccs()[case]
    r = await client.get(f"{BASE}/{code}", headers=h)
    t.assert_field(r, "uscc", rule)
    r = await client.patch(f"{BASE}/{code}", json={"version": 1, "scale": "micro"}, headers=h)
    t.assert_field(r, "uscc", rule)


async def test_person_id_with_wrong_check_digit_is_refused_without_echoing_it(client, services, h):
    good = t.person_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = await t.counts(services)
    r = await client.post("/api/v1/persons", json={"id_number": bad, "name": "张三"}, headers=h)
    t.assert_field(r, "id_number", "resident_id.check")
    assert bad not in r.text
    assert bad[:-1] not in r.text
    r = await client.post("/api/v1/persons/lookup", json={"id_number": bad}, headers=h)
    t.assert_field(r, "id_number", "resident_id.check")
    assert bad[:-1] not in r.text
    assert await t.counts(services) == before


async def test_person_id_with_impossible_birth_date_is_refused(client, services, h):
    from stdnum.cn import ric

    body = "41010320230230123"  # 30 February
    bad = body + ric.calc_check_digit(body + "0")
    r = await client.post("/api/v1/persons", json={"id_number": bad, "name": "李四"}, headers=h)
    t.assert_field(r, "id_number", "resident_id.birth_date")
    assert body not in r.text


async def test_impossible_role_dates_are_refused(client, services, h):
    e = await t.create(client, h)
    person = (await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": "王五"}, headers=h)).json()
    before = await t.counts(services)
    url = f"/api/v1/persons/{person['id']}/roles"
    r = await client.post(url, json={"uscc": e["uscc"], "role": "principal", "valid_from": "2023-02-30"}, headers=h)
    t.assert_field(r, "valid_from", "date")
    r = await client.post(
        url,
        json={"uscc": e["uscc"], "role": "principal", "valid_from": "2023-03-01", "valid_to": "2023-02-01"},
        headers=h,
    )
    t.assert_field(r, "valid_to", "before_start")
    r = await client.post(url, json={"uscc": e["uscc"], "role": "boss", "valid_from": "2023-03-01"}, headers=h)
    t.assert_field(r, "role", "enum")
    assert await t.counts(services) == before


@pytest.mark.parametrize(
    "raw",
    [b'{"uscc": "91410103', b"not json at all", b'{"uscc": "x",}', b"\xff\xfe\x00"],
    ids=["truncated", "text", "trailing comma", "binary"],
)
async def test_malformed_json_is_400(client, services, h, raw):
    before = await t.counts(services)
    r = await client.post(BASE, content=raw, headers={**h, "Content-Type": "application/json"})
    t.assert_problem(r, 400, "malformed_body")
    assert await t.counts(services) == before


async def test_json_body_of_the_wrong_shape_is_422(client, h):
    r = await client.post(BASE, json=["not", "an", "object"], headers=h)
    body = t.assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["code"] == "type"


async def test_oversized_json_body_is_413_stating_the_limit(client, services, settings, h):
    limit = settings.limits.max_json_bytes
    body = {**f.enterprise(), "address": "长" * limit}
    before = await t.counts(services)
    r = await client.post(BASE, content=json.dumps(body).encode(), headers={**h, "Content-Type": "application/json"})
    problem = t.assert_problem(r, 413, "payload_too_large")
    assert problem["limit_bytes"] == limit
    assert str(limit) in problem["detail"]
    assert await t.counts(services) == before


async def test_oversized_upload_is_413_stating_the_upload_limit(client, services, settings, clock):
    limit = 4096
    small = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, max_upload_bytes=limit))
    app = create_app(small, clock=clock)
    async with running(app), t.client_at(app, t.address()) as c:
        h = await t.bureau(c, app.state.services)
        fam = t.Family()
        rows = "".join(f"{fam.uscc()},超限导入{i}有限公司,410103,machinery,micro\n" for i in range(80))
        data = (HEADER + rows).encode()
        assert len(data) > limit
        before = await t.counts(services)
        r = await c.post(IMPORT, files={"file": ("big.csv", data, "text/csv")}, headers=h)
        problem = t.assert_problem(r, 413, "payload_too_large")
        assert problem["limit_bytes"] == limit
        assert str(limit) in problem["detail"]
        assert await t.counts(services) == before
        # the same app takes a file under its limit
        ok = await c.post(IMPORT, files={"file": ("ok.csv", (HEADER + rows[:200]).encode(), "text/csv")}, headers=h)
        assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("uscc,name,division_code,scale", "header.industry"),
        ("统一社会信用代码,单位名称,行业,规模", "header.division_code"),
        ("name,division_code,industry,scale", "header.uscc"),
    ],
)
async def test_csv_with_a_missing_header_is_422(client, services, h, header, missing):
    data = f"{header}\n{f.uscc()},缺列有限公司,410103,machinery\n".encode()
    before = await t.counts(services)
    r = await client.post(IMPORT, files={"file": ("missing.csv", data, "text/csv")}, headers=h)
    t.assert_field(r, missing, "missing_column")
    assert await t.counts(services) == before


async def test_empty_csv_is_422(client, h):
    r = await client.post(IMPORT, files={"file": ("empty.csv", b"", "text/csv")}, headers=h)
    t.assert_field(r, "file", "empty")


def fake_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "ctype"),
    [
        ("report.xlsx", b"this is plain text pretending to be a workbook", "application/octet-stream"),
        (
            "report.xlsx",
            b"PK\x03\x04" + b"\x00" * 60,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("report.xlsx", fake_zip(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("report.pdf", b"%PDF-1.7\n", "application/pdf"),
    ],
    ids=["text", "zip header", "zip without workbook", "pdf"],
)
async def test_upload_that_is_not_a_spreadsheet_is_415(client, services, h, name, data, ctype):
    before = await t.counts(services)
    r = await client.post(IMPORT, files={"file": (name, data, ctype)}, headers=h)
    t.assert_problem(r, 415, "unsupported_media_type")
    assert await t.counts(services) == before


async def test_import_without_a_file_is_4xx_problem(client, h):
    r = await client.post(IMPORT, data={"other": "x"}, headers=h)
    assert 400 <= r.status_code < 500
    t.assert_problem(r, r.status_code)


async def test_unknown_route_is_a_404_problem(client, h):
    for path in ("/api/v1/nothing-here", "/api/v2/enterprises", "/api/definitely/not"):
        t.assert_problem(await client.get(path, headers=h), 404, "not_found")
    # an address outside the API is a page: the Chinese 404 page (test_public.py)
    page = await client.get("/definitely/not", headers=h)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


async def test_wrong_method_is_a_problem(client, h):
    r = await client.delete(f"{BASE}/{f.uscc()}", headers=h)
    assert r.status_code == 405
    t.assert_problem(r, 405)

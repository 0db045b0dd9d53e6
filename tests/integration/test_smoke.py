from __future__ import annotations

from tests import factories as f


async def test_register_and_read(client, services):
    h = await f.headers(client, services)
    body = f.enterprise()
    r = await client.post("/api/v1/enterprises", json=body, headers=h)
    assert r.status_code == 201, r.text
    got = (await client.get(f"/api/v1/enterprises/{body['uscc']}", headers=h)).json()
    assert got["name"] == body["name"]
    assert got["division_name"] == "河南省郑州市二七区"
    assert [n["name"] for n in got["names"]] == [body["name"]]

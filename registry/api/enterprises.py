"""/api/v1/enterprises: the register. Thin: parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, MultipartBody, PathParameter, QueryParameter

from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.enterprises import schemas as s
from registry.domain.enterprises.search import SearchQuery, validate_filters
from registry.domain.imports.importer import ImportReport
from registry.domain.imports.readers import ENTERPRISE_COLUMNS, parse_upload_off_loop
from registry.domain.vocabulary import EnterpriseStatus, Industry, Scale
from registry.domain.wire import uscc_field

USCC_PATH = PathParameter(title="统一社会信用代码 / USCC", min_length=1, max_length=64)


def check_path_uscc(uscc: str) -> str:
    return uscc_field("uscc", uscc)


def enterprise_handlers(services: Services) -> list[Any]:
    limits = services.settings.limits

    @post("/enterprises", tags=["enterprises"], summary="登记企业 / register an enterprise")
    async def create(actor: NamedDependency[Actor], data: JSONBody[s.EnterpriseCreate]) -> s.Enterprise:
        return await services.enterprises.create(actor, data)

    @get("/enterprises/{uscc:str}", tags=["enterprises"], summary="企业档案 / one enterprise with name history")
    async def read(actor: NamedDependency[Actor], uscc: Annotated[str, USCC_PATH]) -> s.Enterprise:
        return await services.enterprises.get(actor, check_path_uscc(uscc))

    @patch(
        "/enterprises/{uscc:str}",
        tags=["enterprises"],
        summary="更新企业 / update (send the version you read; 409 if stale)",
    )
    async def update(
        actor: NamedDependency[Actor], uscc: Annotated[str, USCC_PATH], data: JSONBody[s.EnterpriseUpdate]
    ) -> s.Enterprise:
        return await services.enterprises.update(actor, check_path_uscc(uscc), data)

    @get("/enterprises", tags=["enterprises"], summary="检索企业 / search (cursor pagination)")
    async def search(
        actor: NamedDependency[Actor],
        q: Annotated[str | None, QueryParameter(description="名称片段 / name fragment")] = None,
        uscc_prefix: FromQuery[str | None] = None,
        division: Annotated[str | None, QueryParameter(description="区划前缀 2/4/6 位 / division subtree")] = None,
        industry: FromQuery[Industry | None] = None,
        scale: FromQuery[Scale | None] = None,
        status: FromQuery[EnterpriseStatus | None] = None,
        parent_uscc: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> s.EnterprisePage:
        query = SearchQuery(
            q=q,
            uscc_prefix=uscc_prefix,
            division=division,
            industry=industry,
            scale=scale,
            status=status,
            parent_uscc=parent_uscc,
            limit=limit,
            after=SearchQuery.decode_cursor(cursor) if cursor else None,
        )
        validate_filters(query, limits.page_size_max)
        return await services.enterprises.search(actor, query)

    @post(
        "/enterprises/import",
        status_code=200,
        tags=["enterprises"],
        request_max_body_size=limits.max_upload_bytes,
        summary="批量导入 / bulk import (CSV or XLSX, multipart field `file`)",
        description=f"Upserts good rows by USCC; bad rows are reported with row, field and reason. "
        f"Limit {limits.max_upload_bytes} bytes.",
    )
    async def import_file(
        actor: NamedDependency[Actor],
        data: MultipartBody[UploadFile],
    ) -> Response[ImportReport]:
        content = await data.read()
        parsed = await parse_upload_off_loop(
            data.filename, content, data.content_type, ENTERPRISE_COLUMNS, services.settings.uploads
        )
        report = await services.importer.run(actor, parsed.rows())
        return Response(report, status_code=200)

    return [create, read, update, search, import_file]

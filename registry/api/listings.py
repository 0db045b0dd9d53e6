"""/api/v1/listings: the listing workflow (propose, notify, statement, object, resolve-objection,
approve, publish, apply-repair, decide-repair, revoke-repair, remove) and its history."""

# No ``from __future__ import annotations`` here: each action handler's body type is a closure
# variable, and Litestar must see the real type when it reads the signature.

import datetime as dt
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter

from registry.api.enterprises import check_path_uscc
from registry.api.params import AuthorityQueryId, PathId, QueryId
from registry.domain import idempotency
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.events.query import query_date
from registry.domain.listings import schemas as s
from registry.domain.listings.query import ListingQuery, validate
from registry.domain.listings.types import LIST_TYPES, PUBLICATION_CHANNELS, REMOVAL_TYPES, STATUSES

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=idempotency.HEADER,
        description="重试安全 / a retry with the same key returns the first answer (a UUID per request)",
        schema_extra={"pattern": idempotency.KEY_PATTERN, "max_length": 200},
    ),
]

#: path segment -> (service action, summary)
ACTIONS: dict[str, tuple[str, str]] = {
    "notify": ("notify", "告知：送达列入前告知书（理由、依据、权利），陈述申辩期开始"),
    "statement": ("statement", "陈述申辩及答复；采纳则不予列入"),
    "object": ("object", "当事人异议：名单冻结至异议处理完毕"),
    "resolve-objection": ("resolve_objection", "异议处理：成立则不予列入或作为更正移出"),
    "approve": (
        "approve",
        "批准（第二名工作人员）：作出列入决定，或批准待批的移出、信用修复、撤销信用修复；reject=true 驳回",
    ),
    "publish": ("publish", "公示：记录公示渠道与日期"),
    "apply-repair": ("apply_repair", "信用修复申请（列入满12个月，条件核查并留存材料）"),
    "decide-repair": ("decide_repair", "信用修复决定：不予修复，或提请批准提前移出"),
    "revoke-repair": ("revoke_repair", "撤销提前移出（隐瞒真实情况、弄虚作假），提请批准后恢复列入、原期限不变"),
    "remove": ("remove", "移出：人民法院裁判、行政复议决定，或（历史名单）期满依申请；提请批准"),
}


def _answer(answer: idempotency.Answer) -> Response[Any]:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Response(answer.body, status_code=answer.status_code, headers=headers)


def _action_handler(services: Services, path: str, action: str, body: type[Any], summary: str) -> Any:
    @post(
        f"/listings/{{listing_id:int}}/{path}",
        tags=["listings"],
        status_code=200,
        summary=summary,
        name=f"listing-{path}",
        description="Send the `version` you read; 409 with the current state if it changed or the step may "
        "not follow it. Only officers of the deciding authority (the one that imposed the penalty) act.",
    )
    async def handler(
        actor: NamedDependency[Actor],
        listing_id: PathId,
        data: JSONBody[body],  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> Response[s.Listing]:
        key = idempotency.key(idempotency_key, action, str(listing_id), data)
        return _answer(await services.listings.act(actor, listing_id, action, data, key))

    return handler


def listing_handlers(services: Services) -> list[Any]:
    limits = services.settings.limits

    @post(
        "/listings",
        tags=["listings"],
        summary="提议列入 / propose a listing (from a rule decision, or case 9 by hand with written reasons)",
        description="`source: rules` evaluates today's stored facts and cites the rule; a unit's proposal also "
        "proposes the persons its decision names (`with_persons`). 201 with the listing and those related.",
    )
    async def propose(
        actor: NamedDependency[Actor], data: JSONBody[s.ListingPropose], idempotency_key: IdempotencyKey = None
    ) -> Response[s.Proposed]:
        key = idempotency.key(idempotency_key, "propose", "listings", data)
        return _answer(await services.listings.propose(actor, data, key))

    @get("/listings/types", tags=["listings"], summary="名单类型、状态、移出类型、公示渠道 / vocabularies")
    async def types(actor: NamedDependency[Actor]) -> dict[str, Any]:
        return {
            "list_types": {
                code: {
                    "title": t.title,
                    "term_months": t.term_months,
                    "automatic_expiry": t.automatic_expiry,
                    "repairable": t.repairable,
                    "manual_criteria": list(t.manual_criteria),
                }
                for code, t in LIST_TYPES.items()
            },
            "statuses": STATUSES,
            "removal_types": REMOVAL_TYPES,
            "publication_channels": PUBLICATION_CHANNELS,
            "statement_days": services.settings.listings.statement_days,
        }

    @get("/listings/{listing_id:int}", tags=["listings"], summary="名单记录及全部历史 / a listing with its history")
    async def read(actor: NamedDependency[Actor], listing_id: PathId) -> s.Listing:
        return await services.listings.get(actor, listing_id)

    @get("/listings", tags=["listings"], summary="检索名单记录 / list listings (within your area)")
    async def search(
        actor: NamedDependency[Actor],
        status: Annotated[str | None, QueryParameter(schema_extra={"enum": [*STATUSES, None]})] = None,
        list_type: Annotated[str | None, QueryParameter(schema_extra={"enum": [*LIST_TYPES, None]})] = None,
        uscc: Annotated[str | None, QueryParameter(description="单位 / enterprise or agency USCC")] = None,
        person_id: QueryId = None,
        authority_id: AuthorityQueryId = None,
        division: Annotated[str | None, QueryParameter(description="区划前缀 2/4/6 位 / division subtree")] = None,
        expiring_before: Annotated[
            str | None, QueryParameter(description="在列且期限在此日前届满 / listed, term ending before YYYY-MM-DD")
        ] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> s.ListingPage:
        before: dt.date | None = query_date("expiring_before", expiring_before)
        query = ListingQuery(
            status=status,
            list_type=list_type,
            uscc=check_path_uscc(uscc) if uscc is not None else None,
            person_id=person_id,
            authority_id=authority_id,
            division=division,
            expiring_before=before,
            limit=limit,
            after=ListingQuery.decode_cursor(cursor) if cursor else None,
        )
        validate(query, limits.page_size_max)
        return await services.listings.search(actor, query)

    actions = [
        _action_handler(services, path, action, s.ACTION_BODIES[action], summary)
        for path, (action, summary) in ACTIONS.items()
    ]
    return [propose, types, read, search, *actions]

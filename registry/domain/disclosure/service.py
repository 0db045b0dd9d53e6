"""Public disclosure (信用公示): search, and the signed answer behind each enterprise page.

The public detail is signed like a partner answer (DESIGN section 4, audience ``public``) so a
journalist or a bank can keep it and prove later what the registry showed. Answers are kept per
(unit, data version, Beijing day) in a bounded in-process memory: the data version is read on each
request (one indexed query), so a change to the unit is shown at once, on every worker.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from registry.db.engine import Database
from registry.db.models import Enterprise, Listing, SubjectChange
from registry.domain import changes
from registry.domain.disclosure.view import (
    criteria_texts,
    division_name,
    public_body,
    public_listing_filter,
    related_keys,
)
from registry.domain.enterprises.search import SearchQuery, plan_for_the_values, search_statements, validate_filters
from registry.domain.identifiers import IdentifierError, parse_uscc
from registry.domain.transparency import LogService, b64
from registry.domain.vocabulary import INDUSTRIES
from registry.domain.wire import bad_cursor, pack_cursor, unpack_cursor
from registry.errors import FieldProblem, NotFound, ValidationFailed
from registry.lib.clock import Clock, today, utc_text
from registry.rules.evaluator import Memo
from registry.rules.model import Ruleset
from registry.signing import jws
from registry.signing.keys import KeyRing

PUBLIC_TYP = "registry-public+jws"
#: a USCC, or the start of one: searched by code, anything else by name
_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2,18}$")


@dataclass(frozen=True, slots=True)
class SearchPage:
    q: str
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass
class _Answer:
    #: (subject key, data version) of the unit and of everything else its page shows
    stamp: tuple[tuple[str, int], ...]
    on: dt.date
    until: dt.datetime
    envelope: dict[str, Any]


class DisclosureService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: KeyRing,
        rulesets: tuple[Ruleset, ...],
        log: LogService,
        page_size: int = 20,
        validity_seconds: int = 3600,
        cache_size: int = 20_000,
        search_timeout_ms: int = 200,
    ) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.memo = Memo(rulesets)
        self.criteria = criteria_texts(rulesets)
        self.log = log
        self.page_size = page_size
        self.validity = dt.timedelta(seconds=validity_seconds)
        self.cache_size = cache_size
        self.search_timeout_ms = search_timeout_ms
        self._answers: OrderedDict[str, _Answer] = OrderedDict()

    # ---- search ------------------------------------------------------------------------------

    async def search(self, q: str, cursor: str | None = None) -> SearchPage:
        """Name fragment or (start of a) USCC; at least 2 characters, at most 100; pages of
        ``page_size`` in USCC order with a cursor."""
        text = q.strip()
        if len(text) < 2:
            raise ValidationFailed(
                [FieldProblem("q", "too_short", "请至少输入 2 个字符", "q must have at least 2 characters")]
            )
        code = text.upper()
        by_code = _CODE.match(code) is not None
        after: tuple[str, ...] | None = None
        if cursor is not None:
            parts = tuple(unpack_cursor(cursor))
            if len(parts) != 1 or not _CODE.match(parts[0]):
                raise bad_cursor()
            after = parts
        # by name always; text that could be (the start of) a code also by code ("TCL" is both)
        queries = [SearchQuery(q=text, limit=self.page_size, after=after)]
        if by_code:
            queries.append(SearchQuery(uscc_prefix=code, limit=self.page_size, after=after))
        for query in queries:
            validate_filters(query, self.page_size)
        on = today(self.clock)
        async with self.db.routed() as session:
            if self.db.dialect == "postgresql":
                # a two-character fragment is an index lookup (name bigrams, migration 0009), longer ones
                # use trigrams; what is still slow is a fragment common in names but clustered in one
                # part of the register (bench/RESULTS.md "Search"): the public search gives up within
                # its budget and asks for more of the name
                await session.execute(sql(f"SET LOCAL statement_timeout = {int(self.search_timeout_ms)}"))
            await plan_for_the_values(session)
            found: dict[str, Enterprise] = {}
            try:
                for query in queries:  # each an index walk in USCC order, merged here
                    found.update((e.uscc, e) for e in await session.scalars(search_statements(query)[0]))
            except DBAPIError as exc:
                if "statement timeout" not in str(exc):
                    raise
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "q",
                            "too_broad",
                            "匹配的企业过多，未能在限定时间内完成查询：请输入更完整的企业名称（如加上所在地），"
                            "或输入统一社会信用代码",
                            "too many units match: give more of the name (with its place, for instance) or the code",
                        )
                    ]
                ) from exc
            rows = [found[k] for k in sorted(found)][: self.page_size + 1]
            more = len(rows) > self.page_size
            rows = rows[: self.page_size]
            listed = (
                set(
                    await session.scalars(
                        select(Listing.enterprise_id).where(
                            Listing.enterprise_id.in_([r.id for r in rows]), *public_listing_filter(on)
                        )
                    )
                )
                if rows
                else set()
            )
        items = [
            {
                "uscc": r.uscc,
                "name": r.name,
                "division_code": r.division_code,
                "division_name": division_name(r.division_code),
                "industry": r.industry,
                "industry_name": INDUSTRIES.get(r.industry, r.industry),
                "listed": r.id in listed,
            }
            for r in rows
        ]
        return SearchPage(text, items, pack_cursor(rows[-1].uscc) if more else None)

    # ---- detail ------------------------------------------------------------------------------

    async def detail(self, uscc: str) -> dict[str, Any]:
        """The signed public answer ``{request_id, payload, jws}`` for a registered unit."""
        try:
            code = parse_uscc(uscc).value
        except IdentifierError as err:
            raise ValidationFailed([FieldProblem("uscc", err.code, err.message_zh, err.message_en)]) from err
        on = today(self.clock)
        async with self.db.routed() as session:
            unit = await session.scalar(select(Enterprise).where(Enterprise.uscc == code))
            if unit is None:
                raise NotFound(f"没有统一社会信用代码为 {code} 的登记企业 / no registered enterprise {code}")
            # the unit's own changes and those of the persons and parent its page shows
            versions = {
                changes.enterprise_key(unit.id): unit.data_version,
                **await changes.versions_of(session, await related_keys(session, unit)),
            }
            stamp = tuple(sorted(versions.items()))
            version = max(versions.values())
            found = self._answers.get(code)
            if (
                found is None
                or found.stamp != stamp
                or found.on != on
                or found.until - self.clock.now() <= self.validity / 10
            ):
                changed_at = await session.scalar(select(SubjectChange.recorded_at).where(SubjectChange.seq == version))
                body = await public_body(session, self.memo, self.criteria, unit, on)
                size = await self.log.sync()
                found = self._answers[code] = self._sign(body, stamp, changed_at or unit.created_at, on, size)
            self._answers.move_to_end(code)
            while len(self._answers) > self.cache_size:
                self._answers.popitem(last=False)
        return {"request_id": str(uuid.uuid4()), **found.envelope}

    def _sign(
        self, body: dict[str, Any], stamp: tuple[tuple[str, int], ...], changed_at: dt.datetime, on: dt.date, size: int
    ) -> _Answer:
        now = self.clock.now()
        payload = {
            "issued_at": utc_text(now),
            "valid_until": utc_text(now + self.validity),
            "audience": "public",
            **body,
            "data_version": max(v for _, v in stamp),
            "last_changed_at": utc_text(changed_at),
            "log": {"tree_size": size, "root_hash": b64(self.log.tree.root(size))},
        }
        envelope = jws.envelope(self.keys.private, self.keys.kid, PUBLIC_TYP, payload)
        return _Answer(stamp, on, now + self.validity, envelope)

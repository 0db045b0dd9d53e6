"""Signed status answers for partner departments, their feedback, and the change feed.

An answer is pre-produced per (subject, audience, data version) and kept in a bounded in-process
cache, re-signed when less than a tenth of its validity is left (as an OCSP responder does, RFC
6960 section 2.4): a cached answer is served only while no change to its subject has committed,
whichever process wrote it (``Freshness``: NOTIFY on PostgreSQL, ``PRAGMA data_version`` and the
change log on SQLite). A partner that sends a ``nonce`` gets a payload signed for
it, holding the nonce and the request_id. Every answer is recorded (who, which subjects, which
data versions, the hash of the JWS) by a batched writer (``QueryLog``), not one INSERT per answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.among import among
from registry.db.data_version import sqlite_file
from registry.db.engine import Database
from registry.db.models import Enterprise, PartnerFeedback, PartnerQuery, SubjectChange
from registry.db.replica import may_cache, requested_min_seq
from registry.domain import changes
from registry.domain.actors import Actor
from registry.domain.evaluation.facts import UNIT_COLUMNS
from registry.domain.identifiers import IdentifierError, parse_uscc
from registry.domain.partners import schemas as s
from registry.domain.partners.answers import subject_payloads, unknown_payload
from registry.domain.partners.freshness import Freshness
from registry.domain.partners.recorder import QueryLog, SqliteQueryLog, ThreadedQueryLog
from registry.domain.transparency import LogService, b64
from registry.errors import DatabaseUnavailable, FieldProblem, ValidationFailed
from registry.lib.clock import Clock, today, utc_text
from registry.lib.ids import new_request_id
from registry.rules.catalogue import OUTCOMES
from registry.rules.evaluator import Memo
from registry.rules.model import Ruleset
from registry.signing import jws
from registry.signing.keys import KeyRing

STATUS_TYP = "registry-status+jws"
BATCH_TYP = "registry-status-batch+jws"
CHANGES_TYP = "registry-changes+jws"
CHANGE_TYP = "registry-change+jws"
MAX_BATCH = 1000
#: the outcomes a department reports back on (feedback's ``measure``)
FEEDBACK_KINDS = ("measure", "incentive", "disclosure", "standardization")
#: the counts kept for the metrics: pre-produced answers found or not (status GET), signatures made
COUNTS = (
    "cache_hit",
    "cache_miss",
    "signed_status",
    "signed_nonce",
    "signed_batch",
    "signed_changes",
    "signed_change",
)
MAX_CHANGES = 1000


def _fail(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def _digest(signed: str) -> str:
    return hashlib.sha256(signed.encode()).hexdigest()


def audience_of(actor: Actor) -> str:
    return actor.department if actor.role == "partner" and actor.department else actor.role


def _request_id(actor: Actor) -> str:
    """The id an answer is given and recorded under: the request's (the request-id middleware mints
    it for partner paths, and sends it as ``X-Request-ID``), or a new one for callers in process."""
    return actor.request_id or new_request_id()


def department_of(actor: Actor) -> str | None:
    """The department whose measures the actor sees (None: all, for bureaus and admins)."""
    return actor.department if actor.role == "partner" else None


def _changed_subject(r: SubjectChange) -> list[Any]:
    """A change as the query records name subjects: ``[uscc, seq]`` (the seq is the subject's data
    version as of that change), ``["p:<person id>", seq]`` for a person."""
    return [r.uscc if r.uscc is not None else f"p:{r.person_id}", r.seq]


@dataclass
class _Cached:
    version: int
    payload: dict[str, Any]
    jws: str
    until: dt.datetime
    #: the day it was evaluated as of: terms end on calendar days, so it is not served the next day
    on: dt.date
    #: ``"payload":...,"jws":"..."}``: the encoded answer after its request_id
    tail: bytes = b""
    #: whether msgspec writes the payload's canonical JSON (``jws.is_plain``), asked once
    plain: bool | None = None
    #: SHA-256 (hex) of ``jws``, as each answer's query record holds it
    digest: str = ""


class PartnerService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: KeyRing,
        rulesets: tuple[Ruleset, ...],
        log: LogService,
        url: str,
        validity_seconds: int = 3600,
        cache_size: int = 100_000,
    ) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.rulesets = rulesets
        self.memo = Memo(rulesets)
        self.log = log
        self.validity = dt.timedelta(seconds=validity_seconds)
        self.cache_size = cache_size
        kept, retry, timeout = (
            db.settings.query_log_max_pending,
            db.settings.retry_after_seconds,
            db.settings.connect_timeout_seconds,
        )
        path = sqlite_file(url) if db.dialect == "sqlite" else None
        self.queries: QueryLog | ThreadedQueryLog
        if db.dialect == "postgresql":
            self.queries = ThreadedQueryLog(url, max_pending=kept, retry_after=retry, connect_timeout=timeout)
        elif path is not None:
            busy = db.settings.busy_timeout_seconds
            self.queries = SqliteQueryLog(path, busy, max_pending=kept, retry_after=retry)
        else:  # an in-memory database: only the app's own connection reaches it
            self.queries = QueryLog(db, max_pending=kept, retry_after=retry)
        self._cache: OrderedDict[tuple[str, str], _Cached] = OrderedDict()
        #: USCC -> subject key of the answers made ("u:<uscc>" for a USCC not registered then)
        self._keys: dict[str, str] = {}
        self._audiences: set[str] = set()
        #: bumped when a subject changes: an answer built across a change is not kept
        self._generation: dict[str, int] = {}
        #: one event per open change stream, set on every change this process hears of
        self._listeners: set[asyncio.Event] = set()
        self.freshness = Freshness(db, url, self._changed)
        #: what the operators' metrics read (api/metrics.py): cached answers found or built, and
        #: signatures made per kind of answer; plain integers, the cheapest count on the hot path
        self.counts: dict[str, int] = dict.fromkeys(COUNTS, 0)
        changes.subscribe(self._changed)  # this process's own writes, at their commit

    def _changed(self, key: str, uscc: str | None) -> None:
        for listener in self._listeners:
            listener.set()
        for subject in (key, f"u:{uscc}" if uscc else None):
            if subject is None:
                continue
            self._generation[subject] = self._generation.get(subject, 0) + 1
            for audience in self._audiences:
                self._cache.pop((subject, audience), None)

    # ---- status ------------------------------------------------------------------------------

    async def status(self, actor: Actor, uscc: str, nonce: str | None) -> bytes:
        """The answer as JSON bytes: ``{"request_id", "payload", "jws"}``. The pre-produced part is
        encoded once, with its signature; each answer adds only its request_id (no re-encoding of
        the payload per answer, which cost more than the rest of the answer)."""
        # a USCC answered before was checked then (GB 32100 costs more than the rest of the answer)
        code = uscc if uscc in self._keys else self._uscc("uscc", uscc)
        audience = audience_of(actor)
        min_seq = requested_min_seq()
        try:
            await self.freshness.ensure()
            # a client that saw a change this process has not heard of yet is not given the cache
            reuse = min_seq is None or min_seq <= self.freshness.last_seq
            cached = self._fresh(code, audience) if reuse else None
            self.counts["cache_hit" if cached is not None else "cache_miss"] += 1
            if cached is None:
                async with self.db.routed() as session:
                    cached = (await self._payloads(session, actor, [code], reuse=reuse))[code]
        except DatabaseUnavailable:
            # a nonce asks for an answer signed now, vouching for data the database cannot confirm
            cached = None if nonce is not None else self._kept(code, audience)
            if cached is None:
                raise
        request_id = _request_id(actor)
        if nonce is None:
            self._encode(cached)
            digest, body = cached.digest, b'{"request_id":"' + request_id.encode() + b'",' + cached.tail
        else:
            now = self.clock.now()
            payload = {
                **cached.payload,
                "issued_at": utc_text(now),
                "valid_until": utc_text(now + self.validity),
                "nonce": nonce,
                "request_id": request_id,
            }
            if cached.plain is None:
                cached.plain = jws.is_plain(cached.payload)
            # what the nonce answer adds are strings under ASCII keys: plain when the cached one is
            signed = jws.sign(self.keys.private, self.keys.kid, STATUS_TYP, payload, plain=cached.plain)
            self.counts["signed_nonce"] += 1
            body = msgspec.json.encode({"request_id": request_id, "payload": payload, "jws": signed})
            digest = _digest(signed)
        await self._record(actor, request_id, [[code, cached.version]], digest)
        return body

    async def batch(self, actor: Actor, data: s.StatusBatch) -> dict[str, Any]:
        if not data.subjects or len(data.subjects) > MAX_BATCH:
            raise _fail("subjects", "size", f"每批 1 至 {MAX_BATCH} 个主体", f"1 to {MAX_BATCH} subjects per batch")
        results: list[dict[str, Any]] = []
        #: the results as the batch's JWS signs them: each answer's signed bytes in place of its payload
        signed: list[dict[str, Any]] = []
        asked: list[list[Any]] = []
        codes: list[str | IdentifierError] = []
        for raw in data.subjects:
            try:
                codes.append(parse_uscc(raw).value)
            except IdentifierError as err:
                codes.append(err)
        min_seq = requested_min_seq()
        await self.freshness.ensure()
        reuse = min_seq is None or min_seq <= self.freshness.last_seq
        async with self.db.routed() as session:
            made = await self._payloads(session, actor, [c for c in codes if isinstance(c, str)], reuse=reuse)
        for raw, code in zip(data.subjects, codes, strict=True):
            if isinstance(code, IdentifierError):
                error = {"code": code.code, "zh": code.message_zh, "en": code.message_en}
                results.append({"uscc": raw, "status": "invalid", "error": error})
                signed.append(results[-1])
                asked.append([raw, None])
                continue
            cached = made[code]
            known = cached.payload["subject"].get("known", True)
            # the subject's own signed answer beside it: one result verifies and travels alone
            status = "ok" if known else "unknown"
            answer = self._sign(cached)
            results.append({"uscc": code, "status": status, "answer": cached.payload, "jws": answer})
            spliced = msgspec.Raw(jws.payload_bytes(answer))
            signed.append({"uscc": code, "status": status, "answer": spliced, "jws": answer})
            asked.append([code, cached.version])
        now = self.clock.now()
        request_id = _request_id(actor)
        payload: dict[str, Any] = {
            "issued_at": utc_text(now),
            "valid_until": utc_text(now + self.validity),
            "audience": audience_of(actor),
            "request_id": request_id,
            "results": results,
            "log": await self._log_head(),
        }
        if data.nonce is not None:
            payload["nonce"] = data.nonce
        # The batch's canonical JSON made from its parts rather than by walking and re-encoding a
        # thousand answers: RFC 8785 writes an object as its members' canonical forms in key order,
        # each answer's canonical form is the payload its JWS signs (whichever encoder wrote it),
        # and the rest of the batch is plain by construction (ASCII literal keys; strings, but for
        # the log's tree size). Sorted msgspec with the answers as Raw bytes is that document.
        if jws.safe_int(payload["log"]["tree_size"]):
            body = jws.canonical_plain({**payload, "results": signed})
            whole = jws.sign_canonical(self.keys.private, self.keys.kid, BATCH_TYP, body)
        else:
            whole = jws.sign(self.keys.private, self.keys.kid, BATCH_TYP, payload)
        self.counts["signed_batch"] += 1
        await self._record(actor, request_id, asked, _digest(whole))
        return {"request_id": request_id, "payload": payload, "jws": whole}

    def _fresh(self, uscc: str, audience: str) -> _Cached | None:
        """The pre-produced answer, if it is current and not near the end of its validity."""
        key = self._keys.get(uscc)
        found = None if key is None else self._cache.get((key, audience))
        if found is None or found.until - self.clock.now() <= self.validity / 10 or found.on != today(self.clock):
            return None
        self._cache.move_to_end((key, audience))  # type: ignore[arg-type]
        return found

    def _kept(self, uscc: str, audience: str) -> _Cached | None:
        """The pre-produced answer while the database is unreachable, until its ``valid_until``.

        A worker serves from its cache only while it is sure to hear of every change (DESIGN 3).
        With the database down that holds from the other side: no change can commit without it, so
        none is being missed. Changes that committed before it went down were heard (NOTIFY is
        delivered at commit), or are read from ``subject_changes`` when it is back, before the cache
        is trusted again (``Freshness.ensure`` catches up first). And the answer says nothing new: it
        is the same signed bytes, the same ``issued_at`` and ``valid_until``, that a partner who asked
        a minute before holds and may rely on until ``valid_until``; if only this worker lost the
        database (a partition) while others still write, a change is missed for at most that window,
        as it is by every partner holding the answer. So it is served up to ``valid_until`` (not to
        the re-signing point ``_fresh`` keeps to) and never on another day (terms end on calendar
        days); after that, and for a subject never answered, 503."""
        key = self._keys.get(uscc)
        found = None if key is None else self._cache.get((key, audience))
        if found is None or found.until <= self.clock.now() or found.on != today(self.clock):
            return None
        return found

    async def _payloads(
        self, session: AsyncSession, actor: Actor, codes: list[str], *, reuse: bool = True
    ) -> dict[str, _Cached]:
        """The answer for each (valid) USCC: pre-produced where current (``reuse``), else built, all
        of them from one read of the facts (a batch builds up to a thousand at once). Built answers
        are signed when first given (``_sign``), alone or as a result of a batch. One built from a
        replica behind the changes this process has heard of is given but not kept."""
        audience = audience_of(actor)
        out: dict[str, _Cached] = {}
        missing: list[str] = []
        for code in dict.fromkeys(codes):
            found = self._fresh(code, audience) if reuse else None
            if found is None:
                missing.append(code)
            else:
                out[code] = found
        if not missing:
            return out
        # rows, not ORM objects: a thousand of them cost more to make than the query to read them
        units = {
            u.uscc: u
            for u in await session.execute(
                select(*UNIT_COLUMNS, Enterprise.data_version).where(among(session, Enterprise.uscc, missing))
            )
        }
        keys = {code: f"e:{units[code].id}" if code in units else f"u:{code}" for code in missing}
        generations = {key: self._generation.get(key, 0) for key in keys.values()}
        versions = {keys[code]: unit.data_version for code, unit in units.items()}
        on = today(self.clock)
        bodies = await subject_payloads(session, self.memo, list(units.values()), department_of(actor), on)
        # the log read in this session (one checkout and transaction fewer), unless a replica serves it
        head = await self._log_head(None if session.info.get("replica_seq") is not None else session)
        now = self.clock.now()
        keep = may_cache(session.info.get("replica_seq"), self.freshness.last_seq)
        issued, until = utc_text(now), utc_text(now + self.validity)  # once, not per answer
        for code in missing:
            key = keys[code]
            unit = units.get(code)
            body, plain = (unknown_payload(code), True) if unit is None else bodies[unit.id]
            payload = {
                "issued_at": issued,
                "valid_until": until,
                "audience": audience,
                **body,
                "data_version": versions.get(key, 0),
                "log": head,
            }
            # plain by construction: the body's numbers were checked as it was made, these are the rest
            plain = plain and jws.safe_int(payload["data_version"]) and jws.safe_int(head["tree_size"])
            made = out[code] = _Cached(versions.get(key, 0), payload, "", now + self.validity, on, plain=plain)
            if keep and self._generation.get(key, 0) == generations[key]:  # no change committed while built
                self._keys[code] = key
                self._audiences.add(audience)
                self._cache[(key, audience)] = made
                self._cache.move_to_end((key, audience))
        self._evict()
        return out

    def _evict(self) -> None:
        """Forget the least recently used answers beyond ``cache_size``, and with an answer for a USCC
        not registered its ``_keys`` entry: those are as many as the codes partners ask (any
        well-formed code), where the entries of registered units are as many as the units."""
        while len(self._cache) > self.cache_size:
            (key, _), _ = self._cache.popitem(last=False)
            if key.startswith("u:") and not any((key, a) in self._cache for a in self._audiences):
                self._keys.pop(key[2:], None)

    def _sign(self, cached: _Cached) -> str:
        """The pre-produced answer's JWS, signed the first time it is given (alone or in a batch)."""
        if not cached.jws:
            plain = bool(cached.plain)  # None: not known, walked by ``jws.sign``
            cached.jws = jws.sign(self.keys.private, self.keys.kid, STATUS_TYP, cached.payload, plain=plain)
            self.counts["signed_status"] += 1
        return cached.jws

    def _encode(self, cached: _Cached) -> None:
        """Signed, and encoded for the status GET (its tail and digest), the first time it is given
        alone: a batch uses neither (a thousand encodings and digests it made for nothing)."""
        if not cached.tail:
            cached.tail = msgspec.json.encode({"payload": cached.payload, "jws": self._sign(cached)})[1:]
            cached.digest = _digest(cached.jws)

    async def _log_head(self, session: AsyncSession | None = None) -> dict[str, Any]:
        size = await self.log.sync(session)
        return {"tree_size": size, "root_hash": b64(self.log.tree.root(size))}

    async def _record(self, actor: Actor, request_id: str, subjects: list[list[Any]], digest: str) -> None:
        """``digest``: the SHA-256 (hex) of the JWS the client received."""
        await self.queries.add(
            {
                "request_id": request_id,
                "client": actor.id,
                "department": actor.department,
                "subjects": subjects,
                "jws_sha256": digest,
                "recorded_at": self.clock.now(),
            }
        )

    @staticmethod
    def _uscc(field: str, value: str) -> str:
        try:
            return parse_uscc(value).value
        except IdentifierError as err:
            raise _fail(field, err.code, err.message_zh, err.message_en) from err

    # ---- feedback ----------------------------------------------------------------------------

    async def feedback(self, actor: Actor, data: s.FeedbackCreate) -> s.Feedback:
        await self.queries.flush()  # the answer cited may still be in the batch
        code = self._uscc("uscc", data.uscc)
        problems = []
        entry = OUTCOMES.get(data.measure)
        if entry is None or entry.kind not in FEEDBACK_KINDS:
            problems.append(FieldProblem("measure", "unknown_measure", "未知的措施代码", "unknown measure code"))
        elif actor.role == "partner" and actor.department not in entry.departments:
            problems.append(
                FieldProblem(
                    "measure",
                    "not_your_department",
                    f"该措施不由本部门（{actor.department}）实施",
                    f"this measure is not implemented by your department ({actor.department})",
                )
            )
        if data.executed_at > self.clock.now():
            problems.append(
                FieldProblem("executed_at", "future_time", "执行时间晚于现在", "executed_at is in the future")
            )
        async with self.db.write() as session:
            query = await session.scalar(select(PartnerQuery).where(PartnerQuery.request_id == data.request_id))
            if query is None or query.client != actor.id:
                problems.insert(
                    0,
                    FieldProblem(
                        "request_id",
                        "unknown_request",
                        "没有本账户收到的、编号为该 request_id 的答复",
                        "no answer with this request_id was given to your account",
                    ),
                )
            elif code not in [str(u) for u, _ in query.subjects]:
                problems.append(
                    FieldProblem(
                        "uscc", "not_in_answer", "该答复不涉及此主体", "the answer cited is not about this subject"
                    )
                )
            if problems:
                raise ValidationFailed(problems)
            row = PartnerFeedback(
                request_id=data.request_id,
                client=actor.id,
                department=actor.department,
                uscc=code,
                measure=data.measure,
                handle_type=data.handle_type,
                executed_at=data.executed_at,
                officer=data.officer,
                reference=data.reference,
                remark=data.remark,
                recorded_at=self.clock.now(),
            )
            session.add(row)
            await session.flush()
            return s.Feedback(
                id=row.id,
                request_id=row.request_id,
                uscc=row.uscc,
                measure=row.measure,
                handle_type=row.handle_type,
                executed_at=row.executed_at,
                officer=row.officer,
                reference=row.reference,
                remark=row.remark,
                recorded_at=row.recorded_at,
            )

    # ---- change feed -------------------------------------------------------------------------

    async def changes(self, actor: Actor, after: int, limit: int) -> dict[str, Any]:
        if after < 0:
            raise _fail("after", "range", "after 不能为负", "after must be 0 or more")
        if not 1 <= limit <= MAX_CHANGES:
            raise _fail("limit", "range", f"每页 1 至 {MAX_CHANGES} 条", f"limit must be 1..{MAX_CHANGES}")
        async with self.db.read() as session:
            rows = list(
                await session.scalars(
                    select(SubjectChange).where(SubjectChange.seq > after).order_by(SubjectChange.seq).limit(limit)
                )
            )
            latest = await changes.latest(session)
        now = self.clock.now()
        request_id = _request_id(actor)
        payload = {
            "issued_at": utc_text(now),
            "audience": audience_of(actor),
            "request_id": request_id,
            "after": after,
            "next": rows[-1].seq if rows else after,
            "latest": latest,
            "changes": [
                {
                    "seq": r.seq,
                    "subject": {"uscc": r.uscc} if r.uscc is not None else {"person_id": r.person_id},
                    "kind": r.kind,
                    "at": utc_text(r.recorded_at),
                }
                for r in rows
            ],
        }
        self.counts["signed_changes"] += 1
        page = jws.envelope(self.keys.private, self.keys.kid, CHANGES_TYP, payload, request_id=request_id)
        await self._record(actor, request_id, [_changed_subject(r) for r in rows], _digest(page["jws"]))
        return page

    async def _change(self, actor: Actor, r: SubjectChange) -> dict[str, Any]:
        """One stream event: a signed change with a request_id of its own, recorded like an answer."""
        request_id = new_request_id()
        payload = {
            "audience": audience_of(actor),
            "request_id": request_id,
            "seq": r.seq,
            "subject": {"uscc": r.uscc} if r.uscc is not None else {"person_id": r.person_id},
            "kind": r.kind,
            "at": utc_text(r.recorded_at),
        }
        self.counts["signed_change"] += 1
        event = jws.envelope(self.keys.private, self.keys.kid, CHANGE_TYP, payload, request_id=request_id)
        await self._record(actor, request_id, [_changed_subject(r)], _digest(event["jws"]))
        return event

    async def stream(
        self, actor: Actor, after: int, max_events: int | None, poll: float = 2.0, heartbeat: float = 15.0
    ) -> AsyncIterator[tuple[int | None, dict[str, Any] | None]]:
        """(seq, signed change) for every change after ``after``, in order, then live as they commit;
        (None, None) as a heartbeat when nothing happened for ``heartbeat`` seconds. Woken by this
        process's commits and the NOTIFY channel; reads the table at least every ``poll`` seconds
        (other processes without a channel), so nothing is missed and nothing comes twice."""
        if after < 0:
            raise _fail("after", "range", "after 不能为负", "after must be 0 or more")
        woken = asyncio.Event()
        self._listeners.add(woken)
        sent = 0
        quiet = 0.0
        try:
            while max_events is None or sent < max_events:
                woken.clear()
                async with self.db.read() as session:
                    rows = list(
                        await session.scalars(
                            select(SubjectChange)
                            .where(SubjectChange.seq > after)
                            .order_by(SubjectChange.seq)
                            .limit(500)
                        )
                    )
                for r in rows[: None if max_events is None else max_events - sent]:
                    yield r.seq, await self._change(actor, r)
                    after = r.seq
                    sent += 1
                if rows:
                    quiet = 0.0
                    continue
                try:
                    await asyncio.wait_for(woken.wait(), timeout=poll)
                except TimeoutError:
                    quiet += poll
                    if quiet >= heartbeat:
                        quiet = 0.0
                        yield None, None
        finally:
            self._listeners.discard(woken)

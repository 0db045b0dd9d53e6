"""The payload of a status answer (DESIGN section 4): who the subject is, its standardization grade,
the listings in force, the measures the audience must apply (grouped with their legal basis,
clause, the listing they rest on, active period and ``verified`` flag), its incentives, the data
version it was made from and the log it was made against.

Built from the stored facts through the rules, exactly as the bureau's what-if sees them, so a
partner and a bureau never get different answers for the same data version.

Each body comes with whether it is plain (``jws.is_plain``: msgspec writes its RFC 8785 canonical
JSON), known by construction rather than by walking it: its keys are the literals below (ASCII), its
values strings, booleans, None and lists or dicts of them, but for the few numbers it holds (listing
ids, the grade's level, an outcome's ``value``), which are checked one by one. The tests hold the
flag to the walk and the bytes to the ``rfc8785`` package on generated bodies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.among import among
from registry.db.models import Authority, Listing
from registry.domain.evaluation.facts import UnitRow, enterprises_facts
from registry.domain.listings.types import LIST_TYPES
from registry.rules.decision import Decision, Outcome
from registry.rules.evaluator import Memo
from registry.rules.facts import Facts
from registry.signing import jws


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _for(audience: str | None, outcome: Outcome) -> bool:
    """A department sees what it implements; bureaus and admins (audience None) see everything."""
    return audience is None or audience in outcome.departments


def _plain_measure(o: Outcome) -> bool:
    """Whether ``_measure(o)`` is plain: its numbers are the listing ids and ``value`` (Any)."""
    return jws.is_plain(o.value) and all(jws.safe_int(i) for b in o.because for f in b.facts for i in f.listings)


def _measure(o: Outcome) -> dict[str, Any]:
    listings = sorted({i for b in o.because for f in b.facts for i in f.listings})
    return {
        "code": o.code,
        "text": o.text,
        "text_en": o.text_en,
        "departments": list(o.departments),
        "applies_to": list(o.applies_to),
        "basis": [
            {"doc_no": b.doc_no, "title": b.title, "article": b.article, "tag": b.tag, "verified": b.verified}
            for b in o.basis
        ],
        "listings": listings,
        "since": _day(o.start),
        "until": _day(o.until),
        "lifetime": o.lifetime,
        "value": o.value,
        "unit": o.unit,
        # the amount is the deployment's configuration where a local text gives none (DOMAIN 8.9)
        "value_configured": o.value_configured,
        "tag": o.tag,
        "verified": o.verified,
        "rules": [f"{b.ruleset}#{b.rule}" for b in o.because],
    }


async def subject_payloads(
    session: AsyncSession,
    decide: Memo,
    units: Sequence[UnitRow],
    department: str | None,
    on: dt.date,
) -> dict[int, tuple[dict[str, Any], bool]]:
    """Each unit's part of an answer for ``department`` (None: everything), as of ``on``, and
    whether it is plain (see above): the facts of all of them in a few queries, then the rules on
    each (``decide`` remembers the decisions of units whose facts differ only in who they are)."""
    facts = await enterprises_facts(session, units)
    keys = {f"e:{u.id}": u.id for u in units}
    rows = await session.execute(
        select(Listing, Authority.name, Authority.division_code)
        .join(Authority, Authority.id == Listing.deciding_authority_id)
        .where(among(session, Listing.subject_key, keys), Listing.status == "listed", Listing.effective_on <= on)
        .order_by(Listing.id)
    )
    listed: dict[int, list[dict[str, Any]]] = {u.id: [] for u in units}
    unplain: set[int] = set()  # units with a listing id RFC 8785 writes otherwise than msgspec
    for row, name, division in rows:
        if row.expires_on is None or on <= row.expires_on:
            if not jws.safe_int(row.id):
                unplain.add(keys[row.subject_key])
            listed[keys[row.subject_key]].append(
                {
                    "id": row.id,
                    "list_type": row.list_type,
                    "title": LIST_TYPES[row.list_type].title,
                    "criteria": [str(c) for c in row.criteria],
                    "decision_no": row.decision_no,
                    "deciding_authority": {"name": name, "division_code": division},
                    "since": _day(row.effective_on),
                    "until": _day(row.expires_on),
                }
            )
    return {
        u.id: _body(u, facts[u.id], decide(facts[u.id], on), listed[u.id], department, on, u.id not in unplain)
        for u in units
    }


def _body(
    unit: UnitRow,
    facts: Facts,
    decision: Decision,
    listings: list[dict[str, Any]],
    department: str | None,
    on: dt.date,
    plain: bool = True,
) -> tuple[dict[str, Any], bool]:
    """The body and whether it is plain (``plain``: its listings are)."""
    grade = next(
        (g for g in facts.grades if g.status == "valid" and g.valid_until is not None and on <= g.valid_until), None
    )
    shown = [
        [o for o in outcomes if _for(department, o)]
        for outcomes in (decision.standardization, decision.measures, decision.incentives)
    ]
    plain = (
        plain
        and (grade is None or jws.safe_int(grade.level))
        and all(_plain_measure(o) for outcomes in shown for o in outcomes)
    )
    standardization, measures, incentives = shown
    return {
        "subject": {"uscc": unit.uscc, "name": unit.name, "division_code": unit.division_code, "known": True},
        "standardization": {
            "grade": None
            if grade is None
            else {
                "level": grade.level,
                "announced_on": _day(grade.announced_on),
                "valid_until": _day(grade.valid_until),
            },
            "outcomes": [_measure(o) for o in standardization],
        },
        "listings": listings,
        "measures": [_measure(o) for o in measures],
        "incentives": [_measure(o) for o in incentives],
        "rulesets": [f"{r.id}@{r.hash[:12]}" for r in decision.rulesets],
    }, plain


def unknown_payload(uscc: str) -> dict[str, Any]:
    """A valid USCC the registry has no entry for: said and signed, so it can be cited later."""
    return {
        "subject": {"uscc": uscc, "known": False},
        "standardization": {"grade": None, "outcomes": []},
        "listings": [],
        "measures": [],
        "incentives": [],
        "rulesets": [],
    }

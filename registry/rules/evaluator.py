"""``evaluate(rulesets, facts, as_of) -> Decision``: deterministic, no I/O, no clock.

Which versions apply: a ``conduct`` family (the listing regimes) runs every version that had
begun by the day, each over the events dated inside its own effective period, so a 2017 case is
judged under 49号 and never re-read under 11号; a ``state`` family runs the one version in
force on the day. An outcome whose term ended before the day is dropped: the decision says what
applies on the day.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from msgspec.structs import replace

from registry.rules.calendar import add_months
from registry.rules.catalogue import BASES, OUTCOMES, LegalBasis, OutcomeEntry
from registry.rules.decision import GROUPS, Basis, Because, Decision, FactValue, Outcome, PersonRef, RulesetRef
from registry.rules.facts import Event, Facts, Subject
from registry.rules.model import All, AnyOf, Condition, Leaf, Not, OutcomeSpec, Period, Produced, Rule, Ruleset, plain
from registry.rules.view import View, last_day
from registry.rules.vocabulary import FACTS, Reading, compare


@dataclass(frozen=True)
class _Hit:
    leaf: Leaf
    reading: Reading
    held: bool
    #: under an odd number of ``not``: its evidence explains nothing positive
    negated: bool


def _read(view: View, leaf: Leaf) -> Reading:
    fact = FACTS[leaf.fact]
    key: tuple[object, ...] = (leaf.fact, leaf.where)
    if fact.per_ruleset:
        key = (*key, view.ruleset.id if view.ruleset is not None else None)
    found = view.cache.get(key)
    if found is None:
        found = fact.read(view, dict(leaf.where))
        view.cache[key] = found
    assert isinstance(found, Reading)
    return found


def _test(cond: Condition, view: View, produced: set[str], negated: bool = False) -> tuple[bool, list[_Hit]]:
    """Whether the condition holds, and the leaves that decided it (every child is evaluated, so
    the trace does not depend on the order of the children)."""
    if isinstance(cond, Leaf):
        reading = _read(view, cond)
        held = compare(cond.op, reading.value, cond.value)
        return held, [_Hit(cond, reading, held, negated)]
    if isinstance(cond, Produced):
        return cond.kind in produced, []
    if isinstance(cond, Not):
        held, hits = _test(cond.child, view, produced, not negated)
        return not held, hits
    results = [_test(c, view, produced, negated) for c in cond.children]
    if isinstance(cond, All):
        return all(r[0] for r in results), [h for r in results for h in r[1]]
    assert isinstance(cond, AnyOf)
    true = [r for r in results if r[0]]
    return bool(true), [h for r in (true or results) for h in r[1]]


def _holds(cond: Condition, view: View, produced: set[str]) -> bool:
    """The fast path: short-circuit, no trace (most rules do not fire; ``_test`` explains those that do)."""
    if isinstance(cond, Leaf):
        return compare(cond.op, _read(view, cond).value, cond.value)
    if isinstance(cond, Produced):
        return cond.kind in produced
    if isinstance(cond, Not):
        return not _holds(cond.child, view, produced)
    if isinstance(cond, All):
        return all(_holds(c, view, produced) for c in cond.children)
    return any(_holds(c, view, produced) for c in cond.children)


def _positive(hits: list[_Hit]) -> list[_Hit]:
    return [h for h in hits if h.held and not h.negated]


def _evidence(hits: list[_Hit]) -> list[int]:
    return sorted({i for h in _positive(hits) for i in h.reading.evidence})


def _trigger(hits: list[_Hit], as_of: dt.date) -> dt.date:
    dates = [h.reading.anchor for h in _positive(hits) if h.reading.anchor is not None]
    return max(dates, default=as_of)


#: said by every outcome whose amount a deployment configured (``OutcomeSpec.configured``)
CONFIGURED_NOTE = (
    "幅度由本部署配置（REGISTRY_RULES_LOCAL_AMOUNTS），文本未规定，不作为法定依据 / the amount is this "
    "deployment's configuration: the text sets none, so it is not to be cited as law"
)

LISTING_FACTS = frozenset(
    {"listed", "months_listed", "days_to_listing_end", "early_removal_eligible", "removal_application_open"}
)


def _listing_span(view: View, hits: list[_Hit]) -> tuple[dt.date | None, dt.date | None]:
    """The span of the listings the rule read (its list types), else of every listing in force."""
    read = [h.reading for h in _positive(hits) if h.leaf.fact in LISTING_FACTS and h.reading.anchor is not None]
    if read:
        return min(r.anchor for r in read if r.anchor is not None), last_day(r.until for r in read)
    current = [x for x in view.facts.listings if view.in_force(x)]
    if not current:
        return None, None
    return min(x.listed_on for x in current), last_day(x.until for x in current)


def _add(start: dt.date, period: Period) -> dt.date:
    return add_months(start, period.years * 12 + period.months)


def _dates(spec: OutcomeSpec, view: View, hits: list[_Hit]) -> tuple[dt.date | None, dt.date | None, list[str]]:
    notes: list[str] = []
    start: dt.date | None
    if spec.start == "as_of":
        start = view.as_of
    elif spec.start == "listing":
        start = _listing_span(view, hits)[0]
    elif spec.start == "grade":
        start = view.grade.announced_on if view.grade else None
    elif spec.start == "sentence_end":
        # 安全生产法 art. 94 para 3: "自刑罚执行完毕或者受处分之日起": the end of the sentence, or the
        # day of the 撤职处分; the latest when both are recorded
        ends = [h.reading.until for h in _positive(hits) if h.leaf.fact in ("criminal_liabilities", "dismissals")]
        start = max((e for e in ends if e is not None), default=None)
        if start is None:
            notes.append(
                "自刑罚执行完毕之日起计算；执行完毕日期尚未登记 / runs from the end of the sentence, not yet recorded"
            )
    else:
        start = _trigger(hits, view.as_of)
    term = spec.term
    until: dt.date | None = None
    if isinstance(term, Period):
        until = _add(start, term) if start is not None else None
    elif term == "listing":
        until = _listing_span(view, hits)[1]
    elif term == "grade":
        until = view.grade.valid_until if view.grade else None
    elif term == "event_end":
        until = last_day(view.by_id[i].until for i in _evidence(hits) if i in view.by_id)
    return start, until, notes


def _persons(spec: OutcomeSpec, view: View, day: dt.date | None) -> list[PersonRef]:
    out = []
    for role in spec.persons:
        holders = [
            r
            for r in view.facts.roles
            if r.role == role
            and (day is None or ((r.since is None or r.since <= day) and (r.until is None or day <= r.until)))
        ]
        if not holders:
            out.append(PersonRef(role=role))
        out.extend(PersonRef(role=role, person_id=r.person_id, name=r.name) for r in holders)
    return out


def _deciding_authority(view: View, evidence: list[int]) -> str | None:
    penalties = [view.by_id[i] for i in evidence if i in view.by_id and view.by_id[i].kind == "penalty"]
    latest = max(penalties, key=lambda e: (e.occurred_on, e.id), default=None)
    return latest.deciding_authority if latest else None


def _basis(bases: Iterable[LegalBasis | Basis]) -> list[Basis]:
    out: list[Basis] = []
    seen: set[str] = set()
    for b in bases:
        if b.code in seen:
            continue
        seen.add(b.code)
        out.append(
            b
            if isinstance(b, Basis)
            else Basis(
                code=b.code,
                doc_no=b.doc_no,
                title=b.title,
                article=b.article,
                tag=b.tag,
                verified=b.verified,
                note=b.note,
            )
        )
    return out


def _conduct_day(view: View, evidence: list[int], start: dt.date | None) -> dt.date | None:
    """The day of the conduct behind the outcome (the latest non-penalty evidence): the persons
    named are those in office then (安全生产法 art. 95 holds the principal of that day liable)."""
    days = [view.by_id[i].occurred_on for i in evidence if i in view.by_id and view.by_id[i].kind != "penalty"]
    return max(days, default=start or view.as_of)


def _decided(entry: OutcomeEntry, view: View, start: dt.date | None) -> bool:
    """A listing of the same type decided on or after the case's start already covers it."""
    if entry.list_type is None or start is None:
        return False
    return any(x.list_type == entry.list_type and start <= x.listed_on <= view.as_of for x in view.facts.listings)


def _later_penalties(view: View, evidence: list[int], after: dt.date) -> list[Event]:
    """Penalties dated after ``after`` (and by the day) linked, either way, with the evidence: the
    regime's view cuts them off, the transitional review needs them."""
    ids = set(evidence)
    linked_from = {i for e in view.facts.events if e.id in ids for i in e.links}
    return sorted(
        (
            p
            for p in view.facts.events
            if p.kind == "penalty"
            and after < p.occurred_on <= view.as_of
            and (ids.intersection(p.links) or p.id in linked_from)
        ),
        key=lambda p: (p.occurred_on, p.id),
    )


def _repaired(entry: OutcomeEntry, view: View, evidence: list[int]) -> list[int]:
    """The penalties among a listing's evidence whose information was repaired by the day."""
    if entry.kind != "listing":
        return []
    return [
        i
        for i in evidence
        if (e := view.by_id.get(i)) is not None and e.repaired_on is not None and e.repaired_on <= view.as_of
    ]


@dataclass(frozen=True)
class _Review:
    """What a superseded regime's listing becomes after its last day (DOMAIN 8.4); no ``later``
    penalty: nothing at all."""

    later: list[Event]
    start: dt.date | None = None
    until: dt.date | None = None
    note: str = ""


def _transitional(
    spec: OutcomeSpec, ruleset: Ruleset, view: View, hits: list[_Hit], conduct: dt.date | None
) -> _Review | None:
    """DOMAIN 8.4: after ``new_listings_until`` a superseded regime lists nothing new. A case of
    its period completed by a penalty dated after that day is shown for the bureau's review,
    from that penalty (the earliest day it could be decided) for the regime's own term. Nothing is
    shown without such a penalty, nor once a listing covers the case: one of the regime's type
    decided since the conduct, or a 部令11号 listing decided since the penalty."""
    cutoff = ruleset.new_listings_until
    entry = spec.entry
    if cutoff is None or view.as_of <= cutoff or entry.kind != "listing":
        return None
    later = _later_penalties(view, _evidence(hits), cutoff)
    if not later:
        return _Review([])
    start = later[-1].occurred_on
    if any(
        x.listed_on <= view.as_of
        and (
            (x.list_type == entry.list_type and conduct is not None and conduct <= x.listed_on)
            or (x.list_type == "SERIOUS_DISHONEST_2023" and start <= x.listed_on)
        )
        for x in view.facts.listings
    ):
        return _Review([])
    note = (
        f"过渡情形：按{ruleset.title}本应{entry.text}（{entry.list_type}），该规定自{cutoff + dt.timedelta(days=1)}起"
        f"不再新列入；{start}作出的处罚使本案可以决定，请处罚机关依法人工决定 / transitional: under {ruleset.id} "
        f"this would be a {entry.list_type} listing, but nothing is newly listed under it after {cutoff}; the penalty "
        f"of {start} completed the case: the penalising bureau decides by hand"
    )
    until = _add(start, spec.term) if isinstance(spec.term, Period) else None
    return _Review(later, start, until, note)


def _outcomes(
    spec: OutcomeSpec, rule: Rule, ruleset: Ruleset, view: View, hits: list[_Hit], how: str | None = None
) -> list[Outcome]:
    """The rule's outcome, or with ``each`` one per evidence event (its term from that event's
    date, its trace cut to that event; with ``minimum``, none once the event's credit repair was
    granted: a repaired penalty is no longer published)."""
    if not spec.each:
        found = _outcome(spec, rule, ruleset, view, hits, how)
        return [] if found is None else [found]
    out = []
    for i in _evidence(hits):
        event = view.by_id[i]
        if spec.minimum is not None and event.repaired_on is not None and event.repaired_on <= view.as_of:
            continue  # repaired: publication, sharing and use ended that day (令36 art. 3)
        one = [
            _Hit(h.leaf, _narrowed(h.reading, i, event.occurred_on), h.held, h.negated)
            if i in h.reading.evidence
            else h
            for h in hits
            if i in h.reading.evidence or not h.reading.evidence or not (h.held and not h.negated)
        ]
        found = _outcome(spec, rule, ruleset, view, one, how)
        if found is not None:
            out.append(found)
    return out


def _narrowed(reading: Reading, event_id: int, day: dt.date) -> Reading:
    """A reading cut to one of its events (the trace of that event's own outcome)."""
    return Reading(reading.value, (event_id,), day, reading.until, reading.listings)


def _outcome(
    spec: OutcomeSpec, rule: Rule, ruleset: Ruleset, view: View, hits: list[_Hit], how: str | None = None
) -> Outcome | None:
    start, until, notes = _dates(spec, view, hits)
    entry = spec.entry
    evidence = _evidence(hits)
    authority = _deciding_authority(view, evidence)
    review = _transitional(spec, ruleset, view, hits, start)
    if review is not None:
        if not review.later:
            return None
        entry, start, until, notes = OUTCOMES["review_transitional_listing"], review.start, review.until, [review.note]
        evidence = sorted({*evidence, *(p.id for p in review.later)})
        authority = review.later[-1].deciding_authority
    repaired = _repaired(entry, view, evidence)
    if repaired:
        # 令36 art. 3 [C]: repair ends the sharing and use of the information; whether a penalty
        # so repaired may still complete a listing case is not settled [R]: never proposed, the
        # bureau decides (the same care as a transitional case)
        notes = [
            *notes,
            f"处罚事件 {repaired} 的信息已信用修复（令36第三条：停止共享和使用失信信息）：本案不自动提出列入，"
            f"请处罚机关依法人工决定 / penalty events {repaired} were repaired (order 36 art. 3: their sharing and "
            "use ended): not proposed, the penalising bureau decides by hand",
        ]
        listing_entry, entry = entry, OUTCOMES["review_repaired_information"]
        if _decided(listing_entry, view, start):
            return None
    repair_from = _add(start, spec.minimum) if spec.minimum is not None and start is not None else None
    if (until is not None and until < view.as_of) or _decided(entry, view, start):
        return None
    because = Because(
        ruleset=ruleset.id,
        version=ruleset.version,
        hash=ruleset.hash,
        rule=rule.id,
        title=rule.title,
        tag=rule.tag,
        facts=[
            FactValue(
                fact=h.leaf.fact,
                where={k: plain(v) for k, v in h.leaf.where},
                op=h.leaf.op,
                expected=plain(h.leaf.value),
                actual=h.reading.value,
                held=h.held,
                evidence=list(h.reading.evidence),
                listings=list(h.reading.listings),
            )
            for h in hits
        ],
    )
    return Outcome(
        kind=entry.kind,
        code=entry.code,
        text=entry.text,
        text_en=entry.text_en,
        departments=list(entry.departments),
        applies_to=list(entry.applies_to),
        start=start,
        until=until,
        lifetime=spec.term == "lifetime",
        value=plain(spec.value),
        unit=spec.unit,
        value_configured=spec.configured,
        criteria=[spec.criterion] if spec.criterion else [],
        persons=_persons(spec, view, _conduct_day(view, evidence, start)),
        deciding_authority=authority,
        repair_from=repair_from,
        evidence=evidence,
        tag=entry.tag,
        verified=entry.verified and all(b.verified for b in rule.basis) and all(BASES[c].verified for c in entry.basis),
        basis=_basis([*rule.basis, *(BASES[c] for c in spec.entry.basis), *(BASES[c] for c in entry.basis)]),
        because=[because],
        notes=[
            *notes,
            *([spec.note] if spec.note else []),
            *([rule.note] if rule.note else []),
            *([CONFIGURED_NOTE] if spec.configured else []),
        ],
        pack=None if ruleset.jurisdiction is None else ruleset.id,
        jurisdiction=None if ruleset.jurisdiction is None else list(ruleset.jurisdiction),
        enabled_by=None if ruleset.jurisdiction is None else how,
    )


def _length(o: Outcome) -> tuple[int, dt.date]:
    """How long an outcome runs: a dated one by its last day, then open ones, then lifetime."""
    if o.until is not None:
        return (0, o.until)
    return (2 if o.lifetime else 1, dt.date.min)


def _later(a: Outcome, b: Outcome) -> bool:
    """Whether ``b`` runs longer than ``a``."""
    return _length(b) > _length(a)


def _merge(into: Outcome, other: Outcome) -> Outcome:
    keep, extra = (other, into) if _later(into, other) else (into, other)
    keep.criteria = sorted(set(keep.criteria) | set(extra.criteria))
    keep.evidence = sorted(set(keep.evidence) | set(extra.evidence))
    keep.because = keep.because + [b for b in extra.because if b not in keep.because]
    keep.basis = _basis([*keep.basis, *extra.basis])
    keep.persons = keep.persons + [p for p in extra.persons if p not in keep.persons]
    keep.notes = keep.notes + [n for n in extra.notes if n not in keep.notes]
    keep.verified = keep.verified and extra.verified
    keep.deciding_authority = keep.deciding_authority or extra.deciding_authority
    if extra.pack is None and keep.pack is not None:
        # ordered nationally as well: it holds everywhere, the local pack stays among the reasons
        keep.pack, keep.jurisdiction, keep.enabled_by = None, None, None
    return keep


def _view(ruleset: Ruleset, facts: Facts, as_of: dt.date, views: dict[object, View]) -> View:
    """One view per distinct event period: state rulesets share one, and so their fact readings."""
    conduct = ruleset.scope == "conduct"
    key = (ruleset.effective_from, ruleset.effective_to) if conduct else None
    if key not in views:
        views[key] = View(facts, as_of, *(key or (None, None)))
    return views[key]


def evaluate_ruleset(
    ruleset: Ruleset,
    facts: Facts,
    as_of: dt.date,
    views: dict[object, View] | None = None,
    how: str | None = "jurisdiction",
) -> tuple[list[str], list[Outcome]]:
    """The fired rule ids and the outcomes of one ruleset version (``how``: why a local pack
    applies, see ``Ruleset.enabled_by``)."""
    view = _view(ruleset, facts, as_of, {} if views is None else views)
    view.ruleset = ruleset
    produced: set[str] = set()
    fired: list[str] = []
    out: list[Outcome] = []
    for rule in ruleset.rules:
        if facts.subject.type not in rule.subjects:
            continue
        if not _holds(rule.when, view, produced):
            continue
        _, hits = _test(rule.when, view, produced)
        made = [o for spec in rule.then for o in _outcomes(spec, rule, ruleset, view, hits, how)]
        if not made:
            continue
        fired.append(f"{ruleset.id}#{rule.id}")
        produced.update(o.kind for o in made)
        out.extend(made)
        if ruleset.combine == "first":
            break
    if ruleset.combine == "merge":
        merged: dict[tuple[str, str], Outcome] = {}
        for o in out:
            key = (o.kind, o.code)
            merged[key] = _merge(merged[key], o) if key in merged else o
        out = list(merged.values())
    return fired, out


def applicable(rulesets: Iterable[Ruleset], as_of: dt.date, division_code: str | None = None) -> list[Ruleset]:
    """Conduct families: every version begun by the day; state families: the one in force. A
    local pack only where the subject is located inside its jurisdiction or inside an area the
    deployment enabled it for (``Ruleset.enabled_by``: one test for every caller)."""
    return sorted(
        (
            r
            for r in rulesets
            if (r.in_force(as_of) or (r.scope == "conduct" and r.effective_from <= as_of))
            and r.enabled_by(division_code) is not None
        ),
        key=lambda r: (r.family, r.effective_from),
    )


def _key(o: Outcome) -> tuple[str, str, str, str, str]:
    until = "lifetime" if o.lifetime else str(o.until)
    return (o.code, str(o.start), until, repr(o.value), ",".join(o.criteria))


def evaluate(rulesets: Ruleset | Iterable[Ruleset], facts: Facts, as_of: dt.date) -> Decision:
    division = facts.subject.division_code
    chosen = applicable([rulesets] if isinstance(rulesets, Ruleset) else rulesets, as_of, division)
    return _decide([(r, r.enabled_by(division)) for r in chosen], facts, as_of)


def _decide(chosen: list[tuple[Ruleset, str | None]], facts: Facts, as_of: dt.date) -> Decision:
    fired: list[str] = []
    outcomes: dict[tuple[str, str, str, str, str], Outcome] = {}
    views: dict[object, View] = {}
    for ruleset, how in chosen:
        ids, made = evaluate_ruleset(ruleset, facts, as_of, views, how)
        fired.extend(ids)
        for o in made:
            k = _key(o)
            # the same measure ordered by two rulesets is sent once, with both reasons
            outcomes[k] = _merge(outcomes[k], o) if k in outcomes else o
    decision = Decision(
        subject=facts.subject,
        as_of=as_of,
        rulesets=[
            RulesetRef(
                id=r.id,
                family=r.family,
                version=r.version,
                hash=r.hash,
                title=r.title,
                jurisdiction=None if r.jurisdiction is None else list(r.jurisdiction),
                enabled_by=None if r.jurisdiction is None else how,
            )
            for r, how in chosen
        ],
        fired=fired,
    )
    for o in sorted(outcomes.values(), key=_key):
        getattr(decision, GROUPS[o.kind]).append(o)
    return decision


#: the fields of ``Facts`` besides the subject: with the four the rules read of the subject, what a
#: decision depends on (a new field of ``Facts`` is in the memo's key without a change here)
_facts_of = attrgetter(*(f for f in Facts.__struct_fields__ if f != "subject"))


class Memo:
    """``evaluate`` remembering its last ``size`` decisions, for answering many subjects at once.

    Most of the 3.2 million units have no event, listing or grade: their facts differ only in who
    they are, and evaluating every ruleset on such facts still costs about 0.3 ms, which alone
    would take a batch of 1000 subjects past its 250 ms. The rules read of the subject only its
    type, industry, scale and whether it has a parent company (``vocabulary``), and its division
    only to choose the local packs (``applicable``); so the decision is remembered under the
    chosen rulesets (and why each local pack applies: its own area or the configuration), the day
    and the facts with the subject reduced to those four, and handed back
    with the real subject. The decisions handed out share their lists: read them, never change them.

    The rulesets chosen for a (division, day) are remembered too (at most ``size`` pairs): a
    national walk meets some 2,900 counties on one day, and choosing costs more than the lookup.
    """

    def __init__(self, rulesets: Iterable[Ruleset], size: int = 4096) -> None:
        self.rulesets = tuple(rulesets)
        self.size = size
        self._memo: OrderedDict[tuple[object, ...], Decision] = OrderedDict()
        # (division, day) -> (the chosen rulesets with why each applies, their part of the key)
        self._chosen: dict[tuple[str | None, dt.date], tuple[list[tuple[Ruleset, str | None]], tuple[object, ...]]] = {}

    def _choose(
        self, division: str | None, as_of: dt.date
    ) -> tuple[list[tuple[Ruleset, str | None]], tuple[object, ...]]:
        found = self._chosen.get((division, as_of))
        if found is None:
            chosen = [(r, r.enabled_by(division)) for r in applicable(self.rulesets, as_of, division)]
            found = chosen, tuple((r.hash, how) for r, how in chosen)
            if len(self._chosen) >= self.size:
                self._chosen.clear()  # a new day or a walk past ``size`` divisions: start again
            self._chosen[(division, as_of)] = found
        return found

    def __call__(self, facts: Facts, as_of: dt.date) -> Decision:
        s = facts.subject
        chosen, rulesets = self._choose(s.division_code, as_of)
        # the key is built from the fields, not from a reduced copy of the facts (a copy per unit
        # costs more than the rest of a remembered answer); the copy is made only to decide
        key = (
            rulesets,
            as_of,
            s.type,
            s.industry,
            s.scale,
            s.parent_uscc is None,
            _facts_of(facts),
        )
        found = self._memo.get(key)
        if found is None:
            reduced = replace(
                facts,
                subject=Subject(
                    type=s.type, industry=s.industry, scale=s.scale, parent_uscc=None if s.parent_uscc is None else ""
                ),
            )
            found = _decide(chosen, reduced, as_of)
            self._memo[key] = found
            if len(self._memo) > self.size:
                self._memo.popitem(last=False)
        else:
            self._memo.move_to_end(key)
        return replace(found, subject=s)

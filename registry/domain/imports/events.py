"""Bulk import of credit events from CSV/XLSX: one row is one event, checked by the same service
code (same checks, same audit, same jurisdiction) as ``POST /api/v1/events``.

Rows are read and checked one by one and written ``BATCH_ROWS`` at a time, one transaction per
batch (``registry.domain.imports.bulk``): a bad row never takes good ones with it and the report
names every bad row with its field and rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from registry.domain.actors import Actor
from registry.domain.events import kinds as k
from registry.domain.events.schemas import EventCreate, SubjectRef
from registry.domain.events.service import EventService
from registry.domain.imports.bulk import BulkStats, BulkWriter
from registry.domain.imports.readers import Columns, Row
from registry.domain.persons.service import PersonService
from registry.domain.wire import translate
from registry.errors import FieldProblem, RegistryError, ValidationFailed

#: columns shared by every kind, then the details' fields (named as on the wire)
_COMMON: Final = {
    "kind": ("kind", "事件类别", "类别"),
    "subject_type": ("subject_type", "对象类型"),
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "person_id": ("person_id", "人员编号"),
    "id_number": ("id_number", "身份证号", "公民身份号码"),
    "occurred_on": ("occurred_on", "发生日期", "日期", "决定日期"),
    "division_code": ("division_code", "发生地区划代码", "区划代码"),
    "source_document": ("source_document", "来源文书", "文书编号"),
    "links": ("links", "关联事件"),
    "remarks": ("remarks", "备注"),
    "recording_authority": ("recording_authority", "记录机关区划代码"),
}
_DETAIL_LABELS: Final = {
    "deaths": "死亡人数",
    "serious_injuries": "重伤人数",
    "direct_loss_cny": "直接经济损失（元）",
    "responsible": "责任事故",
    "summary": "简况",
    "investigation_report_ref": "调查报告",
    "declared_grade": "认定等级",
    "decision_no": "处罚决定书文号",
    "legal_basis": "处罚依据",
    "fine_cny": "罚款金额（元）",
    "art114_multiplier": "第一百一十四条倍数",
    "deciding_authority": "决定机关区划代码",
    "execution": "执行情况",
    "executed_on": "执行日期",
    "published_on": "公示日期",
    "serious_circumstances": "情节严重",
    "description": "描述",
    "rectification_deadline": "整改期限",
    "rectified_on": "整改完成日期",
    "five_in_place": "五到位",
    "evidence": "整改证明材料",
    "order_no": "指令书文号",
    "type": "类型",
    "licence": "许可证",
    "serious": "情节严重程度",
    "report_ref": "报告编号",
    "judgment_no": "判决书文号",
    "court": "法院",
    "offence": "罪名",
    "sentence": "刑罚",
    "sentence_end_on": "刑罚执行完毕日期",
    "decided_by": "处分机关",
    "until": "期限至",
}
_LIST_FIELDS: Final = frozenset({"five_in_place", "evidence"})
_DETAIL_FIELDS: Final = {kind: set(struct.__struct_fields__) for kind, struct in k.DETAILS.items()}
_BOOLEANS: Final = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}
_KIND_BY_LABEL: Final = {
    **{label: code for code, label in k.KINDS.items()},
    "事故": "accident",
    "行政处罚": "penalty",
    "处罚": "penalty",
    "重大隐患": "major_hazard",
    "刑事责任": "criminal_liability",
    "撤职处分": "dismissal",
}
_SUBJECT_BY_LABEL: Final = {"单位": "enterprise", "企业": "enterprise", "人员": "person", "中介机构": "agency"}

EVENT_COLUMNS = Columns(
    aliases={**_COMMON, **{f: (f, label) for f, label in _DETAIL_LABELS.items()}},
    required=("kind", "occurred_on", "source_document"),
    strict=True,
)


_Write = Callable[[list[EventCreate]], Awaitable[list[int | RegistryError]]]


class RowError(msgspec.Struct):
    row: int
    field: str
    code: str
    message_zh: str
    message_en: str


class EventImportReport(msgspec.Struct):
    rows: int = 0
    recorded: int = 0
    rejected: int = 0
    event_ids: list[int] = msgspec.field(default_factory=list)
    errors: list[RowError] = msgspec.field(default_factory=list)


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.replace("；", ";").split(";") if p.strip()]


def row_to_event(values: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """The row as an EventCreate-shaped dict, and the id number when the person is named by it."""
    kind = _KIND_BY_LABEL.get(values.get("kind", ""), values.get("kind", ""))
    subject_type = values.get("subject_type", "enterprise")
    subject: dict[str, Any] = {"type": _SUBJECT_BY_LABEL.get(subject_type, subject_type)}
    if "uscc" in values:
        subject["uscc"] = values["uscc"]
    if "person_id" in values:
        subject["person_id"] = values["person_id"]
    details: dict[str, Any] = {}
    problems = []
    for field in _DETAIL_LABELS:
        if field not in values:
            continue
        if kind in _DETAIL_FIELDS and field not in _DETAIL_FIELDS[kind]:
            problems.append(
                FieldProblem(
                    field,
                    "not_for_kind",
                    f"列 {field} 不适用于 {kind} 类事件",
                    f"column {field} does not apply to a {kind} event",
                )
            )
            continue
        value: Any = values[field]
        if field in _LIST_FIELDS:
            value = _split(value)
        elif value.lower() in _BOOLEANS and field in ("responsible", "serious_circumstances", "serious"):
            value = _BOOLEANS[value.lower()]
        details[field] = value
    if problems:
        raise ValidationFailed(problems)
    event: dict[str, Any] = {
        "kind": kind,
        "subject": subject,
        "occurred_on": values.get("occurred_on"),
        "source_document": values.get("source_document"),
        "details": details,
    }
    for field in ("division_code", "remarks", "recording_authority"):
        if field in values:
            event[field] = values[field]
    if "links" in values:
        event["links"] = _split(values["links"])
    return event, values.get("id_number")


#: rows per transaction: 500 keeps a batch's locks short (a fraction of a second) and its loss on a
#: crash small, and costs a handful of queries, one INSERT, one audit call and one commit per batch
BATCH_ROWS = 500


@dataclass(slots=True)
class _Read:
    """A row read, not yet converted: the person it names by id number is looked up with its batch's."""

    number: int
    raw: dict[str, Any]
    person_hash: str | None


def _unknown_person() -> ValidationFailed:
    return ValidationFailed(
        [
            FieldProblem(
                "id_number",
                "unknown_person",
                "该身份证号对应的人员尚未登记（请先登记人员）",
                "no person is registered with this id number (register the person first)",
            )
        ]
    )


class EventImporter:
    def __init__(self, events: EventService, persons: PersonService) -> None:
        self.events = events
        self.persons = persons
        self.writer = BulkWriter(events)

    async def run(
        self,
        actor: Actor,
        rows: Iterable[Row],
        progress: Callable[[int], None] | None = None,
        batch_rows: int = BATCH_ROWS,
        *,
        bulk: bool = True,
        stats: BulkStats | None = None,
    ) -> EventImportReport:
        """Rows are checked as they come and recorded ``batch_rows`` at a time, one transaction per
        batch (``BulkWriter``; with ``bulk=False`` a savepoint and an INSERT per row,
        ``EventService.record_many``, the path before issue 22): a refused row costs only itself
        and is reported with its number; a crash loses at most the batch under way, whole.
        ``stats`` (optional) is told how the rows were written."""
        report = EventImportReport()
        stats = BulkStats() if stats is None else stats
        write = self._writer(actor, stats) if bulk else self._one_by_one(actor)
        read: list[_Read] = []
        for row in rows:
            report.rows += 1
            try:
                raw, id_number = row_to_event(row.values)
                read.append(_Read(row.number, raw, None if id_number is None else self._id_hash(id_number)))
            except RegistryError as exc:
                self._refused(report, row.number, exc)
                if progress is not None:
                    progress(1)
            if len(read) >= batch_rows:
                await self._record(write, await self._converted(read, report, progress), report, progress)
                read = []
        if read:
            await self._record(write, await self._converted(read, report, progress), report, progress)
        report.errors.sort(key=lambda e: e.row)  # a row refused on reading and one at recording, in order
        return report

    async def _converted(
        self, read: list[_Read], report: EventImportReport, progress: Callable[[int], None] | None
    ) -> list[tuple[int, EventCreate]]:
        """The batch's rows as events, in order, the persons they name by id number looked up in
        one query; a row naming an unregistered person, or malformed, is refused here."""
        persons = await self.persons.ids_by_hash({r.person_hash for r in read if r.person_hash is not None})
        batch: list[tuple[int, EventCreate]] = []
        for r in read:
            try:
                if r.person_hash is not None:
                    if r.person_hash not in persons:
                        raise _unknown_person()
                    r.raw["subject"]["person_id"] = persons[r.person_hash]
                try:
                    batch.append((r.number, msgspec.convert(r.raw, EventCreate, strict=False)))
                except msgspec.ValidationError as exc:
                    raise ValidationFailed([translate(str(exc))]) from exc
            except RegistryError as exc:
                self._refused(report, r.number, exc)
                if progress is not None:
                    progress(1)
        return batch

    def _writer(self, actor: Actor, stats: BulkStats) -> _Write:
        async def write(batch: list[EventCreate]) -> list[int | RegistryError]:
            return await self.writer.write(actor, batch, stats)

        return write

    def _one_by_one(self, actor: Actor) -> _Write:
        async def write(batch: list[EventCreate]) -> list[int | RegistryError]:
            return await self.events.record_many(actor, batch)

        return write

    @classmethod
    async def _record(
        cls,
        write: _Write,
        batch: list[tuple[int, EventCreate]],
        report: EventImportReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        answers = await write([data for _, data in batch])
        for (number, _), answer in zip(batch, answers, strict=True):
            if isinstance(answer, int):
                report.recorded += 1
                report.event_ids.append(answer)
            else:
                cls._refused(report, number, answer)
        if progress is not None:
            progress(len(batch))

    @classmethod
    def _refused(cls, report: EventImportReport, number: int, exc: RegistryError) -> None:
        if isinstance(exc, ValidationFailed):
            cls._reject(report, number, exc.problems)
        else:
            zh, _, en = exc.detail.partition(" / ")
            cls._reject(report, number, [FieldProblem("(row)", exc.code, zh, en or zh)])

    def _id_hash(self, id_number: str) -> str:
        try:
            return self.persons.id_hash(id_number)
        except ValidationFailed as exc:  # a malformed number: name the column it came from
            raise ValidationFailed(
                [FieldProblem("id_number", p.code, p.message_zh, p.message_en) for p in exc.problems]
            ) from exc

    async def _person_id(self, id_number: str) -> int:
        """The person's id, looked up alone (the import looks up a batch's at once)."""
        digest = self._id_hash(id_number)
        found = await self.persons.ids_by_hash([digest])
        if digest not in found:
            raise _unknown_person()
        return found[digest]

    @staticmethod
    def _reject(report: EventImportReport, number: int, problems: list[FieldProblem]) -> None:
        report.rejected += 1
        report.errors += [RowError(number, p.field, p.code, p.message_zh, p.message_en) for p in problems]


__all__ = ["EVENT_COLUMNS", "EventImportReport", "EventImporter", "SubjectRef"]

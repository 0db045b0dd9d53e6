"""The register's forms: which fields registering and editing ask for, read into the API's bodies.

The form is read into the API's own body types (``EnterpriseCreate``, ``EnterpriseUpdate``,
``PersonCreate``, ``RoleCreate``) with msgspec, so a value the API refuses is refused here with the
same rule and wording; the checks of GB 32100, GB/T 2260 and the register's own rules are then the
service's (``check_create``), shown beside the field they name. An edit sends only the fields the
officer changed from the values they loaded, with the version they loaded: a stale version is the
service's 409, answered by :func:`stale_rows` (theirs, as loaded, and the officer's own) and never
by an overwrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from registry.api.console.actions import Field
from registry.domain.enterprises import schemas as es
from registry.domain.persons import schemas as ps
from registry.domain.vocabulary import ENTERPRISE_STATUSES, INDUSTRIES, PERSON_ROLES, SCALES
from registry.domain.wire import translate

_SEPARATORS = re.compile(r"[\s,，、;；]+")
_INDEXED = re.compile(r"\[\d+\]$")

CREATE_FIELDS: Final = (
    Field("uscc", "统一社会信用代码", required=True, hint="18 位，校验位按 GB 32100 核对"),
    Field("name", "企业名称", required=True),
    Field("division_code", "所在地行政区划代码", required=True, hint="6 位，GB/T 2260；决定由哪个机关监管"),
    Field("industry", "行业", "choice", required=True, options=tuple(INDUSTRIES.items())),
    Field("scale", "规模", "choice", required=True, options=tuple(SCALES.items())),
    Field("address", "地址"),
    Field("operating_divisions", "经营地区划代码", hint="登记地以外的经营地，多个用逗号分隔"),
    Field("parent_uscc", "上级公司统一社会信用代码"),
    Field("registration_no", "原工商注册号", hint="2015 年以前的 15 位注册号"),
    Field("org_code", "原组织机构代码", hint="XXXXXXXX-X"),
    Field("name_valid_from", "名称启用日期", "date", hint="留空为今天"),
)
EDIT_FIELDS: Final = (
    Field("name", "企业名称", required=True, hint="改名后原名称记入名称沿革"),
    Field("name_valid_from", "新名称启用日期", "date", hint="仅改名时填写，留空为今天"),
    Field("division_code", "所在地行政区划代码", required=True),
    Field("industry", "行业", "choice", required=True, options=tuple(INDUSTRIES.items())),
    Field("scale", "规模", "choice", required=True, options=tuple(SCALES.items())),
    Field("status", "状态", "choice", required=True, options=tuple(ENTERPRISE_STATUSES.items())),
    Field("address", "地址"),
    Field("operating_divisions", "经营地区划代码", hint="多个用逗号分隔"),
    Field("parent_uscc", "上级公司统一社会信用代码"),
    Field("registration_no", "原工商注册号"),
    Field("org_code", "原组织机构代码"),
)
#: the edit's fields compared with what someone else saved (the name's start date is not kept per se)
COMPARED: Final = tuple(f for f in EDIT_FIELDS if f.name != "name_valid_from")
APPOINT_FIELDS: Final = (
    Field("id_number", "居民身份证号码", required=True, hint="只保存加密摘要和脱敏号码；已登记的人员不会重复登记"),
    Field("name", "姓名", required=True),
    Field("role", "职务", "choice", required=True, options=tuple(PERSON_ROLES.items())),
    Field("valid_from", "任职起始日期", "date", required=True),
    Field("valid_to", "任职终止日期", "date", hint="留空为仍在任"),
)
END_FIELDS: Final = (Field("valid_to", "任职终止日期", "date", required=True),)


def appoint_fields(is_agency: bool) -> tuple[Field, ...]:
    """The appointment form; 中介机构直接责任人员 is offered for an agency only (the service refuses it
    elsewhere)."""
    if is_agency:
        return APPOINT_FIELDS
    roles = tuple((code, name) for code, name in PERSON_ROLES.items() if code != "agency_responsible")
    return tuple(
        Field(f.name, f.label, f.kind, f.required, roles, f.hint) if f.name == "role" else f for f in APPOINT_FIELDS
    )


def field_of(problem_field: str) -> str:
    """The input a service problem names: ``operating_divisions[2]`` is the one operating field."""
    return _INDEXED.sub("", problem_field)


def divisions(text: str) -> list[str]:
    return [p for p in _SEPARATORS.split(text.strip()) if p]


def canonical(name: str, text: str) -> str:
    """A form value as compared: the operating divisions as a sorted list, the rest trimmed."""
    text = text.strip()
    return ",".join(sorted(divisions(text))) if name == "operating_divisions" else text


def as_text(value: Any) -> str:
    """A stored or wire value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def loaded_values(unit: es.Enterprise) -> dict[str, str]:
    """The edit form's values from the file as read (the name's start date left blank)."""
    shown = {f.name: as_text(getattr(unit, f.name, None)) for f in EDIT_FIELDS}
    shown["name_valid_from"] = ""
    return shown


def _missing(fields: tuple[Field, ...], shown: dict[str, str]) -> dict[str, str]:
    return {f.name: f"请填写{f.label}" for f in fields if f.required and not shown.get(f.name)}


def _convert(data: dict[str, Any], typ: type[Any]) -> tuple[Any | None, dict[str, str]]:
    try:
        return msgspec.convert(data, type=typ, strict=False), {}
    except msgspec.ValidationError as exc:
        problem = translate(str(exc))  # the API's own wording of the same refusal
        return None, {field_of(problem.field) or "_form": problem.message_zh}


def _typed(name: str, text: str) -> Any:
    return divisions(text) if name == "operating_divisions" else text


def create_body(shown: dict[str, str]) -> tuple[es.EnterpriseCreate | None, dict[str, str]]:
    """The API's registration body, or the errors by field (in Chinese)."""
    errors = _missing(CREATE_FIELDS, shown)
    if errors:
        return None, errors
    data = {f.name: _typed(f.name, shown[f.name]) for f in CREATE_FIELDS if shown.get(f.name)}
    body, errors = _convert(data, es.EnterpriseCreate)
    return body, errors


def update_body(
    shown: dict[str, str], loaded: dict[str, str], version: int
) -> tuple[es.EnterpriseUpdate | None, dict[str, str]]:
    """The API's update body with only the fields changed from the loaded values (a blank optional
    field clears it), or the errors by field."""
    errors = _missing(EDIT_FIELDS, shown)
    if errors:
        return None, errors
    data: dict[str, Any] = {"version": version}
    for f in COMPARED:
        if canonical(f.name, shown.get(f.name, "")) != canonical(f.name, loaded.get(f.name, "")):
            text = shown.get(f.name, "")
            data[f.name] = _typed(f.name, text) if text or f.name == "operating_divisions" else None
    if shown.get("name_valid_from") and "name" in data:
        data["name_valid_from"] = shown["name_valid_from"]
    return _convert(data, es.EnterpriseUpdate)


def changed(shown: dict[str, str], loaded: dict[str, str]) -> bool:
    return any(canonical(f.name, shown.get(f.name, "")) != canonical(f.name, loaded.get(f.name, "")) for f in COMPARED)


@dataclass(frozen=True, slots=True)
class StaleRow:
    label: str
    loaded: str
    theirs: str
    mine: str

    @property
    def theirs_changed(self) -> bool:
        return self.theirs != self.loaded

    @property
    def mine_changed(self) -> bool:
        return self.mine != self.loaded


def _shown(f: Field, text: str) -> str:
    """A value as the stale page says it: a code by its Chinese name, a blank as 空."""
    if f.options and text:
        return dict(f.options).get(text, text)
    return text.replace(",", ", ") if text else "（空）"


def stale_rows(current: dict[str, Any], loaded: dict[str, str], shown: dict[str, str]) -> list[StaleRow]:
    """Field by field: what the officer loaded, what is stored now (someone else's save), and the
    officer's own unsaved value; ``current`` is the state stored now (wire values or form strings)."""
    rows = []
    for f in COMPARED:
        was = canonical(f.name, loaded.get(f.name, ""))
        now = canonical(f.name, as_text(current.get(f.name)))
        mine = canonical(f.name, shown.get(f.name, ""))
        rows.append(StaleRow(f.label, _shown(f, was), _shown(f, now), _shown(f, mine)))
    return rows


def person_body(shown: dict[str, str]) -> tuple[ps.PersonCreate | None, dict[str, str]]:
    return _convert({"id_number": shown.get("id_number", ""), "name": shown.get("name", "")}, ps.PersonCreate)


def role_body(uscc: str, shown: dict[str, str]) -> tuple[ps.RoleCreate | None, dict[str, str]]:
    """The person's body and the role's, checked before anything is stored."""
    errors = _missing(APPOINT_FIELDS, shown)
    if errors:
        return None, errors
    data = {"uscc": uscc, "role": shown["role"], "valid_from": shown["valid_from"]}
    if shown.get("valid_to"):
        data["valid_to"] = shown["valid_to"]
    return _convert(data, ps.RoleCreate)


def end_body(shown: dict[str, str]) -> tuple[ps.RoleEnd | None, dict[str, str]]:
    errors = _missing(END_FIELDS, shown)
    if errors:
        return None, errors
    return _convert({"valid_to": shown["valid_to"]}, ps.RoleEnd)

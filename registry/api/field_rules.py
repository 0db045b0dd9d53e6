"""The field rules the domain checks, stated in the OpenAPI document (api/contract.py).

Each rule is set on every request field (body member or parameter) of its name: USCC, division
codes and prefixes, resident id numbers, the pre-2015 identifiers, names, row ids in lists, dates
given as text, and enums known only at start-up (rule families, grading schemes, measure codes).
The checks themselves stay in the domain, which names the rule a value broke (``uscc.check``)
more precisely than a decoder would; what JSON Schema cannot state (a check character, a code of
the civil-affairs table) is in each rule's description and its named ``format``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.domain.enterprises.search import USCC_PREFIX_PATTERN
from registry.domain.evaluation.service import EARLIEST, LATEST
from registry.domain.identifiers.divisions import PROVINCES
from registry.domain.identifiers.uscc import ALPHABET
from registry.domain.wire import MAX_ID

_CHAR = "[" + "".join(c for c in ALPHABET if not c.isdigit()) + "0-9]"
USCC = {
    "type": "string",
    "minLength": 18,
    "maxLength": 18,
    "pattern": f"^{_CHAR}{{2}}[0-9]{{6}}{_CHAR}{{10}}$",
    "format": "uscc",
    "description": "统一社会信用代码 (GB 32100-2015): 18 characters, digits and capital letters but I, O, S, V, Z; "
    "positions 3-8 digits; the 18th is the check character of the first 17 (format `uscc`).",
}
DIVISION_CODE = {
    "type": "string",
    "minLength": 6,
    "maxLength": 6,
    "pattern": f"^({'|'.join(sorted(PROVINCES))})[0-9]{{4}}$",
    "format": "division-code",
    "description": "行政区划代码 (GB/T 2260): six digits, a code of the Ministry of Civil Affairs' table "
    "(current or retired; format `division-code`).",
}
DIVISION_PREFIX = {
    "type": "string",
    "minLength": 2,
    "maxLength": 6,
    "pattern": "^([0-9]{2}){1,3}$",
    "description": "区划前缀: 2, 4 or 6 digits (province, prefecture, county) selecting a subtree.",
}
RESIDENT_ID = {
    "type": "string",
    "minLength": 18,
    "maxLength": 18,
    "pattern": "^[0-9]{17}[0-9X]$",
    "format": "resident-id",
    "description": "居民身份证号码 (GB 11643-1999): 17 digits and a check character (digit or X; format "
    "`resident-id`); stored keyed, returned masked.",
}
USCC_PREFIX = {"type": "string", "pattern": USCC_PREFIX_PATTERN, "description": "the first 1-18 characters of a USCC"}
REGISTRATION_NO = {
    "type": "string",
    "pattern": "^[0-9]{15}$",
    "description": "工商注册号 (pre-2015): 15 digits, the last a check digit (ISO 7064 MOD 11,10)",
}
ORG_CODE = {
    "type": "string",
    "pattern": "^[0-9A-Z]{8}-?[0-9X]$",
    "description": "组织机构代码 (GB 11714, pre-2015): 8 digits or capital letters and a check character, "
    "`XXXXXXXX-X` or bare",
}
#: a row id in a list (Litestar drops the item's own bounds from the document)
ROW_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# the evaluation's range of days (2000-01-01 to 2100-12-31), as a pattern on the year
assert (EARLIEST.isoformat(), LATEST.isoformat()) == ("2000-01-01", "2100-12-31"), "restate AS_OF"
AS_OF = {
    "type": "string",
    "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
    "description": f"the day to evaluate as of, {EARLIEST} to {LATEST} (default: today in Beijing)",
}
DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
#: a name: at least one visible character, no control characters (tab and line breaks allowed)
NAME = {
    "type": "string",
    "pattern": "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
}
#: request fields (bodies and parameters) by name -> the rule the domain checks them by
FIELD_RULES: dict[str, dict[str, Any]] = {
    "uscc": USCC,
    "parent_uscc": USCC,
    "reviewer_uscc": USCC,
    "via_uscc": USCC,
    "division_code": DIVISION_CODE,
    "operating_divisions": DIVISION_CODE,
    "division": DIVISION_PREFIX,
    "id_number": RESIDENT_ID,
    "uscc_prefix": USCC_PREFIX,
    "registration_no": REGISTRATION_NO,
    "org_code": ORG_CODE,
    "as_of": AS_OF,
    "links": ROW_ID,
    "event_ids": ROW_ID,
    "name": NAME,
    "kinds": {"minItems": 1},
}
#: query parameters by name (dates are given as text and checked by the service)
PARAMETER_RULES: dict[str, dict[str, Any]] = {
    "from": DATE,
    "to": DATE,
    "expiring_before": DATE,
    "after": {"minimum": 0},
}


#: a year from 1949, as the reports' service accepts it (reports/periods.py)
_YEAR = "(19(49|[5-9][0-9])|[2-9][0-9]{3})"
#: the reports' parameters (api/reports.py): the period is required (the service answers a 422
#: naming it when missing, with its own codes, so the rules are stated here and not in the
#: decoder), ``as_of`` is a time with its offset there, not a day
REPORT_PARAMETERS: dict[str, dict[str, Any]] = {
    "month": {"required": True, "schema": {"type": "string", "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$"}},
    "year": {"required": True, "schema": {"type": "string", "pattern": f"^{_YEAR}$"}},
    "format": {"schema": {"type": "string", "enum": ["json", "csv", "xlsx"]}},
    "as_of": {
        "schema": {
            "type": "string",
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
            "(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$",
            "format": "date-time",
        }
    },
}


def _report_parameter(path: str, parameter: dict[str, Any]) -> bool:
    """States a report parameter's rule (``REPORT_PARAMETERS``); whether it was one."""
    rule = REPORT_PARAMETERS.get(parameter.get("name", "")) if path.startswith("/api/v1/reports/") else None
    if rule is None:
        return False
    parameter["required"] = rule.get("required", parameter.get("required", False))
    parameter.setdefault("schema", {}).update(rule["schema"])
    return True


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method, spec in item.items():
            if method in ("get", "put", "post", "patch", "delete", "head", "options"):
                yield path, method, spec


def _rule(schema: dict[str, Any], rule: dict[str, Any]) -> None:
    """``rule`` on the schema it is about: an array's (``minItems``) or a value's (a string, an
    integer), found in the schema itself, an array's items or an arm of a oneOf."""
    kind = schema.get("type")
    if kind == "array" and "minItems" in rule:
        schema.update(rule)
    elif kind == "array" and isinstance(schema.get("items"), dict):
        _rule(schema["items"], rule)
    elif kind in ("string", "integer") and kind == rule.get("type", kind):
        schema.update(rule)
    for arm in schema.get("oneOf", []) + schema.get("anyOf", []):
        if isinstance(arm, dict):
            _rule(arm, rule)
    for key in ("minLength", "maxLength", "pattern", "format"):  # set on the arm, not beside oneOf
        if "oneOf" in schema or "anyOf" in schema:
            schema.pop(key, None)


def _request_components(doc: dict[str, Any]) -> set[str]:
    """Names of the component schemas a request body refers to, directly or through others."""
    components = doc.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    stack = [
        media.get("schema", {})
        for _, _, spec in operations(doc)
        for media in spec.get("requestBody", {}).get("content", {}).values()
    ]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    stack.append(components.get(name, {}))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def exact_bounds(node: Any) -> None:
    """Integer bounds as integers (Litestar writes a path parameter's ``le=2**63-1`` as the double
    9.223372036854776e18, which admits ids beyond the largest one taken)."""
    if isinstance(node, dict):
        for key in ("maximum", "minimum"):
            bound = node.get(key)
            if isinstance(bound, float) and bound.is_integer():
                node[key] = MAX_ID if bound == float(MAX_ID) else int(bound)
        for value in node.values():
            exact_bounds(value)
    elif isinstance(node, list):
        for value in node:
            exact_bounds(value)


def _parameter_rule(path: str, parameter: dict[str, Any], rules: dict[str, Any], page_size_max: int) -> None:
    name = parameter.get("name")
    if name in rules and "schema" in parameter and "pattern" not in parameter["schema"]:
        _rule(parameter["schema"], rules[name])
    if name in PARAMETER_RULES and parameter.get("in") == "query":
        _rule(parameter["schema"], PARAMETER_RULES[name])
    schema = parameter.get("schema", {})
    if name == "limit" and "maximum" not in schema and path != "/api/v1/public/enterprises":
        schema.update({"minimum": 1, "maximum": page_size_max})


def field_rules(doc: dict[str, Any], page_size_max: int, enums: dict[str, list[str]]) -> None:
    rules = {**FIELD_RULES, **{name: {"type": "string", "enum": values} for name, values in enums.items()}}
    components = doc.get("components", {}).get("schemas", {})
    for name in _request_components(doc):
        component = components.get(name, {})
        # request bodies are decoded with forbid_unknown_fields: a member not listed is refused
        if component.get("type") == "object" and "properties" in component:
            component["additionalProperties"] = False
        for field, schema in component.get("properties", {}).items():
            if field in rules:
                _rule(schema, rules[field])
    for path, _, spec in operations(doc):
        for parameter in spec.get("parameters", []):
            if not _report_parameter(path, parameter):
                _parameter_rule(path, parameter, rules, page_size_max)
        for media in spec.get("requestBody", {}).get("content", {}).values():
            for field, schema in media.get("schema", {}).get("properties", {}).items():
                if field in rules:
                    _rule(schema, rules[field])

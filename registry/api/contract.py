"""The OpenAPI document tells the truth, so partners can generate clients from it (issue 19).

Litestar documents what a handler returns when all goes well. This module adds, once per app:

- every status an operation answers, each an RFC 9457 ``application/problem+json`` (schema
  ``Problem``), derived from the error table (registry/errors.py: each error carries its status)
  and from what the operation takes: a secured operation may answer 401 and 403, one naming a
  resource in its path 404, one that changes state 409, one with a body 413, and so on
  (``_WHEN``); a handler adds what only it answers with ``opt={"problems": (ErrorClass, ...)}``,
  and what the framework cannot see of it (a body it reads itself) with ``opt={"openapi": {...}}``;
- the field rules of the domain's own checks (``FIELD_RULES``: USCC, division codes and prefixes)
  on every request field of that name, as ``pattern``, lengths and a named ``format``; the checks
  stay in the domain, which names the rule a value broke more precisely than a decoder would;
- the schemas of the signed partner answers (api/answer_shapes.py) and the raw status route,
  which the framework does not see (``extra_paths``).

tests/integration/test_api_contract.py runs schemathesis with all its checks against the result.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.routes import HTTPRoute

from registry.api.answer_shapes import SHAPES
from registry.api.problems import PROBLEM
from registry.domain.enterprises.search import USCC_PREFIX_PATTERN
from registry.domain.identifiers.divisions import PROVINCES
from registry.domain.identifiers.uscc import ALPHABET
from registry.domain.partners.service import FEEDBACK_KINDS
from registry.domain.wire import MAX_ID
from registry.errors import (
    Conflict,
    Forbidden,
    MalformedBody,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    RegistryError,
    Unavailable,
    UnsupportedMedia,
    ValidationFailed,
)
from registry.rules.catalogue import OUTCOMES

REF = "#/components/schemas/{name}"
SHAPE_PREFIX = "Partner"
_LITESTAR_400 = "Bad request syntax or unsupported method"
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

FIELD_PROBLEM = {
    "type": "object",
    "required": ["field", "code", "message_zh", "message_en"],
    "properties": {
        "field": {"type": "string", "description": "the offending field (`uscc`, `events[0].date`, `(body)`)"},
        "code": {"type": "string", "description": "the rule broken, stable (`required`, `uscc.check`, ...)"},
        "message_zh": {"type": "string"},
        "message_en": {"type": "string"},
    },
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` names the problem (also in `type`: /problems/<code>); "
    "`request_id` is the X-Request-ID of the request; validation problems list each offending field "
    "with the rule it broke in `errors`. Other members may be added (e.g. `limit_bytes`).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": REF.format(name="FieldProblem")}},
        "error": {"type": "string", "description": "RFC 6749 section 5.2 error code (token endpoint)"},
    },
}


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    spec: dict[str, Any]
    #: errors only this handler answers (its ``opt["problems"]``)
    own: tuple[type[RegistryError], ...]

    @property
    def secured(self) -> bool:
        return bool(self.spec.get("security"))

    @property
    def takes_input(self) -> bool:
        return bool(self.spec.get("parameters")) or self.takes_body

    @property
    def takes_body(self) -> bool:
        return "requestBody" in self.spec

    @property
    def takes_upload(self) -> bool:
        return "multipart/form-data" in self.spec.get("requestBody", {}).get("content", {})

    @property
    def names_a_resource(self) -> bool:
        return any(p.get("in") == "path" for p in self.spec.get("parameters", []))

    @property
    def names_in_body(self) -> bool:
        """A bureau's POST whose body names what it acts on (a subject, a person to look up)."""
        return self.takes_body and self.secured and not self.path.startswith("/api/v1/partner/")

    @property
    def changes_state(self) -> bool:
        return self.secured and self.method != "get" and not self.path.startswith("/api/v1/partner/")

    @property
    def reads_data(self) -> bool:
        return not self.path.startswith("/health/")  # readiness answers its own 503


#: which operations may answer each error (its status and title come from the error class)
_WHEN: tuple[tuple[type[RegistryError], Callable[[Operation], bool]], ...] = (
    (MalformedBody, lambda op: op.takes_input),
    (NotAuthenticated, lambda op: op.secured),
    (Forbidden, lambda op: op.secured),
    (NotFound, lambda op: op.names_a_resource or op.names_in_body),
    (Conflict, lambda op: op.changes_state),
    (PayloadTooLarge, lambda op: op.takes_body),
    (UnsupportedMedia, lambda op: op.takes_upload),
    (ValidationFailed, lambda op: op.takes_input),
    (Unavailable, lambda op: op.reads_data),
)


def problems_of(op: Operation) -> dict[int, list[type[RegistryError]]]:
    found: dict[int, list[type[RegistryError]]] = {}
    for error in [*(e for e, applies in _WHEN if applies(op)), *op.own]:
        found.setdefault(error.status, []).append(error)
    return dict(sorted(found.items()))


def _response(errors: list[type[RegistryError]]) -> dict[str, Any]:
    titles = "; ".join(dict.fromkeys(f"`{e.code}` {e.title}" for e in errors))
    response: dict[str, Any] = {
        "description": titles,
        "content": {PROBLEM: {"schema": {"$ref": REF.format(name="Problem")}}},
    }
    if any(e.status in (429, 503) for e in errors):
        response["headers"] = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}
    return response


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method, spec in item.items():
            if method in ("get", "put", "post", "patch", "delete", "head", "options"):
                yield path, method, spec


def _opts(app: Litestar) -> dict[tuple[str, str], dict[str, Any]]:
    """Each operation's handler ``opt`` (layered: a router's ``opt`` reaches its handlers)."""
    opts = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    opts[(route.path_format, method.lower())] = dict(handler.opt)
    return opts


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
        for _, _, spec in _operations(doc)
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


def _exact_bounds(node: Any) -> None:
    """Integer bounds as integers (Litestar writes a path parameter's ``le=2**63-1`` as the double
    9.223372036854776e18, which admits ids beyond the largest one taken)."""
    if isinstance(node, dict):
        for key in ("maximum", "minimum"):
            bound = node.get(key)
            if isinstance(bound, float) and bound.is_integer():
                node[key] = MAX_ID if bound == float(MAX_ID) else int(bound)
        for value in node.values():
            _exact_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _exact_bounds(value)


def _field_rules(doc: dict[str, Any], page_size_max: int, enums: dict[str, list[str]]) -> None:
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
    for path, _, spec in _operations(doc):
        for parameter in spec.get("parameters", []):
            name = parameter.get("name")
            if name in rules and "schema" in parameter and "pattern" not in parameter["schema"]:
                _rule(parameter["schema"], rules[name])
            if name in PARAMETER_RULES and parameter.get("in") == "query":
                _rule(parameter["schema"], PARAMETER_RULES[name])
            schema = parameter.get("schema", {})
            if parameter.get("name") == "limit" and "maximum" not in schema and path != "/api/v1/public/enterprises":
                schema.update({"minimum": 1, "maximum": page_size_max})
        for media in spec.get("requestBody", {}).get("content", {}).values():
            for field, schema in media.get("schema", {}).get("properties", {}).items():
                if field in rules:
                    _rule(schema, rules[field])


def truthful(
    generated: dict[str, Any],
    opts: dict[tuple[str, str], dict[str, Any]],
    extra_paths: dict[str, dict[str, Any]],
    answers: dict[tuple[str, str], str],
    page_size_max: int,
    enums: dict[str, list[str]],
) -> dict[str, Any]:
    """The document Litestar made, with the problems, field rules, answer shapes and extra paths."""
    doc = copy.deepcopy(generated)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    # prefixed: Litestar's own components may bear the same class names (Outcome, Grade, ...)
    _, shapes = msgspec.json.schema_components(SHAPES, ref_template=REF.format(name=f"{SHAPE_PREFIX}{{name}}"))
    schemas.update({f"{SHAPE_PREFIX}{name}": shape for name, shape in shapes.items()})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldProblem"] = FIELD_PROBLEM
    for path, item in extra_paths.items():
        doc["paths"].setdefault(path, {}).update(copy.deepcopy(item))
    for (path, method), shape in answers.items():
        ok = next(s for s in ("200", "201") if s in doc["paths"][path][method]["responses"])
        doc["paths"][path][method]["responses"][ok]["content"] = {
            "application/json": {"schema": {"$ref": REF.format(name=f"{SHAPE_PREFIX}{shape}")}}
        }
    for path, method, spec in _operations(doc):
        spec.update(copy.deepcopy(opts.get((path, method), {}).get("openapi", {})))
    _field_rules(doc, page_size_max, enums)
    _exact_bounds(doc)
    for path, method, spec in _operations(doc):
        responses = spec.setdefault("responses", {})
        # Litestar's own 400 (a ValidationException shape this API never answers) gives way to ours;
        # a response a handler declares itself (``responses=``) stays
        if responses.get("400", {}).get("description") == _LITESTAR_400:
            del responses["400"]
        op = Operation(path, method, spec, tuple(opts.get((path, method), {}).get("problems", ())))
        for status, errors in problems_of(op).items():
            responses.setdefault(str(status), _response(errors))
    return doc


def publish(
    app: Litestar,
    extra_paths: dict[str, dict[str, Any]],
    answers: dict[tuple[str, str], str],
) -> None:
    """Serve the truthful document at /schema (built now, once: the render handlers read the
    plugin's cached dictionary, and the document is wrong rather than slow if built otherwise)."""
    plugin = app.plugins.get(OpenAPIPlugin)
    services = app.state.services
    enums = {
        "families": list(services.evaluation.families),
        "scheme": [x.code for x in services.grades.rules.schemes],
        "measure": [c for c, o in OUTCOMES.items() if o.kind in FEEDBACK_KINDS],
    }
    limit = services.settings.limits.page_size_max
    document = truthful(plugin.provide_openapi_schema(), _opts(app), extra_paths, answers, limit, enums)
    plugin._openapi_schema = document

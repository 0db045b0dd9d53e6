"""The OpenAPI document tells the truth, so partners can generate clients from it (issue 19).

Litestar documents what a handler returns when all goes well. This module adds, once per app:

- every status an operation answers, each an RFC 9457 ``application/problem+json`` (schema
  ``Problem``), derived from the error table (registry/errors.py: each error carries its status)
  and from what the operation takes: a secured operation may answer 401 and 403, one naming a
  resource in its path 404, one that changes state 409, one with a body 413, and so on
  (``_WHEN``); a handler adds what only it answers with ``opt={"problems": (ErrorClass, ...)}``,
  and what the framework cannot see of it (a body it reads itself) with ``opt={"openapi": {...}}``;
- the field rules of the domain's own checks on every request field of their name
  (api/field_rules.py);
- the schemas of the signed partner answers (api/answer_shapes.py) and the raw status route,
  which the framework does not see (``extra_paths``).

tests/integration/test_api_contract.py runs schemathesis with all its checks against the result.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.routes import HTTPRoute

from registry.api.answer_shapes import SHAPES
from registry.api.field_rules import exact_bounds, field_rules, operations
from registry.api.problems import PROBLEM
from registry.domain.partners.service import FEEDBACK_KINDS
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


def _opts(app: Litestar) -> dict[tuple[str, str], dict[str, Any]]:
    """Each operation's handler ``opt`` (layered: a router's ``opt`` reaches its handlers)."""
    opts = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    opts[(route.path_format, method.lower())] = dict(handler.opt)
    return opts


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
    for path, method, spec in operations(doc):
        spec.update(copy.deepcopy(opts.get((path, method), {}).get("openapi", {})))
    field_rules(doc, page_size_max, enums)
    exact_bounds(doc)
    for path, method, spec in operations(doc):
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

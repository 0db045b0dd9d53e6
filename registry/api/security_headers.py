"""Security headers on every answer (defence in depth), chosen from precomputed header lists.

- ``Content-Security-Policy``: the pages are server-rendered with one stylesheet and no script
  (tests/integration/test_security_headers.py checks the templates keep it so), so the policy
  allows our own stylesheet and images, forms posting to us, and nothing else: no script at all,
  no plugins, no ``<base>``. JSON answers get the same policy (a JSON body opened in a browser
  then runs nothing either).
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (for browsers without CSP 2): no page
  of ours inside another site's frame (click-jacking of the verify form).
- ``X-Content-Type-Options: nosniff``: a JSON or text answer is never sniffed into HTML or script.
- ``Referrer-Policy: no-referrer``: searches carry an enterprise name in the URL; it stays here.
- ``Strict-Transport-Security`` only when the request came over TLS (our scheme, or
  ``X-Forwarded-Proto: https`` from a trusted proxy): browsers ignore it over plain HTTP, and a
  development server on http://localhost must not pin itself to HTTPS. One year, without
  ``includeSubDomains``: other hosts of the operator's domain are not ours to pin.

``/schema`` (the OpenAPI documents and the interactive docs) has its own policy: Swagger UI
inlines its start-up script and styles, so inline script and style are allowed there, but only
from this origin (its files ship with the app, api/api_docs.py): the docs page asks no other host
for anything, which is also what keeps it working with no internet. It shows the API
description, no registry data.

The request-id middleware (api/request_id.py) adds them, in the send wrapper it has anyway: the
cost per answer is a path check and a few more items in the header list.
"""

from __future__ import annotations

from litestar.types import Scope

from registry.lib.addresses import TrustedProxies, came_over_tls

Headers = list[tuple[bytes, bytes]]

CSP = (
    b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
_COMMON: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """``headers(scope)``: the list for this request, one of four built once."""

    def __init__(self, proxies: TrustedProxies) -> None:
        self._proxies = proxies
        strict: Headers = [(b"content-security-policy", CSP), *_COMMON]
        docs: Headers = [(b"content-security-policy", DOCS_CSP), *_COMMON]
        self._plain = (strict, docs)
        self._tls = ([*strict, HSTS], [*docs, HSTS])

    def __call__(self, scope: Scope) -> Headers:
        path: str = scope["path"]
        docs = path.startswith("/schema") and (len(path) == 7 or path[7] == "/")
        return (self._tls if came_over_tls(scope, self._proxies) else self._plain)[docs]

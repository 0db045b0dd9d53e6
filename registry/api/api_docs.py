"""The interactive API docs (``/schema`` and ``/schema/swagger``): Swagger UI served by the app itself.

Litestar's render plugins load their viewers from a CDN by default (Scalar at ``@latest``), which is
blank without internet and slow or unreachable in mainland China. Here Swagger UI's own files, a
pinned release of the ``swagger-ui-dist`` npm package (Apache-2.0, its LICENSE and NOTICE beside
them), ship in the wheel under ``api/static/swagger-ui-<version>/`` and are served by the app's
static route; the page asks no other host for anything. One viewer, at ``/schema`` and
``/schema/swagger``; the document itself is ``/schema/openapi.json``.

To upgrade: replace the folder with the new release's ``swagger-ui-bundle.js``,
``swagger-ui-standalone-preset.js``, ``swagger-ui.css``, ``favicon-32x32.png``, ``LICENSE``,
``NOTICE`` and the ``*.LICENSE.txt`` files, and change ``SWAGGER_UI_VERSION``.
"""

from __future__ import annotations

from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin

#: the swagger-ui-dist release in ``api/static/swagger-ui-<version>/``
SWAGGER_UI_VERSION = "5.36.0"
SWAGGER_UI = f"/static/swagger-ui-{SWAGGER_UI_VERSION}"


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """The viewers of the OpenAPI document; the first is also served at ``/schema`` itself."""
    return [
        SwaggerRenderPlugin(
            path="/swagger",
            js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            css_url=f"{SWAGGER_UI}/swagger-ui.css",
            standalone_preset_js_url=f"{SWAGGER_UI}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_UI}/favicon-32x32.png'>",
        )
    ]

"""``create_app(settings)``: the composition root. Everything the service runs is wired here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from registry.api.api_docs import render_plugins
from registry.api.auth import actor_for
from registry.api.body import request_class
from registry.api.console import console
from registry.api.contract import publish
from registry.api.enterprises import enterprise_handlers
from registry.api.events import event_handlers
from registry.api.grades import grade_handlers
from registry.api.health import health_handlers
from registry.api.listings import listing_handlers
from registry.api.log import log_handlers
from registry.api.metrics import Metrics, metrics_handlers, metrics_middleware
from registry.api.options import allow_every_method
from registry.api.pages import TEMPLATES, configure_templates, page_handlers
from registry.api.partners import (
    ANSWER_SHAPES,
    STATUS_PATH,
    partner_handlers,
    partner_status_answer,
    partner_status_first,
    partner_status_route,
)
from registry.api.persons import person_handlers
from registry.api.problems import HANDLERS
from registry.api.public import public_api_router
from registry.api.reference import bureau_reference_handlers, public_reference_handlers
from registry.api.reports import report_handlers
from registry.api.request_id import request_id_middleware
from registry.api.rules import rule_handlers
from registry.api.security_headers import SecurityHeaders
from registry.api.tokens import token_handlers
from registry.db.migrate import ensure_migrated
from registry.domain.container import Services, build_services
from registry.lib.addresses import trusted_proxies
from registry.lib.clock import Clock
from registry.lib.logging import configure_logging
from registry.settings import Settings

log = structlog.get_logger(__name__)


async def flush_queries_periodically(services: Services, interval: float = 0.2) -> None:
    """Group commit of the partner query records: at most ``interval`` seconds behind the answers."""
    while True:
        await asyncio.sleep(interval)
        # a failed write keeps the rows for the next one and is logged by the query log, once per
        # run of failures (an outage would otherwise log five lines a second)
        with contextlib.suppress(Exception):
            await services.partners.queries.flush()


async def sweep_periodically(services: Services, interval: float) -> None:
    """The background sweep: expire listings and grades that are due, at start and then every
    ``interval`` seconds. Each worker runs it; the sweep is idempotent and takes row locks, so
    two workers sweeping at once remove each listing once. A failed sweep is logged and retried."""
    while True:
        try:
            # shielded: cancelling the loop (shut-down) lets a started sweep commit or roll back,
            # never abandons its transaction (a cancelled SQLite BEGIN IMMEDIATE kept the lock)
            done = await asyncio.shield(services.sweep())
            if any(done.values()):
                log.info("sweep", **done)
        except Exception:  # the next round retries; a dead loop would stop every expiry
            log.exception("sweep failed")
        await asyncio.sleep(interval)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, json=settings.log_json)
    services = build_services(settings, clock)
    desk = console(services)  # the bureau console's pages and its session store

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        if settings.require_migrated:
            await ensure_migrated(services.db.writer)
        await services.tokens.start()
        await services.partners.freshness.start()
        interval = settings.listings.sweep_interval_seconds
        sweeper = asyncio.create_task(sweep_periodically(services, interval)) if interval > 0 else None
        flusher = asyncio.create_task(flush_queries_periodically(services))
        # what start-up built lives as long as the process: frozen out of the collector's reach, a
        # full collection no longer walks it (a 1000-subject batch had 100-200 ms pauses without)
        gc.collect()
        gc.freeze()
        log.info("registry started", database=services.db.dialect, store=services.store.name, kid=services.keys.kid)
        try:
            yield
        finally:
            for task in (sweeper, flusher):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await desk.close()
            await services.close()

    status_answer = partner_status_answer(services)
    metrics = Metrics(services)
    bureau = Router(
        path="/api/v1",
        route_handlers=[
            *enterprise_handlers(services),
            *person_handlers(services),
            *event_handlers(services),
            *grade_handlers(services),
            *rule_handlers(services),
            *listing_handlers(services),
            *bureau_reference_handlers(services),
            *report_handlers(services),
        ],
        dependencies={"actor": Provide(actor_for(services.tokens, "admin", "bureau"))},
        security=[{"bearer": []}],
    )
    partner = Router(
        path="/api/v1",
        route_handlers=partner_handlers(services),
        dependencies={"actor": Provide(actor_for(services.tokens, "partner", "admin", "bureau"))},
        security=[{"bearer": []}],
    )
    app = Litestar(
        route_handlers=[
            bureau,
            partner,
            partner_status_route(status_answer),
            *token_handlers(services),
            *health_handlers(services),
            *metrics_handlers(metrics),
            *public_reference_handlers(services),
            *log_handlers(services),
            public_api_router(services),
            *page_handlers(services),
            desk.router,
        ],
        template_config=TemplateConfig(
            directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=configure_templates
        ),
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        request_class=request_class(settings.limits.max_json_depth),
        lifespan=[lifespan],
        request_max_body_size=settings.limits.max_json_bytes,
        openapi_config=OpenAPIConfig(
            title="安全生产诚信登记系统 API / Work-safety credit registry API",
            version="1.0.0",
            path="/schema",
            render_plugins=render_plugins(),  # served by the app itself: api/api_docs.py
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="POST /api/v1/auth/token (client credentials)",
                    ),
                }
            ),
        ),
        debug=False,
    )
    app.state.services = services
    app.state.metrics = metrics
    # the OpenAPI document with every status, the field rules and the raw status route (api/contract.py)
    publish(app, STATUS_PATH, ANSWER_SHAPES)
    # around everything, the router's own 404/405 included (Litestar's middleware= runs only for
    # matched routes): the request id and the security headers (api/request_id.py)
    headers = SecurityHeaders(trusted_proxies(settings.trusted_proxies))
    # the partner status GET is answered first, before the router (api/partners.py)
    app.asgi_handler = metrics_middleware(
        request_id_middleware(
            partner_status_first(allow_every_method(app, app.asgi_handler), status_answer),
            headers,
            access_log=settings.access_log,
            min_seq=services.db.replica is not None,
        ),
        metrics,
    )
    return app


def create_app_from_env() -> Litestar:
    """Factory for the ASGI server (``granian --factory registry.app:create_app_from_env``)."""
    return create_app(Settings.from_env())

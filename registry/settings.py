"""Settings: frozen groups read from ``REGISTRY_*`` variables, once, by the composition root.

Nothing here runs at import time: ``Settings.from_env()`` is called by ``create_app`` and the CLI,
and tests build ``Settings`` directly, so two apps with different settings can live in one process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/registry.db"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = DEFAULT_DATABASE_URL
    pool_size: int = 10
    echo: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True, slots=True)
class RedisSettings:
    url: str | None = None
    #: key and channel prefix, so several deployments (or test workers) can share one Redis
    prefix: str = "registry:"
    #: seconds between pings while Redis is down (rate limits count in process meanwhile and no
    #: request waits on Redis); short, so the cross-worker limits come back soon after Redis does
    retry_seconds: float = 3.0


@dataclass(frozen=True, slots=True)
class KeySettings:
    """Where signing keys live and how they are unlocked.

    Without a passphrase the service generates an unencrypted development key and says so loudly;
    ``production`` refuses to start that way.
    """

    directory: Path = Path("var/keys")
    passphrase: str | None = field(default=None, repr=False)
    person_id_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AuthSettings:
    issuer: str = "registry"
    audience: str = "registry-api"
    token_ttl_seconds: int = 900
    #: failed token requests per client address per window; beyond it a failed attempt answers 429
    #: (a correct secret still passes: one address may be an office behind NAT, see api/tokens.py)
    token_failures_per_window: int = 20
    #: failed token requests per client id per window; beyond it that client id is locked (even
    #: its correct secret is refused, unchecked) until the window ends
    token_failures_per_client: int = 10
    token_failure_window_seconds: int = 300


@dataclass(frozen=True, slots=True)
class LimitSettings:
    #: largest accepted request body; imports state this limit in their error
    max_upload_bytes: int = 50 * 1024 * 1024
    max_json_bytes: int = 2 * 1024 * 1024
    page_size_max: int = 500
    import_batch_rows: int = 1000


@dataclass(frozen=True, slots=True)
class ListingSettings:
    #: the statement period (陈述申辩期) a notice grants, in calendar days: 11号 leaves the count to
    #: "有关规定" [?]; 5 days follows common local practice and is set per deployment
    statement_days: int = 5
    #: how often the service's background task runs the sweep (expiry of listings and grades);
    #: 0 turns it off (``registry sweep`` from cron does the same work)
    sweep_interval_seconds: int = 3600


@dataclass(frozen=True, slots=True)
class PublicSettings:
    #: requests per client address per minute on the public pages and API, across all workers
    #: (Redis) or in this process (embedded default); beyond it 429 with Retry-After
    rate_limit_per_minute: int = 120
    #: search results per page (the public search is capped and paginated)
    page_size: int = 20


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str = "development"
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    keys: KeySettings = KeySettings()
    auth: AuthSettings = AuthSettings()
    limits: LimitSettings = LimitSettings()
    listings: ListingSettings = ListingSettings()
    public: PublicSettings = PublicSettings()
    #: the transparency log's origin line (C2SP tlog-checkpoint): a schema-less URL naming the log
    log_origin: str = "registry.local/credit-log"
    log_level: str = "INFO"
    log_json: bool = False
    #: the app refuses to start on an unmigrated database; tests of that refusal turn nothing off
    require_migrated: bool = True
    #: reverse proxies (addresses or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed;
    #: empty: the headers are never read, the peer is the client (rate limits count per client
    #: address, so behind a proxy that is not listed every client shares the proxy's counter)
    trusted_proxies: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env

        def get(name: str, default: str | None = None) -> str | None:
            value = e.get(f"REGISTRY_{name}")
            return value if value not in (None, "") else default

        environment = get("ENV", "development") or "development"
        return cls(
            environment=environment,
            database=DatabaseSettings(
                url=get("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL,
                pool_size=int(get("DATABASE_POOL_SIZE", "10") or 10),
                echo=(get("DATABASE_ECHO", "0") == "1"),
            ),
            redis=RedisSettings(
                url=get("REDIS_URL"),
                prefix=get("REDIS_PREFIX", "registry:") or "registry:",
                retry_seconds=float(get("REDIS_RETRY_SECONDS", "3") or 3),
            ),
            keys=KeySettings(
                directory=Path(get("KEYS_DIR", "var/keys") or "var/keys"),
                passphrase=get("KEY_PASSPHRASE"),
                person_id_key=get("PERSON_ID_KEY"),
            ),
            auth=AuthSettings(
                issuer=get("TOKEN_ISSUER", "registry") or "registry",
                token_ttl_seconds=int(get("TOKEN_TTL_SECONDS", "900") or 900),
                token_failures_per_window=int(get("TOKEN_FAILURES_PER_ADDRESS", "20") or 20),
                token_failures_per_client=int(get("TOKEN_FAILURES_PER_CLIENT", "10") or 10),
            ),
            limits=LimitSettings(
                max_upload_bytes=int(get("MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)) or 0),
            ),
            listings=ListingSettings(
                statement_days=int(get("LISTING_STATEMENT_DAYS", "5") or 5),
                sweep_interval_seconds=int(get("SWEEP_INTERVAL_SECONDS", "3600") or 0),
            ),
            public=PublicSettings(rate_limit_per_minute=int(get("PUBLIC_RATE_LIMIT", "120") or 120)),
            log_origin=get("LOG_ORIGIN", "registry.local/credit-log") or "registry.local/credit-log",
            log_level=get("LOG_LEVEL", "INFO") or "INFO",
            log_json=(get("LOG_JSON", "1" if environment == "production" else "0") == "1"),
            trusted_proxies=tuple((get("TRUSTED_PROXIES", "") or "").replace(",", " ").split()),
        )

"""Settings: frozen groups read from ``REGISTRY_*`` variables, once, by the composition root.

Nothing here runs at import time: ``Settings.from_env()`` is called by ``create_app`` and the CLI,
and tests build ``Settings`` directly, so two apps with different settings can live in one process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: the database of a ``Settings`` built directly (tests); ``from_env`` puts it in the data directory
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/registry.db"


# ---- the data directory ---------------------------------------------------------------------------
# Where the embedded database and the signing keys live when no setting names them: one place
# whatever the working directory, so a command run from another folder finds the same database and
# keys and never starts a new empty database and new keys there. In order:
# 1. REGISTRY_DATA_DIR, made absolute once (relative to the folder it was given in);
# 2. in a source checkout (this package beside a pyproject.toml naming the project): its var/;
# 3. an installed package: $XDG_DATA_HOME/registry, by default ~/.local/share/registry.
# REGISTRY_DATABASE_URL and REGISTRY_KEYS_DIR still override the database and the keys.

#: the folder holding the ``registry`` package
_SOURCE = Path(__file__).resolve().parents[1]


def project_root(source: Path = _SOURCE) -> Path | None:
    """The checkout the package runs from, or None when it is installed (site-packages)."""
    pyproject = source / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return source if '\nname = "registry"\n' in text else None


def data_dir(configured: str | None, env: Mapping[str, str], source: Path = _SOURCE) -> Path:
    if configured:
        return Path(configured).expanduser().resolve()
    root = project_root(source)
    if root is not None:
        return root / "var"
    xdg = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(xdg).expanduser().resolve() / "registry"


def sqlite_url(directory: Path) -> str:
    """The embedded database in ``directory`` (an absolute path: four slashes after the scheme)."""
    return f"sqlite+aiosqlite:///{directory / 'registry.db'}"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = DEFAULT_DATABASE_URL
    #: a PostgreSQL streaming replica for public search, public pages and partner answers
    #: (``registry.db.replica``); None: every read on ``url``
    read_url: str | None = None
    pool_size: int = 10
    echo: bool = False
    #: seconds a new PostgreSQL connection may take before the attempt fails: an unreachable server
    #: then answers 503 in seconds, not after asyncpg's default of 60
    connect_timeout_seconds: float = 5.0
    #: seconds a request waits for a free pooled connection before 503 (SQLAlchemy's default is 30)
    pool_timeout_seconds: float = 10.0
    #: seconds a SQLite writer waits on another writer's lock (an import beside the server) before
    #: "database is locked", answered 503
    busy_timeout_seconds: float = 30.0
    #: the ``Retry-After`` of a 503 while the database is unreachable
    retry_after_seconds: int = 5
    #: partner query records kept in memory while they cannot be written (the database is down);
    #: beyond it partner answers are refused (503 query_log_full) rather than given unrecorded
    query_log_max_pending: int = 100_000

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
    #: how stale a worker's knowledge of revocations may get: while it cannot hear them (PostgreSQL
    #: NOTIFY down, or SQLite) it reads the accounts revoked since its last look at least this often
    revocation_check_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class LimitSettings:
    #: largest accepted request body; imports state this limit in their error
    max_upload_bytes: int = 50 * 1024 * 1024
    max_json_bytes: int = 2 * 1024 * 1024
    page_size_max: int = 500
    import_batch_rows: int = 1000
    #: JSON nested deeper than this is refused (400) before it is decoded: msgspec's own guard is
    #: Python's recursion limit, which turned a 1,000-deep body into a RecursionError (500)
    max_json_depth: int = 64


@dataclass(frozen=True, slots=True)
class UploadSettings:
    """What one CSV/XLSX upload may cost: an XLSX of 204 KiB unpacked to 200 MiB and held a worker
    for 11 minutes. Every file is read completely, off the event loop and against these limits,
    before a row is written; ``None`` lifts a limit (the CLI lifts the row count and the time)."""

    #: sum of the declared unpacked sizes of an XLSX's parts (a single part may not exceed it either)
    xlsx_max_unpacked_bytes: int = 100 * 1024 * 1024
    #: unpacked/packed size of one part above 1 MiB; real sheets pack 5-30:1, deflate bombs ~1000:1
    xlsx_max_ratio: int = 200
    #: parts (zip members) of an XLSX; a workbook has a dozen, a few hundred with many sheets
    xlsx_max_parts: int = 1000
    #: data rows (after the header) of one file, CSV or XLSX
    max_rows: int | None = 1_000_000
    #: columns holding a value; the widest file we read (credit events) has 43
    max_columns: int = 64
    #: characters in one cell: Excel's own limit
    max_cell_chars: int = 32_767
    #: characters in one CSV line (the csv module's own field limit)
    max_line_chars: int = 131_072
    #: seconds to read one file (checked per row); beyond it the upload is refused
    parse_seconds: float | None = 120.0


@dataclass(frozen=True, slots=True)
class ListingSettings:
    #: the statement period (陈述申辩期) a notice grants, in calendar days: 11号 leaves the count to
    #: "有关规定" [?]; 5 days follows common local practice and is set per deployment
    statement_days: int = 5
    #: how often the service's background task runs the sweep (expiry of listings and grades);
    #: 0 turns it off (``registry sweep`` from cron does the same work)
    sweep_interval_seconds: int = 3600


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """What each worker keeps of the answers it made, in entries; the memory they cost is measured
    in bench/RESULTS.md ("Memory of a worker under the mixed load"), about 6 KB a status answer and
    3.5 KB a public answer on the 10,000-unit bench (more for units with many events), and is the
    part of a worker's memory that grows with the subjects asked until these bounds."""

    #: signed partner status answers (each subject and audience; REGISTRY_STATUS_CACHE_SIZE)
    status_answers: int = 100_000
    #: signed public detail answers (each unit; REGISTRY_PUBLIC_CACHE_SIZE)
    public_answers: int = 20_000


@dataclass(frozen=True, slots=True)
class PublicSettings:
    #: requests per client address per minute on the public pages and API, across all workers
    #: (Redis) or in this process (embedded default); beyond it 429 with Retry-After
    rate_limit_per_minute: int = 120
    #: search results per page (the public search is capped and paginated)
    page_size: int = 20
    #: time budget of each statement of a public search (PostgreSQL); a search that needs more
    #: (a fragment common in names but clustered in one part of the register) answers 422
    #: ``too_broad`` asking for more of the name, instead of keeping a connection for seconds
    search_timeout_ms: int = 200


@dataclass(frozen=True, slots=True)
class RulesSettings:
    #: local packs enabled for more areas than their own text's (DOMAIN 8.9): pack family ->
    #: division-code prefixes. A local text applies only where it was issued; a province or city
    #: that adopts one says so here, and every outcome the pack orders there says
    #: ``enabled_by: configuration``. Unknown packs and bad prefixes stop the start.
    local_packs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: amounts a deployment sets for measures a local text orders without one (DOMAIN 8.9:
    #: Shenzhen gives no percentage): pack family -> outcome code -> {value, unit}, from the YAML
    #: file ``REGISTRY_RULES_LOCAL_AMOUNTS`` names. Checked at start (``rules.loader.configure``);
    #: every outcome so valued says ``value_configured``. Empty: the outcomes carry no amount.
    local_amounts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def parse_local_packs(value: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``REGISTRY_RULES_LOCAL_PACKS``: ``pack=prefix,prefix;pack=prefix`` inline, or the path of a
    YAML file mapping each pack to a list of prefixes (a file ends in .yaml or .yml)."""
    if value.endswith((".yaml", ".yml")):
        import yaml  # noqa: PLC0415 - only a deployment with a settings file needs it

        raw = yaml.safe_load(Path(value).read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(p, str | int) for p in v)
            for k, v in raw.items()
        ):
            raise ValueError(f"REGISTRY_RULES_LOCAL_PACKS: {value} must map each pack to a list of prefixes")
        return tuple(sorted((k, tuple(str(p) for p in v)) for k, v in raw.items()))
    out: dict[str, tuple[str, ...]] = {}
    for item in filter(None, (x.strip() for x in value.split(";"))):
        pack, sep, prefixes = item.partition("=")
        if not sep or not pack.strip():
            raise ValueError(f"REGISTRY_RULES_LOCAL_PACKS: {item!r} is not pack=prefix,prefix")
        out[pack.strip()] = tuple(p.strip() for p in prefixes.split(",") if p.strip())
    return tuple(sorted(out.items()))


def parse_local_amounts(value: str) -> dict[str, dict[str, dict[str, Any]]]:
    """``REGISTRY_RULES_LOCAL_AMOUNTS``: the path of a YAML file, e.g.
    ``shenzhen_incentives: {work_injury_rate_lowered: {value: 10, unit: percent_lower}}``."""
    if not value:
        return {}
    import yaml  # noqa: PLC0415 - only a deployment with a settings file needs it

    path = Path(value)
    if not path.is_file():
        raise ValueError(f"REGISTRY_RULES_LOCAL_AMOUNTS: {value} is not a file (a YAML file is expected)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, dict) and all(isinstance(c, str) for c in v) for k, v in raw.items()
    ):
        raise ValueError(f"REGISTRY_RULES_LOCAL_AMOUNTS: {value} must map each pack to outcome codes")
    return raw


@dataclass(frozen=True, slots=True)
class ReportSettings:
    #: yearly targets, percent of above-scale enterprises graded 三级 or better (seeds 001, 004)
    targets: tuple[tuple[int, str], ...] = ((2016, "50"), (2017, "70"), (2018, "100"))
    #: points deducted per step of ``step_points`` percentage points short (seed 004: 0.5 per 10)
    points_per_step: str = "0.5"
    step_points: str = "10"
    #: "whole": only full steps count; "started": a started step counts as a full one
    steps: str = "whole"


def parse_targets(value: str) -> tuple[tuple[int, str], ...]:
    """``REGISTRY_REPORT_TARGETS``: ``2016:50,2017:70,2018:100`` (year:percent)."""
    out = []
    for item in filter(None, (x.strip() for x in value.split(","))):
        year, sep, percent = item.partition(":")
        if not sep or not year.strip().isdigit() or not percent.strip().replace(".", "", 1).isdigit():
            raise ValueError(f"REGISTRY_REPORT_TARGETS: {item!r} is not year:percent")
        out.append((int(year), percent.strip()))
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The bureau console's sessions and sign-in (docs/security.md, "Console")."""

    #: a session unused this long ends
    session_idle_seconds: int = 1800
    #: a session ends this long after sign-in, however busy
    session_absolute_seconds: int = 12 * 3600
    #: failed sign-ins in a row that lock the account, and for how long
    signin_failures_before_lock: int = 5
    signin_lock_seconds: int = 900
    password_min_length: int = 12
    #: seconds the confirmation of an import waits for it before showing its progress page (a
    #: small file is done by then); tests set 0 to see the progress page
    import_wait_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str = "development"
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    keys: KeySettings = KeySettings()
    auth: AuthSettings = AuthSettings()
    limits: LimitSettings = LimitSettings()
    uploads: UploadSettings = UploadSettings()
    listings: ListingSettings = ListingSettings()
    public: PublicSettings = PublicSettings()
    caches: CacheSettings = CacheSettings()
    rules: RulesSettings = RulesSettings()
    reports: ReportSettings = ReportSettings()
    console: ConsoleSettings = ConsoleSettings()
    #: the transparency log's origin line (C2SP tlog-checkpoint): a schema-less URL naming the log
    log_origin: str = "registry.local/credit-log"
    log_level: str = "INFO"
    log_json: bool = False
    #: one JSON line per request (method, path, status, duration, request_id): REGISTRY_ACCESS_LOG=1
    access_log: bool = False
    #: seconds ``registry serve`` lets in-flight requests finish after SIGTERM before killing workers
    shutdown_seconds: int = 30
    #: the app refuses to start on an unmigrated database; tests of that refusal turn nothing off
    require_migrated: bool = True
    #: reverse proxies (addresses or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed;
    #: empty: the headers are never read, the peer is the client (rate limits count per client
    #: address, so behind a proxy that is not listed every client shares the proxy's counter)
    trusted_proxies: tuple[str, ...] = ()
    #: the embedded database, the keys and files the CLI writes (REGISTRY_DATA_DIR; see data_dir above)
    data_dir: Path = Path("var")
    #: TEST ONLY (REGISTRY_TEST_CLOCK_FILE, with REGISTRY_TEST_MODE=1): the services' clock reads an
    #: offset or an instant from this file on every read (``lib.test_clock``); refused otherwise
    test_clock_file: Path | None = None

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
        data = data_dir(get("DATA_DIR"), e)
        clock_file = get("TEST_CLOCK_FILE")
        if clock_file is not None and (get("TEST_MODE") != "1" or environment == "production"):
            raise ValueError(
                "REGISTRY_TEST_CLOCK_FILE is for tests only: it needs REGISTRY_TEST_MODE=1 and never runs in production"
            )
        return cls(
            environment=environment,
            database=DatabaseSettings(
                url=get("DATABASE_URL") or sqlite_url(data),
                read_url=get("DATABASE_READ_URL"),
                pool_size=int(get("DATABASE_POOL_SIZE", "10") or 10),
                echo=(get("DATABASE_ECHO", "0") == "1"),
                connect_timeout_seconds=float(get("DATABASE_CONNECT_TIMEOUT", "5") or 5),
                pool_timeout_seconds=float(get("DATABASE_POOL_TIMEOUT", "10") or 10),
                busy_timeout_seconds=float(get("DATABASE_BUSY_TIMEOUT", "30") or 30),
                retry_after_seconds=int(get("DATABASE_RETRY_AFTER", "5") or 5),
                query_log_max_pending=int(get("QUERY_LOG_MAX_PENDING", "100000") or 100_000),
            ),
            redis=RedisSettings(
                url=get("REDIS_URL"),
                prefix=get("REDIS_PREFIX", "registry:") or "registry:",
                retry_seconds=float(get("REDIS_RETRY_SECONDS", "3") or 3),
            ),
            keys=KeySettings(
                directory=Path(get("KEYS_DIR") or data / "keys"),
                passphrase=get("KEY_PASSPHRASE"),
                person_id_key=get("PERSON_ID_KEY"),
            ),
            auth=AuthSettings(
                issuer=get("TOKEN_ISSUER", "registry") or "registry",
                token_ttl_seconds=int(get("TOKEN_TTL_SECONDS", "900") or 900),
                token_failures_per_window=int(get("TOKEN_FAILURES_PER_ADDRESS", "20") or 20),
                token_failures_per_client=int(get("TOKEN_FAILURES_PER_CLIENT", "10") or 10),
                revocation_check_seconds=float(get("REVOCATION_CHECK_SECONDS", "1") or 1),
            ),
            limits=LimitSettings(
                max_upload_bytes=int(get("MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)) or 0),
                max_json_depth=int(get("MAX_JSON_DEPTH", "64") or 64),
            ),
            uploads=UploadSettings(
                xlsx_max_unpacked_bytes=int(get("XLSX_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024)) or 0),
                xlsx_max_ratio=int(get("XLSX_MAX_RATIO", "200") or 200),
                xlsx_max_parts=int(get("XLSX_MAX_PARTS", "1000") or 1000),
                max_rows=int(get("IMPORT_MAX_ROWS", "1000000") or 1_000_000),
                max_columns=int(get("IMPORT_MAX_COLUMNS", "64") or 64),
                max_cell_chars=int(get("IMPORT_MAX_CELL_CHARS", "32767") or 32_767),
                max_line_chars=int(get("IMPORT_MAX_LINE_CHARS", "131072") or 131_072),
                parse_seconds=float(get("IMPORT_PARSE_SECONDS", "120") or 120),
            ),
            listings=ListingSettings(
                statement_days=int(get("LISTING_STATEMENT_DAYS", "5") or 5),
                sweep_interval_seconds=int(get("SWEEP_INTERVAL_SECONDS", "3600") or 0),
            ),
            public=PublicSettings(
                rate_limit_per_minute=int(get("PUBLIC_RATE_LIMIT", "120") or 120),
                search_timeout_ms=int(get("PUBLIC_SEARCH_TIMEOUT_MS", "200") or 200),
            ),
            caches=CacheSettings(
                status_answers=int(get("STATUS_CACHE_SIZE", "100000") or 100_000),
                public_answers=int(get("PUBLIC_CACHE_SIZE", "20000") or 20_000),
            ),
            rules=RulesSettings(
                local_packs=parse_local_packs(get("RULES_LOCAL_PACKS", "") or ""),
                local_amounts=parse_local_amounts(get("RULES_LOCAL_AMOUNTS", "") or ""),
            ),
            reports=ReportSettings(
                targets=parse_targets(get("REPORT_TARGETS", "2016:50,2017:70,2018:100") or ""),
                points_per_step=get("REPORT_DEDUCTION_POINTS", "0.5") or "0.5",
                step_points=get("REPORT_DEDUCTION_STEP", "10") or "10",
                steps=get("REPORT_DEDUCTION_STEPS", "whole") or "whole",
            ),
            console=ConsoleSettings(
                session_idle_seconds=int(get("CONSOLE_IDLE_SECONDS", "1800") or 1800),
                session_absolute_seconds=int(get("CONSOLE_SESSION_SECONDS", "43200") or 43200),
                signin_failures_before_lock=int(get("CONSOLE_FAILURES_BEFORE_LOCK", "5") or 5),
                signin_lock_seconds=int(get("CONSOLE_LOCK_SECONDS", "900") or 900),
            ),
            log_origin=get("LOG_ORIGIN", "registry.local/credit-log") or "registry.local/credit-log",
            log_level=get("LOG_LEVEL", "INFO") or "INFO",
            log_json=(get("LOG_JSON", "1" if environment == "production" else "0") == "1"),
            access_log=(get("ACCESS_LOG", "0") == "1"),
            shutdown_seconds=int(get("SHUTDOWN_SECONDS", "30") or 30),
            trusted_proxies=tuple((get("TRUSTED_PROXIES", "") or "").replace(",", " ").split()),
            data_dir=data,
            test_clock_file=Path(clock_file) if clock_file is not None else None,
        )

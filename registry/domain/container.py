"""Builds the long-lived objects of one process (engines, store, keys, services) from settings.

Used by ``create_app`` and by the CLI, so both run the same wiring.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.db.engine import Database
from registry.domain.accounts.passwords import ConsoleSignIn, SignInPolicy
from registry.domain.accounts.second_factor import SecretBox, derive_key
from registry.domain.accounts.service import AccountService
from registry.domain.accounts.tokens import TokenService
from registry.domain.agencies.service import AgencyService
from registry.domain.disclosure.service import DisclosureService
from registry.domain.enterprises.service import EnterpriseService
from registry.domain.evaluation.reevaluation import ReevaluationService
from registry.domain.evaluation.service import EvaluationService
from registry.domain.events.service import EventService
from registry.domain.grades.schemes import load_grading_rules
from registry.domain.grades.service import GradeService
from registry.domain.imports.events import EventImporter
from registry.domain.imports.importer import EnterpriseImporter
from registry.domain.listings.service import ListingService
from registry.domain.partners.service import PartnerService
from registry.domain.persons.service import PersonService
from registry.domain.reports.service import ReportService, policy_of
from registry.domain.transparency import LogService
from registry.lib.clock import Clock, SystemClock
from registry.lib.fallback_store import make_store
from registry.lib.store import Store
from registry.lib.test_clock import FileClock
from registry.rules.loader import load as load_rulesets
from registry.settings import Settings
from registry.signing.keys import KeyRing, load_key_ring
from registry.signing.person_key import load_person_id_key


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    store: Store
    keys: KeyRing
    accounts: AccountService
    tokens: TokenService
    enterprises: EnterpriseService
    persons: PersonService
    agencies: AgencyService
    importer: EnterpriseImporter
    events: EventService
    event_importer: EventImporter
    grades: GradeService
    evaluation: EvaluationService
    reevaluation: ReevaluationService
    listings: ListingService
    log: LogService
    partners: PartnerService
    disclosure: DisclosureService
    reports: ReportService
    console: ConsoleSignIn

    async def sweep(self) -> dict[str, int]:
        """Expire what is due: listings at the end of their term, grades past valid_until."""
        return {"listings": await self.listings.sweep(), "grades": await self.grades.sweep()}

    async def close(self) -> None:
        await self.partners.freshness.stop()
        await self.partners.queries.close()
        await self.tokens.stop()
        await self.store.close()
        await self.db.dispose()


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or (FileClock(settings.test_clock_file) if settings.test_clock_file else SystemClock())
    db = Database(settings.database)
    store = make_store(settings.redis.url, settings.redis.prefix, settings.redis.retry_seconds)
    production = settings.is_production
    keys = load_key_ring(settings.keys.directory, settings.keys.passphrase, production=production)
    person_key = load_person_id_key(settings.keys.directory, settings.keys.person_id_key, production=production)
    accounts = AccountService(db, clock)
    persons = PersonService(db, clock, person_key)
    rulesets = load_rulesets(extensions=dict(settings.rules.local_packs), amounts=settings.rules.local_amounts)
    events = EventService(db, clock, rulesets)
    log = LogService(db, clock, keys, settings.log_origin)
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        store=store,
        keys=keys,
        accounts=accounts,
        tokens=TokenService(keys, settings.auth, accounts, db, clock),
        enterprises=EnterpriseService(db, clock),
        persons=persons,
        agencies=AgencyService(db, clock),
        importer=EnterpriseImporter(db, clock, settings.limits.import_batch_rows),
        events=events,
        event_importer=EventImporter(events, persons),
        grades=GradeService(db, clock, load_grading_rules()),
        evaluation=EvaluationService(db, clock, rulesets),
        reevaluation=ReevaluationService(db, clock, rulesets),
        listings=ListingService(db, clock, rulesets, settings.listings.statement_days),
        log=log,
        partners=PartnerService(
            db, clock, keys, rulesets, log, settings.database.url, cache_size=settings.caches.status_answers
        ),
        disclosure=DisclosureService(
            db,
            clock,
            keys,
            rulesets,
            log,
            settings.public.page_size,
            search_timeout_ms=settings.public.search_timeout_ms,
            cache_size=settings.caches.public_answers,
        ),
        reports=ReportService(db, clock, keys, policy_of(settings.reports)),
        console=ConsoleSignIn(
            db,
            clock,
            SignInPolicy(
                settings.console.signin_failures_before_lock,
                settings.console.signin_lock_seconds,
                settings.console.password_min_length,
            ),
            SecretBox(derive_key(person_key)),
        ),
    )

"""All tables; importing this module registers them on ``Base.metadata`` (Alembic reads it)."""

from registry.db.models.accounts import Account, Officer
from registry.db.models.agencies import Agency, AgencyQualification
from registry.db.models.audit import AuditEntry
from registry.db.models.base import Base
from registry.db.models.enterprises import Enterprise, EnterpriseAlias, EnterpriseName, OperatingDivision
from registry.db.models.events import CreditEvent
from registry.db.models.grades import Grade, GradeStep
from registry.db.models.listings import IdempotencyRecord, Listing, ListingStep, LogEntry, LogTile, RepairApplication
from registry.db.models.partners import PartnerFeedback, PartnerQuery, SubjectChange
from registry.db.models.persons import Person, PersonRole
from registry.db.models.reevaluation import DecisionChange, DecisionDigest, ReevaluationRun, ReevaluationSlice
from registry.db.models.reference import Authority, AuthorityName, Department
from registry.db.models.reports import ReportSummary

__all__ = [
    "Account",
    "Agency",
    "AgencyQualification",
    "AuditEntry",
    "Authority",
    "AuthorityName",
    "Base",
    "CreditEvent",
    "DecisionChange",
    "DecisionDigest",
    "Department",
    "Enterprise",
    "EnterpriseAlias",
    "EnterpriseName",
    "Grade",
    "GradeStep",
    "IdempotencyRecord",
    "Listing",
    "ListingStep",
    "LogEntry",
    "LogTile",
    "Officer",
    "OperatingDivision",
    "PartnerFeedback",
    "PartnerQuery",
    "Person",
    "PersonRole",
    "ReevaluationRun",
    "ReevaluationSlice",
    "RepairApplication",
    "ReportSummary",
    "SubjectChange",
]

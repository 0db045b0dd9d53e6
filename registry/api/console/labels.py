"""Chinese names of the codes the console shows (steps, statuses); a code without one shows as is."""

from __future__ import annotations

from typing import Any, Final

from registry.domain.desk import PENDING_ACTIONS
from registry.domain.grades.workflow import STATUSES as GRADE_STATUSES
from registry.domain.grades.workflow import STEP_NAMES
from registry.domain.listings.types import STATUSES as LISTING_STATUSES
from registry.domain.listings.types import STEP_NAMES as LISTING_STEP_NAMES
from registry.domain.vocabulary import ENTERPRISE_STATUSES

GRADE_STEPS: Final = STEP_NAMES
LISTING_STEPS: Final = LISTING_STEP_NAMES
LABELS: Final[dict[str, Any]] = {
    "grade_steps": GRADE_STEPS,
    "grade_statuses": GRADE_STATUSES,
    "listing_steps": LISTING_STEPS,
    "listing_statuses": LISTING_STATUSES,
    "enterprise_statuses": ENTERPRISE_STATUSES,
    "pending": PENDING_ACTIONS,
    "repair_statuses": {
        "pending": "待决定",
        "granted": "准予",
        "refused": "不予",
        "lapsed": "失效",
        "revoked": "已撤销",
    },
}

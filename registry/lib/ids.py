"""Request ids: UUIDs that partners cite in feedback and that link audit rows to answers."""

from __future__ import annotations

import uuid


def new_request_id() -> str:
    return str(uuid.uuid4())

"""Demo accounts keep the secret the credentials file gives them: created with it on a fresh
database, left alone (tokens valid) when it already signs in, reset to it when it does not."""

from __future__ import annotations

from typing import Any

import pytest

from registry.demo.accounts import DEMO_ACCOUNTS, ensure_account
from registry.domain.actors import system_actor
from registry.errors import InvalidClient


async def test_the_kept_secret_is_the_one_that_signs_in(services: Any) -> None:
    [spec] = [a for a in DEMO_ACCOUNTS if a.client_id == "demo-partner-mof"]
    actor = system_actor("demo")
    created = await ensure_account(services, actor, spec, "kept-secret-1")
    assert created.client_secret == "kept-secret-1"
    first = await services.accounts.authenticate(spec.client_id, "kept-secret-1")
    assert first.identity.department == "mof"

    again = await ensure_account(services, actor, spec, "kept-secret-1")
    assert again.client_secret == "kept-secret-1"
    same = await services.accounts.authenticate(spec.client_id, "kept-secret-1")
    assert same.token_version == first.token_version  # nothing reset: tokens issued before stay valid

    await ensure_account(services, actor, spec, "kept-secret-2")  # the file changed: reset to it
    with pytest.raises(InvalidClient):
        await services.accounts.authenticate(spec.client_id, "kept-secret-1")
    moved = await services.accounts.authenticate(spec.client_id, "kept-secret-2")
    assert moved.token_version == first.token_version + 1

    fresh = await ensure_account(services, actor, spec, None)  # not in the file: a new random one
    assert len(fresh.client_secret) >= 40
    await services.accounts.authenticate(spec.client_id, fresh.client_secret)

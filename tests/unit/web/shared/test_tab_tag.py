"""A tab's name in logs: a short digest of its client token, never the token itself."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any, cast

from smnb_app.web.shared.audit import client_label, tab_tag


def test_a_tab_is_named_by_a_short_digest_of_its_client_token() -> None:
    token = "6f1c2e9a-0000-4000-8000-000000000000"
    assert tab_tag(token) == hashlib.sha256(token.encode()).hexdigest()[:12]
    assert tab_tag(token) != tab_tag(token.upper()) and token not in tab_tag(token)


def test_a_token_that_is_not_utf_8_still_gets_a_name() -> None:
    assert len(tab_tag("tab\ud800")) == 12


def test_a_state_is_named_after_its_tab() -> None:
    state = SimpleNamespace(router=SimpleNamespace(session=SimpleNamespace(client_token="tab-1")))
    assert client_label(cast(Any, state)) == tab_tag("tab-1")

"""Error messages never echo the token, a secret, or the known key ids."""

from __future__ import annotations

from typing import Any

import pytest

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier, VerifierConfig
from tests.support.auth import issuer_for, signing_key
from tests.support.clock import FakeClock
from tests.support.jwks_server import JwksServer, Mode

SECRET = "sk_test_very_secret_value"


def assert_discreet(error: TokenVerificationError, token: str) -> None:
    text = f"{error} {error!r}"
    for fragment in (*token.split("."), SECRET, signing_key(0).kid, signing_key(1).kid):
        assert fragment not in text


@pytest.mark.parametrize("mode", [Mode.KEYS, Mode.UNAVAILABLE])
async def test_key_errors_do_not_echo_token_secret_or_kids(mode: Mode) -> None:
    clock = FakeClock()
    with JwksServer([signing_key(0)]) as server:
        server.mode = mode
        config = VerifierConfig(issuer=server.base_url, secret_key=SECRET, jwks_retry_backoff_s=())
        verifier = TokenVerifier(config, clock=clock)
        token = issuer_for(clock, key_index=1, issuer=server.base_url).issue()
        with pytest.raises(TokenVerificationError) as caught:
            await verifier.verify(token)
    expected = Reason.JWK_KID_MISMATCH if mode is Mode.KEYS else Reason.JWK_REMOTE_FAILED_TO_LOAD
    assert caught.value.reason == expected
    assert_discreet(caught.value, token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"remove": ("sub",)},
        {"extra": {"iss": "https://x"}},
        {"iat": 1},
        {"header": {"alg": "HS256"}},
    ],
)
async def test_token_errors_do_not_echo_the_token(overrides: dict[str, Any]) -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(**overrides)
    verifier = TokenVerifier(
        VerifierConfig(issuer="https://issuer.test", jwt_key=signing_key(0).public_pem()),
        clock=clock,
    )
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    assert caught.value.reason != Reason.TOKEN_INVALID_SIGNATURE
    assert_discreet(caught.value, token)


def test_every_reason_has_a_message() -> None:
    assert all(str(TokenVerificationError(reason)) for reason in Reason)
    assert len(Reason) == 14

"""Configuration: the key source, its errors, and that a PEM key means no HTTP at all."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier, VerifierConfig
from tests.support.auth import ISSUER, ec_private_key, issuer_for, pem_verifier, signing_key
from tests.support.clock import FakeClock
from tests.support.jwks_server import JwksServer


def test_jwks_url_defaults_to_the_issuers_well_known_path() -> None:
    config = VerifierConfig(issuer=ISSUER + "/")
    assert config.effective_jwks_url == ISSUER + "/.well-known/jwks.json"


def test_explicit_jwks_url_is_used() -> None:
    config = VerifierConfig(issuer=ISSUER, jwks_url="https://api.clerk.com/v1/jwks")
    assert config.effective_jwks_url == "https://api.clerk.com/v1/jwks"


@pytest.mark.parametrize("pem", ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", ""])
def test_invalid_pem_fails_to_resolve_at_construction(pem: str) -> None:
    with pytest.raises(TokenVerificationError) as caught:
        TokenVerifier(VerifierConfig(issuer=ISSUER, jwt_key=pem))
    assert caught.value.reason == Reason.JWK_FAILED_TO_RESOLVE


def test_non_rsa_pem_fails_to_resolve_at_construction() -> None:
    ec_pem = (
        ec_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(TokenVerificationError) as caught:
        TokenVerifier(VerifierConfig(issuer=ISSUER, jwt_key=ec_pem.decode()))
    assert caught.value.reason == Reason.JWK_FAILED_TO_RESOLVE


@pytest.mark.parametrize("issuer", ["", "   ", "not-a-url", "ftp://issuer.test"])
def test_no_pem_and_no_usable_jwks_url_fails_to_resolve(issuer: str) -> None:
    with pytest.raises(TokenVerificationError) as caught:
        TokenVerifier(VerifierConfig(issuer=issuer))
    assert caught.value.reason == Reason.JWK_FAILED_TO_RESOLVE


@pytest.mark.parametrize("layout", ["one-line", "escaped-newlines"])
async def test_pem_without_real_line_breaks_is_accepted(layout: str) -> None:
    pem = signing_key(0).public_pem().strip()
    squashed = pem.replace("\n", "") if layout == "one-line" else pem.replace("\n", "\\n")
    clock = FakeClock()
    verifier = pem_verifier(clock, jwt_key=squashed)
    assert (await verifier.verify(issuer_for(clock).issue(sub="user_pem"))).sub == "user_pem"


async def test_pem_key_ignores_kid_and_never_fetches() -> None:
    clock = FakeClock()
    with JwksServer([signing_key(0)]) as server:
        verifier = pem_verifier(clock, jwks_url=server.jwks_url)
        token = issuer_for(clock).issue(header={"kid": "unknown-kid"})
        assert (await verifier.verify(token)).sub.startswith("user_")
        assert server.hits == 0

"""The token issuer and its signing keys, as the dev identity provider uses them."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from smnb_app.auth.keys import parse_jwks
from smnb_app.providers.dev.issuer import SigningKey, TokenIssuer, jwks, new_session_id, new_user_id
from smnb_app.system.secure_files import UnsafeFileError
from tests.support.auth import (
    ISSUER,
    ORIGIN,
    decode_part,
    ec_private_key,
    pem_verifier,
    signing_key,
)
from tests.support.clock import FakeClock


def test_ids_have_clerk_prefixes_and_are_unique() -> None:
    users = {new_user_id() for _ in range(100)}
    sessions = {new_session_id() for _ in range(100)}
    assert all(re.fullmatch(r"user_[A-Za-z0-9]{27}", user) for user in users)
    assert all(re.fullmatch(r"sess_[A-Za-z0-9]{27}", session) for session in sessions)
    assert (len(users), len(sessions)) == (100, 100)


def test_issued_token_is_clerk_shaped() -> None:
    clock = FakeClock()
    issuer = TokenIssuer(ISSUER, signing_key(0), azp=ORIGIN, clock=clock)
    header, payload, _ = issuer.issue(name="Ada", email="ada@example.com", picture="https://img/a").split(".")
    assert decode_part(header) == {
        "alg": "RS256",
        "typ": "JWT",
        "kid": "test-key-0",
        "cat": "cl_B7d4PD111AAA",
    }
    claims = decode_part(payload)
    now = int(clock.now)
    assert {k: claims[k] for k in ("iss", "azp", "iat", "nbf", "exp", "v")} == {
        "iss": ISSUER,
        "azp": ORIGIN,
        "iat": now,
        "nbf": now - 10,
        "exp": now + 60,
        "v": 2,
    }
    assert (claims["name"], claims["email"], claims["picture"]) == (
        "Ada",
        "ada@example.com",
        "https://img/a",
    )
    assert claims["sub"].startswith("user_")
    assert claims["sid"].startswith("sess_")


def test_issued_token_verifies() -> None:
    clock = FakeClock()
    token = TokenIssuer(ISSUER, signing_key(0), azp=ORIGIN, clock=clock).issue(sub="user_1", sid="sess_1")
    claims = pem_verifier(clock, authorized_parties=(ORIGIN,)).verify_sync(token)
    assert (claims.sub, claims.sid, claims.iat, claims.exp) == (
        "user_1",
        "sess_1",
        clock.now,
        clock.now + 60,
    )


def test_override_knobs_shape_header_and_claims() -> None:
    issuer = TokenIssuer(ISSUER, signing_key(0), clock=FakeClock())
    token = issuer.issue(
        extra={"sts": "pending", "v": 1},
        remove=("nbf",),
        header={"typ": "x"},
        remove_header=("cat",),
    )
    header, payload, _ = token.split(".")
    claims = decode_part(payload)
    assert (decode_part(header)["typ"], "cat" in decode_part(header)) == ("x", False)
    assert (claims["sts"], claims["v"], "nbf" in claims, "azp" in claims) == (
        "pending",
        1,
        False,
        False,
    )


def test_generated_key_id_is_the_stable_thumbprint(tmp_path: Path) -> None:
    key = SigningKey.generate(key_size=2048)
    assert SigningKey.from_pem(key.private_pem()).kid == key.kid
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key.kid)


def test_load_or_create_creates_once_then_reloads(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "dev.pem"
    created = SigningKey.load_or_create(path)
    reloaded = SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert (reloaded.kid, reloaded.public_pem()) == (created.kid, created.public_pem())
    assert [p.name for p in path.parent.iterdir()] == ["dev.pem"]


def test_load_or_create_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "dev.pem"
    SigningKey.load_or_create(path)
    path.chmod(0o640)
    with pytest.raises(
        UnsafeFileError,
        match=r"SMNB_DEV_KEY_PATH: .*dev.pem is accessible by group or others; "
        r"run `chmod 600 .*dev.pem`",
    ):
        SigningKey.load_or_create(path, name="SMNB_DEV_KEY_PATH")


def test_jwks_publishes_verifiable_public_keys_only() -> None:
    document = jwks([signing_key(0), signing_key(1)])
    assert [entry["kid"] for entry in document["keys"]] == ["test-key-0", "test-key-1"]
    assert all(set(entry) == {"kty", "kid", "use", "alg", "n", "e"} for entry in document["keys"])
    assert set(parse_jwks(json.dumps(document).encode())) == {"test-key-0", "test-key-1"}


def test_from_pem_rejects_a_non_rsa_key() -> None:
    pem = ec_private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="no RSA private key"):
        SigningKey.from_pem(pem)

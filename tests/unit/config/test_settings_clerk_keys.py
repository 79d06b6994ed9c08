"""Clerk's key formats: publishable keys, PEM keys, secret keys and authorized parties."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from smnb_app.config.clerk import frontend_api_from_publishable_key
from smnb_app.config.settings import load_settings
from tests.support.auth import ec_private_key, signing_key
from tests.support.settings import publishable_key, settings_problems


@pytest.mark.parametrize(
    ("key", "host"),
    [
        ("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", "clerk.example.com"),
        (publishable_key("happy-otter-12.clerk.accounts.dev"), "happy-otter-12.clerk.accounts.dev"),
        (publishable_key("clerk.example.test"), "clerk.example.test"),
        (publishable_key("clerk.shop.example.com", "pk_live_"), "clerk.shop.example.com"),
        (publishable_key("clerk.example.test").rstrip("="), "clerk.example.test"),
    ],
)
def test_valid_test_and_live_keys_decode_to_their_frontend_api(key: str, host: str) -> None:
    assert frontend_api_from_publishable_key(key) == host


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("sk_test_Y2xlcmsuZXhhbXBsZS5jb20k", "must start with pk_test_ or pk_live_"),
        ("pk_prod_Y2xlcmsuZXhhbXBsZS5jb20k", "must start with pk_test_ or pk_live_"),
        ("Y2xlcmsuZXhhbXBsZS5jb20k", "must start with pk_test_ or pk_live_"),
        ("pk_test_not*base64!", "is not valid base64"),
        ("pk_test_" + base64.b64encode(b"\xff\xfe$").decode(), "is not valid base64"),
        ("pk_test_" + base64.b64encode(b"clerk.example.com").decode(), "followed by one '$'"),
        ("pk_test_" + base64.b64encode(b"clerk.$example.com$").decode(), "followed by one '$'"),
        ("pk_test_", "followed by one '$'"),
        (publishable_key("localhost"), "not a host name"),
        (publishable_key("clerk.example.com/path"), "not a host name"),
    ],
)
def test_malformed_publishable_key_is_refused_with_the_reason(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("$", r"\$")):
        frontend_api_from_publishable_key(key)


def test_malformed_publishable_key_stops_start_up_with_one_line() -> None:
    assert settings_problems({"CLERK_PUBLISHABLE_KEY": "pk_test_not*base64!"}) == [
        "CLERK_PUBLISHABLE_KEY: is not valid base64 after its prefix"
    ]


@pytest.mark.parametrize("layout", ["multi-line", "escaped-newlines", "one-line"])
def test_rsa_pem_key_is_accepted_in_every_layout_env_files_use(layout: str) -> None:
    pem = signing_key(0).public_pem().strip()
    value = {"multi-line": pem, "escaped-newlines": pem.replace("\n", "\\n"), "one-line": pem.replace("\n", "")}
    settings = load_settings(
        {"CLERK_PUBLISHABLE_KEY": publishable_key("clerk.example.com"), "CLERK_JWT_KEY": value[layout]}
    )
    assert settings.clerk_jwt_key is not None and "\\n" not in settings.clerk_jwt_key


def test_non_rsa_or_garbled_pem_key_is_refused() -> None:
    ec_pem = (
        ec_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    for pem in (ec_pem, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "ssh-rsa AAAA"):
        assert settings_problems(
            {"CLERK_PUBLISHABLE_KEY": publishable_key("clerk.example.com"), "CLERK_JWT_KEY": pem}
        ) == ["CLERK_JWT_KEY: expected an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)"]


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("pk_test_abc", "CLERK_SECRET_KEY: must start with sk_test_ or sk_live_"),
        ("sk_test_", "CLERK_SECRET_KEY: must start with sk_test_ or sk_live_"),
        ("sk_live_abc", "CLERK_SECRET_KEY: a test key and a live key cannot be mixed (check CLERK_PUBLISHABLE_KEY)"),
    ],
)
def test_bad_or_mismatched_secret_key_is_one_line(secret: str, expected: str) -> None:
    env = {"CLERK_PUBLISHABLE_KEY": publishable_key("clerk.example.com"), "CLERK_SECRET_KEY": secret}
    assert settings_problems(env) == [expected]


def test_authorized_parties_are_trimmed_origins() -> None:
    settings = load_settings(
        {
            "CLERK_PUBLISHABLE_KEY": publishable_key("clerk.example.com"),
            "CLERK_AUTHORIZED_PARTIES": " https://app.example.com/ ,http://localhost:3000,, ",
        }
    )
    assert settings.authorized_parties == ("https://app.example.com", "http://localhost:3000")


@pytest.mark.parametrize(
    "party", ["app.example.com", "https://app.example.com/path", "ftp://app.example.com", "https://app.example.com?x=1"]
)
def test_authorized_party_that_is_not_an_origin_is_refused(party: str) -> None:
    env = {"CLERK_PUBLISHABLE_KEY": publishable_key("clerk.example.com"), "CLERK_AUTHORIZED_PARTIES": party}
    assert settings_problems(env) == [
        f"CLERK_AUTHORIZED_PARTIES: {party!r} is not an origin like https://app.example.com"
    ]


@pytest.mark.parametrize("name", ["CLERK_JWT_ISSUER", "CLERK_JS_URL"])
def test_clerk_urls_must_be_http_urls(name: str) -> None:
    env = {"CLERK_PUBLISHABLE_KEY": publishable_key("clerk.example.com"), name: "clerk.example.com"}
    assert settings_problems(env) == [
        f"{name}: expected an http(s) URL such as https://clerk.example.com, got 'clerk.example.com'"
    ]


def test_webhook_signing_secret_must_be_whsec_and_base64() -> None:
    key = publishable_key("clerk.example.com")
    good = "whsec_" + base64.b64encode(b"s" * 24).decode()
    assert (
        load_settings({"CLERK_PUBLISHABLE_KEY": key, "CLERK_WEBHOOK_SIGNING_SECRET": good}).clerk_webhook_secret == good
    )
    assert load_settings({"CLERK_PUBLISHABLE_KEY": key}).clerk_webhook_secret is None
    for bad in ("s" * 30, "whsec_not-base64!", "whsec_" + base64.b64encode(b"short").decode()):
        assert settings_problems({"CLERK_PUBLISHABLE_KEY": key, "CLERK_WEBHOOK_SIGNING_SECRET": bad}) == [
            "CLERK_WEBHOOK_SIGNING_SECRET: expected the endpoint's signing secret, whsec_ and base64 "
            "(Clerk Dashboard > Webhooks > your endpoint > Signing Secret)"
        ]

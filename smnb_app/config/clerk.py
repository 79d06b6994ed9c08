"""Clerk's variables, key and URL formats, checked once at start-up.

The Clerk provider (`smnb_app.providers.clerk`) uses these constants and parsers too; they live
here because the settings, the bottom layer, check Clerk's variables.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from smnb_app.config.echo import shown
from smnb_app.config.values import http_url, text

# Clerk's React SDK, pinned: it decides which browser bundles (clerk-js 6 and the UI bundle of
# @clerk/ui 1) are loaded and how.
CLERK_REACT_PACKAGE = "@clerk/react@6.18.0"
DEFAULT_CLERK_API_URL = "https://api.clerk.com"
# Clerk's session tokens live a minute; the SDK refreshes them before they expire.
CLERK_TOKEN_LIFETIME_S = 60
WEBHOOK_SECRET_PREFIX = "whsec_"
_PUBLISHABLE_PREFIXES = ("pk_test_", "pk_live_")
_SECRET_PREFIXES = ("sk_test_", "sk_live_")
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]{1,5})?")
_EXAMPLE_URL = "https://clerk.example.com"


def frontend_api_from_publishable_key(key: str) -> str:
    """Decode the Frontend API host carried by a Clerk publishable key.

    Follows Clerk's own parser: the prefix, then standard base64 of the host and one `$`.

    Args:
        key: A key of the form `pk_test_<base64(host + "$")>` or `pk_live_...`.

    Returns:
        The Frontend API host, e.g. `clerk.example.com`.

    Raises:
        ValueError: If the prefix, the base64, the trailing `$` or the host is wrong.
    """
    prefix = next((p for p in _PUBLISHABLE_PREFIXES if key.startswith(p)), None)
    if prefix is None:
        raise ValueError("must start with pk_test_ or pk_live_")
    encoded = key[len(prefix) :]
    # binascii.Error, UnicodeDecodeError and base64's refusal of non-ASCII text are all ValueErrors.
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode()
    except ValueError:
        raise ValueError("is not valid base64 after its prefix") from None
    if not decoded.endswith("$") or "$" in decoded[:-1]:
        raise ValueError("does not encode a Frontend API host followed by one '$'")
    if not _HOST.fullmatch(decoded[:-1]):
        raise ValueError(f"encodes {shown(decoded[:-1])}, which is not a host name")
    return decoded[:-1]


def _rsa_public_key(pem: str) -> bool:
    try:
        return isinstance(load_pem_public_key(pem.strip().encode()), RSAPublicKey)
    except (ValueError, TypeError, UnsupportedAlgorithm):  # UnicodeError is a ValueError
        return False


def _clean(env: Mapping[str, str], name: str) -> str | None:
    return text(env, name) or None


def _check_keys(env: Mapping[str, str], problems: list[str]) -> tuple[str, str | None, str | None]:
    key = _clean(env, "CLERK_PUBLISHABLE_KEY") or ""
    if not key:
        problems.append("CLERK_PUBLISHABLE_KEY: required when SMNB_AUTH_PROVIDER=clerk")
    else:
        try:
            frontend_api_from_publishable_key(key)
        except ValueError as exc:
            problems.append(f"CLERK_PUBLISHABLE_KEY: {exc}")
    pem = _clean(env, "CLERK_JWT_KEY")
    pem = pem.replace("\\n", "\n") if pem else None
    if pem and not _rsa_public_key(pem):
        problems.append("CLERK_JWT_KEY: expected an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)")
    secret = _clean(env, "CLERK_SECRET_KEY")
    if secret and (not secret.startswith(_SECRET_PREFIXES) or len(secret) <= len("sk_test_")):
        problems.append("CLERK_SECRET_KEY: must start with sk_test_ or sk_live_")
    elif secret and not (secret.isascii() and secret.isprintable() and " " not in secret):
        # It travels in an Authorization header; the key itself is never echoed.
        problems.append("CLERK_SECRET_KEY: holds characters a Clerk key never has; copy it again from the Dashboard")
    elif secret and key.startswith(_PUBLISHABLE_PREFIXES) and secret[3:8] != key[3:8]:
        problems.append("CLERK_SECRET_KEY: a test key and a live key cannot be mixed (check CLERK_PUBLISHABLE_KEY)")
    return key, pem, secret


def read_clerk(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    """Read and check the Clerk variables, appending one line per problem to `problems`.

    Args:
        env: The environment.
        problems: Receives one line per bad, missing or inconsistent value.

    Returns:
        The cleaned values by `Settings` field (an unset URL is left out: its field's default
        applies); only meaningful when no problem was added.
    """
    key, pem, secret = _check_keys(env, problems)
    issuer = http_url(env, "CLERK_JWT_ISSUER", problems, example=_EXAMPLE_URL)
    api_url = http_url(env, "CLERK_API_URL", problems, example=_EXAMPLE_URL)
    if api_url and not secret:
        problems.append("CLERK_API_URL: only used with CLERK_SECRET_KEY, which is not set")
    values = {
        "clerk_publishable_key": key,
        "clerk_jwt_issuer": issuer,
        "clerk_jwt_key": pem,
        "clerk_secret_key": secret,
        "clerk_api_url": api_url,
        "clerk_js_url": http_url(env, "CLERK_JS_URL", problems, example=_EXAMPLE_URL),
        "clerk_ui_url": http_url(env, "CLERK_UI_URL", problems, example=_EXAMPLE_URL),
        "clerk_webhook_secret": _check_webhook_secret(env, problems),
    }
    return {field: value for field, value in values.items() if value is not None}


def _check_webhook_secret(env: Mapping[str, str], problems: list[str]) -> str | None:
    secret = _clean(env, "CLERK_WEBHOOK_SIGNING_SECRET")
    if secret is None:
        return None
    encoded = secret.removeprefix(WEBHOOK_SECRET_PREFIX)
    try:
        valid = secret.startswith(WEBHOOK_SECRET_PREFIX) and len(base64.b64decode(encoded, validate=True)) >= 16
    except ValueError:
        valid = False
    if not valid:
        problems.append(
            "CLERK_WEBHOOK_SIGNING_SECRET: expected the endpoint's signing secret, whsec_ and base64 "
            "(Clerk Dashboard > Webhooks > your endpoint > Signing Secret)"
        )
    return secret

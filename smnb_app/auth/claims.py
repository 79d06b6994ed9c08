"""Claim rules of a session token whose signature is already verified."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from smnb_app.auth.config import VerifierConfig
from smnb_app.auth.errors import Reason, TokenVerificationError

MACHINE_SUBJECT_PREFIX = "mch_"


def token_identifier(issuer: str, subject: str) -> str:
    """The stable key of a user: `issuer|subject`, the issuer without a trailing slash.

    Args:
        issuer: The verified `iss` (or the configured issuer).
        subject: The verified `sub` (the provider's user id).

    Returns:
        The key stored in `users.token_identifier`.
    """
    return f"{issuer.rstrip('/')}|{subject}"


@dataclass(frozen=True, slots=True)
class SessionClaims:
    """The verified identity carried by a session token.

    Attributes:
        sub: The user id (`user_...`).
        sid: The session id (`sess_...`).
        iss: The issuer, as written in the token.
        azp: The authorized party (origin), when the token names one as a string.
        exp: Expiry time (epoch seconds).
        iat: Issued-at time, when present.
        nbf: Not-before time, when present.
        name: `name`, else the given and family names joined, else None.
        email: `email`, `primary_email_address` or `email_address`, else None.
        picture: `picture` or `image_url`, else None.
        payload: Every claim of the token, read-only.
    """

    sub: str
    sid: str
    iss: str
    azp: str | None
    exp: float
    iat: float | None
    nbf: float | None
    name: str | None
    email: str | None
    picture: str | None
    payload: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def token_identifier(self) -> str:
        """`issuer|subject`, the stable identity key (see `token_identifier`)."""
        return token_identifier(self.iss, self.sub)


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """What `check_claims` accepts, prepared once from a `VerifierConfig`."""

    issuer: str
    parties: frozenset[str]
    skew: float
    accept_pending: bool

    @classmethod
    def from_config(cls, config: VerifierConfig) -> ClaimRules:
        """Prepare the rules of `config`."""
        return cls(
            issuer=config.issuer.rstrip("/"),
            parties=frozenset(config.authorized_parties),
            skew=config.clock_skew_s,
            accept_pending=config.accept_pending,
        )


def check_claims(payload: dict[str, Any], rules: ClaimRules, now: float) -> SessionClaims:
    """Apply the claim rules in Clerk's order and build the claims.

    Reasons for malformed claims: `sub` missing, empty or not a string is `token-invalid`;
    `sub` starting with `mch_` (a machine) is `token-type-mismatch`; `sid` missing, empty or not
    a string is `token-invalid`; `iss` missing, not a string or different is
    `token-invalid-issuer`; with parties configured, `azp` missing, empty, not a string or not
    exactly one of them is `token-invalid-authorized-parties` (without parties a non-string
    `azp` is ignored); `exp` missing or not a finite number (booleans, strings and null
    included), and `nbf`/`iat` present but not finite numbers, are
    `token-verification-failed`; `sts` equal to `pending` is `token-session-pending` unless
    pending sessions are accepted.

    Args:
        payload: The claims of a token whose signature is valid.
        rules: The accepted issuer, parties, skew and pending policy.
        now: The current time (epoch seconds).

    Returns:
        The verified claims.

    Raises:
        TokenVerificationError: With the reason of the first rule that fails.
    """
    sub = payload.get("sub")
    if type(sub) is not str or not sub:
        raise TokenVerificationError(Reason.TOKEN_INVALID, "The token has no subject (sub).")
    if sub.startswith(MACHINE_SUBJECT_PREFIX):
        raise TokenVerificationError(Reason.TOKEN_TYPE_MISMATCH)
    sid = payload.get("sid")
    if type(sid) is not str or not sid:
        raise TokenVerificationError(Reason.TOKEN_INVALID, "The token has no session id (sid).")
    iss = payload.get("iss")
    if type(iss) is not str or iss.rstrip("/") != rules.issuer:
        raise TokenVerificationError(Reason.TOKEN_INVALID_ISSUER)
    azp = payload.get("azp")
    if type(azp) is not str:
        azp = None
    if rules.parties and azp not in rules.parties:
        raise TokenVerificationError(Reason.TOKEN_INVALID_AUTHORIZED_PARTIES)
    exp = _number(payload, "exp")
    if exp is None:
        raise TokenVerificationError(Reason.TOKEN_VERIFICATION_FAILED, "The token has no expiry (exp).")
    _check_exp(exp, now, rules.skew)
    nbf = _number(payload, "nbf")
    _check_nbf(nbf, now, rules.skew)
    iat = _number(payload, "iat")
    _check_iat(iat, now, rules.skew)
    if payload.get("sts") == "pending" and not rules.accept_pending:
        raise TokenVerificationError(Reason.TOKEN_SESSION_PENDING)
    return SessionClaims(
        sub=sub,
        sid=sid,
        iss=iss,
        azp=azp,
        exp=exp,
        iat=iat,
        nbf=nbf,
        name=_name(payload),
        email=_first_text(payload, "email", "primary_email_address", "email_address"),
        picture=_first_text(payload, "picture", "image_url"),
        payload=MappingProxyType(payload),
    )


def check_times(claims: SessionClaims, now: float, skew: float) -> None:
    """Re-apply the time rules (`exp`, then `nbf`, then `iat`) to already verified claims.

    Args:
        claims: Claims verified earlier.
        now: The current time (epoch seconds).
        skew: The clock skew allowed, in seconds.

    Raises:
        TokenVerificationError: `token-expired`, `token-not-active-yet` or
            `token-iat-in-the-future`.
    """
    _check_exp(claims.exp, now, skew)
    _check_nbf(claims.nbf, now, skew)
    _check_iat(claims.iat, now, skew)


def _check_exp(exp: float, now: float, skew: float) -> None:
    if exp <= now - skew:
        raise TokenVerificationError(Reason.TOKEN_EXPIRED)


def _check_nbf(nbf: float | None, now: float, skew: float) -> None:
    if nbf is not None and nbf > now + skew:
        raise TokenVerificationError(Reason.TOKEN_NOT_ACTIVE_YET)


def _check_iat(iat: float | None, now: float, skew: float) -> None:
    if iat is not None and iat > now + skew:
        raise TokenVerificationError(Reason.TOKEN_IAT_IN_THE_FUTURE)


def _number(payload: dict[str, Any], name: str) -> float | None:
    """The claim as a number, None when absent; present but not a finite number fails."""
    if name not in payload:
        return None
    value = payload[name]
    # bool is an int subtype, so types are compared exactly.
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return value
    raise TokenVerificationError(Reason.TOKEN_VERIFICATION_FAILED)


def _first_text(payload: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = payload.get(name)
        if type(value) is str and value:
            return value
    return None


def _name(payload: dict[str, Any]) -> str | None:
    full = _first_text(payload, "name")
    if full is not None:
        return full
    parts = (
        _first_text(payload, "first_name", "given_name"),
        _first_text(payload, "last_name", "family_name"),
    )
    return " ".join(part for part in parts if part) or None

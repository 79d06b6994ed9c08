"""Why a token was rejected: the reason codes and the exception that carries them."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Reason codes of `TokenVerificationError`, spelled as Clerk's verifier spells them."""

    TOKEN_INVALID = "token-invalid"
    TOKEN_INVALID_ALGORITHM = "token-invalid-algorithm"
    TOKEN_INVALID_SIGNATURE = "token-invalid-signature"
    TOKEN_VERIFICATION_FAILED = "token-verification-failed"
    TOKEN_TYPE_MISMATCH = "token-type-mismatch"
    TOKEN_INVALID_ISSUER = "token-invalid-issuer"
    TOKEN_INVALID_AUTHORIZED_PARTIES = "token-invalid-authorized-parties"
    TOKEN_EXPIRED = "token-expired"
    TOKEN_NOT_ACTIVE_YET = "token-not-active-yet"
    TOKEN_IAT_IN_THE_FUTURE = "token-iat-in-the-future"
    TOKEN_SESSION_PENDING = "token-session-pending"
    JWK_KID_MISMATCH = "jwk-kid-mismatch"
    JWK_REMOTE_FAILED_TO_LOAD = "jwk-remote-failed-to-load"
    JWK_FAILED_TO_RESOLVE = "jwk-failed-to-resolve"


# Fixed texts: a message must never echo the token, a secret or the known key ids.
_MESSAGES: dict[Reason, str] = {
    Reason.TOKEN_INVALID: "The token is malformed or misses a required claim.",
    Reason.TOKEN_INVALID_ALGORITHM: "The token is not signed with RS256.",
    Reason.TOKEN_INVALID_SIGNATURE: "The token signature is invalid.",
    Reason.TOKEN_VERIFICATION_FAILED: "A time claim of the token is not a number.",
    Reason.TOKEN_TYPE_MISMATCH: "The token is not a session token.",
    Reason.TOKEN_INVALID_ISSUER: "The token was issued by an unexpected issuer.",
    Reason.TOKEN_INVALID_AUTHORIZED_PARTIES: "The token's authorized party (azp) is not allowed.",
    Reason.TOKEN_EXPIRED: "The token has expired.",
    Reason.TOKEN_NOT_ACTIVE_YET: "The token is not valid yet (nbf is in the future).",
    Reason.TOKEN_IAT_IN_THE_FUTURE: "The token's issued-at time (iat) is in the future.",
    Reason.TOKEN_SESSION_PENDING: "The session of this token is still pending.",
    Reason.JWK_KID_MISMATCH: "No signing key matches the token's key id (kid).",
    Reason.JWK_REMOTE_FAILED_TO_LOAD: "The signing keys (JWKS) could not be loaded.",
    Reason.JWK_FAILED_TO_RESOLVE: "No usable signing key is configured.",
}


class TokenVerificationError(Exception):
    """A token was rejected, or no key could be obtained to check it.

    Attributes:
        reason: The machine-readable `Reason`; compares equal to its string value.
    """

    def __init__(self, reason: Reason, message: str | None = None) -> None:
        """Create the error.

        Args:
            reason: Why verification failed.
            message: A human explanation; defaults to the fixed text of `reason`. Callers must
                never put the token, a secret or key ids into it.
        """
        self.reason = reason
        super().__init__(message or _MESSAGES[reason])

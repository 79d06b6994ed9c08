"""`TokenVerifier`: checks Clerk-shaped RS256 session tokens against a PEM key or a JWKS."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256

from smnb_app.auth.cache import VerifiedTokenCache
from smnb_app.auth.claims import ClaimRules, SessionClaims, check_claims, check_times
from smnb_app.auth.config import VerifierConfig
from smnb_app.auth.errors import Reason, TokenVerificationError
from smnb_app.auth.jwks import JwksKeySource
from smnb_app.auth.jws import MAX_TOKEN_LENGTH, ParsedToken, parse_token
from smnb_app.auth.keys import PemKeySource

_PADDING = PKCS1v15()
_SHA256 = SHA256()


@dataclass(frozen=True)
class _KeyNeeded:
    """The checks of a token that remain once the key `kid` is fetched (`then`, with the key)."""

    kid: str | None
    then: Callable[[RSAPublicKey], SessionClaims]


class TokenVerifier:
    """Verifies session tokens in Clerk's order of checks and remembers the ones that passed.

    Order: form, header (`alg`, `typ`, `cat`), key by `kid`, signature, then the claims (see
    `check_claims`). A token verified before skips to the time rules, re-applied on every check.
    """

    def __init__(
        self,
        config: VerifierConfig,
        *,
        clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """Create a verifier; configuration errors surface here, not at the first token.

        Args:
            config: Key source and claim rules.
            clock: Returns the current time in epoch seconds.
            http: A client for JWKS fetches, left open; when None each fetch uses a short-lived
                client of its own. Unused with `jwt_key`.

        Raises:
            TokenVerificationError: `jwk-failed-to-resolve` when `jwt_key` is not an RSA public
                key, or when there is no `jwt_key` and no absolute http(s) JWKS URL.
        """
        self._config = config
        self._clock = clock
        self._rules = ClaimRules.from_config(config)
        self._verified = VerifiedTokenCache(config.verified_cache_size)
        self._keys: PemKeySource | JwksKeySource
        if config.jwt_key is not None:
            self._keys = PemKeySource(config.jwt_key)
        elif config.jwks_url_is_resolvable:
            self._keys = JwksKeySource(config, clock=clock, http=http)
        else:
            raise TokenVerificationError(
                Reason.JWK_FAILED_TO_RESOLVE, "Neither jwt_key nor a usable JWKS URL is configured."
            )

    @property
    def config(self) -> VerifierConfig:
        """The configuration this verifier was built with."""
        return self._config

    async def verify(self, token: str) -> SessionClaims:
        """Verify a session token; never blocks the event loop on I/O.

        Args:
            token: The compact JWT; any other object is refused as `token-invalid`.

        Returns:
            The verified claims.

        Raises:
            TokenVerificationError: With the reason of the first failed check.
        """
        outcome = self._check(token)
        if isinstance(outcome, _KeyNeeded):
            return outcome.then(await self._keys.get(outcome.kid))
        return outcome

    def verify_sync(self, token: str) -> SessionClaims:
        """Verify a session token from synchronous code; blocks while the JWKS is fetched.

        Args:
            token: The compact JWT; any other object is refused as `token-invalid`.

        Returns:
            The verified claims.

        Raises:
            TokenVerificationError: With the reason of the first failed check.
        """
        outcome = self._check(token)
        if isinstance(outcome, _KeyNeeded):
            return outcome.then(self._keys.get_sync(outcome.kid))
        return outcome

    async def aclose(self) -> None:
        """Release resources; there are none to release today.

        The verifier keeps no connection open (each JWKS fetch uses a short-lived client, and an
        injected client stays the caller's), so one instance may serve several event loops.
        This exists so that callers may treat the verifier as an async resource regardless.
        """

    def _check(self, token: str) -> SessionClaims | _KeyNeeded:
        """Every check of `token` that needs no I/O; the rest waits for a key not yet cached."""
        digest = _digest(token)
        claims = self._recheck(digest)
        if claims is not None:
            return claims
        parsed = parse_token(token)
        key = self._keys.cached(parsed.kid)
        if key is None:
            return _KeyNeeded(parsed.kid, partial(self._finish, digest, parsed))
        return self._finish(digest, parsed, key)

    def _recheck(self, digest: bytes) -> SessionClaims | None:
        claims = self._verified.get(digest)
        if claims is None:
            return None
        try:
            check_times(claims, self._clock(), self._rules.skew)
        except TokenVerificationError as error:
            if error.reason is Reason.TOKEN_EXPIRED:
                self._verified.discard(digest)
            raise
        return claims

    def _finish(self, digest: bytes, parsed: ParsedToken, key: RSAPublicKey) -> SessionClaims:
        try:
            key.verify(parsed.signature, parsed.signing_input, _PADDING, _SHA256)
        except InvalidSignature:
            raise TokenVerificationError(Reason.TOKEN_INVALID_SIGNATURE) from None
        claims = check_claims(parsed.payload, self._rules, self._clock())
        self._verified.put(digest, claims)
        return claims


def _digest(token: str) -> bytes:
    """The cache key of a token; hashing is skipped for input that cannot be a token.

    A token is ASCII, so anything else (a lone surrogate, which cannot even be encoded,
    included) is refused here and the encoding below cannot fail.
    """
    if type(token) is not str or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    return hashlib.sha256(token.encode("ascii")).digest()

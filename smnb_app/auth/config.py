"""Settings of the token verifier."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class VerifierConfig:
    """How `TokenVerifier` finds keys and which claims it accepts.

    Attributes:
        issuer: The expected `iss`; a trailing slash on either side is ignored.
        jwks_url: Where to fetch the JWKS; defaults to `issuer + "/.well-known/jwks.json"`.
        jwt_key: A PEM public key. When set, verification is networkless: no HTTP at all.
        secret_key: Sent as `Authorization: Bearer <secret_key>` to the JWKS URL (Clerk's
            Backend API `/v1/jwks` needs it).
        authorized_parties: Accepted `azp` values; empty accepts any `azp`, or none.
        clock_skew_s: Leeway for `exp`, `nbf` and `iat`.
        jwks_ttl_s: How long fetched keys are used before they are refetched.
        jwks_refetch_cooldown_s: Minimum time between two JWKS fetch attempts, so tokens
            with unknown key ids cannot cause a fetch storm.
        jwks_max_stale_s: How long after the last successful fetch cached keys keep serving
            while refetches fail.
        accept_pending: Accept tokens of sessions whose `sts` is `pending`.
        http_timeout_s: Timeout of one JWKS request.
        jwks_retry_backoff_s: Pauses between the attempts of one JWKS fetch; one attempt
            more than pauses is made.
        verified_cache_size: How many verified tokens are remembered.
    """

    issuer: str
    jwks_url: str | None = None
    jwt_key: str | None = None
    secret_key: str | None = None
    authorized_parties: tuple[str, ...] = ()
    clock_skew_s: float = 5.0
    jwks_ttl_s: float = 300
    jwks_refetch_cooldown_s: float = 10
    jwks_max_stale_s: float = 3600
    accept_pending: bool = False
    http_timeout_s: float = 5.0
    jwks_retry_backoff_s: tuple[float, ...] = (0.05, 0.2)
    verified_cache_size: int = 10_000

    @property
    def effective_jwks_url(self) -> str:
        """The JWKS URL in use: `jwks_url`, else derived from `issuer`."""
        if self.jwks_url:
            return self.jwks_url
        return self.issuer.rstrip("/") + JWKS_PATH

    @property
    def jwks_url_is_resolvable(self) -> bool:
        """Whether `effective_jwks_url` is an absolute http(s) URL with a host."""
        try:
            url = httpx.URL(self.effective_jwks_url)
        except httpx.InvalidURL:
            return False
        return url.scheme in ("http", "https") and bool(url.host)

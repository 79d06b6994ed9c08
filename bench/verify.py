"""Cost per token of `TokenVerifier` against a raw RSA verify and Clerk's Python SDK.

Run with `.venv/bin/python -m bench.verify`. Prints the median cost per token, in microseconds,
of: a raw RSA-2048 PKCS#1 v1.5 SHA-256 verify (the floor), this verifier on tokens it has never
seen (PEM key), this verifier re-checking tokens it has seen, and `clerk_backend_api`'s
`verify_token` with `jwt_key` on the same tokens. The last line holds the ratios.

The four contenders take turns on every token, so a change in machine load hits them alike,
and the median per token leaves out the samples a preemption inflated.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from base64 import urlsafe_b64decode

from clerk_backend_api.security.types import VerifyTokenOptions
from clerk_backend_api.security.verifytoken import verify_token
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from smnb_app.auth import TokenVerifier, VerifierConfig
from smnb_app.providers.dev.issuer import SigningKey, TokenIssuer

ISSUER = "https://dev-issuer.example"
ORIGIN = "http://localhost:3000"
TOKENS = 400
ROUNDS = 10


def make_tokens(key: SigningKey) -> list[str]:
    """Distinct Clerk-shaped session tokens valid for an hour."""
    issuer = TokenIssuer(ISSUER, key, azp=ORIGIN, lifetime_s=3600)
    return [issuer.issue(name="Bench User", email="bench@example.com") for _ in range(TOKENS)]


def signature_parts(token: str) -> tuple[bytes, bytes]:
    """The decoded signature and the signing input of a token, for the raw verify."""
    signing_input, _, signature = token.rpartition(".")
    return urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), signing_input.encode()


async def measure(key: SigningKey, tokens: list[str]) -> dict[str, list[int]]:
    """Nanoseconds per token for each contender, `ROUNDS` samples per token."""
    config = VerifierConfig(issuer=ISSUER, jwt_key=key.public_pem(), authorized_parties=(ORIGIN,))
    options = VerifyTokenOptions(jwt_key=key.public_pem(), authorized_parties=[ORIGIN])
    public_key, padding, digest = key.private_key.public_key(), PKCS1v15(), SHA256()
    raw_inputs = [signature_parts(token) for token in tokens]
    seen = TokenVerifier(config)
    for token in tokens:
        if (await seen.verify(token)).sub != verify_token(token, options)["sub"]:
            raise SystemExit("the Clerk SDK and this verifier disagree on a token")
    samples: dict[str, list[int]] = {"raw": [], "first": [], "cached": [], "clerk": []}
    now = time.perf_counter_ns
    for _ in range(ROUNDS):
        fresh = TokenVerifier(config)
        for token, (signature, signing_input) in zip(tokens, raw_inputs, strict=True):
            start = now()
            public_key.verify(signature, signing_input, padding, digest)
            raw_done = now()
            await fresh.verify(token)
            first_done = now()
            await seen.verify(token)
            cached_done = now()
            verify_token(token, options)
            clerk_done = now()
            samples["raw"].append(raw_done - start)
            samples["first"].append(first_done - raw_done)
            samples["cached"].append(cached_done - first_done)
            samples["clerk"].append(clerk_done - cached_done)
    return samples


def main() -> None:
    """Measure and print the four costs and their ratios."""
    key = SigningKey.generate()
    samples = asyncio.run(measure(key, make_tokens(key)))
    raw, first, cached, clerk = (
        statistics.median(samples[name]) / 1000 for name in ("raw", "first", "cached", "clerk")
    )
    print(f"tokens={TOKENS} rounds={ROUNDS} (median microseconds per token)")
    print(f"raw RSA-2048 PKCS1v15-SHA256 verify: {raw:8.2f}")
    print(f"TokenVerifier, first-seen token:     {first:8.2f}")
    print(f"TokenVerifier, cached re-check:      {cached:8.2f}")
    print(f"clerk_backend_api verify_token:      {clerk:8.2f}")
    ratios = f"first/raw={first / raw:.2f} cached/raw={cached / raw:.2f}"
    print(f"{ratios} clerk_sdk/first={clerk / first:.2f}")


if __name__ == "__main__":
    main()

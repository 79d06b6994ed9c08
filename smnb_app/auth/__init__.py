"""Auth core: verifies Clerk-shaped session tokens (the dev provider's issuer signs its own, in `providers/dev`).

Imports neither Reflex nor SQLModel, so it can be used and tested on its own.
"""

from smnb_app.auth.claims import SessionClaims, token_identifier
from smnb_app.auth.config import VerifierConfig
from smnb_app.auth.errors import Reason, TokenVerificationError
from smnb_app.auth.verifier import TokenVerifier

__all__ = [
    "Reason",
    "SessionClaims",
    "TokenVerificationError",
    "TokenVerifier",
    "VerifierConfig",
    "token_identifier",
]

"""AuthState's pure rules: which pages are protected, what a rejection says, the user's shape."""

from __future__ import annotations

import dataclasses
import hashlib
from urllib.parse import urlencode

from smnb_app.net.next_path import SIGN_IN_PATH

PROTECTED_PATHS = ("/dashboard", "/sessions")
_REJECTED = "Your sign-in could not be verified ({reason}). Please sign in again."
_KEYS_UNAVAILABLE = "The sign-in service's keys could not be loaded ({reason}). Try again in a moment."


@dataclasses.dataclass(frozen=True)
class ClerkUser:
    """The identity provider's view of the user, shaped like Clerk's `useUser()`."""

    id: str = ""
    full_name: str = ""
    primary_email_address: str = ""
    image_url: str = ""


def rejection_message(reason: str) -> str:
    """The user-facing text for a verifier rejection reason.

    Args:
        reason: A `TokenVerificationError.reason`.

    Returns:
        A sentence that names the reason but never the token.
    """
    template = _KEYS_UNAVAILABLE if reason.startswith("jwk-remote") else _REJECTED
    return template.format(reason=reason)


def token_digest(token: object) -> str:
    """The fingerprint a tab keeps of its current token (never the token itself).

    Args:
        token: What the browser sent.

    Returns:
        The SHA-256 hex digest of a string token, "" for anything else.
    """
    if not isinstance(token, str) or not token:
        return ""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def sign_in_url(path: str, query: str) -> str:
    """The sign-in page, coming back to `path?query` afterwards.

    Args:
        path: The protected page's path.
        query: Its query string, without the `?`.

    Returns:
        `/sign-in?next=...`, with `next` percent-encoded (slashes kept) so its own query survives.
    """
    target = path + (f"?{query}" if query else "")
    return f"{SIGN_IN_PATH}?{urlencode({'next': target}, safe='/')}"


def is_protected(path: str) -> bool:
    """Whether a page's path needs a signed-in user.

    Args:
        path: The path as the router gives it.

    Returns:
        True for the dashboard and the sessions page.
    """
    return path.rstrip("/") in PROTECTED_PATHS

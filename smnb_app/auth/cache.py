"""A bounded memory of verified tokens, so a re-check skips the RSA work."""

from __future__ import annotations

from collections import OrderedDict

from smnb_app.auth.claims import SessionClaims


class VerifiedTokenCache:
    """Least-recently-used map from a token digest to the claims it verified to."""

    def __init__(self, max_entries: int = 10_000) -> None:
        """Create an empty cache.

        Args:
            max_entries: How many tokens are remembered; the least recently used go first.
        """
        self._max_entries = max_entries
        self._entries: OrderedDict[bytes, SessionClaims] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes) -> SessionClaims | None:
        """The claims remembered for `digest`, marking them recently used."""
        claims = self._entries.get(digest)
        if claims is not None:
            self._entries.move_to_end(digest)
        return claims

    def put(self, digest: bytes, claims: SessionClaims) -> None:
        """Remember `claims` for `digest`, evicting the least recently used beyond the bound."""
        self._entries[digest] = claims
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def discard(self, digest: bytes) -> None:
        """Forget `digest`, if remembered."""
        self._entries.pop(digest, None)

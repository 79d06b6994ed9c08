"""How a refused setting is quoted in its problem line: short, escaped, and without a password."""

from __future__ import annotations

import re

ECHO_LIMIT = 80
CUT_MARKER = "..."
HIDDEN = "***"
# libpq and most URL-based clients also take a password as a query parameter.
_PASSWORD_PARAMETER = re.compile(r"(?i)((?:^|[?&;])(?:password|passwd|pwd)=)[^&;#]*")


def without_password(value: str) -> str:
    """`value` with the password of its userinfo (`user:password@`) and `password=` parameters hidden.

    The userinfo ends at the last `@`, so a password holding an unescaped `@`, `/` or `:` is
    hidden whole; when a later `@` (in a path or query) moves that end, more is hidden, never less.

    Args:
        value: Any setting's text, a URL or not.

    Returns:
        The text with each password replaced by `***`.
    """
    scheme_end = value.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = value.rfind("@")
    if at > start and ":" in value[start:at]:
        user = value[start:at].split(":", 1)[0]
        value = f"{value[:start]}{user}:{HIDDEN}{value[at:]}"
    return _PASSWORD_PARAMETER.sub(rf"\g<1>{HIDDEN}", value)


def shown(value: str) -> str:
    """`value` as a problem line quotes it: password hidden, cut to 80 characters, escaped (repr).

    Args:
        value: The refused text.

    Returns:
        E.g. `'http://[::1'`; a longer text is its first 80 characters so quoted, then `...`.
    """
    visible = without_password(value)
    if len(visible) <= ECHO_LIMIT:
        return repr(visible)
    return repr(visible[:ECHO_LIMIT]) + CUT_MARKER

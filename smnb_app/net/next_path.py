r"""Where sign-in returns to: a path on this site, never another origin, in Python and in the browser.

`?next=` comes from the URL, so anyone can write it into a link. Browsers strip tabs and line
breaks from URLs and read a backslash as a slash, so `/\t/evil.example` or `/%5Cevil.example`
would leave the site. Both twins below refuse, in the raw value and in its percent-decoded
forms, every control character and space, backslashes, `//` in the path, malformed escapes, and
a return to the sign-in pages themselves (a loop).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

SIGN_IN_PATH = "/sign-in"
SIGN_UP_PATH = "/sign-up"
DEFAULT_AFTER_SIGN_IN = "/dashboard"
MAX_NEXT_LENGTH = 2048
_DECODE_ROUNDS = 4
# Lone surrogates too: they cannot be sent back to the browser (a JS string from a URL has none).
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\\ud800-\udfff]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _unsafe(candidate: str) -> bool:
    path = re.split(r"[?#]", candidate, maxsplit=1)[0]
    return bool(_FORBIDDEN.search(candidate)) or "//" in path or path.rstrip("/") in (SIGN_IN_PATH, SIGN_UP_PATH)


def safe_next_path(raw: object) -> str:
    """The local path to return to after sign-in; anything doubtful goes to the dashboard.

    Args:
        raw: The `next` query parameter as the browser sent it.

    Returns:
        `raw` when it is a safe path on this site, else `/dashboard`.
    """
    if not isinstance(raw, str) or not raw.startswith("/") or len(raw) > MAX_NEXT_LENGTH:
        return DEFAULT_AFTER_SIGN_IN
    candidate = raw
    for _ in range(_DECODE_ROUNDS):
        if _BAD_ESCAPE.search(candidate) or _unsafe(candidate):
            return DEFAULT_AFTER_SIGN_IN
        try:
            decoded = unquote(candidate, errors="strict")
        except UnicodeDecodeError:
            return DEFAULT_AFTER_SIGN_IN
        if decoded == candidate:
            return raw
        candidate = decoded
    # Still changing after several decodings: nobody writes a real link like that.
    return DEFAULT_AFTER_SIGN_IN


# The same rule for the browser (Clerk's redirect after sign-in), kept in step by a unit test
# that runs one table of hostile values through both.
SAFE_NEXT_PATH_JS = f"""((raw) => {{
  const fallback = "{DEFAULT_AFTER_SIGN_IN}";
  const unsafe = (candidate) => {{
    const path = candidate.split(/[?#]/)[0];
    const bare = path.replace(/\\/+$/, "");
    return /[\\u0000-\\u0020\\u007f\\\\]/.test(candidate) || path.includes("//")
      || bare === "{SIGN_IN_PATH}" || bare === "{SIGN_UP_PATH}";
  }};
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.length > {MAX_NEXT_LENGTH}) return fallback;
  let candidate = raw;
  for (let round = 0; round < {_DECODE_ROUNDS}; round++) {{
    if (/%(?![0-9A-Fa-f]{{2}})/.test(candidate) || unsafe(candidate)) return fallback;
    let decoded;
    try {{ decoded = decodeURIComponent(candidate); }} catch {{ return fallback; }}
    if (decoded === candidate) return raw;
    candidate = decoded;
  }}
  return fallback;
}})"""

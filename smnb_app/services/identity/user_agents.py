"""Text that browsers send: cleaned for storage, and the User-Agent told in a few words."""

from __future__ import annotations

import re
import unicodedata

UNKNOWN_BROWSER = "Unknown browser"
# PostgreSQL rejects NUL, UTF-8 cannot encode a lone surrogate, and neither belongs in a log.
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cs"})

# First match wins: Edge, Opera and HeadlessChrome user agents also say "Chrome/", and every
# Chromium user agent also says "Safari/", so the more specific tokens come first.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"\b(?:OPR|OPiOS)/(\d+)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("HeadlessChrome", re.compile(r"\bHeadlessChrome/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/")),
)
# iOS and Android user agents also say "Mac OS X" and "Linux", so they come first.
_SYSTEMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iOS", re.compile(r"\b(?:iPhone|iPad|iPod)\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac(?:intosh| OS X)\b")),
    ("Linux", re.compile(r"\b(?:Linux|X11)\b")),
)
_MOBILE_SYSTEMS = frozenset({"iOS", "Android"})


def clean_browser_text(value: str | None, limit: int) -> str | None:
    """Make browser-supplied text safe to store: no control characters, bounded, never empty.

    Args:
        value: The text as received, or None.
        limit: The most characters to keep.

    Returns:
        The text without control characters (Cc) and lone surrogates (Cs), trimmed of
        surrounding white space and cut to `limit` characters; None when nothing is left.
    """
    if value is None:
        return None
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in _STRIPPED_CATEGORIES)
    return kept.strip()[:limit] or None


def _first_match(table: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> tuple[str, re.Match[str]] | None:
    for name, pattern in table:
        match = pattern.search(text)
        if match is not None:
            return name, match
    return None


def describe_user_agent(user_agent: str | None) -> str:
    """Summarize a User-Agent header as browser, major version and operating system.

    Mobile systems are named without the browser version ("Chrome on Android", "Safari on
    iOS"); desktop ones with it ("Chrome 156 on Linux", "Safari 17 on macOS").

    Args:
        user_agent: The header as the browser sent it, or None when unknown.

    Returns:
        A short summary, "Unknown browser" when no known browser is recognised.
    """
    browser = _first_match(_BROWSERS, user_agent or "")
    if browser is None:
        return UNKNOWN_BROWSER
    name, match = browser
    system = _first_match(_SYSTEMS, user_agent or "")
    if system is None:
        return f"{name} {match.group(1)}"
    if system[0] in _MOBILE_SYSTEMS:
        return f"{name} on {system[0]}"
    return f"{name} {match.group(1)} on {system[0]}"

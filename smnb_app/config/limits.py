"""The numeric settings: variable and bounds of each, by `Settings` field.

A setting's default is its `Settings` field's default, written there once; a field whose
default is an int takes whole numbers only.
"""

from __future__ import annotations

# The budgets that keep one user or one address from exhausting the app.
# Settings field: (environment variable, inclusive bounds).
LIMITS: dict[str, tuple[str, tuple[float, float]]] = {
    "max_sessions_per_user": ("SMNB_MAX_SESSIONS_PER_USER", (1, 1_000_000)),
    "max_tabs_per_user": ("SMNB_MAX_TABS_PER_USER", (1, 10_000)),
    "event_rate": ("SMNB_EVENT_RATE", (0.1, 10_000)),
    "event_burst": ("SMNB_EVENT_BURST", (1, 100_000)),
    "max_sockets_per_address": ("SMNB_MAX_SOCKETS_PER_ADDRESS", (1, 1_000_000)),
    "address_connects_per_s": ("SMNB_ADDRESS_CONNECTS_PER_S", (0.1, 1_000_000)),
    "address_event_rate": ("SMNB_ADDRESS_EVENT_RATE", (0.1, 1_000_000)),
    "address_event_burst": ("SMNB_ADDRESS_EVENT_BURST", (1, 10_000_000)),
    "address_sign_ins_per_minute": ("SMNB_ADDRESS_SIGN_INS_PER_MINUTE", (1, 1_000_000)),
    "max_queued_events_per_tab": ("SMNB_MAX_QUEUED_EVENTS_PER_TAB", (1, 100_000)),
    "max_event_bytes": ("SMNB_MAX_EVENT_BYTES", (4096, 16 * 1024 * 1024)),
    "audit_retention_days": ("SMNB_AUDIT_RETENTION_DAYS", (1, 36_500)),
}
# Every numeric setting: the budgets and the timings.
NUMBERS: dict[str, tuple[str, tuple[float, float]]] = {
    "dev_token_lifetime_s": ("SMNB_DEV_TOKEN_LIFETIME_S", (2, 3600)),
    "clock_skew_s": ("SMNB_CLOCK_SKEW_S", (0, 60)),
    **LIMITS,
    "gc_log_ms": ("SMNB_GC_LOG_MS", (1, 60_000)),
}

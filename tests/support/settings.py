"""Building Clerk keys and reading configuration errors, for the settings and browser tests."""

from __future__ import annotations

import base64

import pytest

from smnb_app.config.settings import SettingsError, load_settings


def publishable_key(host: str, prefix: str = "pk_test_") -> str:
    """A publishable key for the Frontend API `host`, built the way Clerk builds them."""
    return prefix + base64.b64encode(f"{host}$".encode()).decode()


def settings_problems(env: dict[str, str]) -> list[str]:
    """The lines `load_settings` rejects `env` with (fails the test when it accepts it)."""
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    return caught.value.problems

"""What the settings look up per identity provider, and what rxconfig.py takes from the environment."""

from __future__ import annotations

import pytest

from smnb_app.config.clerk import CLERK_REACT_PACKAGE, CLERK_TOKEN_LIFETIME_S
from smnb_app.config.limits import NUMBERS
from smnb_app.config.providers import PROVIDERS, kept_npm_packages
from smnb_app.config.reflex_options import reflex_options
from smnb_app.config.settings import Settings, load_settings
from tests.support.settings import publishable_key

KEY = publishable_key("clerk.example.com")


def test_every_provider_of_the_table_is_one_the_settings_accept() -> None:
    assert list(PROVIDERS) == ["dev", "clerk"]
    assert load_settings({"SMNB_AUTH_PROVIDER": "clerk", "CLERK_PUBLISHABLE_KEY": KEY}).auth_provider == "clerk"


@pytest.mark.parametrize(
    ("settings", "lifetime_s"),
    [
        (Settings(auth_provider="dev"), 60),
        (Settings(auth_provider="dev", dev_token_lifetime_s=900), 900),
        (Settings(auth_provider="clerk", clerk_publishable_key=KEY, dev_token_lifetime_s=900), CLERK_TOKEN_LIFETIME_S),
    ],
)
def test_the_token_lifetime_is_the_running_providers(settings: Settings, lifetime_s: int) -> None:
    assert settings.token_lifetime_s == lifetime_s


def test_every_numeric_setting_has_its_default_on_its_field_within_its_bounds() -> None:
    defaults = Settings()
    for name, (_, (low, high)) in NUMBERS.items():
        assert low <= getattr(defaults, name) <= high, name
    assert load_settings({}) == Settings()


@pytest.mark.parametrize(
    ("provider", "packages"), [("dev", [CLERK_REACT_PACKAGE]), ("clerk", []), ("auth0", [CLERK_REACT_PACKAGE])]
)
def test_the_packages_of_the_providers_not_running_stay_installed(provider: str, packages: list[str]) -> None:
    assert kept_npm_packages(provider) == packages


def test_reflex_options_default_to_npm_and_the_apps_own_origins() -> None:
    env = {"CLERK_AUTHORIZED_PARTIES": "https://app.example.com/, not an origin"}
    options = reflex_options(env)
    assert env["REFLEX_USE_NPM"] == "1"
    assert options.frontend_packages == [CLERK_REACT_PACKAGE]
    assert not options.cors_from_env
    assert options.authorized_parties == ("https://app.example.com", "not an origin")


def test_reflex_options_leave_what_the_environment_sets() -> None:
    env = {"REFLEX_USE_NPM": "0", "REFLEX_CORS_ALLOWED_ORIGINS": "https://a.example.com", "CLERK_PUBLISHABLE_KEY": KEY}
    options = reflex_options(env)
    assert env["REFLEX_USE_NPM"] == "0"
    assert (options.frontend_packages, options.cors_from_env) == ([], True)

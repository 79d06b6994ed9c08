"""Configuration combinations: which provider runs, where keys come from, what stops start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smnb_app.config.settings import Settings, load_settings
from tests.support.auth import signing_key
from tests.support.paths import PROJECT_ROOT
from tests.support.settings import publishable_key, settings_problems

ROOT = PROJECT_ROOT
KEY = publishable_key("clerk.example.com")
PROD_CLERK = {
    "REFLEX_ENV_MODE": "prod",
    "CLERK_PUBLISHABLE_KEY": KEY,
    "CLERK_AUTHORIZED_PARTIES": "https://app.example.com",
}


def test_empty_environment_runs_the_dev_provider_on_sqlite() -> None:
    settings = load_settings({})
    assert (settings.auth_provider, settings.database_url, settings.production) == ("dev", "sqlite:///smnb.db", False)
    assert settings.issuer == "http://localhost:8000/dev-auth"
    assert settings.jwks_url == "http://localhost:8000/dev-auth/.well-known/jwks.json"


def test_publishable_key_alone_switches_to_clerk_with_the_derived_issuer() -> None:
    settings = load_settings({"CLERK_PUBLISHABLE_KEY": KEY})
    assert settings.auth_provider == "clerk"
    assert settings.issuer == "https://clerk.example.com"
    assert settings.jwks_url == "https://clerk.example.com/.well-known/jwks.json"


def test_explicit_issuer_wins_over_the_publishable_key() -> None:
    settings = load_settings({"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_JWT_ISSUER": "https://auth.example.com/"})
    assert settings.issuer == "https://auth.example.com"
    assert settings.jwks_url == "https://auth.example.com/.well-known/jwks.json"


def test_explicit_dev_provider_ignores_clerk_variables() -> None:
    settings = load_settings({"SMNB_AUTH_PROVIDER": "dev", "CLERK_PUBLISHABLE_KEY": KEY})
    assert settings.auth_provider == "dev"
    assert settings.clerk_publishable_key is None


def test_explicit_clerk_provider_without_a_publishable_key_is_refused() -> None:
    assert settings_problems({"SMNB_AUTH_PROVIDER": "Clerk"}) == [
        "CLERK_PUBLISHABLE_KEY: required when SMNB_AUTH_PROVIDER=clerk"
    ]


def test_unknown_provider_is_refused() -> None:
    assert settings_problems({"SMNB_AUTH_PROVIDER": "auth0"}) == [
        "SMNB_AUTH_PROVIDER: expected dev or clerk, got 'auth0'"
    ]


def test_pem_key_makes_verification_networkless_even_with_a_secret_key() -> None:
    settings = load_settings(
        {
            "CLERK_PUBLISHABLE_KEY": KEY,
            "CLERK_JWT_KEY": signing_key(0).public_pem(),
            "CLERK_SECRET_KEY": "sk_test_secret",
        }
    )
    assert settings.jwks_url is None
    assert settings.clerk_secret_key == "sk_test_secret"


def test_secret_key_fetches_keys_from_the_backend_api_jwks() -> None:
    settings = load_settings({"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_SECRET_KEY": "sk_test_secret"})
    assert settings.jwks_url == "https://api.clerk.com/v1/jwks"
    custom = load_settings(
        {"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_SECRET_KEY": "sk_test_secret", "CLERK_API_URL": "http://127.0.0.1:9999/"}
    )
    assert custom.jwks_url == "http://127.0.0.1:9999/v1/jwks"


def test_backend_api_url_without_a_secret_key_is_an_inconsistent_combination() -> None:
    assert settings_problems({"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_API_URL": "https://api.clerk.com"}) == [
        "CLERK_API_URL: only used with CLERK_SECRET_KEY, which is not set"
    ]


def test_clerk_js_url_is_kept_for_the_provider() -> None:
    url = "https://cdn.example.com/clerk.browser.js"
    assert load_settings({"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_JS_URL": url}).clerk_js_url == url


def test_authorized_parties_are_optional_in_every_mode_and_provider() -> None:
    env = {key: value for key, value in PROD_CLERK.items() if key != "CLERK_AUTHORIZED_PARTIES"}
    assert load_settings(env).authorized_parties == ()
    assert load_settings(PROD_CLERK).authorized_parties == ("https://app.example.com",)
    dev = load_settings({"CLERK_AUTHORIZED_PARTIES": "http://localhost:3000"})
    assert (dev.auth_provider, dev.authorized_parties) == ("dev", ("http://localhost:3000",))


@pytest.mark.parametrize("mode", ["prod", "preview", " PREVIEW "])
def test_prod_and_preview_are_production_modes(mode: str) -> None:
    assert load_settings({"REFLEX_ENV_MODE": mode, "SMNB_ALLOW_DEV_AUTH_IN_PROD": "1"}).production
    assert settings_problems({"REFLEX_ENV_MODE": mode})[0].startswith(
        "SMNB_AUTH_PROVIDER: the dev identity provider refuses production mode"
    )


def test_production_accepts_a_development_instance_key() -> None:
    assert load_settings(PROD_CLERK).clerk_publishable_key == KEY


def test_dev_provider_refuses_production_unless_allowed() -> None:
    assert settings_problems({"REFLEX_ENV_MODE": "prod"}) == [
        "SMNB_AUTH_PROVIDER: the dev identity provider refuses production mode; "
        "configure Clerk or set SMNB_ALLOW_DEV_AUTH_IN_PROD=1"
    ]
    allowed = load_settings({"REFLEX_ENV_MODE": "prod", "SMNB_ALLOW_DEV_AUTH_IN_PROD": "1"})
    assert (allowed.auth_provider, allowed.production, allowed.allow_dev_auth_in_prod) == ("dev", True, True)


def test_allow_flag_must_be_a_boolean() -> None:
    assert settings_problems({"SMNB_ALLOW_DEV_AUTH_IN_PROD": "maybe"}) == [
        "SMNB_ALLOW_DEV_AUTH_IN_PROD: expected 1 or 0, got 'maybe'"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/app.db", "sqlite:///data/app.db"),
        ("postgresql://root@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test"),
        ("postgresql+psycopg2://root@db/test", "postgresql+psycopg2://root@db/test"),
        ("postgres://root@db/test", "postgresql://root@db/test"),
    ],
)
def test_database_url_accepts_sqlite_and_postgresql(url: str, expected: str) -> None:
    assert load_settings({"DATABASE_URL": url}).database_url == expected


@pytest.mark.parametrize("url", ["mysql://root@db/test", "smnb.db", "postgresql:/x"])
def test_other_database_urls_are_refused(url: str) -> None:
    (problem,) = settings_problems({"DATABASE_URL": url})
    assert problem.startswith("DATABASE_URL: expected sqlite:///... or postgresql://..., got scheme ")


@pytest.mark.parametrize("value", ["1", "60.5", "3601", "ten", "-5"])
def test_dev_token_lifetime_must_be_a_whole_number_within_bounds(value: str) -> None:
    assert settings_problems({"SMNB_DEV_TOKEN_LIFETIME_S": value}) == [
        f"SMNB_DEV_TOKEN_LIFETIME_S: expected a whole number from 2 to 3600, got {value!r}"
    ]


@pytest.mark.parametrize(("value", "expected"), [("2", 2), ("3600", 3600), (" 15 ", 15)])
def test_dev_token_lifetime_bounds_are_inclusive(value: str, expected: int) -> None:
    assert load_settings({"SMNB_DEV_TOKEN_LIFETIME_S": value}).dev_token_lifetime_s == expected


def test_every_problem_is_reported_at_once_one_line_each_naming_its_variable() -> None:
    problems = settings_problems(
        {
            "REFLEX_ENV_MODE": "prod",
            "SMNB_AUTH_PROVIDER": "clerk",
            "CLERK_PUBLISHABLE_KEY": "pk_live_???",
            "CLERK_JWT_KEY": "not a key",
            "CLERK_AUTHORIZED_PARTIES": "app.example.com",
            "DATABASE_URL": "mysql://db",
            "SMNB_CLOCK_SKEW_S": "600",
            "SMNB_EVENT_RATE": "0",
        }
    )
    names = [problem.split(":", 1)[0] for problem in problems]
    assert names == [
        "DATABASE_URL",
        "CLERK_PUBLISHABLE_KEY",
        "CLERK_JWT_KEY",
        "SMNB_CLOCK_SKEW_S",
        "CLERK_AUTHORIZED_PARTIES",
        "SMNB_EVENT_RATE",
    ]
    assert all("\n" not in problem for problem in problems)


def test_clerk_issuer_of_a_settings_object_is_derived_lazily() -> None:
    settings = Settings(auth_provider="clerk", clerk_publishable_key=KEY, clerk_jwt_key="pem")
    assert (settings.issuer, settings.jwks_url) == ("https://clerk.example.com", None)


def test_misconfigured_start_up_prints_one_line_per_problem_and_exits_non_zero() -> None:
    probe = "from smnb_app.config.settings import get_settings_or_exit; get_settings_or_exit()"
    env = {"PATH": "/usr/bin:/bin", "SMNB_AUTH_PROVIDER": "auth0", "DATABASE_URL": "mysql://db"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "smnb_app: invalid configuration:",
        "  SMNB_AUTH_PROVIDER: expected dev or clerk, got 'auth0'",
        "  DATABASE_URL: expected sqlite:///... or postgresql://..., got scheme 'mysql'",
    ]


def test_backend_url_follows_reflex_api_url_unless_set_itself() -> None:
    assert load_settings({"REFLEX_API_URL": "http://localhost:8100/"}).issuer == "http://localhost:8100/dev-auth"
    both = {"REFLEX_API_URL": "http://localhost:8100", "SMNB_BACKEND_URL": "https://api.example.com"}
    assert load_settings(both).issuer == "https://api.example.com/dev-auth"


def test_link_secret_is_optional_but_must_be_long() -> None:
    assert load_settings({}).link_secret is None
    assert load_settings({"SMNB_LINK_SECRET": "s" * 32}).link_secret == "s" * 32
    assert settings_problems({"SMNB_LINK_SECRET": "short"}) == [
        "SMNB_LINK_SECRET: must be at least 32 characters (e.g. `openssl rand -hex 32`)"
    ]


def test_limits_and_audit_retention_have_documented_defaults() -> None:
    settings = load_settings({})
    assert (settings.max_sessions_per_user, settings.max_tabs_per_user) == (1000, 50)
    assert (settings.event_rate, settings.event_burst, settings.audit_retention_days) == (20.0, 40, 90)
    assert (settings.dev_auth_allow_remote, settings.trusted_proxies) == (False, ())
    assert (settings.max_sockets_per_address, settings.address_event_rate, settings.address_event_burst) == (
        20,
        60.0,
        120,
    )
    assert (settings.address_sign_ins_per_minute, settings.max_queued_events_per_tab, settings.max_event_bytes) == (
        60,
        32,
        65536,
    )
    assert settings.address_connects_per_s == 2.0


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("SMNB_MAX_SESSIONS_PER_USER", "0", "expected a whole number from 1 to 1e+06, got '0'"),
        ("SMNB_MAX_TABS_PER_USER", "2.5", "expected a whole number from 1 to 10000, got '2.5'"),
        ("SMNB_EVENT_RATE", "nan", "expected a number from 0.1 to 10000, got 'nan'"),
        ("SMNB_EVENT_RATE", "inf", "expected a number from 0.1 to 10000, got 'inf'"),
        ("SMNB_EVENT_BURST", "-1", "expected a whole number from 1 to 100000, got '-1'"),
        ("SMNB_MAX_SOCKETS_PER_ADDRESS", "0", "expected a whole number from 1 to 1e+06, got '0'"),
        ("SMNB_ADDRESS_EVENT_RATE", "0.05", "expected a number from 0.1 to 1e+06, got '0.05'"),
        ("SMNB_ADDRESS_CONNECTS_PER_S", "0", "expected a number from 0.1 to 1e+06, got '0'"),
        ("SMNB_ADDRESS_EVENT_BURST", "1.5", "expected a whole number from 1 to 1e+07, got '1.5'"),
        ("SMNB_ADDRESS_SIGN_INS_PER_MINUTE", "-3", "expected a whole number from 1 to 1e+06, got '-3'"),
        ("SMNB_MAX_QUEUED_EVENTS_PER_TAB", "100001", "expected a whole number from 1 to 100000, got '100001'"),
        ("SMNB_MAX_EVENT_BYTES", "4095", "expected a whole number from 4096 to 1.67772e+07, got '4095'"),
        ("SMNB_AUDIT_RETENTION_DAYS", "ninety", "expected a whole number from 1 to 36500, got 'ninety'"),
        ("SMNB_GC_LOG_MS", "0", "expected a number from 1 to 60000, got '0'"),
        ("SMNB_DEV_AUTH_ALLOW_REMOTE", "sure", "expected 1 or 0, got 'sure'"),
        ("SMNB_TRUSTED_PROXIES", "10.0.0.0/8, nginx", "'nginx' is not an IP address or network such as 10.0.0.0/8"),
    ],
)
def test_bad_limit_or_network_values_stop_start_up_naming_the_variable(name: str, value: str, problem: str) -> None:
    assert settings_problems({name: value}) == [f"{name}: {problem}"]


def test_limits_and_trusted_proxies_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "SMNB_MAX_SESSIONS_PER_USER": "5",
            "SMNB_MAX_TABS_PER_USER": "3",
            "SMNB_EVENT_RATE": "2.5",
            "SMNB_EVENT_BURST": "4",
            "SMNB_AUDIT_RETENTION_DAYS": "7",
            "SMNB_DEV_AUTH_ALLOW_REMOTE": "1",
            "SMNB_TRUSTED_PROXIES": " 127.0.0.1 , 10.1.2.3/8,::1",
            "SMNB_GC_LOG_MS": "5",
            "SMNB_MAX_SOCKETS_PER_ADDRESS": "1000",
            "SMNB_ADDRESS_EVENT_RATE": "2500.5",
            "SMNB_ADDRESS_EVENT_BURST": "5000",
            "SMNB_ADDRESS_SIGN_INS_PER_MINUTE": "7",
            "SMNB_MAX_QUEUED_EVENTS_PER_TAB": "8",
            "SMNB_MAX_EVENT_BYTES": "4096",
            "SMNB_ADDRESS_CONNECTS_PER_S": "0.5",
        }
    )
    assert settings.address_connects_per_s == 0.5
    assert (settings.max_sockets_per_address, settings.address_event_rate, settings.address_event_burst) == (
        1000,
        2500.5,
        5000,
    )
    assert (settings.address_sign_ins_per_minute, settings.max_queued_events_per_tab, settings.max_event_bytes) == (
        7,
        8,
        4096,
    )
    assert isinstance(settings.max_event_bytes, int) and isinstance(settings.address_event_rate, float)
    assert settings.gc_log_ms == 5.0 and load_settings({}).gc_log_ms == 100.0
    assert (settings.max_sessions_per_user, settings.max_tabs_per_user, settings.event_rate) == (5, 3, 2.5)
    assert (settings.event_burst, settings.audit_retention_days, settings.dev_auth_allow_remote) == (4, 7, True)
    assert [str(network) for network in settings.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


def test_a_production_deployment_names_every_shared_service_it_lacks_one_line_each() -> None:
    problems = settings_problems(
        {"SMNB_DEPLOYMENT": "production", "DATABASE_URL": "sqlite:///smnb.db", "SMNB_ALLOW_DEV_AUTH_IN_PROD": "1"}
    )
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "REFLEX_ENV_MODE",
        "DATABASE_URL",
        "REFLEX_REDIS_URL",
        "SMNB_LINK_SECRET",
    ]
    assert "PostgreSQL" in problems[1] and all("\n" not in problem for problem in problems)


def test_a_production_deployment_with_its_services_starts() -> None:
    settings = load_settings(
        {
            "SMNB_DEPLOYMENT": "production",
            "REFLEX_ENV_MODE": "prod",
            "SMNB_ALLOW_DEV_AUTH_IN_PROD": "1",
            "DATABASE_URL": "postgresql://app@db:5432/smnb",
            "REFLEX_REDIS_URL": "redis://cache:6379/0",
            "SMNB_LINK_SECRET": "x" * 32,
        }
    )
    assert (settings.deployment, settings.production) == ("production", True)


@pytest.mark.parametrize("value", ["cluster", "prod", "production\x07", "producti\u00f6n", "1"])
def test_a_local_deployment_is_the_default_and_other_names_are_refused(value: str) -> None:
    assert load_settings({}).deployment == "local"
    assert load_settings({"SMNB_DEPLOYMENT": "  "}).deployment == "local"
    assert settings_problems({"SMNB_DEPLOYMENT": value}) == [
        f"SMNB_DEPLOYMENT: expected local or production, got {value!r}"
    ]


@pytest.mark.parametrize(
    "value", ["nan", "inf", "-inf", "-5", "0.5", "60001", "1e999", "five", "5\x00", "5 ms", "9" * 10_000]
)
def test_a_hostile_gc_log_threshold_stops_start_up_with_one_line(value: str) -> None:
    problems = settings_problems({"SMNB_GC_LOG_MS": value})
    assert len(problems) == 1 and problems[0].startswith("SMNB_GC_LOG_MS: expected a number from 1 to 60000, got ")
    assert "\n" not in problems[0]


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_gc_log_threshold_means_the_default(value: str) -> None:
    assert load_settings({"SMNB_GC_LOG_MS": value}).gc_log_ms == 100.0

"""Hostile settings: every malformed URL, port, number, network or path is one line naming its
variable, quoted short and without its password, never a traceback."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smnb_app.config.settings import SettingsError, load_settings
from tests.support.paths import PROJECT_ROOT
from tests.support.settings import publishable_key, settings_problems

ROOT = PROJECT_ROOT
KEY = publishable_key("clerk.example.com")
CLERK = {"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_SECRET_KEY": "sk_test_secret"}
URL_SETTINGS = [
    "CLERK_JWT_ISSUER",
    "CLERK_API_URL",
    "CLERK_JS_URL",
    "CLERK_UI_URL",
    "SMNB_BACKEND_URL",
    "REFLEX_API_URL",
    "REFLEX_DEPLOY_URL",
    "CLERK_AUTHORIZED_PARTIES",
]
# An SPKI public key of an algorithm `cryptography` does not know (OID 1.2.3.4).
UNKNOWN_ALGORITHM_PEM = "-----BEGIN PUBLIC KEY-----\nMAswBQYDKgMEAwIAAA==\n-----END PUBLIC KEY-----"


def only_problem(env: dict[str, str]) -> str:
    """The single line `env` is refused with."""
    (problem,) = settings_problems(env)
    assert "\n" not in problem
    return problem


@pytest.mark.parametrize("name", URL_SETTINGS)
@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "https://[clerk.example.com",
        "http://[::1]:99999",
        "http://h:notaport",
        "http://h:0",
        "http://h:+80",
        "http://h:٨٠",
        "http://exa\nmple.com",
        "http://a b.com",
        "http://bücher.example",
        "http://user:pw@h.example",
        "http://h.example/\x00",
        "http://[v1.x]",
        "http://[::1]x",
        "http://h.example#top",
    ],
)
def test_a_malformed_url_in_any_url_setting_is_one_line_naming_it(name: str, url: str) -> None:
    problem = only_problem({**CLERK, name: url})
    assert problem.startswith(f"{name}: ")
    assert ":pw@" not in problem


@pytest.mark.parametrize("name", URL_SETTINGS)
@pytest.mark.parametrize(
    "url", ["http://[::1]:8000", "https://clerk.example.com", "http://127.0.0.1:65535", "http://my_host.internal:3000"]
)
def test_ipv6_literals_ports_and_plain_hosts_are_still_accepted_urls(name: str, url: str) -> None:
    settings = load_settings({**CLERK, name: url})
    kept = {
        "CLERK_JWT_ISSUER": settings.clerk_jwt_issuer,
        "CLERK_API_URL": settings.clerk_api_url,
        "CLERK_JS_URL": settings.clerk_js_url,
        "CLERK_UI_URL": settings.clerk_ui_url,
        "SMNB_BACKEND_URL": settings.backend_url,
        "REFLEX_API_URL": settings.backend_url,
        "CLERK_AUTHORIZED_PARTIES": settings.authorized_parties[0] if settings.authorized_parties else None,
    }
    assert kept.get(name, url) == url


def test_a_bad_reflex_api_url_is_named_even_when_the_backend_url_is_set() -> None:
    env = {"SMNB_BACKEND_URL": "https://api.example.com", "REFLEX_API_URL": "http://[::1"}
    assert only_problem(env) == (
        "REFLEX_API_URL: expected an http(s) URL such as http://localhost:8000, got 'http://[::1'"
    )


def test_an_unclosed_ipv6_bracket_in_the_backend_url_stops_start_up_with_one_line() -> None:
    assert only_problem({"SMNB_BACKEND_URL": "http://[::1"}) == (
        "SMNB_BACKEND_URL: expected an http(s) URL such as http://localhost:8000, got 'http://[::1'"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "postgresql://app:hunter2@db:notaport/smnb",
            "the port 'notaport' is not a number from 1 to 65535, in 'postgresql://app:***@db:notaport/smnb'",
        ),
        (
            "postgresql://app:hunter2@db:٨٠/smnb",
            "the port '٨٠' is not a number from 1 to 65535, in 'postgresql://app:***@db:٨٠/smnb'",
        ),
        (
            "postgresql://app:hunter2@db:65536/smnb",
            "the port '65536' is not a number from 1 to 65535, in 'postgresql://app:***@db:65536/smnb'",
        ),
        (
            "postgresql://app:hunter2@db:0/smnb",
            "the port '0' is not a number from 1 to 65535, in 'postgresql://app:***@db:0/smnb'",
        ),
        (
            "postgres://app:hunter2@db:/smnb",
            "the port '' is not a number from 1 to 65535, in 'postgres://app:***@db:/smnb'",
        ),
        (
            "postgresql://db:x/smnb?sslmode=require&password=hunter2",
            "the port 'x' is not a number from 1 to 65535, in 'postgresql://db:x/smnb?sslmode=require&password=***'",
        ),
        ("app:hunter2@db/smnb", "expected sqlite:///... or postgresql://..., got scheme 'app:***@db/smnb'"),
        (
            "postgresql+asyncpg://app:hunter2@db/smnb",
            "the driver 'asyncpg' is not installed; write postgresql:// alone",
        ),
        (
            "sqlite://db/smnb.db",
            "a SQLite URL names a file, not a host (sqlite:///relative.db or "
            "sqlite:////absolute.db), got 'sqlite://db/smnb.db'",
        ),
        ("sqlite:///smnb\x00.db", "holds a control character or a byte that is not UTF-8, in 'sqlite:///smnb\\x00.db'"),
    ],
)
def test_a_malformed_database_url_is_one_line_without_its_password(url: str, problem: str) -> None:
    assert only_problem({"DATABASE_URL": url}) == f"DATABASE_URL: {problem}"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:p%40ss@[::1]:5432/smnb",
        "postgresql:///smnb",
        "sqlite://",
        "sqlite+pysqlite:///data/smnb.db",
        "postgresql://app:pa/ss@db:5432/smnb",
    ],
)
def test_database_urls_sqlalchemy_reads_well_are_accepted(url: str) -> None:
    assert load_settings({"DATABASE_URL": url}).database_url == url


def test_a_long_malformed_database_url_is_cut_and_hides_its_long_password() -> None:
    password = "s3cret" * 100
    problem = only_problem({"DATABASE_URL": f"postgresql://app:{password}@db:notaport/{'d' * 5000}"})
    assert "s3cret" not in problem
    assert problem.endswith("...") and len(problem) < 250


@pytest.mark.parametrize(
    "name",
    [
        "SMNB_DEPLOYMENT",
        "SMNB_AUTH_PROVIDER",
        "SMNB_ALLOW_DEV_AUTH_IN_PROD",
        "SMNB_EVENT_BURST",
        "SMNB_CLOCK_SKEW_S",
        "SMNB_TRUSTED_PROXIES",
        "CLERK_AUTHORIZED_PARTIES",
        "SMNB_BACKEND_URL",
        "DATABASE_URL",
        "REFLEX_REDIS_URL",
    ],
)
def test_a_refused_value_is_echoed_escaped_and_cut_to_80_characters(name: str) -> None:
    problem = only_problem({name: "\x07" + "p" * 10_000})
    assert "'\\x07" + "p" * 79 + "'..." in problem
    assert "p" * 80 not in problem and len(problem) < 250


@pytest.mark.parametrize(
    "value",
    [
        "٨٠",
        "５０",
        "1_0",
        "1e3",
        "+5",
        "0x10",
        "1 0",
        "\u00a015",
        "15\u2003",
        "--1",
        "1.",
        ".5",
        "nan",
        "Infinity",
        "1" * 5000,
        "15\x00",
    ],
)
def test_a_whole_number_is_ascii_digits_with_an_optional_minus_only(value: str) -> None:
    problem = only_problem({"SMNB_EVENT_BURST": value})
    assert problem.startswith("SMNB_EVENT_BURST: expected a whole number from 1 to 100000, got ")


@pytest.mark.parametrize(
    "value",
    ["٠.٥", "０.5", "1_0.5", "1e1", "1E1", "+1", "0x1p3", "1..5", "1.2.3", ".", "-", "\u00a02", "inf", "-inf", "nan"],
)
def test_a_decimal_is_ascii_digits_and_one_point_without_an_exponent(value: str) -> None:
    problem = only_problem({"SMNB_CLOCK_SKEW_S": value})
    assert problem.startswith("SMNB_CLOCK_SKEW_S: expected a number from 0 to 60, got ")


@pytest.mark.parametrize(
    ("value", "expected"), [(".5", 0.5), ("5.", 5.0), ("2.25", 2.25), ("-0", 0.0), ("\t7\r\n", 7.0), ("007", 7.0)]
)
def test_plain_decimals_and_ascii_blanks_around_them_are_accepted(value: str, expected: float) -> None:
    assert load_settings({"SMNB_CLOCK_SKEW_S": value}).clock_skew_s == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("10.0.0.0/33", "'10.0.0.0/33' is not an IP address or network such as 10.0.0.0/8"),
        ("1.2.3.4/ 8", "'1.2.3.4/ 8' is not an IP address or network such as 10.0.0.0/8"),
        ("٨.٨.٨.٨", "'٨.٨.٨.٨' is not an IP address or network such as 10.0.0.0/8"),
        ("10.0.0.1\x00", "'10.0.0.1\\x00' is not an IP address or network such as 10.0.0.0/8"),
        ("::/0", "'::/0' would trust every address; list the proxies' own addresses or networks"),
        ("10.0.0.1, 0.0.0.0/0", "'0.0.0.0/0' would trust every address; list the proxies' own addresses or networks"),
        ("x, 10.0.0.1, y, z", "'x' is not an IP address or network such as 10.0.0.0/8 (and 2 more)"),
    ],
)
def test_an_odd_trusted_proxy_list_is_one_line(value: str, problem: str) -> None:
    assert only_problem({"SMNB_TRUSTED_PROXIES": value}) == f"SMNB_TRUSTED_PROXIES: {problem}"


def test_ten_thousand_bad_proxies_are_still_one_line() -> None:
    problem = only_problem({"SMNB_TRUSTED_PROXIES": ",".join(["nginx"] * 10_000)})
    assert problem.endswith("(and 9999 more)")


def test_several_bad_authorized_parties_are_one_line_naming_the_first() -> None:
    assert only_problem({"CLERK_AUTHORIZED_PARTIES": "http://[::1, https://ok.example, ftp://x"}) == (
        "CLERK_AUTHORIZED_PARTIES: 'http://[::1' is not an origin like https://app.example.com (and 1 more)"
    )


@pytest.mark.parametrize("value", ["1\x00", "y" * 10_000, "\ud800", "\u00a01"])
def test_an_odd_flag_is_one_line(value: str) -> None:
    assert only_problem({"SMNB_DEV_AUTH_ALLOW_REMOTE": value}).startswith("SMNB_DEV_AUTH_ALLOW_REMOTE: expected 1 or 0")


@pytest.mark.parametrize(
    "url",
    [
        "redis://[::1",
        "redis://cache:x/0",
        "redis://cache:0",
        "http://cache:6379",
        "redis://cache:6379/zero",
        "redis://:hunter2@cache:٨٠/0",
        "unix://",
        "redis://",
    ],
)
def test_a_malformed_redis_url_is_one_line_without_its_password(url: str) -> None:
    problem = only_problem({"REFLEX_REDIS_URL": url})
    assert problem.startswith("REFLEX_REDIS_URL: expected redis://host:6379/0 (or rediss://, unix://), got ")
    assert "hunter2" not in problem


@pytest.mark.parametrize(
    "url", ["redis://cache:6379/0", "rediss://:hunter2@cache:6380", "unix:///run/redis.sock", "redis://[::1]:6379/"]
)
def test_redis_urls_redis_py_reads_are_accepted(url: str) -> None:
    load_settings({"REFLEX_REDIS_URL": url})


def test_a_link_secret_that_is_not_text_is_refused_without_being_echoed() -> None:
    secret = "\udcff" * 40
    problem = only_problem({"SMNB_LINK_SECRET": secret})
    assert problem.startswith("SMNB_LINK_SECRET: holds control characters or bytes that are not UTF-8 text")
    assert "udcff" not in problem


def test_a_clerk_secret_key_with_a_line_break_is_refused_without_being_echoed() -> None:
    problem = only_problem({"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_SECRET_KEY": "sk_test_abc\r\nX-Evil: 1"})
    assert problem.startswith("CLERK_SECRET_KEY: holds characters a Clerk key never has")
    assert "abc" not in problem


def test_a_pem_key_of_an_unknown_algorithm_is_one_line() -> None:
    assert only_problem({"CLERK_PUBLISHABLE_KEY": KEY, "CLERK_JWT_KEY": UNKNOWN_ALGORITHM_PEM}) == (
        "CLERK_JWT_KEY: expected an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)"
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("pk_test_é" + "A" * 10, "is not valid base64 after its prefix"),
        (publishable_key("clerk.example.com\n"), "encodes 'clerk.example.com\\n', which is not a host name"),
        (publishable_key("clerk.example.com:٨٠"), "encodes 'clerk.example.com:٨٠', which is not a host name"),
        (
            "pk_test_" + base64.b64encode(b"c" * 5000 + b"!.example.com$").decode(),
            "encodes '" + "c" * 80 + "'..., which is not a host name",
        ),
    ],
)
def test_an_odd_publishable_key_is_one_short_line(key: str, message: str) -> None:
    assert only_problem({"CLERK_PUBLISHABLE_KEY": key}) == f"CLERK_PUBLISHABLE_KEY: {message}"


def test_a_dev_key_path_under_a_file_is_one_line_and_nothing_is_created(tmp_path: Path) -> None:
    (tmp_path / "keys").write_text("not a directory")
    for path in (tmp_path / "keys" / "dev.pem", tmp_path / "keys" / "deeper" / "dev.pem"):
        problem = only_problem({"SMNB_DEV_KEY_PATH": str(path)})
        assert problem.startswith("SMNB_DEV_KEY_PATH: ")
        assert problem.endswith(f"cannot be used: {str(tmp_path / 'keys')!r} is a file, not a directory")
    assert [entry.name for entry in tmp_path.iterdir()] == ["keys"]
    assert (tmp_path / "keys").read_text() == "not a directory"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("/", "'/' names a directory; name the key's file, such as '.smnb/dev_issuer_key.pem'"),
        (".", "'.' names a directory; name the key's file, such as '.smnb/dev_issuer_key.pem'"),
        ("keys/..", "'keys/..' names a directory; name the key's file, such as '.smnb/dev_issuer_key.pem'"),
        ("keys/dev\x00.pem", "holds a control character or a byte that is not UTF-8, in 'keys/dev\\x00.pem'"),
        ("keys/\ud800.pem", "holds a control character or a byte that is not UTF-8, in 'keys/\\ud800.pem'"),
    ],
)
def test_a_dev_key_path_that_cannot_name_a_file_is_one_line(value: str, problem: str) -> None:
    assert only_problem({"SMNB_DEV_KEY_PATH": value}) == f"SMNB_DEV_KEY_PATH: {problem}"


def test_a_dev_key_path_that_is_a_directory_or_too_long_is_one_line(tmp_path: Path) -> None:
    assert only_problem({"SMNB_DEV_KEY_PATH": str(tmp_path)}).endswith(
        "cannot be used: it is a directory; name the key's file inside it"
    )
    assert only_problem({"SMNB_DEV_KEY_PATH": str(tmp_path / ("k" * 300) / "dev.pem")}).endswith(": File name too long")


def test_a_dev_key_path_in_missing_directories_is_accepted_without_creating_them(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "dev.pem"
    assert load_settings({"SMNB_DEV_KEY_PATH": str(path)}).dev_key_path == str(path)
    assert list(tmp_path.iterdir()) == []


def test_hostile_start_up_prints_one_line_per_variable_no_traceback_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "keys").write_text("")
    env = {
        "PATH": "/usr/bin:/bin",
        "CLERK_AUTHORIZED_PARTIES": "http://[::1",
        "SMNB_BACKEND_URL": "http://[::1",
        "DATABASE_URL": "postgresql://app:hunter2@db:notaport/smnb",
        "SMNB_DEV_KEY_PATH": str(tmp_path / "keys" / "dev.pem"),
        "SMNB_EVENT_BURST": "٨٠",
        "SMNB_TRUSTED_PROXIES": "10.0.0.0/33",
    }
    probe = "from smnb_app.config.settings import get_settings_or_exit; get_settings_or_exit()"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
    assert [line.split(":", 1)[0].strip() for line in lines] == [
        "smnb_app",
        "DATABASE_URL",
        "SMNB_BACKEND_URL",
        "SMNB_DEV_KEY_PATH",
        "CLERK_AUTHORIZED_PARTIES",
        "SMNB_TRUSTED_PROXIES",
        "SMNB_EVENT_BURST",
    ]
    assert [entry.name for entry in tmp_path.iterdir()] == ["keys"]


VARIABLES = [
    "DATABASE_URL",
    "SMNB_AUTH_PROVIDER",
    "SMNB_DEPLOYMENT",
    "SMNB_BACKEND_URL",
    "REFLEX_API_URL",
    "REFLEX_DEPLOY_URL",
    "REFLEX_REDIS_URL",
    "REFLEX_ENV_MODE",
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_JWT_ISSUER",
    "CLERK_JWT_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_API_URL",
    "CLERK_JS_URL",
    "CLERK_UI_URL",
    "CLERK_WEBHOOK_SIGNING_SECRET",
    "CLERK_AUTHORIZED_PARTIES",
    "SMNB_ALLOW_DEV_AUTH_IN_PROD",
    "SMNB_DEV_AUTH_ALLOW_REMOTE",
    "SMNB_TRUSTED_PROXIES",
    "SMNB_DEV_TOKEN_LIFETIME_S",
    "SMNB_CLOCK_SKEW_S",
    "SMNB_LINK_SECRET",
    "SMNB_GC_LOG_MS",
    "SMNB_EVENT_BURST",
    "SMNB_ADDRESS_EVENT_RATE",
    "SMNB_MAX_EVENT_BYTES",
]
# Any code point (lone surrogates included) and the characters URLs, numbers and lists are made of.
any_character = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(categories=["Cs"]),
    st.sampled_from("[]:/@?#%.,-_0123456789 \t\n\x00"),
)
url_heads = st.sampled_from(["http://", "https://[", "postgresql://u:hunter2@", "pk_test_", "sk_test_"])
any_value = st.one_of(
    st.lists(any_character, max_size=120).map("".join),
    st.tuples(url_heads, st.lists(any_character, max_size=60).map("".join)).map("".join),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(VARIABLES), any_value, max_size=6))
def test_any_environment_is_accepted_or_refused_one_bounded_line_per_problem(env: dict[str, str]) -> None:
    try:
        load_settings(env)
    except SettingsError as error:
        assert error.problems
        for problem in error.problems:
            assert "\n" not in problem and len(problem) <= 1200
            assert problem.split(":", 1)[0] in VARIABLES
            assert "hunter2" not in problem

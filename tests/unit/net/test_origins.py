"""The app's own origins: the only `azp` accepted, the only pages the dev provider answers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smnb_app.config.settings import Settings
from smnb_app.net.origins import app_origins, origin_of, websocket_origin
from smnb_app.web.shared.runtime import start_up_warnings
from tests.support.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://App.Example.com/", "https://app.example.com"),
        ("https://app.example.com:443/base/path?q=1", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_origin_of_drops_path_default_port_and_case(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", ["localhost:3000", "ftp://x.example", "/relative", ""])
def test_origin_of_refuses_what_is_not_an_http_url(url: str) -> None:
    with pytest.raises(ValueError):
        origin_of(url)


def test_a_public_deploy_url_is_the_only_origin() -> None:
    assert app_origins("https://smnb.example.com/app") == ("https://smnb.example.com",)


def test_a_loopback_deploy_url_also_accepts_the_other_loopback_names_on_its_port() -> None:
    assert app_origins("http://localhost:3000") == (
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
    )
    assert app_origins("http://127.0.0.1:8123")[0] == "http://127.0.0.1:8123"


def test_configured_parties_replace_the_derived_origins() -> None:
    assert app_origins("http://localhost:3000", ("https://a.example",)) == ("https://a.example",)


def test_no_deploy_url_means_reflexs_default_frontend() -> None:
    assert app_origins(None)[0] == "http://localhost:3000"


def test_websocket_origin_follows_the_scheme() -> None:
    assert [websocket_origin(o) for o in ("http://a:1", "https://b")] == ["ws://a:1", "wss://b"]


def test_production_on_loopback_origins_only_warns_the_operator() -> None:
    local = ("http://localhost:3000", "http://127.0.0.1:3000")
    assert start_up_warnings(Settings(production=False), local) == []
    assert len(start_up_warnings(Settings(auth_provider="clerk", production=True), local)) == 1
    assert start_up_warnings(Settings(auth_provider="clerk", production=True), ("https://smnb.example.com",)) == []
    dev_in_prod = start_up_warnings(Settings(production=True, allow_dev_auth_in_prod=True), ("https://a.example",))
    assert len(dev_in_prod) == 1 and "dev sign-in runs in production mode" in dev_in_prod[0]


@pytest.mark.parametrize("url", ["http://[::1", "http://h.example:notaport", "http://h.example:99999", "https://[x"])
def test_origin_of_refuses_a_malformed_url_with_a_short_value_error(url: str) -> None:
    with pytest.raises(ValueError, match=r"is not an absolute http\(s\) URL$"):
        origin_of(url)
    with pytest.raises(ValueError) as refused:
        origin_of(url + "x" * 10_000)
    assert len(str(refused.value)) < 150


@pytest.mark.parametrize("deploy_url", ["http://[::1", "http://[::1]:notaport", "ftp://x", "x" * 10_000])
def test_a_malformed_deploy_url_counts_as_the_loopback_default_instead_of_raising(deploy_url: str) -> None:
    assert app_origins(deploy_url) == app_origins(None)


def test_rxconfig_imports_with_malformed_origins_and_leaves_the_refusal_to_start_up() -> None:
    def cors_origins(env: dict[str, str]) -> str:
        probe = "import rxconfig; print(rxconfig.config.cors_allowed_origins)"
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
        return result.stdout.strip()

    assert cors_origins({"REFLEX_DEPLOY_URL": "http://[::1"}) == str(app_origins(None))
    parties = {"REFLEX_DEPLOY_URL": "http://[::1", "CLERK_AUTHORIZED_PARTIES": "http://[::1, https://ok.example"}
    assert cors_origins(parties) == "('http://[::1', 'https://ok.example')"

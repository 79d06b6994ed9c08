"""The app's own origins: the only `azp` accepted, the only pages the dev provider answers."""

from __future__ import annotations

import pytest

from smnb_app.net.origins import app_origins, origin_of, websocket_origin
from smnb_app.settings import Settings
from smnb_app.state.runtime import start_up_warnings


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
        "http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000",
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

"""The Clerk wrappers render Clerk's exact prop names; the bridge follows the provider."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import reflex as rx

from smnb_app.components import token_bridge as bridge_module
from smnb_app.providers.clerk.components import (
    AFTER_SIGN_IN_URL,
    ClerkProvider,
    UserButton,
    clerk_provider,
    sign_in_form,
    sign_up_form,
)
from smnb_app.providers.clerk.config import CLERK_REACT_PACKAGE
from smnb_app.settings import Settings
from smnb_app.state.auth import AuthState
from tests.support.settings import publishable_key

ROOT = Path(__file__).resolve().parents[2]
BRIDGE_EVENTS = (AuthState.set_session_token, AuthState.dev_sign_in_started, AuthState.dev_sign_in_failed)
KEY = publishable_key("clerk.example.com")


def test_provider_passes_clerks_exact_prop_names() -> None:
    rendered = str(clerk_provider(KEY, "https://cdn.example.com/clerk.browser.js"))
    assert 'clerkJSUrl:"https://cdn.example.com/clerk.browser.js"' in rendered
    assert "clerkJsUrl" not in rendered
    for prop in (f'publishableKey:"{KEY}"', 'afterSignOutUrl:"/sign-in"', 'signInUrl:"/sign-in"',
                 'signUpUrl:"/sign-up"', 'signInFallbackRedirectUrl:"/dashboard"', "telemetry:false"):
        assert prop in rendered


def test_provider_navigates_with_the_apps_router_instead_of_reloading() -> None:
    provider = clerk_provider(KEY)
    assert "routerPush:(async (to) => { await window.smnbAuth?.synced?.(); smnbNavigate(to); })" in str(provider)
    assert "const smnbNavigate = useNavigate();" in provider._get_all_hooks()


def test_provider_without_a_script_url_lets_clerk_choose_its_cdn() -> None:
    assert "clerkJSUrl" not in str(clerk_provider(KEY))


def test_js_version_and_appearance_keep_clerks_spelling() -> None:
    rendered = str(ClerkProvider.create(clerk_js_version="5.56.0", appearance={"variables": {"colorPrimary": "#0090ff"}}))
    assert 'clerkJSVersion:"5.56.0"' in rendered
    assert 'appearance:({ ["variables"] : ({ ["colorPrimary"] : "#0090ff" }) })' in rendered


def test_sign_in_and_sign_up_use_hash_routing_and_return_to_next() -> None:
    sign_in, sign_up = str(sign_in_form()), str(sign_up_form())
    assert 'routing:"hash"' in sign_in and 'signUpUrl:"/sign-up"' in sign_in
    assert 'routing:"hash"' in sign_up and 'signInUrl:"/sign-in"' in sign_up
    assert f"forceRedirectUrl:{AFTER_SIGN_IN_URL!s}" in sign_in
    assert f"forceRedirectUrl:{AFTER_SIGN_IN_URL!s}" in sign_up


def test_components_are_imported_from_the_pinned_package() -> None:
    imports = UserButton.create()._get_all_imports()
    assert [tag.tag for tag in imports[CLERK_REACT_PACKAGE]] == ["UserButton"]


@pytest.mark.parametrize(("provider", "tag"), [("dev", "DevTokenBridge"), ("clerk", "ClerkTokenBridge")])
def test_token_bridge_follows_the_configured_provider(monkeypatch, provider: str, tag: str) -> None:
    settings = Settings(auth_provider=provider, clerk_publishable_key=KEY if provider == "clerk" else None)
    monkeypatch.setattr(bridge_module, "get_settings", lambda: settings)
    bridge = bridge_module.token_bridge(*BRIDGE_EVENTS)
    assert bridge.tag == tag
    assert "onToken" in str(bridge)


def test_clerk_bridge_is_told_about_every_new_websocket_connection(monkeypatch) -> None:
    monkeypatch.setattr(bridge_module, "get_settings", lambda: Settings(auth_provider="clerk", clerk_publishable_key=KEY))
    rendered = str(bridge_module.token_bridge(*BRIDGE_EVENTS))
    assert f"connectionId:{rx.State.router.session.session_id!s}" in rendered


@pytest.mark.parametrize(("env", "packages"), [({}, [CLERK_REACT_PACKAGE]), ({"SMNB_AUTH_PROVIDER": "clerk"}, [])])
def test_dev_mode_installs_the_same_clerk_package_so_reflex_lock_stays_put(monkeypatch, env, packages) -> None:
    for name in ("SMNB_AUTH_PROVIDER", "CLERK_PUBLISHABLE_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(ROOT))
    rxconfig = importlib.reload(importlib.import_module("rxconfig"))
    assert rxconfig.config.frontend_packages == packages

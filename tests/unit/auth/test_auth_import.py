"""The auth core stands alone: importing it loads neither Reflex nor SQLModel."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT

PROBE = """
import pkgutil, importlib, sys
import smnb_app.auth
for module in pkgutil.walk_packages(smnb_app.auth.__path__, "smnb_app.auth."):
    importlib.import_module(module.name)
print(sorted(m for m in ("reflex", "sqlmodel", "sqlalchemy") if m in sys.modules))
"""


def test_auth_package_imports_without_reflex_or_sqlmodel() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_public_api_is_exported() -> None:
    import smnb_app.auth as auth

    assert set(auth.__all__) >= {
        "VerifierConfig",
        "TokenVerifier",
        "SessionClaims",
        "TokenVerificationError",
        "Reason",
    }

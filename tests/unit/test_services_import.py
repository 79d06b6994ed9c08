"""The data layer imports without Reflex (checked in a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_services_and_db_import_without_reflex() -> None:
    code = (
        "import sys\n"
        "import smnb_app.services.users, smnb_app.services.sessions, smnb_app.db\n"
        "import smnb_app.db.migrate, smnb_app.services.session_commands\n"
        "loaded = sorted(m for m in sys.modules if m == 'reflex' or m.startswith('reflex.'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

"""The data layer and the HTTP-edge helpers import without Reflex (checked in a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import PROJECT_ROOT


def test_services_and_db_import_without_reflex() -> None:
    code = (
        "import sys\n"
        "import smnb_app.services.identity.users, smnb_app.services.sessions, smnb_app.db\n"
        "import smnb_app.db.migrate, smnb_app.services.sessions.commands, smnb_app.services.audit\n"
        "import smnb_app.net.security_headers, smnb_app.net.next_path, smnb_app.net.origins\n"
        "import smnb_app.net.client_address, smnb_app.net.token_bucket, smnb_app.system.secure_files\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('reflex', 'reflex_base'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

"""Start-up's secrets on disk: a key path that cannot be used stops the app with one line per file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smnb_app.config.settings import Settings
from smnb_app.web.shared import runtime


@pytest.fixture
def fresh_secrets() -> Iterator[None]:
    loaders = (runtime.get_link_secret, runtime.get_provider)
    for loader in loaders:
        loader.cache_clear()
    yield
    for loader in loaders:
        loader.cache_clear()


@pytest.mark.usefixtures("fresh_secrets")
def test_a_dev_key_path_under_a_file_stops_start_up_with_one_line_per_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "taken").write_bytes(b"keep")
    settings = Settings(dev_key_path=str(tmp_path / "taken" / "dev.pem"))
    monkeypatch.setattr(runtime, "get_settings", lambda: settings)
    with pytest.raises(SystemExit) as stopped:
        runtime.load_secrets_or_exit()
    lines = str(stopped.value.code).splitlines()
    blocked = f"cannot make the directory {str(tmp_path / 'taken')!r}: a file is in the way"
    assert lines[0] == "smnb_app: unsafe files:"
    assert lines[1].startswith(f"  the link secret (or set SMNB_LINK_SECRET): {blocked}")
    assert blocked in lines[2] and len(lines) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["taken"] and (tmp_path / "taken").read_bytes() == b"keep"

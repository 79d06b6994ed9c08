"""Secrets on disk: created atomically and owner-only, never through a symlink; exposed ones refused."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from smnb_app.system.secure_files import (
    UnsafeFileError,
    UnusablePathError,
    create_private_file,
    ensure_private_file,
    load_or_create_secret,
    read_private_file,
)


def mode(path: Path) -> int:
    return path.lstat().st_mode & 0o777


def test_a_new_secret_is_0600_in_a_0700_directory_and_nothing_else_is_left(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secret"
    secret = load_or_create_secret(path, name="S")
    assert len(secret) == 32 and load_or_create_secret(path, name="S") == secret
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    assert [p.name for p in path.parent.iterdir()] == ["secret"]


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    assert create_private_file(path, b"first")
    assert not create_private_file(path, b"second")
    assert path.read_bytes() == b"first"


def test_concurrent_creators_agree_on_one_secret(tmp_path: Path) -> None:
    path, results = tmp_path / "keys" / "secret", []

    def create() -> None:
        results.append(load_or_create_secret(path, name="S"))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 8


def test_a_symlink_planted_where_the_secret_goes_is_neither_followed_nor_read(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir(mode=0o700)
    target = tmp_path / "victim"
    target.write_bytes(b"do not touch")
    (tmp_path / "keys" / "secret").symlink_to(target)
    with pytest.raises(UnsafeFileError, match="symlink"):
        load_or_create_secret(tmp_path / "keys" / "secret", name="S")
    assert target.read_bytes() == b"do not touch"


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o660, 0o602])
def test_a_secret_readable_or_writable_by_others_stops_start_up_with_the_fix(tmp_path: Path, loose: int) -> None:
    path = tmp_path / "secret"
    load_or_create_secret(path, name="SMNB_X")
    path.chmod(loose)
    with pytest.raises(UnsafeFileError) as refused:
        read_private_file(path, name="SMNB_X")
    assert str(refused.value) == f"SMNB_X: {path} is accessible by group or others; run `chmod 600 {path}`"


def test_a_directory_open_to_others_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    with pytest.raises(UnsafeFileError, match=r"accessible by group or others; run `chmod 700 "):
        create_private_file(directory / "secret", b"x")
    assert not (directory / "secret").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_a_secret_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    load_or_create_secret(path, name="S")
    os.chown(path, 65534, 65534)
    with pytest.raises(UnsafeFileError, match="belongs to another user"):
        read_private_file(path, name="S")


def test_a_store_left_readable_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    store = tmp_path / "keys" / "store.sqlite3"
    store.parent.mkdir(mode=0o700)
    store.write_bytes(b"")
    store.chmod(0o644)
    ensure_private_file(store, name="the store")
    assert mode(store) == 0o600
    ensure_private_file(tmp_path / "keys" / "new.sqlite3", name="the store")
    assert mode(tmp_path / "keys" / "new.sqlite3") == 0o600


def test_a_secret_too_short_to_be_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    create_private_file(path, b"")
    with pytest.raises(UnsafeFileError, match=r"holds 0 bytes, fewer than 32; delete it to get a new one"):
        load_or_create_secret(path, name="S")


@pytest.mark.parametrize("under", [("taken",), ("taken", "deeper")])
def test_a_directory_blocked_by_a_file_is_one_line_naming_the_secret_and_nothing_is_created(
    tmp_path: Path, under: tuple[str, ...]
) -> None:
    (tmp_path / "taken").write_bytes(b"keep")
    path = tmp_path.joinpath(*under, "secret")
    with pytest.raises(UnusablePathError) as refused:
        load_or_create_secret(path, name="SMNB_DEV_KEY_PATH")
    message = str(refused.value)
    assert message == (
        f"SMNB_DEV_KEY_PATH: cannot make the directory {str(path.parent)!r}: a file is in the way; "
        "choose another path or move the file"
    )
    assert isinstance(refused.value, UnsafeFileError)
    assert [p.name for p in tmp_path.iterdir()] == ["taken"] and (tmp_path / "taken").read_bytes() == b"keep"


def test_a_file_name_too_long_to_create_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / ("k" * 250)
    with pytest.raises(UnusablePathError) as refused:
        create_private_file(path, b"x", name="the store")
    assert str(refused.value).startswith("the store: cannot create ")
    assert str(refused.value).endswith(": File name too long; choose another path")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_may_not_be_made_is_one_line_with_the_reason(tmp_path: Path) -> None:
    refusal = r"^cannot make the directory '/proc/smnb-keys': No such file or directory; choose another path$"
    with pytest.raises(UnusablePathError, match=refusal):
        create_private_file(Path("/proc/smnb-keys/secret"), b"x")


def test_the_directories_above_a_new_secret_are_made_owner_only_too(tmp_path: Path) -> None:
    secret = tmp_path / "a" / "b" / "link_secret"
    load_or_create_secret(secret, name="the link secret")
    assert {oct(path.stat().st_mode & 0o777) for path in (tmp_path / "a", tmp_path / "a" / "b")} == {"0o700"}

"""Secrets on disk: created atomically, owner-only, never through a symlink; refused when exposed.

Used for the dev issuer's private key, the link secret and the dev provider's session store.
A file is first written under a temporary name (`O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600),
then hard-linked into place, which fails if anything, a symlink included, already sits there:
concurrent workers agree on the first file and nobody can redirect the write.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from smnb_app.config.echo import shown

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)


class UnsafeFileError(Exception):
    """A secret file or its directory is exposed; the message is one line saying what to fix."""


class UnusablePathError(UnsafeFileError):
    """A secret cannot be kept where it is asked to be (a file where a directory goes, no permission)."""


def _label(name: str | None) -> str:
    return f"{name}: " if name else ""


def make_dirs_private(path: Path) -> None:
    """Create `path` and every missing directory above it owner-only (0700).

    `Path.mkdir(parents=True)` would make the parents with the default mode (0755 under the
    usual umask), whatever `mode` says.

    Args:
        path: The directory.

    Raises:
        OSError: A directory cannot be made (a file in the way, no permission).
    """
    for parent in reversed(path.parents):
        if not parent.exists():
            try:
                parent.mkdir(mode=0o700)
            except FileExistsError:
                if not parent.is_dir():
                    raise
    path.mkdir(mode=0o700, exist_ok=True)


def private_dir(path: Path, *, name: str | None = None) -> None:
    """Make sure `path` is a directory only its owner can enter (0700), creating it when missing.

    Args:
        path: The directory.
        name: What it holds, for the message (e.g. "SMNB_DEV_KEY_PATH").

    Raises:
        UnusablePathError: It cannot be made (a file stands on the way, no permission, a name
            too long).
        UnsafeFileError: It is a symlink, not a directory, owned by another user, or open to
            group or others.
    """
    try:
        make_dirs_private(path)
    except (FileExistsError, NotADirectoryError):
        raise UnusablePathError(
            f"{_label(name)}cannot make the directory {shown(str(path))}: a file is in the "
            "way; choose another path or move the file"
        ) from None
    except OSError as error:
        raise UnusablePathError(
            f"{_label(name)}cannot make the directory {shown(str(path))}: {error.strerror}; choose another path"
        ) from None
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(f"{_label(name)}{path} must be a real directory, not a symlink or a file; remove it")
    if info.st_uid != os.geteuid():
        raise UnsafeFileError(
            f"{_label(name)}{path} belongs to another user; keep the app's secrets in a directory of its own"
        )
    if info.st_mode & 0o077:
        raise UnsafeFileError(
            f"{_label(name)}{path} is accessible by group or others; run `chmod 700 {path}` if it holds only the "
            "app's secrets, else keep them in a directory of their own"
        )


def create_private_file(path: Path, data: bytes, *, name: str | None = None) -> bool:
    """Write `data` to a new file at `path`, mode 0600, unless something already exists there.

    Args:
        path: The file; its directory is made private first.
        data: The contents.
        name: What it is, for the message (e.g. "SMNB_DEV_KEY_PATH").

    Returns:
        True when this call created the file, False when it already existed (kept as it is).

    Raises:
        UnusablePathError: The directory cannot be made, or the file not created in it.
        UnsafeFileError: The directory is unsafe (see `private_dir`).
    """
    private_dir(path.parent, name=name)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(draft, _CREATE, 0o600)
    except OSError as error:
        raise UnusablePathError(
            f"{_label(name)}cannot create {shown(str(path))}: {error.strerror}; choose another path"
        ) from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path, follow_symlinks=False)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(draft)


def read_private_file(path: Path, *, name: str) -> bytes:
    """Read a secret, refusing one that others could have read or replaced.

    Args:
        path: The file.
        name: What it is, for the message (e.g. "SMNB_DEV_KEY_PATH").

    Returns:
        The contents.

    Raises:
        UnsafeFileError: It is a symlink or not a regular file, belongs to another user, or is
            readable or writable by group or others.
        FileNotFoundError: It does not exist.
    """
    try:
        fd = os.open(path, _OPEN)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise UnsafeFileError(f"{name}: {path} cannot be opened safely (a symlink?); replace it with a file") from None
    with os.fdopen(fd, "rb") as file:
        check_private(os.fstat(file.fileno()), path, name=name)
        return file.read()


def check_private(info: os.stat_result, path: Path, *, name: str) -> None:
    """Refuse a file that is not a regular file owned by this user and closed to everyone else.

    Args:
        info: The file's status.
        path: The file, for the message.
        name: What it is, for the message.

    Raises:
        UnsafeFileError: One line saying what to fix.
    """
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{name}: {path} is not a regular file; replace it")
    if info.st_uid != os.geteuid():
        raise UnsafeFileError(f"{name}: {path} belongs to another user; run `chown $(id -u) {path}` or replace it")
    if info.st_mode & 0o077:
        raise UnsafeFileError(f"{name}: {path} is accessible by group or others; run `chmod 600 {path}`")


def ensure_private_file(path: Path, *, name: str) -> None:
    """Make sure an owner-only file exists at `path` (empty when new), e.g. a SQLite store.

    A store of ours left readable by others (as older versions created it) is tightened.

    Args:
        path: The file.
        name: What it is, for the message.

    Raises:
        UnsafeFileError: It is a symlink, not a regular file, or belongs to another user.
    """
    create_private_file(path, b"", name=name)
    info = path.lstat()
    if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        path.chmod(0o600)
        info = path.lstat()
    check_private(info, path, name=name)


def load_or_create_secret(path: Path, *, name: str, size: int = 32) -> bytes:
    """The random secret at `path`, created (`size` random bytes) when missing.

    Args:
        path: The file.
        name: What it is, for messages.
        size: Bytes of a new secret.

    Returns:
        The secret.

    Raises:
        UnsafeFileError: The file or its directory is exposed, or the secret is too short to be one.
    """
    if not path.exists():
        create_private_file(path, secrets.token_bytes(size), name=name)
    secret = read_private_file(path, name=name)
    if len(secret) < size:
        raise UnsafeFileError(
            f"{name}: {path} holds {len(secret)} bytes, fewer than {size}; delete it to get a new one"
        )
    return secret

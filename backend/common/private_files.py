"""Files only the service's own user may read: ``instance/``, keys, the SQLite database.

What the service keeps on disk (the embedded database with every applicant's ID number, the
certificate signing keys, the development identity provider's key) is for the service's user
alone: files are created ``0600`` and folders ``0700`` from the first byte, whatever the umask.

Files and folders found open to others (group or world bits) when the service starts are
tightened, never silently left: each is logged as a warning naming it and its old mode, so an
operator learns that something had been readable and can find out by whom. Only the group and
world bits are removed; what the owner may do is kept.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
_OTHERS = 0o077


def private_directory(path: str | os.PathLike[str]) -> Path:
    """``path`` as a folder only the owner may open (created with its parents if missing; the
    parents it creates are private too, folders that existed are left as they are)."""
    path = Path(path)
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
    tighten(path)
    return path


def create_private_file(path: str | os.PathLike[str]) -> None:
    """Make sure ``path`` exists as a file only the owner may read (an empty one if new), so that
    what later opens it (SQLite) finds it private rather than creating it under the umask."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE))
    tighten(path)


def write_private_file(path: str | os.PathLike[str], content: bytes) -> None:
    """Write ``content`` to ``path``, a file only the owner may read from its creation on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)  # (an existing file keeps its mode through O_CREAT)
        handle.write(content)


def tighten(path: str | os.PathLike[str]) -> None:
    """Take away the group's and others' access to ``path``, with a warning if they had any."""
    mode = stat.S_IMODE(os.lstat(path).st_mode)
    if mode & _OTHERS and not os.path.islink(path):
        os.chmod(path, mode & ~_OTHERS)
        log.warning("%s was readable or writable by others (mode %s): now %s", path,
                    oct(mode), oct(mode & ~_OTHERS))


def tighten_tree(root: str | os.PathLike[str]) -> None:
    """Tighten ``root`` and everything under it (the instance folder at every start)."""
    for folder, _folders, files in os.walk(root):
        tighten(folder)
        for name in files:
            tighten(os.path.join(folder, name))

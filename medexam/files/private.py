"""Files and folders only the service's own user may read: 0600 and 0700.

Candidates' images already are (the private storage's permission modes). What else the
product writes holds personal data too: the SQLite database (and its -wal and -shm files,
which hold recent pages of it), the file SMS backend's log (phone numbers and live codes),
exports and backups. Two guards, both needed:

* `restrict_umask()` at start (files app's ready()): whatever any library creates from then
  on is 0600 / 0700, whatever the shell's umask was;
* explicit modes where a file may already exist with looser ones (`private_file`,
  `restrict_sqlite`: a database created by an older version stays 0644 otherwise).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def restrict_umask() -> None:
    os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """Creates `path` and its missing parents as 0700 (existing folders are left as they
    are: a parent such as /tmp is not ours to change)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # created meanwhile by another process
        os.chmod(folder, DIR_MODE)
    return path


def private_file(path: Path, flags: int = os.O_RDWR | os.O_APPEND) -> int:
    """A descriptor on `path`, created 0600 if absent and made 0600 if it was not."""
    private_dir(path.parent)
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd


def restrict_sqlite(database: str | os.PathLike[str]) -> None:
    """The database file and its companions to 0600 (those that exist; SQLite creates the
    -wal and -shm files later with the main file's mode)."""
    name = str(database)
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in SQLITE_SUFFIXES:
        try:
            os.chmod(name + suffix, FILE_MODE)
        except FileNotFoundError:
            pass


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Django's connection_created: every new SQLite connection checks the file modes."""
    if connection.vendor == "sqlite":
        restrict_sqlite(connection.settings_dict["NAME"])

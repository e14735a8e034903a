"""Backups that restore: the database first, then the files, into one folder.

Why this order is safe under load: a file is written before its row commits, so every row in
the database copy had its file in storage when the copy's snapshot was taken; and a file
leaves storage only a grace period after its row was deleted (files.services), longer than
a whole backup. So by the time the file copy reaches it, every file the database copy names
is still there: the restore has no row pointing at a missing file. What the file copy holds
beyond that (uploads after the snapshot, files awaiting deletion) is harmless, and the
orphan sweep removes it after a restore.

PostgreSQL is dumped with pg_dump (one consistent snapshot, the database keeps serving);
SQLite with its online backup API. Files are copied through the storage API, streamed, so
the same command serves local disk and S3. For S3 at national size, bucket versioning or
replication plus a nightly pg_dump (or base backup + WAL archiving for point-in-time
recovery) does the same job (README, "Backups"); the ordering argument is the same.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import connection
from django.utils import timezone

from medexam.files.storage import FileMissing, list_files, open_stream

DUMP = "database.dump"
SQLITE = "database.sqlite3"
FILES = "files"
MANIFEST = "manifest.json"


@dataclass
class Manifest:
    started_at: str
    database_done_at: str = ""
    files_done_at: str = ""
    vendor: str = ""
    files: int = 0
    bytes: int = 0


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's client tools")
    return found


def _pg_env(settings: dict) -> tuple[list[str], dict]:
    args = [
        "--host",
        settings.get("HOST") or "127.0.0.1",
        "--port",
        str(settings.get("PORT") or 5432),
    ]
    if settings.get("USER"):
        args += ["--username", settings["USER"]]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def dump_database(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _pg_env(settings)
        subprocess.run(  # noqa: S603 - fixed binary, arguments from settings
            [
                _tool("pg_dump"),
                "--format=custom",
                "--file",
                str(target / DUMP),
                *args,
                settings["NAME"],
            ],
            check=True,
            env=env,
        )
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(settings["NAME"])
        try:
            with sqlite3.connect(target / SQLITE) as copy:
                source.backup(copy)
        finally:
            source.close()
    else:  # pragma: no cover
        raise RuntimeError(f"no backup for {connection.vendor}")


def copy_files(target: Path, storage) -> tuple[int, int]:
    count = size = 0
    for stored in list_files(storage, ""):
        path = target / FILES / stored.name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            stream, _ = open_stream(storage, stored.name)
        except FileMissing:
            # Deleted since it was listed: by the deletion job, which removes only files
            # whose rows went more than FILE_DELETE_GRACE_SECONDS ago, so the database copy
            # (taken first) does not reference it. Nothing to restore; the copy goes on.
            continue
        try:
            with open(path, "wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
        finally:
            stream.close()
        count += 1
        size += stored.size
    return count, size


def backup(target: Path, storage) -> Manifest:
    target.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(started_at=timezone.now().isoformat(), vendor=connection.vendor)
    dump_database(target)  # first: see the module's docstring
    manifest.database_done_at = timezone.now().isoformat()
    manifest.files, manifest.bytes = copy_files(target, storage)
    manifest.files_done_at = timezone.now().isoformat()
    (target / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2))
    return manifest


def restore_database(source: Path) -> None:
    """Into the configured database, which must be empty (created for the restore)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _pg_env(settings)
        subprocess.run(  # noqa: S603
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--dbname", settings["NAME"], *args, str(source / DUMP)],
            check=True,
            env=env,
        )  # fmt: skip
    else:
        connection.close()
        shutil.copyfile(source / SQLITE, settings["NAME"])


def restore_files(source: Path, storage) -> int:
    from django.core.files import File

    count = 0
    root = source / FILES
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if storage.exists(name):
            continue
        with open(path, "rb") as fh:
            saved = storage.save(name, File(fh))
        if saved != name:  # pragma: no cover - file_overwrite=False renames on a clash
            raise RuntimeError(f"restored {name} as {saved}")
        count += 1
    return count

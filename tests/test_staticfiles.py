"""Production static files: the upload script's ES modules import each other by their hashed
names, so a page never combines a new entry module with a stale cached one."""

from __future__ import annotations

import json
import re

from django.core.management import call_command

UPLOAD = "medexam/upload/"


def test_the_modules_import_each_other_by_hashed_name(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "medexam.staticfiles.StaticFilesStorage"},
    }

    call_command("collectstatic", interactive=False, verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    entry = (tmp_path / manifest[UPLOAD + "page.js"]).read_text()
    imported = re.findall(r'from "\./([^"]+)"', entry)
    assert sorted(imported) == sorted(
        manifest[UPLOAD + name].removeprefix(UPLOAD)
        for name in ("batch.js", "config.js", "controls.js", "draw.js", "geometry.js",
                     "panel.js", "read.js", "send.js", "sync.js")
    )  # fmt: skip
    assert all((tmp_path / UPLOAD / name).exists() for name in imported)

"""`python -m medexam read_document PATH [PATH ...] [--kind KIND] --json`

Reads documents exactly as the pre-check task does (medexam.precheck.reader): one line per
file, with --json a JSON object {"file", "kind", "fields", "confidence"}. `--kind` skips the
classifier and reads that kind's fields. Prints what it read to the terminal of whoever runs
it (an operator checking a file), never to a log.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medexam.precheck.reader import KINDS, UnreadableImage, read_document


class Command(BaseCommand):
    help = "Read ID cards, 学信网 records and diplomas: kind, fields, confidence."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--kind", choices=[k for k in KINDS if k != "unknown"], help="skip classification"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, **options):
        paths = [Path(p) for p in options["paths"]]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"找不到文件 (no such file): {', '.join(missing)}", returncode=2)
        for path in paths:
            try:
                reading = read_document(path.read_bytes(), kind=options["kind"])
                line = reading.as_json(str(path))
            except UnreadableImage:
                line = {
                    "file": str(path),
                    "kind": "unknown",
                    "fields": {},
                    "confidence": 0.0,
                    "error": "不是可以打开的图片 (not an image)",
                }
            if options["json"]:
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                fields = "  ".join(f"{k}={v}" for k, v in line["fields"].items())
                self.stdout.write(f"{path}: {line['kind']} ({line['confidence']:.2f})  {fields}")

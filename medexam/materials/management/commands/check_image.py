"""`python -m medexam check_image PATH [PATH ...] [--name CLIENT_FILENAME] [--json]`

Runs the same intake as the upload page on files from disk: one line per file (JSON with
--json). Exits 0 whatever the verdicts; non-zero only for its own usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from medexam.materials import intake


class Command(BaseCommand):
    help = "Check image files exactly as an upload would be checked (verdict, code, message)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--name",
            help="the file name the browser would send (only with a single PATH); "
            "default: the path's own name",
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument(
            "--out",
            metavar="DIR",
            help="also write each accepted file's normalised image and thumbnail here",
        )

    def handle(self, *args, **options):
        paths = [Path(p) for p in options["paths"]]
        if options["name"] is not None and len(paths) != 1:
            raise CommandError(
                "--name 只能与一个 PATH 一起使用 (--name needs exactly one PATH)", returncode=2
            )
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError("找不到文件 (not a file): " + ", ".join(missing), returncode=2)
        out_dir = Path(options["out"]) if options["out"] else None
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)

        seen: list[tuple[str, intake.IntakeResult]] = []
        for index, path in enumerate(paths):
            name = options["name"] if options["name"] is not None else path.name
            result = intake.inspect_image(path.read_bytes(), name)
            earlier = _duplicate_of(result, seen)
            if earlier is not None:
                result = intake.with_duplicate(
                    result, f"{intake.MESSAGES['DUPLICATE']}（与本次检查的 {earlier} 相同）"
                )
            if result.verdict != "reject":
                seen.append((str(path), result))
            stored = None
            if out_dir is not None and result.content is not None:
                stored = out_dir / f"{index:04d}{result.extension}"
                stored.write_bytes(result.content)
                thumbnail = intake.make_thumbnail(result.content)
                (out_dir / f"{index:04d}.thumb.jpg").write_bytes(thumbnail)
            self._print(str(path), result, stored, as_json=options["json"])

    def _print(self, file: str, result: intake.IntakeResult, stored: Path | None, *, as_json):
        if as_json:
            row = {
                "file": file,
                "verdict": result.verdict,
                "code": result.code,
                "message": result.message,
                "format": result.format,
                "width": result.width,
                "height": result.height,
                "bytes": result.bytes,
                "sha256": result.sha256,
                "warnings": [{"code": w.code, "message": w.message} for w in result.warnings],
                "normalisations": list(result.normalisations),
                "stored_bytes": len(result.content) if result.content is not None else None,
                "phash": result.phash,
                "metrics": result.metrics,
            }
            if stored is not None:
                row["stored_as"] = str(stored)
            self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        size = f"{result.width}×{result.height} {result.format}" if result.width else "-"
        self.stdout.write(f"{file}: {result.verdict} {result.code} ({size}, {result.bytes} bytes)")
        self.stdout.write(f"    {result.message}")
        for finding in result.warnings[1:]:
            self.stdout.write(f"    + {finding.code}: {finding.message}")
        if result.normalisations:
            self.stdout.write(f"    normalised: {', '.join(result.normalisations)}")


def _duplicate_of(result: intake.IntakeResult, seen) -> str | None:
    if result.verdict == "reject":
        return None
    for file, other in seen:
        if other.sha256 == result.sha256:
            return file
        if (
            result.phash
            and other.phash
            and intake.phash_distance(result.phash, other.phash) <= intake.PHASH_DUPLICATE_DISTANCE
        ):
            return file
    return None

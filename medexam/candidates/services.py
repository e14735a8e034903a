"""Writing registration data: importing a file, giving each candidate an account and a
draft application. Reading and checking the file is medexam.candidates.importing."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.audit.services import client_ip, record
from medexam.candidates import idcrypto
from medexam.candidates.bulk import allocate_ids, insert_rows
from medexam.candidates.importing import (
    FIELD_LABELS,
    ImportFileError,
    ParsedRow,
    Progress,
    RowError,
    parse_file,
)
from medexam.candidates.models import Candidate, ImportRun, mask_id_number, mask_phone

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User
    from medexam.rules.models import Exam

MAX_STORED_ERRORS = 2000
BATCH = 2000


@dataclass
class ImportReport:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    good_only: bool = False
    run_id: int | None = None
    # registration number -> {field label: [old, new]} (masked where personal)
    changes: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})

    @property
    def refused(self) -> bool:
        return bool(self.errors) and not self.applied and not self.dry_run

    def summary(self) -> str:
        """One Chinese sentence for the operator: what happened and what to do next."""
        counts = f"共 {self.total_rows} 行：新增 {self.created}，更新 {self.updated}，无变化 {self.unchanged}"
        bad = len(self.bad_lines)
        if self.dry_run:
            tail = f"，有问题的行 {bad} 行。" if bad else "，全部通过校验。"
            return f"试导入（未写入任何数据）：{counts}{tail}"
        if self.applied:
            skipped = f"，跳过有问题的行 {bad} 行" if bad else ""
            return f"导入完成：{counts}{skipped}。"
        return (
            f"未导入任何数据：{bad} 行有问题。请按下列原因修改文件后重新导入，"
            "或选择“只导入无问题的行”。"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "applied": self.applied,
            "dry_run": self.dry_run,
            "good_only": self.good_only,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "summary": self.summary(),
            "errors": [error.as_dict() for error in self.errors],
            "changes": self.changes,
        }


def new_candidate_username() -> str:
    # A server-chosen handle: the ID number never becomes a username (SPEC §7, privacy).
    return "c-" + secrets.token_hex(8)


def create_draft_applications(*, candidates: list[Candidate]) -> None:
    """Every candidate has exactly one application from the day they are imported, so the
    candidate's page and the reviewer's statistics never meet a candidate without one."""
    from medexam.materials import tallies
    from medexam.materials.models import Application
    from medexam.rules.models import Exam

    having = set(
        Application.objects.filter(candidate__in=[c.pk for c in candidates]).values_list(
            "candidate_id", flat=True
        )
    )
    new = [c for c in candidates if c.pk not in having]
    provinces = dict(
        Exam.objects.filter(pk__in={c.exam_id for c in new}).values_list("pk", "province")
    )
    applications = [
        Application(candidate=c, exam_site_id=c.exam_site_id, province=provinces[c.exam_id])
        for c in new
    ]
    Application.objects.bulk_create(applications, batch_size=BATCH)
    tallies.created(applications)


def import_candidates(
    *,
    exam: Exam,
    filename: str,
    data: bytes | None = None,
    path: Path | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
    source: str = ImportRun.Source.COMMAND,
    dry_run: bool = False,
    good_only: bool = False,
    progress: Progress | None = None,
    guard: Callable[[], None] | None = None,
) -> ImportReport:
    """Imports a registration file (`data`, or the file at `path`). All or nothing unless
    good_only: one bad row and nothing is written. Re-importing the same file changes
    nothing; a changed row updates its candidate (matched by registration number) and the
    audit log records old and new. `progress` follows the reading (importing.parse_file);
    `guard()` runs inside the write transaction before anything is written and may raise to
    stop it (an import job checks there that its lease is still its own)."""
    report = ImportReport(dry_run=dry_run, good_only=good_only)
    sha256 = _sha256(data=data, path=path)
    try:
        rows = parse_file(exam=exam, data=data, path=path, filename=filename, progress=progress)
    except ImportFileError as exc:
        report.errors.append(RowError(0, "", exc.code, exc.message))
        _save_run(report, exam=exam, actor=actor, source=source, filename=filename, sha256=sha256)
        return report
    report.total_rows = len(rows)

    with transaction.atomic():
        # Another import of the same exam waits here: two imports interleaving could both
        # decide that a registration number is new and create two accounts for it.
        from medexam.rules.models import Exam as ExamModel

        # NO KEY: rows that merely reference the exam (new candidates, sites) are not blocked.
        ExamModel.objects.select_for_update(no_key=True).get(pk=exam.pk)
        if guard is not None:
            guard()
        # The encrypted number stays unread (deferred): rows are matched and compared by
        # its keyed hash, so a re-import of 900,000 rows decrypts only the changed ones.
        existing = {
            c.registration_no: c for c in Candidate.objects.filter(exam=exam).defer("id_number")
        }
        owners = {(c.id_type, c.id_number_hmac): c.registration_no for c in existing.values()}
        plan_new: list[ParsedRow] = []
        plan_update: list[tuple[Candidate, dict[str, Any], dict[str, list[Any]]]] = []
        for row in rows:
            _check_against_database(row, existing, owners)
            if row.errors:
                report.errors.extend(row.errors)
                continue
            current = existing.get(row.values["registration_no"])
            if current is None:
                plan_new.append(row)
                continue
            changed = _changes(current, row)
            if changed:
                plan_update.append((current, row.values, changed))
            else:
                report.unchanged += 1
        report.created = len(plan_new)
        report.updated = len(plan_update)
        sites = dict(exam.sites.values_list("pk", "name"))
        report.changes = {
            c.registration_no: _display_changes(diff, sites) for c, _, diff in plan_update
        }
        write = not dry_run and (good_only or not report.errors)
        if write:
            try:
                with transaction.atomic():
                    run = _save_run(
                        report,
                        exam=exam,
                        actor=actor,
                        source=source,
                        filename=filename,
                        sha256=sha256,
                        applied=True,
                    )
                    _create(exam, plan_new)
                    _update(plan_update, run=run, actor=actor, request=request, sites=sites)
                    record(
                        action="candidates.imported",
                        actor=actor,
                        request=request,
                        target=f"exam:{exam.slug}",
                        summary=report.summary(),
                        data={
                            "import_run": run.pk,
                            "created": report.created,
                            "updated": report.updated,
                            "unchanged": report.unchanged,
                            "skipped_lines": report.bad_lines,
                            "sha256": sha256,
                        },
                    )
            except IntegrityError:
                # E.g. two rows swapping ID numbers between existing candidates: the unique
                # constraint refuses it midway; say so instead of a server error.
                report.errors.append(
                    RowError(
                        0,
                        "",
                        "conflict",
                        "数据与已有考生冲突（证件号码或报名号在考生之间交换），未导入任何数据。"
                        "请先单独更正这些考生，再导入。",
                    )
                )
            else:
                report.applied = True
                report.run_id = run.pk
                return report
        if not dry_run:
            # Refused: say what would have happened in the run record, write nothing else.
            report.created = report.updated = report.unchanged = 0
            report.changes = {}
    run = _save_run(report, exam=exam, actor=actor, source=source, filename=filename, sha256=sha256)
    report.run_id = run.pk
    return report


def _sha256(*, data: bytes | None, path: Path | None) -> str:
    digest = hashlib.sha256()
    if path is None:
        digest.update(data or b"")
        return digest.hexdigest()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _save_run(
    report: ImportReport,
    *,
    exam: Exam,
    actor: User | None,
    source: str,
    filename: str,
    sha256: str,
    applied: bool = False,
) -> ImportRun:
    return ImportRun.objects.create(
        exam=exam,
        actor=actor,
        source=source,
        filename=filename[:200],
        file_sha256=sha256,
        dry_run=report.dry_run,
        good_only=report.good_only,
        applied=applied,
        total_rows=report.total_rows,
        created_count=report.created,
        updated_count=report.updated,
        unchanged_count=report.unchanged,
        error_count=len(report.errors),
        errors=[error.as_dict() for error in report.errors[:MAX_STORED_ERRORS]],
    )


def _check_against_database(
    row: ParsedRow, existing: dict[str, Candidate], owners: dict[tuple[str, str], str]
) -> None:
    values = row.values
    if row.errors or "id_number" not in values:
        return
    owner = owners.get((values["id_type"], row.id_hmac))
    if owner is not None and owner != values["registration_no"]:
        row.errors.append(
            RowError(
                row.line,
                FIELD_LABELS["id_number"],
                "id_number_taken",
                f"该证件号码已属于报名号 {owner} 的考生。同一证件只能对应一个报名号，请核对报名号与证件号码。",
            )
        )


def _comparable(candidate: Candidate, name: str) -> Any:
    if name == "exam_site":
        return candidate.exam_site_id
    return getattr(candidate, name)


def _changes(candidate: Candidate, row: ParsedRow) -> dict[str, list[Any]]:
    diff = {}
    for name, new in row.values.items():
        if name == "id_number":
            if candidate.id_number_hmac != row.id_hmac:
                diff[name] = [candidate.id_number, new]  # reads (decrypts) this one number
            continue
        old = _comparable(candidate, name)
        if old != new:
            diff[name] = [old, new]
    return diff


def _display_changes(diff: dict[str, list[Any]], sites: dict[int, str]) -> dict[str, list[Any]]:
    """Old and new values for people to read: personal numbers masked, sites by name."""
    shown = {}
    for name, (old, new) in diff.items():
        if name == "id_number":
            old, new = mask_id_number(old), mask_id_number(new)
        elif name == "phone":
            old, new = mask_phone(old), mask_phone(new)
        elif name == "exam_site":
            old, new = sites.get(old, old), sites.get(new, new)
        elif isinstance(old, dt.date) or isinstance(new, dt.date):
            old = old.isoformat() if old else None
            new = new.isoformat() if new else None
        shown[FIELD_LABELS.get(name, name)] = [old, new]
    return shown


def _create(exam: Exam, rows: list[ParsedRow]) -> None:
    from medexam.accounts.models import User
    from medexam.materials import tallies
    from medexam.materials.models import Application

    if not rows:
        return
    # Unusable password: the candidate sets one after an SMS code (accounts.services).
    unusable = make_password(None)
    now = timezone.now()

    # `key`: the row's primary key when it is drawn beforehand (PostgreSQL), else nothing.
    def account(row: ParsedRow, username: str, **key: int) -> dict[str, Any]:
        return {
            **key,
            "username": username,
            "role": User.Role.CANDIDATE,
            "password": unusable,
            "display_name": row.values["name"],
            "date_joined": now,
        }

    def candidate(row: ParsedRow, user_id: int, **key: int) -> dict[str, Any]:
        values = dict(row.values)
        # insert_rows encrypts id_number itself (the field's preparation).
        values["id_number_hmac"] = row.id_hmac
        values["id_tail"] = idcrypto.id_tail(values["id_number"])
        values["exam_site_id"] = values.pop("exam_site")
        values.update(exam_id=exam.pk, user_id=user_id, **key)
        return values

    def draft(candidate_id: int, site_id: int) -> dict[str, Any]:
        # The draft application every candidate has from the day of import.
        return {"candidate_id": candidate_id, "exam_site_id": site_id, "province": exam.province}

    user_ids = allocate_ids(User, len(rows))
    candidate_ids = allocate_ids(Candidate, len(rows))
    if user_ids is not None and candidate_ids is not None:
        # PostgreSQL: the keys come from the tables' own sequences, so each table is one COPY
        # of every row, streamed while PostgreSQL stores what it has received (no lookup of
        # the keys it chose between chunks).
        insert_rows(
            User,
            (
                account(row, new_candidate_username(), id=pk)
                for row, pk in zip(rows, user_ids, strict=True)
            ),
        )
        insert_rows(
            Candidate,
            (
                candidate(row, user_id, id=pk)
                for row, user_id, pk in zip(rows, user_ids, candidate_ids, strict=True)
            ),
        )
        sites = [row.values["exam_site"] for row in rows]
        insert_rows(Application, map(draft, candidate_ids, sites))
        tallies.created_drafts(sites)
        return
    for start in range(0, len(rows), BATCH):
        # Elsewhere (SQLite): chunks, each table's keys read back by the unique columns.
        chunk = rows[start : start + BATCH]
        usernames = [new_candidate_username() for _ in chunk]
        insert_rows(User, list(map(account, chunk, usernames)))
        by_name = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
        insert_rows(
            Candidate,
            [
                candidate(row, by_name[username])
                for row, username in zip(chunk, usernames, strict=True)
            ],
        )
        candidate_sites = list(
            Candidate.objects.filter(
                exam=exam, registration_no__in=[row.values["registration_no"] for row in chunk]
            ).values_list("pk", "exam_site_id")
        )
        insert_rows(Application, [draft(pk, site) for pk, site in candidate_sites])
        tallies.created_drafts(site for _, site in candidate_sites)


def _update(
    plan: Any,
    *,
    run: ImportRun,
    actor: User | None,
    request: HttpRequest | None,
    sites: dict[int, str],
) -> None:
    from medexam.accounts.models import User
    from medexam.materials import tallies
    from medexam.materials.models import Application

    if not plan:
        return
    names: set[str] = set()
    for candidate, values, _diff in plan:
        for name, value in values.items():
            if name == "exam_site":
                candidate.exam_site_id = value
            else:
                setattr(candidate, name, value)
        if "id_number" in values:
            candidate.id_number_hmac = idcrypto.id_hmac(values["id_number"])
            candidate.id_tail = idcrypto.id_tail(values["id_number"])
        names.update("exam_site" if n == "exam_site" else n for n in values)
        if "id_number" in values:
            names.update({"id_number_hmac", "id_tail"})
    Candidate.objects.bulk_update(
        [c for c, _, _ in plan], sorted(names | {"updated_at"}), batch_size=500
    )
    renamed = [c.user_id for c, _, diff in plan if "name" in diff]
    if renamed:
        users = list(User.objects.filter(pk__in=renamed))
        by_id = {c.user_id: c.name for c, _, _ in plan}
        for user in users:
            user.display_name = by_id[user.pk]
        User.objects.bulk_update(users, ["display_name"], batch_size=500)
    create_draft_applications(candidates=[c for c, _, _ in plan])
    # A candidate who changed site takes the application (the reviewers' scope) along.
    tallies.move(
        Application.objects.all(),
        {c.pk: c.exam_site_id for c, _, diff in plan if "exam_site" in diff},
    )
    applications = dict(
        Application.objects.filter(candidate__in=[c for c, _, _ in plan]).values_list(
            "candidate_id", "pk"
        )
    )
    # Bulk audit rows, one per changed candidate (audit.services.record writes one row per
    # call; 40 thousand updated candidates would take minutes that way). Same fields.
    ip = client_ip(request)
    role = getattr(actor, "role", "") if actor is not None else "system"
    entries = []
    for candidate, _values, diff in plan:
        shown = _display_changes(diff, sites)
        entries.append(
            AuditEntry(
                action="candidate.updated",
                actor=actor,
                actor_role=role,
                ip=ip,
                application_id=applications.get(candidate.pk),
                target=f"candidate:{candidate.pk}",
                summary="报名信息已按导入文件更新：" + "、".join(shown),
                data={"import_run": run.pk, "changes": shown},
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)

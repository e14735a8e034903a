"""Review results for the national registration system, as .xlsx or .csv.

One table, shared by the `export_results` command, the administrator's page, the API and
the reviewer workspace: registration number, name, site, state, route, rule, reasons and
the decision times. No ID numbers: the registration number identifies the candidate to the
national system, and a file that travels by e-mail should carry as little as it can.
"""

from __future__ import annotations

import csv
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from medexam.errors import DomainError

if TYPE_CHECKING:
    from medexam.accounts.models import User
    from medexam.rules.models import Exam

COLUMNS = [
    ("registration_no", "报名号"),
    ("name", "姓名"),
    ("exam_site", "考点"),
    ("exam_category", "报考类别"),
    ("state", "审核状态"),
    ("state_code", "状态代码"),
    ("route", "审核方式"),
    ("rule", "适用规则"),
    ("reasons", "审核意见"),
    ("first_submitted_at", "首次提交时间"),
    ("submitted_at", "最近提交时间"),
    ("decided_at", "审核决定时间"),
]
ROUTES = {"online": "线上审核", "offline": "线下审核"}
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def applications_for(*, exam: Exam, user: User | None = None):
    """The applications of an exam that `user` may see (None: a command run by an operator,
    who sees all). Site reviewers see their site, province officials their province."""
    from medexam.materials.models import Application

    queryset = Application.objects.filter(candidate__exam=exam)
    if user is None or user.is_superuser or user.role == user.Role.ADMIN:
        return queryset
    if user.role == user.Role.PROVINCE_REVIEWER and user.province == exam.province:
        return queryset
    if user.role == user.Role.SITE_REVIEWER and user.exam_site_id:
        return queryset.filter(candidate__exam_site_id=user.exam_site_id)
    return queryset.none()


def reasons_by_application(application_ids: list[int]) -> dict[int, list[str]]:
    """The reviewer's reasons per application: the latest decision's per-item requests and
    its note (medexam.review.selectors owns what a reason is)."""
    from medexam.review.selectors import decision_reasons

    return decision_reasons(application_ids=application_ids)


def result_rows(
    *,
    exam: Exam,
    user: User | None = None,
    states: Iterable[str] | None = None,
    registration_nos: Iterable[str] | None = None,
    chunk: int = 2000,
    after: str = "",
) -> Iterator[dict[str, Any]]:
    queryset = (
        applications_for(exam=exam, user=user)
        .select_related("candidate", "candidate__exam_site")
        .order_by("candidate__registration_no")
    )
    if states:
        queryset = queryset.filter(state__in=list(states))
    if registration_nos is not None:
        queryset = queryset.filter(candidate__registration_no__in=list(registration_nos))
    last = after
    while True:
        # Keyset pages: constant memory for 40 thousand rows, no OFFSET scans.
        page = list(queryset.filter(candidate__registration_no__gt=last)[:chunk])
        if not page:
            return
        reasons = reasons_by_application([a.pk for a in page])
        for application in page:
            candidate = application.candidate
            yield {
                "registration_no": candidate.registration_no,
                "name": candidate.name,
                "exam_site": candidate.exam_site.name,
                "exam_category": candidate.exam_category,
                "state": application.get_state_display(),
                "state_code": application.state,
                "route": ROUTES.get(application.route, application.route),
                "rule": application.rule_code,
                "reasons": "；".join(reasons.get(application.pk, [])),
                "first_submitted_at": format_time(application.first_submitted_at),
                "submitted_at": format_time(application.submitted_at),
                "decided_at": format_time(application.decided_at),
            }
        last = page[-1].candidate.registration_no


def format_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def cell(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to Excel: names and notes come from people,
    # so neutralise them (OWASP "CSV injection").
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


WIDTH_SAMPLE = 200


def text_width(value: Any) -> int:
    """Excel's column units for a value: a CJK character takes about two."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def format_sheet(sheet, headers: list[str], sample: list[list[Any]]) -> None:
    """Readable when opened: columns as wide as their content (8–60), the header row
    frozen so that it stays in view while scrolling."""
    from openpyxl.utils import get_column_letter

    for index, title in enumerate(headers, start=1):
        widest = max([text_width(title)] + [text_width(r[index - 1]) for r in sample])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    sheet.freeze_panes = "A2"


def write_table(
    rows: Iterable[dict[str, Any]], *, columns: list[tuple[str, str]], fmt: str, sheet_title: str
) -> bytes:
    """Rows of dicts as CSV or XLSX bytes (small tables: one application's audit log)."""
    with tempfile.TemporaryDirectory(prefix="medexam-table-") as folder:
        path = Path(folder) / f"table.{fmt}"
        write_table_file(rows, path=path, columns=columns, fmt=fmt, sheet_title=sheet_title)
        return path.read_bytes()


def write_table_file(
    rows: Iterable[dict[str, Any]],
    *,
    path: Path,
    columns: list[tuple[str, str]],
    fmt: str,
    sheet_title: str,
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Rows of dicts written to `path` as CSV or XLSX with the (key, Chinese title) columns
    given, streaming: memory stays flat whatever the row count (openpyxl's write-only mode
    keeps rows in its own temporary file). Shared by every export (results, review queue,
    audit log) so formula cells are neutralised in one place. Returns the rows written;
    `on_row(count)` is called after each row (progress)."""
    headers = [title for _, title in columns]
    written = 0

    def lines() -> Iterator[list[Any]]:
        nonlocal written
        for row in rows:
            yield [cell(row[key]) for key, _ in columns]
            written += 1
            if on_row is not None:
                on_row(written)

    if fmt == "csv":
        # With a BOM Excel opens UTF-8 Chinese correctly instead of guessing GBK.
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows(lines())
        return written
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    body = lines()
    # Widths from the header and the first rows (a streamed sheet sets them before writing).
    head = list(itertools.islice(body, WIDTH_SAMPLE))
    format_sheet(sheet, headers, head)
    sheet.append(headers)
    for line in itertools.chain(head, body):
        sheet.append(line)
    book.save(path)
    return written


def export_results(
    *,
    exam: Exam,
    fmt: str,
    path: Path,
    user: User | None = None,
    states: Iterable[str] | None = None,
    source: str = "command",
) -> int:
    """Writes the results of `user`'s scope to `path`, streaming (the command's export; pages
    and the API go through an export job, medexam.review.export_jobs). The audit log records
    who took which results out. Returns the rows written."""
    from medexam.audit.services import record

    if fmt not in FORMATS:
        raise DomainError("BAD_FORMAT", "导出格式只能是 xlsx 或 csv，请重新选择。")
    states = list(states or [])
    rows = result_rows(exam=exam, user=user, states=states)
    count = write_table_file(rows, path=path, columns=COLUMNS, fmt=fmt, sheet_title="审核结果")
    record(
        action="results.exported",
        actor=user,
        target=f"exam:{exam.slug}",
        summary=f"导出审核结果（{fmt}，{count} 行）",
        data={"format": fmt, "states": states, "source": source, "rows": count},
    )
    return count


def results_filename(exam: Exam, fmt: str) -> str:
    return f"{exam.slug}-results-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"

"""Hostile spreadsheets are refused with a clear Chinese message, in bounded memory, and never
take the process down. How long each takes is measured by bench/hostile_imports.py (no
timings in tests); here: the refusal, its message, and the memory this process used."""

from __future__ import annotations

import tracemalloc

import pytest

from medexam.candidates import spreadsheet
from medexam.candidates.importing import ImportFileError, parse_file
from medexam.candidates.services import import_candidates
from tests.candidates import hostile
from tests.candidates.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db

# Python allocations of this process while refusing (the reader process has its own limit).
MEMORY_BOUND = 50 * 1024 * 1024

CASES = [
    (hostile.one_far_cell, "too_many_columns", "XFD1048576"),
    (hostile.deflate_bomb, "too_large_uncompressed", "3994 MB"),
    (hostile.lying_bomb, "bad_xlsx", "另存为"),
    (hostile.many_rows, "too_many_rows", "200000"),
    (hostile.huge_shared_string, "too_large_uncompressed", "sharedStrings"),
    (hostile.wide_far_rows, "reader_memory", "内存"),
]


@pytest.mark.parametrize(("make", "code", "fragment"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_hostile_workbook_is_refused_with_a_reason(make, code, fragment, import_exam, tmp_path):
    path = make(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refused:
            parse_file(exam=import_exam, path=path, filename=path.name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert refused.value.code == code
    assert fragment in refused.value.message
    assert "请" in refused.value.message  # says what to do
    assert peak < MEMORY_BOUND


def test_the_reader_process_runs_under_its_memory_limit(import_exam, tmp_path, settings):
    # Even a modest limit reads a real file; the same limit stops the hostile one.
    settings.IMPORT_READER_MEMORY_MB = 512
    from tests.candidates.helpers import xlsx_bytes

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes([row(n) for n in range(1, 301)]))
    assert len(parse_file(exam=import_exam, path=good, filename="good.xlsx")) == 300
    with pytest.raises(ImportFileError) as refused:
        bad = hostile.wide_far_rows(tmp_path)
        parse_file(exam=import_exam, path=bad, filename=bad.name)
    assert refused.value.code == "reader_memory" and "512 MB" in refused.value.message


def test_a_refused_file_is_recorded_and_nothing_is_imported(import_exam, tmp_path):
    path = hostile.one_far_cell(tmp_path)
    report = import_candidates(exam=import_exam, path=path, filename=path.name)
    assert not report.applied and report.errors[0].line == 0
    assert report.errors[0].code == "too_many_columns"
    assert import_exam.candidates.count() == 0


def test_a_row_count_beyond_the_cap_stops_reading_at_the_cap(tmp_path):
    # The sheet's rows are counted while streaming; reading stops one past the cap.
    path = hostile.many_rows(tmp_path, rows=spreadsheet.MAX_DATA_ROWS + 5)
    with pytest.raises(spreadsheet.SpreadsheetRefused) as refused:
        spreadsheet.check_xlsx(path)
    assert refused.value.code == "too_many_rows"
    path = hostile.many_rows(tmp_path, rows=spreadsheet.MAX_DATA_ROWS)
    assert spreadsheet.check_xlsx(path) == spreadsheet.MAX_DATA_ROWS + 1  # with the header


def test_a_csv_cell_past_the_field_limit_is_refused(import_exam):
    data = csv_bytes([row(1, 姓名="张" * (spreadsheet.CSV_FIELD_LIMIT + 10))])
    report = import_candidates(exam=import_exam, data=data, filename="a.csv")
    assert report.errors[0].code == "bad_csv" and "64 KB" in report.errors[0].message


def test_a_workbook_part_with_a_dtd_is_refused(import_exam, tmp_path):
    path = hostile._book(tmp_path / "dtd.xlsx", hostile.SHEET_HEAD + hostile.SHEET_TAIL)
    import zipfile

    entities = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"?>", b"?>" + entities.encode(), 1)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(ImportFileError) as refused:
        parse_file(exam=import_exam, path=path, filename=path.name)
    assert refused.value.code == "bad_xlsx"

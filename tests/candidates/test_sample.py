import pytest

from medexam.candidates.models import Candidate
from medexam.candidates.sample import sample_xlsx
from medexam.candidates.services import import_candidates
from medexam.materials.models import Application


@pytest.mark.django_db
def test_the_demo_province_imports_from_excel_into_the_loaded_exam(exam):
    """The real Liaoning 2022 data file's sites, the sample file, the import: no bad row."""
    data = sample_xlsx(exam=exam, count=40)
    report = import_candidates(exam=exam, data=data, filename="liaoning.xlsx")
    assert report.errors == [] and report.created == 40
    assert Candidate.objects.filter(exam=exam).values("exam_site").distinct().count() > 10
    assert Application.objects.filter(candidate__exam=exam, state="draft").count() == 40
    again = import_candidates(exam=exam, data=data, filename="liaoning.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 40)

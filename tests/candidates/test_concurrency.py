import threading

import pytest
from django.db import connection

from medexam.candidates.models import Candidate
from medexam.candidates.services import import_candidates
from tests.candidates.helpers import csv_bytes, make_exam, row


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_create_each_candidate_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    exam = make_exam()
    data = csv_bytes([row(n) for n in range(1, 41)])
    reports = []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            reports.append(import_candidates(exam=exam, data=data, filename="a.csv"))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The exam row lock serialises them: one creates, the other finds nothing to do.
    assert sorted((r.created, r.unchanged, len(r.errors)) for r in reports) == [
        (0, 40, 0),
        (40, 0, 0),
    ]
    assert Candidate.objects.filter(exam=exam).count() == 40

import pytest

from tests.candidates.helpers import make_exam


@pytest.fixture
def import_exam(db):
    return make_exam()

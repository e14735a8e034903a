"""Rule data without the database: most rule tests evaluate profiles against the parsed file."""

from __future__ import annotations

import pytest

from medexam.rules.loading import default_exam_path, read_rules_file

RULES_2022, _ = read_rules_file(default_exam_path("liaoning-2022"))


@pytest.fixture(scope="session")
def rules():
    return RULES_2022


def profile(**overrides):
    """A complete SPEC §6 profile: a full-time bachelor graduated 2019, not verifiable on
    学信网, so route R8 and the plain checklist; tests override what they are about."""
    base = {
        "military": False,
        "passed_review_years": [],
        "education_level": "bachelor",
        "education_type": "full_time",
        "graduation_date": "2019-07-01",
        "chsi_verifiable": False,
        "postgraduate_in_school": False,
        "graduating_this_year": False,
        "assistant_upgrade": False,
        "extra_exam": None,
        "residency": "mainland",
        "institution_lacks_subject": False,
        "major": "临床医学",
    }
    base.update(overrides)
    return base

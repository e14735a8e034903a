"""factory_boy factories. Candidates get a valid resident ID and a draft application."""

from __future__ import annotations

import datetime as dt
import itertools

import factory

from medexam.accounts.models import User
from medexam.candidates.models import Candidate
from medexam.candidates.services import create_draft_applications
from medexam.demo.seeding import resident_id

PASSWORD = "Correct-Horse-9"  # noqa: S105
_ids = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = User.Role.CANDIDATE
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=User.Role.CANDIDATE)
    registration_no = factory.Sequence(lambda n: f"202299{n:06d}")
    name = factory.Sequence(lambda n: f"考生{n}")
    id_type = Candidate.IdType.RESIDENT_ID
    id_number = factory.LazyFunction(lambda: resident_id(next(_ids) + 500, "210102"))
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    exam_category = "临床执业医师"
    education_level = "bachelor"
    graduation_date = dt.date(2015, 7, 1)
    chsi_verifiable = True
    major = "临床医学"
    trial_segments = factory.LazyFunction(
        lambda: [
            {
                "institution": "沈阳市第一人民医院",
                "start": "2021-03-01",
                "end": "2022-03-01",
                "status": "completed",
            }
        ]
    )

    @factory.post_generation
    def application(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            create_draft_applications(candidates=[obj])

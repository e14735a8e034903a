"""The security suite's world: one candidate of Shenyang with a submitted application, an
image, a message; one persona per role; every URL pattern of the product with real values."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from medexam.accounts.models import User
from medexam.messaging.models import Message
from tests.factories import UserFactory
from tests.review.helpers import image, submitted_with_images


@dataclass
class World:
    candidate: object
    application: object
    image: object
    message: object


def url_patterns() -> list[str]:
    """Every route of the product, as written in the URLconfs (tests walk them all: a new
    page is covered the day it is added)."""

    def walk(patterns, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return sorted(set(walk(get_resolver().url_patterns)))


_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def concrete(route: str, world: World) -> str:
    """`route` with each parameter replaced by a value that reaches the Shenyang
    candidate's data where the route is about it (a random uuid for jobs)."""
    values = {
        "pk": world.application.pk,
        "image_uuid": world.image.uuid,
        "message_id": world.message.pk,
        "item_code": "id_proof",
        "exam": world.candidate.exam.slug,
        "registration_no": world.candidate.registration_no,
        "token": "not-a-token",
        "job_uuid": uuid.uuid4(),
        # A staff account's page (accounts:staff_reset_otp): a candidate's id answers 404.
        "user_id": world.candidate.user.pk,
    }

    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in values:
            raise AssertionError(f"tests/security: give {name!r} a value for {route}")
        return str(values[name])

    return "/" + _PARAM.sub(value, route)


@pytest.fixture
def world(candidate, jpeg) -> World:
    application = submitted_with_images(candidate, jpeg)
    message = Message.objects.filter(recipient=candidate.user).first()
    if message is None:
        message = Message.objects.create(recipient=candidate.user, subject="测试", body="测试")
    return World(candidate, application, image(application), message)


@pytest.fixture
def personas(world, other_candidate, site_reviewer, other_site_reviewer, province_reviewer):
    """role name -> user (None: anonymous). Every role the product has is here."""
    people = {
        "anonymous": None,
        "candidate": world.candidate.user,
        "other_candidate": other_candidate.user,
        "site_reviewer": site_reviewer,
        "other_site_reviewer": other_site_reviewer,
        "province_reviewer": province_reviewer,
    }
    for role in User.Role:
        if role.value not in {u.role for u in people.values() if u is not None}:
            people[role.value] = UserFactory(username=f"persona-{role.value}", role=role)
    return people

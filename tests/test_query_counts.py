"""The pages a reviewer or candidate opens all day read a constant number of SQL statements,
whatever they show: the same count for one item as for three (an N+1 shows as a difference)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CandidateFactory
from tests.materials.helpers import upload
from tests.review.helpers import mark_submitted

pytestmark = pytest.mark.django_db


def _statements(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_reads_the_same_statements_for_three_applications_as_for_one(
    client, site_reviewer, exam, shenyang, django_assert_num_queries
):
    first, *more = [
        CandidateFactory(exam=exam, exam_site=shenyang, name=f"沈阳考生{i}") for i in range(3)
    ]
    mark_submitted(first, minutes_ago=30)
    client.force_login(site_reviewer)
    url = reverse("review:queue")
    one = _statements(client, url)
    for n, candidate in enumerate(more):
        mark_submitted(candidate, minutes_ago=20 - n)

    with django_assert_num_queries(one):
        page = client.get(url).content.decode()

    assert [name for name in ("沈阳考生0", "沈阳考生1", "沈阳考生2") if name in page] == [
        "沈阳考生0",
        "沈阳考生1",
        "沈阳考生2",
    ]


def test_the_application_page_reads_the_same_statements_for_three_images_as_for_one(
    client, site_reviewer, candidate, exam, shenyang, jpeg, django_assert_num_queries
):
    upload(candidate, jpeg(1), item="other")
    three = CandidateFactory(exam=exam, exam_site=shenyang)
    for seed, item in ((2, "other"), (3, "other"), (4, "diploma")):
        upload(three, jpeg(seed), item=item)
    for each in (candidate, three):
        mark_submitted(each)
    client.force_login(site_reviewer)
    one = _statements(client, reverse("review:application", args=[candidate.application.pk]))

    with django_assert_num_queries(one):
        response = client.get(reverse("review:application", args=[three.application.pk]))

    assert response.content.decode().count('class="review-image-card') == 3


def test_the_materials_page_reads_the_same_statements_for_three_images_as_for_one(
    client, candidate, password, jpeg, django_assert_num_queries
):
    upload(candidate, jpeg(1), item="other")
    assert client.login(username=candidate.id_number, password=password)
    url = reverse("materials:materials")
    one = _statements(client, url)
    upload(candidate, jpeg(2), item="other")
    upload(candidate, jpeg(3), item="diploma")

    with django_assert_num_queries(one):
        response = client.get(url)

    assert response.content.decode().count("/thumb/") == 3


def test_the_queue_reads_the_same_statements_for_a_deep_page_and_a_big_population(
    client, site_reviewer, province_reviewer, exam, shenyang, dalian, django_assert_num_queries
):
    from medexam.review.selectors import encode_cursor

    mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang), minutes_ago=500)
    url = reverse("review:queue")
    client.force_login(site_reviewer)
    small = _statements(client, url)
    client.force_login(province_reviewer)
    small_province = _statements(client, url)
    apps = [
        mark_submitted(CandidateFactory(exam=exam, exam_site=site), minutes_ago=400 - n)
        for n, site in enumerate([shenyang, dalian] * 40)
    ]
    deep = f"{url}?after={encode_cursor(apps[60])}"

    for user, expected in ((site_reviewer, small), (province_reviewer, small_province)):
        client.force_login(user)
        for page in (url, deep, url + "?state=all", url + "?warnings=1&route=online"):
            with django_assert_num_queries(expected):
                client.get(page)


def test_statistics_read_the_same_statements_whatever_the_activity(
    client, province_reviewer, exam, shenyang, dalian, django_assert_num_queries
):
    url = reverse("review:statistics")
    client.force_login(province_reviewer)
    quiet = _statements(client, url)
    for site in exam.sites.all()[:5]:
        mark_submitted(CandidateFactory(exam=exam, exam_site=site))

    with django_assert_num_queries(quiet):
        page = client.get(url).content.decode()

    assert page.count('<th scope="row">') == exam.sites.count() + 1  # every site, and the total

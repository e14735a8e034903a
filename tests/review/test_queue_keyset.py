"""The queue at any size: pages by key (a cursor on submission time and id, never OFFSET),
counts from the site counters (exact) or capped and labelled, the search term kept out of
URLs, and the counters always equal to the rows they count."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from medexam.materials.models import Application, SiteTally
from medexam.review import selectors
from tests.factories import CandidateFactory
from tests.review.helpers import (
    claimed,
    fresh,
    image,
    mark_submitted,
    request_replacement,
    resubmit,
    submitted_with_images,
)

pytestmark = pytest.mark.django_db


def _waiting(exam, site, n: int) -> list[Application]:
    apps = [mark_submitted(CandidateFactory(exam=exam, exam_site=site)) for _ in range(n)]
    # Distinct, known submission times, two of them equal (the id breaks the tie).
    start = timezone.now() - dt.timedelta(days=1)
    for i, app in enumerate(apps):
        at = start + dt.timedelta(minutes=i if i != 3 else 2)
        Application.objects.filter(pk=app.pk).update(submitted_at=at)
    return sorted((fresh(a) for a in apps), key=lambda a: (a.submitted_at, a.pk))


def test_pages_by_key_cover_the_queue_once_in_order(exam, shenyang, site_reviewer):
    apps = _waiting(exam, shenyang, 7)
    filters = selectors.QueueFilters()

    seen, after, pages = [], None, 0
    while True:
        page = selectors.queue_page(site_reviewer, filters, after=after, size=3)
        seen += [a.pk for a in page.rows]
        pages += 1
        if not page.next_cursor:
            break
        after = page.next_cursor

    assert seen == [a.pk for a in apps]
    assert pages == 3
    second = selectors.queue_page(
        site_reviewer, filters, after=selectors.encode_cursor(apps[2]), size=3
    )
    back = selectors.queue_page(site_reviewer, filters, before=second.prev_cursor, size=3)
    assert [a.pk for a in back.rows] == [a.pk for a in apps[:3]]
    assert back.first and not back.prev_cursor


def test_the_page_links_carry_cursors_not_page_numbers(client, exam, shenyang, site_reviewer):
    apps = _waiting(exam, shenyang, 55)
    client.force_login(site_reviewer)

    first = client.get(reverse("review:queue")).content.decode()
    cursor = selectors.encode_cursor(apps[49])
    assert f"after={cursor}" in first and "page=" not in first
    second = client.get(reverse("review:queue") + f"?after={cursor}").content.decode()
    assert apps[50].candidate.registration_no in second
    assert apps[49].candidate.registration_no not in second
    assert "共 55 份" in first


def test_a_garbled_cursor_shows_the_first_page(client, exam, shenyang, site_reviewer):
    apps = _waiting(exam, shenyang, 2)
    client.force_login(site_reviewer)
    page = client.get(reverse("review:queue") + "?after=x-1-'").content.decode()
    assert apps[0].candidate.registration_no in page


def test_counts_are_exact_from_the_counters_or_capped_and_labelled(
    exam, shenyang, site_reviewer, monkeypatch
):
    apps = _waiting(exam, shenyang, 4)
    Application.objects.filter(pk=apps[0].pk).update(round=2)

    page = selectors.queue_page(site_reviewer, selectors.QueueFilters())
    assert (page.count, page.count_exact, page.count_label) == (4, True, "4 份")
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    resubmitted = selectors.QueueFilters(flags=frozenset({"resubmitted"}))
    assert selectors.queue_page(site_reviewer, resubmitted).count_label == "1 份"
    by_route = selectors.queue_page(site_reviewer, selectors.QueueFilters(route="online"))
    assert (by_route.count_exact, by_route.count_label) == (False, "超过 2 份")


def test_the_search_term_stays_out_of_the_url(client, exam, shenyang, site_reviewer):
    wanted = mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang, name="欧阳明月"))
    mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang, name="李四"))
    client.force_login(site_reviewer)

    response = client.post(reverse("review:queue_search"), {"q": "欧阳明", "state": "submitted"})

    assert response.status_code == 302
    location = response["Location"]
    assert "欧阳" not in location and "%E6%AC%A7" not in location
    assert "state=submitted" in location and "s=" in location
    page = client.get(location).content.decode()
    assert wanted.candidate.registration_no in page and "李四" not in page
    assert 'value="欧阳明"' in page
    # Another browser (another session) cannot read the term behind the token.
    other = type(client)()
    other.force_login(site_reviewer)
    assert 'value="欧阳明"' not in other.get(location).content.decode()


def test_the_queue_searches_the_last_digits_of_the_id_never_the_whole_number(
    client, exam, shenyang, site_reviewer
):
    wanted = mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang))
    number = wanted.candidate.id_number
    filters = selectors.QueueFilters
    assert [a.pk for a in selectors.queue(site_reviewer, filters(q=number[-6:]))] == [wanted.pk]
    assert [a.pk for a in selectors.queue(site_reviewer, filters(q=number[-4:]))] == [wanted.pk]
    client.force_login(site_reviewer)

    response = client.post(reverse("review:queue_search"), {"q": number}, follow=True)

    assert "不能按完整证件号码搜索" in response.content.decode()
    assert number not in str(client.session.get("queue_searches", {}))


def test_the_counters_equal_the_rows_after_every_kind_of_change(
    candidate, other_candidate, jpeg, site_reviewer, other_site_reviewer, exam, shenyang
):
    mine = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(mine, site_reviewer, image(mine, slot="back"), reason="unclear")
    from medexam.materials import services as materials
    from tests.materials.helpers import upload

    materials.delete_image(image_uuid=image(mine, slot="back").uuid, actor=candidate.user)
    upload(candidate, jpeg(9), slot="back")
    resubmit(candidate)
    theirs = claimed(submitted_with_images(other_candidate, jpeg), other_site_reviewer)
    from medexam.review import services

    services.decide(
        application_id=theirs.pk,
        reviewer=other_site_reviewer,
        version=theirs.version,
        outcome="approve",
    )
    CandidateFactory(exam=exam, exam_site=shenyang)

    counted = Counter(
        {
            (t.exam_site_id, t.kind, t.code): t.n
            for t in SiteTally.objects.filter(kind__in=["state", "route", "round"])
            if t.n
        }
    )
    rows: Counter = Counter()
    for a in Application.objects.all():
        rows[(a.exam_site_id, "state", a.state)] += 1
        if a.state != "draft" and a.route:
            rows[(a.exam_site_id, "route", a.route)] += 1
        for r in range(1, a.round + 1):
            rows[(a.exam_site_id, "round", str(r))] += 1
    assert counted == rows
    assert fresh(mine).round == 2
    decided = SiteTally.objects.filter(kind="hours").values_list("n", flat=True)
    assert sum(decided) == 2  # the request for changes and the approval


def test_a_common_name_says_the_list_is_cut(client, exam, shenyang, site_reviewer, monkeypatch):
    for n in range(3):
        mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang, name=f"李燕{n}"))
    monkeypatch.setattr(selectors, "NAME_CAP", 2)
    client.force_login(site_reviewer)

    location = client.post(reverse("review:queue_search"), {"q": "李燕"})["Location"]
    page = client.get(location).content.decode()

    assert "超过 2 名" in page and "请输入完整姓名" in page
    assert page.count("李燕") >= 2


def test_queue_rows_print_what_candidates_typed_as_text(client, exam, shenyang, site_reviewer):
    """The rows are built in Python (review_tags.queue_rows): a name with markup in it is
    shown as text, never as markup, in the row and in its checkbox's label."""
    mark_submitted(CandidateFactory(exam=exam, exam_site=shenyang, name='<b>李"燕</b>'))
    client.force_login(site_reviewer)

    page = client.get(reverse("review:queue")).content.decode()

    assert "<b>李" not in page
    assert "&lt;b&gt;李&quot;燕&lt;/b&gt;" in page

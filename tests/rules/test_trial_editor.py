"""The candidate's trial-period editor: what they see, what they can change, and who else
cannot get in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medexam.audit.models import AuditEntry
from medexam.errors import DomainError
from medexam.materials.models import Application
from medexam.rules.services import update_trial_segments

pytestmark = pytest.mark.django_db


def url():
    return reverse("rules:trial_period")


def post_rows(rows, initial=0):
    data = {
        "seg-TOTAL_FORMS": str(len(rows)),
        "seg-INITIAL_FORMS": str(initial),
        "seg-MIN_NUM_FORMS": "0",
        "seg-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"seg-{i}-{key}"] = value
    return data


BLANK = {"institution": "", "start": "", "end": "", "status": "completed"}


def test_the_candidate_sees_the_check_and_timeline(client, candidate):
    client.force_login(candidate.user)
    response = client.get(url())
    body = response.content.decode()
    assert response.status_code == 200
    # The factory's one segment: 2021-03-01 … 2022-03-01 = 365 days.
    assert "窗口内累计 <strong>365</strong> 天，已满足要求" in body
    assert "沈阳市第一人民医院" in body
    assert 'class="bar bar-completed"' in body
    assert "2021年1月1日至2022年8月19日间" in body
    assert "style=" not in body.split("<main", 1)[1]  # strict CSP: no inline styles
    assert "<script" not in body.split("<main", 1)[1]


def test_saving_the_sources_two_part_example(client, candidate):
    client.force_login(candidate.user)
    rows = [
        {
            "institution": "沈阳市第一人民医院",
            "start": "2021-08-01",
            "end": "2022-01-20",
            "status": "completed",
        },
        {
            "institution": "大连市中心医院",
            "start": "2022-01-20",
            "end": "2022-08-01",
            "status": "pledged",
        },
        BLANK,
    ]
    response = client.post(url(), post_rows(rows, initial=1), follow=True)
    assert "窗口内累计 365 天，已满足要求" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.trial_segments == [
        {
            "institution": "沈阳市第一人民医院",
            "start": "2021-08-01",
            "end": "2022-01-20",
            "status": "completed",
        },
        {
            "institution": "大连市中心医院",
            "start": "2022-01-20",
            "end": "2022-08-01",
            "status": "pledged",
        },
    ]
    entry = AuditEntry.objects.get(action="candidate.trial_segments_updated")
    assert entry.actor == candidate.user
    assert entry.data["covered_days"] == 365


def test_gaps_and_overlaps_are_shown(client, candidate):
    client.force_login(candidate.user)
    rows = [
        {
            "institution": "甲医院",
            "start": "2021-02-01",
            "end": "2021-08-01",
            "status": "completed",
        },
        {
            "institution": "乙医院",
            "start": "2021-07-01",
            "end": "2021-12-01",
            "status": "completed",
        },
    ]
    body = client.post(url(), post_rows(rows, initial=1), follow=True).content.decode()
    assert "还差" in body
    assert "2021年1月1日至2021年2月1日" in body  # gap before the first segment
    assert "2021年7月1日至2021年8月1日（重叠部分只计算一次）" in body
    assert 'class="bar bar-overlap"' in body and 'class="bar bar-gap"' in body


def test_a_backwards_segment_is_refused_with_a_reason_and_nothing_saved(client, candidate):
    client.force_login(candidate.user)
    before = candidate.trial_segments
    rows = [
        {"institution": "甲医院", "start": "2021-09-01", "end": "2021-03-01", "status": "completed"}
    ]
    response = client.post(url(), post_rows(rows, initial=1))
    assert response.status_code == 400
    assert "结束日期必须晚于开始日期" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.trial_segments == before


def test_deleting_a_segment(client, candidate):
    client.force_login(candidate.user)
    row = {**candidate.trial_segments[0], "DELETE": "on"}
    client.post(url(), post_rows([row], initial=1))
    candidate.refresh_from_db()
    assert candidate.trial_segments == []


def test_it_is_locked_once_submitted(client, candidate):
    Application.objects.filter(candidate=candidate).update(state=Application.State.SUBMITTED)
    client.force_login(candidate.user)
    body = client.get(url()).content.decode()
    assert "试用期信息已锁定" in body and '<form method="post" class="trial-form"' not in body
    rows = [
        {"institution": "甲医院", "start": "2021-01-01", "end": "2021-02-01", "status": "completed"}
    ]
    response = client.post(url(), post_rows(rows, initial=1))
    assert response.status_code == 400
    assert "试用期信息已锁定" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.trial_segments[0]["start"] == "2021-03-01"


def test_it_shows_only_the_candidates_own_segments(client, candidate, other_candidate):
    other_candidate.trial_segments = [
        {
            "institution": "大连秘密医院",
            "start": "2021-01-01",
            "end": "2022-01-01",
            "status": "completed",
        }
    ]
    other_candidate.save()
    client.force_login(candidate.user)
    assert "大连秘密医院" not in client.get(url()).content.decode()


def test_reviewers_and_strangers_cannot_use_it(client, candidate, site_reviewer):
    response = client.get(url())
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(site_reviewer)
    assert client.get(url()).status_code == 404
    assert client.post(url(), post_rows([])).status_code == 404


def test_the_service_refuses_someone_elses_segments(candidate, other_candidate):
    with pytest.raises(DomainError) as caught:
        update_trial_segments(candidate_id=candidate.pk, segments=[], actor=other_candidate.user)
    assert caught.value.code == "NOT_YOURS"


@pytest.mark.parametrize(
    ("segments", "code"),
    [
        ([{"institution": "", "start": "2021-01-01", "end": "2021-02-01"}], "NO_INSTITUTION"),
        ([{"institution": "甲", "start": "2021-01-01", "end": "2021-01-01"}], "BAD_SEGMENT"),
        (
            [{"institution": "甲", "start": "2021-01-01", "end": "2021-02-01", "status": "x"}],
            "BAD_SEGMENT",
        ),
        ([{"institution": "甲", "start": "2021-01-01", "end": "2021-02-01"}] * 11, "TOO_MANY"),
    ],
)
def test_the_service_refuses_bad_segments(candidate, segments, code):
    with pytest.raises(DomainError) as caught:
        update_trial_segments(candidate_id=candidate.pk, segments=segments, actor=candidate.user)
    assert caught.value.code == code
    assert caught.value.message


def test_the_read_only_summary_explains_the_route(candidate):
    from django.template.loader import render_to_string

    from medexam.rules.selectors import checklist_for

    evaluation, rows = checklist_for(candidate)
    html = render_to_string(
        "rules/_evaluation_summary.html", {"evaluation": evaluation, "checklist": rows}
    )
    assert "为什么是线上审核？" in html  # the factory's candidate: bachelor 2015 on 学信网
    assert "第 R7 条：“2002年及以后毕业的大专及以上学历可提供学信网认证”" in html
    assert "您的最高学历为本科，本科及以上学历必须上传学位证书" in html
    assert "累计 365 天" in html

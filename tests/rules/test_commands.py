"""The command-line tools answer from the same evaluation as the pages."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medexam.rules.loading import default_exam_path, read_rules_file
from medexam.rules.selectors import evaluation_for
from tests.factories import CandidateFactory
from tests.rules.conftest import profile


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def review_route(tmp_path, data, *extra):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return run("review_route", "--profile", str(path), *extra)


@pytest.mark.django_db
def test_review_route_prints_the_issue_json_shape(tmp_path):
    data = profile(
        chsi_verifiable=True,
        trial_segments=[
            {"start": "2021-08-01", "end": "2022-01-20", "status": "completed"},
            {"start": "2022-01-20", "end": "2022-08-01", "status": "pledged"},
        ],
    )
    out = json.loads(review_route(tmp_path, data, "--json", "--exam", "liaoning-2022"))
    assert out == {
        "rule": "R7",
        "route": "online",
        "required": [
            "degree",
            "diploma",
            "edu_proof",
            "id_proof",
            "institution_license",
            "trial_assessment",
        ],
        "recommended": [],
        "trial_period": {"ok": True, "covered_days": 365},
    }


@pytest.mark.django_db
def test_review_route_omits_the_trial_period_without_segments(tmp_path):
    out = json.loads(review_route(tmp_path, profile(military=True), "--json"))
    assert out == {"rule": "R1", "route": "offline", "required": [], "recommended": []}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"educaton_level": "bachelor"}, "educaton_level"),
        ({"education_level": "phd"}, "education_level"),
        ({"military": "yes"}, "military"),
        ({"graduation_date": "2019-13-01"}, "graduation_date"),
        ({"passed_review_years": "2021"}, "passed_review_years"),
        ({"trial_segments": [{"start": "2021-05-01", "end": "2021-01-01"}]}, "trial_segments[0]"),
    ],
)
def test_review_route_names_the_bad_field(tmp_path, data, field):
    with pytest.raises(CommandError) as caught:
        review_route(tmp_path, data, "--json")
    assert f"字段 {field}" in str(caught.value)


@pytest.mark.django_db
def test_review_route_refuses_invalid_json(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        run("review_route", "--profile", str(path), "--json")


@pytest.mark.django_db
def test_review_route_text_output_gives_reasons(tmp_path):
    out = review_route(tmp_path, profile())
    assert "审核条件 R8：不在以上条件内的其他考生" in out
    assert "[必传] 学位证书（本科及以上学历必传）：您的最高学历为本科" in out


@pytest.mark.django_db
def test_the_command_and_the_page_selector_agree(exam, candidate, tmp_path):
    from medexam.rules.evaluation import profile_from_candidate

    out = json.loads(review_route(tmp_path, profile_from_candidate(candidate), "--json"))
    page = evaluation_for(candidate)
    assert out["rule"] == page.rule_code
    assert out["required"] == page.required
    assert out["trial_period"]["covered_days"] == page.trial_period.covered_days


@pytest.mark.django_db
def test_the_2023_file_changes_behaviour_without_code(tmp_path):
    upgrade = profile(
        assistant_upgrade=True,
        major="农村医学",
        passed_review_years=[2020],
        trial_segments=[{"start": "2022-03-01", "end": "2023-03-01", "status": "completed"}],
    )
    old = json.loads(review_route(tmp_path, upgrade, "--json", "--exam", "liaoning-2022"))
    new = json.loads(review_route(tmp_path, upgrade, "--json", "--exam", "liaoning-2023"))
    assert old["rule"] == "R2" and new["rule"] == "R8"  # 2020 no longer counts
    assert old["recommended"] == ["village_doctor"]
    assert "village_doctor" in new["required"] and new["recommended"] == []
    # The trial window moved a year: the same segment is outside 2022's, inside 2023's.
    assert old["trial_period"] == {"ok": False, "covered_days": 171}
    assert new["trial_period"] == {"ok": True, "covered_days": 365}


@pytest.mark.django_db
def test_rules_diff_lists_who_changes(exam, candidate, other_candidate):
    # Both passed the 2020 review: R2 (online) in 2022; 2023 counts 2021/2022 only.
    candidate.passed_review_years = [2020]  # on 学信网: falls to R7, still online
    candidate.save()
    other_candidate.passed_review_years = [2020]
    other_candidate.chsi_verifiable = False  # falls to R8: offline
    other_candidate.save()
    CandidateFactory(exam=exam, exam_site=candidate.exam_site)  # unaffected
    new_path = str(default_exam_path("liaoning-2023"))
    out = json.loads(run("rules_diff", "liaoning-2022", new_path, "--json"))

    assert (out["exam"], out["candidates"], out["changed"], out["route_changed"]) == (
        "liaoning-2022",
        3,
        2,
        1,
    )
    by_no = {change["registration_no"]: change for change in out["changes"]}
    assert by_no[candidate.registration_no] == {
        "registration_no": candidate.registration_no,
        "name": "张伟",
        "rule": ["R2", "R7"],
        "route": ["online", "online"],
        "required_added": ["edu_proof"],
        "required_removed": ["other"],
    }
    assert by_no[other_candidate.registration_no]["route"] == ["online", "offline"]
    text = run("rules_diff", "liaoning-2022", new_path)
    assert "3 名考生中，2 人会变化（其中审核方式变化 1 人）" in text
    assert "线上审核 → 线下审核" in text
    assert "新增必传：学历证明材料" in text


@pytest.mark.django_db
def test_rules_diff_reports_nothing_for_the_same_rules(exam, candidate):
    out = json.loads(run("rules_diff", "liaoning-2022", str(default_exam_path()), "--json"))
    assert (out["candidates"], out["changed"]) == (1, 0)


@pytest.mark.django_db
def test_rules_diff_refuses_a_broken_file(exam, tmp_path):
    broken = tmp_path / "new.yaml"
    broken.write_text(
        default_exam_path().read_text(encoding="utf-8").replace("route: online", "route: maybe", 1),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="第\\d+行"):
        run("rules_diff", "liaoning-2022", str(broken))


def test_the_2023_variant_differs_only_where_documented():
    old, _ = read_rules_file(default_exam_path("liaoning-2022"))
    new, _ = read_rules_file(default_exam_path("liaoning-2023"))
    assert [i["code"] for i in old["items"]] == [i["code"] for i in new["items"]]
    assert [r["code"] for r in old["routes"]] == [r["code"] for r in new["routes"]]
    assert new["trial_period"]["window_start"] == "2022-01-01"


@pytest.mark.django_db
def test_an_exam_without_rules_says_what_to_run(candidate):
    from medexam.rules.selectors import RulesNotLoaded

    candidate.exam.rules = {}
    with pytest.raises(RulesNotLoaded, match="load_exam liaoning-2022"):
        evaluation_for(candidate)

"""附件1 rows and catalog conditions, table-driven: what a candidate is told to upload and why."""

from __future__ import annotations

import pytest

from medexam.rules.evaluation import evaluate
from tests.rules.conftest import profile

# (case, profile overrides, expected rule). Precedence cases of SPEC §2 are marked.
ROUTE_CASES = [
    ("military", {"military": True}, "R1"),
    (
        "military beats everything (precedence)",
        {
            "military": True,
            "passed_review_years": [2021],
            "education_type": "adult",
            "chsi_verifiable": True,
        },
        "R1",
    ),
    ("passed review 2020", {"passed_review_years": [2020]}, "R2"),
    ("passed review 2021", {"passed_review_years": [2019, 2021]}, "R2"),
    ("passed review 2019 only is not R2", {"passed_review_years": [2019]}, "R8"),
    (
        "R2 beats adult education (precedence: not a first-time applicant)",
        {"passed_review_years": [2021], "education_type": "adult"},
        "R2",
    ),
    ("adult education", {"education_type": "adult"}, "R3"),
    (
        "adult graduate of 2005 on 学信网 stays offline (precedence R3 before R7)",
        {"education_type": "adult", "graduation_date": "2005-07-01", "chsi_verifiable": True},
        "R3",
    ),
    ("secondary vocational", {"education_level": "secondary_vocational"}, "R4"),
    (
        "中专 graduate of 2005 on 学信网 stays offline (precedence R4 before R7)",
        {
            "education_level": "secondary_vocational",
            "graduation_date": "2005-07-01",
            "chsi_verifiable": True,
        },
        "R4",
    ),
    ("western medicine learning TCM", {"education_type": "western_learning_tcm"}, "R5"),
    ("R5 before R7", {"education_type": "western_learning_tcm", "chsi_verifiable": True}, "R5"),
    (
        "college graduated 2001-12-31",
        {"education_level": "junior_college", "graduation_date": "2001-12-31"},
        "R6",
    ),
    (
        "bachelor 1999 even if on 学信网 (precedence R6 before R7)",
        {"graduation_date": "1999-07-01", "chsi_verifiable": True},
        "R6",
    ),
    (
        "bachelor graduated on 2002-01-01 on 学信网 (boundary)",
        {"graduation_date": "2002-01-01", "chsi_verifiable": True},
        "R7",
    ),
    (
        "college 2005 on 学信网",
        {
            "education_level": "junior_college",
            "graduation_date": "2005-07-01",
            "chsi_verifiable": True,
        },
        "R7",
    ),
    ("doctorate 2020 on 学信网", {"education_level": "doctorate", "chsi_verifiable": True}, "R7"),
    ("bachelor 2019 not on 学信网", {}, "R8"),
    (
        "secondary vocational before 2002 is R4, not R6",
        {"education_level": "secondary_vocational", "graduation_date": "1995-07-01"},
        "R4",
    ),
    (
        "mentorship without degree",
        {"education_level": "none", "education_type": "mentorship", "graduation_date": None},
        "R8",
    ),
]


@pytest.mark.parametrize(
    ("case", "overrides", "rule"), ROUTE_CASES, ids=[c[0] for c in ROUTE_CASES]
)
def test_route_rows(rules, case, overrides, rule):
    result = evaluate(rules, profile(**overrides))
    assert result.rule_code == rule
    row = next(r for r in rules["routes"] if r["code"] == rule)
    assert result.rule_wording == row["wording"]
    assert result.route == row["route"]
    assert result.route_label == {"online": "线上审核", "offline": "线下审核"}[row["route"]]
    assert result.route_note == row["note"]


def test_online_rows_are_exactly_r2_and_r7(rules):
    assert {r["code"] for r in rules["routes"] if r["route"] == "online"} == {"R2", "R7"}


def test_route_wording_is_the_sources(rules):
    r7 = evaluate(rules, profile(chsi_verifiable=True))
    assert r7.rule_wording == "2002年及以后毕业的大专及以上学历可提供学信网认证"
    assert r7.route_note == "需在系统内上传教育部学历证书电子注册备案表（学信网）"
    r1 = evaluate(rules, profile(military=True))
    assert r1.route_label == "线下审核"
    assert r1.route_note == "只在系统内填报个人信息，无需上传报名材料"


# (case, overrides, item code, expected status, fragment of the reason)
ITEM_CASES = [
    ("id proof for everyone", {}, "id_proof", "required", "必传"),
    ("diploma for a graduate", {}, "diploma", "required", "毕业证书"),
    ("diploma optional for 师承", {"education_type": "mentorship"}, "diploma", "optional", "师承"),
    (
        "diploma optional for 确有专长",
        {"education_type": "proven_expertise"},
        "diploma",
        "optional",
        "确有专长",
    ),
    (
        "degree for bachelor",
        {},
        "degree",
        "required",
        "您的最高学历为本科，本科及以上学历必须上传学位证书",
    ),
    ("degree for master", {"education_level": "master"}, "degree", "required", "硕士"),
    ("degree for doctorate", {"education_level": "doctorate"}, "degree", "required", "博士"),
    (
        "no degree for 大专",
        {"education_level": "junior_college"},
        "degree",
        "not_applicable",
        "大专",
    ),
    (
        "no degree for 中专",
        {"education_level": "secondary_vocational"},
        "degree",
        "not_applicable",
        "中专",
    ),
    ("备案表 under R7", {"chsi_verifiable": True}, "edu_proof", "required", "电子注册备案表"),
    ("edu proof optional otherwise", {}, "edu_proof", "optional", "学历证明材料"),
    (
        "student card for postgraduate",
        {"postgraduate_in_school": True},
        "student_card",
        "required",
        "研究生",
    ),
    ("no student card otherwise", {}, "student_card", "not_applicable", "研究生"),
    (
        "clinical practice proof for postgraduate",
        {"postgraduate_in_school": True},
        "grad_clinical_practice",
        "required",
        "临床实践训练",
    ),
    ("no clinical practice proof otherwise", {}, "grad_clinical_practice", "not_applicable", ""),
    ("trial assessment by default", {}, "trial_assessment", "required", "满1年"),
    (
        "no trial assessment for 助理升执业",
        {"assistant_upgrade": True},
        "trial_assessment",
        "not_applicable",
        "助理升执业",
    ),
    (
        "no trial assessment for postgraduate",
        {"postgraduate_in_school": True},
        "trial_assessment",
        "not_applicable",
        "研究生",
    ),
    ("institution licence with trial assessment", {}, "institution_license", "required", "副本"),
    (
        "no institution licence without trial assessment",
        {"assistant_upgrade": True},
        "institution_license",
        "not_applicable",
        "",
    ),
    (
        "supervisor licence when subject lacking",
        {"institution_lacks_subject": True},
        "supervisor_license",
        "required",
        "带教老师",
    ),
    ("no supervisor licence when subject present", {}, "supervisor_license", "not_applicable", ""),
    (
        "no supervisor licence without trial assessment",
        {"institution_lacks_subject": True, "assistant_upgrade": True},
        "supervisor_license",
        "not_applicable",
        "",
    ),
    (
        "HMT form for Hong Kong",
        {"residency": "hong_kong"},
        "hmt_foreign_form",
        "required",
        "香港居民",
    ),
    ("HMT form for Macau", {"residency": "macau"}, "hmt_foreign_form", "required", "澳门"),
    ("HMT form for Taiwan", {"residency": "taiwan"}, "hmt_foreign_form", "required", "台湾"),
    ("HMT form for foreigners", {"residency": "foreign"}, "hmt_foreign_form", "required", "外籍"),
    ("no HMT form for mainland", {}, "hmt_foreign_form", "not_applicable", ""),
    (
        "assistant qualification",
        {"assistant_upgrade": True},
        "assistant_qualification",
        "required",
        "助理升执业",
    ),
    (
        "assistant practice",
        {"assistant_upgrade": True},
        "assistant_practice",
        "required",
        "执业证书",
    ),
    ("practice assessment", {"assistant_upgrade": True}, "practice_assessment", "required", "考核"),
    ("no assistant items otherwise", {}, "assistant_qualification", "not_applicable", ""),
    ("pledge for 应届", {"graduating_this_year": True}, "graduate_pledge", "required", "应届"),
    ("no pledge otherwise", {}, "graduate_pledge", "not_applicable", ""),
    ("extra exam pediatrics", {"extra_exam": "pediatrics"}, "extra_exam_form", "required", "儿科"),
    (
        "extra exam prehospital",
        {"extra_exam": "prehospital_emergency"},
        "extra_exam_form",
        "required",
        "院前急救",
    ),
    ("no extra exam", {}, "extra_exam_form", "not_applicable", ""),
    ("residency training never required", {}, "residency_cert", "optional", "有就上传"),
    (
        "mentorship certificate for 师承",
        {"education_type": "mentorship"},
        "mentorship_cert",
        "required",
        "外省无效",
    ),
    (
        "mentorship certificate for 确有专长",
        {"education_type": "proven_expertise"},
        "mentorship_cert",
        "required",
        "确有专长",
    ),
    ("no mentorship certificate otherwise", {}, "mentorship_cert", "not_applicable", ""),
    (
        "village doctor recommended for 农村医学 upgrade",
        {"assistant_upgrade": True, "major": "农村医学"},
        "village_doctor",
        "recommended",
        "可留空",
    ),
    (
        "village doctor recommended for 卫生保健 upgrade",
        {"assistant_upgrade": True, "major": "卫生保健"},
        "village_doctor",
        "recommended",
        "卫生保健",
    ),
    (
        "no village doctor for other majors",
        {"assistant_upgrade": True},
        "village_doctor",
        "not_applicable",
        "",
    ),
    (
        "no village doctor without upgrade",
        {"major": "农村医学"},
        "village_doctor",
        "not_applicable",
        "",
    ),
    (
        "other required under R2",
        {"passed_review_years": [2020]},
        "other",
        "required",
        "准考证或成绩单",
    ),
    ("other optional otherwise", {}, "other", "optional", "默认留空"),
]


@pytest.mark.parametrize(
    ("case", "overrides", "code", "status", "fragment"), ITEM_CASES, ids=[c[0] for c in ITEM_CASES]
)
def test_item_conditions(rules, case, overrides, code, status, fragment):
    verdict = evaluate(rules, profile(**overrides)).items[code]
    assert verdict.status == status
    assert fragment in verdict.reason


def test_every_catalog_item_has_a_case(rules):
    assert {c[2] for c in ITEM_CASES} == {item["code"] for item in rules["items"]}


def test_the_plain_r8_checklist(rules):
    result = evaluate(rules, profile())
    assert result.required == [
        "degree",
        "diploma",
        "id_proof",
        "institution_license",
        "trial_assessment",
    ]
    assert result.recommended == []
    assert list(result.items) == [item["code"] for item in rules["items"]]


def test_military_candidates_need_nothing_but_may_upload(rules):
    result = evaluate(rules, profile(military=True, assistant_upgrade=True, residency="foreign"))
    assert result.required == [] and result.recommended == []
    assert result.items["id_proof"].status == "optional"
    assert "无需上传报名材料" in result.items["id_proof"].reason
    # What never applied stays "not applicable" rather than inviting uploads.
    assert result.items["student_card"].status == "not_applicable"


def test_missing_fields_are_shown_as_check_naming_the_field(rules):
    incomplete = profile()
    del incomplete["postgraduate_in_school"]
    result = evaluate(rules, incomplete)
    assert result.items["student_card"].status == "check"
    assert "在校或应届研究生" in result.items["student_card"].reason
    # trial_assessment's first case (助理升执业) is known false, the second is unknown.
    assert result.items["trial_assessment"].status == "check"
    # institution_license depends on trial_assessment: its reason names the same field.
    assert result.items["institution_license"].status == "check"
    assert "在校或应届研究生" in result.items["institution_license"].reason
    assert result.items["id_proof"].status == "required"


def test_a_route_that_needs_a_missing_field_says_so(rules):
    result = evaluate(rules, profile(graduation_date=None, chsi_verifiable=True))
    assert result.rule_code == "R8"
    assert result.missing_fields == ("graduation_date",)
    assert "毕业时间" in result.notice
    assert evaluate(rules, profile()).notice == ""


def test_trial_period_only_when_the_profile_has_segments(rules):
    assert evaluate(rules, profile()).trial_period is None
    result = evaluate(
        rules,
        profile(
            trial_segments=[
                {"start": "2021-08-01", "end": "2022-01-20", "status": "completed"},
                {"start": "2022-01-20", "end": "2022-08-01", "status": "pledged"},
            ]
        ),
    )
    assert result.trial_period.ok is True
    assert result.trial_period.covered_days == 365


def test_wrongly_typed_values_do_not_crash(rules):
    result = evaluate(
        rules, profile(military="yes", graduation_date="July", extra_exam=3, trial_segments="none")
    )
    assert result.rule_code == "R8"
    assert result.items["extra_exam_form"].status == "check"
    assert result.trial_period.covered_days == 0


def test_the_checklist_puts_required_first_with_names_and_reasons(rules):
    from medexam.rules.selectors import checklist

    rows = checklist(rules, evaluate(rules, profile(assistant_upgrade=True, major="农村医学")))
    statuses = [row.status for row in rows]
    assert statuses == sorted(
        statuses, key=["required", "check", "recommended", "optional", "not_applicable"].index
    )
    assert rows[0].code == "id_proof" and rows[0].status_label == "必传"
    village = next(row for row in rows if row.code == "village_doctor")
    assert (village.name, village.status_label) == ("乡医证", "建议上传")
    assert len(rows) == 19

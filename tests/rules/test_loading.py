"""Loading the exam-year rule files: what lands in the database, and refusals that name the
line and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medexam.rules.loading import (
    RulesFileError,
    default_exam_path,
    load_exam_file,
    parse_rules,
    read_rules_file,
)
from medexam.rules.models import Exam, ExamSite, MaterialItem

SOURCE_ORDER = [
    "id_proof",
    "diploma",
    "degree",
    "edu_proof",
    "student_card",
    "grad_clinical_practice",
    "trial_assessment",
    "institution_license",
    "supervisor_license",
    "hmt_foreign_form",
    "assistant_qualification",
    "assistant_practice",
    "practice_assessment",
    "graduate_pledge",
    "extra_exam_form",
    "residency_cert",
    "mentorship_cert",
    "village_doctor",
    "other",
]


def liaoning_text() -> str:
    return default_exam_path().read_text(encoding="utf-8")


@pytest.mark.django_db
def test_it_loads_liaoning_2022_with_sites_and_catalog_in_source_order():
    exam = load_exam_file(default_exam_path())

    assert (exam.slug, exam.year, exam.province, exam.province_name) == (
        "liaoning-2022",
        2022,
        "liaoning",
        "辽宁省",
    )
    assert exam.rules_version == "2022.4"
    assert len(exam.rules_sha256) == 64
    assert exam.sites.count() == 14
    assert exam.sites.get(code="shenyang").name == "沈阳市"
    assert exam.sites.get(code="huludao").name == "葫芦岛市"
    assert list(exam.items.values_list("code", flat=True)) == SOURCE_ORDER
    id_proof = exam.items.get(code="id_proof")
    assert id_proof.marked_required and id_proof.exact_count and id_proof.max_count == 3
    assert [s["label"] for s in id_proof.slots] == ["正面", "反面", "手持证件自拍"]
    assert id_proof.slot_label("selfie") == "手持证件自拍"
    assert id_proof.tips == "（身份证要在有效期内）"
    assert exam.items.filter(exact_count=True).count() == 1
    assert exam.items.filter(marked_required=True).count() == 1
    assert exam.items.get(code="other").max_count == 10
    assert exam.items.get(code="degree").name == "学位证书（本科及以上学历必传）"
    assert all(item.example["caption"] for item in exam.items.all())
    assert exam.rules["trial_period"] == {
        "window_start": "2021-01-01",
        "window_end": "2022-08-19",
        "year_days": 365,
    }
    assert exam.upload_opens_at < exam.upload_closes_at


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    first = load_exam_file(default_exam_path())
    ids = sorted(MaterialItem.objects.values_list("id", flat=True))
    second = load_exam_file(default_exam_path())

    assert first.pk == second.pk
    assert Exam.objects.count() == 1
    assert ExamSite.objects.count() == 14
    assert sorted(MaterialItem.objects.values_list("id", flat=True)) == ids


@pytest.mark.django_db
def test_a_malformed_file_names_the_line_and_changes_nothing(tmp_path):
    exam = load_exam_file(default_exam_path())
    text = liaoning_text().replace(
        "{field: education_type, eq: adult}", "{field: educaton_type, eq: adult}"
    )
    text = text.replace('version: "2022.4"', 'version: "2022.5"')
    broken = tmp_path / "liaoning-2022.yaml"
    broken.write_text(text, encoding="utf-8")
    expected_line = next(
        i for i, line in enumerate(text.splitlines(), 1) if "educaton_type" in line
    )

    with pytest.raises(RulesFileError) as caught:
        load_exam_file(broken)

    assert caught.value.line == expected_line
    assert "educaton_type" in caught.value.reason
    assert f"第{expected_line}行" in str(caught.value)
    exam.refresh_from_db()
    assert exam.rules_version == "2022.4"


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("max_count: 10", "max_count: -1", "max_count"),
        ("route: online", "route: onlien", "online 或 offline"),
        ("    when: {always: true}", "    when: {field: military, eq: false}", "兜底"),
        ("{rule_in: [R2]}", "{rule_in: [R9]}", "R9"),
        ("status: recommended", "status: maybe", "status"),
        (
            "{field: education_level, eq: secondary_vocational}",
            "{field: education_level, eq: vocational}",
            "vocational",
        ),
        ('window_end: "2022-08-19"', 'window_end: "2020-08-19"', "结束日期"),
        ("本科及以上学历必须上传学位证书", "{degre}必须上传学位证书", "degre"),
        ("  - {code: dalian, name: 大连市,", "  - {code: shenyang, name: 大连市,", "重复"),
        ("aliases: [大连, 大连市考点", "aliases: [沈阳, 大连市考点", "同时属于考点"),
    ],
)
def test_it_refuses_bad_values_with_a_reason(old, new, fragment):
    text = liaoning_text()
    assert old in text
    with pytest.raises(RulesFileError) as caught:
        parse_rules(text.replace(old, new, 1), filename="x.yaml")
    assert fragment in str(caught.value)
    assert caught.value.line is not None


def test_it_refuses_yaml_syntax_errors_and_duplicate_keys_with_line():
    with pytest.raises(RulesFileError) as caught:
        parse_rules("schema: 1\nslug: [oops\n", filename="x.yaml")
    assert caught.value.line is not None and "YAML" in caught.value.reason
    with pytest.raises(RulesFileError) as caught:
        parse_rules(liaoning_text().replace("year: 2022\n", "year: 2022\nyear: 2023\n"))
    assert "重复的键" in caught.value.reason


def test_it_refuses_an_unknown_top_level_key():
    with pytest.raises(RulesFileError) as caught:
        parse_rules(liaoning_text() + "\nextra_thing: 1\n")
    assert "extra_thing" in caught.value.reason


@pytest.mark.django_db
def test_the_command_loads_by_slug_and_reports_errors(tmp_path, capsys):
    call_command("load_exam", "liaoning-2022")
    assert "liaoning-2022" in capsys.readouterr().out
    assert Exam.objects.filter(slug="liaoning-2022").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少必填项"):
        call_command("load_exam", str(bad))


@pytest.mark.django_db
def test_the_command_can_check_without_writing(capsys):
    call_command("load_exam", "liaoning-2023", "--check")
    assert "校验通过：liaoning-2023" in capsys.readouterr().out
    assert not Exam.objects.exists()


def test_every_shipped_file_validates():
    for path in default_exam_path().parent.glob("*.yaml"):
        data, sha = read_rules_file(path)
        assert data["slug"] == path.stem
        assert len(sha) == 64


def _without_item(code: str) -> str:
    """The Liaoning file with one catalog item cut out (from its `- code:` to the next)."""
    text = liaoning_text()
    start = text.index(f"  - code: {code}\n")
    end = text.index("  - code: ", start + 1)
    return text[:start] + text[end:]


@pytest.mark.django_db
def test_an_item_dropped_from_the_file_is_removed(tmp_path):
    load_exam_file(default_exam_path())
    path = tmp_path / "liaoning-2022.yaml"
    path.write_text(_without_item("residency_cert"), encoding="utf-8")
    exam = load_exam_file(path)
    assert not exam.items.filter(code="residency_cert").exists()
    assert exam.items.get(code="mentorship_cert").order == 16  # orders follow the file


@pytest.mark.django_db
def test_an_item_with_uploaded_images_cannot_be_dropped(candidate, jpeg, tmp_path):
    from tests.materials.helpers import upload

    upload(candidate, jpeg(1), item="residency_cert")
    path = tmp_path / "liaoning-2022.yaml"
    path.write_text(
        _without_item("residency_cert").replace('version: "2022.4"', 'version: "2022.9"'),
        encoding="utf-8",
    )
    with pytest.raises(RulesFileError, match="residency_cert.*已有考生上传的图片"):
        load_exam_file(path)
    exam = Exam.objects.get(slug="liaoning-2022")
    assert exam.rules_version == "2022.4"  # the whole load was rolled back
    assert exam.items.filter(code="residency_cert").exists()


SEED = Path("/work/shared/seed/liaoning-2022-review-and-upload-guide.zh.txt")


@pytest.mark.skipif(not SEED.exists(), reason="the source text is not in this checkout")
def test_catalog_and_route_texts_are_the_sources_verbatim():
    seed = SEED.read_text(encoding="utf-8")
    data, _ = read_rules_file(default_exam_path())
    for item in data["items"]:
        for key in ("name", "description", "tips"):
            for line in filter(None, item[key].split("\n")):
                assert line in seed, (item["code"], key, line)
    for row in data["routes"]:
        assert row["wording"] in seed and row["note"] in seed, row["code"]


def test_each_item_offers_its_own_replacement_reasons():
    from medexam.rules.reasons import for_item

    class Exam:  # the loaded file is all the reasons need
        rules = read_rules_file(default_exam_path())[0]

    licence = dict(for_item(Exam, "institution_license"))
    id_card = dict(for_item(Exam, "id_proof"))
    assert licence["original_not_copy"] == "正本而非副本"
    assert licence["institution_mismatch"] == "机构名称与报名表不一致"
    assert "original_not_copy" not in id_card and "not_self" in id_card and "expired" in id_card
    assert list(licence)[-1] == list(id_card)[-1] == "other"


def test_an_item_reason_missing_from_the_catalog_is_refused(tmp_path):
    text = liaoning_text().replace(
        "replacement_reasons: [unclear, incomplete, original_not_copy",
        "replacement_reasons: [unclear, incomplete, orignal_not_copy",
    )
    broken = tmp_path / "liaoning-2022.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError, match="orignal_not_copy"):
        read_rules_file(broken)

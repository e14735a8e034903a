"""The machine pre-check in a real browser: the candidate who uploads an expired ID card's
back sees it on the item seconds later, without reloading, and confirms it; the reviewer
sees the panel beside the image with the mismatch highlighted, and filters the queue by
"预检发现问题"."""

from __future__ import annotations

import pytest

from medexam.materials.models import UploadedImage
from medexam.precheck import corpus, idnumber
from medexam.precheck.checks import Registration, cross_check
from medexam.precheck.reader import Reading
from medexam.precheck.services import exam_date, store_result
from medexam.precheck.tasks import precheck_image
from tests.browser.axe import assert_accessible
from tests.browser.support import login, screenshot
from tests.factories import CandidateFactory
from tests.materials.helpers import upload
from tests.review.helpers import mark_submitted

pytestmark = pytest.mark.django_db(transaction=True)

EXPIRED = "身份证反面显示有效期至 2018 年 3 月 22 日，已过期，请使用有效证件"


def test_the_candidate_sees_an_expired_card_on_the_item_and_confirms_it(
    page, live_server, candidate, password, tmp_path
):
    data, _ = corpus.photo_of(
        "id_back", seed=11, valid_from="2008-03-22", valid_until="2018-03-22", name=candidate.name
    )
    photo = tmp_path / "id-back.jpg"
    photo.write_bytes(data)
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    form = page.locator('#item-id_proof form.upload-form[data-slot="back"]')
    form.locator('input[type="file"]').set_input_files(str(photo))
    form.get_by_role("button", name="上传这张图片").click()
    slot = page.locator("#slot-id_proof-back")
    slot.locator("figure.thumb").wait_for()
    assert "正在自动核对这张图片" in slot.inner_text()

    # The worker's part, here in the test's process; the page fetches its item again.
    image = UploadedImage.objects.get(application=candidate.application, slot="back")
    assert precheck_image.call(image.pk) is True
    slot.locator(".precheck-problem").wait_for(timeout=15_000)
    assert EXPIRED in slot.inner_text()
    screenshot(page, "precheck-candidate-expired")
    assert_accessible(page, "materials page with a pre-check problem")

    slot.get_by_role("button", name="确认图片无误").click()
    page.locator("#slot-id_proof-back .precheck-problem", has_text="您已确认无误").wait_for()
    assert slot.get_by_role("button", name="确认图片无误").count() == 0


def test_the_reviewer_sees_the_panel_and_filters_the_queue(
    page, live_server, candidate, exam, shenyang, site_reviewer, password, jpeg
):
    front = upload(candidate, jpeg(1), slot="front")
    someone_else = idnumber.make_number("210203", "19900101", 456)
    reading = Reading("id_front", {"name": "李娜", "id_number": someone_else}, 0.99)
    found = cross_check(
        reading,
        expected_kind="id_front",
        registration=Registration(candidate.name, candidate.id_number),
        exam_date=exam_date(exam),
    )
    store_result(image_id=front.pk, expected="id_front", reading=reading, found=found)
    candidate.application.refresh_from_db()
    mark_submitted(candidate)
    clean = CandidateFactory(exam=exam, exam_site=shenyang, name="王芳")
    mark_submitted(clean)

    login(page, live_server, site_reviewer.username, password)
    page.goto(f"{live_server.url}/review/")
    table = page.locator("main table").first
    assert candidate.name in table.inner_text() and "王芳" in table.inner_text()
    page.get_by_label("预检发现问题").check()
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    rows = page.locator("main table").first.inner_text()
    assert candidate.name in rows and "王芳" not in rows
    assert "预检发现问题" in rows

    page.goto(f"{live_server.url}/review/applications/{candidate.application.pk}/")
    panel = page.locator(f"#image-{front.uuid} [data-testid=precheck-panel]")
    text = panel.inner_text()
    assert "识别为“身份证正面（人像面）”" in text and "发现问题" in text
    mismatch = panel.locator("tr.precheck-mismatch")
    assert mismatch.count() == 2  # the name and the ID number, not the rest
    assert "李娜" in mismatch.nth(0).inner_text() and candidate.name in mismatch.nth(0).inner_text()
    # Highlighted, not only marked up: the row has its own background.
    background = (
        mismatch.nth(0).locator("td").first.evaluate("el => getComputedStyle(el).backgroundColor")
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert someone_else not in page.content() and candidate.id_number not in page.content()
    screenshot(page, "precheck-reviewer-panel")
    assert_accessible(page, "application page with a pre-check panel")

"""The foundation journey in a real browser: log in, upload the three ID images, submit,
and see everything locked with the − buttons gone."""

from __future__ import annotations

import pytest

from medexam.materials.models import Application
from tests.browser.support import login, screenshot
from tests.materials.helpers import upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_candidate_uploads_the_id_images_submits_and_sees_them_locked(
    page, live_server, candidate, password, jpeg, tmp_path
):
    # Everything but the ID images is already there, so that submitting is allowed.
    from medexam.rules.selectors import evaluation_for

    for seed, (code, verdict) in enumerate(evaluation_for(candidate).items.items(), start=40):
        if verdict.status == "required" and code != "id_proof":
            upload(candidate, jpeg(seed), item=code)
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")

    for seed, slot in enumerate(("front", "back", "selfie"), start=1):
        photo = tmp_path / f"{slot}.jpg"
        photo.write_bytes(jpeg(seed))
        form = page.locator(f'#item-id_proof form.upload-form[data-slot="{slot}"]')
        form.locator('input[type="file"]').set_input_files(str(photo))
        # upload.js fits the photo first (preview, size), then sends it with the panel's button.
        form.get_by_role("button", name="上传这张图片").click()
        page.locator("#item-id_proof figure.thumb").nth(seed - 1).wait_for()
    id_item = page.locator("#item-id_proof")
    assert "3/3" in id_item.inner_text()
    assert id_item.locator("button.delete").count() == 3
    screenshot(page, "foundation-materials-before-submit")

    page.get_by_role("link", name="提交审核").first.click()
    screenshot(page, "foundation-check-answers")
    page.get_by_role("button", name="确认提交审核").click()
    page.wait_for_load_state()

    body = page.locator("main").inner_text()
    assert "上报完成，内容已锁定" in body
    assert page.locator("#item-id_proof .badge-locked").count() == 3
    assert page.locator("button.delete").count() == 0
    assert page.locator("form.upload-form").count() == 0
    screenshot(page, "foundation-materials-locked")
    assert Application.objects.get(pk=candidate.application.pk).state == "submitted"

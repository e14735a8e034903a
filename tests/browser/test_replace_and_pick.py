"""One-step replace and several files in one pick, in a real browser."""

from __future__ import annotations

import pytest

from medexam.materials.models import UploadedImage
from tests.browser.axe import assert_accessible
from tests.browser.support import login, screenshot
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_step_replace_keeps_the_old_image_until_the_new_one_is_stored(
    page, live_server, candidate, site_reviewer, password, jpeg, tmp_path
):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    request_replacement(application, site_reviewer, back, note="反面看不清")
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/#image-{back.uuid}")

    form = page.locator(f'form.replace-form[data-replace="{back.uuid}"]')
    photo = tmp_path / "back-new.jpg"
    photo.write_bytes(jpeg(4242))
    form.locator('input[type="file"]').set_input_files(str(photo))
    form.get_by_role("button", name="上传这张图片").wait_for()
    # The old image is still there, marked, while the new one waits to be sent.
    old = page.locator(f"#image-{back.uuid}")
    assert old.is_visible() and old.locator(".replace-pending").is_visible()
    assert UploadedImage.objects.get(pk=back.pk).status == "active"
    screenshot(page, "ux-replace-pending")
    form.get_by_role("button", name="上传这张图片").click()
    page.locator(f"#image-{back.uuid}").wait_for(state="detached")

    new = UploadedImage.objects.get(application=application, slot="back", status="active")
    assert new.replaces_id == back.pk and fresh(application).state == "changes_requested"
    assert UploadedImage.objects.get(pk=back.pk).status == "replaced"
    page.locator(f"#image-{new.uuid}").wait_for()
    item = page.locator("#item-id_proof").inner_text()
    assert "不清晰，反面看不清" in item and "已上传新图片，重新提交后生效" in item
    assert "已更换" in page.locator("#todo").inner_text()
    assert_accessible(page, "after one-step replace")


def test_several_files_in_one_pick_each_with_its_own_progress(
    page, live_server, candidate, password, jpeg, tmp_path
):
    from tests.browser.support import login as log_in

    log_in(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/#item-diploma")
    before = page.locator("#required-progress").inner_text()
    files = []
    for n in range(3):
        photo = tmp_path / f"diploma-{n}.jpg"
        photo.write_bytes(jpeg(700 + n))
        files.append(str(photo))
    form = page.locator("#item-diploma form.upload-form")
    assert form.locator('input[type="file"]').get_attribute("multiple") is not None
    form.locator('input[type="file"]').set_input_files(files)
    rows = page.locator("#item-diploma .batch-row")
    rows.first.wait_for()
    assert rows.count() == 3 and page.locator("#item-diploma .batch-row progress").count() == 3
    screenshot(page, "ux-multi-pick")
    page.locator("#item-diploma figure.thumb").nth(2).wait_for()
    assert (
        UploadedImage.objects.filter(
            application=candidate.application, item__code="diploma"
        ).count()
        == 3
    )
    page.locator("#item-diploma .item-announce").wait_for()
    assert "已上传 3 张" in page.locator("#item-diploma .item-announce").inner_text()
    after = page.locator("#required-progress").inner_text()
    assert before != after and "已完成" in after  # 已完成 1/N: the diploma counts now
    assert_accessible(page, "after several files")


def test_a_reviewer_proposes_a_turned_version_and_the_candidate_uses_it(
    browser, page, live_server, candidate, site_reviewer, password, jpeg
):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    reviewer = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    r = reviewer.new_page()
    login(r, live_server, site_reviewer.username, password)
    r.goto(f"{live_server.url}/review/applications/{application.pk}/")
    r.locator(f"#rotate-{back.uuid}").select_option("90")
    assert r.locator(f"#replace-{back.uuid}").is_checked()  # proposing a fix flags the image
    assert r.locator(f"#reason-{back.uuid}").input_value() == "orientation"
    r.locator("#outcome-request_changes").check()
    with r.expect_navigation():
        r.get_by_role("button", name="保存审核结论并通知考生").click()
    assert fresh(application).state == "changes_requested"
    reviewer.close()

    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    box = page.locator(f"#proposal-{back.uuid}")
    assert "审核人员已把这张图片转正" in box.inner_text()
    assert "可直接使用" in page.locator("#todo").inner_text()
    assert_accessible(page, "proposal")
    screenshot(page, "ux-rotation-proposal")
    box.get_by_role("button", name="使用转正后的图片").click()
    page.wait_for_load_state()
    used = UploadedImage.objects.get(application=application, slot="back", status="active")
    assert used.rotation == 90 and used.replaces_id == back.pk
    assert "已更换" in page.locator("#todo").inner_text()

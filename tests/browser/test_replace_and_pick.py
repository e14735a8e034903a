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

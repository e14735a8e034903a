"""The round trip in a real browser: the candidate submits → the reviewer asks to replace one
ID image → the candidate can replace only that one → resubmits → the reviewer sees old beside
new and approves → the candidate sees 审核通过 and the message."""

from __future__ import annotations

import pytest

from medexam.materials.models import Application, UploadedImage
from tests.browser.support import login, screenshot
from tests.materials.helpers import fill_required
from tests.review.helpers import confirm_all

pytestmark = pytest.mark.django_db(transaction=True)


def logout(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def test_review_round_trip(page, live_server, candidate, site_reviewer, password, jpeg, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    fill_required(candidate, jpeg)
    confirm_all(candidate)  # intake warnings the candidate would confirm on the page
    back = UploadedImage.objects.get(application=candidate.application, slot="back")

    # 1. The candidate submits.
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/submit/")
    page.get_by_role("button", name="确认提交审核").click()
    page.wait_for_load_state()
    assert "上报完成，内容已锁定" in page.locator("main").inner_text()
    logout(page)

    # 2. The reviewer takes the next application and asks for the ID's back side again.
    login(page, live_server, site_reviewer.username, password)
    assert "/review/" in page.url
    page.get_by_role("button", name="领取下一份").click()
    page.wait_for_load_state()
    assert candidate.name in page.locator("h1").inner_text()
    assert candidate.masked_id_number in page.locator("main").inner_text()
    card = page.locator(f"#image-{back.uuid}")
    card.get_by_role("button", name="旋转 90°（仅查看）").click()
    assert "rot-90" in card.locator(".viewer img").get_attribute("class")
    card.locator(f'select[name="reason-{back.uuid}"]').select_option("unclear")
    assert card.get_by_label("需更换").is_checked()  # choosing a reason marks the image
    card.locator(f'input[name="note-{back.uuid}"]').fill("反面文字看不清，请重新拍摄")
    page.get_by_label("要求更换/补充材料", exact=False).check()
    screenshot(page, "review-request-changes")
    page.get_by_role("button", name="保存审核结论并通知考生").click()
    page.wait_for_load_state()
    assert "需补充/更换材料" in page.locator("#app-state").inner_text()
    logout(page)

    # 3. The candidate sees the reason and can replace only that image.
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    id_item = page.locator("#item-id_proof")
    assert "审核意见：不清晰，反面文字看不清，请重新拍摄" in id_item.inner_text()
    assert page.locator("button.delete").count() == 1
    assert id_item.locator(".badge-locked").count() == 2
    assert page.locator("form.upload-form:not(.replace-form)").count() == 0
    assert page.locator("form.replace-form").count() == 1  # 更换: only on the flagged image
    id_item.locator(f"#image-{back.uuid} button.delete").click()
    form = page.locator('#item-id_proof form.upload-form[data-slot="back"]')
    form.wait_for()
    assert page.locator("form.upload-form").count() == 1  # only the reopened place
    photo = tmp_path / "back-new.jpg"
    photo.write_bytes(jpeg(777))
    form.locator('input[type="file"]').set_input_files(str(photo))
    form.get_by_role("button", name="上传这张图片").click()
    page.locator("#item-id_proof figure.thumb").nth(2).wait_for()
    page.goto(f"{live_server.url}/candidate/materials/")
    confirm = page.locator("#item-id_proof").get_by_role("button", name="确认图片无误")
    if confirm.count():  # the intake's blur check may find a synthetic photo borderline
        confirm.first.click()
        page.wait_for_load_state()
    screenshot(page, "review-candidate-replaced")
    page.goto(f"{live_server.url}/candidate/submit/")
    page.get_by_role("button", name="确认提交审核").click()
    page.wait_for_load_state()
    application = Application.objects.get(pk=candidate.application.pk)
    assert (application.state, application.round) == ("submitted", 2)
    logout(page)

    # 4. The reviewer sees the old image beside the new one and approves.
    login(page, live_server, site_reviewer.username, password)
    page.get_by_role("button", name="领取下一份").click()
    page.wait_for_load_state()
    pair = page.locator('[data-testid="pair"]')
    assert pair.count() == 1
    assert pair.locator("img").count() == 2
    assert "原图（已被更换）：不清晰" in pair.inner_text()
    for radio in page.locator('input[type=radio][name^="verdict-"][value="ok"]').all():
        radio.check()  # approving needs every image marked
    page.get_by_label("审核通过", exact=False).check()
    screenshot(page, "review-re-review")
    page.get_by_role("button", name="保存审核结论并通知考生").click()
    page.wait_for_load_state()
    assert "审核通过" in page.locator("#app-state").inner_text()
    logout(page)

    # 5. The candidate sees 审核通过 and the message.
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    assert "审核通过" in page.locator(".state-banner").inner_text()
    page.goto(f"{live_server.url}/messages/")
    page.get_by_role("link", name="审核通过").first.click()
    assert "您的报名材料已审核通过" in page.locator("main").inner_text()
    screenshot(page, "review-candidate-approved")

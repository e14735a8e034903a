"""The decision form in a real browser: a failed validation brings the page back with every
choice, reason and note, the errors beside the images and in a summary that has focus; a
draft survives a reload."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.support import login, screenshot
from tests.review.helpers import claimed, fresh, image, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewing(page, live_server, candidate, site_reviewer, password, jpeg):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    login(page, live_server, site_reviewer.username, password)
    page.goto(f"{live_server.url}/review/applications/{application.pk}/")
    return application


def test_a_failed_validation_round_trip_keeps_every_field(page, reviewing):
    front, back = image(reviewing, slot="front"), image(reviewing, slot="back")
    page.locator(f"#replace-{front.uuid}").check()
    page.locator(f"#reason-{front.uuid}").select_option("expired")
    page.locator(f"#note-{front.uuid}").fill("身份证已过期")
    page.locator(f"#replace-{back.uuid}").check()  # no reason chosen
    page.locator(f"#note-{back.uuid}").fill("反面模糊")
    page.locator("#outcome-request_changes").check()
    page.locator("#decision-reason").fill("请按要求更换")
    page.get_by_role("button", name="保存审核结论并通知考生").click()
    page.wait_for_load_state()

    summary = page.locator("#decision-errors")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "decision-errors"
    assert page.locator(f"#replace-{front.uuid}").is_checked()
    assert page.locator(f"#reason-{front.uuid}").input_value() == "expired"
    assert page.locator(f"#note-{front.uuid}").input_value() == "身份证已过期"
    assert page.locator(f"#replace-{back.uuid}").is_checked()
    assert page.locator(f"#note-{back.uuid}").input_value() == "反面模糊"
    assert page.locator("#outcome-request_changes").is_checked()
    assert page.locator("#decision-reason").input_value() == "请按要求更换"
    assert page.locator(f"#reason-{back.uuid}").get_attribute("aria-invalid") == "true"
    assert "选择一个原因" in page.locator(f"#image-{back.uuid} .field-error").inner_text()
    assert_accessible(page, "decision form with errors")
    screenshot(page, "ux-decision-errors")

    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == f"reason-{back.uuid}"
    page.locator(f"#reason-{back.uuid}").select_option("unclear")
    page.get_by_role("button", name="保存审核结论并通知考生").click()
    page.wait_for_load_state()
    assert fresh(reviewing).state == "changes_requested"


def test_a_draft_survives_a_reload(page, reviewing):
    back = image(reviewing, slot="back")
    page.locator(f"#replace-{back.uuid}").check()
    page.locator(f"#reason-{back.uuid}").select_option("unclear")
    page.locator(f"#note-{back.uuid}").fill("看不清，请重拍")
    page.locator("#decision-reason").fill("草稿中的意见")

    page.reload()
    page.wait_for_load_state()

    assert page.locator(f"#replace-{back.uuid}").is_checked()
    assert page.locator(f"#reason-{back.uuid}").input_value() == "unclear"
    assert page.locator(f"#note-{back.uuid}").input_value() == "看不清，请重拍"
    assert page.locator("#decision-reason").input_value() == "草稿中的意见"
    assert "已恢复" in page.locator("#draft-status").inner_text()

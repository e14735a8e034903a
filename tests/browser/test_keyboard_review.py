"""A reviewer goes through a whole application from the keyboard: next and previous image,
pass, flag, zoom in at the pointer and out, rotate, the decision, and the next application;
the registration data stays beside the images on a wide screen."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.support import login, screenshot
from tests.factories import CandidateFactory
from tests.review.helpers import claimed, fresh, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)


def transform(page, card) -> tuple[float, float, float]:
    text = card.locator(".viewer-stage").evaluate("el => el.style.transform")
    x, y, scale = (float(v) for v in re.findall(r"-?[\d.]+", text))
    return x, y, scale


def test_a_whole_application_from_the_keyboard(
    browser, live_server, candidate, site_reviewer, password, jpeg, exam, shenyang
):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    second = submitted_with_images(CandidateFactory(exam=exam, exam_site=shenyang), jpeg)
    ctx = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    login(page, live_server, site_reviewer.username, password)
    page.goto(f"{live_server.url}/review/applications/{application.pk}/")
    assert_accessible(page, "review page with the keyboard help")
    cards = page.locator("[data-review-image]")
    count = cards.count()
    assert count >= 4

    # Next and previous.
    page.keyboard.press("j")
    assert "is-current" in cards.nth(0).get_attribute("class")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert "is-current" in cards.nth(0).get_attribute("class")
    assert "第 1 /" in page.locator("#keyboard-status").inner_text()

    # The registration data is pinned beside the images while they scroll.
    cards.nth(count - 1).scroll_into_view_if_needed()
    aside = page.locator(".review-aside").bounding_box()
    assert aside["x"] + aside["width"] <= cards.nth(count - 1).bounding_box()["x"]
    assert aside["y"] < 900 and aside["y"] + aside["height"] > 0
    page.keyboard.press("k")  # back to the first image

    # Zoom in at the pointer: the point under it stays where it is; then out again.
    first = cards.nth(0)
    viewer = first.locator(".viewer").bounding_box()
    px, py = viewer["width"] * 0.3, viewer["height"] * 0.4
    page.mouse.move(viewer["x"] + px, viewer["y"] + py)
    page.keyboard.press("+")
    page.keyboard.press("+")
    x, y, scale = transform(page, first)
    assert scale == pytest.approx(1.5625)
    assert (px - x) / scale == pytest.approx(px, abs=0.5)  # same image point under the pointer
    assert (py - y) / scale == pytest.approx(py, abs=0.5)
    page.keyboard.press("-")
    assert transform(page, first)[2] == pytest.approx(1.25)
    page.keyboard.press("0")
    assert transform(page, first)[2] == 1
    page.keyboard.press("r")
    assert "rot-90" in first.locator("img").get_attribute("class")

    # Pass every image but the last, flag the last with a reason.
    for _ in range(count - 1):
        page.keyboard.press("p")
    page.keyboard.press("f")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused == "SELECT"
    page.keyboard.press("ArrowDown")  # the first reason of this item
    page.keyboard.press("Tab")
    page.keyboard.type("请重新拍摄")
    page.keyboard.press("Escape")
    checked = page.locator("input[type=radio][name^=verdict-]:checked")
    values = [checked.nth(i).get_attribute("value") for i in range(checked.count())]
    assert values == ["ok"] * (count - 1) + ["replace"]

    # The decision, from the keyboard too.
    page.keyboard.press("d")
    page.keyboard.press("ArrowDown")  # 要求更换/补充材料
    assert page.get_by_label("要求更换/补充材料", exact=False).is_checked()
    screenshot(page, "ux-keyboard-review")
    page.locator("#decision-reason").focus()
    page.keyboard.type("请按意见更换")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    screenshot(page, "ux-keyboard-decided")
    assert fresh(application).state == "changes_requested", page.locator(".flash-list").inner_text()

    # And the next application.
    page.keyboard.press("n")
    page.wait_for_url(f"**/review/applications/{second.pk}/")
    assert second.candidate.name in page.locator("h1").inner_text()
    ctx.close()

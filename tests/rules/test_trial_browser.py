"""The trial-period editor in headless Chromium: a candidate fills the source's two-part
example and sees one full year on the timeline (strict CSP, no inline script or style)."""

from __future__ import annotations

import pytest

from tests.browser.support import login, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_candidate_fills_two_segments_and_sees_one_year(
    page,
    live_server,
    candidate,
    password,  # noqa: F811
):
    candidate.trial_segments = []
    candidate.save()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/rules/trial/")
    assert "还差 365 天" in page.inner_text("main")
    screenshot(page, "rules-trial-period-empty")

    page.get_by_label("第1段试用机构").fill("沈阳市第一人民医院")
    page.get_by_label("第1段开始日期").fill("2021-08-01")
    page.get_by_label("第1段结束日期").fill("2022-01-20")
    page.get_by_label("第2段试用机构").fill("沈阳市第一人民医院")
    page.get_by_label("第2段开始日期").fill("2022-01-20")
    page.get_by_label("第2段结束日期").fill("2022-08-01")
    page.get_by_label("第2段状态").select_option("pledged")
    page.get_by_role("button", name="保存试用期").click()
    page.wait_for_load_state()

    main = page.inner_text("main")
    assert "窗口内累计 365 天，已满足要求" in main
    assert page.locator(".timeline rect.bar-completed").count() == 1
    assert page.locator(".timeline rect.bar-pledged").count() == 1
    # The stylesheet loaded under the CSP: the pledged bar is coloured by trial.css.
    fill = page.locator(".timeline rect.bar-pledged").evaluate("el => getComputedStyle(el).fill")
    assert fill == "rgb(129, 199, 132)"
    assert not [e for e in errors if "Content Security Policy" in e]
    screenshot(page, "rules-trial-period")
    candidate.refresh_from_db()
    assert [s["status"] for s in candidate.trial_segments] == ["completed", "pledged"]

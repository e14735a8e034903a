"""A reviewer's first login in a real browser: password, then binding an authenticator by the
QR code's key (as a phone app would read it), the recovery codes, and the queue; the next
login asks for the code. The pages pass the accessibility check."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP

from tests.browser.axe import assert_accessible
from tests.browser.support import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_login_binds_an_authenticator_then_every_login_asks_for_it(
    page, live_server, site_reviewer, password
):
    page.goto(f"{live_server.url}/review/")
    page.get_by_label("证件号码（审核人员填写用户名）").fill(site_reviewer.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/accounts/otp/enrol/" in page.url
    assert page.locator(".otp-qr svg").is_visible()
    assert_accessible(page, "otp enrol")
    screenshot(page, "otp-enrol")
    secret = page.locator("#otp-secret").inner_text()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("动态验证码").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="确认绑定").click()
    page.wait_for_load_state()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_load_state()
    assert page.url.endswith("/review/")

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/review/")
    page.get_by_label("证件号码（审核人员填写用户名）").fill(site_reviewer.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/accounts/otp/" in page.url
    assert_accessible(page, "otp verify")
    page.get_by_label("动态验证码").fill(codes[0])  # a recovery code, instead of the phone
    page.get_by_role("button", name="验证").click()
    page.wait_for_load_state()
    assert page.url.endswith("/review/")

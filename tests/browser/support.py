"""Headless Chromium (Debian's package, driven by pip's playwright) against a live server.
`page` is a phone-sized page; screenshots go to test-artifacts/ (kept by CI).

The fixtures are defined here once and registered by tests/conftest.py, so that one browser
serves every test folder (a second session-scoped copy would start Playwright twice)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("MEDEXAM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, live_server):
    ctx = browser.new_context(base_url=live_server.url, **PHONE)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


def login(page, live_server, username: str, password: str) -> None:
    """Logs in through the form; staff then type their authenticator's current code (their
    device is enrolled here first if it is not, as an enrolled reviewer's would be)."""
    from medexam.accounts.models import User
    from tests.second_factor import current_code, enrolled_device

    staff = User.objects.filter(username=username).first()
    device = enrolled_device(staff) if staff is not None and staff.is_staff_member else None
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("证件号码（审核人员填写用户名）").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()[:2000]
    if device is not None:
        assert "/accounts/otp/" in page.url, page.url
        page.get_by_label("动态验证码").fill(current_code(device))
        page.get_by_role("button", name="验证").click()
        page.wait_for_load_state()
        assert "/accounts/otp/" not in page.url, page.content()[:2000]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A screenshot of the page a failed browser test left behind."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        # The browser may be gone by now; the failure itself is what matters.
        with contextlib.suppress(Exception):
            screenshot(item.funcargs["page"], f"FAILED-{item.name}")

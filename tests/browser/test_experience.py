"""Issue 19 in a real browser: every page checked by axe at 360 px and on a desktop, the
phone's nav on one line, the "需要您处理" link landing on the image, the appointment slip's
QR code decoded and opening the case at the site, and the login's errors announced."""

from __future__ import annotations

import io

import pytest

from medexam.materials import guidance
from tests.browser.axe import assert_accessible
from tests.browser.support import login, screenshot
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(params=list(SIZES))
def sized(request, browser, live_server):
    ctx = browser.new_context(base_url=live_server.url, locale="zh-CN", **SIZES[request.param])
    ctx.set_default_timeout(15_000)
    yield request.param, ctx.new_page()
    ctx.close()


TAP_TARGETS_JS = """
() => {
  const small = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const inlineInText = (el) => {
    // WCAG 2.5.5's inline exception: a link inside a sentence is sized by the sentence.
    if (getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement.closest('p, li, dd, td, th, span, small, div');
    return block && block.textContent.trim().length > el.textContent.trim().length;
  };
  const box = (el) => {
    // A checkbox or radio is tapped through its label; a hidden file input through its label.
    if (el.matches('input[type=checkbox], input[type=radio], input[type=file]')) {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) return label;
    }
    return el;
  };
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const target = box(el);
    if (!visible(target) || (el.matches('a') && inlineInText(el))) continue;
    const r = target.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) {
      small.push(`${el.outerHTML.slice(0, 90)} ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return small;
}
"""


def assert_tap_targets(page, where: str) -> None:
    """Every control a thumb aims at is at least 44 × 44 CSS px (issue 19, point 13)."""
    small = page.evaluate(TAP_TARGETS_JS)
    assert not small, f"{where}: targets under 44 px:\n" + "\n".join(small)


def check(page, url: str, name: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    screenshot(page, f"ux-{name}")
    assert_accessible(page, name)


def test_every_candidate_page_passes_axe(
    sized, live_server, candidate, site_reviewer, password, jpeg
):
    size, page = sized
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(application, site_reviewer, image(application, slot="back"), note="看不清")
    message = candidate.user.messages.get(kind="changes_requested")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert_accessible(page, f"{size} login errors")
    login(page, live_server, candidate.id_number, password)
    for path, name in [
        ("/candidate/", "registration"),
        ("/candidate/materials/", "materials-changes"),
        ("/candidate/submit/", "check"),
        ("/messages/", "inbox"),
        (f"/messages/{message.pk}/", "message"),
        ("/rules/trial/", "trial"),
        ("/no-such-page/", "404"),
    ]:
        check(page, live_server.url + path, f"{size}-{name}")
        if size == "phone":
            assert_tap_targets(page, name)
    if size == "phone":
        # The nav, unread badge included, stays on one line and inside 360 px.
        nav = page.locator(".top-nav")
        box = nav.bounding_box()
        tops = {
            round(b["y"])
            for b in nav.locator("a, button").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().toJSON())"
            )
        }
        assert box["x"] + box["width"] <= 360 and len(tops) == 1, tops
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_every_reviewer_page_passes_axe(
    sized, live_server, candidate, site_reviewer, province_reviewer, password, jpeg
):
    size, page = sized
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    login(page, live_server, site_reviewer.username, password)
    for path, name in [
        ("/review/", "queue"),
        (f"/review/applications/{application.pk}/", "application"),
        ("/review/statistics/", "statistics"),
    ]:
        check(page, live_server.url + path, f"{size}-review-{name}")
    page.get_by_role("button", name="退出").click()
    login(page, live_server, province_reviewer.username, password)
    check(page, f"{live_server.url}/review/applications/{application.pk}/audit/", f"{size}-audit")
    check(page, f"{live_server.url}/manage/candidates/import/", f"{size}-import")


def test_the_account_pages_pass_axe(sized, live_server):
    size, page = sized
    for path, name in [
        ("/accounts/login/", "login"),
        ("/accounts/activate/", "activate"),
        ("/accounts/reset/", "reset"),
    ]:
        check(page, live_server.url + path, f"{size}-{name}")
        if size == "phone":
            assert_tap_targets(page, name)
    page.get_by_role("button", name="获取短信验证码").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").get_attribute("role") == "alert"
    assert_accessible(page, f"{size} reset errors")


def test_the_todo_link_lands_on_the_flagged_image(
    page, live_server, candidate, site_reviewer, password, jpeg
):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    back = image(application, slot="back")
    request_replacement(application, site_reviewer, back, note="反面看不清")
    message = candidate.user.messages.get(kind="changes_requested")
    login(page, live_server, candidate.id_number, password)

    page.goto(f"{live_server.url}/messages/{message.pk}/")
    page.get_by_role("link", name="查看需要更换的材料").click()  # tap 1
    page.locator("#todo").get_by_role("link", name="身份证明（反面）需更换").click()  # tap 2

    assert page.url.endswith(f"#image-{back.uuid}")
    target = page.locator(f"#image-{back.uuid}")
    assert target.is_visible() and target.locator("button.delete").count() == 1
    top = target.bounding_box()["y"]
    assert -2 <= top < page.viewport_size["height"]
    screenshot(page, "ux-todo-landed")


def test_the_slip_qr_code_opens_the_on_site_check(
    page, browser, live_server, candidate, site_reviewer, password, jpeg
):
    import zxingcpp
    from PIL import Image

    from medexam.review import services

    candidate.chsi_verifiable = False  # offline route
    candidate.save()
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    services.decide(
        application_id=application.pk,
        reviewer=site_reviewer,
        version=fresh(application).version,
        outcome="onsite",
    )
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    page.get_by_role("link", name="查看并打印现场审核预约单").click()
    assert_accessible(page, "slip")
    screenshot(page, "ux-onsite-slip")
    png = page.locator(".slip-qr svg").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded, "the QR code on the slip does not decode"
    url = decoded[0].text
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert url.startswith(f"{live_server.url}/review/onsite/")
    assert guidance.application_id_from_slip(token) == application.pk

    site = browser.new_context(base_url=live_server.url, locale="zh-CN")
    scanner = site.new_page()
    login(scanner, live_server, site_reviewer.username, password)
    scanner.goto(url)
    assert scanner.url.endswith(f"/review/applications/{application.pk}/#onsite")
    assert scanner.locator("#onsite").get_by_role("button", name="记录现场审核结果").is_visible()
    site.close()


def test_login_errors_are_announced_and_tied_to_the_fields(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    username = page.get_by_label("证件号码（审核人员填写用户名）")
    assert username.get_attribute("aria-invalid") == "true"
    described = username.get_attribute("aria-describedby")
    assert "请填写证件号码" in page.locator(f"#{described}").inner_text()
    summary.get_by_role("link", name="请填写密码。").click()
    assert page.evaluate("document.activeElement.id") == "id_password"


def test_no_drag_and_drop_text_on_a_touch_screen(page, live_server, candidate, password):
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    page.locator("form.upload-form.is-enhanced").first.wait_for()
    hints = page.locator(".drop-hint")
    assert all(not hints.nth(i).is_visible() for i in range(hints.count()))


def test_bulk_approve_from_the_queue_with_a_confirmation(
    page, live_server, exam, shenyang, site_reviewer, password, jpeg
):
    from tests.factories import CandidateFactory

    apps = []
    for _ in range(2):
        application = submitted_with_images(CandidateFactory(exam=exam, exam_site=shenyang), jpeg)
        application.images.update(warnings=[], warnings_confirmed=True)
        # As if submitted without warnings (the queue's flag is set at submission).
        type(application).objects.filter(pk=application.pk).update(has_warnings=False)
        apps.append(application)
    login(page, live_server, site_reviewer.username, password)
    for application in apps:
        page.locator(f"#bulk-{application.pk}").check()
    page.get_by_role("button", name="批量审核通过所选").click()
    page.wait_for_load_state()
    assert "以下 2 份申请将被审核通过" in page.locator("main").inner_text()
    assert_accessible(page, "bulk confirmation")
    screenshot(page, "ux-bulk-confirm")
    page.get_by_role("button", name="确认审核通过这 2 份").click()
    page.wait_for_load_state()
    assert "已批量审核通过 2 份申请" in page.locator(".flash-list").inner_text()
    assert all(fresh(a).state == "approved" for a in apps)


def test_without_javascript_a_refusal_lands_at_the_item(
    browser, live_server, candidate, password, tmp_path
):
    ctx = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = ctx.new_page()
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    bad = tmp_path / "diploma.jpg"
    bad.write_bytes(b"GIF89a" + b"\0" * 100)
    form = page.locator("#item-diploma form.upload-form")
    form.locator('input[type="file"]').set_input_files(str(bad))
    form.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()

    error = page.locator("#error-diploma")
    assert page.url.endswith("#item-diploma")
    assert "“毕业证书”没有上传成功" in error.inner_text()
    box = error.bounding_box()
    assert 0 <= box["y"] < 740  # in view where the page landed
    screenshot(page, "ux-nojs-refusal")
    # axe is a script: check the same page, as rendered without script, in a page that runs it.
    html = page.content().replace("<head>", f'<head><base href="{live_server.url}/">', 1)
    ctx.close()
    checker = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    copy = checker.new_page()
    copy.set_content(html, wait_until="load")
    assert_accessible(copy, "no-js refusal")
    checker.close()


def test_the_editable_materials_page_has_big_enough_targets(
    page, live_server, candidate, password, jpeg
):
    """A draft with uploads: pick, camera, replace, delete, crop and example controls are
    all at least 44 × 44 px at 360 px wide (issue 19, point 13)."""
    from tests.materials.helpers import upload

    page.set_viewport_size({"width": 360, "height": 740})
    upload(candidate, jpeg(1), "id_proof", slot="front")
    upload(candidate, jpeg(2), "id_proof", slot="back")
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    page.wait_for_load_state()
    screenshot(page, "ux-phone-materials-draft")
    assert page.locator(".button.delete").count() >= 2  # the uploads are there to be measured
    assert_tap_targets(page, "materials-draft")

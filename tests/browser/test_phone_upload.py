"""The candidate on a phone (issue 6), in headless Chromium at a phone viewport: a sideways
multi-megabyte camera photo is fitted to 200 KB in the browser and arrives upright; a lost
response is retried without a second image; an error on one item leaves everything else."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from medexam.demo.images import document_image
from medexam.materials.intake.messages import MESSAGES, WARN_MESSAGES
from medexam.materials.models import UploadedImage
from tests.browser.support import login, screenshot
from tests.materials.helpers import upload

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 204_800
# Accepted, possibly with a quality warning to confirm (the intake's call, not this page's).
ACCEPTED = re.compile("上传成功|已上传，但请确认")
RED = (220, 0, 0)


def camera_photo(seed: int = 7) -> bytes:
    """A 4000×3000 document photo as a phone stores it: pixels sideways plus EXIF
    orientation 6, sensor noise, high quality — several megabytes. Upright, its top-left
    corner is solid red: that is how the test tells upright from turned or mirrored."""
    # Drawn small and enlarged, with grain added in integers: a few seconds, not fifteen.
    small = Image.open(
        io.BytesIO(document_image(seed=seed, size=(1000, 750), max_bytes=10_000_000))
    )
    upright = small.resize((4000, 3000), Image.Resampling.BILINEAR)
    ImageDraw.Draw(upright).rectangle([0, 0, 600, 600], fill=RED)
    pixels = np.asarray(upright, dtype=np.int16)
    grain = np.random.default_rng(seed).integers(-14, 15, pixels.shape, dtype=np.int16)
    noisy = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))
    stored = noisy.transpose(Image.Transpose.ROTATE_90)  # 3000×4000: what the sensor wrote
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90° clockwise to display"
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def open_materials(page, live_server, candidate, password):
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")


def form_for(page, item: str, slot: str = ""):
    selector = f"#item-{item} form.upload-form"
    return page.locator(selector + (f'[data-slot="{slot}"]' if slot else ""))


def pick(form, path) -> None:
    form.locator('input[type="file"]').set_input_files(str(path))


def fitted(form) -> str:
    """Wait until the page has fitted the picked photo; return what it says about it."""
    form.locator(".fit-result.is-ok").wait_for(timeout=60_000)
    return form.locator(".fit-result").inner_text()


def test_a_sideways_multi_megabyte_photo_is_fitted_to_200_kb_upright_and_uploaded(
    page, live_server, candidate, password, tmp_path
):
    photo = tmp_path / "IMG_0001.JPG"
    photo.write_bytes(camera_photo())
    assert photo.stat().st_size > 3_000_000
    open_materials(page, live_server, candidate, password)

    form = form_for(page, "diploma")
    pick(form, photo)
    said = fitted(form)
    assert "KB" in said and "（上限 200 KB）" in said
    screenshot(page, "phone-materials-fitting")
    form.get_by_role("button", name="上传这张图片").click()
    page.locator("#item-diploma figure.thumb").wait_for()

    image = UploadedImage.objects.get(application=candidate.application, item__code="diploma")
    assert image.original_size <= LIMIT
    assert image.original_size > LIMIT * 0.6  # the bytes went into quality, not thrown away
    stored = Image.open(image.file.open("rb")).convert("RGB")
    assert stored.width > stored.height  # upright: 4 : 3 landscape, as the document is
    assert min(stored.size) >= 400
    corner = stored.getpixel((stored.width // 60, stored.height // 60))
    assert corner[0] > 150 and corner[1] < 90 and corner[2] < 90, corner  # red, top-left
    assert "1/5" in page.locator("#item-diploma .count").inner_text()
    assert ACCEPTED.search(page.locator("#item-diploma .item-announce").inner_text())
    screenshot(page, "phone-materials-uploaded")


def test_a_retry_after_a_lost_response_leaves_exactly_one_image(
    page, live_server, candidate, password, jpeg, tmp_path
):
    photo = tmp_path / "front.jpg"
    photo.write_bytes(jpeg(3))
    open_materials(page, live_server, candidate, password)
    keys: list[str] = []

    def lose_first_response(route):
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()  # the server stores the image ...
            route.abort("connectionreset")  # ... and the answer never arrives
        else:
            route.continue_()

    # The slot travels in the query (?slot=front): match the path, whatever follows.
    page.route(re.compile(r"/candidate/materials/id_proof/upload/"), lose_first_response)
    form = form_for(page, "id_proof", "front")
    pick(form, photo)
    fitted(form)
    form.get_by_role("button", name="上传这张图片").click()
    page.locator("#slot-id_proof-front figure.thumb").wait_for(timeout=20_000)

    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    assert UploadedImage.objects.filter(application=candidate.application).count() == 1
    assert page.locator("#item-id_proof figure.thumb").count() == 1
    assert "1/3" in page.locator("#item-id_proof .count").inner_text()


def test_a_network_failure_keeps_the_photo_for_a_manual_retry(
    page, live_server, candidate, password, jpeg, tmp_path
):
    photo = tmp_path / "diploma.jpg"
    photo.write_bytes(jpeg(4))
    open_materials(page, live_server, candidate, password)
    diploma_upload = re.compile(r"/candidate/materials/diploma/upload/")
    page.route(diploma_upload, lambda route: route.abort("internetdisconnected"))
    page.clock.install()  # the automatic retries wait 1 + 2 + 4 s: run the clock instead

    form = form_for(page, "diploma")
    pick(form, photo)
    page.clock.run_for(1000)
    fitted(form)
    form.get_by_role("button", name="上传这张图片").click()
    for _ in range(4):
        page.clock.run_for(5000)
    form.get_by_role("button", name="重新上传").wait_for()
    assert "网络连接中断" in form.locator(".fit-result").inner_text()
    assert not UploadedImage.objects.filter(application=candidate.application).exists()

    page.unroute(diploma_upload)
    form.get_by_role("button", name="重新上传").click()
    page.locator("#item-diploma figure.thumb").wait_for()
    assert UploadedImage.objects.filter(application=candidate.application).count() == 1


def test_an_error_on_one_item_keeps_the_others(
    page, live_server, candidate, password, jpeg, tmp_path
):
    kept = upload(candidate, jpeg(5), slot="front")
    heic = tmp_path / "IMG_0002.HEIC"
    heic.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 2000)
    blank = tmp_path / "blank.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (255, 255, 255)).save(out, "JPEG", quality=90)
    blank.write_bytes(out.getvalue())
    pending = tmp_path / "selfie.jpg"
    pending.write_bytes(jpeg(6))
    open_materials(page, live_server, candidate, password)

    # A photo waiting to be uploaded in one place ...
    selfie = form_for(page, "id_proof", "selfie")
    pick(selfie, pending)
    fitted(selfie)
    # ... a HEIC the browser cannot read: the server's own words, before any upload ...
    back = form_for(page, "id_proof", "back")
    pick(back, heic)
    back.locator(".upload-status.is-error").wait_for()
    assert back.locator(".upload-status").inner_text() == MESSAGES["UNSUPPORTED_FORMAT_HEIC"]
    # ... and a blank picture the server refuses, on another item.
    diploma = form_for(page, "diploma")
    pick(diploma, blank)
    fitted(diploma)
    diploma.get_by_role("button", name="上传这张图片").click()
    diploma.locator(".fit-result.is-error").wait_for()
    assert "空白" in diploma.locator(".fit-result").inner_text()

    # Nothing else moved: the uploaded image, the waiting photo, and the page's own messages.
    assert page.locator(f"#image-{kept.uuid}").is_visible()
    assert selfie.get_by_role("button", name="上传这张图片").is_enabled()
    assert UploadedImage.objects.filter(application=candidate.application).count() == 1
    screenshot(page, "phone-materials-errors")

    # Uploading the waiting photo now refreshes its item, and the others stay as they were.
    selfie.get_by_role("button", name="上传这张图片").click()
    page.locator("#slot-id_proof-selfie figure.thumb").wait_for()
    assert page.locator(f"#image-{kept.uuid}").is_visible()
    assert back.locator(".upload-status").inner_text() == MESSAGES["UNSUPPORTED_FORMAT_HEIC"]
    assert diploma.get_by_role("button", name="重新上传").is_visible()
    assert UploadedImage.objects.filter(application=candidate.application).count() == 2


def test_the_page_carries_the_intake_messages_and_no_inline_code(
    page, live_server, candidate, password
):
    open_materials(page, live_server, candidate, password)
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.reload()

    messages = json.loads(page.locator("#upload-messages").text_content())
    assert messages["UNSUPPORTED_FORMAT_HEIC"] == MESSAGES["UNSUPPORTED_FORMAT_HEIC"]
    assert page.locator("html.js-upload").count() == 1
    assert page.locator("[style]").count() == 0
    assert violations == []
    # Every item has its example picture, and it loads.
    examples = page.locator("details.example img")
    assert examples.count() == 19
    for index in range(examples.count()):
        src = examples.nth(index).get_attribute("src")
        assert page.request.get(f"{live_server.url}{src}").ok, src


def test_the_check_page_lists_every_item_warnings_to_confirm_and_what_will_lock(
    page, live_server, candidate, password, jpeg
):
    upload(candidate, jpeg(8), slot="front")
    doubtful = upload(candidate, jpeg(9), item="diploma")
    # A borderline photo, as the intake marks one: accepted, with a warning to confirm.
    UploadedImage.objects.filter(pk=doubtful.pk).update(
        warnings=[{"code": "BLURRY", "message": WARN_MESSAGES["BLURRY"]}], warnings_confirmed=False
    )
    open_materials(page, live_server, candidate, password)
    page.get_by_role("link", name="提交审核").first.click()
    page.wait_for_load_state()

    summary = page.locator(".error-summary")
    assert "还不能提交" in summary.inner_text()
    assert "身份证明" in summary.inner_text() and "需 3 张，已传 1 张" in summary.inner_text()
    assert (
        summary.get_by_role("link", name="毕业证书").get_attribute("href")
        == f"#image-{doubtful.uuid}"
    )
    assert page.get_by_role("button", name="确认提交审核").is_disabled()
    assert page.locator(".summary-thumbs figure.thumb").count() == 2
    assert "将被锁定" in page.locator("#lock-title + p").inner_text().replace(" ", "")
    screenshot(page, "phone-check-answers")

    page.locator(f"#image-{doubtful.uuid}").get_by_role("button", name="确认图片无误").click()
    page.wait_for_load_state()
    assert "/candidate/submit/" in page.url
    assert "毕业证书" not in page.locator(".error-summary").inner_text()
    assert UploadedImage.objects.get(pk=doubtful.pk).warnings_confirmed


def test_without_javascript_the_plain_form_still_uploads(
    browser, live_server, candidate, password, jpeg, tmp_path
):
    from tests.browser.support import PHONE

    photo = tmp_path / "front.jpg"
    photo.write_bytes(jpeg(10))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        open_materials(page, live_server, candidate, password)
        form = form_for(page, "id_proof", "front")
        pick(form, photo)
        form.get_by_role("button", name="上传", exact=True).click()
        page.wait_for_load_state()

        assert ACCEPTED.search(page.locator(".flash-list").inner_text())
        assert page.locator("#slot-id_proof-front figure.thumb").count() == 1
    finally:
        context.close()


def test_the_camera_button_opens_the_camera_and_a_turn_and_crop_are_what_is_uploaded(
    page, live_server, candidate, password, jpeg, tmp_path
):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg(11))  # 1000×700, upright, already under 200 KB
    open_materials(page, live_server, candidate, password)
    form = form_for(page, "diploma")

    with page.expect_file_chooser() as chooser_info:
        form.get_by_role("button", name="拍照").click()
    chooser = chooser_info.value
    assert chooser.element.get_attribute("capture") == "environment"
    chooser.set_files(str(photo))
    assert "直接上传原图" in fitted(form)

    form.get_by_role("button", name="右转 90 度").click()
    assert "700×1000 像素" in fitted(form)
    form.get_by_text("用滑块裁剪").click()
    form.get_by_label("上边裁去").fill("20")  # 20 % off the top of the turned picture
    assert "700×800 像素" in fitted(form)
    form.get_by_role("button", name="上传这张图片").click()
    page.locator("#item-diploma figure.thumb").wait_for()

    image = UploadedImage.objects.get(application=candidate.application)
    assert (image.width, image.height) == (700, 800)


def test_a_dropped_file_is_taken_and_a_deleted_image_frees_its_place(
    page, live_server, candidate, password, jpeg
):
    old = upload(candidate, jpeg(12), slot="front")
    open_materials(page, live_server, candidate, password)
    waiting = form_for(page, "diploma")
    page.on("dialog", lambda dialog: dialog.accept())

    # Desktop drag and drop: a DataTransfer with the file, dropped on the form.
    b64 = __import__("base64").b64encode(jpeg(13)).decode()
    transfer = page.evaluate_handle(
        """b64 => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                    const dt = new DataTransfer();
                    dt.items.add(new File([bytes], "scan.jpg", {type: "image/jpeg"}));
                    return dt; }""",
        b64,
    )
    waiting.dispatch_event("drop", {"dataTransfer": transfer})
    fitted(waiting)

    page.locator(f"#image-{old.uuid}").get_by_role("button", name="删除这张图片").click()
    page.locator(f"#image-{old.uuid}").wait_for(state="detached")
    assert "图片已删除" in page.locator("#item-id_proof .item-announce").inner_text()
    assert form_for(page, "id_proof", "front").count() == 1
    assert not UploadedImage.objects.filter(pk=old.pk, status=UploadedImage.Status.ACTIVE).exists()
    # The photo waiting on another item is untouched.
    assert waiting.get_by_role("button", name="上传这张图片").is_enabled()


# How a camera stores the pixels of `upright` for each orientation tag it writes (the four
# rotations; the mirrored tags 2, 4, 5, 7 do not come from phone cameras, and Chromium 156
# was seen here to ignore tag 2 while honouring the rest: those stay the browser's call).
STORED_AS = {
    1: None,
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def test_every_camera_orientation_is_shown_and_fitted_upright(
    page, live_server, candidate, password, jpeg, tmp_path
):
    upright = Image.open(io.BytesIO(jpeg(14))).convert("RGB")  # 1000×700
    ImageDraw.Draw(upright).rectangle([0, 0, 150, 150], fill=RED)
    open_materials(page, live_server, candidate, password)
    form = form_for(page, "diploma")

    for orientation, transpose in STORED_AS.items():
        stored = upright.transpose(transpose) if transpose else upright
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f"o{orientation}.jpg"
        stored.save(path, "JPEG", quality=90, exif=exif.tobytes())
        if form.get_by_role("button", name="换一张").count():
            form.get_by_role("button", name="换一张").click()
        pick(form, path)
        said = fitted(form)

        assert "1000×700 像素" in said, (orientation, said)
        corner = form.locator(".fit-canvas").evaluate(
            "c => Array.from(c.getContext('2d').getImageData(3, 3, 1, 1).data)"
        )
        far = form.locator(".fit-canvas").evaluate(
            "c => Array.from(c.getContext('2d').getImageData(c.width - 4, c.height - 4, 1, 1).data)"
        )
        assert corner[0] > 150 and corner[1] < 90 and corner[2] < 90, (orientation, corner)
        assert not (far[0] > 150 and far[1] < 90), (orientation, far)


def test_confirming_a_warning_keeps_a_photo_waiting_elsewhere(
    page, live_server, candidate, password, jpeg, tmp_path
):
    doubtful = upload(candidate, jpeg(15), slot="front")
    UploadedImage.objects.filter(pk=doubtful.pk).update(
        warnings=[{"code": "TOO_DARK", "message": WARN_MESSAGES["TOO_DARK"]}],
        warnings_confirmed=False,
    )
    photo = tmp_path / "diploma.jpg"
    photo.write_bytes(jpeg(16))
    open_materials(page, live_server, candidate, password)
    waiting = form_for(page, "diploma")
    pick(waiting, photo)
    fitted(waiting)

    page.locator(f"#image-{doubtful.uuid}").get_by_role("button", name="确认图片无误").click()
    page.locator(f"#image-{doubtful.uuid}").get_by_role("button", name="确认图片无误").wait_for(
        state="detached"
    )

    assert "已确认" in page.locator("#item-id_proof .item-announce").inner_text()
    assert UploadedImage.objects.get(pk=doubtful.pk).warnings_confirmed
    assert waiting.get_by_role("button", name="上传这张图片").is_enabled()

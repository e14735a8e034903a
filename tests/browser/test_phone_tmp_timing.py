import time
from tests.browser.test_phone_upload import *  # noqa

def test_timing(page, live_server, candidate, password, tmp_path):
    t=time.time(); data=camera_photo(); print("gen", time.time()-t, len(data))
    photo = tmp_path / "IMG_0001.JPG"; photo.write_bytes(data)
    t=time.time(); open_materials(page, live_server, candidate, password); print("open", time.time()-t)
    form = form_for(page, "diploma")
    t=time.time(); pick(form, photo); fitted(form); print("fit", time.time()-t)
    t=time.time(); screenshot(page, "x"); print("shot", time.time()-t)
    t=time.time(); form.get_by_role("button", name="上传这张图片").click(); page.locator("#item-diploma figure.thumb").wait_for(); print("upload", time.time()-t)

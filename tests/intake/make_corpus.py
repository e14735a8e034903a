"""Generate the intake corpus: synthetic document photos and hostile files, each with the
verdict and code intake must give. Nothing is downloaded; everything is drawn here.

    .venv/bin/python tests/intake/make_corpus.py OUTDIR     # writes files + manifest.json

The tests import build_corpus(); bench/upload.py imports document_jpeg() for its uploads.
"""

from __future__ import annotations

import io
import json
import random
import struct
import sys
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

WORDS = (
    "certificate physician examination province liaoning registration candidate hospital "
    "clinical medicine trial period assessment qualified institution license number name "
    "gender date birth graduate university bachelor degree signature seal approved review "
    "department health commission practice category assistant practitioner record"
).split()


@dataclass
class Case:
    file: str  # name on disk (safe)
    verdict: str
    code: str
    name: str | None = None  # client file name to pass (None: the file's own name)
    normalisations: list[str] = field(default_factory=list)  # must all be reported
    note: str = ""


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int):
    if size not in _FONTS:
        _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


def document(
    seed: int = 0,
    size: tuple[int, int] = (1000, 1400),
    *,
    photo: bool = True,
    lines: int = 26,
    font_size: int = 22,
) -> Image.Image:
    """A form-like document: title, text lines, a table, a red seal, a signature. With
    photo=True it lies on a desk under uneven light, as a phone would see it."""
    rnd = random.Random(seed)
    w, h = size
    paper = Image.new("RGB", (w, h), (246, 245, 240))
    draw = ImageDraw.Draw(paper)
    margin = w // 12
    title = " ".join(rnd.choice(WORDS).upper() for _ in range(3))
    draw.text((margin, margin), title, fill=(20, 20, 20), font=_font(font_size + 14))
    y = margin + font_size * 3
    spacing = int(font_size * 1.8)
    for _ in range(lines):
        if y > h - margin - spacing * 6:
            break
        text, x_end = "", margin
        while True:
            word = rnd.choice(WORDS)
            if draw.textlength(text + " " + word, font=_font(font_size)) > w - 2 * margin:
                break
            text = (text + " " + word).strip()
        draw.text((margin, y), text, fill=(25, 25, 30), font=_font(font_size))
        x_end = margin + draw.textlength(text, font=_font(font_size))
        del x_end
        y += spacing
    # table
    top = y + spacing // 2
    cols = 4
    for r in range(4):
        for c in range(cols):
            x0 = margin + c * (w - 2 * margin) // cols
            x1 = margin + (c + 1) * (w - 2 * margin) // cols
            y0, y1 = top + r * spacing, top + (r + 1) * spacing
            draw.rectangle((x0, y0, x1, y1), outline=(30, 30, 30), width=2)
            draw.text(
                (x0 + 8, y0 + 6), rnd.choice(WORDS), fill=(30, 30, 30), font=_font(font_size - 4)
            )
    # seal and signature
    cx, cy, r = w - margin - 110, h - margin - 110, 90
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(200, 30, 30), width=6)
    draw.text((cx - 60, cy - 10), "OFFICIAL SEAL", fill=(200, 30, 30), font=_font(18))
    pts = [(margin + i * 12, h - margin - 60 + rnd.randint(-18, 18)) for i in range(18)]
    draw.line(pts, fill=(20, 30, 90), width=3)
    if not photo:
        return paper
    # On a desk, slightly smaller than the frame, with a light gradient and sensor noise.
    desk = Image.new("RGB", (w, h), (120, 96, 70))
    inner = paper.resize((int(w * 0.92), int(h * 0.94)), Image.Resampling.BILINEAR)
    desk.paste(inner, ((w - inner.width) // 2, (h - inner.height) // 2))
    arr = np.asarray(desk, dtype=np.float32)
    gradient = np.linspace(1.0, 0.85, w, dtype=np.float32)[None, :, None]
    noise = np.random.default_rng(seed).standard_normal(arr.shape, dtype=np.float32)
    arr = arr * gradient + noise * 3.0
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def _glyph(draw: ImageDraw.ImageDraw, x: int, y: int, em: int, rnd: random.Random) -> None:
    """A few horizontal and vertical strokes inside an em square, like a Chinese character."""
    for _ in range(rnd.randint(3, 7)):
        if rnd.random() < 0.5:
            yy = y + rnd.randint(1, em - 2)
            draw.line(
                (x + rnd.randint(0, em // 3), yy, x + em - rnd.randint(1, em // 3), yy),
                fill=(20, 20, 20),
                width=2,
            )
        else:
            xx = x + rnd.randint(1, em - 2)
            draw.line(
                (xx, y + rnd.randint(0, em // 3), xx, y + em - rnd.randint(1, em // 3)),
                fill=(20, 20, 20),
                width=2,
            )


def cjk_document(
    seed: int,
    size: tuple[int, int] = (1000, 1400),
    *,
    em: int = 24,
    leading: float = 1.6,
    photo: bool = False,
) -> Image.Image:
    """Fixed-width "Chinese" text: characters sit in a grid, so columns have gaps too; only
    the wider gaps between lines tell the reading direction."""
    rnd = random.Random(seed)
    w, h = size
    im = Image.new("RGB", size, (246, 245, 240))
    draw = ImageDraw.Draw(im)
    margin = w // 12
    y = margin
    per_line = (w - 2 * margin) // em
    while y <= h - margin - em:
        for k in range(rnd.randint(per_line // 2, per_line)):
            _glyph(draw, margin + k * em, y, em, rnd)
        y += int(em * leading)
    if photo:
        desk = Image.new("RGB", size, (120, 96, 70))
        inner = im.resize((int(w * 0.92), int(h * 0.94)))
        desk.paste(inner, ((w - inner.width) // 2, (h - inner.height) // 2))
        im = add_noise(desk, 3)
    return im


def jpeg_bytes(im: Image.Image, quality: int = 85, **kw) -> bytes:
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality, **kw)
    return out.getvalue()


def png_bytes(im: Image.Image, **kw) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG", **kw)
    return out.getvalue()


def fit_jpeg(im: Image.Image, low: int = 150_000, high: int = 200_000, **kw) -> bytes:
    """Highest JPEG quality whose file stays within [.., high] bytes (aims at low..high)."""
    best = jpeg_bytes(im, 30, **kw)
    lo, hi = 30, 95
    while lo <= hi:
        mid = (lo + hi) // 2
        data = jpeg_bytes(im, mid, **kw)
        if len(data) <= high:
            best, lo = data, mid + 1
        else:
            hi = mid - 1
    return best


def document_jpeg(seed: int) -> bytes:
    """A realistic 150-200 KB document photo (used by the bench)."""
    return fit_jpeg(document(seed))


def motion_blur(im: Image.Image, length: int, axis: int = 1) -> Image.Image:
    arr = np.asarray(im, dtype=np.float32)
    acc = np.zeros_like(arr)
    for shift in range(length):
        acc += np.roll(arr, shift - length // 2, axis=axis)
    return Image.fromarray((acc / length).clip(0, 255).astype(np.uint8), im.mode)


def add_noise(im: Image.Image, sigma: float, seed: int = 1) -> Image.Image:
    arr = np.asarray(im, dtype=np.float32)
    arr += np.random.default_rng(seed).standard_normal(arr.shape, dtype=np.float32) * sigma
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), im.mode)


def scale_brightness(im: Image.Image, factor: float) -> Image.Image:
    arr = np.asarray(im, dtype=np.float32) * factor
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), im.mode)


def exif_bytes(orientation: int | None = None, gps: bool = False, device: bool = False) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if device:
        exif[0x010F] = "PhoneMaker"
        exif[0x0110] = "Model X Pro"
        exif[0x0131] = "Camera 1.0"
    if gps:
        exif[0x8825] = {1: "N", 2: (41.0, 48.0, 1.2), 3: "E", 4: (123.0, 25.0, 57.6)}
    return exif.tobytes()


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + ctype
        + payload
        + struct.pack(">I", zlib.crc32(ctype + payload))
    )


def insert_png_chunks(data: bytes, chunks: list[bytes]) -> bytes:
    """Insert ancillary chunks right after IHDR."""
    ihdr_end = 8 + 25
    return data[:ihdr_end] + b"".join(chunks) + data[ihdr_end:]


def jpeg_with_comment_padding(data: bytes, total: int) -> bytes:
    """Pad a JPEG to exactly `total` bytes with COM segments after SOI."""
    missing = total - len(data)
    segments = b""
    while missing > 0:
        body = min(missing - 4, 65533)
        if body < 0:
            raise ValueError("cannot pad by fewer than 4 bytes")
        if missing - (body + 4) in (1, 2, 3):
            body -= 4
        segments += b"\xff\xfe" + struct.pack(">H", body + 2) + b"c" * body
        missing -= body + 4
    return data[:2] + segments + data[2:]


def mpo_bytes(first: Image.Image, second: Image.Image) -> bytes:
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], quality=85)
    return out.getvalue()


def apng_bytes(frames: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return out.getvalue()


def heic_like() -> bytes:
    """The start of an iPhone HEIC file: an ftyp box with the heic brand, then a meta box."""
    ftyp = b"ftyp" + b"heic" + b"\x00\x00\x00\x00" + b"mif1heicmiaf"
    box = struct.pack(">I", len(ftyp) + 4) + ftyp
    meta = b"meta" + b"\x00" * 400
    return box + struct.pack(">I", len(meta) + 4) + meta + bytes(range(256)) * 40


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG of `width` x `height` white pixels: tiny on disk, huge in memory."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(6)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def selfie(seed: int = 30) -> Image.Image:
    """A person (face, hair, shirt) holding an ID-sized card with text, indoors."""
    rng = np.random.default_rng(seed)
    w, h = 900, 1200
    base = np.linspace(170, 120, h, dtype=np.float32)[:, None, None] * np.ones((1, w, 3))
    base += rng.normal(0, 6, (h, w, 3))
    im = Image.fromarray(base.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(im)
    draw.ellipse((280, 120, 620, 560), fill=(40, 30, 25))  # hair
    draw.ellipse((320, 200, 580, 560), fill=(215, 175, 145))  # face
    for x in (390, 510):
        draw.ellipse((x - 18, 330, x + 18, 352), fill=(30, 25, 20))
    draw.arc((400, 420, 500, 480), 20, 160, fill=(150, 60, 60), width=5)
    draw.rectangle((180, 600, 720, 1200), fill=(40, 70, 120))  # shirt
    card = document(31, (480, 300), photo=False, lines=6, font_size=14)
    im.paste(card, (210, 760))
    draw.ellipse((150, 900, 260, 1080), fill=(210, 170, 140))  # hand
    return im


def jpeg_huge_header(base: bytes, width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims a huge picture (a decompression bomb)."""
    pos = 2
    data = bytearray(base)
    while pos < len(data):
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in (0xC0, 0xC2):
            data[pos + 5 : pos + 7] = struct.pack(">H", height)
            data[pos + 7 : pos + 9] = struct.pack(">H", width)
            return bytes(data)
        pos += 2 + length
    raise ValueError("no SOF")


def build_corpus(outdir: Path) -> list[Case]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def put(file: str, data: bytes, verdict: str, code: str, **kw) -> None:
        (outdir / file).write_bytes(data)
        cases.append(Case(file=file, verdict=verdict, code=code, **kw))

    doc = document(1)
    doc2 = document(2)
    scan = document(3, photo=False).convert("L")
    ok_jpeg = fit_jpeg(doc)

    # --- accepted as they are ------------------------------------------------------------
    put("ok_photo.jpg", ok_jpeg, "accept", "OK")
    put("ok_progressive.jpg", fit_jpeg(doc2, progressive=True), "accept", "OK")
    put("ok_scan_grey.png", png_bytes(scan, optimize=True), "accept", "OK")
    put("ok_rgb.png", png_bytes(document(4, (640, 900), photo=False, font_size=16)), "accept", "OK")
    put(
        "ok_png_named_jpg.jpg",
        png_bytes(scan.resize((800, 1120))),
        "accept",
        "OK",
        note="PNG content with a .jpg name: the content decides",
    )
    put("ok_upper_ext.JPEG", jpeg_bytes(document(5), 70), "accept", "OK")
    put(
        "ok_noisy_sharp.jpg",
        jpeg_bytes(add_noise(document(6), 8), 50),
        "accept",
        "OK",
        note="sensor noise on a sharp photo is not blur",
    )
    put(
        "ok_exactly_200k.jpg",
        jpeg_with_comment_padding(ok_jpeg, 204_800),
        "accept",
        "OK",
        normalisations=["metadata_removed"],
        note="204,800 bytes is inclusive",
    )
    put(
        "ok_selfie_like.jpg",
        jpeg_bytes(selfie(), 80),
        "accept",
        "OK",
        note="not a text document: no orientation guess",
    )

    # --- hostile or odd client names (content decides, the name is never used) -------------
    put(
        "name_traversal.jpg",
        jpeg_bytes(doc2, 64),
        "accept",
        "OK",
        name="../../../../etc/cron.d/evil.jpg",
    )
    put(
        "name_windows_path.png",
        png_bytes(scan.resize((800, 1120))),
        "accept",
        "OK",
        name="C:\\Users\\me\\..\\..\\Windows\\system32\\scan.PNG",
    )
    put("name_double_ext.jpg", jpeg_bytes(doc2, 63), "accept", "OK", name="diploma.php.jpg")
    put("name_long.jpg", jpeg_bytes(doc2, 62), "accept", "OK", name="长" * 3000 + ".jpg")
    put(
        "name_bidi.jpg",
        jpeg_bytes(doc2, 61),
        "reject",
        "EXT_NOT_ALLOWED",
        name="photo\u202egpj.exe",
        note="shows as photoexe.jpg; really .exe",
    )
    put(
        "name_jpg_then_exe.jpg",
        jpeg_bytes(doc2, 60),
        "reject",
        "EXT_NOT_ALLOWED",
        name="scan.jpg.exe",
    )
    put("name_none", jpeg_bytes(doc2, 59), "reject", "EXT_NOT_ALLOWED", name="scan")
    put("ok_but.jfif", jpeg_bytes(doc2, 58), "reject", "EXT_NOT_ALLOWED")

    # --- normalised, then accepted ------------------------------------------------------
    put(
        "norm_exif_gps.jpg",
        jpeg_bytes(doc, 70, exif=exif_bytes(gps=True, device=True), comment=b"secret note"),
        "accept",
        "OK",
        normalisations=["metadata_removed"],
    )
    sideways_pixels = doc.transpose(Image.Transpose.ROTATE_90)
    put(
        "norm_exif_rotated.jpg",
        jpeg_bytes(sideways_pixels, 75, exif=exif_bytes(6)),
        "accept",
        "OK",
        normalisations=["exif_orientation", "reencoded"],
        note="a phone's sensor-landscape photo, upright once orientation 6 is applied",
    )
    put(
        "norm_trailing_zip.jpg",
        jpeg_bytes(doc, 65) + b"PK\x03\x04" + b"x" * 3000,
        "accept",
        "OK",
        normalisations=["trailing_data_removed"],
    )
    put(
        "norm_mpo.jpg",
        mpo_bytes(document(7, (700, 980), font_size=16), document(8, (300, 420), font_size=10)),
        "accept",
        "OK",
        normalisations=["extra_frames_removed"],
    )
    put(
        "norm_cmyk.jpg",
        jpeg_bytes(document(9, (600, 840), font_size=14).convert("CMYK"), 40),
        "accept",
        "OK",
        normalisations=["colour_converted", "reencoded"],
    )
    rgba = document(10, (600, 840), photo=False, font_size=14).convert("L").convert("RGBA")
    alpha = Image.new("L", rgba.size, 255)
    ImageDraw.Draw(alpha).rectangle((0, 0, 600, 90), fill=0)
    rgba.putalpha(alpha)
    put(
        "norm_alpha.png",
        png_bytes(rgba),
        "accept",
        "OK",
        normalisations=["transparency_flattened", "reencoded"],
    )
    put(
        "norm_palette.png",
        png_bytes(
            document(11, (800, 1120), photo=False).convert(
                "P", palette=Image.Palette.ADAPTIVE, colors=16
            )
        ),
        "accept",
        "OK",
        normalisations=["colour_converted", "reencoded"],
    )
    scan16 = document(19, (600, 840), photo=False, lines=10, font_size=16).convert("L")
    grey16 = Image.fromarray(np.asarray(scan16, dtype=np.uint16) * 257)
    put(
        "norm_16bit.png",
        png_bytes(grey16),
        "accept",
        "OK",
        normalisations=["colour_converted", "reencoded"],
    )
    text_png = (
        insert_png_chunks(
            png_bytes(scan.resize((800, 1120))),
            [
                png_chunk(b"tEXt", b"Author\x00Zhang San 210102199001011234"),
                png_chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00" + "身份证".encode()),
                png_chunk(b"eXIf", exif_bytes(gps=True)),
                png_chunk(b"tIME", b"\x07\xe6\x01\x02\x03\x04\x05"),
            ],
        )
        + b"<script>alert(1)</script>"
    )
    put(
        "norm_png_text_trailing.png",
        text_png,
        "accept",
        "OK",
        normalisations=["metadata_removed", "trailing_data_removed"],
    )
    put(
        "norm_icc.jpg",
        jpeg_bytes(doc2, 68, icc_profile=b"\x00" * 600 + b"fake profile"),
        "accept",
        "OK",
        normalisations=["metadata_removed"],
    )

    # --- refused before decoding ---------------------------------------------------------
    put("empty.jpg", b"", "reject", "EMPTY_FILE")
    put(
        "too_large.jpg",
        jpeg_with_comment_padding(ok_jpeg, 204_801),
        "reject",
        "FILE_TOO_LARGE",
        note="one byte over",
    )
    put("too_large_photo.jpg", jpeg_bytes(add_noise(doc, 20), 95), "reject", "FILE_TOO_LARGE")
    small = document(12, (300, 420), font_size=10)
    for file, fmt, extra in (
        ("webp_as.jpg", "WEBP", {}),
        ("gif_as.jpg", "GIF", {}),
        ("tiff_as.png", "TIFF", {}),
        ("bmp_as.jpg", "BMP", {}),
        ("pdf_as.jpg", "PDF", {}),
        ("avif_as.jpg", "AVIF", {}),
    ):
        out = io.BytesIO()
        src = small.resize((200, 280))
        src = src.convert("P") if fmt == "GIF" else src
        src.save(out, format=fmt, **extra)
        put(file, out.getvalue(), "reject", "UNSUPPORTED_FORMAT")
    put(
        "svg_as.png",
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(1)</script></svg>",
        "reject",
        "UNSUPPORTED_FORMAT",
    )
    put(
        "html_as.jpg",
        b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        "reject",
        "UNSUPPORTED_FORMAT",
    )
    put("zip_as.jpg", b"PK\x03\x04" + b"\x00" * 200, "reject", "UNSUPPORTED_FORMAT")
    put("iphone.heic", heic_like(), "reject", "UNSUPPORTED_FORMAT_HEIC")
    put("iphone_renamed.jpg", heic_like(), "reject", "UNSUPPORTED_FORMAT_HEIC")
    put("text_as.jpg", "考生说明：这不是图片。\n".encode() * 20, "reject", "NOT_AN_IMAGE")
    put("random_as.png", np.random.default_rng(5).bytes(5000), "reject", "NOT_AN_IMAGE")
    put("truncated.jpg", ok_jpeg[: len(ok_jpeg) * 6 // 10], "reject", "CORRUPT_IMAGE")
    put(
        "truncated_tail.jpg",
        ok_jpeg[:-2],
        "reject",
        "CORRUPT_IMAGE",
        note="only the end marker missing",
    )
    good_png = png_bytes(scan.resize((800, 1120)))
    put("truncated.png", good_png[: len(good_png) // 2], "reject", "CORRUPT_IMAGE")
    broken = bytearray(good_png)
    broken[len(broken) // 2] ^= 0xFF
    put("bad_crc.png", bytes(broken), "reject", "CORRUPT_IMAGE")
    put("header_only.jpg", ok_jpeg[:600], "reject", "CORRUPT_IMAGE")
    put(
        "bomb.png",
        png_bomb(20_000, 20_000),
        "reject",
        "TOO_MANY_PIXELS",
        note="1-bit 400 MP of white in a small file",
    )
    put(
        "bomb_header.jpg",
        jpeg_huge_header(jpeg_bytes(small, 60), 30_000, 30_000),
        "reject",
        "TOO_MANY_PIXELS",
    )
    put(
        "animated.png",
        apng_bytes(
            [
                document(13, (420, 600), photo=False, font_size=12),
                document(14, (420, 600), photo=False, font_size=12),
            ]
        ),
        "reject",
        "ANIMATED_IMAGE",
    )

    # --- refused or warned on quality ----------------------------------------------------
    put("tiny.jpg", jpeg_bytes(doc.resize((160, 224))), "reject", "RESOLUTION_TOO_LOW")
    put(
        "small.jpg",
        jpeg_bytes(document(15, (560, 760), font_size=14)),
        "warn",
        "RESOLUTION_TOO_LOW",
    )
    strip = document(16, (2400, 500), lines=3)
    put("strip.jpg", jpeg_bytes(strip, 70), "reject", "BAD_DIMENSIONS")
    put(
        "blank.jpg",
        jpeg_bytes(Image.new("RGB", (1000, 1400), (250, 250, 250))),
        "reject",
        "BLANK_IMAGE",
    )
    put(
        "blank_noisy.jpg",
        jpeg_bytes(add_noise(Image.new("RGB", (1000, 1400), (200, 200, 200)), 2)),
        "reject",
        "BLANK_IMAGE",
    )
    faint = Image.blend(document(17, photo=False), Image.new("RGB", (1000, 1400), "white"), 0.88)
    put("faint.jpg", jpeg_bytes(faint), "warn", "BLANK_IMAGE")
    put("dark.jpg", jpeg_bytes(scale_brightness(doc, 0.15)), "reject", "TOO_DARK")
    put("dim.jpg", jpeg_bytes(scale_brightness(doc, 0.38)), "warn", "TOO_DARK")
    put("blurry.jpg", jpeg_bytes(doc.filter(ImageFilter.GaussianBlur(5))), "reject", "BLURRY")
    put(
        "blurry_noisy.jpg",
        jpeg_bytes(add_noise(doc.filter(ImageFilter.GaussianBlur(5)), 12), 60),
        "reject",
        "BLURRY",
        note="noise must not make a blurred photo look sharp",
    )
    put(
        "shake_horizontal.jpg",
        jpeg_bytes(motion_blur(doc, 15, axis=1)),
        "reject",
        "BLURRY",
        note="one-directional camera shake",
    )
    put("shake_vertical.jpg", jpeg_bytes(motion_blur(doc2, 15, axis=0)), "reject", "BLURRY")
    put("soft.jpg", jpeg_bytes(doc.filter(ImageFilter.GaussianBlur(1.6))), "warn", "BLURRY")
    put(
        "thumbnail_blown_up.jpg",
        jpeg_bytes(doc.resize((200, 280)).resize((1000, 1400), Image.Resampling.BICUBIC)),
        "reject",
        "BLURRY",
        note="a chat thumbnail blown up: many pixels, unreadable",
    )
    cjk = cjk_document(50)
    put(
        "ok_cjk_scan.jpg",
        jpeg_bytes(cjk, 60),
        "accept",
        "OK",
        note="grid-aligned Chinese text is not taken for a page on its side",
    )
    put(
        "ok_cjk_photo.jpg",
        jpeg_bytes(cjk_document(51, photo=True), 60),
        "accept",
        "OK",
        note="thin strokes in a photo: orientation unknown, so no guess",
    )
    put(
        "sideways_cjk_scan.jpg",
        jpeg_bytes(cjk.transpose(Image.Transpose.ROTATE_90), 60),
        "warn",
        "NOT_UPRIGHT",
    )
    put(
        "sideways.jpg",
        jpeg_bytes(doc2.transpose(Image.Transpose.ROTATE_90), 60),
        "warn",
        "NOT_UPRIGHT",
    )
    put(
        "sideways_scan.png",
        png_bytes(scan.resize((800, 1120)).transpose(Image.Transpose.ROTATE_270)),
        "warn",
        "NOT_UPRIGHT",
    )
    put(
        "stale_exif_tag.jpg",
        jpeg_bytes(document(18), 75, exif=exif_bytes(8)),
        "accept",
        "OK",
        normalisations=["exif_orientation_ignored", "metadata_removed"],
        note="upright text with a stale quarter-turn tag: the pixels win, stored losslessly",
    )
    put(
        "stale_exif_photo.jpg",
        jpeg_bytes(selfie(32), 80, exif=exif_bytes(6)),
        "accept",
        "OK",
        normalisations=["exif_orientation", "reencoded"],
        note="no text to go by: the tag is applied",
    )
    return cases


def duplicate_set(outdir: Path) -> list[Case]:
    """Files for one check_image run: the 2nd and 3rd duplicate the 1st, the 4th does not."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    doc = document(21)
    first = jpeg_bytes(doc, 65)
    resaved = jpeg_bytes(doc.resize((900, 1260)), 60)
    other = jpeg_bytes(document(22), 65)
    files = [
        ("dup_first.jpg", first, "accept", "OK"),
        ("dup_same_bytes.jpg", first, "warn", "DUPLICATE"),
        ("dup_resaved.jpg", resaved, "warn", "DUPLICATE"),
        ("dup_other_doc.jpg", other, "accept", "OK"),
    ]
    cases = []
    for file, data, verdict, code in files:
        (outdir / file).write_bytes(data)
        cases.append(Case(file=file, verdict=verdict, code=code))
    return cases


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: make_corpus.py OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[1])
    cases = build_corpus(out)
    dups = duplicate_set(out / "duplicates")
    manifest = {"cases": [asdict(c) for c in cases], "duplicates": [asdict(c) for c in dups]}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    print(f"{len(cases)} + {len(dups)} files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Generated document photos for the demo and the tests: paper with a title bar, lines of
"text" strokes and a portrait box, so that they pass the clarity checks like a real scan.
Nothing is downloaded."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Printed-looking words: fine strokes like a real document's text (no CJK font is needed).
GLYPHS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789abdeghkmnpqrstuy"


def document_image(
    *,
    seed: int = 0,
    size: tuple[int, int] = (1000, 700),
    fmt: str = "JPEG",
    max_bytes: int = 200 * 1024,
    label: str = "",
) -> bytes:
    rng = random.Random(seed)
    width, height = size
    paper = (rng.randint(225, 250), rng.randint(222, 248), rng.randint(215, 240))
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    # Paper shading in a 4×3 pattern drawn from the seed: the coarse structure a perceptual
    # hash reads, so different seeds never look like the same picture.
    bits = random.Random(seed * 7919 + 1).getrandbits(12)
    for index in range(12):
        if bits >> index & 1:
            col, row = index % 4, index // 4
            tint = tuple(max(0, c - 38) for c in paper)
            draw.rectangle(
                [
                    col * width // 4,
                    row * height // 3,
                    (col + 1) * width // 4,
                    (row + 1) * height // 3,
                ],
                fill=tint,
            )
    margin = width // rng.randint(10, 20)
    draw.rectangle(
        [margin // 2, margin // 2, width - margin // 2, height - margin // 2],
        outline=(120, 30, 30),
        width=max(2, width // 300),
    )
    # Layout varies with the seed (title bar, photo box, stamp), so that two demo documents
    # are different pictures to the perceptual-duplicate check, as two real ones are.
    bar_h = height // rng.randint(8, 16)
    bar_w = rng.randint(width // 3, width - 2 * margin)
    bar_x = rng.choice([margin, (width - bar_w) // 2, width - margin - bar_w])
    draw.rectangle(
        [bar_x, margin, bar_x + bar_w, margin + bar_h],
        fill=(rng.randint(90, 170), rng.randint(20, 60), rng.randint(20, 90)),
    )
    y = margin + bar_h + height // 20
    line_h = max(10, height // rng.randint(22, 34))
    font = ImageFont.load_default(size=line_h)
    box_w, box_h = width // rng.randint(4, 6), height // rng.randint(3, 4)
    box_left = rng.random() < 0.5
    bx = margin if box_left else width - margin - box_w
    by = rng.randint(y, max(y, height - margin - box_h))
    box = (bx, by, bx + box_w, by + box_h)
    draw.rectangle(
        box,
        outline=(60, 60, 60),
        width=2,
        fill=(rng.randint(150, 215), rng.randint(150, 215), rng.randint(160, 225)),
    )
    while y < height - margin - line_h:
        beside_box = box[1] - line_h < y < box[3]
        x = box[2] + margin // 2 if beside_box and box_left else margin
        right = box[0] - margin // 2 if beside_box and not box_left else width - margin
        right = min(right, width - margin - rng.randint(0, width // 3))
        while x < right - line_h:
            word = "".join(rng.choice(GLYPHS) for _ in range(rng.randint(2, 7)))
            shade = rng.randint(10, 70)
            draw.text((x, y), word, fill=(shade, shade, shade), font=font)
            x += int(font.getlength(word)) + rng.randint(line_h // 3, line_h)
        y += line_h + rng.randint(line_h // 3, line_h)
    r = rng.randint(width // 14, width // 8)
    cx, cy = (
        rng.randint(r + margin, width - r - margin),
        rng.randint(r + margin, height - r - margin),
    )
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(200, 20, 20), width=max(3, r // 12))
    if label:
        draw.text((margin + 4, margin + 4), label, fill=(255, 255, 255))
    # The slight softness of a phone photo that is still perfectly legible.
    img = img.filter(ImageFilter.GaussianBlur(0.3))
    return _encode(img, fmt, max_bytes)


def _encode(img: Image.Image, fmt: str, max_bytes: int) -> bytes:
    if fmt == "PNG":
        out = io.BytesIO()
        img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, "PNG", optimize=True)
        return out.getvalue()
    quality = 90
    while True:
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        if out.tell() <= max_bytes or quality <= 30:
            return out.getvalue()
        quality -= 8

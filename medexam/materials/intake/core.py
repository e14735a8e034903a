"""inspect_image: one upload in, one verdict out, with the normalised file to store.

Order of work (cheapest refusal first): size -> real format (magic bytes) -> extension ->
byte-level structure (JPEG segments / PNG chunks with CRCs) -> header dimensions and the pixel
ceiling -> one full decode (JPEG: DCT-scaled with draft() straight to grey, which still reads
every byte of entropy data, so a truncated file fails) -> normalisation -> quality metrics and
the perceptual hash on a 640 px grey copy.

The review thumbnail is not made here: `make_thumbnail` makes it from the stored (normalised)
file when it is first shown, so the upload request does only what its answer needs.

Pixels are re-encoded only when they must change (EXIF rotation, CMYK/palette/16-bit/alpha);
otherwise the stored file is the original's own bytes minus metadata and trailing data.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from PIL import Image, JpegImagePlugin

from . import messages as msg
from . import quality
from .jpeg import JpegLayout, JpegStructureError, parse_jpeg
from .png import PngLayout, PngStructureError, parse_png
from .sniff import HEIC, JPEG, PNG, sniff

MAX_BYTES = 200 * 1024  # inclusive (SPEC 3a)
ALLOWED_EXTENSIONS = {"jpg", "jpeg", "png"}
# Checked from the header before any decoding. 16 MP holds a 12 MP phone photo; a 200 KB
# file with more pixels than that is either unreadable or a decompression bomb.
MAX_PIXELS = 16_000_000
MIN_SHORT_SIDE = 400
MIN_LONG_SIDE = 600
WARN_LONG_SIDE = 800
MAX_ASPECT = 4.0
WORK_SIDE = 640  # long side of the working copy for the metrics and the hash
THUMB_SIDE = 400

# Quality thresholds, calibrated on tests/intake/make_corpus.py (see the README figures).
BLANK_REJECT_SPAN = 8  # p99 - p1 of the grey levels: 98 % of the picture within 8 levels
BLANK_WARN_SPAN = 40
DARK_REJECT_BRIGHTNESS = 40.0
DARK_REJECT_P99 = 110
DARK_WARN_BRIGHTNESS = 75.0
# Clearly unreadable below 7.5 (corpus: at most 5.1), borderline below 15 (a 1.6 px blur:
# 11.7), sharp photos and scans from 21.6 up.
BLUR_REJECT = 7.5
BLUR_WARN = 15.0
UPRIGHT_MIN_GAPS = 0.25  # share of gap lines a text document's line direction shows
UPRIGHT_RATIO = 3.0  # how much more line structure the vertical direction must show

# Hamming distance (of 128 bits) up to which two pictures count as the same picture.
PHASH_DUPLICATE_DISTANCE = 6

# The deciding order when several refusals apply (the most fundamental first).
_PRIORITY = [
    "RESOLUTION_TOO_LOW",
    "BAD_DIMENSIONS",
    "BLANK_IMAGE",
    "TOO_DARK",
    "BLURRY",
    "NOT_UPRIGHT",
    "DUPLICATE",
]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class IntakeResult:
    verdict: str
    code: str
    message: str
    format: str | None
    width: int | None
    height: int | None
    bytes: int
    sha256: str
    content: builtins.bytes | None  # (the field above is named "bytes")
    extension: str | None
    phash: str | None
    warnings: tuple[Finding, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)
    normalisations: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.verdict != "reject"


def client_extension(client_name: str | None) -> str:
    """The extension of the browser's file name, lower-cased; used for the allow-list only.

    Both separators count as path separators (a Windows path or a traversal attempt only
    leaves its last part); a NUL or a bidi override cannot hide anything because only the
    characters after the last dot matter and they must be exactly jpg/jpeg/png.
    """
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in name:
        return ""
    return name.rsplit(".", 1)[-1].lower()


def _refused(
    code: str,
    message: str,
    *,
    size: int,
    sha: str,
    format: str | None = None,  # noqa: A002 - the result's own field name
    width: int | None = None,
    height: int | None = None,
    metrics: dict[str, Any] | None = None,
) -> IntakeResult:
    """A refusal: what was learnt of the file, and nothing to store."""
    return IntakeResult(
        verdict="reject",
        code=code,
        message=message,
        format=format,
        width=width,
        height=height,
        bytes=size,
        sha256=sha,
        content=None,
        extension=None,
        phash=None,
        warnings=(),
        metrics=metrics or {},
        normalisations=(),
    )


def inspect_image(data: bytes, client_name: str) -> IntakeResult:
    size = len(data)
    sha = hashlib.sha256(data).hexdigest()

    def reject(code: str, message: str | None = None, **found: Any) -> IntakeResult:
        return _refused(code, message or msg.MESSAGES[code], size=size, sha=sha, **found)

    if size == 0:
        return reject("EMPTY_FILE")
    if size > MAX_BYTES:
        return reject("FILE_TOO_LARGE", msg.too_large_message(size))
    kind, label = sniff(data)
    if kind == HEIC:
        return reject("UNSUPPORTED_FORMAT_HEIC")
    if kind == "OTHER":
        return reject("UNSUPPORTED_FORMAT", msg.unsupported_format_message(label or ""))
    extension = client_extension(client_name)
    if extension not in ALLOWED_EXTENSIONS:
        shown = "." + extension[:16] if extension else ""
        return reject("EXT_NOT_ALLOWED", msg.ext_not_allowed_message(_printable(shown)))
    if kind is None:
        return reject("NOT_AN_IMAGE")
    try:
        layout = parse_jpeg(data) if kind == JPEG else parse_png(data)
    except (JpegStructureError, PngStructureError):
        return reject("CORRUPT_IMAGE", format=kind)
    width, height = layout.width, layout.height
    if width * height > MAX_PIXELS:
        return reject(
            "TOO_MANY_PIXELS",
            msg.too_many_pixels_message(width, height),
            format=kind,
            width=width,
            height=height,
        )
    if isinstance(layout, PngLayout) and layout.animated:
        return reject("ANIMATED_IMAGE", format=kind, width=width, height=height)
    try:
        with warnings.catch_warnings():
            # Pillow's complaints about broken EXIF/MPO tags concern metadata we drop anyway.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            decoded = _decode(data, kind, layout)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return reject(
            "TOO_MANY_PIXELS",
            msg.too_many_pixels_message(width, height),
            format=kind,
            width=width,
            height=height,
        )
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        KeyError,
        IndexError,
        TypeError,
        MemoryError,
        Image.UnidentifiedImageError,
    ):
        # Pillow reports truncation and bad codes as OSError/ValueError/SyntaxError; any of
        # them means we could not read every pixel.
        return reject("CORRUPT_IMAGE", format=kind, width=width, height=height)
    return _judge(decoded, size=size, sha=sha)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


@dataclass
class _Decoded:
    format: str
    width: int
    height: int
    content: bytes
    work: Image.Image  # upright, L or RGB, long side WORK_SIDE to 2 x WORK_SIDE (or smaller)
    normalisations: list[str]


def _draft_request(width: int, height: int) -> tuple[int, int]:
    long_side = max(width, height)
    if long_side <= WORK_SIDE:
        return width, height
    return max(1, width * WORK_SIDE // long_side), max(1, height * WORK_SIDE // long_side)


def _decode(data: bytes, kind: str, layout: JpegLayout | PngLayout) -> _Decoded:
    norms: list[str] = []
    if layout.dropped_metadata:
        norms.append("metadata_removed")
    trailing = len(data) - layout.end
    im: Image.Image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
    if isinstance(layout, JpegLayout):
        if im.format == "MPO" or getattr(im, "n_frames", 1) > 1:
            norms.append("extra_frames_removed")
        elif trailing > 0:
            norms.append("trailing_data_removed")
        orientation = _orientation(im)
        if orientation == 1 and im.mode in ("L", "RGB"):
            # Decode straight to grey: libjpeg hands over the Y channel (the same luma weights
            # as convert("L")) and skips the chroma upsampling and colour conversion. That is
            # all the metrics need; the stored file is the original's own bytes. An
            # Adobe-marked file may hold RGB samples, so it is decoded as RGB.
            mode = "L" if not layout.has_adobe else im.mode
            im.draft(mode, _draft_request(im.width, im.height))
            im.load()
            return _Decoded(
                JPEG, layout.width, layout.height, layout.stripped(data), _work_copy(im), norms
            )
        if orientation != 1 and im.mode in ("L", "RGB"):
            im.load()
            if _stale_rotation(im, orientation):
                # The pixels are an upright text page already; the tag would turn it on its
                # side. Keep the pixels, drop the tag (with the rest of the metadata).
                norms.append("exif_orientation_ignored")
                return _Decoded(
                    JPEG, layout.width, layout.height, layout.stripped(data), _work_copy(im), norms
                )
        return _reencode_jpeg(im, orientation, norms)
    if trailing > 0:
        norms.append("trailing_data_removed")
    im.load()
    orientation = _orientation(im)
    plain = (
        im.mode in ("L", "RGB")
        and layout.bit_depth == 8
        and layout.colour_type in (0, 2)
        and "transparency" not in im.info
    )
    if plain and orientation == 1:
        return _Decoded(PNG, im.width, im.height, layout.stripped(data), _work_copy(im), norms)
    im = _to_plain_mode(im, norms, bit_depth=layout.bit_depth)
    if orientation != 1 and _stale_rotation(im, orientation):
        norms.append("exif_orientation_ignored")
    elif orientation != 1:
        im = _transpose(im, orientation)
        norms.append("exif_orientation")
    out = io.BytesIO()
    im.save(out, format="PNG", compress_level=6)
    norms.append("reencoded")
    return _Decoded(PNG, im.width, im.height, out.getvalue(), _work_copy(im), norms)


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - broken EXIF is metadata we drop anyway
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


def _text_lines(im: Image.Image) -> dict[str, Any]:
    grey = _work_copy(im).convert("L")
    return quality.text_orientation(quality.at_blur_side(grey).reduce(2))


def _confidently_sideways(lines: dict[str, Any]) -> bool:
    return bool(
        lines["line_cols"] >= UPRIGHT_MIN_GAPS and lines["line_ratio"] * UPRIGHT_RATIO <= 1.0
    )


def _confidently_upright(lines: dict[str, Any]) -> bool:
    return bool(lines["line_rows"] >= UPRIGHT_MIN_GAPS and lines["line_ratio"] >= UPRIGHT_RATIO)


def _stale_rotation(im: Image.Image, orientation: int) -> bool:
    """A quarter-turn tag on pixels that already show a text page upright (metadata cannot
    prove "upright"; the text lines can). Only for tags that swap width and height: a
    half-turn cannot be told from the line structure."""
    return orientation in (5, 6, 7, 8) and _confidently_upright(_text_lines(im))


def _transpose(im: Image.Image, orientation: int) -> Image.Image:
    for method in _TRANSPOSE.get(orientation, []):
        im = im.transpose(method)
    return im


def _reencode_jpeg(im: Image.Image, orientation: int, norms: list[str]) -> _Decoded:
    # Keep the original's quantisation and chroma subsampling so the re-encoded file has
    # the same quality and about the same size.
    qtables = getattr(im, "quantization", None)
    subsampling = JpegImagePlugin.get_sampling(im) if im.mode != "CMYK" else -1
    im.load()
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
        norms.append("colour_converted")
        qtables = None
    if orientation != 1:
        im = _transpose(im, orientation)
        norms.append("exif_orientation")
    options: dict[str, Any] = {"quality": 90}
    if qtables and len(qtables) <= (1 if im.mode == "L" else 2):
        options = {"qtables": qtables}
    if subsampling in (0, 1, 2) and im.mode == "RGB":
        options["subsampling"] = subsampling
    out = io.BytesIO()
    im.save(out, format="JPEG", optimize=False, **options)
    norms.append("reencoded")
    return _Decoded(JPEG, im.width, im.height, out.getvalue(), _work_copy(im), norms)


def _to_plain_mode(im: Image.Image, norms: list[str], *, bit_depth: int) -> Image.Image:
    """8-bit RGB or grey, transparency flattened on white."""
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        norms.append("colour_converted")
    elif mode in ("RGB", "L") and "transparency" in im.info:
        im = im.convert("RGBA" if mode == "RGB" else "LA")
    elif mode in ("I", "I;16", "I;16B", "I;16L"):
        arr = np.asarray(im, dtype=np.uint32)
        shift = 8 if arr.max(initial=0) > 255 or bit_depth == 16 else 0
        im = Image.fromarray((arr >> shift).clip(0, 255).astype(np.uint8), "L")
        norms.append("colour_converted")
    elif mode == "1":
        im = im.convert("L")
        norms.append("colour_converted")
    elif mode in ("L", "RGB"):
        norms.append("colour_converted")  # 16-bit or sub-byte samples on disk
    if im.mode in ("RGBA", "LA", "PA"):
        base_mode = "L" if im.mode == "LA" else "RGB"
        flat = Image.new(base_mode, im.size, 255 if base_mode == "L" else (255, 255, 255))
        flat.paste(im.convert(base_mode), mask=im.getchannel("A"))
        im = flat
        norms.append("transparency_flattened")
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
        norms.append("colour_converted")
    return im


def _work_copy(im: Image.Image) -> Image.Image:
    factor = max(im.width, im.height) // WORK_SIDE
    if factor >= 2:
        return im.reduce(factor)
    return im


def _judge(decoded: _Decoded, *, size: int, sha: str) -> IntakeResult:
    width, height = decoded.width, decoded.height
    work = decoded.work
    grey_image = work if work.mode == "L" else work.convert("L")
    # Every measurement runs on one grey copy at a fixed size (BLUR_SIDE on the long side).
    metric_image = quality.at_blur_side(grey_image)
    # Exposure, text orientation and the hash need no fine detail: a 2x2-averaged copy
    # (~320 px) holds their signal at a quarter of the cost.
    half_image = metric_image.reduce(2)
    metrics: dict[str, Any] = {"work_width": work.width, "work_height": work.height}
    metrics.update(quality.exposure(half_image))
    rejects: dict[str, str] = {}
    warns: dict[str, str] = {}

    short, long_ = min(width, height), max(width, height)
    if short < MIN_SHORT_SIDE or long_ < MIN_LONG_SIDE:
        rejects["RESOLUTION_TOO_LOW"] = msg.resolution_message(width, height)
    elif long_ < WARN_LONG_SIDE:
        warns["RESOLUTION_TOO_LOW"] = msg.WARN_MESSAGES["RESOLUTION_TOO_LOW"]
    if long_ / max(short, 1) > MAX_ASPECT:
        rejects["BAD_DIMENSIONS"] = msg.bad_dimensions_message(width, height)

    span = metrics["p99"] - metrics["p1"]
    blank = span < BLANK_REJECT_SPAN
    dark = metrics["brightness"] < DARK_REJECT_BRIGHTNESS and metrics["p99"] < DARK_REJECT_P99
    if blank:
        rejects["BLANK_IMAGE"] = msg.MESSAGES["BLANK_IMAGE"]
    elif dark:
        rejects["TOO_DARK"] = msg.MESSAGES["TOO_DARK"]
    else:
        if span < BLANK_WARN_SPAN:
            warns["BLANK_IMAGE"] = msg.WARN_MESSAGES["BLANK_IMAGE"]
        if metrics["brightness"] < DARK_WARN_BRIGHTNESS:
            warns["TOO_DARK"] = msg.WARN_MESSAGES["TOO_DARK"]
        # Blur only where there is something to be sharp: a blank or black picture has no
        # edges, and its own code says more.
        metrics.update(quality.blur_score(metric_image, p1=metrics["p1"], p99=metrics["p99"]))
        if metrics["blur"] < BLUR_REJECT:
            rejects["BLURRY"] = msg.MESSAGES["BLURRY"]
        elif metrics["blur"] < BLUR_WARN:
            warns["BLURRY"] = msg.WARN_MESSAGES["BLURRY"]
        metrics.update(quality.text_orientation(half_image))
        if _confidently_sideways(metrics):
            warns["NOT_UPRIGHT"] = msg.WARN_MESSAGES["NOT_UPRIGHT"]

    fmt = decoded.format
    if rejects:
        code = next(c for c in _PRIORITY if c in rejects)
        return _refused(
            code,
            rejects[code],
            size=size,
            sha=sha,
            format=fmt,
            width=width,
            height=height,
            metrics=metrics,
        )
    findings = tuple(Finding(c, warns[c]) for c in _PRIORITY if c in warns)
    verdict, code, message = "accept", "OK", msg.MESSAGES["OK"]
    if findings:
        verdict, code, message = "warn", findings[0].code, findings[0].message
    return IntakeResult(
        verdict=verdict,
        code=code,
        message=message,
        format=fmt,
        width=width,
        height=height,
        bytes=size,
        sha256=sha,
        content=decoded.content,
        extension=".png" if fmt == PNG else ".jpg",
        phash=quality.phash(half_image),
        warnings=findings,
        metrics=metrics,
        normalisations=tuple(decoded.normalisations),
    )


def make_thumbnail(content: bytes) -> bytes:
    """The review thumbnail of a stored (normalised, upright, metadata-free) file: a JPEG
    with a long side of 320-480 px ("about 400"). A JPEG is decoded DCT-scaled with draft()
    and brought down with an integer reduce(), ~6x cheaper than a full decode and resample."""
    with Image.open(io.BytesIO(content), formats=["JPEG", "PNG"]) as im:
        if im.format == "JPEG":
            im.draft(
                "RGB",
                (
                    max(1, im.width * THUMB_SIDE // max(im.size)),
                    max(1, im.height * THUMB_SIDE // max(im.size)),
                ),
            )
        im.load()
        thumb = im if im.mode in ("L", "RGB") else im.convert("RGB")
        factor = max(thumb.size) // 320
        if factor >= 2:
            thumb = thumb.reduce(factor)
        if max(thumb.size) > 480:
            ratio = THUMB_SIDE / max(thumb.size)
            size = (max(1, round(thumb.width * ratio)), max(1, round(thumb.height * ratio)))
            thumb = thumb.resize(size, Image.Resampling.BILINEAR)
        out = io.BytesIO()
        thumb.save(out, format="JPEG", quality=80)
        return out.getvalue()


def with_duplicate(result: IntakeResult, message: str) -> IntakeResult:
    """The same result plus a DUPLICATE warning (for callers that know other uploads)."""
    if result.verdict == "reject":
        return result
    findings = (*result.warnings, Finding("DUPLICATE", message))
    first = findings[0]
    return replace(
        result, verdict="warn", code=first.code, message=first.message, warnings=findings
    )


def phash_distance(a: str, b: str) -> int:
    return quality.phash_distance(a, b)


MESSAGES = msg.MESSAGES

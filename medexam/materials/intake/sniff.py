"""What a file really is, from its first bytes: the content decides, never the file name."""

from __future__ import annotations

import re

JPEG = "JPEG"
PNG = "PNG"
HEIC = "HEIC"

_HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
    b"mif2",
}
_AVIF_BRANDS = {b"avif", b"avis"}
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<head|<body|<script|<!--)", re.I)


def sniff(data: bytes) -> tuple[str | None, str | None]:
    """Return (kind, label): kind is JPEG, PNG, HEIC, "OTHER" (a known non-accepted format,
    label names it in Chinese-friendly words) or None (nothing we recognise)."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG, "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG, "PNG"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands & _AVIF_BRANDS:
            return "OTHER", "AVIF 图片"
        if brands & _HEIF_BRANDS:
            return HEIC, "HEIC/HEIF 图片"
        if brands & {b"qt  "}:
            return "OTHER", "QuickTime 视频（MOV）"
        return "OTHER", "MP4 等视频/媒体文件"
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return "OTHER", label
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "OTHER", "WebP 图片"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "OTHER", "AVI 视频"
    text = data[:1024].lstrip(b"\xef\xbb\xbf")
    if _MARKUP.match(text):
        if re.search(rb"<svg", text, re.I):
            return "OTHER", "SVG 矢量图"
        return "OTHER", "网页（HTML/XML）文件"
    return None, None


def _ftyp_brands(data: bytes) -> set[bytes]:
    size = int.from_bytes(data[0:4], "big")
    size = max(16, min(size, 256, len(data)))
    brands = {data[8:12]}
    for offset in range(16, size - 3, 4):
        brands.add(data[offset : offset + 4])
    return brands


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF 动图/图片"),
    (b"GIF89a", "GIF 动图/图片"),
    (b"II*\x00\x10\x00\x00\x00CR", "相机 RAW 照片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"BM", "BMP 图片"),
    (b"%PDF", "PDF 文档"),
    (b"\x00\x00\x01\x00", "ICO 图标"),
    (b"8BPS", "Photoshop（PSD）文件"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000 图片"),
    (b"\xff\x4f\xff\x51", "JPEG 2000 图片"),
    (b"\xff\x0a", "JPEG XL 图片"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL 图片"),
    (b"PK\x03\x04", "ZIP 压缩包（或 Word/Excel 等办公文档）"),
    (b"PK\x05\x06", "ZIP 压缩包"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "GZIP 压缩包"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Word/Excel 办公文档"),
    (b"{\\rtf", "RTF 文档"),
    (b"MZ", "Windows 程序（EXE）"),
    (b"\x7fELF", "可执行程序"),
)

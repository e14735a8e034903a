"""Byte-level JPEG structure: find the real end of the first image and drop metadata
segments without touching the entropy-coded data (lossless, ~0.1 ms for 200 KB)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The next marker inside entropy-coded data: 0xFF followed by anything but a stuffed zero or
# a restart marker (RST0-7 belong to the scan).
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# libjpeg decodes every scan of a progressive file; a file with thousands of tiny scans is a
# known CPU bomb. Real encoders write about 10.
MAX_SCANS = 64
# A plain JFIF header (version 1.01, no density unit, 1:1, no thumbnail).
CANONICAL_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


class JpegStructureError(ValueError):
    pass


@dataclass
class JpegLayout:
    width: int
    height: int
    end: int  # offset just past the first image's EOI
    scans: int
    kept: list[tuple[int, int]]  # byte spans to keep, in order
    dropped_metadata: bool  # an APPn/COM segment other than a plain JFIF/Adobe header
    has_adobe: bool

    def stripped(self, data: bytes) -> bytes:
        parts = [b"\xff\xd8"]
        if not self.has_adobe:
            parts.append(CANONICAL_JFIF)
        parts.extend(data[start:end] for start, end in self.kept)
        return b"".join(parts)


def parse_jpeg(data: bytes) -> JpegLayout:
    if not data.startswith(b"\xff\xd8"):
        raise JpegStructureError("no SOI")
    size = len(data)
    pos = 2
    kept: list[tuple[int, int]] = []
    width = height = 0
    scans = 0
    dropped = False
    has_adobe = False
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise JpegStructureError("expected a marker")
        while pos + 1 < size and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos + 1 >= size:
            raise JpegStructureError("truncated at a marker")
        marker = data[pos + 1]
        if marker == 0xD9:  # EOI
            kept.append((pos, pos + 2))
            end = pos + 2
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            kept.append((pos, pos + 2))
            pos += 2
            continue
        if pos + 4 > size:
            raise JpegStructureError("truncated segment header")
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            raise JpegStructureError("bad segment length")
        seg_end = pos + 2 + length
        if seg_end > size:
            raise JpegStructureError("truncated segment")
        if marker in _SOF_MARKERS:
            if length < 8:
                raise JpegStructureError("short SOF")
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            width = int.from_bytes(data[pos + 7 : pos + 9], "big")
        if marker == 0xDA:
            scans += 1
            if scans > MAX_SCANS:
                raise JpegStructureError("too many scans")
            found = _NEXT_MARKER.search(data, seg_end)
            if found is None:
                raise JpegStructureError("truncated scan data")
            kept.append((pos, found.start()))
            pos = found.start()
            continue
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            payload = data[pos + 4 : seg_end]
            if marker == 0xEE and payload.startswith(b"Adobe") and length == 14:
                # Kept: its transform flag tells decoders how to read the colour channels.
                has_adobe = True
                kept.append((pos, seg_end))
            elif not (marker == 0xE0 and payload.startswith(b"JFIF\x00") and length == 16):
                dropped = True
        else:
            kept.append((pos, seg_end))
        pos = seg_end
    if scans == 0 or not width or not height:
        raise JpegStructureError("no frame or scan")
    return JpegLayout(
        width=width,
        height=height,
        end=end,
        scans=scans,
        kept=kept,
        dropped_metadata=dropped,
        has_adobe=has_adobe,
    )

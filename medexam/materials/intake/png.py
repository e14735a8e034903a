"""Byte-level PNG structure: CRC-checked chunk walk, and a lossless copy that keeps only the
chunks that make the picture (no text, EXIF, time, colour profile or data after IEND)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What an 8-bit grey/RGB picture needs; everything else is metadata or animation.
_KEEP = {b"IHDR", b"IDAT", b"IEND"}
_NOT_METADATA = {b"IHDR", b"IDAT", b"IEND", b"PLTE", b"tRNS", b"acTL", b"fcTL", b"fdAT"}
MAX_CHUNKS = 20_000


class PngStructureError(ValueError):
    pass


@dataclass
class PngLayout:
    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlaced: bool
    end: int  # offset just past IEND
    kept: list[tuple[int, int]]
    dropped_metadata: bool
    animated: bool

    def stripped(self, data: bytes) -> bytes:
        return SIGNATURE + b"".join(data[start:end] for start, end in self.kept)


def parse_png(data: bytes) -> PngLayout:
    if not data.startswith(SIGNATURE):
        raise PngStructureError("no signature")
    size = len(data)
    pos = 8
    kept: list[tuple[int, int]] = []
    dropped = False
    animated = False
    ihdr: bytes | None = None
    count = 0
    while True:
        count += 1
        if count > MAX_CHUNKS:
            raise PngStructureError("too many chunks")
        if pos + 8 > size:
            raise PngStructureError("truncated chunk header")
        length = int.from_bytes(data[pos : pos + 4], "big")
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > size:
            raise PngStructureError("truncated chunk")
        crc = int.from_bytes(data[end - 4 : end], "big")
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            raise PngStructureError("bad CRC")
        if count == 1:
            if ctype != b"IHDR" or length != 13:
                raise PngStructureError("IHDR first")
            ihdr = data[pos + 8 : pos + 21]
        if ctype == b"acTL":
            animated = int.from_bytes(data[pos + 8 : pos + 12], "big") > 1
        if ctype in _KEEP:
            kept.append((pos, end))
        elif ctype not in _NOT_METADATA:
            dropped = True
        pos = end
        if ctype == b"IEND":
            break
    assert ihdr is not None
    return PngLayout(
        width=int.from_bytes(ihdr[0:4], "big"),
        height=int.from_bytes(ihdr[4:8], "big"),
        bit_depth=ihdr[8],
        colour_type=ihdr[9],
        interlaced=ihdr[12] == 1,
        end=pos,
        kept=kept,
        dropped_metadata=dropped,
        animated=animated,
    )

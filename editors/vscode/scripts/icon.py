"""Draws the extension's icon, icon.png (128 x 128): three stacks, white on the indigo of the
documentation site, as a deployment's stacks are listed one above the other.

    python3 editors/vscode/scripts/icon.py     # rewrites editors/vscode/icon.png

Plain Python (zlib for the PNG), no image library; antialiased by sampling each pixel 4 x 4
times. The same run writes the same bytes (tests/test_vscode_extension.py compares them).
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

SIZE = 128
SAMPLES = 4
INDIGO = (0x3F, 0x51, 0xB5)
WHITE = (0xFF, 0xFF, 0xFF)
#: (left, top, right, bottom, corner radius) of the background and of each stack
BACKGROUND = (0, 0, 128, 128, 26)
STACKS = [(22, 24 + 29 * row, 106, 24 + 29 * row + 22, 7) for row in range(3)]
#: a light at the right end of each stack, in the background's colour: (x, y, radius)
LIGHTS = [(93, 24 + 29 * row + 11, 4.5) for row in range(3)]


def _in_rounded(x: float, y: float, shape: tuple) -> bool:
    left, top, right, bottom, radius = shape
    if not (left <= x < right and top <= y < bottom):
        return False
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _colour(x: float, y: float) -> tuple[int, int, int, int] | None:
    if not _in_rounded(x, y, BACKGROUND):
        return None
    for lx, ly, radius in LIGHTS:
        if (x - lx) ** 2 + (y - ly) ** 2 <= radius**2:
            return (*INDIGO, 255)
    if any(_in_rounded(x, y, shape) for shape in STACKS):
        return (*WHITE, 255)
    return (*INDIGO, 255)


def pixels() -> bytes:
    rows = []
    step = 1 / SAMPLES
    for py in range(SIZE):
        row = bytearray([0])  # filter: none
        for px in range(SIZE):
            total = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    found = _colour(px + (sx + 0.5) * step, py + (sy + 0.5) * step)
                    if found:
                        for channel in range(3):
                            total[channel] += found[channel] * found[3]
                        total[3] += found[3]
            alpha = total[3] / (SAMPLES * SAMPLES)
            if total[3]:
                row += bytes(round(total[channel] / total[3]) for channel in range(3)) + bytes([round(alpha)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return b"".join(rows)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels(), 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "icon.png"
    target.write_bytes(png())
    print(f"wrote {target}", file=sys.stderr)

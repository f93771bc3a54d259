#!/usr/bin/env python3
"""Draws Thaman's icons (a gold coin whose face is a clock, on deep teal)
into extension/icons/. Pure Python, no imaging library; run it after
changing the design and commit the PNGs."""
import math, struct, zlib, pathlib

TEAL, GOLD, INK = (16, 42, 46), (224, 180, 76), (16, 42, 46)
OUT = pathlib.Path(__file__).resolve().parent.parent / "extension" / "icons"


def coverage(x, y):
    """Colour at a point of the unit square [0,1]^2, or None (transparent)."""
    r = 0.2  # rounded-square corner radius
    qx, qy = max(abs(x - 0.5) - (0.5 - r), 0), max(abs(y - 0.5) - (0.5 - r), 0)
    if math.hypot(qx, qy) > r:
        return None
    d = math.hypot(x - 0.5, y - 0.5)
    if d > 0.36:
        return TEAL
    if d > 0.30:
        return GOLD
    # clock hands: to 12 and to 4 o'clock, drawn as thick segments
    for (ex, ey), w in (((0.5, 0.24), 0.045), ((0.68, 0.60), 0.045)):
        if seg_dist(x, y, 0.5, 0.5, ex, ey) < w:
            return INK
    return GOLD


def seg_dist(px, py, ax, ay, bx, by):
    vx, vy = bx - ax, by - ay
    t = max(0, min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)))
    return math.hypot(px - ax - t * vx, py - ay - t * vy)


def render(size, ss=4):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(ss):
                for si in range(ss):
                    c = coverage((i + (si + 0.5) / ss) / size, (j + (sj + 0.5) / ss) / size)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            n = acc[3]
            row += bytes([acc[0] // n, acc[1] // n, acc[2] // n, 255 * n // (ss * ss)] if n else [0, 0, 0, 0])
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for s in (16, 32, 48, 128):
        (OUT / f"icon-{s}.png").write_bytes(render(s))

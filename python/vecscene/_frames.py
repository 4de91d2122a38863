"""Length-prefixed binary frames between Python and the vecscene engine.

A frame is an 8-byte header (the body's length as a little-endian u32, a
tag byte, three zero bytes) and the body. Bodies are read into fresh
buffers, so numpy views over them stay valid after the next frame. The
engine's side is ``host/python/frames.ts``; nothing received is executed.
"""

from __future__ import annotations

import os
import select
import struct
import time

HEADER = struct.Struct("<IB3x")
HEADER_BYTES = HEADER.size
MAX_BODY_BYTES = 1 << 30


class FrameError(EOFError):
    """The stream ended inside a frame, or held something that is not one."""


def read_exact(fd: int, n: int, *, clean: bool = False, spin_s: float = 0.0) -> bytearray | None:
    """Reads exactly ``n`` bytes from file descriptor ``fd`` into a new buffer.

    Returns None when ``clean`` and the stream ends before the first byte.
    On a non-blocking ``fd``, waits by polling for up to ``spin_s`` seconds
    (a reply that comes sooner is taken without the process sleeping and
    being woken), then in ``select``.
    """
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    deadline = None
    while got < n:
        try:
            r = os.readv(fd, [view[got:]])
        except BlockingIOError:
            now = time.perf_counter()
            if deadline is None:
                deadline = now + spin_s
            if now >= deadline:
                select.select([fd], [], [])
            continue
        if r == 0:
            if got == 0 and clean:
                return None
            raise FrameError(f"the stream ended after {got} of {n} bytes of a frame")
        got += r
    return buf


def read_frame(fd: int, spin_s: float = 0.0) -> tuple[int, bytearray] | None:
    """The next (tag, body) from ``fd``, or None at a clean end of the stream."""
    header = read_exact(fd, HEADER_BYTES, clean=True, spin_s=spin_s)
    if header is None:
        return None
    length, tag = HEADER.unpack(header)
    if length > MAX_BODY_BYTES or any(header[5:8]):
        raise FrameError(f"malformed frame header {bytes(header)!r}")
    return tag, read_exact(fd, length, spin_s=spin_s) if length else bytearray()


def write_frame(fd: int, tag: int, *parts: bytes | bytearray | memoryview) -> None:
    """Writes one frame of ``tag`` whose body is ``parts`` back to back."""
    views = [memoryview(p).cast("B") for p in parts]
    length = sum(v.nbytes for v in views)
    if length > MAX_BODY_BYTES:
        raise ValueError(f"cannot send a frame of {length} bytes (the limit is {MAX_BODY_BYTES})")
    views.insert(0, memoryview(HEADER.pack(length, tag)))
    while views:
        n = os.writev(fd, views)
        while views and n >= views[0].nbytes:
            n -= views[0].nbytes
            views.pop(0)
        if views and n:
            views[0] = views[0][n:]

"""A JPEG's structure, walked as libjpeg reads it, without decoding a pixel.

Segments are followed by their lengths, fill bytes (0xFF runs) and stray bytes before a marker
are skipped, and every scan's entropy-coded data is followed to the next real marker (inside a
scan, 0xFF is followed only by a stuffed 0x00, a restart marker or more fill). The walk serves
both the API's structural check (``check_whole``: a frame, a scan and the end marker, so a
truncated upload is refused at the edge) and the metadata stripper (``walk``'s parts). Whether
the picture data inside the scans decodes is the worker's business: a JPEG that is whole in
structure but whose data is corrupt fails its job with ``unreadable_file``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

SOI = b"\xff\xd8"
EOI = 0xD9
SOS = 0xDA
APP0 = 0xE0
APP1 = 0xE1
APP14 = 0xEE  # Adobe colour transform: needed to decode some CMYK JPEGs
APP15 = 0xEF
COM = 0xFE
# Start-of-frame markers (baseline, progressive, lossless…); not C4 (DHT), C8 (JPG), CC (DAC).
_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length: TEM and RST0-7. A 0x00 after 0xFF is a stuffed byte, no marker.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# The first 0xFF inside a scan followed by anything but a stuffed 0x00, a restart or more fill.
_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass
class Walk:
    """A JPEG's parts in file order, up to and with its end marker, as spans of ``data``."""

    data: bytes
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # (marker, start, end)
    frame: bool = False  # a start-of-frame segment was seen
    scans: int = 0
    ended: bool = False  # the end-of-image marker was reached

    @property
    def parts(self) -> list[tuple[int, bytes]]:
        """(marker, bytes) for every part; marker 0 is a scan's entropy-coded data."""
        return [(marker, self.data[start:end]) for marker, start, end in self.spans]

    def check_whole(self) -> None:
        """``ValueError`` saying what is missing unless the walk found a frame header, at least
        one scan and the end marker."""
        if not self.scans:
            raise ValueError("it has no image data")
        if not self.frame:
            raise ValueError("it has no frame header")
        if not self.ended:
            raise ValueError("it ends before its end-of-image marker")


def _next_marker(data: bytes, position: int) -> tuple[int, int]:
    """The next marker at or after ``position`` and where its last 0xFF is."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0:
            raise ValueError("no JPEG marker before the end of the file")
        while position + 1 < len(data) and data[position + 1] == 0xFF:
            position += 1
        if position + 1 >= len(data):
            raise ValueError("no JPEG marker before the end of the file")
        if data[position + 1] != 0x00:
            return data[position + 1], position
        position += 2


def _scan_end(data: bytes, position: int) -> int:
    """Where the entropy-coded data from ``position`` ends: at the first real marker, or the
    end of the file. One regular-expression search, so a megabyte of scan costs microseconds."""
    found = _MARKER_IN_SCAN.search(data, position)
    return found.start() if found else len(data)


def walk(data: bytes) -> Walk:
    """Follow ``data``'s segments and scans; raises ``ValueError`` where it cannot. The parts are
    recorded as spans, so a walk copies none of the file."""
    if data[:2] != SOI:
        raise ValueError("not a JPEG")
    result, position = Walk(data, spans=[(0xD8, 0, 2)]), 2
    spans = result.spans
    while position < len(data):
        marker, position = _next_marker(data, position)
        if marker == EOI:
            spans.append((EOI, position, position + 2))
            result.ended = True
            break  # what follows (appended images, trailers) is not part of the picture
        if marker in _STANDALONE:
            spans.append((marker, position, position + 2))
            position += 2
            continue
        length = struct.unpack_from(">H", data, position + 2)[0]
        end = position + 2 + length
        if length < 2 or end > len(data):  # the length counts its own 2 bytes
            raise ValueError("a JPEG segment runs past the end of the file")
        spans.append((marker, position, end))
        result.frame = result.frame or marker in _FRAMES
        position = end
        if marker == SOS:
            result.scans += 1
            position = _scan_end(data, end)
            spans.append((0, end, position))
    return result


def check_whole(data: bytes) -> None:
    """Raise ``ValueError`` saying what is missing unless ``data`` is a JPEG complete in
    structure: a frame header, at least one scan, and the end marker."""
    walk(data).check_whole()

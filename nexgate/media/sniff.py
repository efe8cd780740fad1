"""The type of an upload, decided by its first bytes only (never its name or Content-Type)."""
from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaType:
    kind: str  # "image" | "video"
    format: str  # "jpeg" | "png" | "webp" | "mp4" | "mov"
    mime: str
    extension: str


JPEG = MediaType("image", "jpeg", "image/jpeg", "jpg")
PNG = MediaType("image", "png", "image/png", "png")
WEBP = MediaType("image", "webp", "image/webp", "webp")
MP4 = MediaType("video", "mp4", "video/mp4", "mp4")
MOV = MediaType("video", "mov", "video/quicktime", "mov")

# Enough for an ISO-BMFF `ftyp` box with its major brand and up to twelve compatible brands.
HEAD_BYTES = 64

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "}
)
_MOV_BRAND = b"qt  "
# ISO-BMFF files that are not videos we accept, though they may list an MP4 brand as compatible:
# HEIF/AVIF stills and M4A/M4B audio.
_FOREIGN_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis", b"M4A ", b"M4B ", b"M4P "}
)


def detect(head: bytes) -> MediaType | None:
    """The media type of a file whose first ``HEAD_BYTES`` bytes (or all, if shorter) are ``head``."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return _iso_bmff(head)


def _iso_bmff(head: bytes) -> MediaType | None:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    (size,) = struct.unpack(">I", head[:4])
    if size < 16:
        return None
    major = head[8:12]
    if major == _MOV_BRAND:
        return MOV
    if major in _MP4_BRANDS:
        return MP4
    if major in _FOREIGN_BRANDS:
        return None
    compatible = {head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if compatible & _MP4_BRANDS:
        return MP4
    if _MOV_BRAND in compatible:
        return MOV
    return None

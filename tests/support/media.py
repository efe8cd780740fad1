"""Test inputs for media: images with or without EXIF, GPS and alpha, decompression bombs,
truncated files, videos made by FFmpeg, broken videos, and a check of MP4 box order.

Pictures are a solid ``color`` with a white top-left quadrant, so a test can tell which way an
image was turned."""
from __future__ import annotations

import io
import random
import struct
import subprocess
import zlib

from PIL import Image, ExifTags

COLOR = (200, 60, 40)
GPS = {  # Nairobi
    ExifTags.GPS.GPSLatitudeRef: "S", ExifTags.GPS.GPSLatitude: (1.0, 17.0, 31.56),
    ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (36.0, 49.0, 18.84),
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="1,17.526S"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
COMMENT = b"taken at home, 12 Moi Avenue"
VIDEO_LOCATION = "+01.2921+036.8219/"


def picture(width: int, height: int, color=COLOR) -> Image.Image:
    image = Image.new("RGB", (width, height), color)
    image.paste((255, 255, 255), (0, 0, max(1, width // 2), max(1, height // 2)))
    return image


def jpeg_bytes(
    width: int, height: int, *, color=COLOR, exif_orientation: int | None = None, gps: bool = False,
    quality: int = 90,
) -> bytes:
    """A JPEG; with ``gps``, also a camera make and model, GPS coordinates, XMP and a comment."""
    extra = {"xmp": XMP, "comment": COMMENT} if gps else {}
    return _encode(
        picture(width, height, color), "JPEG", quality=quality, exif=_exif(exif_orientation, gps), **extra
    )


def png_bytes(width: int, height: int, *, color=COLOR, alpha: bool = False, gps: bool = False) -> bytes:
    """A PNG; with ``alpha``, the colour half transparent and the top-left quadrant fully so."""
    image = picture(width, height, color)
    if alpha:
        image.putalpha(128)
        image.paste((255, 255, 255, 0), (0, 0, max(1, width // 2), max(1, height // 2)))
    return _encode(image, "PNG", exif=_exif(None, gps))


def webp_bytes(width: int, height: int, *, color=COLOR, alpha: bool = False, gps: bool = False) -> bytes:
    image = picture(width, height, color)
    if alpha:
        image.putalpha(128)
    return _encode(image, "WEBP", quality=90, exif=_exif(None, gps), **({"xmp": XMP} if gps else {}))


def _exif(orientation: int | None, gps: bool) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = "Phone Maker"
        exif[ExifTags.Base.Model] = "Phone 12"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif.tobytes() if len(exif) else b""


def _encode(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def png_bomb_bytes(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG a few dozen bytes long that declares ``width`` × ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def truncated_jpeg_bytes() -> bytes:
    """The first half of a noisy JPEG: a valid header, then the scan stops."""
    image = Image.merge("RGB", [Image.effect_noise((640, 480), 60)] * 3)
    whole = _encode(image, "JPEG", quality=90)
    return whole[: len(whole) // 2]


def make_video(
    path, *, width: int, height: int, seconds: float, audio: bool = True, container: str = "mp4",
    rotation: int = 0, location: bool = False,
) -> None:
    """A test-pattern H.264 video (with a sine tone unless ``audio`` is False) made by FFmpeg.

    ``rotation`` (0, 90, 180, 270) is written into the video track's display matrix, as phones do
    for portrait videos; ``location`` adds a QuickTime/MP4 location tag like a phone's GPS.
    """
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"] + (["-c:a", "aac"] if audio else [])
    metadata = ["-metadata", f"location={VIDEO_LOCATION}"] if location else []
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs, *codecs, *metadata,
         "-f", container, str(path)],
        check=True, timeout=60,
    )
    if rotation:
        _set_rotation(path, rotation)


_MATRICES = {  # ISO-BMFF tkhd matrices (a, b, u, c, d, v, x, y, w) turning the picture clockwise
    90: (0, 0x10000, 0, -0x10000 & 0xFFFFFFFF, 0, 0, 0, 0, 0x40000000),
    180: (-0x10000 & 0xFFFFFFFF, 0, 0, 0, -0x10000 & 0xFFFFFFFF, 0, 0, 0, 0x40000000),
    270: (0, -0x10000 & 0xFFFFFFFF, 0, 0x10000, 0, 0, 0, 0, 0x40000000),
}


def _set_rotation(path, rotation: int) -> None:
    """Rewrite the matrix of the first track header (FFmpeg writes the video track first)."""
    moov = next(offset for offset, _, kind in boxes(path) if kind == b"moov")
    with open(path, "r+b") as file:
        data = file.read()
        start = data.index(b"tkhd", moov) + 4  # the box body: version and flags, times, track id...
        times = 8 + 8 + 4 + 4 + 8 if data[start] == 1 else 4 + 4 + 4 + 4 + 4  # ..., reserved, duration
        matrix_at = start + 4 + times + 8 + 2 + 2 + 2 + 2  # reserved, layer, group, volume, reserved
        file.seek(matrix_at)
        file.write(struct.pack(">9I", *_MATRICES[rotation]))


def broken_mp4_bytes(size: int = 64 * 1024) -> bytes:
    """An MP4 `ftyp` box (so sniffing says mp4) followed by random bytes (so nothing decodes)."""
    ftyp = struct.pack(">I", 32) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    return ftyp + random.Random(6).randbytes(size)


def break_stream(path) -> None:
    """Overwrite the media data of a real MP4 with noise: its headers stay sound, its frames do not decode."""
    with open(path, "r+b") as file:
        for offset, size, kind in boxes(path):
            if kind == b"mdat":
                file.seek(offset + 16)
                file.write(random.Random(6).randbytes(size - 16))


def boxes(path) -> list[tuple[int, int, bytes]]:
    """(offset, size, type) of each top-level ISO-BMFF box of a file."""
    found = []
    with open(path, "rb") as file:
        end = file.seek(0, 2)
        offset = 0
        while offset + 8 <= end:
            file.seek(offset)
            size, kind = struct.unpack(">I4s", file.read(8))
            if size == 1:
                (size,) = struct.unpack(">Q", file.read(8))
            elif size == 0:
                size = end - offset
            if size < 8:
                break
            found.append((offset, size, kind))
            offset += size
    return found


def moov_before_mdat(path) -> bool:
    """Whether the index (moov) comes before the media data (mdat): an MP4 made with faststart."""
    kinds = [kind for _, _, kind in boxes(path)]
    return b"moov" in kinds and b"mdat" in kinds and kinds.index(b"moov") < kinds.index(b"mdat")

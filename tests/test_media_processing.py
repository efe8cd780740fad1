"""The media processing library on its own: sniffing, images (in the real process pool too),
BlurHash checked by a second implementation, and videos checked with ffprobe."""
from __future__ import annotations

import asyncio
import importlib.metadata
import io
import json
import os
import pickle
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from nexgate import cpu
from nexgate.media import sniff, video
from nexgate.media.errors import MediaRejected
from nexgate.media.images import process_image
from tests.support.media import (
    COLOR, COMMENT, VIDEO_LOCATION, break_stream, broken_mp4_bytes, jpeg_bytes, make_video, moov_before_mdat,
    png_bomb_bytes, png_bytes, truncated_jpeg_bytes, webp_bytes,
)

# Under pytest-xdist, on one worker: the module's source videos (below) are made once per worker.
pytestmark = pytest.mark.xdist_group("media_processing")
MAX_PIXELS = 40_000_000
WHITE = (255, 255, 255)


def _file(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _process(tmp_path, data: bytes, max_pixels: int = MAX_PIXELS) -> dict:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return process_image(_file(tmp_path, "upload", data), str(out), max_pixels)


def _rejected(tmp_path, data: bytes, max_pixels: int = MAX_PIXELS) -> MediaRejected:
    with pytest.raises(MediaRejected) as refused:
        _process(tmp_path, data, max_pixels)
    return refused.value


def _sizes(result: dict) -> dict[str, tuple[int, int]]:
    sizes = {}
    for variant in result["variants"]:
        with Image.open(variant["path"]) as image:
            assert image.size == (variant["width"], variant["height"])
        sizes.setdefault(variant["name"], image.size)
    return sizes


def _close(actual, expected, tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


# Sniffing

@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, str]:
    """Source videos, made once for the module."""
    folder = tmp_path_factory.mktemp("videos")
    specs = {
        "hd": dict(width=1280, height=720, seconds=3, location=True),
        "small": dict(width=320, height=240, seconds=1),
        "mov": dict(width=640, height=360, seconds=1, audio=False, container="mov"),
        "portrait": dict(width=640, height=360, seconds=1, rotation=90),
    }
    paths = {}
    for name, spec in specs.items():
        paths[name] = str(folder / f"{name}.{spec.get('container', 'mp4')}")
        make_video(paths[name], **spec)
    paths["broken_stream"] = str(folder / "broken_stream.mp4")
    make_video(paths["broken_stream"], width=320, height=240, seconds=1)
    break_stream(paths["broken_stream"])
    return paths


def test_sniffing_knows_each_type_by_its_bytes(videos):
    heads = {
        sniff.JPEG: jpeg_bytes(8, 8), sniff.PNG: png_bytes(8, 8), sniff.WEBP: webp_bytes(8, 8),
        sniff.MP4: Path(videos["hd"]).read_bytes(),
        sniff.MOV: Path(videos["mov"]).read_bytes(),
    }
    for expected, data in heads.items():
        assert sniff.detect(data[: sniff.HEAD_BYTES]) == expected
    assert (sniff.MP4.kind, sniff.MP4.mime, sniff.MOV.mime) == ("video", "video/mp4", "video/quicktime")
    assert sniff.detect(broken_mp4_bytes()[: sniff.HEAD_BYTES]) == sniff.MP4


@pytest.mark.parametrize("head", [
    b"",
    b"Dear diary, this is not a photo.\n" * 4,  # a text file named photo.jpg
    b"GIF89a\x01\x00\x01\x00",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",  # a HEIF still
    b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom",  # audio only
    b"\x00\x00\x00\x08ftypisom",  # a box too short to hold a brand
    b"RIFF\x00\x00\x00\x00WAVEfmt ",
])
def test_sniffing_refuses_anything_else(head):
    assert sniff.detect(head) is None


def test_a_brand_only_listed_as_compatible_decides():
    assert sniff.detect(b"\x00\x00\x00\x18ftyp3gp5\x00\x00\x00\x00isom3gp5") == sniff.MP4
    assert sniff.detect(b"\x00\x00\x00\x14ftypabcd\x00\x00\x00\x00qt  ") == sniff.MOV


# Images

@pytest.mark.parametrize(("width", "height", "expected"), [
    (4000, 3000, {"thumbnail": (150, 150), "medium": (600, 450), "large": (1200, 900), "original": (4000, 3000)}),
    (400, 300, {"thumbnail": (150, 150), "medium": (400, 300), "large": (400, 300), "original": (400, 300)}),
    (100, 60, {"thumbnail": (60, 60), "medium": (100, 60), "large": (100, 60), "original": (100, 60)}),
    (6000, 1000, {"thumbnail": (150, 150), "medium": (600, 100), "large": (1200, 200), "original": (6000, 1000)}),
])
def test_variants_fit_their_boxes_and_never_upscale(tmp_path, width, height, expected):
    result = _process(tmp_path, jpeg_bytes(width, height))
    assert (result["width"], result["height"], result["format"]) == (width, height, "jpeg")
    assert _sizes(result) == expected
    files = {os.path.basename(v["path"]): (v["name"], v["format"]) for v in result["variants"]}
    assert files == {
        f"{name}.{ext}": (name, encoding)
        for name in expected for encoding, ext in (("webp", "webp"), ("jpeg", "jpg"))
    }
    for variant in result["variants"]:
        with open(variant["path"], "rb") as file:
            assert sniff.detect(file.read(sniff.HEAD_BYTES)).format == variant["format"]
        assert variant["bytes"] == os.path.getsize(variant["path"]) > 0


def test_exif_orientation_is_applied(tmp_path):
    # Orientation 6: the camera was turned, a viewer turns the stored picture 90° clockwise.
    result = _process(tmp_path, jpeg_bytes(100, 50, exif_orientation=6))
    assert (result["width"], result["height"]) == (50, 100)
    original = next(v for v in result["variants"] if v["name"] == "original" and v["format"] == "jpeg")
    with Image.open(original["path"]) as image:
        assert image.size == (50, 100)
        # The stored top-left (white) quadrant is now top-right.
        assert _close(image.getpixel((37, 12)), WHITE)
        assert _close(image.getpixel((12, 12)), COLOR)
        assert _close(image.getpixel((37, 75)), COLOR)


@pytest.mark.parametrize("make", [
    lambda: jpeg_bytes(800, 600, exif_orientation=3, gps=True),
    lambda: png_bytes(800, 600, gps=True),
    lambda: webp_bytes(800, 600, gps=True),
])
def test_every_variant_is_stripped_of_metadata(tmp_path, make):
    data = make()
    with Image.open(io.BytesIO(data)) as upload:  # the upload does carry it
        assert upload.getexif().get_ifd(0x8825)
    result = _process(tmp_path, data)
    assert len(result["variants"]) == 8
    for variant in result["variants"]:
        with Image.open(variant["path"]) as image:
            assert len(image.getexif()) == 0, variant
            assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"} & set(image.info), variant
        raw = Path(variant["path"]).read_bytes()
        for trace in (b"Exif\x00\x00", b"EXIF", b"ns.adobe.com", b"GPS", COMMENT):
            assert trace not in raw, (variant["path"], trace)


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("icc", [
    _SRGB,  # said to be sRGB: kept as is
    _SRGB.replace("sRGB".encode("utf-16-be"), "Test".encode("utf-16-be")),  # another name: converted
    b"not a colour profile",  # unusable: ignored
])
@pytest.mark.parametrize(("mode", "format"), [("RGB", "JPEG"), ("RGBA", "PNG")])
def test_an_embedded_colour_profile_is_applied_then_dropped(tmp_path, icc, mode, format):
    buffer = io.BytesIO()
    Image.new(mode, (300, 200), COLOR).save(buffer, format, icc_profile=icc)
    result = _process(tmp_path, buffer.getvalue())
    for variant in result["variants"]:
        with Image.open(variant["path"]) as image:
            assert "icc_profile" not in image.info
            assert _close(image.convert("RGB").getpixel((image.width // 2, image.height // 2)), COLOR)


def test_transparency_is_kept_in_webp_and_laid_on_white_in_jpeg(tmp_path):
    result = _process(tmp_path, png_bytes(400, 300, alpha=True))
    assert result["format"] == "png"
    for variant in result["variants"]:
        with Image.open(variant["path"]) as image:
            if variant["format"] == "webp":
                assert image.mode == "RGBA"
                assert image.getpixel((5, 5))[3] == 0
            else:
                assert image.mode == "RGB"
                assert _close(image.getpixel((5, 5)), WHITE)


def _saved(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


_FRAMES = [Image.new("RGB", (200, 100), color) for color in ((250, 20, 20), (20, 250, 20))]


@pytest.mark.parametrize(("data", "format", "centre"), [
    (_saved(Image.new("I;16", (200, 100), 40_000), "PNG"), "png", (156, 156, 156)),  # 16-bit grey
    (_saved(Image.new("L", (200, 100), 100), "JPEG"), "jpeg", (100, 100, 100)),
    (_saved(Image.new("CMYK", (200, 100), (0, 0, 0, 0)), "JPEG"), "jpeg", WHITE),
    (_saved(_FRAMES[0], "MPO", save_all=True, append_images=_FRAMES[1:]), "jpeg", (250, 20, 20)),
    (_saved(_FRAMES[0], "WEBP", save_all=True, append_images=_FRAMES[1:], lossless=True), "webp", (250, 20, 20)),
    (_saved(_FRAMES[0], "PNG", save_all=True, append_images=_FRAMES[1:]), "png", (250, 20, 20)),
])
def test_uncommon_modes_and_several_frames_come_out_as_the_first_picture(tmp_path, data, format, centre):
    result = _process(tmp_path, data)
    assert (result["width"], result["height"], result["format"]) == (200, 100, format)
    for variant in result["variants"]:
        with Image.open(variant["path"]) as image:
            assert getattr(image, "n_frames", 1) == 1
            assert _close(image.convert("RGB").getpixel((image.width // 2, image.height // 2)), centre)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    for width, height in ((50_000, 50_000), (8_000, 8_000)):  # Pillow's own limit, then ours
        bomb = png_bomb_bytes(width, height)
        assert len(bomb) < 200
        started = time.perf_counter()
        refused = _rejected(tmp_path, bomb)
        assert time.perf_counter() - started < 1.0
        assert refused.code == "too_many_pixels", refused


def test_the_pixel_limit_is_a_setting(tmp_path):
    assert _rejected(tmp_path, png_bytes(300, 200), max_pixels=50_000).code == "too_many_pixels"
    assert _process(tmp_path, png_bytes(300, 200), max_pixels=60_000)["width"] == 300


@pytest.mark.parametrize("data", [
    truncated_jpeg_bytes(),
    b"",
    b"Dear diary, this is not a photo.\n",
    b"GIF89a" + bytes(64),
])
def test_what_does_not_decode_is_refused(tmp_path, data):
    assert _rejected(tmp_path, data).code == "image_corrupt"


def test_the_blurhash_matches_the_average_colour_by_a_second_implementation(tmp_path):
    # The encoder is blurhash-python's C core (blurhash._functions); the decoder is the pure-Python
    # `blurhash` package. Both install a package named `blurhash`: check each part is the one we mean.
    pure_python = {str(f) for f in importlib.metadata.files("blurhash")}
    compiled = {str(f) for f in importlib.metadata.files("blurhash-python")}
    assert "blurhash/blurhash.py" in pure_python and "blurhash/blurhash.py" not in compiled
    assert any(f.startswith("blurhash/_functions") for f in compiled)
    from blurhash.blurhash import blurhash_decode, linear_to_srgb, srgb_to_linear

    color = (30, 120, 220)
    result = _process(tmp_path, png_bytes(400, 300, color=color))
    decoded = blurhash_decode(result["blurhash"], 32, 32, linear=True)
    decoded_mean = [sum(pixel[c] for row in decoded for pixel in row) / 32 ** 2 for c in range(3)]
    # The picture is three quarters `color` and one quarter white: its mean, in linear light.
    expected = [0.75 * srgb_to_linear(color[c]) + 0.25 * srgb_to_linear(255) for c in range(3)]
    assert _close([linear_to_srgb(v) for v in decoded_mean], [linear_to_srgb(v) for v in expected], 6)
    # And the hash describes this picture, not any: the white quadrant is top left.
    decoded_srgb = blurhash_decode(result["blurhash"], 4, 4)
    assert sum(decoded_srgb[0][0]) > sum(decoded_srgb[3][3]) + 150


async def test_images_are_processed_in_the_process_pool(tmp_path):
    pool = cpu.create_pool(1)
    try:
        out = tmp_path / "out"
        out.mkdir()
        result = await cpu.run(pool, process_image, _file(tmp_path, "photo", jpeg_bytes(1600, 1200)), str(out), MAX_PIXELS)
        assert (result["width"], result["height"], len(result["variants"])) == (1600, 1200, 8)
        assert all(os.path.exists(v["path"]) for v in result["variants"])
        with pytest.raises(MediaRejected) as refused:
            await cpu.run(pool, process_image, _file(tmp_path, "bomb", png_bomb_bytes()), str(out), MAX_PIXELS)
        assert refused.value.code == "too_many_pixels" and refused.value.reason
    finally:
        pool.shutdown()


def test_a_rejection_survives_pickling():
    copy = pickle.loads(pickle.dumps(MediaRejected("image_corrupt", "cut short")))
    assert (copy.code, copy.reason, str(copy)) == ("image_corrupt", "cut short", "image_corrupt: cut short")


# Videos

def _ffprobe(path: str) -> dict:
    """ffprobe's own view of a file, independent of nexgate.media.video."""
    completed = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
        capture_output=True, check=True, timeout=30,
    )
    return json.loads(completed.stdout)


def _stream(found: dict, kind: str) -> dict | None:
    return next((s for s in found["streams"] if s["codec_type"] == kind), None)


@pytest.mark.parametrize(("width", "height", "expected"), [
    (1920, 1080, [480, 720]), (1280, 720, [480, 720]), (640, 500, [480]), (320, 240, [240]), (321, 239, [238]),
    (1080, 1920, [480, 720]),
])
def test_renditions_never_upscale(width, height, expected):
    info = video.VideoInfo(duration_s=1, width=width, height=height, rotation=0, video_codec="h264", has_audio=False)
    assert video.rendition_sizes(info, (480, 720)) == expected
    assert video.rendition_sizes(info, (145,)) == [144]  # a configured odd height is made even


async def test_a_video_is_transcoded_for_the_web(videos, tmp_path):
    info = await video.probe(videos["hd"])
    assert info == video.VideoInfo(
        duration_s=pytest.approx(3, abs=0.1), width=1280, height=720, rotation=0, video_codec="h264", has_audio=True,
    )
    renditions = await video.transcode(videos["hd"], str(tmp_path), (480, 720), info)
    assert [(r["name"], r["width"], r["height"]) for r in renditions] == [("480p", 854, 480), ("720p", 1280, 720)]
    for rendition in renditions:
        found = _ffprobe(rendition["path"])
        picture, sound = _stream(found, "video"), _stream(found, "audio")
        assert (picture["codec_name"], picture["pix_fmt"], picture["height"]) == ("h264", "yuv420p", rendition["height"])
        assert sound["codec_name"] == "aac"
        assert float(found["format"]["duration"]) == pytest.approx(3, abs=0.1)
        assert rendition["duration_s"] == pytest.approx(3, abs=0.1)
        assert rendition["bytes"] == os.path.getsize(rendition["path"])
        assert moov_before_mdat(rendition["path"])  # faststart
        assert VIDEO_LOCATION not in json.dumps(found)  # the phone's location tag is gone
    assert VIDEO_LOCATION in json.dumps(_ffprobe(videos["hd"]))


async def test_a_small_video_keeps_its_size(videos, tmp_path):
    info = await video.probe(videos["small"])
    renditions = await video.transcode(videos["small"], str(tmp_path), (480, 720), info, threads=1)
    assert [(r["name"], r["width"], r["height"]) for r in renditions] == [("240p", 320, 240)]


async def test_a_mov_without_sound(videos, tmp_path):
    info = await video.probe(videos["mov"])
    assert (info.width, info.height, info.has_audio) == (640, 360, False)
    [rendition] = await video.transcode(videos["mov"], str(tmp_path), (360, 480), info)
    found = _ffprobe(rendition["path"])
    assert (rendition["name"], _stream(found, "video")["height"], _stream(found, "audio")) == ("360p", 360, None)
    assert found["format"]["format_name"].startswith("mov,mp4") and moov_before_mdat(rendition["path"])


async def test_a_portrait_phone_video_comes_out_upright(videos, tmp_path):
    info = await video.probe(videos["portrait"])
    assert (info.width, info.height, info.rotation) == (360, 640, 90)
    [rendition] = await video.transcode(videos["portrait"], str(tmp_path), (480, 720), info)
    picture = _stream(_ffprobe(rendition["path"]), "video")
    assert (rendition["name"], picture["width"], picture["height"]) == ("360p", 360, 640)
    assert not any("rotation" in side for side in picture.get("side_data_list", []))


async def test_the_poster_is_a_jpeg_of_an_early_frame(videos, tmp_path):
    info = await video.probe(videos["hd"])
    path = str(tmp_path / "poster.jpg")
    await video.poster(videos["hd"], path, info)
    with open(path, "rb") as file:
        assert sniff.detect(file.read(sniff.HEAD_BYTES)) == sniff.JPEG
    with Image.open(path) as image:
        image.load()
        assert image.size == (1280, 720)
    out = tmp_path / "out"
    out.mkdir()
    assert process_image(path, str(out), MAX_PIXELS)["blurhash"]


async def test_a_broken_video_is_refused(videos, tmp_path):
    path = _file(tmp_path, "broken", broken_mp4_bytes())
    with pytest.raises(MediaRejected) as refused:
        await video.probe(path)
    assert refused.value.code == "video_corrupt"
    assert path not in refused.value.reason and "Invalid data" in refused.value.reason

    info = await video.probe(videos["broken_stream"])  # the headers are sound, the frames are not
    with pytest.raises(MediaRejected) as refused:
        await video.transcode(videos["broken_stream"], str(tmp_path), (480, 720), info)
    assert refused.value.code == "video_corrupt"
    with pytest.raises(MediaRejected) as refused:
        await video.poster(videos["broken_stream"], str(tmp_path / "poster.jpg"), info)
    assert refused.value.code == "video_corrupt"


async def test_only_iso_media_files_are_read(tmp_path):
    # Left to guess, FFmpeg reads this playlist and the server file it names; read as MP4/MOV, it is refused.
    segment = tmp_path / "elsewhere.ts"
    make_video(segment, width=160, height=120, seconds=1, audio=False, container="mpegts")
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", "#EXTINF:1,", str(segment), "#EXT-X-ENDLIST", ""]
    playlist = _file(tmp_path, "upload", "\n".join(lines).encode())
    assert _stream(_ffprobe(playlist), "video")["width"] == 160
    with pytest.raises(MediaRejected) as refused:
        await video.probe(playlist)
    assert refused.value.code == "video_corrupt"


async def test_a_video_over_the_length_limit_is_refused(videos):
    with pytest.raises(MediaRejected) as refused:
        await video.probe(videos["hd"], max_duration_s=2)
    assert refused.value.code == "video_too_long"


def _ffmpeg_children() -> dict[int, int]:
    """{pid: niceness} of the FFmpeg processes this test process started."""
    children = {}
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # not a process, or one that has just ended
            continue
        name, fields = stat[stat.index("(") + 1: stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if name == "ffmpeg" and int(fields[1]) == os.getpid():
            children[int(entry)] = int(fields[16])
    return children


async def test_ffmpeg_is_killed_on_timeout_and_on_cancel(videos, tmp_path):
    info = await video.probe(videos["hd"])
    with pytest.raises(MediaRejected) as refused:
        await video.transcode(videos["hd"], str(tmp_path), (480, 720), info, timeout_s=0.2)
    assert refused.value.code == "video_timeout"
    assert _ffmpeg_children() == {}

    task = asyncio.create_task(video.transcode(videos["hd"], str(tmp_path), (480, 720), info))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if _ffmpeg_children():
            break
    assert list(_ffmpeg_children().values()) == [cpu.WORKER_NICENESS]  # below the event loop's priority
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _ffmpeg_children() == {}

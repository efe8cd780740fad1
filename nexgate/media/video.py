"""Uploaded videos through FFmpeg and ffprobe, run as subprocesses (never a shell) with a time limit;
a process is killed if it overruns or its task is cancelled. They run at the process pool's lower
priority, so a transcode beside the server (`serve --workers all`) leaves the event loop the CPU first.

Renditions are progressive MP4 (H.264 yuv420p + AAC, index first), not HLS: uploads are short clips
(100 MB at most), every phone and browser plays such a file straight from S3 or a CDN with range
requests, while HLS would turn each video into dozens of segment objects that a private (DM) video
would need signed one by one. Adaptive streaming is worth it for long videos, which we do not take.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass

from nexgate.cpu import WORKER_NICENESS
from nexgate.media.errors import MediaRejected

PROBE_TIMEOUT_S = 30.0
POSTER_TIMEOUT_S = 60.0
POSTER_AT_S = 1.0
CRF = 23
AUDIO_BITRATE = "128k"
REASON_CHARS = 200
_LOG_PREFIX = re.compile(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*")


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    width: int  # as displayed, i.e. after rotation
    height: int
    rotation: int  # degrees a player turns the stored picture clockwise: 0, 90, 180 or 270
    video_codec: str
    has_audio: bool


async def probe(path: str, *, max_duration_s: float | None = None, timeout_s: float = PROBE_TIMEOUT_S) -> VideoInfo:
    """What ffprobe finds in the file; ``video_corrupt`` if it reads no video stream with a size and
    a duration, ``video_too_long`` past ``max_duration_s``."""
    output = await _run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", *_input(path)],
        timeout_s, path,
    )
    found = json.loads(output or b"{}")
    streams = found.get("streams", [])
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")),
        None,
    )
    if video is None or not video.get("width") or not video.get("height"):
        raise MediaRejected("video_corrupt", "no video stream")
    duration_s = _float(found.get("format", {}).get("duration")) or _float(video.get("duration"))
    if not duration_s:
        raise MediaRejected("video_corrupt", "the video has no duration")
    if max_duration_s is not None and duration_s > max_duration_s:
        raise MediaRejected("video_too_long", f"{duration_s:.0f} s is over the {max_duration_s:.0f} s allowed")
    rotation = _rotation(video)
    width, height = (video["height"], video["width"]) if rotation in (90, 270) else (video["width"], video["height"])
    return VideoInfo(
        duration_s=duration_s, width=width, height=height, rotation=rotation,
        video_codec=video.get("codec_name", ""),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
    )


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _rotation(stream: dict) -> int:
    """Clockwise display rotation, from the display matrix (FFmpeg 5+) or the older `rotate` tag."""
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return round(-float(side_data["rotation"]) / 90) * 90 % 360
    rotate = _float(stream.get("tags", {}).get("rotate"))
    return round(rotate / 90) * 90 % 360 if rotate else 0


def rendition_sizes(info: VideoInfo, heights: tuple[int, ...] | list[int]) -> list[int]:
    """The short-side sizes to make: each of ``heights`` the source reaches (never upscaling), or
    the source's own (even) size if it is smaller than all of them.

    The short side, not the height, so a portrait phone video's "720p" is 720 wide, as on the
    platforms people know, rather than a narrow 405 × 720."""
    short = min(info.width, info.height)
    sizes = sorted({_even(size) for size in heights if size <= short})
    return sizes or [max(2, _even(short))]


def _even(size: int) -> int:
    return size - size % 2  # H.264 in 4:2:0 wants even dimensions


async def transcode(
    source: str, out_dir: str, heights: tuple[int, ...] | list[int], info: VideoInfo, *,
    threads: int = 0, timeout_s: float | None = None,
) -> list[dict]:
    """Web MP4 renditions of ``source`` in ``out_dir`` (``<size>p.mp4``), made in one FFmpeg run
    that decodes once: ``[{"name", "path", "width", "height", "bytes", "duration_s"}]``.

    Upright (FFmpeg applies the rotation), without metadata (phones tag location), with the index
    before the media data (``+faststart``) so playback starts before the download ends.
    ``threads`` is FFmpeg's thread count per encoder (0: FFmpeg decides). ``timeout_s`` defaults to
    a minute plus ten times the duration."""
    sizes = rendition_sizes(info, heights)
    scale = "scale=-2:{0}" if info.width >= info.height else "scale={0}:-2"
    branches = "".join(f"[s{i}]{scale.format(size)},format=yuv420p[v{i}];" for i, size in enumerate(sizes))
    graph = f"[0:v:0]split={len(sizes)}" + "".join(f"[s{i}]" for i in range(len(sizes))) + ";" + branches[:-1]
    paths = [os.path.join(out_dir, f"{size}p.mp4") for size in sizes]
    outputs = []
    for i, path in enumerate(paths):
        outputs += ["-map", f"[v{i}]", *(["-map", "0:a:0"] if info.has_audio else [])]
        outputs += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(CRF), "-profile:v", "high"]
        outputs += ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2"] if info.has_audio else ["-an"]
        outputs += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"]
        outputs += [*_threads("-threads", threads), "-max_muxing_queue_size", "1024", "-f", "mp4", path]
    await _run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *_input(source),
         "-filter_complex", graph, *_threads("-filter_complex_threads", threads), *outputs],
        timeout_s if timeout_s is not None else 60 + 10 * info.duration_s, source,
    )
    return [await _rendition(f"{size}p", path) for size, path in zip(sizes, paths)]


def _threads(option: str, threads: int) -> list[str]:
    return [option, str(threads)] if threads else []


async def _rendition(name: str, path: str) -> dict:
    _require_output(path)
    made = await probe(path)
    return {
        "name": name, "path": path, "width": made.width, "height": made.height,
        "bytes": os.path.getsize(path), "duration_s": made.duration_s,
    }


async def poster(source: str, out_path: str, info: VideoInfo, *, timeout_s: float = POSTER_TIMEOUT_S) -> None:
    """One upright frame, early enough to exist (at the smaller of 1 s and a third of the video),
    as a full-size JPEG at ``out_path``; its variants and BlurHash come from ``process_image``."""
    at = min(POSTER_AT_S, info.duration_s / 3)
    await _run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{at:.3f}", *_input(source),
         "-map", "0:v:0", "-frames:v", "1", "-q:v", "2", "-map_metadata", "-1", "-f", "image2", "-update", "1",
         out_path],
        timeout_s, source,
    )
    _require_output(out_path)


def _input(path: str) -> list[str]:
    """An input read as a local ISO-BMFF file and nothing else: FFmpeg would otherwise guess the
    format from the content (an HLS playlist posing as a video could make it fetch URLs or read
    local files) and the protocol from the name."""
    return ["-f", "mov", "-i", f"file:{path}"]


def _require_output(path: str) -> None:
    """FFmpeg exits 0 having written nothing when no frame decodes (a broken stream in sound headers)."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise MediaRejected("video_corrupt", "no frame of the video could be decoded")


async def _run(args: list[str], timeout_s: float, path: str) -> bytes:
    """The output of a command that succeeded; ``video_corrupt`` with its last error line if it failed."""
    process = await asyncio.create_subprocess_exec(
        "nice", "-n", str(WORKER_NICENESS), *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout_s):
            output, errors = await asyncio.gather(process.stdout.read(), _tail(process.stderr))
            await process.wait()
    except TimeoutError:
        raise MediaRejected("video_timeout", f"{args[0]} took over {timeout_s:.0f} s") from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        reason = _reason(errors, path) or f"{args[0]} failed (exit status {process.returncode})"
        raise MediaRejected("video_corrupt", reason)
    return output


async def _tail(stream: asyncio.StreamReader, keep: int = 4096) -> bytes:
    """The end of a stream: FFmpeg logs one error per broken packet, megabytes for a broken file."""
    tail = b""
    while chunk := await stream.read(65536):
        tail = (tail + chunk)[-keep:]
    return tail


def _reason(errors: bytes, path: str) -> str:
    """The line of FFmpeg's log that says why: the last about invalid data, else the last one;
    without the decoder's address prefix or our file's path (server details)."""
    lines = [_LOG_PREFIX.sub("", line).strip() for line in errors.decode(errors="replace").splitlines()]
    lines = [line.replace(f"file:{path}", "input").replace(path, "input") for line in lines if line]
    telling = [line for line in lines if "Invalid data" in line] or lines
    return telling[-1][:REASON_CHARS] if telling else ""

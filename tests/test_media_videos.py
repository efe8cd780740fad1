"""Videos through the real app, RabbitMQ and the media worker: transcoded renditions checked
independently with ffprobe, a poster with its BlurHash, live status on the uploader's socket,
and a corrupt video that fails with a reason and leaves nothing stored."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from nexgate.keys import PLATFORM

from tests.conftest import eventually
from tests.support.media import break_stream, broken_mp4_bytes, make_video, moov_before_mdat
from tests.support.media_api import fetch, stored_files

WORKERS = ("outbox-relay", "media")


@pytest.fixture
async def video_app(make_client, config):
    return await make_client(config, worker_names=WORKERS)


async def ffprobe(path) -> dict:
    process = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out)


async def statuses_until_done(live, *media_ids: str) -> dict[str, list[dict]]:
    """The ``media.status.changed`` events of each media until every one is ready or failed; the worker
    may take them in any order (the events of one upload request are published together)."""
    seen: dict[str, list[dict]] = {media_id: [] for media_id in media_ids}
    while not all(s and s[-1]["status"] in ("ready", "failed") for s in seen.values()):
        event = await live.next_event(timeout=90)
        if event["event"] == "media.status.changed" and event["data"]["media_id"] in seen:
            seen[event["data"]["media_id"]].append(event["data"])
    return seen


async def test_a_video_is_transcoded_with_a_poster_and_its_status_arrives_live(video_app, config, users, tmp_path):
    uploader = await users.new(video_app.server)
    live = await uploader.live(device_name="phone")
    source = tmp_path / "clip.mov"
    make_video(source, width=1280, height=720, seconds=3, audio=True, container="mov")
    [media] = await uploader.upload("post", [("clip.mov", source.read_bytes())])
    assert media["status"] == "uploaded" and media["kind"] == "video" and media["variants"] == []

    statuses = (await statuses_until_done(live, media["id"]))[media["id"]]
    assert [s["status"] for s in statuses] == ["processing", "ready"]
    ready = await uploader.request("GET", f"/api/media/{media['id']}")
    assert ready["status"] == "ready" and (ready["width"], ready["height"]) == (1280, 720)
    assert 2.5 <= ready["duration_s"] <= 3.5
    renditions = {v["name"]: v for v in ready["variants"]}
    assert set(renditions) == {"480p", "720p"}
    for name, height in (("480p", 480), ("720p", 720)):
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(await fetch(video_app, renditions[name]["url"]))
        probe = await ffprobe(path)
        video = next(s for s in probe["streams"] if s["codec_type"] == "video")
        audio = next(s for s in probe["streams"] if s["codec_type"] == "audio")
        assert (video["codec_name"], video["height"], audio["codec_name"]) == ("h264", height, "aac")
        assert moov_before_mdat(path), "not faststart: the moov atom must come before mdat"
    poster = ready["poster"]
    assert poster["blurhash"] == ready["blurhash"] and (poster["width"], poster["height"]) == (1280, 720)
    assert {v["name"] for v in poster["variants"]} == {"thumbnail", "medium", "large", "original"}
    await fetch(video_app, poster["variants"][0]["url"])
    assert not any("source" in name for name in stored_files(config))  # the upload itself is gone


async def test_a_small_video_is_not_upscaled(video_app, users, tmp_path):
    uploader = await users.new(video_app.server)
    source = tmp_path / "small.mp4"
    make_video(source, width=320, height=240, seconds=1, audio=False, container="mp4")
    [media] = await uploader.upload("message", [("small.mp4", source.read_bytes())])
    ready = await eventually(lambda: _ready(uploader, media["id"]), timeout=90)
    assert [(v["name"], v["height"]) for v in ready["variants"]] == [("240p", 240)]
    assert ready["is_private"] and "token=" in ready["variants"][0]["url"]


async def _ready(api, media_id: str):
    media = await api.request("GET", f"/api/media/{media_id}")
    return media if media["status"] in ("ready", "failed") else None


async def test_a_corrupt_video_fails_with_a_reason_and_the_worker_moves_on(video_app, config, users, tmp_path):
    uploader = await users.new(video_app.server)
    live = await uploader.live()
    damaged = tmp_path / "damaged.mp4"
    make_video(damaged, width=640, height=360, seconds=2, audio=True, container="mp4")
    break_stream(damaged)  # sound headers, undecodable frames
    good = tmp_path / "next.mp4"
    make_video(good, width=640, height=360, seconds=1, audio=True, container="mp4")
    broken = await uploader.upload("post", [("garbage.mp4", broken_mp4_bytes()), ("damaged.mp4", damaged.read_bytes())])
    [after] = await uploader.upload("post", [("next.mp4", good.read_bytes())])

    statuses = await statuses_until_done(live, *(media["id"] for media in broken))
    for media in broken:
        assert [s["status"] for s in statuses[media["id"]]] == ["processing", "failed"]
        assert statuses[media["id"]][-1]["failure"]["code"] == "video_corrupt"
        failed = await uploader.request("GET", f"/api/media/{media['id']}")
        assert failed["status"] == "failed" and failed["failure"]["reason"]
        assert failed["variants"] == [] and failed["poster"] is None
        assert not any(media["id"] in name for name in stored_files(config))
    assert (await eventually(lambda: _ready(uploader, after["id"]), timeout=90))["status"] == "ready"


async def test_videos_on_s3_are_transcoded_served_and_deleted(make_client, s3_config, users, tmp_path):
    app = await make_client(s3_config, worker_names=WORKERS)
    uploader = await users.new(app.server)
    source = tmp_path / "clip.mp4"
    make_video(source, width=854, height=480, seconds=1, audio=True, container="mp4")
    [media] = await uploader.upload("event", [("clip.mp4", source.read_bytes())])
    ready = await eventually(lambda: _ready(uploader, media["id"]), timeout=90)
    [rendition] = ready["variants"]
    assert rendition["name"] == "480p" and rendition["url"].startswith(s3_config.s3_endpoint)
    path = tmp_path / "480p.mp4"
    path.write_bytes(await fetch(app, rendition["url"]))
    video = next(s for s in (await ffprobe(path))["streams"] if s["codec_type"] == "video")
    assert (video["codec_name"], video["height"]) == ("h264", 480) and moov_before_mdat(path)
    storage = app.app[PLATFORM].storage
    keys = await _keys_of(app, media["id"])
    assert keys and all([await storage.exists(key) for key in keys])
    assert not any("source" in key for key in keys)
    await uploader.request("DELETE", f"/api/media/{media['id']}")
    assert not any([await storage.exists(key) for key in keys])


async def _keys_of(client, media_id: str) -> list[str]:
    async with client.app[PLATFORM].core.connection() as conn:
        row = await conn.fetchrow("SELECT variants, poster FROM media WHERE id = $1", uuid.UUID(media_id))
    return [v["key"] for v in row["variants"]] + [v["key"] for v in (row["poster"] or {}).get("variants", [])]


async def test_a_video_deleted_while_waiting_is_never_processed(make_client, config, users, tmp_path):
    app = await make_client(config, worker_names=("outbox-relay",))  # no media worker: the job waits
    uploader = await users.new(app.server)
    source = tmp_path / "clip.mp4"
    make_video(source, width=320, height=240, seconds=1, audio=False, container="mp4")
    [deleted] = await uploader.upload("post", [("clip.mp4", source.read_bytes())])
    assert len(stored_files(config)) == 1
    await uploader.request("DELETE", f"/api/media/{deleted['id']}")
    assert stored_files(config) == []

    worker_app = await make_client(config, worker_names=WORKERS)
    [later] = await users.on(worker_app.server, uploader).upload("post", [("again.mp4", source.read_bytes())])
    assert (await eventually(lambda: _ready(uploader, later["id"]), timeout=90))["status"] == "ready"
    async with worker_app.app[PLATFORM].core.connection() as conn:
        row = await conn.fetchrow("SELECT status, deleted_at FROM media WHERE id = $1", uuid.UUID(deleted["id"]))
    assert row["status"] == "uploaded" and row["deleted_at"] is not None
    assert not any(deleted["id"] in name for name in stored_files(config))

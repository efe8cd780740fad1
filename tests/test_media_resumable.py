"""Resumable uploads: a file in pieces over several requests, resumed after a dropped
connection, raced, refused early, cancelled and swept."""
from __future__ import annotations

import asyncio
import uuid

from nexgate.keys import PLATFORM
from tests.support.auth import signed_in_user
from tests.support.media import jpeg_bytes, make_video, truncated_jpeg_bytes
from tests.support.media_api import fetch, media_rows, stored_files


async def begin(client, user, *, size: int, purpose: str = "post", filename: str = "clip", expect: int = 201) -> dict:
    response = await client.post("/api/media/uploads", json={"purpose": purpose, "filename": filename, "size": size},
                                 headers=user["headers"])
    assert response.status == expect, await response.text()
    return await response.json()


async def send(client, user, upload_id: str, offset: int, piece: bytes, *, expect: int = 200) -> dict:
    response = await client.patch(f"/api/media/uploads/{upload_id}", params={"offset": offset}, data=piece,
                                  headers={**user["headers"], "Content-Type": "application/offset+octet-stream"})
    assert response.status == expect, await response.text()
    return await response.json()


async def where(client, user, upload_id: str, *, expect: int = 200) -> dict:
    response = await client.get(f"/api/media/uploads/{upload_id}", headers=user["headers"])
    assert response.status == expect, await response.text()
    return await response.json()


def parts_stored(config) -> list[str]:
    return [name for name in stored_files(config) if name.startswith("private/upload-parts/")]


async def test_a_photo_in_pieces_resumes_where_it_stands_and_becomes_a_media(client, config, signed_in):
    photo = jpeg_bytes(1000, 800)
    third = len(photo) // 3
    upload = await begin(client, signed_in, size=len(photo), filename="market.jpg")
    assert (upload["offset"], upload["completed"], upload["media"]) == (0, False, None)

    first = await send(client, signed_in, upload["id"], 0, photo[:third])
    assert first["offset"] == third
    # The connection dropped before the client heard back: it sends the first piece again.
    resent = await send(client, signed_in, upload["id"], 0, photo[:third], expect=409)
    assert resent["error"]["code"] == "offset_mismatch" and resent["error"]["details"]["offset"] == third
    assert (await where(client, signed_in, upload["id"]))["offset"] == third
    assert len(parts_stored(config)) == 1

    await send(client, signed_in, upload["id"], third, photo[third:2 * third])
    done = await send(client, signed_in, upload["id"], 2 * third, photo[2 * third:])
    assert done["completed"] and done["offset"] == len(photo)
    media = done["media"]
    assert media["status"] == "ready" and (media["width"], media["height"]) == (1000, 800)
    assert media["original_name"] == "market.jpg" and media["size_bytes"] == len(photo)
    await fetch(client, media["variants"][0]["url"])
    assert parts_stored(config) == []
    again = await send(client, signed_in, upload["id"], len(photo), b"")  # its answer was lost too
    assert again["media"]["id"] == media["id"] and await media_rows(client, signed_in) == 1


async def test_a_video_in_pieces_waits_for_the_worker(client, config, signed_in, tmp_path):
    path = tmp_path / "clip.mp4"
    make_video(path, width=320, height=240, seconds=1, audio=True, container="mp4")
    video = path.read_bytes()
    upload = await begin(client, signed_in, size=len(video), filename="clip.mp4")
    await send(client, signed_in, upload["id"], 0, video[:100])
    done = await send(client, signed_in, upload["id"], 100, video[100:])
    assert done["media"]["kind"] == "video" and done["media"]["status"] == "uploaded"
    assert [name for name in stored_files(config) if name.endswith("source.mp4")]


async def test_two_pieces_at_the_same_offset_at_once_store_one(client, config, signed_in):
    photo = jpeg_bytes(300, 200)
    upload = await begin(client, signed_in, size=len(photo))
    half = len(photo) // 2
    responses = await asyncio.gather(*(
        client.patch(f"/api/media/uploads/{upload['id']}", params={"offset": 0}, data=photo[:half],
                     headers=signed_in["headers"]) for _ in range(4)
    ))
    assert sorted(r.status for r in responses) == [200, 409, 409, 409]
    assert len(parts_stored(config)) == 1
    done = await send(client, signed_in, upload["id"], half, photo[half:])
    assert (done["media"]["width"], done["media"]["height"]) == (300, 200)


async def test_refusals_before_and_during_an_upload(client, config, signed_in):
    limit = config.media_max_video_bytes
    too_big = await begin(client, signed_in, size=limit + 1, expect=413)
    assert too_big["error"]["code"] == "file_too_large"
    assert (await begin(client, signed_in, size=0, expect=422))["error"]["details"]["fields"]["size"]

    text = b"minutes of the traders' meeting\n" * 100
    upload = await begin(client, signed_in, size=len(text))
    refused = await send(client, signed_in, upload["id"], 0, text, expect=415)
    assert refused["error"]["code"] == "unsupported_type"
    await where(client, signed_in, upload["id"], expect=404)  # dropped: it could never complete

    huge_image = await begin(client, signed_in, size=config.media_max_image_bytes + 1)
    photo = jpeg_bytes(64, 64)
    refused = await send(client, signed_in, huge_image["id"], 0, photo, expect=413)
    assert refused["error"]["code"] == "file_too_large"  # the declared size, judged as an image's

    photo = jpeg_bytes(200, 200)
    upload = await begin(client, signed_in, size=len(photo))
    past = await send(client, signed_in, upload["id"], 0, photo + b"extra", expect=413)
    assert past["error"]["code"] == "piece_past_end"
    short = await send(client, signed_in, upload["id"], 0, photo[:10], expect=422)
    assert short["error"]["code"] == "first_piece_too_short"
    assert (await where(client, signed_in, upload["id"]))["offset"] == 0
    assert parts_stored(config) == [] and await media_rows(client, signed_in) == 0

    stranger = await signed_in_user(client)
    await where(client, stranger, upload["id"], expect=404)
    await send(client, stranger, upload["id"], 0, photo, expect=404)
    assert (await client.delete(f"/api/media/uploads/{upload['id']}", headers=stranger["headers"])).status == 404
    await where(client, signed_in, str(uuid.uuid4()), expect=404)
    await where(client, signed_in, "nope", expect=404)


async def test_a_corrupt_file_is_refused_when_complete_and_leaves_nothing(client, config, signed_in):
    cut = truncated_jpeg_bytes()
    upload = await begin(client, signed_in, size=len(cut))
    await send(client, signed_in, upload["id"], 0, cut[:200])
    refused = await send(client, signed_in, upload["id"], 200, cut[200:], expect=422)
    assert refused["error"]["code"] == "image_corrupt"
    await where(client, signed_in, upload["id"], expect=404)
    assert stored_files(config) == [] and await media_rows(client, signed_in) == 0


async def test_cancelled_and_expired_uploads_leave_nothing(client, config, signed_in):
    photo = jpeg_bytes(400, 300)
    cancelled = await begin(client, signed_in, size=len(photo))
    await send(client, signed_in, cancelled["id"], 0, photo[:500])
    assert (await client.delete(f"/api/media/uploads/{cancelled['id']}", headers=signed_in["headers"])).status == 204
    await where(client, signed_in, cancelled["id"], expect=404)
    assert parts_stored(config) == []

    abandoned = await begin(client, signed_in, size=len(photo))
    await send(client, signed_in, abandoned["id"], 0, photo[:500])
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE media_uploads SET expires_at = now() - interval '1 second' WHERE id = $1",
                           uuid.UUID(abandoned["id"]))
    await where(client, signed_in, abandoned["id"], expect=404)
    await begin(client, signed_in, size=10)  # beginning another sweeps the expired
    assert parts_stored(config) == []
    async with client.app[PLATFORM].core.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media_uploads WHERE id = $1", uuid.UUID(abandoned["id"])) == 0


async def test_at_most_ten_unfinished_uploads(client, signed_in):
    for _ in range(10):
        await begin(client, signed_in, size=100)
    refused = await begin(client, signed_in, size=100, expect=409)
    assert refused["error"]["code"] == "too_many_uploads"

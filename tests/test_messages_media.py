"""Media in messages: your own uploads (purpose message) only, shown to the members through
short-lived signed URLs; anything else is refused and nothing is sent."""
from __future__ import annotations

import uuid

from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.media import broken_mp4_bytes, jpeg_bytes, png_bytes
from tests.support.media_api import fetch, get_url, upload
from tests.support.messages import count, direct, history, refused, send


def _as_user(api) -> dict:
    return {"headers": {"Authorization": f"Bearer {api.access_token}"}}


async def _uploaded(client, api, purpose: str = "message") -> dict:
    status, body = await upload(client, _as_user(api), purpose, [("picha.png", png_bytes(64, 48))])
    assert status == 201, body
    return body["media"][0]


async def test_a_photo_reaches_the_other_member_through_a_signed_url(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    photo = await _uploaded(client, amina)
    sent = await send(amina, conversation, "", media_ids=[photo["id"]])
    assert sent["type"] == "media" and [m["id"] for m in sent["media"]] == [photo["id"]]
    seen = (await history(baraka, conversation))["items"][0]["media"][0]
    assert seen["is_private"] is True and seen["urls_expire_at"] is not None and seen["blurhash"]
    assert len(await fetch(client, seen["variants"][0]["url"])) == seen["variants"][0]["bytes"]
    assert (await get_url(client, seen["variants"][0]["url"].split("?")[0]))[0] == 403
    with_caption = await send(amina, conversation, "Hii hapa", media_ids=[(await _uploaded(client, amina))["id"]])
    assert with_caption["type"] == "media" and with_caption["text"] == "Hii hapa"


async def test_attaching_someone_elses_media_is_refused_and_sends_nothing(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    theirs = await _uploaded(client, baraka)
    error = await refused(send(amina, conversation, "yangu?", media_ids=[theirs["id"]]), 404, "media_not_found")
    assert error.details["media_ids"] == [theirs["id"]]
    status, body = await upload(client, _as_user(amina), "avatar", [("uso.jpg", jpeg_bytes(200, 200))])
    await refused(send(amina, conversation, "", media_ids=[body["media"][0]["id"]]), 422, "media_purpose_mismatch")
    await refused(send(amina, conversation, "", media_ids=[str(uuid.uuid4())]), 404, "media_not_found")
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 0


async def test_media_not_ready_yet_or_failed_is_refused_and_sends_nothing(make_client, config, users):
    client = await make_client(config)  # no media worker here: a video stays as it was uploaded
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    [video] = await amina.upload("message", [("clip.mp4", broken_mp4_bytes())])
    assert video["status"] == "uploaded"
    error = await refused(send(amina, conversation, "", media_ids=[video["id"]]), 409, "media_not_ready")
    assert error.details["media_ids"] == [video["id"]]
    photo = await _uploaded(client, amina)
    async with client.app[PLATFORM].core.connection() as conn:  # as while the worker makes its variants
        await conn.execute("UPDATE media SET status = 'processing' WHERE id = $1", uuid.UUID(photo["id"]))
    await refused(send(amina, conversation, "", media_ids=[photo["id"]]), 409, "media_not_ready")
    await make_client(config, worker_names=("outbox-relay", "media"))  # takes the video, and cannot decode it
    failed = await eventually(lambda: _failed(amina, video["id"]), timeout=60)
    assert failed["failure"]["code"] == "video_corrupt"
    await refused(send(amina, conversation, "", media_ids=[video["id"]]), 409, "media_not_ready")
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 0


async def _failed(api, media_id: str) -> dict | None:
    media = await api.request("GET", f"/api/media/{media_id}")
    return media if media["status"] == "failed" else None


async def test_a_forward_carries_the_media_to_the_new_conversation(client, users):
    amina, baraka, chris = await users.new(client), await users.new(client), await users.new(client)
    first = await direct(amina, baraka)
    photo = await _uploaded(client, amina)
    original = await send(amina, first, "", media_ids=[photo["id"]])
    second = await direct(baraka, chris)
    await baraka.request("POST", f"/api/messages/{original['id']}/forward", json={"conversation_id": second["id"]})
    seen = (await history(chris, second))["items"][0]
    assert seen["forwarded"] is True and [m["id"] for m in seen["media"]] == [photo["id"]]

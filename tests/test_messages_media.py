"""Media in messages: your own uploads (purpose message) only, shown to the members through
short-lived signed URLs; anything else is refused and nothing is sent."""
from __future__ import annotations

import uuid

from tests.support.media import jpeg_bytes, png_bytes
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


async def test_a_forward_carries_the_media_to_the_new_conversation(client, users):
    amina, baraka, chris = await users.new(client), await users.new(client), await users.new(client)
    first = await direct(amina, baraka)
    photo = await _uploaded(client, amina)
    original = await send(amina, first, "", media_ids=[photo["id"]])
    second = await direct(baraka, chris)
    await baraka.request("POST", f"/api/messages/{original['id']}/forward", json={"conversation_id": second["id"]})
    seen = (await history(chris, second))["items"][0]
    assert seen["forwarded"] is True and [m["id"] for m in seen["media"]] == [photo["id"]]

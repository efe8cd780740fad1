"""Uploading images through the real app: typed by content, processed, stored, served; every
refusal names the file and leaves nothing stored."""
from __future__ import annotations

import dataclasses
import io
import uuid
from urllib.parse import urlsplit

import aiohttp
import pytest
from PIL import Image

from nexgate.keys import PLATFORM
from tests.support.auth import signed_in_user
from tests.support.media import jpeg_bytes, png_bomb_bytes, png_bytes, truncated_jpeg_bytes, webp_bytes
from tests.support.media_api import fetch, get_url, media_rows, noise_jpeg, stored_files, upload

IMAGE_VARIANTS = {(name, fmt) for name in ("thumbnail", "medium", "large", "original") for fmt in ("webp", "jpeg")}


async def test_a_photo_is_oriented_stripped_and_served_in_every_variant(client, signed_in):
    photo = jpeg_bytes(1600, 900, color=(200, 40, 40), exif_orientation=6, gps=True)
    status, body = await upload(client, signed_in, "post", [("holiday.jpg", photo)])
    assert status == 201, body
    [media] = body["media"]
    assert media["status"] == "ready" and media["kind"] == "image" and media["purpose"] == "post"
    assert (media["width"], media["height"]) == (900, 1600)  # orientation 6: turned upright
    assert media["original_name"] == "holiday.jpg" and media["is_private"] is False
    assert len(media["blurhash"]) >= 6 and media["urls_expire_at"] is None
    assert {(v["name"], v["format"]) for v in media["variants"]} == IMAGE_VARIANTS
    for variant in media["variants"]:
        content = await fetch(client, variant["url"])
        image = Image.open(io.BytesIO(content))
        assert image.size == (variant["width"], variant["height"]) and len(content) == variant["bytes"]
        assert not image.getexif() and "exif" not in image.info  # no GPS, no camera data
    sizes = {v["name"]: (v["width"], v["height"]) for v in media["variants"]}
    assert sizes["thumbnail"] == (150, 150) and sizes["medium"] == (338, 600) and sizes["large"] == (675, 1200)
    assert sizes["original"] == (900, 1600)
    read = await client.get(f"/api/media/{media['id']}", headers=signed_in["headers"])
    assert read.status == 200 and (await read.json())["variants"] == media["variants"]


async def test_many_files_in_one_request_each_get_their_own_media(client, signed_in):
    files = [("a.jpg", jpeg_bytes(640, 480)), ("b.png", png_bytes(300, 200, alpha=True)), ("c.webp", webp_bytes(120, 90))]
    status, body = await upload(client, signed_in, "product", files)
    assert status == 201, body
    assert [(m["width"], m["height"]) for m in body["media"]] == [(640, 480), (300, 200), (120, 90)]
    assert len({m["id"] for m in body["media"]}) == 3 and all(m["status"] == "ready" for m in body["media"])
    small = {(v["name"], v["format"]): v for v in body["media"][2]["variants"]}
    assert (small["large", "webp"]["width"], small["large", "webp"]["height"]) == (120, 90)  # never upscaled


@pytest.mark.parametrize(("filename", "content", "status", "code"), [
    ("notes.jpg", b"These are my shopping notes, not a photo.\n" * 10, 415, "unsupported_type"),
    ("bomb.png", png_bomb_bytes(50_000, 50_000), 422, "too_many_pixels"),
    ("cut.jpg", truncated_jpeg_bytes(), 422, "image_corrupt"),
    ("empty.jpg", b"", 422, "empty_file"),
])
async def test_a_bad_file_is_refused_by_name_and_nothing_is_stored(client, config, signed_in, filename,
                                                                 content, status, code):
    good = ("fine.jpg", jpeg_bytes(64, 64))
    answer, body = await upload(client, signed_in, "post", [good, (filename, content)])
    assert answer == status, body
    assert body["error"]["code"] == code
    assert body["error"]["details"]["file"] == 1 and body["error"]["details"]["filename"] == filename
    assert filename in body["error"]["message"]
    assert await media_rows(client, signed_in) == 0
    assert stored_files(config) == []  # not even the good file of the same request


async def test_an_oversized_file_is_refused_once_it_crosses_the_limit(make_client, config):
    config = dataclasses.replace(config, media_max_image_bytes=100_000)
    client = await make_client(config)
    user = await signed_in_user(client)
    noise = noise_jpeg(1200, 1200)
    assert len(noise) > 100_000
    status, body = await upload(client, user, "post", [("big.jpg", noise)])
    assert status == 413 and body["error"]["code"] == "file_too_large"
    assert body["error"]["details"]["max_bytes"] == 100_000
    assert stored_files(config) == [] and await media_rows(client, user) == 0


async def test_a_declared_body_larger_than_any_upload_is_refused_before_it_is_read(client, signed_in):
    limit = client.app[PLATFORM].config.media_max_video_bytes
    response = await client.post(
        "/api/media?purpose=post", data=b"x" * 1024,
        headers={**signed_in["headers"], "Content-Type": "multipart/form-data; boundary=b",
                 "Content-Length": str(limit * 20)},
        skip_auto_headers=("Content-Length",),
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "upload_too_large"


async def test_upload_refusals_for_the_request_itself(client, signed_in):
    jpeg = ("a.jpg", jpeg_bytes(32, 32))
    no_purpose = await upload(client, signed_in, None, [jpeg])
    assert no_purpose[0] == 422 and "purpose" in no_purpose[1]["error"]["details"]["fields"]
    wrong_purpose = await upload(client, signed_in, "wallpaper", [jpeg])
    assert wrong_purpose[0] == 422
    nothing = await client.post("/api/media?purpose=post", data=b"--b--\r\n", headers={
        **signed_in["headers"], "Content-Type": "multipart/form-data; boundary=b"})
    assert nothing.status == 422 and (await nothing.json())["error"]["code"] == "no_files"
    as_json = await client.post("/api/media?purpose=post", json={"file": "x"}, headers=signed_in["headers"])
    assert as_json.status == 415
    form = aiohttp.FormData()
    form.add_field("file", jpeg[1], filename=jpeg[0])
    anonymous = await client.post("/api/media?purpose=post", data=form)
    assert anonymous.status == 401
    too_many = [(f"{n}.jpg", jpeg_bytes(16, 16)) for n in range(11)]
    status, body = await upload(client, signed_in, "post", too_many)
    assert status == 413 and body["error"]["code"] == "too_many_files"
    assert await media_rows(client, signed_in) == 0


async def test_who_may_see_and_delete_a_media(client, config, signed_in):
    owner, stranger = signed_in, await signed_in_user(client)
    _, body = await upload(client, owner, "post", [("p.jpg", jpeg_bytes(200, 100))])
    media = body["media"][0]
    seen = await client.get(f"/api/media/{media['id']}", headers=stranger["headers"])
    assert seen.status == 200 and "original_name" not in await seen.json()
    refused = await client.delete(f"/api/media/{media['id']}", headers=stranger["headers"])
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "not_media_owner"
    assert len(stored_files(config)) == 8

    blocked = await client.post(f"/api/users/{stranger['user']['id']}/block", headers=owner["headers"])
    assert blocked.status in (200, 204)
    hidden = await client.get(f"/api/media/{media['id']}", headers=stranger["headers"])
    assert hidden.status == 404 and (await hidden.json())["error"]["code"] == "media_not_found"

    gone = await client.delete(f"/api/media/{media['id']}", headers=owner["headers"])
    assert gone.status == 204
    assert stored_files(config) == []
    assert (await client.get(f"/api/media/{media['id']}", headers=owner["headers"])).status == 404
    assert (await get_url(client, media["variants"][0]["url"]))[0] == 404
    again = await client.delete(f"/api/media/{media['id']}", headers=owner["headers"])
    assert again.status == 404
    for bad in ("not-a-uuid", str(uuid.uuid4())):
        assert (await client.get(f"/api/media/{bad}", headers=owner["headers"])).status == 404


async def test_message_media_is_private_and_reached_only_through_signed_urls(client, signed_in):
    _, body = await upload(client, signed_in, "message", [("secret.png", png_bytes(64, 48))])
    media = body["media"][0]
    assert media["is_private"] is True and media["urls_expire_at"] is not None
    url = media["variants"][0]["url"]
    assert "token=" in url
    assert len(await fetch(client, url)) == media["variants"][0]["bytes"]
    assert (await get_url(client, url.split("?")[0]))[0] == 403
    other = await upload(client, signed_in, "message", [("other.png", png_bytes(10, 10))])
    token = url.split("token=")[1]
    borrowed = other[1]["media"][0]["variants"][0]["url"].split("?")[0] + "?token=" + token
    assert (await get_url(client, borrowed))[0] == 403
    stranger = await signed_in_user(client)
    assert (await client.get(f"/api/media/{media['id']}", headers=stranger["headers"])).status == 404
    assert (await client.delete(f"/api/media/{media['id']}", headers=stranger["headers"])).status == 404


async def test_an_avatar_must_be_your_own_ready_image_uploaded_as_an_avatar(client, signed_in):
    me, other = signed_in, await signed_in_user(client)
    mine = (await upload(client, me, "avatar", [("me.jpg", jpeg_bytes(400, 400))]))[1]["media"][0]
    theirs = (await upload(client, other, "avatar", [("them.jpg", jpeg_bytes(400, 400))]))[1]["media"][0]
    a_post = (await upload(client, me, "post", [("post.jpg", jpeg_bytes(400, 400))]))[1]["media"][0]
    path = f"/api/users/{me['user']['id']}"

    async def set_avatar(media_id):
        response = await client.patch(path, json={"avatar_media_id": media_id}, headers=me["headers"])
        return response.status, await response.json()

    assert (await set_avatar(theirs["id"]))[1]["error"]["code"] == "media_not_owned"
    assert (await set_avatar(a_post["id"]))[1]["error"]["code"] == "media_purpose_mismatch"
    missing = await set_avatar(str(uuid.uuid4()))
    assert missing[0] == 404 and missing[1]["error"]["code"] == "media_not_found"
    assert "avatar_media_id" in missing[1]["error"]["details"]["fields"]
    profile = await client.get(path, headers=me["headers"])
    assert (await profile.json())["avatar_media_id"] is None
    status, body = await set_avatar(mine["id"])
    assert status == 200 and body["avatar_media_id"] == mine["id"]
    video_avatar = await upload(client, me, "avatar", [("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)])
    assert video_avatar[0] == 422 and video_avatar[1]["error"]["code"] == "video_not_allowed"


async def test_images_on_s3_are_stored_served_and_deleted(make_client, s3_config):
    client = await make_client(s3_config)
    owner = await signed_in_user(client)
    status, body = await upload(client, owner, "post", [("a.jpg", jpeg_bytes(800, 600))])
    assert status == 201, body
    public = body["media"][0]
    bucket_url = f"{s3_config.s3_endpoint}/{s3_config.s3_bucket}/public/post/{owner['user']['id']}/{public['id']}/"
    for variant in public["variants"]:
        assert variant["url"] == bucket_url + f"{variant['name']}.{variant['format']}"
        assert Image.open(io.BytesIO(await fetch(client, variant["url"]))).size == (variant["width"], variant["height"])
    _, body = await upload(client, owner, "message", [("dm.png", png_bytes(50, 40))])
    private = body["media"][0]
    signed = private["variants"][0]["url"]
    assert "/private/message/" in signed and "X-Amz-Signature=" in signed and "X-Amz-Expires=900" in signed
    assert len(await fetch(client, signed)) == private["variants"][0]["bytes"]

    storage = client.app[PLATFORM].storage
    keys = [urlsplit(v["url"]).path.split(f"/{s3_config.s3_bucket}/", 1)[1] for v in public["variants"]]
    assert all([await storage.exists(key) for key in keys])
    assert (await client.delete(f"/api/media/{public['id']}", headers=owner["headers"])).status == 204
    assert not any([await storage.exists(key) for key in keys])
    assert (await get_url(client, public["variants"][0]["url"]))[0] in (403, 404)


async def test_uploads_per_hour_are_limited_per_user(make_client, config):
    client = await make_client(dataclasses.replace(config, media_uploads_per_hour=2))
    owner, other = await signed_in_user(client), await signed_in_user(client)
    photo = [("a.jpg", jpeg_bytes(32, 32))]
    for _ in range(2):
        assert (await upload(client, owner, "post", photo))[0] == 201
    status, body = await upload(client, owner, "post", photo)
    assert status == 429 and body["error"]["code"] == "rate_limited" and body["error"]["details"]["retry_after"] > 0
    assert body["error"]["details"]["limit"] == "media.uploads"
    resumable = await client.post("/api/media/uploads", json={"purpose": "post", "size": 10}, headers=owner["headers"])
    assert resumable.status == 429
    assert (await upload(client, other, "post", photo))[0] == 201
    assert await media_rows(client, owner) == 2

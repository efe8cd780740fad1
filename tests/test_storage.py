"""Media storage: the same contract for the local backend (served by the real app at /media)
and the S3 backend (over HTTP against moto's server), signed URLs, and start-up."""
from __future__ import annotations

import base64
import dataclasses
import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from minio import Minio

from nexgate.config import Config, ConfigError
from nexgate.domain.auth.tokens import ISSUER
from nexgate.keys import KEYRING, STORAGE
from nexgate.storage import (
    PUBLIC_CACHE_CONTROL, URL_AUDIENCE, InvalidKey, LocalStorage, MissingObject, S3Storage, create_storage,
    object_key, public_read_policy, validate_key,
)
from tests import cli

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
VIDEO = bytes(range(256)) * 64


@dataclasses.dataclass
class Media:
    """The app under test, its storage, and how to fetch a URL the storage gave as a client would."""

    client: object
    config: object
    http: aiohttp.ClientSession

    @property
    def storage(self):
        return self.client.app[STORAGE]

    async def fetch(self, url: str, **headers: str) -> tuple[int, dict, bytes]:
        if url.startswith(self.config.public_url + "/"):  # the app's own /media: through the test client
            response = await self.client.get(url.removeprefix(self.config.public_url), headers=headers)
        else:
            response = await self.http.get(url, headers=headers)
        async with response:
            return response.status, dict(response.headers), await response.read()


@pytest.fixture(params=["local", "s3"])
async def media(request, make_client, config):
    chosen = request.getfixturevalue("s3_config") if request.param == "s3" else config
    async with aiohttp.ClientSession() as http:
        yield Media(await make_client(chosen), chosen, http)


@pytest.fixture
async def local(make_client, config):
    async with aiohttp.ClientSession() as http:
        yield Media(await make_client(config), config, http)


def key(*, private: bool = False, filename: str = "large.jpg", purpose: str = "post") -> str:
    return object_key(private=private, purpose=purpose, owner_id=uuid.uuid4(), media_id=uuid.uuid4(), filename=filename)


async def stored(media: Media, tmp_path, data: bytes = JPEG, **options) -> str:
    name = key(**options)
    source = tmp_path / f"source-{uuid.uuid4().hex}"
    source.write_bytes(data)
    await media.storage.put_file(name, source, "image/jpeg" if name.endswith(".jpg") else "video/mp4")
    return name


# The contract, on both backends


async def test_put_get_exists_delete_round_trip(media, tmp_path):
    name = await stored(media, tmp_path)
    assert await media.storage.exists(name)
    await media.storage.get_file(name, tmp_path / "copy" / "original.jpg")
    assert (tmp_path / "copy" / "original.jpg").read_bytes() == JPEG

    await media.storage.delete([name])
    assert not await media.storage.exists(name)
    with pytest.raises(MissingObject):
        await media.storage.get_file(name, tmp_path / "gone.jpg")
    assert not (tmp_path / "gone.jpg").exists()


async def test_put_replaces_and_delete_is_idempotent(media, tmp_path):
    name = await stored(media, tmp_path)
    replacement = tmp_path / "replacement"
    replacement.write_bytes(b"second version")
    await media.storage.put_file(name, replacement, "image/jpeg")
    await media.storage.get_file(name, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"second version"

    never_stored = key()
    await media.storage.delete([name, never_stored])
    await media.storage.delete([name, never_stored])
    await media.storage.delete([])
    assert not await media.storage.exists(name)


@pytest.mark.parametrize(
    "bad",
    ["public/../etc/passwd", "/public/post/a.jpg", "public//a.jpg", "public/post/.hidden", "public/post/a b.jpg",
     "elsewhere/post/a.jpg", "public", "public/post/ü.jpg", "public/post/a.jpg/", "private/post/a\\b.jpg"],
)
async def test_unsafe_keys_are_refused_by_every_operation(media, tmp_path, bad):
    source = tmp_path / "source"
    source.write_bytes(JPEG)
    with pytest.raises(InvalidKey):
        await media.storage.put_file(bad, source, "image/jpeg")
    for operation in (media.storage.exists(bad), media.storage.delete([bad]), media.storage.url(bad),
                      media.storage.get_file(bad, tmp_path / "out")):
        with pytest.raises(InvalidKey):
            await operation


async def test_public_url_serves_the_bytes_to_anyone_with_long_caching(media, tmp_path):
    name = await stored(media, tmp_path)
    url = await media.storage.url(name)
    assert url.endswith("/" + name) and "?" not in url
    status, headers, body = await media.fetch(url)
    assert (status, body) == (200, JPEG)
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == PUBLIC_CACHE_CONTROL


async def test_private_url_works_within_its_ttl_and_the_plain_address_does_not(media, tmp_path):
    name = await stored(media, tmp_path, private=True)
    url = await media.storage.url(name)
    status, headers, body = await media.fetch(url)
    assert (status, body) == (200, JPEG)
    assert headers["Cache-Control"].startswith("private, max-age=")
    assert 0 < int(headers["Cache-Control"].rsplit("=", 1)[1]) <= media.config.media_url_ttl_s

    status, _, body = await media.fetch(url.split("?", 1)[0])
    assert status == 403 and JPEG not in body


async def test_range_request_answers_206_with_the_part(media, tmp_path):
    name = await stored(media, tmp_path, VIDEO, filename="720.mp4")
    status, headers, body = await media.fetch(await media.storage.url(name), Range="bytes=100-199")
    assert (status, body) == (206, VIDEO[100:200])
    assert headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert headers["Content-Type"] == "video/mp4"


async def test_privacy_follows_the_key_and_a_contradicting_request_is_refused(media):
    with pytest.raises(InvalidKey, match="is public"):
        await media.storage.url(key(), private=True)
    with pytest.raises(InvalidKey, match="is private"):
        await media.storage.url(key(private=True), private=False)
    assert "?" in await media.storage.url(key(private=True), private=True)


async def test_a_configured_public_base_url_fronts_public_media_only(media):
    cdn = dataclasses.replace(media.config, media_public_url="https://cdn.example.co.tz/m/")
    storage = create_storage(cdn, media.client.app[KEYRING])
    try:
        public, private = key(), key(private=True)
        assert await storage.url(public) == f"https://cdn.example.co.tz/m/{public}"
        assert not (await storage.url(private)).startswith("https://cdn.example.co.tz")
    finally:
        await storage.close()


async def test_health_reports_the_storage(media):
    response = await media.client.get("/health/ready")
    assert response.status == 200
    assert (await response.json())["checks"]["storage"] == {"ok": True, "error": None}


# Keys


def test_object_key_layout():
    owner, item = uuid.uuid4(), uuid.uuid4()
    assert object_key(private=False, purpose="avatar", owner_id=owner, media_id=item, filename="thumb.webp") == (
        f"public/avatar/{owner}/{item}/thumb.webp"
    )
    assert object_key(private=True, purpose="message", owner_id=owner, media_id=item, filename="original.mov") == (
        f"private/message/{owner}/{item}/original.mov"
    )
    for bad in ({"purpose": "../x"}, {"filename": ""}, {"filename": "../../x.jpg"}, {"filename": "a/b.jpg"},
                {"purpose": "post pic"}):
        with pytest.raises(InvalidKey):
            object_key(**{"private": False, "purpose": "post", "owner_id": owner, "media_id": item,
                          "filename": "a.jpg", **bad})
    with pytest.raises(InvalidKey):
        validate_key("public/" + "a/" * 600 + "b.jpg")


# The local backend's signed URLs and files


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def _media_path(url: str) -> str:
    return urlsplit(url).path


async def _sign(local: Media, claims: dict) -> str:
    return await local.client.app[KEYRING].sign({"iss": ISSUER, "aud": URL_AUDIENCE, **claims})


async def _refusal(local: Media, path: str, token: str | None) -> tuple[int, dict]:
    response = await local.client.get(path, params={} if token is None else {"token": token})
    return response.status, (await response.json())["error"]


async def test_local_private_url_is_refused_when_expired(local, tmp_path):
    name = await stored(local, tmp_path, private=True)
    expired = await _sign(local, {"sub": name, "exp": int(time.time()) - 5})
    status, error = await _refusal(local, f"/media/{name}", expired)
    assert (status, error["code"]) == (403, "signature_expired")
    assert "expired" in error["message"]


async def test_local_token_for_another_file_is_refused(local, tmp_path):
    mine = await stored(local, tmp_path, private=True)
    theirs = await stored(local, tmp_path, private=True)
    token = _token(await local.storage.url(mine))
    status, error = await _refusal(local, f"/media/{theirs}", token)
    assert (status, error["code"]) == (403, "signature_invalid")
    assert "another file" in error["message"]


async def test_local_tampered_missing_or_foreign_tokens_are_refused(local, tmp_path):
    mine = await stored(local, tmp_path, private=True)
    theirs = await stored(local, tmp_path, private=True)
    header, payload, signature = _token(await local.storage.url(mine)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": theirs}).encode()).rstrip(b"=").decode()
    access_like = await local.client.app[KEYRING].sign(
        {"iss": ISSUER, "aud": "nexgate:access", "sub": theirs, "exp": int(time.time()) + 60}
    )
    for token in (f"{header}.{forged}.{signature}", "not-a-token", access_like, None, ""):
        status, error = await _refusal(local, f"/media/{theirs}", token)
        assert (status, error["code"]) == (403, "signature_invalid"), token
        assert error["message"]


async def test_local_missing_file_is_404_once_the_signature_holds(local, tmp_path):
    public_missing, private_missing = key(), key(private=True)
    assert (await local.client.get(f"/media/{public_missing}")).status == 404
    url = await local.storage.url(private_missing)
    assert (await local.client.get(_media_path(url), params={"token": _token(url)})).status == 404
    assert (await local.client.get(f"/media/{private_missing}")).status == 403
    for address in ("/media/elsewhere/a.jpg", "/media/public/%2e%2e/%2e%2e/etc/passwd", "/media/public/post/.part-x"):
        assert (await local.client.get(address)).status == 404, address


async def test_local_files_are_served_safely_and_written_atomically(local, tmp_path):
    name = await stored(local, tmp_path, data=b"<html><script>alert(1)</script>", filename="large.webp")
    status, headers, _ = await local.fetch(await local.storage.url(name))
    assert status == 200
    assert headers["Content-Type"] == "image/webp" and headers["X-Content-Type-Options"] == "nosniff"

    root = local.storage.root
    assert [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()] == [name]
    await local.storage.delete([name])
    assert list(root.iterdir()) == []  # emptied directories go with the last file


async def test_local_storage_without_a_keyring_cannot_sign(tmp_path):
    storage = LocalStorage(tmp_path, app_url="http://localhost:8080", public_base="", keyring=None, url_ttl_s=60)
    assert await storage.url("public/post/a/b/c.jpg") == "http://localhost:8080/media/public/post/a/b/c.jpg"
    with pytest.raises(RuntimeError, match="cannot sign"):
        await storage.url("private/message/a/b/c.jpg")


# The S3 backend against moto, and start-up


def test_s3_endpoints_are_checked_when_read():
    config = Config.from_env({"NEXGATE_S3_ENDPOINT": "http://minio:9000/", "NEXGATE_S3_PUBLIC_ENDPOINT": ""})
    assert (config.s3_endpoint, config.s3_public_endpoint) == ("http://minio:9000", "")
    with pytest.raises(ConfigError, match="NEXGATE_S3_ENDPOINT='http://minio:9000/media' is invalid: must be"):
        Config.from_env({"NEXGATE_S3_ENDPOINT": "http://minio:9000/media"})
    with pytest.raises(ConfigError, match="NEXGATE_S3_PUBLIC_ENDPOINT"):
        Config.from_env({"NEXGATE_S3_PUBLIC_ENDPOINT": "localhost:9000"})


async def test_s3_bucket_is_made_at_start_up_with_anonymous_reads_of_public_only(make_client, s3_config, s3_server):
    client = await make_client(s3_config)
    assert isinstance(client.app[STORAGE], S3Storage)
    admin = Minio(urlsplit(s3_server).netloc, access_key="a", secret_key="b", secure=False, region="us-east-1")
    assert admin.bucket_exists(s3_config.s3_bucket)
    assert json.loads(admin.get_bucket_policy(s3_config.s3_bucket)) == public_read_policy(s3_config.s3_bucket)
    response = await client.get(f"/media/{key()}")
    assert response.status == 404  # the app serves only the local store


async def test_s3_storage_gone_makes_the_server_unready(make_client, s3_config, s3_server):
    client = await make_client(s3_config)
    admin = Minio(urlsplit(s3_server).netloc, access_key="a", secret_key="b", secure=False, region="us-east-1")
    admin.remove_bucket(s3_config.s3_bucket)
    response = await client.get("/health/ready")
    assert response.status == 503
    check = (await response.json())["checks"]["storage"]
    assert check["ok"] is False and s3_config.s3_bucket in check["error"]


async def test_s3_endpoint_down_at_start_up_is_one_line_naming_it(s3_config):
    code, out, err = await cli.run(
        s3_config, "serve", "--port", "0", "--workers", "none", NEXGATE_S3_ENDPOINT="http://127.0.0.1:1"
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"S3 storage at http://127.0.0.1:1 bucket {s3_config.s3_bucket} is unreachable" in lines[0]

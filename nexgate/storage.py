"""Media storage: one interface, two backends (DESIGN §2, §9).

``S3Storage`` keeps objects in an S3 bucket (MinIO in docker-compose and production);
``LocalStorage`` keeps them under a directory that the app serves itself at ``/media``
(the embedded default on a machine without MinIO). Every object has a key from
``object_key``: ``public/<purpose>/<owner>/<media>/<file>`` or ``private/...``. Public
objects get plain, cacheable URLs (a CDN may sit in front of them); private ones (message
attachments) only short-lived signed URLs.
"""
from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from .config import Config
from .domain.auth.keys import Keyring
from .domain.auth.tokens import ISSUER
from .errors import Forbidden

PUBLIC = "public"
PRIVATE = "private"
URL_AUDIENCE = "nexgate:media"
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
MAX_KEY_LENGTH = 1024
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}")
_MISSING_CODES = {"NoSuchKey", "NotFound"}
_RACED_BUCKET_CODES = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}
CONTENT_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
    ".mp4": "video/mp4", ".mov": "video/quicktime", ".m4s": "video/iso.segment", ".ts": "video/mp2t",
    ".m3u8": "application/vnd.apple.mpegurl", ".json": "application/json",
}


class InvalidKey(ValueError):
    """A key outside the layout: not under public/ or private/, with ``..``, or unsafe characters."""


class MissingObject(LookupError):
    """No object is stored under the key."""


def validate_key(key: str) -> str:
    """The key itself if it is safe to use as an object name and a relative file path."""
    segments = key.split("/")
    if len(key) > MAX_KEY_LENGTH or segments[0] not in (PUBLIC, PRIVATE) or len(segments) < 2:
        raise InvalidKey(f"media key must be public/... or private/... under {MAX_KEY_LENGTH} characters: {key!r}")
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise InvalidKey(f"media key segment {segment!r} must be letters, digits, '.', '_' or '-' (no leading dot)")
    return key


def object_key(*, private: bool, purpose: str, owner_id: uuid.UUID | str, media_id: uuid.UUID | str, filename: str) -> str:
    """Where a media file is stored: ``<public|private>/<purpose>/<owner_id>/<media_id>/<filename>``."""
    parts = [purpose, str(owner_id), str(media_id), filename]
    for part in parts:
        if not _SEGMENT.fullmatch(part):
            raise InvalidKey(f"media key part {part!r} must be letters, digits, '.', '_' or '-' (no '/', no leading dot)")
    return validate_key("/".join([PRIVATE if private else PUBLIC, *parts]))


def is_private(key: str) -> bool:
    return validate_key(key).startswith(PRIVATE + "/")


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(key)[1].lower(), "application/octet-stream")


def _check_privacy(key: str, private: bool | None) -> bool:
    actual = is_private(key)
    if private is not None and private != actual:
        raise InvalidKey(f"media key {key!r} is {'private' if actual else 'public'}, not as asked")
    return actual


class Storage(abc.ABC):
    """What the media area stores files through; keys come from ``object_key``."""

    where: str  # names the store in start-up errors and health: "S3 storage at ... bucket ..."

    @abc.abstractmethod
    async def prepare(self) -> None:
        """Create the bucket or directory if missing (at start-up; safe to repeat)."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the store cannot be used now (health checks)."""

    @abc.abstractmethod
    async def put_file(self, key: str, path: str | os.PathLike, content_type: str) -> None:
        """Store the file at ``path`` under ``key``, replacing what was there, all at once."""

    @abc.abstractmethod
    async def get_file(self, key: str, path: str | os.PathLike) -> None:
        """Download the object to ``path`` (written whole or not at all); ``MissingObject`` if absent."""

    @abc.abstractmethod
    async def delete(self, keys: Iterable[str]) -> None:
        """Remove the objects; keys already gone are fine."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    async def url(self, key: str, *, private: bool | None = None) -> str:
        """A public key's plain URL, or a private key's signed URL valid for the configured ttl.

        Privacy follows the key's prefix; ``private``, when given, must agree with it.
        """

    async def close(self) -> None:
        """Release connections (the local store holds none)."""


class LocalStorage(Storage):
    """Files under a directory, served by the app at ``{app_url}/media/{key}``.

    Private URLs carry ``?token=<JWT>`` signed by the keyring (audience ``nexgate:media``,
    subject the key, ``exp`` the ttl), so any server process verifies them and a URL for one
    file opens no other. The keyring may be None only where no URL is made (``nexgate check``).
    """

    def __init__(self, root: str | os.PathLike, *, app_url: str, public_base: str, keyring: Keyring | None, url_ttl_s: int):
        self.root = Path(root).resolve()
        self.app_url = app_url.rstrip("/")
        self.public_base = (public_base or f"{self.app_url}/media").rstrip("/")
        self.keyring = keyring
        self.url_ttl_s = url_ttl_s
        self.where = f"local media storage in {self.root}"

    def path(self, key: str) -> Path:
        return self.root / validate_key(key)

    async def prepare(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        await self.ping()

    async def ping(self) -> None:
        await asyncio.to_thread(_check_writable, self.root)

    async def put_file(self, key: str, path: str | os.PathLike, content_type: str) -> None:
        """Hard-linked when ``path`` is on the same file system (so it must not be rewritten in place), else copied."""
        await asyncio.to_thread(_place, Path(path), self.path(key), link=True)

    async def get_file(self, key: str, path: str | os.PathLike) -> None:
        source = self.path(key)
        try:
            await asyncio.to_thread(_place, source, Path(path), link=False)
        except FileNotFoundError:
            if not await self.exists(key):
                raise MissingObject(key) from None
            raise

    async def delete(self, keys: Iterable[str]) -> None:
        paths = [self.path(key) for key in keys]
        await asyncio.to_thread(_remove_files, paths, self.root)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def url(self, key: str, *, private: bool | None = None) -> str:
        if not _check_privacy(key, private):
            return f"{self.public_base}/{key}"
        return f"{self.app_url}/media/{key}?token={await self._sign(key)}"

    async def _sign(self, key: str) -> str:
        if self.keyring is None:
            raise RuntimeError("this local storage has no keyring, so it cannot sign URLs")
        expires = int(time.time()) + self.url_ttl_s
        return await self.keyring.sign({"iss": ISSUER, "aud": URL_AUDIENCE, "sub": key, "exp": expires})

    async def verify(self, key: str, token: str | None) -> float:
        """Seconds a private key's URL stays valid; ``Forbidden`` unless ``token`` was signed for exactly ``key``."""
        if not token:
            raise Forbidden("This file is private: open it through the signed URL the API gives", code="signature_invalid")
        if self.keyring is None:
            raise RuntimeError("this local storage has no keyring, so it cannot verify URLs")
        try:
            claims = await self.keyring.verify(token, audience=URL_AUDIENCE, issuer=ISSUER, required=["exp", "sub"])
        except jwt.ExpiredSignatureError:
            raise Forbidden("This signed URL has expired; ask the API for a new one", code="signature_expired") from None
        except jwt.InvalidTokenError:
            raise Forbidden("This signed URL is not valid", code="signature_invalid") from None
        if claims["sub"] != key:
            raise Forbidden("This signed URL was made for another file", code="signature_invalid")
        return max(0.0, claims["exp"] - time.time())


def _check_writable(root: Path) -> None:
    """The directory (or, before ``prepare``, its nearest existing parent) takes new files."""
    existing = root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(f"{existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"{existing} is not writable")


def _place(source: Path, target: Path, *, link: bool) -> None:
    """``target`` becomes a copy (or hard link) of ``source`` in one step: a temporary name, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".part-{uuid.uuid4().hex}"
    try:
        _link_or_copy(source, temporary, link=link)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _link_or_copy(source: Path, temporary: Path, *, link: bool) -> None:
    if link:
        try:
            os.link(source, temporary)
            return
        except FileNotFoundError:
            raise
        except OSError:  # another file system, or links not allowed: copy instead
            pass
    shutil.copyfile(source, temporary)


def _remove_files(paths: list[Path], root: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _prune_empty_parents(path.parent, root)


def _prune_empty_parents(directory: Path, root: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:  # not empty (or gone already)
            return
        directory = directory.parent


class S3Storage(Storage):
    """One bucket over the S3 API. The design card chose ``minio``: a small S3 client that
    MinIO maintains and that speaks to any S3 service. It is synchronous and thread-safe,
    so every call runs in a worker thread, never on the event loop.

    ``public_endpoint`` is where clients reach the S3 API when it differs from where the
    server does (docker-compose: ``minio:9000`` inside, ``localhost:9000`` outside);
    presigned URLs are made for it, offline, since the region is known.
    """

    def __init__(self, *, endpoint: str, access_key: str, secret_key: str, bucket: str, region: str,
                 public_endpoint: str = "", public_base: str = "", url_ttl_s: int = 900):
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.url_ttl_s = url_ttl_s
        public_endpoint = (public_endpoint or endpoint).rstrip("/")
        self.public_base = (public_base or f"{public_endpoint}/{bucket}").rstrip("/")
        credentials = {"access_key": access_key, "secret_key": secret_key, "region": region}
        self._http = _http_client()
        self.client = Minio(**_endpoint_options(self.endpoint), **credentials, http_client=self._http)
        self.signer = Minio(**_endpoint_options(public_endpoint), **credentials)
        self.where = f"S3 storage at {self.endpoint} bucket {bucket}"

    async def prepare(self) -> None:
        await asyncio.to_thread(self._prepare)

    def _prepare(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as error:  # another process made it first
                if error.code not in _RACED_BUCKET_CODES:
                    raise
        self.client.set_bucket_policy(self.bucket, json.dumps(public_read_policy(self.bucket)))

    async def ping(self) -> None:
        if not await asyncio.to_thread(self.client.bucket_exists, self.bucket):
            raise RuntimeError(f"bucket {self.bucket} does not exist (the server creates it at start-up)")

    async def put_file(self, key: str, path: str | os.PathLike, content_type: str) -> None:
        metadata: dict[str, Any] = {"Cache-Control": self._cache_control(key)}
        await asyncio.to_thread(
            self.client.fput_object, self.bucket, validate_key(key), os.fspath(path), content_type=content_type, metadata=metadata,
        )

    def _cache_control(self, key: str) -> str:
        return f"private, max-age={self.url_ttl_s}" if is_private(key) else PUBLIC_CACHE_CONTROL

    async def get_file(self, key: str, path: str | os.PathLike) -> None:
        try:
            await asyncio.to_thread(self.client.fget_object, self.bucket, validate_key(key), os.fspath(path))
        except S3Error as error:
            if error.code in _MISSING_CODES:
                raise MissingObject(key) from None
            raise

    async def delete(self, keys: Iterable[str]) -> None:
        objects = [DeleteObject(validate_key(key)) for key in keys]
        if objects:
            await asyncio.to_thread(self._delete, objects)

    def _delete(self, objects: list[DeleteObject]) -> None:
        errors = [error for error in self.client.remove_objects(self.bucket, objects) if error.code not in _MISSING_CODES]
        if errors:
            raise RuntimeError(f"S3 refused to delete {len(errors)} object(s), first {errors[0].name}: {errors[0].message}")

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(self.client.stat_object, self.bucket, validate_key(key))
        except S3Error as error:
            if error.code in _MISSING_CODES:
                return False
            raise
        return True

    async def url(self, key: str, *, private: bool | None = None) -> str:
        if not _check_privacy(key, private):
            return f"{self.public_base}/{key}"
        expires = datetime.timedelta(seconds=self.url_ttl_s)
        return self.signer.presigned_get_object(self.bucket, key, expires=expires)

    async def close(self) -> None:
        self._http.clear()


def public_read_policy(bucket: str) -> dict[str, Any]:
    """Anyone may read objects under ``public/``; everything else needs credentials or a presigned URL."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/{PUBLIC}/*"],
            }
        ],
    }


def _endpoint_options(endpoint: str) -> dict[str, Any]:
    parts = urlsplit(endpoint)
    if parts.path not in ("", "/") or not parts.netloc:
        raise ValueError(f"S3 endpoint must be scheme://host[:port] with no path: {endpoint}")
    return {"endpoint": parts.netloc, "secure": parts.scheme == "https"}


def _http_client() -> urllib3.PoolManager:
    # minio's default waits 5 minutes to connect and retries 5 times: a start-up or health
    # check against a dead endpoint fails at once instead (the caller decides about retrying),
    # while a busy S3 service (5xx) is still retried.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=120),
        maxsize=32,
        retries=urllib3.Retry(total=2, connect=0, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


def create_storage(config: Config, keyring: Keyring | None) -> Storage:
    """The backend ``NEXGATE_MEDIA_STORAGE`` names, not yet prepared."""
    if config.media_storage == "s3":
        return S3Storage(
            endpoint=config.s3_endpoint, access_key=config.s3_access_key, secret_key=config.s3_secret_key,
            bucket=config.s3_bucket, region=config.s3_region, public_endpoint=config.s3_public_endpoint,
            public_base=config.media_public_url, url_ttl_s=config.media_url_ttl_s,
        )
    return LocalStorage(
        config.media_local_dir, app_url=config.public_url, public_base=config.media_public_url,
        keyring=keyring, url_ttl_s=config.media_url_ttl_s,
    )

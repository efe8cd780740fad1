"""The media area's request and response schemas (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.media.library import not_found
from ...domain.media.resumable import not_found as upload_not_found
from ...domain.media.purposes import PURPOSES
from ..routing import PathId


class UploadQuerySchema(ma.Schema):
    purpose = ma.fields.String(
        required=True, validate=ma.validate.OneOf(PURPOSES),
        metadata={"description": "What the media is for; message media is private (signed URLs only)"},
    )


class VariantSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={
        "description": "thumbnail (150×150, cropped), medium (600), large (1200), original; a video's 480p, 720p"})
    format = ma.fields.String(required=True, metadata={"enum": ["webp", "jpeg", "mp4"]})
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    bytes = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True, metadata={"description": "Public media: a cacheable URL; private: signed, short-lived"})


class PosterSchema(ma.Schema):
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    blurhash = ma.fields.String(required=True)
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), required=True)


class FailureSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "video_corrupt"})
    reason = ma.fields.String(required=True)


class MediaSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    owner_id = ma.fields.UUID(required=True)
    purpose = ma.fields.String(required=True, metadata={"enum": list(PURPOSES)})
    kind = ma.fields.String(required=True, metadata={"enum": ["image", "video"]})
    status = ma.fields.String(required=True, metadata={"enum": ["uploaded", "processing", "ready", "failed"]})
    is_private = ma.fields.Boolean(required=True)
    size_bytes = ma.fields.Integer(required=True, metadata={"description": "Size of the file as uploaded"})
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    duration_s = ma.fields.Float(allow_none=True)
    blurhash = ma.fields.String(allow_none=True, metadata={"description": "An image's, or a video's poster frame's"})
    failure = ma.fields.Nested(FailureSchema, allow_none=True)
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), required=True)
    poster = ma.fields.Nested(PosterSchema, allow_none=True)
    urls_expire_at = ma.fields.DateTime(allow_none=True, metadata={"description": "When private media's URLs stop working"})
    original_name = ma.fields.String(allow_none=True, metadata={"description": "The uploaded file's name; owner only"})
    created_at = ma.fields.DateTime(required=True)
    processed_at = ma.fields.DateTime(allow_none=True)


class MediaListSchema(ma.Schema):
    media = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)


class BeginUploadSchema(ma.Schema):
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf(PURPOSES))
    filename = ma.fields.String(load_default=None, validate=ma.validate.Length(max=255))
    size = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1),
                             metadata={"description": "The whole file's size in bytes"})


class PieceQuerySchema(ma.Schema):
    offset = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0),
                               metadata={"description": "Where this piece starts: the upload's current offset"})


class UploadSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    purpose = ma.fields.String(required=True)
    filename = ma.fields.String(allow_none=True)
    size_bytes = ma.fields.Integer(required=True)
    offset = ma.fields.Integer(required=True, metadata={"description": "Bytes received so far: where the next piece starts"})
    completed = ma.fields.Boolean(required=True)
    expires_at = ma.fields.DateTime(required=True)
    media = ma.fields.Nested(MediaSchema, allow_none=True, metadata={"description": "Once the last byte arrived"})


PIECE_BODY = {
    "required": True,
    "content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
UPLOAD_BODY = {
    "required": True,
    "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": {
            "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                     "description": "One part per file (any part name): JPEG, PNG, WebP, MP4 or MOV"},
        }},
    }},
}


MEDIA_ID = PathId("media_id", not_found)
UPLOAD_ID = PathId("upload_id", upload_not_found)

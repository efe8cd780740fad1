"""Request and response schemas of the direct-message routes and WebSocket frames."""
from __future__ import annotations

import marshmallow as ma

from ...domain.messages import access
from ...domain.messages.conversations import MAX_GROUP_MEMBERS
from ...domain.messages.sending import MAX_TEXT
from ...errors import NotFound
from ...pagination import PageQuery, page_schema
from ...validation import Name, Text
from ..media.schemas import MediaSchema
from ..routing import PathId

_CLIENT_ID = ma.fields.String(validate=ma.validate.Length(1, 64), metadata={
    "description": "Your own id for this message (a UUID is a good choice): sending again with the same one "
                   "returns the stored message instead of sending a second"})


class ConversationCreateSchema(ma.Schema):
    type = ma.fields.String(load_default="direct", validate=ma.validate.OneOf(("direct", "group")))
    user_ids = ma.fields.List(ma.fields.UUID(), required=True,
                              validate=ma.validate.Length(1, MAX_GROUP_MEMBERS - 1), metadata={
                                  "description": "direct: the one other user; group: the members besides you"})
    name = Name(validate=ma.validate.Length(1, 100), metadata={"description": "A group's name (required)"})

    @ma.validates_schema(skip_on_field_errors=False)
    def _shape(self, data, **kwargs):
        if data.get("type") == "direct" and len(data.get("user_ids", ())) != 1:
            raise ma.ValidationError("A direct conversation has exactly one other user.", "user_ids")
        if data.get("type") == "direct" and "name" in data:
            raise ma.ValidationError("Only groups have a name.", "name")
        if data.get("type") == "group" and not data.get("name"):
            raise ma.ValidationError("A group needs a name.", "name")


class GroupUpdateSchema(ma.Schema):
    name = Name(required=True, validate=ma.validate.Length(1, 100))


class MembersAddSchema(ma.Schema):
    user_ids = ma.fields.List(ma.fields.UUID(), required=True, validate=ma.validate.Length(1, MAX_GROUP_MEMBERS - 1))


class PriceSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0), metadata={
        "description": "Minor units of the currency"})
    currency = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Z]{3}$"), metadata={
        "example": "TZS", "description": "ISO 4217 code"})


class ShopRefSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 100))


class ProductRefSchema(ma.Schema):
    """The product a message is about: the server shows it as the product is (its name, first
    image, lowest price and shop)."""

    product_id = ma.fields.UUID(required=True)


class MessageSendSchema(ma.Schema):
    """Text, a product banner, media, or text with either; ``reply_to_id`` quotes a message."""

    client_id = _CLIENT_ID
    text = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=MAX_TEXT),
                            metadata={"description": f"Up to {MAX_TEXT} characters, stored as typed; links "
                                                     "become entities"})
    reply_to_id = ma.fields.UUID(load_default=None, allow_none=True)
    product = ma.fields.Nested(ProductRefSchema, load_default=None, allow_none=True, metadata={
        "description": "Makes it a product-context message (type product): the banner is built from the product, "
                       "as you may see it (404 product_not_found otherwise)"})
    media_ids = ma.fields.List(ma.fields.UUID(), load_default=list, validate=ma.validate.Length(max=10), metadata={
        "description": "Up to 10 of your own ready media uploaded with purpose=message (POST /api/media)"})


class MessageSendFrameSchema(MessageSendSchema):
    """The WebSocket ``message.send`` frame: a client id is required there, since a dropped
    connection can lose the ack."""

    conversation_id = ma.fields.UUID(required=True)
    client_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))


class MessageEditSchema(ma.Schema):
    text = Text(required=True, validate=ma.validate.Length(1, MAX_TEXT))


class MessageDeleteQuerySchema(ma.Schema):
    scope = ma.fields.String(load_default="me", validate=ma.validate.OneOf(("me", "everyone")), metadata={
        "description": "me: only for you; everyone: the sender withdraws it"})


class ForwardSchema(ma.Schema):
    conversation_id = ma.fields.UUID(required=True, metadata={"description": "Where to forward it"})
    client_id = _CLIENT_ID


class ReactionSchema(ma.Schema):
    emoji = ma.fields.String(required=True, validate=ma.validate.Length(1, 32), metadata={"example": "👍"})


class ReadSchema(ma.Schema):
    seq = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=0), metadata={
        "description": "Read up to this message's seq (default: the latest)"})


class PositionSchema(ma.Schema):
    seq = ma.fields.Integer(required=True)


class HistoryQuerySchema(PageQuery):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(1, 200), metadata={
        "description": "Full-text search within the conversation"})


class SearchQuerySchema(PageQuery):
    q = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


# responses

class MemberSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    avatar_media_id = ma.fields.UUID(allow_none=True, required=True)
    role = ma.fields.String(required=True, metadata={"description": "owner, admin or member"})
    read_seq = ma.fields.Integer(required=True)
    delivered_seq = ma.fields.Integer(required=True)
    joined_at = ma.fields.AwareDateTime(required=True)


class LastMessageSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    seq = ma.fields.Integer(required=True)
    sender_id = ma.fields.UUID(allow_none=True, required=True)
    type = ma.fields.String(required=True)
    text = ma.fields.String(allow_none=True, required=True, metadata={"description": "The first 200 characters"})
    deleted = ma.fields.Boolean(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class ConversationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    type = ma.fields.String(required=True, metadata={"description": "direct or group"})
    name = ma.fields.String(allow_none=True, required=True)
    owner_id = ma.fields.UUID(allow_none=True, required=True)
    role = ma.fields.String(required=True, metadata={"description": "Yours"})
    muted = ma.fields.Boolean(required=True)
    marked_unread = ma.fields.Boolean(required=True, metadata={
        "description": "You marked it unread (POST .../unread); reading it clears the mark"})
    left = ma.fields.Boolean(required=True, metadata={"description": "You left (or were removed); history stays readable up to then"})
    last_seq = ma.fields.Integer(required=True, metadata={"description": "The newest message's seq you can see"})
    read_seq = ma.fields.Integer(required=True)
    unread_count = ma.fields.Integer(required=True)
    last_message = ma.fields.Nested(LastMessageSchema, allow_none=True, required=True)
    last_activity_at = ma.fields.AwareDateTime(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    members = ma.fields.List(ma.fields.Nested(MemberSchema), required=True, metadata={"description": "Current members"})


ConversationPageSchema = page_schema(ConversationSchema)


class ReplySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    sender_id = ma.fields.UUID(allow_none=True, required=True)
    text = ma.fields.String(allow_none=True, required=True)
    deleted = ma.fields.Boolean(required=True)


class ReactionCountSchema(ma.Schema):
    emoji = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)
    mine = ma.fields.Boolean(required=True)


class EntitySchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"example": "link"})
    offset = ma.fields.Integer(required=True, metadata={"description": "In Unicode code points"})
    length = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)


class ProductViewSchema(ma.Schema):
    """A product banner: the product it refers to and how it looked when the message was sent."""

    product_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    image_url = ma.fields.String(allow_none=True, required=True, metadata={"description": "Its first image"})
    price = ma.fields.Nested(PriceSchema, required=True, metadata={"description": "The lowest of its variants"})
    shop = ma.fields.Nested(ShopRefSchema, allow_none=True, required=True)


class MessageSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    conversation_id = ma.fields.UUID(required=True)
    seq = ma.fields.Integer(required=True, metadata={"description": "Increases by one per message of the conversation"})
    sender_id = ma.fields.UUID(allow_none=True, required=True)
    client_id = ma.fields.String(allow_none=True, required=True)
    type = ma.fields.String(required=True, metadata={"description": "text, media or product"})
    text = ma.fields.String(allow_none=True, required=True, metadata={"description": "null once deleted"})
    entities = ma.fields.List(ma.fields.Nested(EntitySchema), required=True)
    reply_to = ma.fields.Nested(ReplySchema, allow_none=True, required=True)
    forwarded = ma.fields.Boolean(required=True)
    product = ma.fields.Nested(ProductViewSchema, allow_none=True, required=True)
    media = ma.fields.List(ma.fields.Nested(MediaSchema), required=True, metadata={
        "description": "Attached media, with short-lived signed URLs (see urls_expire_at); deleted media is left out"})
    reactions = ma.fields.List(ma.fields.Nested(ReactionCountSchema), required=True)
    status = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "On your own messages: sent, delivered or read; null on others'"})
    created_at = ma.fields.AwareDateTime(required=True)
    edited_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    deleted = ma.fields.Boolean(required=True, metadata={"description": "Deleted for everyone by its sender"})


MessagePageSchema = page_schema(MessageSchema, description="Older messages; null on the last page")


class ReactionsSchema(ma.Schema):
    reactions = ma.fields.List(ma.fields.Nested(ReactionCountSchema), required=True)


CONVERSATION_ID = PathId("conversation_id", lambda raw: access.conversation_not_found())
MESSAGE_ID = PathId("message_id", lambda raw: access.message_not_found())
MEMBER_ID = PathId("user_id", lambda raw: NotFound("No such member", code="member_not_found"))


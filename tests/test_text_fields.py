"""What text fields hold: no NUL or other control characters anywhere (line breaks and tabs
only in multi-line text), names trimmed before they are checked and free of invisible or
direction-changing characters. One loader checks every schema, REST and WebSocket alike."""
from __future__ import annotations

import pytest

from nexgate.client import ApiError, LiveError
from tests.support.auth import PASSWORD, registration
from tests.support.messages import direct, group, new_client_id, send
from tests.support.users import user as new_user

NUL = "a\u0000b"


async def _context(client, users) -> dict:
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    return {"amina": amina, "baraka": baraka, "conversation": conversation,
            "group": await group(amina, "Wanafunzi", baraka), "message": await send(amina, conversation)}


def _in_conversation(ctx):
    return f"/api/conversations/{ctx['conversation']['id']}/messages"


# (name, method, path(ctx), body(ctx, value), the field's path in details.fields); None as the
# path's context: sent without a token.
CASES = [
    ("login.login", "POST", lambda ctx: "/api/auth/login", lambda ctx, v: {"login": v, "password": PASSWORD},
     ["login"]),
    ("login.device.name", "POST", lambda ctx: "/api/auth/login",
     lambda ctx, v: {"login": "amina", "password": PASSWORD, "device": {"name": v}}, ["device", "name"]),
    ("forgot-password.login", "POST", lambda ctx: "/api/auth/forgot-password", lambda ctx, v: {"login": v},
     ["login"]),
    ("register.display_name", "POST", lambda ctx: "/api/auth/register",
     lambda ctx, v: registration(display_name=v), ["display_name"]),
    ("register.email", "POST", lambda ctx: "/api/auth/register", lambda ctx, v: registration(email=f"{v}@x.tz"),
     ["email"]),
    *[(f"profile.{field}", "PATCH", lambda ctx: f"/api/users/{ctx['amina'].user_id}",
       lambda ctx, v, field=field: {field: v}, [field])
      for field in ("display_name", "bio", "location", "website", "username")],
    ("message.text", "POST", _in_conversation, lambda ctx, v: {"text": v}, ["text"]),
    ("message.client_id", "POST", _in_conversation, lambda ctx, v: {"text": "hi", "client_id": v}, ["client_id"]),
    ("message.edit.text", "PATCH", lambda ctx: f"/api/messages/{ctx['message']['id']}", lambda ctx, v: {"text": v},
     ["text"]),
    ("group.create.name", "POST", lambda ctx: "/api/conversations",
     lambda ctx, v: {"type": "group", "name": v, "user_ids": [str(ctx["baraka"].user_id)]}, ["name"]),
    ("group.rename.name", "PATCH", lambda ctx: f"/api/conversations/{ctx['group']['id']}", lambda ctx, v: {"name": v},
     ["name"]),
    ("verification.statement", "POST", lambda ctx: "/api/users/verification/applications",
     lambda ctx, v: {"kind": "seller", "statement": v}, ["statement"]),
    ("verification.evidence", "POST", lambda ctx: "/api/users/verification/applications",
     lambda ctx, v: {"kind": "seller", "statement": "I sell kitenge", "evidence": v}, ["evidence"]),
]
UNAUTHENTICATED = {"login.login", "login.device.name", "forgot-password.login", "register.display_name",
                   "register.email"}


def _field(details: dict, path: list[str]):
    found = details["fields"]
    for key in path:
        found = found[key]
    return found


@pytest.mark.parametrize("name, method, path, body, field", CASES, ids=[case[0] for case in CASES])
async def test_nul_in_a_text_field_is_a_422_naming_it(client, users, name, method, path, body, field):
    ctx = await _context(client, users)
    if name in UNAUTHENTICATED:
        response = await client.request(method, path(ctx), json=body(ctx, NUL))
        assert response.status == 422, await response.text()
        error = (await response.json())["error"]
        details = error["details"]
    else:
        with pytest.raises(ApiError) as refused:
            await ctx["amina"].request(method, path(ctx), json=body(ctx, NUL))
        assert refused.value.status == 422, refused.value
        error, details = refused.value.body["error"], refused.value.details
    assert error["code"] == "invalid"
    assert "Contains a control character (U+0000)." in _field(details, field), details


async def test_nul_in_a_query_and_in_a_websocket_frame_is_refused_the_same_way(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    with pytest.raises(ApiError) as refused:
        await amina.request("GET", "/api/search/users", params={"q": NUL})
    assert refused.value.status == 422 and refused.value.details["fields"]["q"] == [
        "Contains a control character (U+0000)."]
    live = await amina.live()
    with pytest.raises(LiveError) as frame_refused:
        await live.call("message.send", conversation_id=conversation["id"], client_id=new_client_id(), text=NUL)
    assert frame_refused.value.code == "invalid"
    assert frame_refused.value.details == {"fields": {"text": ["Contains a control character (U+0000)."]}}
    await live.close()


async def test_multi_line_text_keeps_its_line_breaks_and_tabs_where_single_lines_refuse_them(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    text = "Bei:\n\t- kitenge 12,000\r\n\t- kanga 8,000"
    assert (await send(amina, conversation, text))["text"] == text
    updated = await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"bio": "Mshonaji\nArusha"})
    assert updated["bio"] == "Mshonaji\nArusha"
    for field in ("display_name", "location"):
        with pytest.raises(ApiError) as refused:
            await amina.request("PATCH", f"/api/users/{amina.user_id}", json={field: "Amina\nJ"})
        assert refused.value.details["fields"][field] == ["Contains a control character (U+000A)."]
    with pytest.raises(ApiError) as refused:
        await send(amina, conversation, "ding\u0007")
    assert refused.value.details["fields"]["text"] == ["Contains a control character (U+0007)."]


@pytest.mark.parametrize("name, code_point", [
    ("Amina\u202e", "U+202E"),          # right-to-left override: "Amina" + reversed text after it
    ("\u2067Amina\u2069", "U+2067"),    # a right-to-left isolate
    ("Ami\u200bna", "U+200B"),          # zero-width space: looks like "Amina"
    ("\u200fAmina", "U+200F"),          # right-to-left mark
    ("\ufeffAmina", "U+FEFF"),          # byte order mark / zero-width no-break space
    ("Amina \u200d", "U+200D"),         # a joiner that joins nothing
])
async def test_names_refuse_invisible_and_direction_changing_characters(client, users, name, code_point):
    amina, baraka = await users.new(client), await users.new(client)
    message = f"Contains an invisible or direction-changing character ({code_point})."
    response = await client.post("/api/auth/register", json=registration(display_name=name))
    assert response.status == 422
    assert (await response.json())["error"]["details"]["fields"]["display_name"] == [message]
    with pytest.raises(ApiError) as refused:
        await group(amina, name, baraka)
    assert refused.value.details["fields"]["name"] == [message]
    # Elsewhere the same characters are text: a message may quote them.
    assert (await send(amina, await direct(amina, baraka), f"«{name}»"))["text"] == f"«{name}»"


async def test_names_keep_joined_emoji_and_scripts_that_need_joiners(client):
    for name in ("Amina 👩\u200d💻", "مهر\u200cناز", "Kariakoo 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"):
        account = await new_user(client, display_name=name)
        assert account["user"]["display_name"] == name


async def test_names_are_trimmed_before_their_length_is_checked(client, users):
    response = await client.post("/api/auth/register", json=registration(display_name="   "))
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]["details"]["fields"]["display_name"] == [
        "Length must be between 1 and 60."]
    spaced = await new_user(client, display_name="  Amina  " + " " * 60)
    assert spaced["user"]["display_name"] == "Amina"
    amina, baraka = await users.new(client), await users.new(client)
    for call in (amina.request("PATCH", f"/api/users/{amina.user_id}", json={"display_name": " \t "}),
                 group(amina, "   ", baraka)):
        with pytest.raises(ApiError) as refused:
            await call
        assert refused.value.status == 422 and refused.value.code == "invalid"
    renamed = await group(amina, "  Wanafunzi  ", baraka)
    assert renamed["name"] == "Wanafunzi"

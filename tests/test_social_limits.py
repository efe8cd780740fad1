"""The social interactions' hourly limits through the real app (an app of their own, with small
budgets): likes and unlikes of posts and comments count against ``social.likes``, comments and
replies against ``social.comments``; over a budget is 429 naming the limit, with nothing written."""
from __future__ import annotations

import dataclasses

import pytest

from tests.support import social_interactions as social
from tests.support.social import create_post
from tests.support.users import user

pytestmark = pytest.mark.xdist_group("social_limits")


async def test_likes_and_comments_have_their_hourly_limits(make_client, config):
    client = await make_client(dataclasses.replace(config, likes_per_hour=3, comments_per_hour=2))
    amina, juma = await user(client), await user(client)
    post = await create_post(client, amina, text="Kikomo")
    said = await social.comment(client, juma, post["id"], "Moja")
    await social.reply(client, juma, said["id"], "Mbili")
    refused = await social.comment(client, juma, post["id"], "Tatu", expect=429)
    assert refused["error"]["details"]["limit"] == "social.comments"
    assert (await social.counters(client, post["id"]))["comments"] == 2

    await social.like(client, juma, post["id"])
    await social.unlike(client, juma, post["id"])
    await social.like_comment(client, juma, said["id"])
    for refused in (await social.like(client, juma, post["id"], expect=429),
                    await social.like_comment(client, juma, said["id"], expect=429)):
        assert refused["error"]["details"]["limit"] == "social.likes"
    assert (await social.counters(client, post["id"]))["likes"] == 0
    assert await social.like(client, amina, post["id"]) == {"post_id": post["id"], "liked": True, "likes_count": 1}

"""Voting in polls, their results and voters, closing them early (docs/social.md, "Polls")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import polls, views
from ...errors import NotFound
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, PathId, Routes, caller, json_response, viewer
from .polls_schemas import PollResultsSchema, PollVoterPageSchema, VoteIn

routes = Routes("social")

POLL_ID = PathId("poll_id", lambda raw: polls.not_found())
OPTION_ID = PathId("option_id", lambda raw: NotFound("No such option in this poll", code="option_not_found"))


@routes.post("/api/polls/{poll_id}/vote", summary="Vote in a poll", ids=(POLL_ID,), body=VoteIn,
             response=PollResultsSchema, status=201, errors=(404, 409))
async def vote(request: web.Request, *, body: dict, poll_id: uuid.UUID) -> web.Response:
    """Whoever may see the poll's published post. `option_ids`: options of this poll (else 422
    `option_not_in_poll`), exactly one on a single-choice poll (422 `single_choice`). Your first
    vote only: a second is 409 `already_voted` (change it with PATCH); a poll that expired or was
    closed is 409 `poll_closed`; a post not published yet 409 `post_not_published`. Answers the
    results, with your choices."""
    found = await polls.vote(request.app[PLATFORM], caller(request), poll_id, body["option_ids"])
    return json_response(PollResultsSchema, views.poll(found), 201)


@routes.patch("/api/polls/{poll_id}/vote", summary="Change your vote", ids=(POLL_ID,), body=VoteIn,
              response=PollResultsSchema, errors=(404, 409))
async def change_vote(request: web.Request, *, body: dict, poll_id: uuid.UUID) -> web.Response:
    """Before the poll expires or is closed (409 `poll_closed`), after a first vote (409
    `not_voted`): `option_ids` replace your choices, under the rules of a vote."""
    found = await polls.change_vote(request.app[PLATFORM], caller(request), poll_id, body["option_ids"])
    return json_response(PollResultsSchema, views.poll(found))


@routes.get("/api/polls/{poll_id}/results", summary="A poll's results", ids=(POLL_ID,), response=PollResultsSchema,
            errors=(404,), auth=OPTIONAL)
async def results(request: web.Request, *, poll_id: uuid.UUID) -> web.Response:
    """Whoever may see the poll's post (no token needed for a public one): each option's votes
    and whole percent, the totals, the time remaining, the state, and your own choices."""
    found = await polls.results(request.app[PLATFORM], viewer(request), poll_id)
    return json_response(PollResultsSchema, views.poll(found))


@routes.get("/api/polls/{poll_id}/options/{option_id}/voters", summary="Who chose an option",
            ids=(POLL_ID, OPTION_ID), query=PageQuery, response=PollVoterPageSchema, errors=(403, 404),
            auth=OPTIONAL)
async def option_voters(request: web.Request, *, query: dict, poll_id: uuid.UUID,
                        option_id: uuid.UUID) -> web.Response:
    """Newest vote first; not for an anonymous poll (403 `poll_anonymous`). People blocked either
    way with you are left out."""
    page = await polls.option_voters(request.app[PLATFORM], viewer(request), poll_id, option_id, **query)
    return json_response(PollVoterPageSchema, page.map(views.poll_voter))


@routes.post("/api/polls/{poll_id}/close", summary="Close a poll early", ids=(POLL_ID,), response=PollResultsSchema,
             errors=(403, 404, 409))
async def close(request: web.Request, *, poll_id: uuid.UUID) -> web.Response:
    """The post's creator only (403 `not_poll_creator`); a poll closed or expired already is 409
    `poll_closed`. No vote changes after."""
    found = await polls.close(request.app[PLATFORM], caller(request), poll_id)
    return json_response(PollResultsSchema, views.poll(found))

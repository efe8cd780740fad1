"""Voting in a post's poll, its results, its voters and closing it early (docs/social.md,
"Polls"). The poll itself is made with its post (posts.py).

Who may vote, see the results or the voters: whoever may see the post (anyone else is told the
poll does not exist, 404 ``poll_not_found``), once the post is published (409
``post_not_published``). A vote names ``option_ids`` of the poll (another poll's option: 422
``option_not_in_poll``), exactly one for a single-choice poll (422 ``single_choice``); a
voter's first vote is ``vote`` (a second one is 409 ``already_voted``: change it with
``change_vote``, which for someone who has not voted is 409 ``not_voted``). After the poll
expired or its creator closed it, nothing changes any more (409 ``poll_closed``). Only the
post's creator closes it (403 ``not_poll_creator``).

Every change holds the poll's row first, then writes the voter's row (its primary key makes
two first votes of one voter sent at once one vote), the votes, the options' counters and the
poll's counters, and ``social.poll.voted`` (``social.poll.closed``), in one transaction: the
counters are always the votes' exact sums, and a vote never lands after a close.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import access, views
from . import polls_repository as repository
from .events import POLL_CLOSED, POLL_VOTED

# The voters of an option: newest vote first, then by user id (the index poll_votes_of_option).
VOTERS = Keyset("poll_voters", (datetime.datetime, uuid.UUID),
                (datetime.datetime.max.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=0)))


@dataclasses.dataclass(frozen=True)
class Results:
    """A poll as one viewer sees it: ``mine`` the options they chose (None: an anonymous viewer,
    or a live frame for every viewer)."""

    poll: Any
    options: list
    mine: list[uuid.UUID] | None

    @property
    def state(self) -> str:
        return views.poll_state(self.poll)


def not_found() -> NotFound:
    return NotFound("No such poll", code="poll_not_found")


async def vote(platform: Platform, caller: Caller, poll_id: uuid.UUID, option_ids: Sequence[uuid.UUID]) -> Results:
    async with platform.core.transaction("social.poll_vote") as conn:
        poll, options = await _open_poll(conn, caller, poll_id)
        chosen = _choice(poll, options, option_ids)
        if not await repository.insert_voter(conn, poll_id, caller.user_id):
            raise Conflict("You voted in this poll already; change your vote with PATCH", code="already_voted",
                           details={"option_ids": [str(i) for i in await repository.choices(conn, poll_id, caller.user_id)]})
        await repository.insert_votes(conn, poll_id, caller.user_id, chosen)
        await repository.count_option_votes(conn, poll_id, chosen, +1)
        await repository.count_votes(conn, poll_id, votes=len(chosen), voters=1)
        await _voted(conn, poll, caller)
        return await _results(conn, poll_id, caller.user_id)


async def change_vote(platform: Platform, caller: Caller, poll_id: uuid.UUID,
                      option_ids: Sequence[uuid.UUID]) -> Results:
    async with platform.core.transaction("social.poll_vote_change") as conn:
        poll, options = await _open_poll(conn, caller, poll_id)
        chosen = _choice(poll, options, option_ids)
        before = set(await repository.choices(conn, poll_id, caller.user_id))
        if not before:
            raise Conflict("You have not voted in this poll; vote with POST first", code="not_voted")
        dropped = sorted(before - set(chosen))
        added = sorted(set(chosen) - before)
        if dropped or added:
            await repository.delete_votes(conn, poll_id, caller.user_id, dropped)
            await repository.count_option_votes(conn, poll_id, dropped, -1)
            await repository.insert_votes(conn, poll_id, caller.user_id, added)
            await repository.count_option_votes(conn, poll_id, added, +1)
            await repository.count_votes(conn, poll_id, votes=len(added) - len(dropped), voters=0)
            await repository.voter_changed(conn, poll_id, caller.user_id)
            await _voted(conn, poll, caller)
        return await _results(conn, poll_id, caller.user_id)


async def close(platform: Platform, caller: Caller, poll_id: uuid.UUID) -> Results:
    async with platform.core.transaction("social.poll_close") as conn:
        poll = await repository.poll_for_vote(conn, poll_id)
        if poll is None:
            raise not_found()
        post = await _visible(conn, caller.user_id, poll)
        if post.author_id != caller.user_id:
            raise Forbidden("Only the post's creator closes its poll", code="not_poll_creator")
        _require_open(poll)
        await repository.close(conn, poll_id)
        await bus.emit(conn, POLL_CLOSED, {"poll_id": str(poll_id), "post_id": str(poll["post_id"])})
        return await _results(conn, poll_id, caller.user_id)


async def results(platform: Platform, viewer: Caller | None, poll_id: uuid.UUID) -> Results:
    viewer_id = None if viewer is None else viewer.user_id
    async with platform.core.connection() as conn:
        poll = await _seen_poll(conn, viewer_id, poll_id)
        return await _results(conn, poll_id, viewer_id, poll=poll)


async def results_for_live(conn, poll_id: uuid.UUID) -> Results | None:
    """The results as every viewer of the post's topic sees them (no one's own choices); None
    if the poll is gone. For the live frames (social_live)."""
    poll = await repository.poll_by_id(conn, poll_id)
    return None if poll is None else Results(poll, await repository.options(conn, poll_id), None)


async def option_voters(platform: Platform, viewer: Caller | None, poll_id: uuid.UUID, option_id: uuid.UUID, *,
                        cursor: str | None, limit: int) -> Page:
    """Who chose an option, newest vote first, when the poll is not anonymous (403
    ``poll_anonymous``); people blocked either way with the viewer are left out."""
    viewer_id = None if viewer is None else viewer.user_id
    async with platform.core.connection() as conn:
        poll = await _seen_poll(conn, viewer_id, poll_id)
        if option_id not in {option["id"] for option in await repository.options(conn, poll_id)}:
            raise NotFound("No such option in this poll", code="option_not_found")
        if poll["is_anonymous"]:
            raise Forbidden("This poll is anonymous: its voters are not shown", code="poll_anonymous")
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        return await fetch(VOTERS, cursor, limit,
                           lambda after, n: repository.option_voters(conn, poll_id, option_id, hidden, after, n),
                           lambda row: (row["created_at"], row["user_id"]))


async def results_of_posts(conn, viewer_id: uuid.UUID | None,
                           post_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The poll of each of these posts that has one, as ``views.poll`` shows it to the viewer
    (their own choices included), by post id: for the posts' views, in three queries whatever
    the count. The caller has decided the viewer may see the posts."""
    found = await repository.polls_of_posts(conn, post_ids)
    if not found:
        return {}
    poll_ids = [poll["id"] for poll in found]
    options: dict[uuid.UUID, list] = {poll_id: [] for poll_id in poll_ids}
    for option in await repository.options_of_polls(conn, poll_ids):
        options[option["poll_id"]].append(option)
    mine: dict[uuid.UUID, list] | None = None
    if viewer_id is not None:
        mine = {poll_id: [] for poll_id in poll_ids}
        for row in await repository.choices_in_polls(conn, poll_ids, viewer_id):
            mine[row["poll_id"]].append(row["option_id"])
    return {poll["post_id"]: views.poll(Results(poll, options[poll["id"]], None if mine is None else mine[poll["id"]]))
            for poll in found}


# the rules shared by the functions above

async def _visible(conn, viewer_id: uuid.UUID | None, poll):
    """The poll's post, if the viewer may see it; else the poll does not exist for them."""
    try:
        return await access.visible_row(conn, viewer_id, poll["post_id"])
    except NotFound:
        raise not_found() from None


async def _seen_poll(conn, viewer_id: uuid.UUID | None, poll_id: uuid.UUID):
    """The poll, if the viewer may see its post."""
    poll = await repository.poll_by_id(conn, poll_id)
    if poll is None:
        raise not_found()
    await _visible(conn, viewer_id, poll)
    return poll


async def _open_poll(conn, caller: Caller, poll_id: uuid.UUID) -> tuple[Any, list]:
    poll = await repository.poll_for_vote(conn, poll_id)
    if poll is None:
        raise not_found()
    post = await _visible(conn, caller.user_id, poll)
    if post.state != "published":
        raise Conflict("The poll's post is not published yet", code="post_not_published", details={"state": post.state})
    _require_open(poll)
    return poll, await repository.options(conn, poll_id)


def _require_open(poll) -> None:
    state = views.poll_state(poll)
    if state != "open":
        raise Conflict("This poll is closed" if state == "closed" else "This poll has expired", code="poll_closed",
                       details={"state": state, "closed_at": _iso(poll["closed_at"]),
                                "expires_at": _iso(poll["expires_at"])})


def _choice(poll, options: list, option_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The options chosen, each once, all of this poll: exactly one unless it allows several."""
    chosen = list(dict.fromkeys(option_ids))
    ours = {option["id"] for option in options}
    if strangers := [str(i) for i in chosen if i not in ours]:
        raise Invalid.fields("body", {"option_ids": "Not an option of this poll"}, code="option_not_in_poll",
                             option_ids=strangers)
    if not poll["allows_multiple"] and len(chosen) != 1:
        raise Invalid.fields("body", {"option_ids": "This poll takes exactly one option"}, code="single_choice")
    return chosen


async def _voted(conn, poll, caller: Caller) -> None:
    await bus.emit(conn, POLL_VOTED, {"poll_id": str(poll["id"]), "post_id": str(poll["post_id"]),
                                      "user_id": str(caller.user_id)})


async def _results(conn, poll_id: uuid.UUID, viewer_id: uuid.UUID | None, *, poll=None) -> Results:
    poll = poll or await repository.poll_by_id(conn, poll_id)
    options = await repository.options(conn, poll_id)
    mine = None if viewer_id is None else await repository.choices(conn, poll_id, viewer_id)
    return Results(poll, options, mine)


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()

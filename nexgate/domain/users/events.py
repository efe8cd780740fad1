"""The users area's events (docs/bus.md, "Event catalogue")."""
from __future__ import annotations

from ...bus.catalogue import INTEGER, STRING, UUID, declare, event, list_of, nullable

PROFILE_UPDATED = "users.profile.updated"
USERNAME_CHANGED = "users.username.changed"
FOLLOW_CREATED = "users.follow.created"
FOLLOW_REQUESTED = "users.follow.requested"
FOLLOW_ACCEPTED = "users.follow.accepted"
FOLLOW_DECLINED = "users.follow.declined"
FOLLOW_REQUEST_CANCELLED = "users.follow_request.cancelled"
FOLLOW_DELETED = "users.follow.deleted"
BLOCK_CREATED = "users.block.created"
BLOCK_DELETED = "users.block.deleted"
MUTE_CREATED = "users.mute.created"
MUTE_DELETED = "users.mute.deleted"
VERIFICATION_APPLIED = "users.verification.applied"
VERIFICATION_DECIDED = "users.verification.decided"
VERIFICATION_GRANTED = "users.verification.granted"
VERIFICATION_REVOKED = "users.verification.revoked"
TRUST_SCORE_CHANGED = "users.trust_score.changed"

_PAIR = {"follower_id": UUID, "followee_id": UUID}
_REQUEST = {"requester_id": UUID, "target_id": UUID}

EVENTS = declare("users", [
    event(PROFILE_UPDATED, "the owner edited their profile", user_id=UUID, fields=list_of(STRING)),
    event(USERNAME_CHANGED, "a username changed", user_id=UUID, old_username=STRING, new_username=STRING),
    event(FOLLOW_CREATED, "a public account was followed", **_PAIR),
    event(FOLLOW_REQUESTED, "someone asked to follow a private account", **_REQUEST),
    event(FOLLOW_ACCEPTED, "a follow request was accepted", **_PAIR),
    event(FOLLOW_DECLINED, "a follow request was declined", **_REQUEST),
    event(FOLLOW_REQUEST_CANCELLED, "the requester withdrew a follow request", **_REQUEST),
    event(FOLLOW_DELETED, "a follow ended", **_PAIR, reason=STRING),
    event(BLOCK_CREATED, "a user blocked another", blocker_id=UUID, blocked_id=UUID),
    event(BLOCK_DELETED, "a user unblocked another", blocker_id=UUID, blocked_id=UUID),
    event(MUTE_CREATED, "a user muted another", muter_id=UUID, muted_id=UUID),
    event(MUTE_DELETED, "a user unmuted another", muter_id=UUID, muted_id=UUID),
    event(VERIFICATION_APPLIED, "a seller or organizer applied for verification", application_id=UUID, user_id=UUID,
          kind=STRING),
    event(VERIFICATION_DECIDED, "a verification application was decided", application_id=UUID, user_id=UUID,
          kind=STRING, decision=STRING, reason=nullable(STRING), reviewer_id=UUID),
    event(VERIFICATION_GRANTED, "a user got the verification badge", user_id=UUID, granted_by=UUID,
          application_id=nullable(UUID)),
    event(VERIFICATION_REVOKED, "a moderator took a user's verification badge away", user_id=UUID, revoked_by=UUID),
    event(TRUST_SCORE_CHANGED, "a trust event changed a user's trust score", user_id=UUID,
          previous_score=nullable(INTEGER), score=INTEGER, level=STRING),
])

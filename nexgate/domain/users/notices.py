"""The users area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): new followers (grouped), follow requests, accepted requests, and the
decision on a verification application."""
from __future__ import annotations

from ..notifications.registry import Grouping, notification_type
from .events import FOLLOW_ACCEPTED, FOLLOW_CREATED, FOLLOW_REQUESTED, VERIFICATION_DECIDED

NEW_FOLLOWER = notification_type(
    "new_follower", sources=(FOLLOW_CREATED,), category="social", recipient="followee_id", actor="follower_id",
    about=("user", "followee_id"), link="nexgate://users/{follower_id}", grouping=Grouping(on="followee_id"),
    in_app={"en": "{actor_name} started following you", "sw": "{actor_name} ameanza kukufuata"},
    in_app_many={"sw": "{actor_name} wameanza kukufuata"})

FOLLOW_REQUEST = notification_type(
    "follow_request", sources=(FOLLOW_REQUESTED,), category="social", recipient="target_id", actor="requester_id",
    about=("user", "target_id"), link="nexgate://follow-requests", grouping=Grouping(on="target_id"), important=True,
    in_app={"en": "{actor_name} asked to follow you", "sw": "{actor_name} ameomba kukufuata"},
    in_app_many={"sw": "{actor_name} wameomba kukufuata"})

FOLLOW_REQUEST_ACCEPTED = notification_type(
    "follow_request_accepted", sources=(FOLLOW_ACCEPTED,), category="social", recipient="follower_id",
    actor="followee_id", about=("user", "followee_id"), link="nexgate://users/{followee_id}",
    in_app={"en": "{actor_name} accepted your follow request", "sw": "{actor_name} amekubali ombi lako la kukufuata"})

VERIFICATION_APPROVED = notification_type(
    "verification_approved", sources=(VERIFICATION_DECIDED,), when={"decision": "approved"}, category="security",
    critical=True, recipient="user_id", about=("verification_application", "application_id"), params=("kind",),
    link="nexgate://settings/verification",
    in_app={"en": "Your verification request was approved: you now have the verified badge",
            "sw": "Ombi lako la uthibitisho limekubaliwa: sasa una alama ya uthibitisho"})

VERIFICATION_REJECTED = notification_type(
    "verification_rejected", sources=(VERIFICATION_DECIDED,), when={"decision": "rejected"}, category="security",
    critical=True, recipient="user_id", about=("verification_application", "application_id"),
    params=("kind", "reason"), link="nexgate://settings/verification",
    in_app={"en": "Your verification request was not approved", "sw": "Ombi lako la uthibitisho halikukubaliwa"})

TYPES = (NEW_FOLLOWER, FOLLOW_REQUEST, FOLLOW_REQUEST_ACCEPTED, VERIFICATION_APPROVED, VERIFICATION_REJECTED)

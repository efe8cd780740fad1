"""The users area's manifest: profiles and the social graph over REST, presence over ``/ws``,
and the ``trust`` worker that scores accounts."""
from ...area import Area
from ...domain.users import notices
from ...workers import trust
from . import blocks, follows, profiles, search, verification, ws

AREA = Area(
    "users",
    routes=(profiles.routes, follows.routes, blocks.routes, verification.routes, search.routes),
    commands=ws.COMMANDS,
    topics=ws.TOPICS,
    consumer_groups={"trust": trust.consumer_group},
    notification_types=notices.TYPES,
)

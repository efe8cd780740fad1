"""The social area's manifest (docs/social.md): posts, their media, embeds, polls, image tags
and collaborators; likes, comments, reposts, quotes and bookmarks; the home, explore, profile
and hashtag feeds; the post topic; the workers that fan posts out to home feeds, publish
scheduled posts and tell viewers live; its notification types."""
from ...area import Area
from ...domain.social import collaboration_notices, image_tag_notices
from ...domain.social import events  # noqa: F401  (declares the area's bus events)
from ...domain.social import interaction_notices, post_notices
from ...workers import social_feeds, social_live, social_posts
from . import bookmarks, collaboration, comments, feeds, image_tags, likes, polls, posts, reposts, ws

AREA = Area(
    "social",
    # the fixed paths (/api/posts/drafts, /feed, /explore, /collaborations) before /api/posts/{post_id}
    routes=(feeds.routes, collaboration.routes, posts.routes, likes.routes, comments.routes, reposts.routes,
            bookmarks.routes, image_tags.routes, polls.routes),
    commands=ws.COMMANDS,
    topics=ws.TOPICS,
    consumer_groups={social_live.NAME: social_live.consumer_group,
                     social_feeds.NAME: social_feeds.consumer_group,
                     social_posts.NAME: social_posts.consumer_group},
    notification_types=(interaction_notices.TYPES + collaboration_notices.TYPES + image_tag_notices.TYPES
                        + post_notices.TYPES),
)

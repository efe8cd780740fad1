"""The social area's bus events (docs/bus.md, "Event catalogue"; docs/social.md)."""
from __future__ import annotations

from ...bus.catalogue import INTEGER, OBJECT, STRING, TIMESTAMP, UUID, declare, event, list_of, nullable

# A post's life (domain/social/posts.py, publishing.py, editing.py).
POST_PUBLISHED = "social.post.published"
POST_EDITED = "social.post.edited"
POST_DELETED = "social.post.deleted"
# A scheduled post's time came (a scheduled job, bus/scheduler.py).
POST_SCHEDULE_REACHED = "social.post_schedule.reached"

# Reposts, quotes, likes, comments, bookmarks (domain/social/interactions.py, comments.py).
POST_REPOSTED = "social.post.reposted"
POST_UNREPOSTED = "social.post.unreposted"
POST_QUOTED = "social.post.quoted"
POST_LIKED = "social.post.liked"
POST_UNLIKED = "social.post.unliked"
POST_BOOKMARKED = "social.post.bookmarked"
POST_UNBOOKMARKED = "social.post.unbookmarked"
COMMENT_CREATED = "social.comment.created"
COMMENT_EDITED = "social.comment.edited"
COMMENT_DELETED = "social.comment.deleted"
COMMENT_LIKED = "social.comment.liked"
COMMENT_UNLIKED = "social.comment.unliked"

# Polls, image tags, collaboration (domain/social/polls.py, image_tags.py, collaboration.py).
POLL_VOTED = "social.poll.voted"
POLL_CLOSED = "social.poll.closed"
IMAGE_TAG_ADDED = "social.image_tag.added"
IMAGE_TAG_REMOVED = "social.image_tag.removed"
COLLABORATION_INVITED = "social.collaboration.invited"
COLLABORATION_ACCEPTED = "social.collaboration.accepted"
COLLABORATION_DECLINED = "social.collaboration.declined"
COLLABORATOR_REMOVED = "social.collaborator.removed"

# The authors of a post: its creator first, then its accepted co-authors.
_POST = dict(post_id=UUID, author_ids=list_of(UUID))
# The sellers of the products a post features who are not among its authors (nor the actor):
# {seller_id, product_id, product_name}, one per seller (the first of their products).
_SELLERS = list_of(OBJECT)

EVENTS = declare("social", [
    event(POST_PUBLISHED, "a post was published (at once, when its last collaboration invite was resolved, or at its "
          "scheduled time): its authors' followers' home feeds gain it; mentioned_user_ids, shop_ids and product_ids "
          "name who is told (creator_id is its creator; tagged_shops, each {shop_id, owner_id, shop_name}, the shops "
          "it $mentions or embeds whose owners are not its authors)", **_POST, kind=STRING, visibility=STRING,
          original_post_id=nullable(UUID), published_at=TIMESTAMP, mentioned_user_ids=list_of(UUID),
          shop_ids=list_of(UUID), product_ids=list_of(UUID), event_ids=list_of(UUID), hashtags=list_of(STRING),
          creator_id=UUID, preview=STRING, tagged_shops=list_of(OBJECT)),
    event(POST_EDITED, "an author edited a post; changed names what (text, visibility, media, embeds, "
          "collaborators); newly_mentioned_user_ids are told", **_POST, editor_id=UUID, changed=list_of(STRING),
          newly_mentioned_user_ids=list_of(UUID)),
    event(POST_DELETED, "an author deleted a post (soft): it leaves every feed", **_POST, deleted_by=UUID),
    event(POST_SCHEDULE_REACHED, "the time a scheduled post is to be published came (a scheduled job)", post_id=UUID),
    event(POST_REPOSTED, "a user reposted a post", post_id=UUID, repost_id=UUID, user_id=UUID,
          original_author_ids=list_of(UUID), reposts_count=INTEGER),
    event(POST_UNREPOSTED, "a user took back a repost", post_id=UUID, repost_id=UUID, user_id=UUID,
          reposts_count=INTEGER),
    event(POST_QUOTED, "a user published a quote post of a post", post_id=UUID, quote_id=UUID, user_id=UUID,
          original_author_ids=list_of(UUID), preview=STRING, quotes_count=INTEGER),
    event(POST_LIKED, "a user liked a post", **_POST, user_id=UUID, likes_count=INTEGER, product_ids=list_of(UUID),
          product_sellers=_SELLERS),
    event(POST_UNLIKED, "a user took back a like of a post", **_POST, user_id=UUID, likes_count=INTEGER),
    event(POST_BOOKMARKED, "a user bookmarked a post (told on the post's topic as its counters only: who saved it "
          "is theirs)", post_id=UUID, user_id=UUID, bookmarks_count=INTEGER),
    event(POST_UNBOOKMARKED, "a user removed their bookmark of a post", post_id=UUID, user_id=UUID,
          bookmarks_count=INTEGER),
    event(COMMENT_CREATED, "a user commented on a post or replied to a comment", **_POST, comment_id=UUID,
          user_id=UUID, parent_comment_id=nullable(UUID), parent_author_id=nullable(UUID),
          mentioned_user_ids=list_of(UUID), preview=STRING, comments_count=INTEGER, product_ids=list_of(UUID),
          product_sellers=_SELLERS),
    event(COMMENT_EDITED, "a comment's author edited it", post_id=UUID, comment_id=UUID, user_id=UUID,
          newly_mentioned_user_ids=list_of(UUID)),
    event(COMMENT_DELETED, "a comment's author deleted it (soft)", post_id=UUID, comment_id=UUID, user_id=UUID,
          comments_count=INTEGER),
    event(COMMENT_LIKED, "a user liked a comment", post_id=UUID, comment_id=UUID, comment_author_id=UUID,
          user_id=UUID, likes_count=INTEGER),
    event(COMMENT_UNLIKED, "a user took back a like of a comment", post_id=UUID, comment_id=UUID, user_id=UUID,
          likes_count=INTEGER),
    event(POLL_VOTED, "a user voted in a poll or changed their vote: its results changed", poll_id=UUID, post_id=UUID,
          user_id=UUID),
    event(POLL_CLOSED, "a poll's creator closed it early", poll_id=UUID, post_id=UUID),
    event(IMAGE_TAG_ADDED, "an author tagged a user, a product or a shop on one of a post's images (a shop's owner "
          "is told)", **_POST, tag_id=UUID, media_id=UUID, kind=STRING, tagged_by=UUID, user_id=nullable(UUID),
          product_id=nullable(UUID), shop_id=nullable(UUID), shop_owner_id=nullable(UUID)),
    event(IMAGE_TAG_REMOVED, "an author removed a tag from one of a post's images", **_POST, tag_id=UUID,
          media_id=UUID),
    event(COLLABORATION_INVITED, "a post's creator invited a user to co-author it", **_POST, user_id=UUID,
          invited_by=UUID),
    event(COLLABORATION_ACCEPTED, "an invited user accepted to co-author a post; published_at is the post's when it "
          "was published already (its new co-author's followers' home feeds gain it), else null (it is fanned out "
          "when published)", **_POST, user_id=UUID, invited_by=UUID, published_at=nullable(TIMESTAMP),
          visibility=STRING),
    event(COLLABORATION_DECLINED, "an invited user declined to co-author a post", **_POST, user_id=UUID,
          invited_by=UUID),
    event(COLLABORATOR_REMOVED, "a co-author left a post, or its creator removed them (or their invite); by says who",
          **_POST, user_id=UUID, by=UUID),
])

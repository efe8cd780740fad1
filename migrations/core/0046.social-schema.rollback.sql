DROP TABLE bookmarks, bookmark_collections, comment_likes, post_likes, comments, poll_votes, poll_voters,
    poll_options, polls, post_collaborators, image_tags, post_embeds, post_hashtags, hashtags, post_mentions,
    post_media, post_edits, posts;

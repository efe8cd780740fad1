-- Profiles: the public columns of a user, and the owner's edits.

-- name: profile_by_id(id)^
SELECT id, username, display_name, bio, avatar_media_id, cover_media_id, location, website, is_private,
       show_presence, dm_policy, language, verified_at, trust_score, username_changed_at, followers_count,
       following_count, posts_count, likes_received_count, created_at
  FROM users WHERE id = :id;

-- name: profile_by_username(username)^
SELECT id, username, display_name, bio, avatar_media_id, cover_media_id, location, website, is_private,
       show_presence, dm_policy, language, verified_at, trust_score, username_changed_at, followers_count,
       following_count, posts_count, likes_received_count, created_at
  FROM users WHERE lower(username) = lower(:username);

-- name: lock_users(ids)
-- Row locks in id order, so that transactions touching the same users never deadlock.
SELECT id FROM users WHERE id = ANY(:ids::uuid[]) ORDER BY id FOR NO KEY UPDATE;

-- name: update_profile(id, username, display_name, bio, avatar_media_id, cover_media_id, location, website, is_private, show_presence, dm_policy, language, username_changed_at)^
UPDATE users
   SET username = :username, display_name = :display_name, bio = :bio, avatar_media_id = :avatar_media_id,
       cover_media_id = :cover_media_id, location = :location, website = :website, is_private = :is_private,
       show_presence = :show_presence, dm_policy = :dm_policy, language = :language, username_changed_at = :username_changed_at,
       updated_at = now()
 WHERE id = :id
RETURNING id, username, display_name, bio, avatar_media_id, cover_media_id, location, website, is_private,
          show_presence, dm_policy, language, verified_at, trust_score, username_changed_at, followers_count,
          following_count, posts_count, likes_received_count, created_at;

-- name: language_of(id)$
-- The language the user reads the platform in (the notification service renders in it).
SELECT language FROM users WHERE id = :id;

-- name: ids_by_usernames(usernames)
-- The users named by these usernames (any letter case): the social area's @mentions.
SELECT id, username FROM users WHERE lower(username) = ANY(:usernames::text[]);

-- name: change_posts_count(ids, delta)!
-- A post published (+1) or deleted (-1) by these authors: the profile's posts count.
UPDATE users SET posts_count = greatest(posts_count + :delta, 0) WHERE id = ANY(:ids::uuid[]);

DROP TABLE user_mutes;
DROP TABLE user_blocks;
DROP TABLE user_follow_requests;
DROP TABLE user_follows;
DROP INDEX users_display_name_trgm;
DROP INDEX users_username_trgm;
ALTER TABLE users
    DROP COLUMN bio, DROP COLUMN avatar_media_id, DROP COLUMN cover_media_id, DROP COLUMN location,
    DROP COLUMN website, DROP COLUMN is_private, DROP COLUMN show_presence, DROP COLUMN dm_policy,
    DROP COLUMN verified_at, DROP COLUMN trust_score, DROP COLUMN username_changed_at, DROP COLUMN followers_count,
    DROP COLUMN following_count, DROP COLUMN posts_count, DROP COLUMN likes_received_count;

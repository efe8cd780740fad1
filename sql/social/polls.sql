-- Poll voting, results and closing (docs/social.md, "Polls"). Every change of a poll's votes
-- holds its row first (poll_for_vote), so its counters, its options' counters and its votes
-- change together, in one order, and a close is never passed by a vote.

-- name: poll_for_vote(poll_id)^
-- The poll, its row held for the transaction, with the database's clock.
SELECT id, post_id, question, allows_multiple, is_anonymous, expires_at, closed_at, total_votes, voters_count,
       created_at, now() AS now
  FROM polls
 WHERE id = :poll_id
   FOR NO KEY UPDATE;

-- name: poll_by_id(poll_id)^
SELECT id, post_id, question, allows_multiple, is_anonymous, expires_at, closed_at, total_votes, voters_count,
       created_at, now() AS now
  FROM polls
 WHERE id = :poll_id;

-- name: poll_options(poll_id)
SELECT id, position, text, votes_count FROM poll_options WHERE poll_id = :poll_id ORDER BY position;

-- name: poll_choices(poll_id, user_id)
-- The options a voter chose (none: they have not voted).
SELECT option_id FROM poll_votes WHERE poll_id = :poll_id AND user_id = :user_id;

-- name: poll_has_voter(poll_id, user_id)$
SELECT EXISTS (SELECT 1 FROM poll_voters WHERE poll_id = :poll_id AND user_id = :user_id);

-- name: poll_insert_voter(poll_id, user_id)$
-- The voter's first vote; nothing (NULL) when they voted already.
INSERT INTO poll_voters (poll_id, user_id) VALUES (:poll_id, :user_id)
    ON CONFLICT (poll_id, user_id) DO NOTHING
RETURNING true;

-- name: poll_voter_changed(poll_id, user_id)!
UPDATE poll_voters SET changed_at = now() WHERE poll_id = :poll_id AND user_id = :user_id;

-- name: poll_insert_votes(poll_id, user_id, option_ids)!
INSERT INTO poll_votes (poll_id, option_id, user_id)
SELECT :poll_id, option_id, :user_id FROM unnest(CAST(:option_ids AS uuid[])) AS option_id;

-- name: poll_delete_votes(poll_id, user_id, option_ids)!
DELETE FROM poll_votes WHERE poll_id = :poll_id AND user_id = :user_id AND option_id = ANY(:option_ids);

-- name: poll_count_option_votes(poll_id, option_ids, delta)!
-- Each option's count by delta (+1 for a vote, -1 for one taken back), in the options' order.
UPDATE poll_options SET votes_count = votes_count + :delta
 WHERE poll_id = :poll_id AND id = ANY(:option_ids);

-- name: poll_count_votes(poll_id, votes, voters)!
UPDATE polls SET total_votes = total_votes + :votes, voters_count = voters_count + :voters, updated_at = now()
 WHERE id = :poll_id;

-- name: poll_close(poll_id)!
UPDATE polls SET closed_at = now(), updated_at = now() WHERE id = :poll_id AND closed_at IS NULL;

-- name: poll_option_voters(poll_id, option_id, hidden_user_ids, after_at, after_id, limit)
-- The voters of one option, newest vote first (the index poll_votes_of_option: created_at
-- descending, then user_id ascending), with their public card; the users hidden from the
-- viewer by a block either way left out.
SELECT v.user_id, v.created_at, u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM poll_votes v JOIN users u ON u.id = v.user_id
 WHERE v.option_id = :option_id AND v.poll_id = :poll_id
   AND NOT (v.user_id = ANY(:hidden_user_ids))
   AND (v.created_at < :after_at OR (v.created_at = :after_at AND v.user_id > :after_id))
 ORDER BY v.created_at DESC, v.user_id
 LIMIT :limit;

-- name: poll_results_of_posts(post_ids)
-- The polls of some posts, for their views (one query whatever the count).
SELECT id, post_id, question, allows_multiple, is_anonymous, expires_at, closed_at, total_votes, voters_count,
       created_at, now() AS now
  FROM polls
 WHERE post_id = ANY(:post_ids);

-- name: poll_options_of_polls(poll_ids)
SELECT poll_id, id, position, text, votes_count FROM poll_options WHERE poll_id = ANY(:poll_ids)
 ORDER BY poll_id, position;

-- name: poll_choices_in_polls(poll_ids, user_id)
SELECT poll_id, option_id FROM poll_votes WHERE poll_id = ANY(:poll_ids) AND user_id = :user_id;

-- Reviews of the organizer by attendees (docs/events.md, "Reviews of the organizer"), and the
-- organizer's exact rating, kept in the review's own transaction.

-- name: attended(event_id, user_id, online)$
-- Whether the user attended: one of their tickets of the event was checked in on some day, or
-- (an online event) they hold a valid ticket to it.
SELECT EXISTS (SELECT 1 FROM checkins c JOIN tickets t ON t.id = c.ticket_id
                WHERE c.event_id = :event_id AND t.holder_id = :user_id)
    OR (:online AND EXISTS (SELECT 1 FROM tickets t
                             WHERE t.event_id = :event_id AND t.holder_id = :user_id AND t.state = 'valid'));

-- name: insert_review(id, event_id, organizer_id, reviewer_id, rating, body)^
-- NULL: the reviewer reviewed this event already.
INSERT INTO event_reviews (id, event_id, organizer_id, reviewer_id, rating, body)
VALUES (:id, :event_id, :organizer_id, :reviewer_id, :rating, :body)
ON CONFLICT (event_id, reviewer_id) DO NOTHING
RETURNING id;

-- name: add_to_rating(organizer_id, rating)!
INSERT INTO organizer_ratings (organizer_id, review_count, rating_sum) VALUES (:organizer_id, 1, :rating)
ON CONFLICT (organizer_id) DO UPDATE
   SET review_count = organizer_ratings.review_count + 1,
       rating_sum = organizer_ratings.rating_sum + excluded.rating_sum;

-- name: reviews_page(event_id, organizer_id, review_id, hidden_author_ids, after_at, after_id, limit)
-- An event's reviews, or an organizer's, or the one review_id names, newest first, but for
-- those of authors blocked either way with the viewer.
SELECT r.id, r.event_id, r.organizer_id, r.reviewer_id, r.rating, r.body, r.created_at, e.title AS event_title,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM event_reviews r JOIN users u ON u.id = r.reviewer_id JOIN events e ON e.id = r.event_id
 WHERE (CAST(:event_id AS uuid) IS NULL OR r.event_id = :event_id)
   AND (CAST(:organizer_id AS uuid) IS NULL OR r.organizer_id = :organizer_id)
   AND (CAST(:review_id AS uuid) IS NULL OR r.id = :review_id)
   AND r.reviewer_id <> ALL (CAST(:hidden_author_ids AS uuid[]))
   AND (r.created_at, r.id) < (:after_at, :after_id)
 ORDER BY r.created_at DESC, r.id DESC
 LIMIT :limit;

-- name: organizer_rating(organizer_id)^
SELECT u.id, u.username, coalesce(o.review_count, 0) AS review_count, coalesce(o.rating_sum, 0) AS rating_sum
  FROM users u LEFT JOIN organizer_ratings o ON o.organizer_id = u.id
 WHERE u.id = :organizer_id;

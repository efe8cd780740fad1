-- The verified badge: applications and their review, grants and revocations.

-- name: insert_verification_application(id, user_id, kind, statement, evidence)^
INSERT INTO verification_applications (id, user_id, kind, statement, evidence)
VALUES (:id, :user_id, :kind, :statement, :evidence)
RETURNING id, user_id, (SELECT username FROM users WHERE id = :user_id) AS username, kind, statement, evidence,
          status, reviewer_id, decided_at, reason, created_at;

-- name: lock_verification_application(id)^
SELECT a.id, a.user_id, u.username, a.kind, a.statement, a.evidence, a.status, a.reviewer_id, a.decided_at,
       a.reason, a.created_at
  FROM verification_applications a JOIN users u ON u.id = a.user_id
 WHERE a.id = :id
   FOR UPDATE OF a;

-- name: decide_verification_application(id, status, reviewer_id, reason)^
UPDATE verification_applications a
   SET status = :status, reviewer_id = :reviewer_id, reason = :reason, decided_at = now()
  FROM users u
 WHERE a.id = :id AND a.status = 'pending' AND u.id = a.user_id
RETURNING a.id, a.user_id, u.username, a.kind, a.statement, a.evidence, a.status, a.reviewer_id, a.decided_at,
          a.reason, a.created_at;

-- name: approve_pending_application_of(user_id, reviewer_id)^
-- A badge granted directly settles the user's pending application, if any.
UPDATE verification_applications a
   SET status = 'approved', reviewer_id = :reviewer_id, decided_at = now()
  FROM users u
 WHERE a.user_id = :user_id AND a.status = 'pending' AND u.id = a.user_id
RETURNING a.id, a.user_id, u.username, a.kind, a.statement, a.evidence, a.status, a.reviewer_id, a.decided_at,
          a.reason, a.created_at;

-- name: pending_applications_page(after_at, after_id, limit)
-- The moderators' queue, oldest first.
SELECT a.id, a.user_id, u.username, a.kind, a.statement, a.evidence, a.status, a.reviewer_id, a.decided_at,
       a.reason, a.created_at
  FROM verification_applications a JOIN users u ON u.id = a.user_id
 WHERE a.status = 'pending' AND (a.created_at, a.id) > (:after_at, :after_id)
 ORDER BY a.created_at, a.id
 LIMIT :limit;

-- name: applications_of(user_id, limit)
SELECT a.id, a.user_id, u.username, a.kind, a.statement, a.evidence, a.status, a.reviewer_id, a.decided_at,
       a.reason, a.created_at
  FROM verification_applications a JOIN users u ON u.id = a.user_id
 WHERE a.user_id = :user_id
 ORDER BY a.created_at DESC, a.id DESC
 LIMIT :limit;

-- name: verified_at_of(user_id)^
SELECT verified_at FROM users WHERE id = :user_id;

-- name: set_verified(user_id)$
UPDATE users SET verified_at = now(), updated_at = now()
 WHERE id = :user_id AND verified_at IS NULL
RETURNING verified_at;

-- name: clear_verified(user_id)$
UPDATE users SET verified_at = NULL, updated_at = now()
 WHERE id = :user_id AND verified_at IS NOT NULL
RETURNING true;

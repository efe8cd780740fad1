-- Trust events and the trust score computed from them (docs/trust.md).

-- name: insert_trust_event(user_id, kind, rating, source_event_id, occurred_at)$
-- Nothing is recorded twice for one source event.
INSERT INTO trust_events (user_id, kind, rating, source_event_id, occurred_at)
VALUES (:user_id, :kind, :rating, :source_event_id, :occurred_at)
ON CONFLICT (source_event_id) DO NOTHING
RETURNING true;

-- name: recompute_trust_score(user_id, kinds, weights, outcomes, prior_mean, prior_weight)^
-- The Bayesian average of the user's events (each kind's weight and outcome, a review's outcome
-- from its rating) and a prior worth prior_weight events of outcome prior_mean, on 0..100.
-- Run with the user's row locked, so that events recorded concurrently are all counted.
WITH totals AS (
    SELECT coalesce(sum(k.weight), 0) AS weight,
           coalesce(sum(k.weight * coalesce((e.rating - 1) / 4.0, k.outcome)), 0) AS earned
      FROM trust_events e
      JOIN unnest(:kinds::text[], :weights::float8[], :outcomes::float8[]) AS k (kind, weight, outcome)
           ON k.kind = e.kind
     WHERE e.user_id = :user_id
)
UPDATE users u
   SET trust_score = round(100 * (:prior_weight::float8 * :prior_mean::float8 + t.earned) / (:prior_weight::float8 + t.weight))
  FROM totals t, users before
 WHERE u.id = :user_id AND before.id = u.id
RETURNING before.trust_score AS previous, u.trust_score AS score;

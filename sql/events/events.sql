-- Events, their days and ticket types (docs/events.md, "Making an event"): the drafts, the
-- published pages, search and the unique page views.

-- name: event_categories()
SELECT id, slug, name, name_sw, position FROM event_categories ORDER BY position, slug;

-- name: event_category_by_id(id)^
SELECT id, slug, name, name_sw, position FROM event_categories WHERE id = :id;

-- name: insert_draft(id, organizer_id)^
-- The organizer's draft; the partial unique index events_one_draft answers a second one (none inserted).
INSERT INTO events (id, organizer_id) VALUES (:id, :organizer_id)
ON CONFLICT (organizer_id) WHERE state = 'draft' DO NOTHING
RETURNING id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
          venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
          cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at;

-- name: draft_of(organizer_id)^
SELECT id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
       venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
       cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at
  FROM events WHERE organizer_id = :organizer_id AND state = 'draft';

-- name: event_by_id(id)^
SELECT id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
       venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
       cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at
  FROM events WHERE id = :id;

-- name: lock_event(id)^
-- Every change to an event, its days and ticket types holds its row for its transaction.
SELECT id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
       venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
       cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at
  FROM events WHERE id = :id FOR UPDATE;

-- name: events_by_ids(ids)
SELECT id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
       venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
       cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at
  FROM events WHERE id = ANY (CAST(:ids AS uuid[]));

-- name: save_basics(id, title, description, category_id, cover_media_id, step)!
UPDATE events
   SET title = :title, description = :description, category_id = :category_id, cover_media_id = :cover_media_id,
       steps_done = CASE WHEN :step = ANY (steps_done) THEN steps_done ELSE steps_done || CAST(:step AS text) END,
       updated_at = now()
 WHERE id = :id;

-- name: save_schedule(id, time_zone, step)!
-- The time zone; starts_at and ends_at follow the days (the first day's start, the last day's end).
UPDATE events
   SET time_zone = :time_zone,
       starts_at = (SELECT min(starts_at) FROM event_days WHERE event_id = :id),
       ends_at = (SELECT max(ends_at) FROM event_days WHERE event_id = :id),
       steps_done = CASE WHEN :step = ANY (steps_done) THEN steps_done ELSE steps_done || CAST(:step AS text) END,
       updated_at = now()
 WHERE id = :id;

-- name: save_place(id, format, venue_name, venue_address, latitude, longitude, streaming_url, step)!
UPDATE events
   SET format = :format, venue_name = :venue_name, venue_address = :venue_address, latitude = :latitude,
       longitude = :longitude, streaming_url = :streaming_url,
       steps_done = CASE WHEN :step = ANY (steps_done) THEN steps_done ELSE steps_done || CAST(:step AS text) END,
       updated_at = now()
 WHERE id = :id;

-- name: save_tickets_step(id, currency, step)!
UPDATE events
   SET currency = :currency,
       steps_done = CASE WHEN :step = ANY (steps_done) THEN steps_done ELSE steps_done || CAST(:step AS text) END,
       updated_at = now()
 WHERE id = :id;

-- name: touch_event(id)!
UPDATE events SET updated_at = now() WHERE id = :id;

-- name: set_event_state(id, state)^
UPDATE events
   SET state = :state, updated_at = now(),
       published_at = CASE WHEN :state = 'published' THEN now() ELSE published_at END
 WHERE id = :id
RETURNING id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
          venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
          cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at;

-- name: events_of_organizer_page(organizer_id, states, before_at, before_id, limit)
-- An organizer's events in those states, newest first.
SELECT id, organizer_id, state, title, description, category_id, cover_media_id, format, time_zone, venue_name,
       venue_address, latitude, longitude, streaming_url, currency, steps_done, starts_at, ends_at, published_at,
       cancelled_at, cancel_reason, completed_at, settlement, settle_after, created_at, updated_at
  FROM events
 WHERE organizer_id = :organizer_id AND state = ANY (CAST(:states AS text[]))
   AND (created_at, id) < (:before_at, :before_id)
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: staff_role_of(event_id, user_id)$
-- The user's role among the event's active staff (scanner, manager), or NULL.
SELECT role FROM event_staff WHERE event_id = :event_id AND user_id = :user_id AND state = 'active';

-- name: holds_valid_ticket(event_id, user_id)$
SELECT EXISTS (SELECT 1 FROM tickets WHERE event_id = :event_id AND holder_id = :user_id AND state = 'valid');

-- name: event_has_sales(event_id)$
-- Any ticket committed (reserved or issued) or any order placed: the event has sold.
SELECT EXISTS (SELECT 1 FROM ticket_types WHERE event_id = :event_id AND committed > 0)
    OR EXISTS (SELECT 1 FROM ticket_orders WHERE event_id = :event_id);

-- days

-- name: days_of_events(event_ids)
SELECT id, event_id, number, starts_at, ends_at, doors_open, title
  FROM event_days WHERE event_id = ANY (CAST(:event_ids AS uuid[])) ORDER BY event_id, number;

-- name: upsert_day(id, event_id, number, starts_at, ends_at, doors_open, title)!
-- Day N of the event: the one it has keeps its id (tickets and check-ins refer to it).
INSERT INTO event_days (id, event_id, number, starts_at, ends_at, doors_open, title)
VALUES (:id, :event_id, :number, :starts_at, :ends_at, :doors_open, :title)
ON CONFLICT (event_id, number) DO UPDATE
   SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, doors_open = EXCLUDED.doors_open,
       title = EXCLUDED.title;

-- name: delete_days_after(event_id, number)!
DELETE FROM event_days WHERE event_id = :event_id AND number > :number;

-- ticket types

-- name: ticket_types_of_events(event_ids)
SELECT id, event_id, name, description, kind, price, quantity, committed, per_order_limit, sales_start_at,
       sales_end_at, visibility, position, archived_at, created_at, updated_at
  FROM ticket_types WHERE event_id = ANY (CAST(:event_ids AS uuid[])) AND archived_at IS NULL
 ORDER BY event_id, position, id;

-- name: ticket_types_by_ids(ids)
SELECT id, event_id, name, description, kind, price, quantity, committed, per_order_limit, sales_start_at,
       sales_end_at, visibility, position, archived_at, created_at, updated_at
  FROM ticket_types WHERE id = ANY (CAST(:ids AS uuid[]));

-- name: lock_ticket_type(id)^
SELECT id, event_id, name, description, kind, price, quantity, committed, per_order_limit, sales_start_at,
       sales_end_at, visibility, position, archived_at, created_at, updated_at
  FROM ticket_types WHERE id = :id FOR UPDATE;

-- name: insert_ticket_type(id, event_id, name, description, kind, price, quantity, per_order_limit, sales_start_at, sales_end_at, visibility, position)!
INSERT INTO ticket_types (id, event_id, name, description, kind, price, quantity, per_order_limit, sales_start_at,
                          sales_end_at, visibility, position)
VALUES (:id, :event_id, :name, :description, :kind, :price, :quantity, :per_order_limit, :sales_start_at,
        :sales_end_at, :visibility, :position);

-- name: update_ticket_type(id, name, description, kind, price, quantity, per_order_limit, sales_start_at, sales_end_at, visibility, position)^
-- Never below what is committed: no row when the new quantity is (a sale may have come in between).
UPDATE ticket_types
   SET name = :name, description = :description, kind = :kind, price = :price, quantity = :quantity,
       per_order_limit = :per_order_limit, sales_start_at = :sales_start_at, sales_end_at = :sales_end_at,
       visibility = :visibility, position = :position, updated_at = now()
 WHERE id = :id AND committed <= :quantity
RETURNING id;

-- name: delete_ticket_types_except(event_id, keep)!
-- A draft's (or an unsold unpublished event's) ticket types not in the list it saved.
DELETE FROM ticket_types
 WHERE event_id = :event_id AND NOT (id = ANY (CAST(:keep AS uuid[]))) AND committed = 0
   AND NOT EXISTS (SELECT 1 FROM ticket_order_lines l WHERE l.ticket_type_id = ticket_types.id);

-- name: ticket_type_days(ticket_type_ids)
SELECT d.ticket_type_id, d.day_id, e.number
  FROM ticket_type_days d JOIN event_days e ON e.id = d.day_id
 WHERE d.ticket_type_id = ANY (CAST(:ticket_type_ids AS uuid[])) ORDER BY d.ticket_type_id, e.number;

-- name: clear_ticket_type_days(ticket_type_id)!
DELETE FROM ticket_type_days WHERE ticket_type_id = :ticket_type_id;

-- name: add_ticket_type_days(ticket_type_id, day_ids)!
INSERT INTO ticket_type_days (ticket_type_id, day_id)
SELECT :ticket_type_id, unnest(CAST(:day_ids AS uuid[])) ON CONFLICT DO NOTHING;

-- page views

-- name: record_view(event_id, viewer_key, viewer_id)!
INSERT INTO event_views (event_id, day, viewer_key, viewer_id)
VALUES (:event_id, (now() AT TIME ZONE 'UTC')::date, :viewer_key, :viewer_id)
ON CONFLICT DO NOTHING;

-- name: valid_ticket_holders(event_id)
SELECT DISTINCT holder_id FROM tickets WHERE event_id = :event_id AND state = 'valid';

-- name: organizer_cards(ids)
-- The public card columns of organizers, for display (docs/architecture.md, "What crosses area lines").
SELECT id, username, display_name, avatar_media_id, verified_at FROM users WHERE id = ANY (CAST(:ids AS uuid[]));

-- name: archive_ticket_types_except(event_id, keep)!
-- Ticket types taken off an event that orders name (the orders keep them).
UPDATE ticket_types SET archived_at = now(), updated_at = now()
 WHERE event_id = :event_id AND NOT (id = ANY (CAST(:keep AS uuid[]))) AND archived_at IS NULL;

-- name: next_ticket_type_position(event_id)$
SELECT coalesce(max(position) + 1, 0) FROM ticket_types WHERE event_id = :event_id;

-- name: delete_draft(id)!
DELETE FROM events WHERE id = :id AND state = 'draft';

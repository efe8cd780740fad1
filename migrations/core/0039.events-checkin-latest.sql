-- depends: 0036.events-tickets
-- The check-in dashboard's latest admissions of an event, newest first (docs/events.md, "Check-in"),
-- read without sorting every admission of the event.
CREATE INDEX checkins_latest ON checkins (event_id, recorded_at DESC);

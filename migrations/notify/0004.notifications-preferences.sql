-- depends: 0003.notifications-centre
-- Each recipient's notification preferences (docs/notifications.md, "Preferences"). A
-- recipient without a row has the defaults; a row keeps only what the recipient chose, so a
-- default changed later still reaches the choices they never made. `channels` maps a category
-- to the channels set in it ({"social": {"push": "none", "in_app": false}}), `types` a type
-- to whether it is on ({"new_follower": false}); the service validates both against the
-- registry, which lives in code. Quiet hours are local wall-clock times in `time_zone` (an
-- IANA name), start inclusive, end exclusive, crossing midnight when start > end.
CREATE TABLE notification_preferences (
    recipient_id  uuid        PRIMARY KEY,
    channels      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channels) = 'object'),
    types         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(types) = 'object'),
    time_zone     text        CHECK (time_zone <> ''),
    quiet_start   time,
    quiet_end     time,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
    CHECK (quiet_start IS DISTINCT FROM quiet_end OR quiet_start IS NULL)
);

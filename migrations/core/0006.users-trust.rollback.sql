DROP INDEX users_display_name_prefix;
DROP INDEX users_username_prefix;
DROP TABLE trust_events;
DROP TABLE verification_applications;

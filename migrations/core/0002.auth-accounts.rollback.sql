DROP TABLE auth_used_tokens;
DROP TABLE auth_signing_keys;
DROP TABLE auth_refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE auth_devices;
DROP TABLE users;

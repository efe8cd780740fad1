DROP TABLE auth_oauth_identities;

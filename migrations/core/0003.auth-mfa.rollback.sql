DROP TABLE auth_mfa_recovery_codes;
DROP TABLE auth_mfa_totp;

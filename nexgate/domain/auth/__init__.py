"""Authentication: accounts and credentials, tokens and their keys, devices and sessions,
verification, password reset, MFA, OAuth sign-in and the limits against abuse."""

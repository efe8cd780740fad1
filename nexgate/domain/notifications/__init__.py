"""The notification service's rules: what to send, on which channel, and the record of it."""

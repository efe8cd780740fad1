"""Clients for the outside world (SMTP, SMS, push, payment providers), each with a local sandbox."""

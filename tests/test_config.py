"""``.env.example`` against ``Config``, and malformed variables named in the error
(the start-up side of bad variables is in test_startup.py)."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

from nexgate.config import Config, ConfigError, documented_settings
from tests.cli import ROOT

ENV_EXAMPLE = ROOT / ".env.example"


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEXGATE_")}


def _assignments(text: str) -> dict[str, str]:
    """The variables an env file sets, its values unquoted as a shell would."""
    pairs = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            variable, _, value = line.partition("=")
            pairs[variable] = " ".join(shlex.split(value))
    return pairs


def test_env_example_is_what_settings_prints():
    printed = subprocess.run(
        [sys.executable, "-m", "nexgate", "settings"],
        cwd=ROOT, env=_clean_environment(), capture_output=True, text=True, check=True,
    ).stdout
    assert ENV_EXAMPLE.read_text() == printed, "out of date: run `python -m nexgate settings > .env.example`"


def test_env_example_lists_every_setting_with_its_description_and_default():
    text = ENV_EXAMPLE.read_text()
    assignments = _assignments(text)
    assert list(assignments) == [variable for variable, _, _ in documented_settings()]
    for variable, _, description in documented_settings():
        assert f"# {description}\n{variable}=" in text
    assert Config.from_env(assignments) == Config()


@pytest.mark.parametrize(
    "variable, value, reason",
    [
        ("NEXGATE_DATABASE_URL", "mysql://x", "must be a URL starting with postgresql:// or postgres://"),
        ("NEXGATE_NOTIFY_DATABASE_URL", "nexgate_notify", "must be a URL starting with postgresql://"),
        ("NEXGATE_AMQP_URL", "http://127.0.0.1:15672/", "must be a URL starting with amqp:// or amqps://"),
        ("NEXGATE_PUBLIC_URL", "localhost:8080", "must be a URL starting with http:// or https://"),
        ("NEXGATE_MAX_BODY_BYTES", "10", "must be between 1024 and"),
        ("NEXGATE_SMTP_STARTTLS", "maybe", "must be true or false"),
        ("NEXGATE_REDIS_PREFIX", "my app", "may hold only letters, digits"),
        ("NEXGATE_PHONE_REGION", "Tanzania", "must be a two-letter country code"),
        ("NEXGATE_LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO, WARNING, ERROR"),
        ("NEXGATE_NOTIFICATIONS_DAILY_DIGEST_AT", "8am", "must be a time of day, HH:MM (08:00)"),
        ("NEXGATE_NOTIFICATIONS_WEEKLY_DIGEST_AT", "08:00+03:00", "must be a local time of day, with no offset"),
        ("NEXGATE_NOTIFICATIONS_WEEKLY_DIGEST_DAY", "someday", "must be one of monday, tuesday"),
    ],
)
def test_malformed_variable_is_named_with_the_reason(variable, value, reason):
    with pytest.raises(ConfigError) as raised:
        Config.from_env({variable: value})
    assert str(raised.value).startswith(f"{variable}={value!r} is invalid: ")
    assert reason in str(raised.value)

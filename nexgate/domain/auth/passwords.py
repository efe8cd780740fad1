"""Passwords: a strength rule and Argon2id hashing, both run in the CPU process pool.

Strength is judged by zxcvbn (Dropbox's estimator, which knows the common-password lists,
keyboard patterns and the user's own name and email) rather than by character-class
rules, which accept "Password1!" and refuse long passphrases.
"""
from __future__ import annotations

import dataclasses

import argon2
from zxcvbn import zxcvbn

from ... import cpu
from ...config import Config
from ...errors import Invalid
from ...platform import Platform

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable" against an offline slow-hash attack


@dataclasses.dataclass(frozen=True)
class HashParameters:
    time_cost: int
    memory_kib: int
    parallelism: int

    @classmethod
    def from_config(cls, config: Config) -> HashParameters:
        return cls(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)

    def hasher(self) -> argon2.PasswordHasher:
        return argon2.PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism, type=argon2.Type.ID
        )


def _weakness(password: str, personal: list[str]) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    verdict = zxcvbn(password, user_inputs=[p for p in personal if p])
    if verdict["score"] < MIN_SCORE:
        feedback = verdict["feedback"]
        hints = [feedback.get("warning") or "This password is too easy to guess.", *feedback.get("suggestions", [])]
        return " ".join(hint for hint in hints if hint)
    return None


def _judge_and_hash(password: str, personal: list[str], parameters: HashParameters) -> tuple[str | None, str | None]:
    weakness = _weakness(password, personal)
    return (weakness, None) if weakness else (None, parameters.hasher().hash(password))


def _verify(password_hash: str, password: str, parameters: HashParameters) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one used weaker parameters)."""
    hasher = parameters.hasher()
    try:
        hasher.verify(password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(password_hash) else None


def _dummy_hash(parameters: HashParameters) -> str:
    return parameters.hasher().hash("no account has this password")


def _parameters(platform: Platform) -> HashParameters:
    return HashParameters.from_config(platform.config)


async def hash_new_password(platform: Platform, password: str, *, personal: list[str], field: str = "password") -> str:
    """The Argon2id hash of an acceptable password; ``Invalid`` naming ``field`` otherwise."""
    weakness, password_hash = await cpu.run(
        platform.cpu_pool, _judge_and_hash, password, personal, _parameters(platform)
    )
    if weakness:
        raise Invalid.fields("body", {field: weakness}, message=f"The password is too weak: {weakness}")
    return password_hash


# One dummy hash per parameter set and process, made the first time an unknown account logs in.
_dummy_hashes: dict[HashParameters, str] = {}


async def verify_password(platform: Platform, password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one used weaker parameters), verified in the pool.

    With no account to check against (``password_hash`` None) it still spends the same time
    on a dummy hash, so that response times do not reveal which accounts exist.
    """
    parameters = _parameters(platform)
    if password_hash is None:
        if parameters not in _dummy_hashes:
            _dummy_hashes[parameters] = await cpu.run(platform.cpu_pool, _dummy_hash, parameters)
        await cpu.run(platform.cpu_pool, _verify, _dummy_hashes[parameters], password, parameters)
        return False, None
    return await cpu.run(platform.cpu_pool, _verify, password_hash, password, parameters)

"""Join codes and join links, and the limit on wrong codes.

A join code is what a student types (8 characters from 32 that are not
confused when read aloud or from a projector: 2^40 codes); a join link
carries a 144-bit token. Wrong codes are counted per address and per
account in the cache: past the limit, that address or account waits.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.cache import cache

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_join_token() -> str:
    return secrets.token_urlsafe(18)


def normalize_code(text: str) -> str:
    """What a student typed, as stored: upper case, without spaces or dashes."""
    return "".join(text.split()).replace("-", "").upper()[:32]


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class JoinLimiter:
    """Wrong join codes per address and per account, in a window of JOIN_CODE_WINDOW_SECONDS."""

    def __init__(self, address: str, user_id: int | None):
        self.keys = [f"classroom-join-fail:ip:{address}"]
        self.limits = [settings.JOIN_CODE_FAILURES_PER_ADDRESS]
        if user_id is not None:
            self.keys.append(f"classroom-join-fail:user:{user_id}")
            self.limits.append(settings.JOIN_CODE_FAILURES_PER_ACCOUNT)

    def blocked(self) -> bool:
        counts = cache.get_many(self.keys)
        return any(counts.get(key, 0) >= limit for key, limit in zip(self.keys, self.limits, strict=True))

    def failed(self) -> None:
        for key in self.keys:
            if cache.add(key, 1, settings.JOIN_CODE_WINDOW_SECONDS):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, settings.JOIN_CODE_WINDOW_SECONDS)

"""Hash-driven choices: the same parts give the same value on every machine and every run.

The emulator derives every generated value (names, statuses, metrics) from ids and dates
through these helpers, so nothing big is stored and the ground truth can be recomputed.
"""

import hashlib
import struct


def _key(parts) -> bytes:
    return "|".join(map(str, parts)).encode()


def stable_int(*parts) -> int:
    """A 64-bit integer fixed by `parts`."""
    return int.from_bytes(hashlib.blake2b(_key(parts), digest_size=8).digest(), "big")


def stable_u16s(*parts) -> tuple:
    """Sixteen integers in 0..65535 fixed by `parts` (one hash feeds a whole metrics row)."""
    return struct.unpack("<16H", hashlib.blake2b(_key(parts), digest_size=32).digest())


def pick(options, *parts):
    return options[stable_int(*parts) % len(options)]


def between(low: int, high: int, *parts) -> int:
    """An integer in [low, high], both inclusive."""
    return low + stable_int(*parts) % (high - low + 1)


def chance(percent: int, *parts) -> bool:
    return stable_int(*parts) % 100 < percent


def hex_digest(*parts) -> str:
    """32 hex characters, the shape of Meta's image hashes."""
    return hashlib.md5(_key(parts)).hexdigest()

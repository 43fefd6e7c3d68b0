"""Charge box authorization keys: salted scrypt hashes, and a verifier that caches successes.

The stored form is `scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can be
raised later without invalidating stored hashes (each is checked with its own
parameters). Measured here: n = 2^14, r = 8, p = 1 takes ~40 ms and 16 MiB per check;
see docs/security.md for the trade-off with reconnect storms.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict

LOG2_N, R, P = 14, 8, 1
_MAXMEM = 64 * 2**20


def hash_key(key: str, *, log2_n: int = LOG2_N) -> str:
    """A salted scrypt hash of `key` in the stored form."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        key.encode(), salt=salt, n=2**log2_n, r=R, p=P, maxmem=_MAXMEM, dklen=32
    )
    return "$".join(("scrypt", str(log2_n), str(R), str(P), _b64(salt), _b64(digest)))


def check_key(key: str, stored: str) -> bool:
    """Whether `key` matches the stored hash (constant-time comparison)."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            key.encode(),
            salt=base64.b64decode(salt),
            n=2 ** int(log2_n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class KeyVerifier:
    """Checks authorization keys off the event loop, remembering recent successes.

    A reconnecting charge box presents the same key again and again; re-running scrypt
    each time would let a reconnect storm (or an attacker replaying one valid key) eat
    the CPU. A success is remembered as an HMAC of the key under a secret of this
    process, bound to the stored hash it matched: a changed key (new hash) or a wrong
    key never hits the memory. Failures are never remembered.
    """

    def __init__(self, *, size: int = 50_000) -> None:
        self._secret = secrets.token_bytes(32)
        self._size = size
        self._known: OrderedDict[str, bytes] = OrderedDict()

    async def verify(self, key: str, stored: str) -> bool:
        """Whether `key` matches `stored`; slow checks run in a worker thread."""
        tag = hmac.new(self._secret, stored.encode() + b"\0" + key.encode(), "sha256").digest()
        remembered = self._known.get(stored)
        if remembered is not None and hmac.compare_digest(remembered, tag):
            self._known.move_to_end(stored)
            return True
        if not await asyncio.to_thread(check_key, key, stored):
            return False
        self._known[stored] = tag
        if len(self._known) > self._size:
            self._known.popitem(last=False)
        return True

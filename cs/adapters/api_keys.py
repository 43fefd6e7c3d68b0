"""REST API keys: their format, their roles, and the PostgreSQL table that holds them.

A key reads `cs_<id>_<secret>`: `id` is 8 hex characters (public: it names the key in
logs, listings and `requested_by`), `secret` is 32 random bytes, URL-safe base64 (43
characters). Only the SHA-256 of the secret is stored (docs/adr/0011-api-keys.md: a
256-bit random secret needs no slow hash); the whole key is shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

PREFIX = "cs_"
ID_LENGTH = 8
SECRET_BYTES = 32
SECRET_LENGTH = 43  # base64 of 32 bytes, unpadded

DDL = """
CREATE TABLE IF NOT EXISTS cs_api_keys (
    key_id        text PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('read', 'operator', 'admin')),
    secret_sha256 bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    revoked_by    text,
    last_used_at  timestamptz
)
"""

_COLUMNS = (
    "key_id, name, role, secret_sha256, created_at, created_by, expires_at, revoked_at, "
    "revoked_by, last_used_at"
)
# Two nodes starting on an empty table must not both create a first admin key.
_FIRST_KEY_LOCK = 0x63735F6B657973  # "cs_keys"


class Role(StrEnum):
    """What a key may do; each role can do everything the ones before it can."""

    READ = "read"  # queries and histories (GET)
    OPERATOR = "operator"  # + commands to charge boxes, the token registry, registrations
    ADMIN = "admin"  # + managing API keys

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """True when a key with this role may do what `needed` is required for."""
        return self.rank >= needed.rank


_RANKS = {Role.READ: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class ApiKey:
    """One stored key, without its secret (only the secret's SHA-256)."""

    key_id: str
    name: str
    role: Role
    secret_sha256: bytes
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None

    @property
    def identity(self) -> str:
        """Who a request made with this key is recorded as: `key:<id> (<name>)`."""
        return f"key:{self.key_id} ({self.name})"

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def matches(self, secret: str) -> bool:
        """The secret hashes to the stored digest (compared in constant time)."""
        return hmac.compare_digest(hash_secret(secret), self.secret_sha256)

    def public(self) -> dict[str, Any]:
        """Everything but the digest: for listings (CLI and REST)."""
        return {
            "key_id": self.key_id,
            "name": self.name,
            "role": self.role.value,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "revoked_by": self.revoked_by,
            "last_used_at": self.last_used_at,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiKey:
        return cls(
            **{**row, "role": Role(row["role"]), "secret_sha256": bytes(row["secret_sha256"])}
        )


@dataclass(frozen=True)
class NewKey:
    """A key just created: the only moment its full text exists."""

    key: ApiKey
    text: str


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def generate() -> tuple[str, str, str]:
    """A fresh key: (key_id, secret, full text)."""
    key_id = secrets.token_hex(ID_LENGTH // 2)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return key_id, secret, f"{PREFIX}{key_id}_{secret}"


def parse(text: str) -> tuple[str, str] | None:
    """(key_id, secret) of a well-formed key, else None (no database needed to refuse)."""
    if (
        len(text) != len(PREFIX) + ID_LENGTH + 1 + SECRET_LENGTH
        or not text.startswith(PREFIX)
        or text[len(PREFIX) + ID_LENGTH] != "_"
    ):
        return None
    key_id = text[len(PREFIX) : len(PREFIX) + ID_LENGTH]
    if any(c not in "0123456789abcdef" for c in key_id):
        return None
    return key_id, text[len(PREFIX) + ID_LENGTH + 1 :]


_INSERT = (
    "INSERT INTO cs_api_keys (key_id, name, role, secret_sha256, created_by, expires_at) "
    f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}"
)
_REVOKE = (
    "UPDATE cs_api_keys SET revoked_at = coalesce(revoked_at, now()), "
    f"revoked_by = coalesce(revoked_by, %s) WHERE key_id = %s RETURNING {_COLUMNS}"
)
_SELECT_ONE = f"SELECT {_COLUMNS} FROM cs_api_keys WHERE key_id = %s"
_SELECT_ALL = f"SELECT {_COLUMNS} FROM cs_api_keys ORDER BY created_at, key_id"
_TOUCH = "UPDATE cs_api_keys SET last_used_at = now() WHERE key_id = %s"
_ANY_KEY = "SELECT EXISTS (SELECT 1 FROM cs_api_keys)"
FIRST_KEY_NAME = "first-start admin"


def _new_key(row: dict[str, Any] | None, text: str) -> NewKey:
    if row is None:  # INSERT ... RETURNING always returns the row
        raise RuntimeError("the new API key was not returned")
    return NewKey(ApiKey.from_row(row), text)


def _insert_params(
    name: str, role: Role, created_by: str, expires_at: datetime | None
) -> tuple[tuple[Any, ...], str]:
    key_id, secret, text = generate()
    return (key_id, name, role.value, hash_secret(secret), created_by, expires_at), text


class KeyTable:
    """Synchronous management of `cs_api_keys`, for the `cs keys` command."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(
            self._conninfo, autocommit=True, options="-c timezone=UTC", row_factory=dict_row
        )

    def create_table(self) -> None:
        """Create the table if it is missing (idempotent)."""
        with self._connect() as conn:
            conn.execute(DDL)

    def create(
        self, name: str, role: Role, *, created_by: str, expires_at: datetime | None = None
    ) -> NewKey:
        """A new key; its text is in the result and nowhere else."""
        params, text = _insert_params(name, role, created_by, expires_at)
        with self._connect() as conn:
            return _new_key(conn.execute(_INSERT, params).fetchone(), text)

    def revoke(self, key_id: str, *, by: str) -> ApiKey | None:
        """Revoke a key (a second revoke changes nothing); None if there is no such key."""
        with self._connect() as conn:
            row = conn.execute(_REVOKE, (by, key_id)).fetchone()
        return None if row is None else ApiKey.from_row(row)

    def list(self) -> list[ApiKey]:
        """Every key, oldest first (revoked and expired ones too)."""
        with self._connect() as conn:
            return [ApiKey.from_row(row) for row in conn.execute(_SELECT_ALL).fetchall()]


class AsyncKeyTable:
    """The same table from the event loop: the REST middleware and the key endpoints."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def get(self, key_id: str) -> ApiKey | None:
        """One key by id (a primary-key lookup), or None."""
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(_SELECT_ONE, (key_id,))
            row = await cursor.fetchone()
        return None if row is None else ApiKey.from_row(row)

    async def touch(self, key_id: str) -> None:
        """Record that the key was used (the middleware does so at most once a minute)."""
        async with self._pool.connection() as conn:
            await conn.execute(_TOUCH, (key_id,))

    async def create(
        self, name: str, role: Role, *, created_by: str, expires_at: datetime | None = None
    ) -> NewKey:
        """A new key; its text is in the result and nowhere else."""
        params, text = _insert_params(name, role, created_by, expires_at)
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(_INSERT, params)
            return _new_key(await cursor.fetchone(), text)

    async def create_first_admin(self) -> NewKey | None:
        """An admin key if the table holds no key at all (not even a revoked one), else None.

        Serialised by an advisory lock, so nodes starting together create one key.
        """
        async with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as cursor,
        ):
            await cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_FIRST_KEY_LOCK,))
            await cursor.execute(_ANY_KEY)
            row = await cursor.fetchone()
            if row is not None and row["exists"]:
                return None
            params, text = _insert_params(FIRST_KEY_NAME, Role.ADMIN, "first start", None)
            await cursor.execute(_INSERT, params)
            return _new_key(await cursor.fetchone(), text)

    async def revoke(self, key_id: str, *, by: str) -> ApiKey | None:
        """Revoke a key (idempotent); None if there is no such key."""
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(_REVOKE, (by, key_id))
            row = await cursor.fetchone()
        return None if row is None else ApiKey.from_row(row)

    async def list(self) -> list[ApiKey]:
        """Every key, oldest first (revoked and expired ones too)."""
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(_SELECT_ALL)
            return [ApiKey.from_row(row) for row in await cursor.fetchall()]

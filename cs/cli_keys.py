"""`cs keys create|list|revoke`: REST API keys, straight in the database.

Whoever can run this with the database URL can already read and change everything, so
the command needs no key of its own. Secrets are printed once, by `create`, and never
stored: `list` shows everything else.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cs.config import Settings


def add_commands(commands: Any) -> None:
    """Add `keys` and its subcommands to the `cs` argument parser."""
    keys = commands.add_parser("keys", help="REST API keys: create, list, revoke")
    action = keys.add_subparsers(dest="action", required=True)
    create = action.add_parser("create", help="create a key and print it (once)")
    create.add_argument("--name", required=True, help="what or who the key is for")
    create.add_argument("--role", required=True, choices=["read", "operator", "admin"])
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument("--expires-in", type=float, metavar="DAYS", help="expire after DAYS")
    expiry.add_argument(
        "--expires-at", type=_aware, metavar="ISO", help="expire at this time (ISO-8601)"
    )
    create.set_defaults(run=_create)
    listing = action.add_parser("list", help="every key, without secrets")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(run=_list)
    revoke = action.add_parser(
        "revoke", help="revoke a key (every node refuses it within CS_API_KEY_CACHE_SECONDS)"
    )
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@contextlib.contextmanager
def _table(settings: Settings) -> Iterator[Any]:
    """The key table of CS_DATABASE_URL, or of the embedded PostgreSQL `make run` uses."""
    from cs.adapters.api_keys import KeyTable
    from cs.adapters.embedded_pg import EmbeddedPostgres

    embedded = None
    database_url = settings.database_url
    if database_url is None:
        embedded = EmbeddedPostgres(settings.data_dir)
        database_url = embedded.start()
    try:
        table = KeyTable(database_url)
        table.create_table()
        yield table
    finally:
        if embedded is not None:
            embedded.stop()


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _create(settings: Settings, args: argparse.Namespace) -> int:
    from cs.adapters.api_keys import Role

    expires_at: datetime | None = args.expires_at
    if args.expires_in is not None:
        expires_at = datetime.now(UTC) + timedelta(days=args.expires_in)
    if expires_at is not None and expires_at <= datetime.now(UTC):
        print("cs keys create: the expiry is in the past", file=sys.stderr)
        return 2
    with _table(settings) as table:
        created = table.create(args.name, Role(args.role), created_by=_who(), expires_at=expires_at)
    key = created.key
    print(created.text)  # alone on stdout: KEY=$(cs keys create ...) works
    print(
        f"key {key.key_id} ({key.name}), role {key.role.value}, expires "
        f"{key.expires_at.isoformat() if key.expires_at else 'never'}; shown once: store it now",
        file=sys.stderr,
    )
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    with _table(settings) as table:
        keys = table.list()
    if args.json:
        import orjson

        rows = [key.public() for key in keys]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_UTC_Z | orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return 0
    now = datetime.now(UTC)
    print(
        f"{'id':8}  {'role':8}  {'state':8}  {'created':20}  {'expires':20}  {'last used':20}  name"
    )
    for key in keys:
        state = "revoked" if key.revoked_at else ("active" if key.usable_at(now) else "expired")
        print(
            f"{key.key_id:8}  {key.role.value:8}  {state:8}  {_when(key.created_at):20}  "
            f"{_when(key.expires_at):20}  {_when(key.last_used_at):20}  {key.name}"
        )
    return 0


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def _revoke(settings: Settings, args: argparse.Namespace) -> int:
    with _table(settings) as table:
        key = table.revoke(args.key_id, by=_who())
    if key is None:
        print(f"cs keys revoke: no key {args.key_id!r}", file=sys.stderr)
        return 1
    print(
        f"key {key.key_id} ({key.name}) revoked at {_when(key.revoked_at)}; every node refuses "
        f"it within CS_API_KEY_CACHE_SECONDS ({settings.api_key_cache_seconds:g} s)"
    )
    return 0

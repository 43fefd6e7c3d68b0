"""Commands for auditors and operators: replay, verify, rebuild, export, seed."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from cs.config import Settings


def add_commands(commands: Any) -> None:
    replay = commands.add_parser("replay", help="print a history; verify the read models")
    what = replay.add_subparsers(dest="what", required=True)
    session = what.add_parser("session", help="a session's timeline")
    session.add_argument("transaction_id", type=int)
    session.add_argument("--json", action="store_true", help="the events as JSON")
    session.set_defaults(run=_replay_session)
    box = what.add_parser("charge-box", help="a charge box's timeline")
    box.add_argument("charge_box_id")
    box.add_argument("--tenant", default="default")
    box.add_argument("--from", dest="since", type=datetime.fromisoformat)
    box.add_argument("--to", dest="until", type=datetime.fromisoformat)
    box.add_argument("--json", action="store_true")
    box.set_defaults(run=_replay_box)
    verify = what.add_parser("verify", help="rebuild every read model from the log and compare")
    verify.set_defaults(run=_replay_verify)

    projections = commands.add_parser("projections", help="manage read models")
    action = projections.add_subparsers(dest="action", required=True)
    rebuild = action.add_parser("rebuild", help="rebuild one read model in place, while serving")
    rebuild.add_argument("name")
    rebuild.set_defaults(run=_rebuild)

    audit = commands.add_parser("audit", help="verifiable exports of histories")
    audit_action = audit.add_subparsers(dest="action", required=True)
    export = audit_action.add_parser("export", help="export a history with its digest chain")
    export.add_argument("kind", choices=["session", "charge-box"])
    export.add_argument("id")
    export.add_argument("--tenant", default="default")
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(run=_export)
    check = audit_action.add_parser(
        "verify", help="check an export (offline; --store: also against the log)"
    )
    check.add_argument("file", type=Path)
    check.add_argument("--store", action="store_true", help="also compare with the live event log")
    check.set_defaults(run=_verify_export)

    seed = commands.add_parser("seed", help="write a large synthetic event log (benchmarks)")
    seed.add_argument("--events", type=int, default=1_000_000)
    seed.add_argument("--charge-boxes", type=int, default=500)
    seed.set_defaults(run=_seed)


class _Storage:
    """The store, a read pool and the history reader, for one CLI run."""

    def __init__(self, settings: Settings) -> None:
        from cs.adapters.storage import open_storage

        self.storage = open_storage(settings)

    def reader(self, pool: Any) -> Any:
        from cs.audit.history import HistoryReader

        return HistoryReader(pool, self.storage.store.mapper)

    async def run(self, work: Any) -> Any:
        from psycopg_pool import AsyncConnectionPool

        async with AsyncConnectionPool(
            self.storage.database_url, min_size=1, max_size=2, open=False
        ) as pool:
            return await work(self.reader(pool))

    def close(self) -> None:
        self.storage.close()


def _with_storage(settings: Settings, work: Any) -> Any:
    storage = _Storage(settings)
    try:
        return asyncio.run(storage.run(work))
    finally:
        storage.close()


def _print_history(events: list[dict[str, Any]], as_json: bool) -> None:
    from cs.audit.timeline import render

    if as_json:
        sys.stdout.write(
            orjson.dumps(events, option=orjson.OPT_UTC_Z | orjson.OPT_INDENT_2).decode() + "\n"
        )
    else:
        print(render(events))


def _replay_session(settings: Settings, args: argparse.Namespace) -> int:
    async def work(reader: Any) -> Any:
        document = await reader.export_session(args.transaction_id)
        return None if document is None else document["events"]

    events = _with_storage(settings, work)
    if events is None:
        print(f"no session with transaction id {args.transaction_id}", file=sys.stderr)
        return 1
    _print_history(events, args.json)
    return 0


def _replay_box(settings: Settings, args: argparse.Namespace) -> int:
    async def work(reader: Any) -> Any:
        document = await reader.export_charge_box(
            args.tenant, args.charge_box_id, since=args.since, until=args.until
        )
        return None if document is None else document["events"]

    events = _with_storage(settings, work)
    if events is None:
        print(f"no charge box {args.charge_box_id!r} in tenant {args.tenant!r}", file=sys.stderr)
        return 1
    _print_history(events, args.json)
    return 0


def _rebuilder(settings: Settings) -> tuple[Any, Any]:
    from cs.adapters.storage import open_storage
    from cs.projections.catalog import all_projections
    from cs.projections.rebuild import Rebuilder

    storage = open_storage(settings)
    return storage, Rebuilder(
        storage.database_url, projections=all_projections, mapper=storage.store.mapper
    )


def _replay_verify(settings: Settings, _: argparse.Namespace) -> int:
    storage, rebuilder = _rebuilder(settings)
    try:
        report = rebuilder.verify()
    finally:
        storage.close()
    print(
        f"rebuilt from {report.events} events in {report.seconds:.1f}s "
        f"({report.events_per_second:,.0f} events/s)"
    )
    if not report.differences:
        print("read models equal a replay of the log")
        return 0
    for difference in report.differences:
        print(
            f"{difference.table}: {difference.only_live} rows only live, "
            f"{difference.only_rebuilt} rows only rebuilt"
        )
        for sample in difference.samples:
            print(f"    {sample}")
    return 1


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    storage, rebuilder = _rebuilder(settings)
    try:
        report = rebuilder.rebuild(args.name)
    except KeyError:
        from cs.projections.catalog import all_projections

        names = ", ".join(p.name for p in all_projections())
        print(f"no projection {args.name!r}; there are: {names}", file=sys.stderr)
        return 2
    finally:
        storage.close()
    print(
        f"{args.name}: rebuilt from {report.events} events in {report.seconds:.1f}s and swapped in"
    )
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(reader: Any) -> Any:
        if args.kind == "session":
            return await reader.export_session(int(args.id))
        return await reader.export_charge_box(args.tenant, args.id)

    document = _with_storage(settings, work)
    if document is None:
        print(f"no {args.kind} {args.id!r}", file=sys.stderr)
        return 1
    args.out.write_bytes(orjson.dumps(document, option=orjson.OPT_UTC_Z | orjson.OPT_INDENT_2))
    print(f"{document['count']} events, head {document['head']} -> {args.out}")
    return 0


def _verify_export(settings: Settings, args: argparse.Namespace) -> int:
    from cs.audit import chain

    try:
        document = json.loads(args.file.read_text())
    except (OSError, ValueError) as error:
        print(f"cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    verdict = chain.verify(document)
    if not verdict.ok:
        for problem in verdict.problems:
            print(f"FAILED: {problem}")
        return 1
    print(f"chain intact: {document['count']} events, head {verdict.head}")
    if not args.store:
        return 0
    subject = document["subject"]

    async def work(reader: Any) -> Any:
        if subject["type"] == "session":
            return await reader.export_session(int(subject["transaction_id"]))
        window = document.get("window") or {}
        return await reader.export_charge_box(
            subject["tenant_id"],
            subject["charge_box_id"],
            since=_when(window.get("from")),
            until=_when(window.get("to")),
        )

    live = _with_storage(settings, work)
    if live is None or live["head"] != document["head"]:
        print("FAILED: the export differs from the event log (changed, truncated or extended)")
        return 1
    print("matches the event log")
    return 0


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from cs.adapters.storage import open_storage
    from cs.audit.seed import seed

    storage = open_storage(settings)
    try:
        started = time.perf_counter()
        written = seed(storage.store, args.events, charge_boxes=args.charge_boxes)
    finally:
        storage.close()
    print(f"seeded {written} events in {time.perf_counter() - started:.1f}s")
    return 0

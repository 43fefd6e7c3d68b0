"""`make bench`: our server and the baseline under the same loads, one table, JSON too.

    python -m bench            # the full plan (~12 minutes)
    python -m bench --quick    # a smoke run (~2 minutes)
    python -m bench --only saturation --only relay

PostgreSQL: the embedded one (fresh data directory per server start) unless
CS_DATABASE_URL is set, in which case a fresh database is created on that server.
RabbitMQ (relay phase): CS_BENCH_AMQP_URL, default the local broker.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench.measure import Databases, bench_broker, run_phase
from bench.plan import Plan, phases
from bench.processes import ROOT
from bench.replay import run_replay
from bench.report import report

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
# Phases for cs alone: the baseline has no relay; its storm and one core are its idle and
# saturation phases (one process, one core); it speaks 1.6 only (2.0.1 is compared with
# our own 1.6 saturation).
CS_ONLY = ("saturation_201", "relay", "storm", "one_core")


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", choices=[*phases(Plan()), "replay"], action="append")
    args = parser.parse_args()
    plan = Plan.quick() if args.quick else Plan()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = WORK / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    databases = Databases(run_dir)
    plan_phases = phases(plan)
    amqp_url, relay_skip = bench_broker()
    if amqp_url is not None:
        plan_phases["relay"]["server_env"] = {"CS_AMQP_URL": amqp_url}
    results: dict[str, Any] = {
        "plan": asdict(plan),
        "started_at": stamp,
        "postgres": "external" if databases.external else "embedded",
        "phases": {},
    }
    started = time.monotonic()
    try:
        for name, options in plan_phases.items():
            if args.only and name not in args.only:
                continue
            if name == "one_core" and (os.cpu_count() or 1) < 2:
                results["phases"][name] = {"cs": {"skipped": "one core only: nothing to pin"}}
                continue
            if name == "relay" and amqp_url is None:
                results["phases"]["relay"] = {"cs": {"skipped": relay_skip}}
                continue
            kinds = (
                ("cs", "baseline", "baseline_ws") if name == "saturation" else ("cs", "baseline")
            )
            for kind in kinds:
                if name in CS_ONLY and kind != "cs":
                    continue
                print(f"bench: {name} against {kind} ...", file=sys.stderr, flush=True)
                opts = dict(options)
                runs = int(opts.pop("runs"))
                results["phases"].setdefault(name, {})[kind] = run_phase(
                    name, kind, databases, run_dir, runs, **opts
                )
        if not args.only or "replay" in args.only:
            print("bench: replay against cs ...", file=sys.stderr, flush=True)
            results["phases"]["replay"] = {
                "cs": run_replay(
                    plan.replay_events, databases.url_for("replay"), run_dir / "replay"
                )
            }
    finally:
        databases.drop_all()
    results["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(results, indent=2))
    print(report(results, plan))
    print(f"\nJSON: {out.relative_to(ROOT)}  (logs: {run_dir.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

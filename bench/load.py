#!/usr/bin/env python
"""Bounded load test (issue 8, "Load and faults"). See docs/security.md.

  .venv/bin/python bench/load.py [--size 10000] [--users 20] [--seconds 60]    # make load-test
  .venv/bin/python bench/load.py --engines postgres --faults 20                # + connection cuts

Per engine: its own database (peyvand_load_<size> / a var directory under BENCH_WORK_DIR),
migrated and seeded once with `seed_bench` (the benchmark's preparation, bench/run.py), a
bench administrator + API token, gunicorn with production settings. Then `--users` simulated
users, each with a signed-in browser session and an API client, run the mix of
bench/peyvand_bench/load_mix.py for `--seconds`: list contacts, search, open a 360 page,
create a contact, add a note, create a lead and a ticket, change a deal. Every answer must be
2xx and no "database is locked" may reach a user; the run fails (exit 1) otherwise.

`--faults N` (PostgreSQL) adds a second phase of N seconds with the same users, in which every
few seconds all the database's connections are cut with pg_terminate_backend (the server keeps
running; other sessions use it): requests caught by a cut must answer 503 with Retry-After,
never 500, and the last seconds of the phase must be error-free (the web recovered without a
restart). Results: bench/results/<date>-<size>-load.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (the benchmark's preparation: databases, seeding, users)
from peyvand_bench import server  # noqa: E402
from peyvand_bench.client import Client  # noqa: E402
from peyvand_bench.load_mix import LOCKED, Outcome, Targets, UserLoop, summary  # noqa: E402

PREFIX = "load"  # its own databases: the load test writes, the benchmark's data stays as seeded


def log(message: str) -> None:
    run.log(message)


def targets(browser: Client, api: Client, fx: dict[str, Any]) -> Targets:
    """Contacts and deals to act on (a few pages from the API) and search terms the data holds."""
    contact_ids: list[int] = []
    cursor = ""
    for _ in range(4):
        r = api.get(f"/api/v1/contacts?limit=100{'&cursor=' + cursor if cursor else ''}")
        if r.status != 200:
            raise RuntimeError(f"contact list: HTTP {r.status}")
        page = r.json()
        contact_ids += [c["id"] for c in page["items"]]
        cursor = page.get("next_cursor") or ""
        if not cursor:
            break
    r = api.get("/api/v1/sales/deals?limit=100")
    if r.status != 200:
        raise RuntimeError(f"deal list: HTTP {r.status}")
    deal_ids = [d["id"] for d in r.json()["items"]]
    terms = [
        t
        for t in (
            fx.get("name_prefix"),
            fx.get("phone_suffix"),
            fx.get("email"),
            "علی",
            "رضا",
        )
        if t
    ]
    if not contact_ids or not deal_ids:
        raise RuntimeError("the data set has no contacts or no deals to act on")
    return Targets(contact_ids, deal_ids, terms, uuid.uuid4().hex[:6])


def make_clients(port: int, bearer: str) -> tuple[Client, Client]:
    browser = Client("127.0.0.1", port, timeout=120)
    browser.login(run.USERNAME, run.PASSWORD)
    api = Client(
        "127.0.0.1", port, timeout=120, default_headers={"Authorization": f"Bearer {bearer}"}
    )
    return browser, api


def sign_in_users(
    port: int, bearer: str, tg: Targets, users: int, think: tuple[float, float]
) -> list[UserLoop]:
    """One browser session and one API client per user, signed in before the clock starts:
    logins are not the load (and not cut by the fault phase)."""
    loops = []
    for k in range(users):
        browser, api = make_clients(port, bearer)
        loops.append(UserLoop(browser, api, tg, random.Random(k), think))
    return loops


def run_users(loops: list[UserLoop], seconds: float) -> tuple[list[Outcome], float]:
    """Every user's loop in its own thread for `seconds`; every outcome and the elapsed time."""
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=loop.run,
            args=(k, lambda: time.perf_counter() >= stop_at, time.perf_counter, time.sleep),
        )
        for k, loop in enumerate(loops)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    for loop in loops:
        loop.browser.close()
        loop.api.close()
    return [o for loop in loops for o in loop.outcomes], elapsed


def terminate_backends(env: dict[str, str]) -> int:
    """Cut every other connection to the engine's database (never stops the server)."""
    out = subprocess.run(
        [
            "psql",
            env["DATABASE_URL"],
            "-tAc",
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip() or 0)


def run_faults(
    env: dict[str, str],
    port: int,
    bearer: str,
    tg: Targets,
    users: int,
    seconds: float,
    think: tuple[float, float],
    every: float,
) -> dict[str, Any]:
    """The load of the main phase while a thread cuts all connections every `every` seconds,
    stopping `every` seconds before the end so that the tail shows recovery."""
    cuts: list[dict[str, Any]] = []
    stop = threading.Event()

    def cutter() -> None:
        t0 = time.perf_counter()
        while not stop.wait(every):
            if time.perf_counter() - t0 > seconds - 2 * every:
                return
            clock = time.perf_counter()
            cuts.append({"at_s": round(clock - t0, 1), "clock": clock})
            cuts[-1]["terminated"] = terminate_backends(env)

    loops = sign_in_users(port, bearer, tg, users, think)
    thread = threading.Thread(target=cutter)
    thread.start()
    outcomes, elapsed = run_users(loops, seconds)
    stop.set()
    thread.join()
    # Requests sent after the last cut (plus a second for the cut to land) show the recovery.
    last_cut = max((c["clock"] for c in cuts), default=0.0)
    tail = [o for o in outcomes if o.started > last_cut + 1.0]
    served = [o for o in outcomes if o.status]
    return {
        "cuts": [{k: v for k, v in c.items() if k != "clock"} for c in cuts],
        "requests": len(outcomes),
        "seconds": round(elapsed, 1),
        "status_503": sum(1 for o in served if o.status == 503),
        "status_500": sum(1 for o in served if o.status == 500),
        "other_errors": sum(1 for o in outcomes if o.error and o.status not in (503,)),
        "locked": sum(1 for o in outcomes if LOCKED in o.error),
        "tail_requests": len(tail),
        "tail_errors": sum(1 for o in tail if o.error),
        "error_samples": [f"{o.action}: {o.status} {o.error[:160]}" for o in outcomes if o.error][
            :10
        ],
    }


def measure(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    ns = argparse.Namespace(demo=False, demo_fallback=False, seed_args=args.seed_args)
    env, seed = run.prepare(engine, args.size, ns, prefix=PREFIX)
    fixture = run.find_fixture(argparse.Namespace(fixture=None), engine, args.size, env)
    fx = run.discover(env, fixture)
    token = run.manage(env, "create_api_token", run.USERNAME, "--name", "load", capture=True)
    token = token.strip().splitlines()[-1]
    port = server.free_port()
    log_path = run.WORK / f"gunicorn-load-{engine}-{args.size}.log"
    proc = server.start_gunicorn(run.REPO, env, port, log_path, workers=args.workers)
    load_before = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, Any] = {"contacts": fx["contacts"], "seed": seed, "workers": args.workers}
    try:
        browser, api = make_clients(port, token)
        tg = targets(browser, api, fx)
        browser.close()
        api.close()
        log(f"{engine}: {args.users} users for {args.seconds:.0f} s")
        loops = sign_in_users(port, token, tg, args.users, (args.think_min, args.think_max))
        outcomes, elapsed = run_users(loops, args.seconds)
        result["load"] = summary(outcomes, elapsed)
        s = result["load"]
        log(
            f"{engine}: {s['requests']} requests, {s['rps']} req/s, errors {s['errors']}, "
            f"p95 {s['all']['p95_ms']:.0f} ms (reads {s['reads']['p95_ms']:.0f}, writes "
            f"{s['writes']['p95_ms']:.0f})"
        )
        if args.faults and engine == "postgres":
            log(f"{engine}: fault phase {args.faults:.0f} s, cuts every {args.cut_every} s")
            result["faults"] = run_faults(
                env,
                port,
                token,
                tg,
                args.users,
                args.faults,
                (args.think_min, args.think_max),
                args.cut_every,
            )
            log(f"{engine}: faults {json.dumps(result['faults'], ensure_ascii=False)[:400]}")
    finally:
        server.stop(proc)
    result["loadavg"] = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
    text = log_path.read_text(errors="replace")
    result["server_log"] = {
        "path": str(log_path),
        "database_is_locked": text.count(LOCKED),
        "tracebacks": text.count("Traceback (most recent call last)"),
    }
    return result


def render(result: dict[str, Any]) -> str:
    lines = [
        f"# Load test {result['date']}: {result['users']} users, {result['seconds']:.0f} s, "
        f"{result['size']:,} contacts",
        "",
        f"gunicorn {result['workers']} sync workers, production settings; think time "
        f"{result['think'][0]}–{result['think'][1]} s between a user's requests; machine load "
        "average in the JSON. Times in ms (median / nearest-rank p95), client-side.",
        "",
        "| engine | requests | req/s | errors | 'database is locked' | all p50 / p95 | "
        "reads p95 | writes p95 | load average before → after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for engine, r in result["engines"].items():
        if "error" in r:
            lines.append(f"| {engine} | failed: {r['error'][:120]} | | | | | | | |")
            continue
        s = r["load"]
        locked = s["locked"] + r["server_log"]["database_is_locked"]
        lines.append(
            f"| {engine} | {s['requests']:,} | {s['rps']} | {s['errors']} | {locked} | "
            f"{s['all']['median_ms']:.0f} / {s['all']['p95_ms']:.0f} | "
            f"{s['reads']['p95_ms']:.0f} | {s['writes']['p95_ms']:.0f} | "
            f"{r['loadavg']['before'][0]} → {r['loadavg']['after'][0]} |"
        )
    lines += ["", "Per action (median / p95 ms, errors):", ""]
    engines = [e for e, r in result["engines"].items() if "error" not in r]
    lines.append("| action | " + " | ".join(engines) + " |")
    lines.append("|---|" + "---|" * len(engines))
    first = result["engines"][engines[0]]["load"]["actions"] if engines else {}
    for key, entry in first.items():
        cells = []
        for e in engines:
            a = result["engines"][e]["load"]["actions"][key]
            cells.append(
                f"{a['median_ms']:.0f} / {a['p95_ms']:.0f}, {a['errors']}" if "n" in a else "–"
            )
        lines.append(f"| {entry['label']} | " + " | ".join(cells) + " |")
    for engine, r in result["engines"].items():
        f = r.get("faults")
        if not f:
            continue
        lines += [
            "",
            f"Faults ({engine}): {len(f['cuts'])} cuts of every connection "
            f"({sum(c['terminated'] for c in f['cuts'])} backends terminated) during "
            f"{f['seconds']:.0f} s: {f['requests']:,} requests, {f['status_503']} answered 503 "
            f"(Retry-After), {f['status_500']} answered 500, {f['other_errors']} other errors; "
            f"last seconds after the final cut: {f['tail_requests']} requests, "
            f"{f['tail_errors']} errors.",
        ]
    return "\n".join(lines)


def passed(result: dict[str, Any]) -> bool:
    for r in result["engines"].values():
        if "error" in r or r["load"]["errors"] or r["load"]["locked"]:
            return False
        if r["server_log"]["database_is_locked"]:
            return False
        f = r.get("faults")
        if f and (f["status_500"] or f["other_errors"] or f["tail_errors"]):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=int(os.environ.get("LOAD_SIZE", 10_000)))
    ap.add_argument("--engines", default=os.environ.get("LOAD_ENGINES", "sqlite,postgres"))
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument(
        "--workers", type=int, default=5, help="gunicorn sync workers (production: 2 x cores + 1)"
    )
    ap.add_argument("--think-min", type=float, default=0.2, help="seconds between requests")
    ap.add_argument("--think-max", type=float, default=1.0)
    ap.add_argument("--faults", type=float, default=20.0, help="PostgreSQL fault phase (s); 0: off")
    ap.add_argument("--cut-every", type=float, default=5.0)
    ap.add_argument("--seed-args", default="--deals 2000")
    ap.add_argument("--out-dir", default=str(BENCH / "results"))
    ap.add_argument("--suffix", default="", help="added to the result file names")
    ap.add_argument("--render", help="print the tables of a result JSON again")
    args = ap.parse_args()
    if args.render:
        result = json.loads(Path(args.render).read_text())
        md = render(result)
        Path(args.render).with_suffix(".md").write_text(md + "\n")
        print(md)
        return

    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "size": args.size,
        "users": args.users,
        "seconds": args.seconds,
        "workers": args.workers,
        "think": [args.think_min, args.think_max],
        "machine": run.machine(),
        "engines": {},
    }
    for engine in args.engines.split(","):
        try:
            result["engines"][engine] = measure(engine, args)
        except Exception as exc:  # report the other engine's figures all the same
            log(f"{engine}: FAILED {exc!r}")
            result["engines"][engine] = {"error": repr(exc)[:500]}
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result['date']}-{args.size}-load{args.suffix}.json"
    result["passed"] = passed(result)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    md = render(result)
    path.with_suffix(".md").write_text(md + "\n")
    print(md)
    log(f"wrote {path} and {path.with_suffix('.md')}; passed: {result['passed']}")
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Peyvand benchmark (issue 7). See docs/performance.md.

  .venv/bin/python bench/run.py [--size 100000] [--engines sqlite,postgres]   # make bench
  .venv/bin/python bench/run.py --peers [--size 100000]                       # make bench-peers
  .venv/bin/python bench/run.py --render bench/results/<file>.json            # tables again

Per engine: migrate, seed (`manage.py seed_bench --contacts N`, skipped when the database
already holds N contacts), a bench administrator + API token, gunicorn (2 workers, DEBUG=0),
sign-in through the login form, then every scenario: 3 warm-ups + n sequential requests,
median and nearest-rank p95. Writes bench/results/<date>-<size>[-peers].json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from peyvand_bench import report, scenarios, server  # noqa: E402
from peyvand_bench.client import Client, concurrent_load, timed_get  # noqa: E402
from peyvand_bench.stats import passes  # noqa: E402

PY = str(REPO / ".venv" / "bin" / "python")
WORK = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/peyvand-bench"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
USERNAME = "bench"
PASSWORD = "bench-Peyvand-1403"
PEERS_DIR = Path(os.environ.get("BENCH_PEERS_DIR", REPO.parent / "shared" / "peers"))
PEERS = ["django-crm", "django-crm-admin"]
IMPORT_GOAL_ROWS_PER_S = 20_000


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


# --- Engines ------------------------------------------------------------------------------------


def engine_env(engine: str, size: int, prefix: str = "bench") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    var_dir = WORK / (f"{engine}-{size}" if prefix == "bench" else f"{prefix}-{engine}-{size}")
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PEYVAND_VAR_DIR=str(var_dir),
        PYTHONDONTWRITEBYTECODE="1",
        DJANGO_SETTINGS_MODULE="peyvand.settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(REPO)]),
        # Scenario 6 measures what the server sustains with 8 clients on one token; the
        # per-token limit (600 a minute, tested in accounts) would answer most of it with 429.
        API_RATE_LIMIT="0",
    )
    if engine == "postgres":
        env["DATABASE_URL"] = f"{PG_URL}/peyvand_{prefix}_{size}"
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    r = subprocess.run(
        [PY, "manage.py", *args],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        check=True,
    )
    return r.stdout or ""


def ensure_pg_database(size: int, prefix: str = "bench") -> None:
    name = f"peyvand_{prefix}_{size}"
    exists = subprocess.run(
        ["psql", f"{PG_URL}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def count_contacts(env: dict[str, str]) -> int:
    out = manage(
        env,
        "shell",
        "-c",
        "from peyvand.contacts.models import Contact; print(Contact.objects.count())",
        capture=True,
    )
    return int(out.strip().splitlines()[-1])


def has_command(env: dict[str, str], name: str) -> bool:
    r = subprocess.run(
        [PY, "manage.py", "help", name], cwd=REPO, env=env, capture_output=True, text=True
    )
    return r.returncode == 0


def prepare(
    engine: str, size: int, args: argparse.Namespace, prefix: str = "bench"
) -> tuple[dict, dict]:
    """Migrate and seed (unless already seeded); return (env, seed info). `prefix` names the
    database and var directory (the load test keeps its own: it writes)."""
    env = engine_env(engine, size, prefix)
    if engine == "postgres":
        ensure_pg_database(size, prefix)
    log(f"{engine}: migrate")
    manage(env, "migrate", "--noinput", "-v", "0")
    have = count_contacts(env)
    seed: dict[str, Any] = {"contacts_before": have}
    if have >= size:
        seed["source"] = "existing (seed skipped)"
    elif has_command(env, "seed_bench") and not args.demo:
        # --flush: a half-seeded or demo database is replaced, never added to.
        cmd = ["seed_bench", "--contacts", str(size), *args.seed_args.split()]
        if have:
            cmd.append("--flush")
        log(f"{engine}: manage.py {' '.join(cmd)}")
        t0 = time.perf_counter()
        manage(env, *cmd)
        seed.update(
            source="seed_bench " + " ".join(cmd[1:]), seconds=round(time.perf_counter() - t0, 1)
        )
    elif args.demo or args.demo_fallback:
        log(f"{engine}: seed_bench unavailable -> demo loader (small data set)")
        t0 = time.perf_counter()
        manage(env, "load_demo_data")
        seed.update(
            source="demo loader (load_demo_data), NOT seed_bench",
            seconds=round(time.perf_counter() - t0, 1),
        )
    else:
        raise SystemExit("manage.py seed_bench is not available (use --demo-fallback)")
    # After seeding: seed_bench --flush removes the seeder's own users.
    manage(
        env,
        "ensure_admin",
        "--username",
        USERNAME,
        "--password",
        PASSWORD,
        "--email",
        "bench@peyvand.example",
    )
    return env, seed


def discover(env: dict[str, str], fixture: str | None) -> dict[str, Any]:
    r = subprocess.run(
        [PY, "-m", "peyvand_bench.discover", fixture or ""],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def find_fixture(args: argparse.Namespace, engine: str, size: int, env: dict) -> str | None:
    """The seeder's fixture file (hero contact, pipeline, search terms), if it wrote one."""
    candidates = [args.fixture] if args.fixture else []
    var = Path(env["PEYVAND_VAR_DIR"])
    candidates += [
        str(var / "bench-fixture.json"),
        str(var / "seed_bench.json"),
    ]
    return next((c for c in candidates if c and Path(c).is_file()), None)


# --- Measuring ----------------------------------------------------------------------------------


def measure_engine(
    engine: str, size: int, args: argparse.Namespace, peer_mode: bool = False
) -> dict[str, Any]:
    env, seed = prepare(engine, size, args)
    load_before = [round(x, 2) for x in os.getloadavg()]
    fixture = find_fixture(args, engine, size, env)
    fx = discover(env, fixture)
    fx["fixture_file"] = fixture
    log(f"{engine}: {fx['contacts']:,} contacts; fixtures {json.dumps(fx, ensure_ascii=False)}")
    token = manage(env, "create_api_token", USERNAME, "--name", "bench", capture=True).strip()
    token = token.splitlines()[-1]
    port = server.free_port()
    log_path = WORK / f"gunicorn-{engine}-{size}.log"
    proc = server.start_gunicorn(REPO, env, port, log_path, workers=args.workers)
    result: dict[str, Any] = {
        "contacts": fx["contacts"],
        "seed": seed,
        "fixtures": fx,
        "scenarios": {},
        "throughput": {},
    }
    try:
        client = Client("127.0.0.1", port)
        client.login(USERNAME, PASSWORD)
        items = scenarios.build_peer(fx) if peer_mode else scenarios.build(fx)
        if args.only:
            wanted = set(args.only.split(","))
            items = [s for s in items if s.key in wanted]
        bearer = {"Authorization": f"Bearer {token}"}
        for sc in items:
            entry: dict[str, Any] = {"label": sc.label, "group": sc.group, "goal_ms": sc.goal_ms}
            try:
                path, depth = sc.path, 0
                if sc.deep_rows:
                    path, depth = scenarios.deep_path(client, sc.path, sc.deep_rows)
                    entry["rows_deep"] = depth
                    if depth < sc.deep_rows:
                        entry["label"] += f" (list ends after {depth:,} rows)"
                headers = dict(sc.headers)
                if path.startswith("/api/"):
                    headers.update(bearer)

                def check(r, sc=sc):
                    if sc.expect and sc.expect not in r.text:
                        raise RuntimeError(f"{sc.key}: no hit in the answer")
                    return f"hits~{r.text.count(sc.expect)}" if sc.expect else None

                entry.update(
                    timed_get(
                        client, path, n=args.n, warmup=args.warmup, headers=headers, check=check
                    )
                )
                entry["pass"] = passes(entry["p95_ms"], sc.goal_ms)
                log(
                    f"{engine}: {sc.key:24s} median {entry['median_ms']:8.1f}  p95 "
                    f"{entry['p95_ms']:8.1f} ms ({entry['bytes']:,} B) {entry.get('info') or ''}"
                )
            except Exception as exc:  # one broken page must not hide the others' figures
                entry["error"] = str(exc)[:300]
                log(f"{engine}: {sc.key}: ERROR {exc}")
            result["scenarios"][sc.key] = entry
        if not peer_mode and not args.skip_throughput:
            result["throughput"] = measure_throughput(port, bearer, args)
    finally:
        server.stop(proc)
    # The machine is shared: the load around the measurement says how noisy it was.
    result["loadavg"] = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
    if not peer_mode and not args.skip_import:
        result["import"] = measure_import(engine, size, env)
    return result


def measure_throughput(port: int, bearer: dict[str, str], args) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]

    def make_client() -> Client:
        return Client("127.0.0.1", port, default_headers=bearer)

    def api_list(c: Client, k: int, i: int):
        return c.get("/api/v1/contacts?limit=50")

    def api_create(c: Client, k: int, i: int):
        return c.post_json(
            "/api/v1/contacts",
            {
                "first_name": "سنجه",
                "last_name": f"بار {run}-{k}-{i}",
                "emails": [{"address": f"bench.{run}.{k}.{i}@example.com", "is_primary": True}],
                "lifecycle_stage": "lead",
            },
        )

    out = {}
    for key, label, send in (
        ("api_list", "API contacts list", api_list),
        ("api_create", "API contact create", api_create),
    ):
        try:
            t = concurrent_load(
                make_client, send, clients=args.clients, seconds=args.throughput_seconds
            )
            t["label"] = f"{label} ({args.workers} workers, {args.clients} clients)"
            t["workers"] = args.workers
            log(
                f"throughput {key}: {t['rps']} req/s, {t['errors']} errors, "
                f"p95 {t.get('p95_ms')} ms {t['error_samples'][:1]}"
            )
        except Exception as exc:
            t = {"error": str(exc)[:300]}
        out[key] = t
    return out


def measure_import(engine: str, size: int, env: dict[str, str]) -> dict[str, Any]:
    """Scenario 7 through bench/import_contacts.py (upload -> mapping -> the import engine's
    run_job, end to end). It needs an EMPTY database: a fresh SQLite file or a
    fresh PostgreSQL database `peyvand_bench_import_<size>`, never the benchmark's own."""
    script = BENCH / "import_contacts.py"
    info: dict[str, Any] = {
        "goal_rows_per_s": IMPORT_GOAL_ROWS_PER_S if engine == "postgres" else None
    }
    if not script.is_file():
        return {**info, "status": "not measured (bench/import_contacts.py absent)"}
    env = dict(env)
    env.pop("PYTHONPATH", None)
    if engine == "postgres":
        name = f"peyvand_bench_import_{size}"
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        env["DATABASE_URL"] = f"{PG_URL}/{name}"
    else:
        path = WORK / f"import-{size}.sqlite3"
        for leftover in WORK.glob(f"import-{size}.sqlite3*"):
            leftover.unlink()
        env["SQLITE_PATH"] = str(path)
    cmd = [
        PY,
        str(script),
        "-n",
        str(size),
        "--workers",
        "2",
        "--no-reimport",
        "--csv",
        str(WORK / f"import-{size}.csv"),
    ]
    log(f"{engine}: import {' '.join(cmd[1:])}")
    try:
        r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        return {**info, "status": "failed: timeout"}
    match = re.search(r"first import[^:]*: (\d+) rows in ([\d.]+)s", r.stdout)
    if r.returncode or not match:
        return {**info, "status": f"failed: {(r.stderr or r.stdout)[-200:]}"}
    rows, seconds = int(match.group(1)), float(match.group(2))
    log(f"{engine}: import {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    return {
        **info,
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": round(rows / seconds, 1),
        "output": r.stdout.strip().splitlines()[-4:],
    }


# --- Peers --------------------------------------------------------------------------------------


def peer_contacts(peer: str) -> int:
    db = Path(f"/tmp/peers/{peer}/project/db.sqlite3")
    if not db.is_file():
        return -1
    try:
        con = sqlite3.connect(db)
        table = "contacts_contact" if peer == "django-crm" else "crm_contact"
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return -1
    finally:
        con.close()


def measure_peer(peer: str, size: int, out_json: Path, args) -> dict[str, Any]:
    here = PEERS_DIR / peer
    python = f"/tmp/peers/{peer}/venv/bin/python"
    info: dict[str, Any] = {}
    if peer_contacts(peer) != size:
        log(f"peer {peer}: setup.sh")
        subprocess.run(["bash", str(here / "setup.sh")], check=True)
        log(f"peer {peer}: seed.py {size} --leads")
        seeded = subprocess.run(
            [python, str(here / "seed.py"), str(size), "--leads"],
            check=True,
            capture_output=True,
            text=True,
        )
        info["seed_output"] = seeded.stdout.strip().splitlines()
        log(f"peer {peer}: " + " | ".join(info["seed_output"]))
    else:
        info["seed_output"] = ["existing data set (setup and seed skipped)"]
        earlier = WORK / f"peer-seed-{peer}.log"  # a seed run ahead of time logs here
        if earlier.is_file():
            info["seed_output"] += earlier.read_text().strip().splitlines()
    log(f"peer {peer}: measure.py")
    subprocess.run(
        # Contacts only (list, search, detail): the comparison does not use the lead pages.
        [python, str(here / "measure.py"), "--n", str(args.n), "--json", str(out_json)],
        check=True,
    )
    data = json.loads(out_json.read_text())
    data.update(info)
    return data


# --- Main ---------------------------------------------------------------------------------------


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _lines("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")
    )
    pretty = next(
        (
            line.split("=", 1)[1].strip().strip('"')
            for line in _lines("/etc/os-release")
            if line.startswith("PRETTY_NAME")
        ),
        platform.platform(),
    )
    try:
        pg = subprocess.run(
            ["psql", f"{PG_URL}/postgres", "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except OSError:
        pg = ""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "os": pretty,
        "python": platform.python_version(),
        "postgresql": pg,
        "sqlite": sqlite3.sqlite_version,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "note": "shared 2-core machine: client, gunicorn and the database run on the same box "
        "next to other engineers' jobs",
    }


def previous(size: int, out_dir: Path, exclude: Path) -> dict[str, Any] | None:
    files = sorted(p for p in out_dir.glob(f"*-{size}.json") if p != exclude)
    return json.loads(files[-1].read_text()) if files else None


def write(result: dict[str, Any], out_dir: Path, suffix: str = "") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{result['date']}-{result['size']}{suffix}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    smaller = None
    if not suffix and result["size"] > 100_000:
        smaller = previous(100_000, out_dir, path)
    md = report.render(result, smaller)
    path.with_suffix(".md").write_text(md + "\n")
    if not suffix and result["size"] == 100_000:
        larger = previous(1_000_000, out_dir, path)
        if larger:  # refresh the big run's growth table against this small run
            big = out_dir / f"{larger['date']}-{larger['size']}.md"
            big.write_text(report.render(larger, result) + "\n")
    log(f"wrote {path} and {path.with_suffix('.md')}")
    print(md)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", type=int, default=int(os.environ.get("BENCH_SIZE", 100_000)))
    ap.add_argument("--engines", default=os.environ.get("BENCH_ENGINES", "sqlite,postgres"))
    ap.add_argument("--n", type=int, default=50, help="timed requests per scenario")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--throughput-seconds", type=float, default=10.0)
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--only", help="comma-separated scenario keys")
    ap.add_argument("--fixture", help="the seeder's fixture JSON (hero, pipeline, terms)")
    ap.add_argument(
        "--seed-args",
        default=os.environ.get("BENCH_SEED_ARGS", "--deals 10000"),
        help="extra arguments for manage.py seed_bench",
    )
    ap.add_argument("--demo", action="store_true", help="seed with the demo loader")
    ap.add_argument(
        "--demo-fallback",
        action="store_true",
        help="use the demo loader when seed_bench does not exist",
    )
    ap.add_argument("--prepare-only", action="store_true", help="migrate and seed, no timing")
    ap.add_argument(
        "--import-only", action="store_true", help="only scenario 7, added to today's result file"
    )
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--peers", action="store_true", help="peers + Peyvand's comparable scenarios")
    ap.add_argument("--out-dir", default=str(BENCH / "results"))
    ap.add_argument("--render", help="re-render the Markdown of a result JSON")
    args = ap.parse_args()
    out_dir = Path(args.out_dir)

    if args.render:
        result = json.loads(Path(args.render).read_text())
        smaller = (
            previous(100_000, out_dir, Path(args.render)) if result["size"] > 100_000 else None
        )
        print(report.render(result, smaller))
        return

    WORK.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "size": args.size,
        "machine": machine(),
        "method": {
            "workers": args.workers,
            "warmup": args.warmup,
            "n": args.n,
            "clients": args.clients,
            "throughput_seconds": args.throughput_seconds,
            "server": "gunicorn peyvand.wsgi (sync), DEBUG=0",
        },
        "engines": {},
    }
    if args.peers:
        result["peers"] = {}
        peer_dir = out_dir / "peers"
        peer_dir.mkdir(parents=True, exist_ok=True)
        for peer in PEERS:
            try:
                result["peers"][peer] = measure_peer(
                    peer, args.size, peer_dir / f"{result['date']}-{args.size}-{peer}.json", args
                )
            except Exception as exc:
                log(f"peer {peer}: ERROR {exc}")
                result["peers"][peer] = {"error": str(exc)[:300]}
        result["engines"]["sqlite"] = measure_engine("sqlite", args.size, args, peer_mode=True)
        result["peer_comparison"] = report.peer_comparison(result)
        write(result, out_dir, suffix="-peers")
        return

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if args.prepare_only:
        for engine in engines:
            prepare(engine, args.size, args)
        return
    today = out_dir / f"{result['date']}-{args.size}.json"
    if today.is_file():
        # Engines measured earlier today (another invocation) stay in the report.
        earlier = json.loads(today.read_text())
        result["engines"] = {
            k: v for k, v in earlier.get("engines", {}).items() if k not in engines
        }
    if args.import_only:
        result = json.loads(today.read_text())
        for engine in engines:
            result["engines"].setdefault(engine, {})["import"] = measure_import(
                engine, args.size, engine_env(engine, args.size)
            )
        write(result, out_dir)
        return
    for engine in engines:
        if engine == "postgres" and not shutil.which("psql"):
            log("postgres: psql not found, skipped")
            continue
        result["engines"][engine] = measure_engine(engine, args.size, args)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write(result, out_dir)


if __name__ == "__main__":
    main()

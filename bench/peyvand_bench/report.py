"""Markdown tables from a result JSON (bench/results/<date>-<size>.json). Pure functions."""

from __future__ import annotations

from typing import Any

from .stats import growth, speedup

ENGINE_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
PEER_LABELS = {"django-crm": "BottleCRM", "django-crm-admin": "DjangoCRM"}
# Peyvand's comparable scenario for each of the peers' measure.py keys, and the speed-up goal.
PEER_SCENARIOS = {
    "list": ("peer_list", 10.0),
    "search": ("peer_search", 10.0),
    "detail": ("peer_record", 3.0),
}


def fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}×"


def fmt_pass(value: bool | None) -> str:
    return {True: "pass", False: "**FAIL**", None: "–"}[value]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _scenario_order(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every latency scenario in any engine, in first-seen order, with its description."""
    seen: dict[str, dict[str, Any]] = {}
    for engine in result.get("engines", {}).values():
        for name, scenario in engine.get("scenarios", {}).items():
            seen.setdefault(name, scenario)
    return list(seen.items())


def latency_table(result: dict[str, Any]) -> str:
    engines = list(result.get("engines", {}))
    header = ["#", "scenario", "goal p95 ms"]
    for engine in engines:
        label = ENGINE_LABELS.get(engine, engine)
        header += [f"{label} median", f"{label} p95", f"{label}"]
    rows = []
    for name, info in _scenario_order(result):
        row = [str(info.get("group", "")), info.get("label", name), fmt_ms(info.get("goal_ms"))]
        for engine in engines:
            measured = result["engines"][engine].get("scenarios", {}).get(name)
            if measured is None or "error" in measured:
                row += ["–", "–", measured.get("error", "–") if measured else "–"]
                continue
            row += [
                fmt_ms(measured.get("median_ms")),
                fmt_ms(measured.get("p95_ms")),
                fmt_pass(measured.get("pass")),
            ]
        rows.append(row)
    return _table(header, rows)


def throughput_table(result: dict[str, Any]) -> str:
    header = [
        "scenario",
        "engine",
        "clients",
        "seconds",
        "requests",
        "errors",
        "req/s",
        "median ms",
        "p95 ms",
        "errors = 0",
    ]
    rows = []
    for engine, data in result.get("engines", {}).items():
        for name, t in data.get("throughput", {}).items():
            if "error" in t:
                rows.append(
                    [
                        name,
                        ENGINE_LABELS.get(engine, engine),
                        "–",
                        "–",
                        "–",
                        "–",
                        "–",
                        "–",
                        "–",
                        t["error"],
                    ]
                )
                continue
            rows.append(
                [
                    t.get("label", name),
                    ENGINE_LABELS.get(engine, engine),
                    str(t["clients"]),
                    f"{t['seconds']:.1f}",
                    str(t["requests"]),
                    str(t["errors"]),
                    f"{t['rps']:,.1f}",
                    fmt_ms(t.get("median_ms")),
                    fmt_ms(t.get("p95_ms")),
                    fmt_pass(t["errors"] == 0),
                ]
            )
    return _table(header, rows)


def import_table(result: dict[str, Any]) -> str:
    header = ["engine", "rows", "seconds", "rows/s", "goal rows/s", "result"]
    rows = []
    for engine, data in result.get("engines", {}).items():
        imp = data.get("import") or {"status": "not measured"}
        if "rows_per_s" not in imp:
            rows.append(
                [
                    ENGINE_LABELS.get(engine, engine),
                    "–",
                    "–",
                    "–",
                    f"{imp.get('goal_rows_per_s', 0):,}" if imp.get("goal_rows_per_s") else "–",
                    imp.get("status", "not measured"),
                ]
            )
            continue
        goal = imp.get("goal_rows_per_s")
        rows.append(
            [
                ENGINE_LABELS.get(engine, engine),
                f"{imp['rows']:,}",
                f"{imp['seconds']:.1f}",
                f"{imp['rows_per_s']:,.0f}",
                f"{goal:,}" if goal else "–",
                fmt_pass(imp["rows_per_s"] >= goal) if goal else "–",
            ]
        )
    return _table(header, rows)


def peer_comparison(result: dict[str, Any], engine: str = "sqlite") -> list[dict[str, Any]]:
    """For list, search and record: Peyvand's and each peer's times, and the speed-up over
    the faster peer (by p95, and by median) against the goal."""
    ours = result.get("engines", {}).get(engine, {}).get("scenarios", {})
    peers = result.get("peers", {})
    rows = []
    for peer_key, (our_key, goal) in PEER_SCENARIOS.items():
        mine = ours.get(our_key)
        if not mine or "p95_ms" not in mine:
            continue
        row: dict[str, Any] = {
            "scenario": peer_key,
            "peyvand": {"median_ms": mine["median_ms"], "p95_ms": mine["p95_ms"]},
            "peers": {},
            "goal": goal,
        }
        for peer, data in peers.items():
            timing = (data.get("results") or {}).get(peer_key)
            if timing:
                row["peers"][peer] = {"median_ms": timing["median_ms"], "p95_ms": timing["p95_ms"]}
        if row["peers"]:
            fastest = min(row["peers"], key=lambda p: row["peers"][p]["p95_ms"])
            row["faster_peer"] = fastest
            row["speedup_p95"] = speedup(row["peers"][fastest]["p95_ms"], mine["p95_ms"])
            row["speedup_median"] = speedup(row["peers"][fastest]["median_ms"], mine["median_ms"])
            row["pass"] = row["speedup_p95"] is not None and row["speedup_p95"] >= goal
        rows.append(row)
    return rows


def peer_table(result: dict[str, Any], engine: str = "sqlite") -> str:
    comparison = peer_comparison(result, engine)
    peer_names = list(result.get("peers", {}))
    header = ["scenario", "Peyvand median / p95"]
    header += [f"{PEER_LABELS.get(p, p)} median / p95" for p in peer_names]
    header += ["Peyvand ÷ faster peer (p95)", "(median)", "goal", "result"]
    rows = []
    for row in comparison:
        cells = [
            row["scenario"],
            f"{fmt_ms(row['peyvand']['median_ms'])} / {fmt_ms(row['peyvand']['p95_ms'])}",
        ]
        for peer in peer_names:
            t = row["peers"].get(peer)
            cells.append(f"{fmt_ms(t['median_ms'])} / {fmt_ms(t['p95_ms'])}" if t else "–")
        cells += [
            fmt_ratio(row.get("speedup_p95")),
            fmt_ratio(row.get("speedup_median")),
            f"≥ {row['goal']:g}× faster",
            fmt_pass(row.get("pass")),
        ]
        rows.append(cells)
    return _table(header, rows)


def growth_rows(small: dict[str, Any], large: dict[str, Any]) -> list[dict[str, Any]]:
    """Per engine and scenario: the median and p95 ratios between two sizes, flagged when the
    median grows faster than log(N)."""
    small_n, large_n = small["size"], large["size"]
    rows = []
    for engine, data in large.get("engines", {}).items():
        before = small.get("engines", {}).get(engine, {}).get("scenarios", {})
        for name, after in data.get("scenarios", {}).items():
            prior = before.get(name)
            if not prior or "median_ms" not in prior or "median_ms" not in after:
                continue
            med = growth(prior["median_ms"], after["median_ms"], small_n, large_n)
            p95 = growth(prior["p95_ms"], after["p95_ms"], small_n, large_n)
            rows.append(
                {
                    "engine": engine,
                    "scenario": name,
                    "label": after.get("label", name),
                    "small_median_ms": prior["median_ms"],
                    "large_median_ms": after["median_ms"],
                    "median_ratio": med["ratio"],
                    "p95_ratio": p95["ratio"],
                    "limit": med["limit"],
                    "ok": med["ok"],
                }
            )
    return rows


def growth_table(small: dict[str, Any], large: dict[str, Any]) -> str:
    header = [
        "engine",
        "scenario",
        f"median @ {small['size']:,}",
        f"median @ {large['size']:,}",
        "median ratio",
        "p95 ratio",
        "log(N) limit",
        "growth",
    ]
    rows = [
        [
            ENGINE_LABELS.get(r["engine"], r["engine"]),
            r["label"],
            fmt_ms(r["small_median_ms"]),
            fmt_ms(r["large_median_ms"]),
            f"{r['median_ratio']:.2f}",
            f"{r['p95_ratio']:.2f}",
            f"{r['limit']:.2f}",
            "ok" if r["ok"] else "**faster than log(N)**",
        ]
        for r in growth_rows(small, large)
    ]
    return _table(header, rows)


def render(result: dict[str, Any], smaller: dict[str, Any] | None = None) -> str:
    """The whole Markdown report of one run (and the growth against a smaller run)."""
    machine = result.get("machine", {})
    method = result.get("method", {})
    parts = [
        f"# Peyvand benchmark — {result.get('size', 0):,} contacts — {result.get('date', '')}",
        "",
        f"Machine: {machine.get('nproc', '?')} cores ({machine.get('cpu', '?')}), "
        f"{machine.get('ram_gb', '?')} GB RAM, {machine.get('os', '')}; "
        f"{machine.get('note', '')}".rstrip("; "),
        f"Method: gunicorn {method.get('workers', '?')} workers, DEBUG=0; "
        f"{method.get('warmup', '?')} warm-ups then {method.get('n', '?')} sequential requests "
        "per scenario; median and nearest-rank p95 in ms, client on the same machine.",
        "",
    ]
    for engine, data in result.get("engines", {}).items():
        seed = data.get("seed") or {}
        parts.append(
            f"- {ENGINE_LABELS.get(engine, engine)}: {data.get('contacts', 0):,} contacts; "
            f"data: {seed.get('source', '?')}"
            + (f", seeded in {seed['seconds']:.0f} s" if seed.get("seconds") else "")
            + (
                f"; load average {data['loadavg']['before'][0]} before, "
                f"{data['loadavg']['after'][0]} after"
                if data.get("loadavg")
                else ""
            )
        )
    parts += ["", "## Latency", "", latency_table(result), ""]
    if any(d.get("throughput") for d in result.get("engines", {}).values()):
        parts += ["## API under concurrency", "", throughput_table(result), ""]
    if any("import" in d for d in result.get("engines", {}).values()):
        parts += ["## Import", "", import_table(result), ""]
    if result.get("peers"):
        parts += ["## Peers (same size, SQLite, same method)", "", peer_table(result), ""]
        for peer, data in result["peers"].items():
            parts.append(
                f"- {PEER_LABELS.get(peer, peer)}: {data.get('rows', 0):,} contacts, "
                f"server {data.get('server', '?')}"
            )
        parts.append("")
    if smaller:
        parts += [
            f"## Growth {smaller['size']:,} → {result['size']:,} contacts",
            "",
            growth_table(smaller, result),
            "",
        ]
    return "\n".join(parts)

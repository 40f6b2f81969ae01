from peyvand_bench import report


def _result(size=100_000, list_ms=20.0, deep_ms=30.0):
    return {
        "date": "2026-11-23",
        "size": size,
        "machine": {"nproc": 2, "cpu": "AMD EPYC", "ram_gb": 23.5},
        "method": {"workers": 2, "warmup": 3, "n": 50},
        "engines": {
            "sqlite": {
                "contacts": size,
                "scenarios": {
                    "list_first": {
                        "label": "Contacts list, first page",
                        "group": 1,
                        "goal_ms": 100.0,
                        "median_ms": list_ms,
                        "p95_ms": list_ms + 5,
                        "pass": True,
                    },
                    "list_deep": {
                        "label": "Deep page",
                        "group": 1,
                        "goal_ms": 100.0,
                        "median_ms": deep_ms,
                        "p95_ms": 150.0,
                        "pass": False,
                    },
                },
                "throughput": {
                    "api_list": {
                        "label": "API list",
                        "clients": 8,
                        "seconds": 10.0,
                        "requests": 1500,
                        "errors": 0,
                        "rps": 150.0,
                        "median_ms": 40.0,
                        "p95_ms": 90.0,
                    },
                },
            },
            "postgres": {
                "contacts": size,
                "scenarios": {
                    "list_first": {
                        "label": "Contacts list, first page",
                        "group": 1,
                        "goal_ms": 100.0,
                        "error": "HTTP 500",
                    },
                },
            },
        },
    }


def test_latency_table_has_a_column_group_per_engine_and_marks_failures():
    table = report.latency_table(_result())
    lines = table.splitlines()
    assert lines[0].startswith("| # | scenario | goal p95 ms | SQLite median | SQLite p95 |")
    assert "PostgreSQL median" in lines[0]
    assert (
        "| 1 | Contacts list, first page | 100.0 | 20.0 | 25.0 | pass | – | – | HTTP 500 |" in lines
    )
    assert "**FAIL**" in next(line for line in lines if "Deep page" in line)


def test_throughput_table_passes_only_without_errors():
    result = _result()
    assert "| API list | SQLite | 8 | 10.0 | 1500 | 0 | 150.0 | 40.0 | 90.0 | pass |" in (
        report.throughput_table(result)
    )
    result["engines"]["sqlite"]["throughput"]["api_list"]["errors"] = 3
    assert "**FAIL**" in report.throughput_table(result)


def test_peer_comparison_uses_the_faster_peer_and_the_goals():
    result = _result()
    result["engines"]["sqlite"]["scenarios"].update(
        {
            "peer_list": {"median_ms": 20.0, "p95_ms": 30.0},
            "peer_search": {"median_ms": 40.0, "p95_ms": 50.0},
            "peer_record": {"median_ms": 10.0, "p95_ms": 15.0},
        }
    )
    result["peers"] = {
        "django-crm": {
            "results": {
                "list": {"median_ms": 297.3, "p95_ms": 354.9},
                "search": {"median_ms": 203.8, "p95_ms": 250.9},
                "detail": {"median_ms": 48.1, "p95_ms": 61.7},
            }
        },
        "django-crm-admin": {
            "results": {
                "list": {"median_ms": 679.9, "p95_ms": 858.9},
                "search": {"median_ms": 986.9, "p95_ms": 1375.5},
                "detail": {"median_ms": 210.8, "p95_ms": 327.1},
            }
        },
    }
    rows = {r["scenario"]: r for r in report.peer_comparison(result)}
    assert rows["list"]["faster_peer"] == "django-crm"
    assert rows["list"]["speedup_p95"] == 11.83 and rows["list"]["pass"] is True
    assert rows["search"]["speedup_p95"] == 5.02 and rows["search"]["pass"] is False
    assert rows["detail"]["goal"] == 3.0 and rows["detail"]["speedup_p95"] == 4.11
    table = report.peer_table(result)
    assert "BottleCRM median / p95" in table and "DjangoCRM median / p95" in table
    assert "| list | 20.0 / 30.0 | 297.3 / 354.9 | 679.9 / 858.9 | 11.8× | 14.9× |" in table


def test_growth_table_flags_scenarios_growing_faster_than_log_n():
    small, large = _result(100_000), _result(1_000_000, list_ms=22.0, deep_ms=90.0)
    rows = {r["scenario"]: r for r in report.growth_rows(small, large)}
    assert rows["list_first"]["ok"] is True
    assert rows["list_deep"]["ok"] is False and rows["list_deep"]["median_ratio"] == 3.0
    table = report.growth_table(small, large)
    assert "faster than log(N)" in table
    # The failed PostgreSQL scenario has no figure, so it has no growth row.
    assert all(r["engine"] == "sqlite" for r in rows.values())


def test_render_mentions_machine_and_sections():
    large = _result(1_000_000)
    large["engines"]["sqlite"]["import"] = {"status": "not measured"}
    text = report.render(large, _result(100_000))
    assert "2 cores (AMD EPYC)" in text
    assert "## Latency" in text and "## Import" in text
    assert "## Growth 100,000 → 1,000,000 contacts" in text
    assert "not measured" in text


def test_import_table_checks_the_goal_on_postgresql_only():
    result = _result()
    result["engines"]["sqlite"]["import"] = {
        "rows": 100_000,
        "seconds": 10.0,
        "rows_per_s": 10_000.0,
        "goal_rows_per_s": None,
    }
    result["engines"]["postgres"]["import"] = {
        "rows": 100_000,
        "seconds": 10.0,
        "rows_per_s": 10_000.0,
        "goal_rows_per_s": 20_000,
    }
    lines = report.import_table(result).splitlines()
    assert lines[2] == "| SQLite | 100,000 | 10.0 | 10,000 | – | – |"
    assert lines[3] == "| PostgreSQL | 100,000 | 10.0 | 10,000 | 20,000 | **FAIL** |"

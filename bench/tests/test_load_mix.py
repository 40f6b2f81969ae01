"""The load test's mix and summary (bench/peyvand_bench/load_mix.py)."""

import random

from peyvand_bench.client import Response
from peyvand_bench.load_mix import ACTIONS, BY_KEY, Outcome, UserLoop, pick, summary


def test_the_mix_reads_and_writes_every_action_in_proportion():
    rng = random.Random(1)
    counts = {a.key: 0 for a in ACTIONS}
    for _ in range(10_000):
        counts[pick(rng).key] += 1
    assert sum(a.weight for a in ACTIONS) == 100
    for action in ACTIONS:
        assert abs(counts[action.key] / 100 - action.weight) < 2.5
    assert {a.key for a in ACTIONS if a.write} == {
        "create_contact",
        "add_note",
        "create_lead",
        "create_ticket",
        "update_deal",
    }


def test_summary_counts_errors_and_locked_databases_apart():
    outcomes = [Outcome("list_contacts", 200, float(ms)) for ms in range(1, 101)]
    outcomes.append(Outcome("add_note", 500, 50.0, "HTTP 500: database is locked"))
    outcomes.append(Outcome("update_deal", 0, 10.0, "ConnectionResetError()"))
    s = summary(outcomes, seconds=10.0)
    assert s["requests"] == 102 and s["errors"] == 2 and s["locked"] == 1
    assert s["error_statuses"] == {"500": 1, "0": 1}
    assert s["actions"]["list_contacts"]["p95_ms"] == 95.0
    assert s["actions"]["create_lead"] == {"label": BY_KEY["create_lead"].label, "errors": 0}
    assert s["writes"]["n"] == 2


class FakeClient:
    def __init__(self, status, headers=None):
        self.status, self.headers = status, headers or {}

    def request(self, *args, **kwargs):
        return Response(self.status, b"x", self.headers)

    get = post_json = request

    def close(self):
        pass


def _run_once(client) -> Outcome:
    from peyvand_bench.load_mix import Targets

    loop = UserLoop(client, client, Targets([1], [1], ["a"], "r"), random.Random(0), (0, 0))
    calls = iter([False, True])
    loop.run(0, lambda: next(calls), lambda: 0.0, lambda s: None)
    return loop.outcomes[0]


def test_a_503_must_carry_retry_after():
    assert _run_once(FakeClient(503, {"retry-after": "5"})).status == 503
    bad = _run_once(FakeClient(503))
    assert bad.status == -503 and "Retry-After" in bad.error
    assert _run_once(FakeClient(200)).error == ""

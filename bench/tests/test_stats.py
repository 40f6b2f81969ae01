import math

import pytest
from peyvand_bench.stats import growth, log_growth_limit, passes, percentile, speedup, summarize


def test_percentile_is_nearest_rank_like_the_peers_harness():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 95) == 95
    assert percentile(values, 50) == 50
    assert percentile(values, 100) == 100
    # 20 samples: rank ceil(0.95 * 20) = 19 -> the 19th smallest, never an interpolation.
    assert percentile([float(v) for v in range(20, 0, -1)], 95) == 19.0


def test_percentile_of_one_sample_and_of_nothing():
    assert percentile([7.5], 95) == 7.5
    with pytest.raises(ValueError):
        percentile([], 95)


def test_summarize_reports_median_p95_min_max():
    s = summarize([10, 30, 20, 40, 1000])
    assert s == {"n": 5, "median_ms": 30, "p95_ms": 1000, "min_ms": 10, "max_ms": 1000}


def test_speedup_is_peer_time_over_ours():
    assert speedup(355.0, 20.0) == 17.75
    assert speedup(None, 20.0) is None
    assert speedup(355.0, 0) is None


def test_log_growth_limit_between_100k_and_1m_is_1_2():
    assert math.isclose(log_growth_limit(100_000, 1_000_000), 1.2)


def test_growth_flags_a_time_that_grows_faster_than_log_n():
    assert growth(50.0, 55.0, 100_000, 1_000_000)["ok"] is True
    slow = growth(50.0, 80.0, 100_000, 1_000_000)
    assert slow == {"ratio": 1.6, "limit": 1.2, "ok": False}


def test_passes_needs_p95_under_the_goal():
    assert passes(99.9, 100) is True
    assert passes(100.0, 100) is False
    assert passes(50.0, None) is None

"""Pure arithmetic of the benchmark: percentiles, summaries, ratios and growth checks.

The method is the peers' (../shared/peers/common/measure_core.py): warm-ups, then repeated
sequential requests; median and nearest-rank p95, so Peyvand's and the peers' figures compare."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of the values <= it."""
    if not values:
        raise ValueError("percentile of an empty sample")
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples_ms: Sequence[float]) -> dict[str, float | int]:
    """Median, nearest-rank p95, min and max of request times in milliseconds."""
    if not samples_ms:
        raise ValueError("no samples")
    return {
        "n": len(samples_ms),
        "median_ms": round(statistics.median(samples_ms), 2),
        "p95_ms": round(percentile(samples_ms, 95), 2),
        "min_ms": round(min(samples_ms), 2),
        "max_ms": round(max(samples_ms), 2),
    }


def speedup(peer_ms: float | None, ours_ms: float | None) -> float | None:
    """How many times faster Peyvand is than a peer (peer time / our time); None if unknown."""
    if peer_ms is None or ours_ms is None or ours_ms <= 0:
        return None
    return round(peer_ms / ours_ms, 2)


def log_growth_limit(small_n: int, large_n: int) -> float:
    """The largest time ratio allowed between two data sizes: log(N) growth (ln N2 / ln N1)."""
    if small_n < 2 or large_n < small_n:
        raise ValueError("need 2 <= small_n <= large_n")
    return math.log(large_n) / math.log(small_n)


def growth(small_ms: float, large_ms: float, small_n: int, large_n: int) -> dict[str, float | bool]:
    """Time ratio between two sizes and whether it stays within log(N) growth."""
    ratio = large_ms / small_ms if small_ms > 0 else math.inf
    limit = log_growth_limit(small_n, large_n)
    return {"ratio": round(ratio, 2), "limit": round(limit, 2), "ok": ratio <= limit}


def passes(p95_ms: float | None, goal_ms: float | None) -> bool | None:
    """A latency goal is met when p95 is under it; None when there is no goal or no figure."""
    if goal_ms is None or p95_ms is None:
        return None
    return p95_ms < goal_ms

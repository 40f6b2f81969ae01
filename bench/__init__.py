"""Peyvand benchmark harness (see docs/performance.md)."""

"""Peyvand's benchmark harness: seeds a data set, serves it with gunicorn and times the
scenarios of issue 7 through the real HTTP stack (see docs/performance.md)."""

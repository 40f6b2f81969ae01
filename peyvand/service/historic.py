"""Historic tickets: work that replays the past must not act as if it happened now.

Inside `historic()` (the ticket import uses it) the live side effects of ticket signals stay
quiet: no SLA clock, warnings or breaches, no CSAT survey, no reply e-mail. The receivers check
`is_historic()`; a context variable (not disconnecting the signals) so a web request served at
the same time by another thread is not affected."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_HISTORIC: contextvars.ContextVar[bool] = contextvars.ContextVar("service_historic", default=False)


@contextlib.contextmanager
def historic() -> Iterator[None]:
    token = _HISTORIC.set(True)
    try:
        yield
    finally:
        _HISTORIC.reset(token)


def is_historic() -> bool:
    return _HISTORIC.get()

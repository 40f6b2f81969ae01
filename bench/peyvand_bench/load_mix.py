"""The load test's user behaviour: a weighted mix of what people do all day in a CRM (read
lists, search, open a customer, write notes, create records, move deals), and the summary of
what came back. Pure functions and small request builders, so the mix is unit-tested."""

from __future__ import annotations

import random
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .client import Client, Response
from .stats import summarize


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    weight: int
    write: bool


# Weights out of 100: about two thirds reads, one third writes (a busy sales and support team).
ACTIONS: tuple[Action, ...] = (
    Action("list_contacts", "GET /contacts/ (HTML list)", 20, False),
    Action("search", "GET /search/?q= (HTML results)", 15, False),
    Action("contact_360", "GET /contacts/<id>/ (360 page)", 15, False),
    Action("create_contact", "POST /api/v1/contacts", 10, True),
    Action("add_note", "POST /api/v1/interactions (note on the timeline)", 15, True),
    Action("create_lead", "POST /api/v1/leads", 8, True),
    Action("create_ticket", "POST /api/v1/service/tickets", 7, True),
    Action("update_deal", "PATCH /api/v1/sales/deals/<id>", 10, True),
)
BY_KEY = {a.key: a for a in ACTIONS}


def pick(rng: random.Random) -> Action:
    return rng.choices(ACTIONS, weights=[a.weight for a in ACTIONS])[0]


@dataclass
class Targets:
    """Records and terms the users act on (looked up before the run)."""

    contact_ids: list[int]
    deal_ids: list[int]
    search_terms: list[str]
    run: str  # unique per run, so created records never collide with an earlier run's


@dataclass
class Outcome:
    action: str
    status: int  # 0: no HTTP answer (connection error, timeout)
    ms: float
    error: str = ""
    started: float = 0.0  # the clock's value when the request was sent


def send(
    action: Action, browser: Client, api: Client, targets: Targets, rng: random.Random, n: str
) -> Response:
    """One request of `action`: pages through the signed-in browser session, writes through the
    API with a bearer token (the way integrations and the htmx forms' services are reached)."""
    if action.key == "list_contacts":
        return browser.get("/contacts/")
    if action.key == "search":
        q = urllib.parse.quote(rng.choice(targets.search_terms))
        return browser.get(f"/search/?q={q}")
    if action.key == "contact_360":
        return browser.get(f"/contacts/{rng.choice(targets.contact_ids)}/")
    if action.key == "create_contact":
        return api.post_json(
            "/api/v1/contacts",
            {
                "first_name": "بار",
                "last_name": f"آزمون {targets.run}-{n}",
                "emails": [{"address": f"load.{targets.run}.{n}@example.com", "is_primary": True}],
                "lifecycle_stage": "lead",
            },
        )
    if action.key == "add_note":
        return api.post_json(
            "/api/v1/interactions",
            {
                "kind": "note",
                "contact_id": rng.choice(targets.contact_ids),
                "body": f"یادداشت آزمون بار {targets.run}-{n}",
            },
        )
    if action.key == "create_lead":
        return api.post_json(
            "/api/v1/leads",
            {
                "name": f"سرنخ آزمون {targets.run}-{n}",
                "email": f"lead.{targets.run}.{n}@example.com",
                "message": "آزمون بار",
            },
        )
    if action.key == "create_ticket":
        return api.post_json(
            "/api/v1/service/tickets",
            {
                "subject": f"درخواست آزمون بار {n}",
                "description": "آزمون بار",
                "contact_id": rng.choice(targets.contact_ids),
            },
        )
    if action.key == "update_deal":
        amount = str(rng.randrange(1_000_000, 900_000_000, 10_000))
        return api.request(
            "PATCH",
            f"/api/v1/sales/deals/{rng.choice(targets.deal_ids)}",
            body=f'{{"amount": "{amount}"}}'.encode(),
            headers={"Content-Type": "application/json"},
        )
    raise ValueError(f"unknown action {action.key}")


def is_ok(action: Action, response: Response) -> bool:
    """2xx (a lead posted twice may answer 200 "already known"); a redirect to the login page
    would mean the session was lost, which counts as an error."""
    return 200 <= response.status < 300


# A user-visible database error, whatever the status it came with.
LOCKED = "database is locked"


def summary(outcomes: list[Outcome], seconds: float) -> dict[str, Any]:
    """Totals, per-action latency (median, nearest-rank p95) and every error, by kind."""
    by_action: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_action.setdefault(o.action, []).append(o)
    errors = [o for o in outcomes if o.error]
    statuses: dict[str, int] = {}
    for o in errors:
        statuses[str(o.status)] = statuses.get(str(o.status), 0) + 1
    out: dict[str, Any] = {
        "seconds": round(seconds, 1),
        "requests": len(outcomes),
        "rps": round(len(outcomes) / seconds, 1) if seconds else 0.0,
        "errors": len(errors),
        "error_statuses": statuses,
        "locked": sum(1 for o in errors if LOCKED in o.error),
        "error_samples": [f"{o.action}: {o.status} {o.error[:200]}" for o in errors[:10]],
        "actions": {},
    }
    if outcomes:
        out["all"] = summarize([o.ms for o in outcomes])
        out["reads"] = _maybe([o.ms for o in outcomes if not BY_KEY[o.action].write])
        out["writes"] = _maybe([o.ms for o in outcomes if BY_KEY[o.action].write])
    for action in ACTIONS:
        mine = by_action.get(action.key, [])
        entry: dict[str, Any] = {"label": action.label, "errors": sum(1 for o in mine if o.error)}
        if mine:
            entry.update(summarize([o.ms for o in mine]))
        out["actions"][action.key] = entry
    return out


def _maybe(samples: list[float]) -> dict[str, Any] | None:
    return summarize(samples) if samples else None


@dataclass
class UserLoop:
    """What one simulated user does until `stop()` is true: pick an action, send it, record the
    outcome, think for a moment."""

    browser: Client
    api: Client
    targets: Targets
    rng: random.Random
    think: tuple[float, float]
    outcomes: list[Outcome] = field(default_factory=list)

    def run(
        self, user: int, stop: Callable[[], bool], now: Callable[[], float], sleep: Callable
    ) -> None:
        i = 0
        while not stop():
            action = pick(self.rng)
            t0 = now()
            error = ""
            status = 0
            try:
                r = send(action, self.browser, self.api, self.targets, self.rng, f"{user}-{i}")
                status = r.status
                if not is_ok(action, r) or LOCKED in r.text:
                    error = f"HTTP {r.status}: {r.text[:300]}"
                if r.status == 503 and "retry-after" not in r.headers:
                    error = f"HTTP 503 without Retry-After: {r.text[:300]}"
                    status = -503  # counted apart from a proper 503
            except Exception as exc:  # counted, never fatal: the run must finish
                error = repr(exc)
                self.browser.close()
                self.api.close()
            self.outcomes.append(Outcome(action.key, status, (now() - t0) * 1000, error, t0))
            i += 1
            low, high = self.think
            if high > 0 and not stop():
                sleep(self.rng.uniform(low, high))

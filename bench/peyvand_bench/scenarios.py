"""The scenarios of issue 7: what each one requests and its p95 goal (ms)."""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .client import Client, Response

LIST_GOAL_MS = 100.0
REPORT_GOAL_MS = 300.0
DEEP_ROWS = 10_000
HTMX = {"HX-Request": "true"}
_NEXT_LINK = re.compile(r'<a class="next" rel="next" href="([^"]+)"')


@dataclass
class Scenario:
    key: str
    label: str
    group: int
    goal_ms: float | None
    path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Follow keyset "next" links this many rows deep from `path` first, then time that page.
    deep_rows: int = 0
    # The search scenarios must find something, or they would time an empty answer.
    expect: str | None = None


def q(params: dict[str, Any]) -> str:
    return urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})


def build(fx: dict[str, Any]) -> list[Scenario]:
    """Every latency scenario for the records and terms in `fx` (see discover.py)."""
    owner_stage = q({"owner": fx.get("filter_owner_id"), "stage": fx.get("filter_stage")})
    name, phone, email = fx.get("name_prefix"), fx.get("phone_suffix"), fx.get("email")
    hero, pipeline = fx.get("hero_contact_id"), fx.get("pipeline_id")
    found = 'href="/contacts/'
    items: list[Scenario] = [
        Scenario("list_first", "Contacts list, first page", 1, LIST_GOAL_MS, "/contacts/"),
        Scenario(
            "list_deep",
            f"Contacts list, {DEEP_ROWS:,} rows deep",
            1,
            LIST_GOAL_MS,
            "/contacts/",
            deep_rows=DEEP_ROWS,
        ),
        Scenario(
            "list_filter",
            "Contacts list, owner + stage filter",
            1,
            LIST_GOAL_MS,
            f"/contacts/?{owner_stage}",
        ),
        Scenario(
            "list_sort", "Contacts list, sorted by name", 1, LIST_GOAL_MS, "/contacts/?sort=name"
        ),
        Scenario(
            "list_filter_sort_deep",
            f"Contacts list, filter + name sort, {DEEP_ROWS:,} rows deep",
            1,
            LIST_GOAL_MS,
            f"/contacts/?{owner_stage}&sort=name",
            deep_rows=DEEP_ROWS,
        ),
    ]
    searches = (
        ("name", name, "Persian name prefix (ي/ك typed)"),
        ("phone", phone, "phone suffix in Persian digits"),
        ("email", email, "email"),
    )
    for slug, term, what in searches:
        if not term:
            continue
        items.append(
            Scenario(
                f"suggest_{slug}",
                f"Search as you type: {what}",
                2,
                LIST_GOAL_MS,
                f"/search/suggest/?{q({'q': term})}",
                headers=HTMX,
                expect=found,
            )
        )
        items.append(
            Scenario(
                f"search_{slug}",
                f"Search results page: {what}",
                2,
                LIST_GOAL_MS,
                f"/search/?{q({'q': term})}",
                expect=found,
            )
        )
    if hero:
        items.append(
            Scenario(
                "contact_360",
                f"Contact 360 ({fx.get('hero_timeline_entries', '?')} timeline entries)",
                3,
                LIST_GOAL_MS,
                f"/contacts/{hero}/",
            )
        )
    items += [
        Scenario("dashboard", "Home dashboard", 4, REPORT_GOAL_MS, "/"),
        Scenario(
            "leads_funnel", "Lead funnel by month", 4, REPORT_GOAL_MS, "/leads/reports/funnel/"
        ),
        Scenario("sales_forecast", "Sales forecast", 4, REPORT_GOAL_MS, "/sales/forecast/"),
        Scenario(
            "service_sla", "Service SLA compliance report", 4, REPORT_GOAL_MS, "/service/reports/"
        ),
    ]
    if pipeline:
        items.append(
            Scenario(
                "kanban",
                f"Kanban board ({fx.get('pipeline_open_deals', '?'):,} open deals)"
                if isinstance(fx.get("pipeline_open_deals"), int)
                else "Kanban board",
                5,
                LIST_GOAL_MS,
                f"/sales/board/{pipeline}/",
            )
        )
    items.append(
        Scenario(
            "api_list_seq", "API contacts list (sequential)", 6, None, "/api/v1/contacts?limit=50"
        )
    )
    return items


def build_peer(fx: dict[str, Any]) -> list[Scenario]:
    """Peyvand's side of the peer comparison: list page 1, a name search, one record."""
    return [
        Scenario(
            "peer_list", "Peer comparison: contacts list page 1", 1, LIST_GOAL_MS, "/contacts/"
        ),
        Scenario(
            "peer_search",
            "Peer comparison: name search (results page)",
            2,
            LIST_GOAL_MS,
            f"/search/?{q({'q': fx.get('name_prefix') or ''})}",
            expect='href="/contacts/',
        ),
        Scenario(
            "peer_record",
            "Peer comparison: open one contact (middle id)",
            3,
            LIST_GOAL_MS,
            f"/contacts/{fx.get('middle_contact_id')}/",
        ),
    ]


def next_link(response: Response) -> str | None:
    match = _NEXT_LINK.search(response.text)
    return html.unescape(match.group(1)) if match else None


def deep_path(client: Client, path: str, rows: int, page_size: int = 50) -> tuple[str, int]:
    """Follow the keyset "next" links from `path` until the page starting after `rows` rows;
    return that page's URL and how many rows deep it really is (less if the list is shorter)."""
    base = path.split("?", 1)[0]
    current, depth = path, 0
    while depth < rows:
        r = client.get(current)
        if r.status != 200:
            raise RuntimeError(f"{current}: HTTP {r.status}")
        link = next_link(r)
        if link is None:
            break
        current = base + link if link.startswith("?") else link
        depth += page_size
    return current, depth

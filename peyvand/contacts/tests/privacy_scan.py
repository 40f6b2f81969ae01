"""For erasure tests: find personal strings anywhere in the database or the media directory.

Every table is read with raw SQL (models, the search index's full-text table, the audit log,
sessions, task results...), so a leftover no model knows about is found too. A string is looked
for as written, JSON-escaped (SQLite stores JSON as ASCII), search-folded (search index tokens),
and for phones in every written form plus reversed digits (the search index's suffix trick)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import connection

from peyvand.core.persian import search_key
from peyvand.core.phones import phone_search_variants


def forms_of(value: str, *, phone: bool = False) -> set[str]:
    forms = {value, json.dumps(value)[1:-1]}
    folded = search_key(value)
    if folded:
        forms.add(folded)
    if phone:
        for variant in phone_search_variants(value):
            forms.update({variant, variant[::-1]})
    return {f.casefold() for f in forms if len(f) >= 4}


def find_in_database(strings: set[str]) -> list[str]:
    """'table: string' for each table holding one of `strings` (any form)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            if table.startswith("search_fts_"):
                continue  # FTS5 shadow tables: the virtual table search_fts is read instead
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                text = " ".join(
                    value.decode(errors="ignore") if isinstance(value, bytes) else str(value)
                    for value in row
                ).casefold()
                hits = sorted(s for s in strings if s in text)
                found.extend(f"{table}: {hit}" for hit in hits)
    return sorted(set(found))


def find_in_media(strings: set[str], contents: set[bytes] = frozenset()) -> list[str]:
    """Files under MEDIA_ROOT whose name or content holds a string, or whose content is one of
    `contents` (uploaded bytes)."""
    root = Path(settings.MEDIA_ROOT)
    found = []
    if not root.exists():
        return found
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        lowered = data.decode(errors="ignore").casefold()
        if any(s in lowered or s in path.name.casefold() for s in strings) or data in contents:
            found.append(str(path.relative_to(root)))
    return found


# --- A customer full of personal data, for each app's erasure test ------------------------------

PHONE = "+989127771234"
EMAIL = "zhubin.qaragozlou@example.ir"
NATIONAL_ID = "0499370899"
NOTE = "allergic to peanuts, prefers morning calls"
NAME = "ژوبین قراگوزلو"


def make_person(user):
    """A contact written through the services (search entry, audit entries with an update)."""
    from peyvand.contacts import services

    data = services.ContactInput(
        first_name="ژوبین",
        last_name="قراگوزلو",
        first_name_latin="Zhubin",
        last_name_latin="Qaragozlou",
        national_id=NATIONAL_ID,
        phones=[(PHONE, "mobile", True)],
        emails=[EMAIL],
        addresses=[{"province": "تهران", "city": "تهران", "line": "کوچه نسترن پلاک ۴۲"}],
        notes=NOTE,
    )
    contact = services.create_contact(user=user, data=data)
    # A change, so the audit log holds old and new personal values.
    services.update_contact(
        contact, user=user, data=services.ContactInput(job_title="Head of Zhubinology")
    )
    return contact


def personal_strings(*extra: str) -> set[str]:
    strings = set()
    for value in ("ژوبین", "قراگوزلو", "Zhubin", "Qaragozlou", EMAIL, NATIONAL_ID, NOTE, *extra):
        strings |= forms_of(value)
    strings |= forms_of("کوچه نسترن")
    strings |= forms_of(PHONE, phone=True)
    return strings


def erase(contact, user) -> None:
    from peyvand.contacts import privacy

    privacy.erase_customer(contact, user=user, confirmation=NAME)

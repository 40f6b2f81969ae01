"""Hostile input typed into Peyvand comes back escaped, and bidi controls cannot disguise it.

Records are written the way users write them (the API and the upload/import paths, which call
the same services as the pages), then every page that shows them is read back: lists, the
360/detail pages, the timeline fragment, search (page and htmx suggestions), the dashboard, the
funnel chart's JSON data island and the e-mail the service desk sends. The raw tag must never
appear; its escaped form must (so the test cannot pass by the text simply not being shown).
"""

import json
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Persian text around the payloads: escaping must not depend on the script of the text.
PERSIAN = f"علی {SCRIPT} رضایی"
PERSIAN_IMG = f"شرکت {IMG} پارس"

RAW_TAGS = ("<script>alert(1)", "<img src=x onerror")
# Digits may be shown in Persian (alert(۱)), so the escaped forms stop before them.
ESCAPED = ("&lt;script&gt;alert(", "&lt;img src=x onerror=alert(")

# Right-to-left / left-to-right overrides and unbalanced isolates (U+202E, U+202D, U+2066-9).
BIDI = "\u202e\u202d\u2066\u2067\u2068\u2069"


def assert_escaped(html: str, *, expect: tuple[str, ...] = ESCAPED) -> None:
    for raw in RAW_TAGS:
        assert raw not in html, f"raw {raw!r} in the page"
    for escaped in expect:
        assert escaped in html, f"{escaped!r} not shown"


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def created(response, status: int = 201) -> dict:
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def contact(admin_api):
    return created(
        admin_api.post(
            "/api/v1/contacts",
            {
                "first_name": PERSIAN,
                "last_name": IMG,
                "job_title": SCRIPT,
                "notes": f"{PERSIAN}\n{IMG}",
                "tags": [SCRIPT],
                "emails": [{"address": "ali.rezaei@example.com"}],
            },
        )
    )


@pytest.fixture
def company(admin_api):
    return created(
        admin_api.post(
            "/api/v1/companies",
            {"name": PERSIAN_IMG, "industry": PERSIAN, "notes": SCRIPT},
        )
    )


def test_contact_and_company_lists_and_360_pages_escape_names(admin_client, contact, company):
    assert_escaped(page(admin_client, reverse("contacts:contact_list")))
    assert_escaped(page(admin_client, reverse("contacts:contact_detail", args=[contact["id"]])))
    assert_escaped(page(admin_client, reverse("contacts:company_list")), expect=ESCAPED[1:])
    detail = page(admin_client, reverse("contacts:company_detail", args=[company["id"]]))
    assert_escaped(detail)


def test_javascript_urls_are_refused_as_websites(admin_api):
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)//https://x", "data:text/html,x"):
        response = admin_api.post("/api/v1/companies", {"name": "پارس", "website": url})
        assert response.status_code == 422, url
        assert "website" in response.json()["errors"]


def test_timeline_entries_are_escaped(admin_api, admin_client, contact):
    created(
        admin_api.post(
            "/api/v1/interactions",
            {"kind": "note", "contact_id": contact["id"], "subject": IMG, "body": PERSIAN},
        )
    )
    url = reverse("timeline:entries", args=["contact", contact["id"]])
    assert_escaped(page(admin_client, url, **{"HX-Request": "true"}), expect=ESCAPED[:1])


def test_search_results_page_and_htmx_suggestions_escape_titles(admin_client, contact):
    html = page(admin_client, reverse("search:results") + "?q=رضایی")
    assert_escaped(html, expect=ESCAPED[:1])
    html = page(admin_client, reverse("search:results") + "?q=رضایی", **{"HX-Request": "true"})
    assert_escaped(html, expect=ESCAPED[:1])
    html = page(admin_client, reverse("search:suggest") + "?q=رضایی", **{"HX-Request": "true"})
    assert_escaped(html, expect=ESCAPED[:1])


def test_dashboard_escapes_what_it_lists(admin_api, admin_client, admin_user, contact):
    created(
        admin_api.post(
            "/api/v1/tasks",
            {"title": PERSIAN, "description": IMG, "contact_id": contact["id"]},
        )
    )
    assert_escaped(page(admin_client, reverse("dashboard:home")), expect=ESCAPED[:1])


def test_leads_list_and_detail_escape_lead_fields(admin_api, admin_client):
    lead = created(
        admin_api.post(
            "/api/v1/leads",
            {
                "first_name": PERSIAN,
                "last_name": IMG,
                "company": PERSIAN_IMG,
                "message": SCRIPT,
                "phone": "09121234567",
            },
        )
    )
    assert_escaped(page(admin_client, reverse("leads:list")))
    assert_escaped(page(admin_client, reverse("leads:detail", args=[lead["lead"]["id"]])))


def test_chart_data_islands_carry_typed_names_as_inert_json(admin_api, admin_client, contact):
    """The forecast chart's labels are the reps' names, which users type themselves."""
    response = admin_api.patch("/api/v1/accounts/me", {"first_name": PERSIAN, "last_name": IMG})
    assert response.status_code == 200, response.content
    from django.utils import timezone

    deal = {
        "title": "x",
        "contact_id": contact["id"],
        "amount": "1000000",
        "expected_close": timezone.localdate().isoformat(),
    }
    created(admin_api.post("/api/v1/sales/deals", deal))
    html = page(admin_client, reverse("sales:forecast"))
    for raw in RAW_TAGS:
        assert raw not in html
    islands = re.findall(r'<script id="forecast-data" type="application/json">(.*?)</script>', html)
    assert len(islands) == 1
    assert "\\u003Cscript\\u003E" in islands[0]  # json_script escapes < and >
    labels = json.loads(islands[0])["labels"]
    assert any(SCRIPT in label for label in labels)  # the name itself survives as data


def test_deal_titles_are_escaped(admin_api, admin_client, contact):
    deal = created(
        admin_api.post("/api/v1/sales/deals", {"title": PERSIAN, "contact_id": contact["id"]})
    )
    assert_escaped(page(admin_client, reverse("sales:list")), expect=ESCAPED[:1])
    assert_escaped(page(admin_client, reverse("sales:deal", args=[deal["id"]])))
    board = page(admin_client, reverse("sales:board", args=[deal["pipeline_id"]]))
    assert_escaped(board, expect=ESCAPED[:1])


def test_ticket_subject_body_attachment_name_and_reply_email_are_escaped(
    admin_api, admin_client, admin_user, contact, django_capture_on_commit_callbacks
):
    ticket = created(
        admin_api.post(
            "/api/v1/service/tickets",
            {"subject": PERSIAN, "description": IMG, "contact_id": contact["id"]},
        )
    )
    from peyvand.service import services
    from peyvand.service.models import Ticket

    record = Ticket.objects.get(pk=ticket["id"])
    png = SimpleUploadedFile(f"{IMG}.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(record, user=admin_user, body=f"{PERSIAN}\n{IMG}", attachments=[png])
    assert_escaped(page(admin_client, reverse("service:tickets")), expect=ESCAPED[:1])
    detail = page(admin_client, reverse("service:ticket", args=[ticket["id"]]))
    assert_escaped(detail)
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.png" in detail  # the attachment
    sent = [m for m in mail.outbox if ticket["reference"] in m.subject]
    assert sent, "the reply was not e-mailed"
    for message in sent:
        for html, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                assert_escaped(html)
        assert SCRIPT in message.body  # plain text keeps what the agent typed, as text


def test_knowledge_article_titles_and_bodies_are_escaped(admin_api, admin_client):
    body = f"{PERSIAN}\n\n{IMG}\n\n[x](javascript:alert(1)) <a href=javascript:alert(1)>y</a>"
    article = created(
        admin_api.post(
            "/api/v1/knowledge/articles", {"title": PERSIAN, "body": body, "status": "published"}
        )
    )
    assert_escaped(page(admin_client, reverse("knowledge:list")), expect=ESCAPED[:1])
    html = page(admin_client, reverse("knowledge:article", args=[article["id"]]))
    assert_escaped(html)
    assert 'href="javascript:' not in html.lower()


def test_recording_file_names_are_escaped(admin_api, admin_client, contact):
    entry = created(
        admin_api.post(
            "/api/v1/interactions",
            {
                "kind": "call",
                "contact_id": contact["id"],
                "subject": "تماس",
                "direction": "outbound",
                "outcome": "answered",
            },
        )
    )
    mp3 = SimpleUploadedFile(f"{IMG}.mp3", b"ID3\x03\x00" + b"\x00" * 64, "audio/mpeg")
    response = admin_api.client.post(
        f"/api/v1/interactions/{entry['id']}/recording",
        {"file": mp3},
        headers=admin_api.headers,
    )
    assert response.status_code == 200, response.content
    url = reverse("timeline:entries", args=["contact", contact["id"]])
    html = page(admin_client, url, **{"HX-Request": "true"})
    assert_escaped(html, expect=ESCAPED[1:])


def test_csv_import_cells_are_escaped_in_preview_and_on_the_imported_records(
    admin_user, admin_client, django_capture_on_commit_callbacks
):
    from peyvand.contacts.models import Contact
    from peyvand.imports import services

    csv = f'first_name,last_name,notes\n"{PERSIAN}","{IMG.replace(chr(34), 2 * chr(34))}",x\n'
    upload = SimpleUploadedFile(f"{IMG}.csv", csv.encode())
    job = services.create_job(admin_user, upload, target="contacts")
    job = services.set_mapping(
        job,
        admin_user,
        target="contacts",
        mapping={"first_name": "first_name", "last_name": "last_name", "notes": "notes"},
        options={},
    )
    assert_escaped(page(admin_client, reverse("imports:preview", args=[job.pk])))
    assert_escaped(page(admin_client, reverse("imports:list")), expect=ESCAPED[1:])  # file name
    with django_capture_on_commit_callbacks(execute=True):
        services.start(job, admin_user)
    contact = Contact.objects.get(last_name=IMG)
    assert_escaped(page(admin_client, reverse("contacts:contact_detail", args=[contact.pk])))


# --- Bidirectional controls -----------------------------------------------------------------


def test_bidi_overrides_are_stripped_from_every_typed_name(admin_api, contact):
    disguised = f"{BIDI[0]}فاکتور{BIDI[2]}exe.pdf{BIDI[1]}"
    contact = created(
        admin_api.post("/api/v1/contacts", {"first_name": disguised, "last_name": disguised})
    )
    company = created(admin_api.post("/api/v1/companies", {"name": disguised}))
    deal = created(
        admin_api.post("/api/v1/sales/deals", {"title": disguised, "contact_id": contact["id"]})
    )
    ticket = created(
        admin_api.post("/api/v1/service/tickets", {"subject": disguised, "description": BIDI})
    )
    article = created(
        admin_api.post("/api/v1/knowledge/articles", {"title": disguised, "body": disguised})
    )
    lead = created(
        admin_api.post(
            "/api/v1/leads",
            {"first_name": disguised, "last_name": disguised, "phone": "09121234500"},
        )
    )
    task = created(admin_api.post("/api/v1/tasks", {"title": disguised}))
    shown = [
        contact["first_name"],
        contact["last_name"],
        company["name"],
        deal["title"],
        ticket["subject"],
        article["title"],
        article["body"],
        lead["lead"]["first_name"],
        lead["lead"]["last_name"],
        task["title"],
    ]
    for value in shown:
        assert not set(value) & set(BIDI), repr(value)
    assert contact["first_name"] == "فاکتورexe.pdf"


def test_bidi_overrides_are_stripped_from_upload_names_and_import_cells(
    admin_user, admin_api, contact
):
    from peyvand.imports import services
    from peyvand.timeline.models import TimelineEntry

    entry = created(
        admin_api.post(
            "/api/v1/interactions",
            {
                "kind": "call",
                "contact_id": contact["id"],
                "direction": "inbound",
                "outcome": "answered",
            },
        )
    )
    mp3 = SimpleUploadedFile("\u202egpj.mp3", b"ID3\x03\x00" + b"\x00" * 64, "audio/mpeg")
    response = admin_api.client.post(
        f"/api/v1/interactions/{entry['id']}/recording", {"file": mp3}, headers=admin_api.headers
    )
    assert response.status_code == 200, response.content
    assert "\u202e" not in TimelineEntry.objects.get(pk=entry["id"]).recording_name
    upload = SimpleUploadedFile("\u202evsc.csv", "first_name,last_name\nعلی,\u202eرضا\n".encode())
    job = services.create_job(admin_user, upload, target="contacts")
    assert "\u202e" not in job.original_name


def test_names_are_shown_in_direction_isolates(admin_client, contact, company):
    """A name typed in the other script (or ending in digits/punctuation) cannot reorder the
    text around it: each typed name is in its own isolate (<bdi> or dir="auto")."""
    html = page(admin_client, reverse("contacts:contact_list"))
    escaped_last = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    match = re.search(rf"<(bdi|[a-z]+ [^>]*dir=\"auto\")[^>]*>[^<]*{re.escape(escaped_last)}", html)
    assert match, "contact names are not isolated in the list"

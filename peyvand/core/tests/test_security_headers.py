"""Every page carries a Content-Security-Policy that allows our own scripts only, and no page
template relies on inline script or event-handler attributes that the policy would block."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2]
# Shown to the user as text to copy onto their own website, never executed on our pages.
SNIPPETS = {"leads/templates/leads/snippets/script.html"}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_pages_allow_only_our_own_scripts_and_no_framing(admin_client):
    directives = policy(admin_client.get(reverse("dashboard:home")))
    assert directives["script-src"] == "script-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["object-src"] == "object-src 'none'"


@pytest.mark.django_db
def test_the_hosted_lead_form_may_be_framed_by_other_websites(client):
    from peyvand.leads.models import LeadForm

    lead_form = LeadForm.objects.create(name="Website")
    response = client.get(reverse("leads:public_form", args=[lead_form.key]))
    assert policy(response)["frame-ancestors"] == "frame-ancestors *"
    assert policy(response)["script-src"] == "script-src 'self'"


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for template in [
        *TEMPLATES.glob("templates/**/*.html"),
        *TEMPLATES.glob("*/templates/**/*.html"),
    ]:
        relative = template.relative_to(TEMPLATES).as_posix()
        if relative in SNIPPETS:
            continue
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", text):
            offenders.append(f"{relative}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{relative}: event handler attribute")
        if "javascript:" in text:
            offenders.append(f"{relative}: javascript: URL")
    assert offenders == []

"""How contacts and companies appear in, and are found by, the global search."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from peyvand.search.services import SearchDocument

from .models import Company, Contact, Membership


def contact_document(contact: Contact) -> SearchDocument:
    """Reads phones, emails, tags and memberships with their company: prefetch CONTACT_PREFETCH
    for many contacts."""
    memberships = sorted(contact.memberships.all(), key=lambda m: (not m.is_primary, m.pk))
    return contact_document_of(
        contact,
        company_names=[m.company.name for m in memberships],
        tag_names=[tag.name for tag in contact.tags.all()],
        phones=[p.number for p in contact.phones.all()],
        emails=[e.address for e in contact.emails.all()],
    )


def contact_document_of(
    contact: Contact,
    *,
    company_names: list[str],
    tag_names: list[str],
    phones: list[str],
    emails: list[str],
    url: str | None = None,
) -> SearchDocument:
    """The document from a contact's own fields and its related values (primary company
    first), for writers that have the related rows in hand (imports) instead of querying;
    they may pass the `url` too (reversing it per record is slow)."""
    subtitle = " · ".join(
        part
        for part in (company_names[0] if company_names else "", contact.job_title, contact.city)
        if part
    )
    return SearchDocument(
        title=contact.full_name,
        subtitle=subtitle,
        url=contact.get_absolute_url() if url is None else url,
        texts=[
            contact.first_name,
            contact.last_name,
            contact.first_name_latin,
            contact.last_name_latin,
            contact.job_title,
            contact.city,
            *company_names,
            *tag_names,
        ],
        phones=phones,
        emails=emails,
        identifiers=[contact.national_id] if contact.national_id else [],
        owner_id=contact.owner_id,
        team_id=contact.team_id,
    )


def company_document(company: Company) -> SearchDocument:
    """Reads phones, emails and tags: prefetch them for many companies."""
    return company_document_of(
        company,
        tag_names=[tag.name for tag in company.tags.all()],
        phones=[p.number for p in company.phones.all()],
        emails=[e.address for e in company.emails.all()],
    )


def company_document_of(
    company: Company,
    *,
    tag_names: list[str],
    phones: list[str],
    emails: list[str],
    url: str | None = None,
) -> SearchDocument:
    return SearchDocument(
        title=company.name,
        subtitle=" · ".join(p for p in (company.industry, company.city) if p),
        url=company.get_absolute_url() if url is None else url,
        texts=[company.name, company.name_latin, company.industry, company.city, *tag_names],
        phones=phones,
        emails=emails,
        identifiers=[v for v in (company.national_id, company.economic_code) if v],
        owner_id=company.owner_id,
        team_id=company.team_id,
    )


# Memberships with their company joined: prefetching the companies as a second level would, in
# Django 5.2, select them with one "id = %s OR ..." per company, which SQLite refuses beyond
# 1,000 companies (expression depth) in a batch.
CONTACT_PREFETCH = (
    "phones",
    "emails",
    "tags",
    Prefetch("memberships", queryset=Membership.objects.select_related("company")),
)
COMPANY_PREFETCH = ("phones", "emails", "tags")


def contacts_to_index() -> QuerySet:
    return Contact.objects.alive().prefetch_related(*CONTACT_PREFETCH).order_by("pk")


def companies_to_index() -> QuerySet:
    return Company.objects.alive().prefetch_related(*COMPANY_PREFETCH).order_by("pk")

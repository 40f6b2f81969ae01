"""The portal's own sign-in, kept apart from staff authentication.

A signed-in customer is a contact id under the session key below, nothing else: the session
never holds a staff user, so `request.user` stays anonymous and every staff page and API route
refuses a portal session as it refuses a stranger. Signing in flushes the session first (a new
session key, and no staff sign-in of the same browser carried over)."""

from __future__ import annotations

import ipaddress
from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone

from peyvand.contacts.models import Contact

SESSION_KEY = "portal_contact_id"
SIGNED_IN_AT_KEY = "portal_signed_in_at"
PENDING_KEY = "portal_pending_code"


def sign_in(request: HttpRequest, contact: Contact) -> None:
    request.session.flush()
    request.session[SESSION_KEY] = contact.pk
    request.session[SIGNED_IN_AT_KEY] = timezone.now().isoformat()
    request.session.set_expiry(settings.PORTAL_SESSION_HOURS * 3600)
    request.portal_contact = contact


def sign_out(request: HttpRequest) -> None:
    request.session.flush()
    request.portal_contact = None


def portal_contact(request: HttpRequest) -> Contact | None:
    """The signed-in customer (an alive contact), cached on the request."""
    if not hasattr(request, "portal_contact"):
        contact_id = request.session.get(SESSION_KEY)
        contact = None
        if isinstance(contact_id, int):
            contact = Contact.objects.alive().filter(pk=contact_id).first()
        request.portal_contact = contact
    return request.portal_contact


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's IP address (X-Forwarded-For only behind a proxy that sets it itself)."""
    value = request.META.get("REMOTE_ADDR", "")
    if settings.PORTAL_TRUST_X_FORWARDED_FOR:
        value = request.headers.get("X-Forwarded-For", "").split(",")[0].strip() or value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def customer_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if portal_contact(request) is None:
            return redirect("portal:login")
        return view(request, *args, **kwargs)

    return wrapper

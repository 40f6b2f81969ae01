"""The public side of web forms: the endpoint websites post to, and a hosted page per form.

No login: a submission is accepted only for an active form's key, and is further protected by
a honeypot field, rate limits (per visitor IP and per form), a small body limit and the same
validation as every other channel. Cross-origin by design: any site may post (CORS)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from peyvand.accounts.permissions import public_route

from . import services
from .forms import FORM_FIELD_NAMES, FORM_FIELDS, HONEYPOT_FIELD
from .inputs import LeadDataForm, LeadInput
from .models import LeadForm

logger = logging.getLogger(__name__)

# The hosted form and its answers are shown inside other websites' iframes, and a submission
# may redirect to the website's own thank-you page.
_embeddable = csp_replace({"frame-ancestors": ["*"], "form-action": ["'self'", "https:", "http:"]})

SOURCE_FIELDS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "page_url",
    "referrer",
)
FIELD_LABELS = dict(FORM_FIELDS)


def max_body_bytes() -> int:
    return int(getattr(settings, "LEADS_FORM_MAX_BYTES", 16 * 1024))


def rate_per_ip() -> int:
    return int(getattr(settings, "LEADS_FORM_RATE_PER_IP", 5))


def rate_per_form() -> int:
    return int(getattr(settings, "LEADS_FORM_RATE_PER_FORM", 120))


RATE_WINDOW_SECONDS = 60


# --- The form a visitor fills in -------------------------------------------------------------


def required_fields(lead_form: LeadForm) -> tuple[str, ...]:
    return tuple(f["field"] for f in lead_form.fields if f.get("required"))


def field_label(config: dict[str, Any]) -> str:
    return config.get("label") or str(FIELD_LABELS.get(config["field"], config["field"]))


class PublicForm(LeadDataForm):
    """The visitor's form: only the fields the designer chose, in the designer's order."""

    def __init__(self, *args: Any, lead_form: LeadForm, **kwargs: Any) -> None:
        super().__init__(*args, required=required_fields(lead_form), **kwargs)
        chosen = [f for f in lead_form.fields if f.get("field") in FORM_FIELD_NAMES]
        keep = {f["field"] for f in chosen}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for config in chosen:
            self.fields[config["field"]].label = field_label(config)
        if lead_form.consent_text:
            self.fields["consent"] = forms.BooleanField(
                label=lead_form.consent_text,
                required=True,
                error_messages={"required": gettext_lazy("Please agree to continue.")},
            )
        self.order_fields([f["field"] for f in chosen])

    def clean(self) -> dict[str, Any]:
        # The phone-or-email rule applies only to what this form asks for.
        data = forms.Form.clean(self)
        asked = set(self.fields) & {"phone", "email"}
        if asked and not self.errors and not any(data.get(name) for name in asked):
            raise ValidationError(
                _("Give a phone number or an email address, so we can get back to you.")
            )
        return data


def submit_url(request: HttpRequest, lead_form: LeadForm) -> str:
    return request.build_absolute_uri(reverse("leads:public_submit", args=[lead_form.key]))


def snippets(request: HttpRequest, lead_form: LeadForm) -> dict[str, str]:
    """The embeddable code for a form: a plain HTML form, and the same with a small script
    that submits it in the background and shows the answer in place."""
    with override(lead_form.language):
        context = {
            "form": PublicForm(lead_form=lead_form),
            "lead_form": lead_form,
            "action": submit_url(request, lead_form),
            "honeypot": HONEYPOT_FIELD,
            "dir": "rtl" if lead_form.language == "fa" else "ltr",
            "submit_label": lead_form.submit_label or _("Send"),
        }
        html = render_to_string("leads/snippets/form.html", context).strip()
        script = render_to_string("leads/snippets/script.html", context).strip()
    return {"html": html, "js": f"{html}\n{script}"}


# --- HTTP ------------------------------------------------------------------------------------


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    content_type = request.content_type or ""
    return (
        "application/json" in accept
        or content_type == "application/json"
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _client_ip(request: HttpRequest) -> str:
    if getattr(settings, "LEADS_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _over_limit(key: str, limit: int) -> bool:
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def _rate_limited(request: HttpRequest, lead_form: LeadForm) -> bool:
    ip = _client_ip(request)
    per_ip = _over_limit(f"leads:form-rate:{lead_form.pk}:{ip}", rate_per_ip())
    per_form = _over_limit(f"leads:form-rate:{lead_form.pk}", rate_per_form())
    return per_ip or per_form


class BadBody(ValueError):
    pass


def _parse_body(request: HttpRequest) -> dict[str, Any]:
    body = request.body
    if len(body) > max_body_bytes():
        raise RequestDataTooBig()
    if request.content_type == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadBody() from exc
        if not isinstance(data, dict):
            raise BadBody()
        values: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, bool):
                values[key] = value
            elif isinstance(value, str | int | float):
                values[key] = str(value)
            elif value is not None:
                raise BadBody()
        return values
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        try:
            body.decode("utf-8")
            query = (
                QueryDict(body, encoding="utf-8")
                if request.content_type != "multipart/form-data"
                else request.POST
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadBody() from exc
        return {key: query.get(key) for key in query}
    raise BadBody()


def _source(request: HttpRequest, values: dict[str, Any]) -> dict[str, Any]:
    source = {key: values[key] for key in SOURCE_FIELDS if values.get(key)}
    page = request.headers.get("Referer", "")
    if page and "page_url" not in source:
        source["page_url"] = page
    # A plain HTML form has no script to copy UTM tags: read them from the page's address.
    page_query = urlsplit(source.get("page_url", "")).query
    for key, value in parse_qsl(page_query):
        if key.startswith("utm_") and key in SOURCE_FIELDS and key not in source:
            source[key] = value
    origin = request.headers.get("Origin")
    if origin:
        source["origin"] = origin
    return source


def _error_response(request, lead_form, status: int, message: str, errors=None, form=None):
    if _wants_json(request) or lead_form is None:
        body: dict[str, Any] = {"detail": message}
        if errors:
            body["errors"] = errors
        return _cors(JsonResponse(body, status=status))
    return _cors(
        render(
            request,
            "leads/public_form.html",
            {
                "lead_form": lead_form,
                "form": form or PublicForm(lead_form=lead_form),
                "error": message,
                "action": submit_url(request, lead_form),
                "honeypot": HONEYPOT_FIELD,
            },
            status=status,
        )
    )


def _success(request: HttpRequest, lead_form: LeadForm) -> HttpResponse:
    message = lead_form.success_message or _("Thank you! We will get back to you soon.")
    if _wants_json(request):
        return _cors(JsonResponse({"ok": True, "message": message}))
    if lead_form.redirect_url:
        return _cors(HttpResponseRedirect(lead_form.redirect_url, status=303))
    return _cors(
        render(request, "leads/public_thanks.html", {"lead_form": lead_form, "message": message})
    )


def _active_form(key: str) -> LeadForm | None:
    if not key or len(key) > 40:
        return None
    return LeadForm.objects.filter(key=key, is_active=True).first()


@csrf_exempt
@_embeddable
@public_route
def submit(request: HttpRequest, key: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    lead_form = _active_form(key)
    language = lead_form.language if lead_form else settings.LANGUAGE_CODE
    with override(language):
        if request.method != "POST":
            response = _cors(JsonResponse({"detail": _("Send the form with POST.")}, status=405))
            response["Allow"] = "POST, OPTIONS"
            return response
        if lead_form is None:
            return _error_response(
                request, None, 404, _("This form does not exist or was switched off.")
            )
        return _submit(request, lead_form)


def _submit(request: HttpRequest, lead_form: LeadForm) -> HttpResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > max_body_bytes():
        return _error_response(request, lead_form, 413, _("The submission is too large."))
    if _rate_limited(request, lead_form):
        response = _error_response(
            request, lead_form, 429, _("Too many submissions. Please try again in a minute.")
        )
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
        return response
    try:
        values = _parse_body(request)
    except RequestDataTooBig:
        return _error_response(request, lead_form, 413, _("The submission is too large."))
    except BadBody:
        return _error_response(request, lead_form, 400, _("The submission could not be read."))
    if values.get(HONEYPOT_FIELD):
        # Bots fill every field; answer as if it worked so they learn nothing.
        logger.info("Honeypot triggered on lead form %s", lead_form.pk)
        return _success(request, lead_form)
    form = PublicForm(values, lead_form=lead_form)
    if not form.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        return _error_response(
            request, lead_form, 422, _("Please correct the highlighted fields."), errors, form
        )
    data = LeadInput.from_clean(form.cleaned_data)
    if not data.language:
        data.language = lead_form.language
    try:
        services.capture_lead(
            channel=lead_form.channel,
            data=data,
            source=_source(request, values),
            form=lead_form,
            idempotency_key=str(values.get("submission_id") or "")[:100] or None,
        )
    except services.IdempotencyConflict:
        pass  # the same submission id sent twice with different content: keep the first
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _error_response(
            request, lead_form, 422, _("Please correct the highlighted fields."), errors, form
        )
    return _success(request, lead_form)


@xframe_options_exempt
@_embeddable
@public_route
def hosted_form(request: HttpRequest, key: str) -> HttpResponse:
    """The form on a page of its own, for a link or an iframe."""
    lead_form = _active_form(key)
    if lead_form is None:
        return render(request, "leads/public_missing.html", status=404)
    with override(lead_form.language):
        return render(
            request,
            "leads/public_form.html",
            {
                "lead_form": lead_form,
                "form": PublicForm(lead_form=lead_form),
                "action": submit_url(request, lead_form),
                "honeypot": HONEYPOT_FIELD,
            },
        )

"""Sign-in, profile, language, API tokens and notifications: thin views over services/selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from peyvand.core.pagination import InvalidCursor

from . import selectors, services
from .forms import ApiTokenForm, ProfileForm
from .models import User
from .permissions import login_only, public_route


@public_route
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["cooloff_minutes"] = round(settings.AXES_COOLOFF_TIME * 60)
        return context


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE), in the visitor's language."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        context,
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )


@public_route
class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image tag cannot sign anyone out."""


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
@public_route
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.set_language(request.user, language)
    # Also remembered in the cookie, so the sign-in page keeps the language after signing out.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 60 * 60 * 24 * 365,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response


@login_required
@login_only
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user
    profile_form = ProfileForm(instance=user, prefix="profile")
    password_form = PasswordChangeForm(user, prefix="password")
    if request.method == "POST":
        if "password-old_password" in request.POST:
            password_form = PasswordChangeForm(user, request.POST, prefix="password")
            if password_form.is_valid():
                password_form.save()
                update_session_auth_hash(request, password_form.user)
                messages.success(request, _("Your password was changed."))
                return redirect("accounts:profile")
        else:
            profile_form = ProfileForm(
                request.POST, instance=User.objects.get(pk=user.pk), prefix="profile"
            )
            if profile_form.is_valid():
                data = profile_form.cleaned_data
                services.update_profile(
                    user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    language=data["language"],
                    time_zone=data["time_zone"],
                )
                messages.success(request, _("Your profile was saved."))
                return redirect("accounts:profile")
    status = 422 if profile_form.errors or password_form.errors else 200
    return render(
        request,
        "accounts/profile.html",
        {"profile_form": profile_form, "password_form": password_form},
        status=status,
    )


@never_cache
@login_required
@login_only
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm()
    new_token = None
    status = 200
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            _token, new_token = services.issue_api_token(request.user, form.cleaned_data["name"])
            form = ApiTokenForm()
        else:
            status = 422
    # The raw token is rendered in this response only; it is never stored or redirected with.
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": selectors.user_tokens(request.user), "new_token": new_token},
        status=status,
    )


@require_POST
@login_required
@login_only
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if not services.revoke_api_token(request.user, token_id):
        raise Http404
    messages.success(request, _("The token was revoked. Programs using it can no longer sign in."))
    return redirect("accounts:api_tokens")


@login_required
@login_only
def notifications(request: HttpRequest) -> HttpResponse:
    try:
        page = selectors.notifications_page(request.user, cursor=request.GET.get("cursor"))
    except InvalidCursor:
        return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"page": page})


@require_POST
@login_required
@login_only
def mark_notifications_read(request: HttpRequest) -> HttpResponse:
    raw_ids = request.POST.getlist("id")
    ids = [int(i) for i in raw_ids if i.isdigit()] if raw_ids else None
    services.mark_notifications_read(request.user, ids)
    if request.htmx:
        return _count_fragment(request)
    return redirect(safe_next(request, reverse("accounts:notifications")))


@require_GET
@public_route
def notification_count(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # htmx polls this from every page; an expired session should not swap in a login page.
        return HttpResponse(status=204)
    return _count_fragment(request)


def _count_fragment(request: HttpRequest) -> HttpResponse:
    count = selectors.unread_notification_count(request.user)
    return render(
        request,
        "accounts/notification_count.html",
        {
            "count": count,
            "capped": count > selectors.UNREAD_COUNT_CAP,
            "cap": selectors.UNREAD_COUNT_CAP,
        },
    )

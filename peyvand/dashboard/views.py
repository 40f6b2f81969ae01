from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.accounts.permissions import login_only

from . import selectors


def greeting(now=None) -> str:
    hour = timezone.localtime(now or timezone.now()).hour
    if 5 <= hour < 12:
        return _("Good morning")
    if 12 <= hour < 17:
        return _("Good afternoon")
    return _("Good evening")


@login_required
@login_only
def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home(request.user)
    context["greeting"] = greeting()
    context["now"] = timezone.now()
    return render(request, "dashboard/home.html", context)

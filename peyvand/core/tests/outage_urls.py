"""The project's URLs plus views that fail the way an unreachable database does (tests only)."""

from django.db import InterfaceError, OperationalError
from django.urls import path

from peyvand.urls import handler500  # noqa: F401
from peyvand.urls import urlpatterns as project_urlpatterns


def operational(request):
    raise OperationalError("server closed the connection unexpectedly")


def interface(request):
    raise InterfaceError("connection already closed")


def bug(request):
    raise ValueError("an ordinary bug")


urlpatterns = [
    path("outage/operational/", operational),
    path("outage/interface/", interface),
    path("outage/bug/", bug),
    *project_urlpatterns,
]

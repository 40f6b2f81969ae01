from django.conf import settings
from django.urls import include, path

from peyvand.api import api

urlpatterns = [
    path("", include("peyvand.dashboard.urls")),
    path("accounts/", include("peyvand.accounts.urls")),
    path("contacts/", include("peyvand.contacts.urls")),
    path("timeline/", include("peyvand.timeline.urls")),
    path("tasks/", include("peyvand.tasks.urls")),
    path("leads/", include("peyvand.leads.urls")),
    path("commerce/", include("peyvand.commerce.urls")),
    path("sales/", include("peyvand.sales.urls")),
    path("commissions/", include("peyvand.commissions.urls")),
    path("service/", include("peyvand.service.urls")),
    path("knowledge/", include("peyvand.knowledge.urls")),
    path("portal/", include("peyvand.portal.urls")),
    path("imports/", include("peyvand.imports.urls")),
    path("exports/", include("peyvand.exports.urls")),
    path("search/", include("peyvand.search.urls")),
    path("api/v1/", api.urls),
]

# A database outage outside a view (a middleware's session lookup) is a 503 too.
handler500 = "peyvand.core.errors.server_error"
# An address under /api/ that no route matches ("/api/v1/tasks/abc") answers in the API's JSON.
handler404 = "peyvand.api.not_found"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

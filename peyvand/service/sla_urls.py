"""Service-level pages, included by service/urls.py (names in the "service" namespace)."""

from django.urls import path

from . import sla_views as views

urlpatterns = [
    path("sla/", views.settings_index, name="sla_settings"),
    path("sla/calendars/new/", views.calendar_new, name="sla_calendar_new"),
    path("sla/calendars/<int:pk>/", views.calendar_edit, name="sla_calendar"),
    path("sla/calendars/<int:pk>/delete/", views.calendar_delete, name="sla_calendar_delete"),
    path("sla/calendars/<int:pk>/holidays/", views.holiday_add, name="sla_holiday_add"),
    path("sla/calendars/<int:pk>/holidays/seed/", views.holidays_seed, name="sla_holidays_seed"),
    path("sla/holidays/<int:pk>/delete/", views.holiday_delete, name="sla_holiday_delete"),
    path("sla/policies/new/", views.policy_new, name="sla_policy_new"),
    path("sla/policies/<int:pk>/", views.policy_edit, name="sla_policy"),
    path("sla/policies/<int:pk>/delete/", views.policy_delete, name="sla_policy_delete"),
    path("sla/breaches/", views.breaches, name="sla_breaches"),
    path("reports/", views.report, name="reports"),
    path("reports.csv", views.report_csv, name="reports_csv"),
    path("csat/<str:token>/", views.csat_page, name="csat"),
]
